using Microsoft.EntityFrameworkCore;

namespace Siyu.Server.Lottery;

/// <summary>A lottery (抽奖) with its rules; instants in UTC ticks.</summary>
public sealed class LotteryRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public string Name { get; set; } = "";
    /// <summary>active, paused or ended (ended is final and reveals the seed).</summary>
    public string Status { get; set; } = "active";
    public long? StartsAtTicks { get; set; }
    public long? EndsAtTicks { get; set; }
    public long? AudienceId { get; set; }
    public int DrawsPerDay { get; set; }
    public int DrawsTotal { get; set; }
    public long PointsCost { get; set; }
    /// <summary>The secret behind every ticket; only its SHA-256 (<see cref="Commitment"/>) is shown until the lottery ends.</summary>
    public byte[] Seed { get; set; } = [];
    public string Commitment { get; set; } = "";
    /// <summary>Draws so far; every draw increments it first, which also serialises draws of one lottery.</summary>
    public int Draws { get; set; }
    public long CreatedAtTicks { get; set; }
    public string CreatedBy { get; set; } = "";
    public long? EndedAtTicks { get; set; }
}

public sealed class LotteryPrizeRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public long LotteryId { get; set; }
    public int Position { get; set; }
    public string Name { get; set; } = "";
    public string Kind { get; set; } = "";
    /// <summary>Parts per million of a draw.</summary>
    public int Chance { get; set; }
    public int Stock { get; set; }
    /// <summary>Decremented by a conditional UPDATE (… WHERE Remaining &gt; 0) in the draw's transaction.</summary>
    public int Remaining { get; set; }
    public long? CouponTemplateId { get; set; }
    public long Points { get; set; }
}

/// <summary>One draw: the ticket, what it won, and how the prize went out.</summary>
public sealed class LotteryDrawRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public long LotteryId { get; set; }
    public long CustomerId { get; set; }
    /// <summary>The customer's n-th draw of this lottery (from 1): part of the ticket's input.</summary>
    public int DrawNumber { get; set; }
    /// <summary>China-time day (yyyyMMdd) for the per-day limit.</summary>
    public int DayKey { get; set; }
    public int Ticket { get; set; }
    public long? PrizeId { get; set; }
    /// <summary>won, no_prize, or sold_out (the ticket fell on a prize with no stock left).</summary>
    public string Outcome { get; set; } = "";
    /// <summary>none, pending, delivered, failed, or to_fulfil (a gift staff hand over).</summary>
    public string RewardStatus { get; set; } = "none";
    /// <summary>The coupon code or points ledger entry id; for a failure, why.</summary>
    public string? RewardRef { get; set; }
    public long PointsPaid { get; set; }
    public string IdempotencyKey { get; set; } = "";
    public long AtTicks { get; set; }
    public string Actor { get; set; } = "";
}

internal static class LotteryRows
{
    public static void Configure(ModelBuilder b)
    {
        b.Entity<LotteryRow>(e =>
        {
            e.ToTable("lotteries");
            e.HasIndex(l => new { l.TenantId, l.Id });
            e.Property(l => l.Name).HasMaxLength(60);
            e.Property(l => l.Status).HasMaxLength(16);
            e.Property(l => l.Commitment).HasMaxLength(64);
        });
        b.Entity<LotteryPrizeRow>(e =>
        {
            e.ToTable("lottery_prizes");
            e.HasIndex(p => new { p.TenantId, p.LotteryId, p.Position }).IsUnique();
            e.Property(p => p.Name).HasMaxLength(60);
            e.Property(p => p.Kind).HasMaxLength(16);
        });
        b.Entity<LotteryDrawRow>(e =>
        {
            e.ToTable("lottery_draws");
            e.HasIndex(d => new { d.TenantId, d.LotteryId, d.IdempotencyKey }).IsUnique();
            e.HasIndex(d => new { d.TenantId, d.LotteryId, d.CustomerId, d.DrawNumber }).IsUnique();
            e.HasIndex(d => new { d.TenantId, d.LotteryId, d.Id });
            e.Property(d => d.Outcome).HasMaxLength(16);
            e.Property(d => d.RewardStatus).HasMaxLength(16);
            e.Property(d => d.RewardRef).HasMaxLength(200);
            e.Property(d => d.IdempotencyKey).HasMaxLength(128);
            e.Property(d => d.Actor).HasMaxLength(200);
        });
    }
}
