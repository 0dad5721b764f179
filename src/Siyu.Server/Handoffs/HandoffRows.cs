using Microsoft.EntityFrameworkCore;

namespace Siyu.Server.Handoffs;

/// <summary>
/// A handoff (转人工): raised when a customer's message hits a sensitive topic; at most one open or claimed per customer.
/// While it is not resolved, automation for the customer is paused (journeys hold, automated sends are excluded).
/// </summary>
public sealed class HandoffRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public long CustomerId { get; set; }
    /// <summary>The staff member the customer wrote to (scopes the handoff), when known.</summary>
    public string? StaffUserId { get; set; }
    /// <summary>open, claimed or resolved.</summary>
    public string Status { get; set; } = HandoffStatus.Open;
    /// <summary>JSON array of the distinct sensitive words hit, in order of first hit.</summary>
    public string Topics { get; set; } = "[]";
    /// <summary>The log seq of the message.received that opened it (unique per tenant and customer: replays don't reopen).</summary>
    public long TriggerSeq { get; set; }
    public string? TriggerMsgId { get; set; }
    /// <summary>The opening message's text (first 200 characters), encrypted with the PII cipher.</summary>
    public string? TriggerText { get; set; }
    /// <summary>How many messages hit while it was open (the first included).</summary>
    public int Hits { get; set; } = 1;
    public long LastHitSeq { get; set; }
    public long LastHitAtTicks { get; set; }
    /// <summary>JSON array of the WeCom userids the app message went to.</summary>
    public string? NotifiedTo { get; set; }
    public long OpenedAtTicks { get; set; }
    public long? ClaimedAtTicks { get; set; }
    public string? ClaimedBy { get; set; }
    public long? ResolvedAtTicks { get; set; }
    public string? ResolvedBy { get; set; }
    public string? Note { get; set; }
}

/// <summary>A tenant's sensitive-topic settings (absent: the defaults for its industry).</summary>
public sealed class SensitiveTopicSettingsRow
{
    public int TenantId { get; set; }
    public bool Enabled { get; set; } = true;
    public string Lists { get; set; } = "[]";
    public string Custom { get; set; } = "[]";
    public string Excluded { get; set; } = "[]";
    public string Supervisors { get; set; } = "[]";
    public long UpdatedAtTicks { get; set; }
    public string? UpdatedBy { get; set; }
}

public static class HandoffStatus
{
    public const string Open = "open";
    public const string Claimed = "claimed";
    public const string Resolved = "resolved";

    public static readonly IReadOnlyList<string> All = [Open, Claimed, Resolved];
}

internal static class HandoffRows
{
    public static void Configure(ModelBuilder b)
    {
        b.Entity<HandoffRow>(e =>
        {
            e.ToTable("handoffs");
            e.HasIndex(h => new { h.TenantId, h.CustomerId, h.TriggerSeq }).IsUnique();
            e.HasIndex(h => new { h.TenantId, h.Status, h.Id });
            e.Property(h => h.Status).HasMaxLength(16);
            e.Property(h => h.StaffUserId).HasMaxLength(64);
            e.Property(h => h.TriggerMsgId).HasMaxLength(128);
        });
        b.Entity<SensitiveTopicSettingsRow>(e =>
        {
            e.ToTable("sensitive_topic_settings");
            e.HasKey(s => s.TenantId);
        });
    }
}
