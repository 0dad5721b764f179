using Microsoft.EntityFrameworkCore;

namespace Siyu.Server.Loyalty;

/// <summary>
/// One customer's points account: the balance (always the sum of the ledger and of the open lots' remaining points,
/// never negative) and the member tier. Every change locks this row first (an UPDATE inside the transaction), so
/// parallel spends of one customer serialise on SQLite and PostgreSQL alike.
/// </summary>
public sealed class PointsAccountRow
{
    public int TenantId { get; set; }
    public long CustomerId { get; set; }
    public long Balance { get; set; }
    public string Tier { get; set; } = "";
    /// <summary>When a review first found the member below their tier's threshold (the downgrade grace clock), or null.</summary>
    public long? BelowSinceTicks { get; set; }
    public long UpdatedAtTicks { get; set; }
}

/// <summary>Points earned together (one order, one positive adjustment), spent first-expiring-first.</summary>
public sealed class PointsLotRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public long CustomerId { get; set; }
    public long EntryId { get; set; }
    public string? SourceRef { get; set; }
    public long EarnedAtTicks { get; set; }
    public long ExpiresAtTicks { get; set; }
    public long Amount { get; set; }
    public long Remaining { get; set; }
}

/// <summary>The append-only points ledger: one row per change, signed amount, unique per tenant and idempotency key.</summary>
public sealed class PointsLedgerRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public long CustomerId { get; set; }
    /// <summary>earn, spend, expire, adjust or reverse (<see cref="Siyu.Core.Loyalty.PointsKind"/>).</summary>
    public string Kind { get; set; } = "";
    /// <summary>Signed: positive adds points.</summary>
    public long Amount { get; set; }
    public long BalanceAfter { get; set; }
    /// <summary>A refund's points that could not be clawed back (already spent or expired); balances never go negative.</summary>
    public long Shortfall { get; set; }
    public string? Reason { get; set; }
    /// <summary>What caused it: <c>order:{id}</c>, <c>event:{seq}</c>, <c>lot:{id}</c>, or the caller's reference.</summary>
    public string? SourceRef { get; set; }
    public string IdempotencyKey { get; set; } = "";
    /// <summary>Earn: the order's paid amount in cents; reverse: the refunded amount in cents.</summary>
    public long? AmountCents { get; set; }
    public long AtTicks { get; set; }
    public string? Actor { get; set; }
}

/// <summary>A tenant's loyalty settings as JSON (absent: the defaults).</summary>
public sealed class LoyaltySettingsRow
{
    public int TenantId { get; set; }
    public string Json { get; set; } = "{}";
    public long UpdatedAtTicks { get; set; }
    public string? UpdatedBy { get; set; }
}

/// <summary>How far the points earner has read the event log (one row, id 1; seqs are global).</summary>
public sealed class LoyaltyCursorRow
{
    public int Id { get; set; }
    public long Seq { get; set; }
}

internal static class LoyaltyRows
{
    public static void Configure(ModelBuilder b)
    {
        b.Entity<PointsAccountRow>(e =>
        {
            e.ToTable("points_accounts");
            e.HasKey(a => new { a.TenantId, a.CustomerId });
            e.HasIndex(a => new { a.TenantId, a.Tier });
            e.Property(a => a.Tier).HasMaxLength(32);
        });
        b.Entity<PointsLotRow>(e =>
        {
            e.ToTable("points_lots");
            e.HasIndex(l => new { l.TenantId, l.CustomerId, l.ExpiresAtTicks });
            e.HasIndex(l => new { l.ExpiresAtTicks, l.Remaining });
            e.Property(l => l.SourceRef).HasMaxLength(160);
        });
        b.Entity<PointsLedgerRow>(e =>
        {
            e.ToTable("points_ledger");
            e.HasIndex(l => new { l.TenantId, l.IdempotencyKey }).IsUnique();
            e.HasIndex(l => new { l.TenantId, l.CustomerId, l.Id });
            e.HasIndex(l => new { l.TenantId, l.CustomerId, l.SourceRef });
            e.Property(l => l.Kind).HasMaxLength(16);
            e.Property(l => l.Reason).HasMaxLength(200);
            e.Property(l => l.SourceRef).HasMaxLength(160);
            e.Property(l => l.IdempotencyKey).HasMaxLength(200);
            e.Property(l => l.Actor).HasMaxLength(128);
        });
        b.Entity<LoyaltySettingsRow>(e =>
        {
            e.ToTable("loyalty_settings");
            e.HasKey(s => s.TenantId);
        });
        b.Entity<LoyaltyCursorRow>(e =>
        {
            e.ToTable("loyalty_cursor");
            e.Property(c => c.Id).ValueGeneratedNever();
        });
    }
}
