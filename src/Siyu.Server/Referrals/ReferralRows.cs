using Microsoft.EntityFrameworkCore;

namespace Siyu.Server.Referrals;

/// <summary>A referral campaign (任务宝/裂变); instants in UTC ticks.</summary>
public sealed class ReferralCampaignRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public string Name { get; set; } = "";
    /// <summary>active, paused or ended (ended is final).</summary>
    public string Status { get; set; } = "active";
    public long? StartsAtTicks { get; set; }
    public long? EndsAtTicks { get; set; }
    /// <summary>The channel code (渠道活码) whose staff, verification, tags and welcome every inviter's personal code shares.</summary>
    public long ChannelCodeId { get; set; }
    /// <summary>JSON of <see cref="Core.Referrals.ReferralRules"/> (caps, anti-fraud thresholds, tiers).</summary>
    public string Rules { get; set; } = "{}";
    public string PosterTitle { get; set; } = "";
    /// <summary>#RRGGBB.</summary>
    public string PosterColor { get; set; } = "#C62828";
    public long CreatedAtTicks { get; set; }
    public string CreatedBy { get; set; } = "";
    public long? EndedAtTicks { get; set; }
}

/// <summary>A customer taking part: their own WeCom contact way (state <c>rf_{Code}</c>) and poster.</summary>
public sealed class ReferralParticipantRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public long CampaignId { get; set; }
    public long CustomerId { get; set; }
    /// <summary>Short random code, unique per tenant; the contact way's state is "rf_" + code.</summary>
    public string Code { get; set; } = "";
    public string? ConfigId { get; set; }
    public string? QrCode { get; set; }
    public string Nickname { get; set; } = "";
    /// <summary>The contact way's QR image, fetched once for the poster.</summary>
    public byte[]? QrImage { get; set; }
    /// <summary>Adds through this code deleted within minutes (a fraud signal).</summary>
    public int RapidDeletes { get; set; }
    public bool Blocked { get; set; }
    public long JoinedAtTicks { get; set; }
}

/// <summary>One add through an inviter's code, counted or not, and whether a delete revoked it.</summary>
public sealed class ReferralInviteRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public long CampaignId { get; set; }
    public long ParticipantId { get; set; }
    public long InviterId { get; set; }
    public long InviteeId { get; set; }
    public string StaffUserId { get; set; } = "";
    /// <summary>counted, not_counted or revoked.</summary>
    public string Status { get; set; } = "";
    /// <summary>Why (see <see cref="Core.Referrals.InviteReasons"/>); for a revoke, the revoke's reason.</summary>
    public string Reason { get; set; } = "";
    /// <summary>The add callback's key: a retried callback finds its invite instead of adding one.</summary>
    public string EventKey { get; set; } = "";
    public long AddedAtTicks { get; set; }
    /// <summary>Tenant-local day (day number) of the add, for the daily cap.</summary>
    public int Day { get; set; }
    public long? DeletedAtTicks { get; set; }
    public long? RevokedAtTicks { get; set; }
}

/// <summary>A tier's reward for one inviter: unique per campaign, participant and tier, so granted at most once.</summary>
public sealed class ReferralRewardRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public long CampaignId { get; set; }
    public long ParticipantId { get; set; }
    public long CustomerId { get; set; }
    public int Tier { get; set; }
    public int Invites { get; set; }
    public string Kind { get; set; } = "";
    /// <summary>pending, delivered or failed.</summary>
    public string Status { get; set; } = "pending";
    /// <summary>Coupon code, points entry, outbound message id or tag; for a failure, why.</summary>
    public string? Ref { get; set; }
    public long AtTicks { get; set; }
}

internal static class ReferralRows
{
    public static void Configure(ModelBuilder b)
    {
        b.Entity<ReferralCampaignRow>(e =>
        {
            e.ToTable("referral_campaigns");
            e.HasIndex(c => new { c.TenantId, c.Id });
            e.Property(c => c.Name).HasMaxLength(60);
            e.Property(c => c.Status).HasMaxLength(16);
            e.Property(c => c.PosterTitle).HasMaxLength(60);
            e.Property(c => c.PosterColor).HasMaxLength(7);
            e.Property(c => c.CreatedBy).HasMaxLength(200);
        });
        b.Entity<ReferralParticipantRow>(e =>
        {
            e.ToTable("referral_participants");
            e.HasIndex(p => new { p.TenantId, p.CampaignId, p.CustomerId }).IsUnique();
            e.HasIndex(p => p.Code).IsUnique();
            e.Property(p => p.Code).HasMaxLength(27);
            e.Property(p => p.ConfigId).HasMaxLength(64);
            e.Property(p => p.QrCode).HasMaxLength(500);
            e.Property(p => p.Nickname).HasMaxLength(100);
        });
        b.Entity<ReferralInviteRow>(e =>
        {
            e.ToTable("referral_invites");
            e.HasIndex(i => new { i.TenantId, i.EventKey }).IsUnique();
            e.HasIndex(i => new { i.TenantId, i.CampaignId, i.ParticipantId, i.Day });
            e.HasIndex(i => new { i.TenantId, i.InviteeId });
            e.Property(i => i.StaffUserId).HasMaxLength(64);
            e.Property(i => i.Status).HasMaxLength(16);
            e.Property(i => i.Reason).HasMaxLength(40);
            e.Property(i => i.EventKey).HasMaxLength(200);
        });
        b.Entity<ReferralRewardRow>(e =>
        {
            e.ToTable("referral_rewards");
            e.HasIndex(r => new { r.TenantId, r.CampaignId, r.ParticipantId, r.Tier }).IsUnique();
            e.Property(r => r.Kind).HasMaxLength(16);
            e.Property(r => r.Status).HasMaxLength(16);
            e.Property(r => r.Ref).HasMaxLength(200);
        });
    }
}
