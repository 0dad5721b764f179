using Microsoft.EntityFrameworkCore;

namespace Siyu.Server.CheckIns;

/// <summary>A check-in campaign (群打卡) with its rules; instants in UTC ticks, days in the tenant's time zone.</summary>
public sealed class CheckInCampaignRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public string Name { get; set; } = "";
    /// <summary>active, paused or ended (ended is final).</summary>
    public string Status { get; set; } = "active";
    public long? StartsAtTicks { get; set; }
    public long? EndsAtTicks { get; set; }
    public string MissedDayRule { get; set; } = "reset";
    public int MakeUpsPerMonth { get; set; }
    public int MakeUpWindowDays { get; set; }
    /// <summary>The rewards as JSON (<see cref="Core.CheckIns.CheckInReward"/> list); a reward's index is its identity.</summary>
    public string Rewards { get; set; } = "[]";
    public string? ReminderTime { get; set; }
    public string? ReminderText { get; set; }
    public long CreatedAtTicks { get; set; }
    public string CreatedBy { get; set; } = "";
    public long? EndedAtTicks { get; set; }
}

/// <summary>One check-in: one per customer and local day (unique), a make-up or not, and the streak it made.</summary>
public sealed class CheckInRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public long CampaignId { get; set; }
    public long CustomerId { get; set; }
    /// <summary>Local day number (<see cref="DateOnly.DayNumber"/>).</summary>
    public int Day { get; set; }
    public bool MakeUp { get; set; }
    public int StreakStart { get; set; }
    public int StreakLength { get; set; }
    public long AtTicks { get; set; }
    public string Actor { get; set; } = "";
}

/// <summary>A streak reward: unique per (customer, reward, streak start, milestone), so it is granted at most once.</summary>
public sealed class CheckInRewardRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public long CampaignId { get; set; }
    public long CustomerId { get; set; }
    public int RewardIndex { get; set; }
    public int StreakStart { get; set; }
    public int Milestone { get; set; }
    public string Name { get; set; } = "";
    public string Kind { get; set; } = "";
    /// <summary>pending, delivered, failed, or to_fulfil (a gift staff hand over).</summary>
    public string Status { get; set; } = "pending";
    /// <summary>The coupon code or points ledger entry; for a failure, why.</summary>
    public string? Ref { get; set; }
    public long CheckInId { get; set; }
    public long AtTicks { get; set; }
}

internal static class CheckInRows
{
    public static void Configure(ModelBuilder b)
    {
        b.Entity<CheckInCampaignRow>(e =>
        {
            e.ToTable("checkin_campaigns");
            e.HasIndex(c => new { c.TenantId, c.Id });
            e.Property(c => c.Name).HasMaxLength(60);
            e.Property(c => c.Status).HasMaxLength(16);
            e.Property(c => c.MissedDayRule).HasMaxLength(16);
            e.Property(c => c.Rewards).HasMaxLength(4000);
            e.Property(c => c.ReminderTime).HasMaxLength(5);
            e.Property(c => c.ReminderText).HasMaxLength(500);
            e.Property(c => c.CreatedBy).HasMaxLength(200);
        });
        b.Entity<CheckInRow>(e =>
        {
            e.ToTable("checkins");
            e.HasIndex(c => new { c.TenantId, c.CampaignId, c.CustomerId, c.Day }).IsUnique();
            e.HasIndex(c => new { c.TenantId, c.CampaignId, c.Day });
            e.Property(c => c.Actor).HasMaxLength(200);
        });
        b.Entity<CheckInRewardRow>(e =>
        {
            e.ToTable("checkin_rewards");
            e.HasIndex(r => new { r.TenantId, r.CampaignId, r.CustomerId, r.RewardIndex, r.StreakStart, r.Milestone }).IsUnique();
            e.Property(r => r.Name).HasMaxLength(60);
            e.Property(r => r.Kind).HasMaxLength(16);
            e.Property(r => r.Status).HasMaxLength(16);
            e.Property(r => r.Ref).HasMaxLength(200);
        });
    }
}
