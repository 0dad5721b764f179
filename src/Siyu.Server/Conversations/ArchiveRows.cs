using Microsoft.EntityFrameworkCore;

namespace Siyu.Server.Conversations;

/// <summary>
/// One archived message (会话内容存档). The body (WeCom's per-kind JSON) is encrypted with the PII cipher: message
/// contents are personal data, so the database file holds no plaintext of them; search goes through keyed term hashes.
/// </summary>
public sealed class ArchiveMessageRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public required string MsgId { get; set; }
    /// <summary>The archive's seq (the sidecar's cursor value); 0 when the sidecar did not send it.</summary>
    public long Seq { get; set; }
    /// <summary>WeCom's msgtime: milliseconds since the epoch, UTC.</summary>
    public long MsgTimeMs { get; set; }
    public required string Kind { get; set; }
    public required string Action { get; set; }
    public required string FromId { get; set; }
    /// <summary>JSON array of ids.</summary>
    public required string ToList { get; set; }
    public string RoomId { get; set; } = "";
    public string? StaffUserId { get; set; }
    public string? ExternalUserId { get; set; }
    /// <summary>Resolved through the One ID index from the external user id (canonical at ingestion time).</summary>
    public long? CustomerId { get; set; }
    public bool FromCustomer { get; set; }
    /// <summary>The PII cipher's blob of <c>{"body":…, "text":…}</c>.</summary>
    public required byte[] Content { get; set; }
    public bool Revoked { get; set; }
    /// <summary>For a revoke message: the id of the message it recalls.</summary>
    public string? RevokesMsgId { get; set; }
    public long ReceivedAtTicks { get; set; }
}

/// <summary>A search term of a message: the first 8 bytes of HMAC-SHA256 over the n-gram, keyed per installation, so the index does not spell out the text.</summary>
public sealed class ArchiveTermRow
{
    public int TenantId { get; set; }
    public long Term { get; set; }
    public long MessageId { get; set; }
}

/// <summary>The corp's archive private key of one <c>publickey_ver</c>, encrypted with the PII cipher; never returned.</summary>
public sealed class ArchiveKeyRow
{
    public int TenantId { get; set; }
    public int Version { get; set; }
    public required byte[] PrivateKey { get; set; }
    public required string Fingerprint { get; set; }
    public int KeySize { get; set; }
    public long CreatedAtTicks { get; set; }
    public required string CreatedBy { get; set; }
}

/// <summary>Archive settings and the sidecar's seq cursor, one row per tenant.</summary>
public sealed class ArchiveSettingsRow
{
    public int TenantId { get; set; }
    /// <summary>Messages older than this many days (by msgtime) are deleted; 0 keeps everything.</summary>
    public int RetentionDays { get; set; }
    public long Cursor { get; set; }
    public long CursorUpdatedAtTicks { get; set; }
    public long UpdatedAtTicks { get; set; }
    public string? UpdatedBy { get; set; }
}

internal static class ArchiveRows
{
    public static void Configure(ModelBuilder b)
    {
        b.Entity<ArchiveMessageRow>(e =>
        {
            e.ToTable("archive_messages");
            e.HasIndex(m => new { m.TenantId, m.MsgId }).IsUnique();
            e.HasIndex(m => new { m.TenantId, m.CustomerId, m.MsgTimeMs });
            e.HasIndex(m => new { m.TenantId, m.MsgTimeMs });
            e.HasIndex(m => new { m.TenantId, m.RevokesMsgId });
            e.Property(m => m.MsgId).HasMaxLength(128);
            e.Property(m => m.Kind).HasMaxLength(16);
            e.Property(m => m.Action).HasMaxLength(16);
        });
        b.Entity<ArchiveTermRow>(e =>
        {
            e.ToTable("archive_terms");
            e.HasKey(t => new { t.TenantId, t.Term, t.MessageId });
            e.HasIndex(t => t.MessageId);
        });
        b.Entity<ArchiveKeyRow>(e =>
        {
            e.ToTable("archive_keys");
            e.HasKey(k => new { k.TenantId, k.Version });
        });
        b.Entity<ArchiveSettingsRow>(e =>
        {
            e.ToTable("archive_settings");
            e.HasKey(s => s.TenantId);
        });
    }
}
