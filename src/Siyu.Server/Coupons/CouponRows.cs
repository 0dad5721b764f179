using Microsoft.EntityFrameworkCore;

namespace Siyu.Server.Coupons;

/// <summary>A coupon template (优惠券模板) with its live counters; money in fen, instants in UTC ticks.</summary>
public sealed class CouponTemplateRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public string Name { get; set; } = "";
    public string Kind { get; set; } = "";
    public long FaceValueFen { get; set; }
    public int PercentOff { get; set; }
    public long? MaxDiscountFen { get; set; }
    public string? GiftName { get; set; }
    public long MinSpendFen { get; set; }
    public long? ValidFromTicks { get; set; }
    public long? ValidUntilTicks { get; set; }
    public int? ValidDays { get; set; }
    public int TotalStock { get; set; }
    /// <summary>Decremented by a conditional UPDATE (… WHERE Remaining &gt; 0) in the issuing transaction.</summary>
    public int Remaining { get; set; }
    public int PerCustomerLimit { get; set; } = 1;
    public int? PerDayIssueCap { get; set; }
    /// <summary>The China-time day (yyyyMMdd) <see cref="DayIssued"/> counts for.</summary>
    public int DayKey { get; set; }
    public int DayIssued { get; set; }
    public int Redeemed { get; set; }
    /// <summary>JSON arrays; empty: every category / store.</summary>
    public string Categories { get; set; } = "[]";
    public string Stores { get; set; } = "[]";
    /// <summary>active or paused (paused: no new issues; issued coupons stay redeemable).</summary>
    public string Status { get; set; } = "active";
    public long CreatedAtTicks { get; set; }
    public string CreatedBy { get; set; } = "";
}

/// <summary>One issued coupon; the code is unique per tenant.</summary>
public sealed class CouponRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public long TemplateId { get; set; }
    public string Code { get; set; } = "";
    public long CustomerId { get; set; }
    public string Status { get; set; } = Core.Coupons.CouponStatus.Issued;
    public long IssuedAtTicks { get; set; }
    public string IssuedBy { get; set; } = "";
    /// <summary>The caller's idempotency key (a journey step, a campaign reward): one coupon per key, whatever the retries.</summary>
    public string? IssueKey { get; set; }
    public long ValidFromTicks { get; set; }
    public long ValidUntilTicks { get; set; }
    public long? RedeemedAtTicks { get; set; }
    public string? OrderId { get; set; }
    public string? StoreId { get; set; }
    public long? OrderAmountFen { get; set; }
    public long? DiscountFen { get; set; }
    public string? RedeemedBy { get; set; }
    public long? ExpiredAtTicks { get; set; }
}

internal static class CouponRows
{
    public static void Configure(ModelBuilder b)
    {
        b.Entity<CouponTemplateRow>(e =>
        {
            e.ToTable("coupon_templates");
            e.HasIndex(t => new { t.TenantId, t.Id });
            e.Property(t => t.Name).HasMaxLength(100);
            e.Property(t => t.Kind).HasMaxLength(16);
            e.Property(t => t.Status).HasMaxLength(16);
            e.Property(t => t.GiftName).HasMaxLength(100);
        });
        b.Entity<CouponRow>(e =>
        {
            e.ToTable("coupons");
            e.HasIndex(c => new { c.TenantId, c.Code }).IsUnique();
            e.HasIndex(c => new { c.TenantId, c.IssueKey }).IsUnique();
            e.Property(c => c.IssueKey).HasMaxLength(200);
            e.HasIndex(c => new { c.TenantId, c.TemplateId, c.CustomerId });
            e.HasIndex(c => new { c.TenantId, c.CustomerId });
            e.HasIndex(c => new { c.Status, c.ValidUntilTicks });
            e.Property(c => c.Code).HasMaxLength(16);
            e.Property(c => c.Status).HasMaxLength(16);
            e.Property(c => c.OrderId).HasMaxLength(128);
            e.Property(c => c.StoreId).HasMaxLength(64);
        });
    }
}
