using Microsoft.EntityFrameworkCore;

namespace Siyu.Server.Quality;

/// <summary>A tenant's quality-inspection rules as JSON (the API's shape); no row means the defaults.</summary>
public sealed class QualityRulesRow
{
    public int TenantId { get; set; }
    public required string Json { get; set; }
    public long UpdatedAtTicks { get; set; }
    public string? UpdatedBy { get; set; }
}

/// <summary>
/// The inspection of one conversation: a staff member with a customer (by external user id) over one tenant-local
/// day. Findings are JSON that reference archive message ids and spans; no message text is stored here.
/// </summary>
public sealed class QualityResultRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public required string StaffUserId { get; set; }
    public required string ExternalUserId { get; set; }
    public long? CustomerId { get; set; }
    public DateOnly Day { get; set; }
    public int Score { get; set; }
    public int CustomerMessages { get; set; }
    public int StaffMessages { get; set; }
    public int Timeouts { get; set; }
    public int ForbiddenHits { get; set; }
    public bool RequiredApplicable { get; set; }
    public bool RequiredHit { get; set; }
    public int NegativeMessages { get; set; }
    public int NegativeLate { get; set; }
    /// <summary>Set while the day's last customer messages are unanswered and not yet due: the row is provisional.</summary>
    public long? PendingDueMs { get; set; }
    /// <summary>The day ended with customer messages the staff member has not answered (yet): a later reply changes this row.</summary>
    public bool Unanswered { get; set; }
    public required string Findings { get; set; }
    public long InspectedAtTicks { get; set; }
}

/// <summary>How far the inspection worker has read the archive (archive message ids are increasing).</summary>
public sealed class QualityCursorRow
{
    public int TenantId { get; set; }
    public long LastMessageId { get; set; }
}

internal static class QualityRows
{
    public static void Configure(ModelBuilder b)
    {
        b.Entity<QualityRulesRow>(e =>
        {
            e.ToTable("quality_rules");
            e.HasKey(r => r.TenantId);
        });
        b.Entity<QualityResultRow>(e =>
        {
            e.ToTable("quality_results");
            e.HasIndex(r => new { r.TenantId, r.StaffUserId, r.ExternalUserId, r.Day }).IsUnique();
            e.HasIndex(r => new { r.TenantId, r.Day });
            e.HasIndex(r => new { r.TenantId, r.PendingDueMs });
            e.HasIndex(r => new { r.TenantId, r.Unanswered });
            e.Property(r => r.StaffUserId).HasMaxLength(128);
            e.Property(r => r.ExternalUserId).HasMaxLength(128);
        });
        b.Entity<QualityCursorRow>(e =>
        {
            e.ToTable("quality_cursors");
            e.HasKey(r => r.TenantId);
        });
    }
}
