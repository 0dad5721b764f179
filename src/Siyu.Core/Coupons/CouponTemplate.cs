using Siyu.Core.Events;

namespace Siyu.Core.Coupons;

public static class CouponKinds
{
    /// <summary>A fixed amount off (face value in fen).</summary>
    public const string AmountOff = "amount_off";
    /// <summary>A percentage off the order (1–99), optionally capped.</summary>
    public const string PercentOff = "percent_off";
    /// <summary>A gift handed over at the counter; no money off.</summary>
    public const string Gift = "gift";

    public static readonly IReadOnlyList<string> All = [AmountOff, PercentOff, Gift];
}

/// <summary>What a coupon template promises and limits. Money in fen; dates as UTC instants.</summary>
public sealed record CouponTemplateSpec(
    string Name,
    string Kind,
    long FaceValueFen,
    int PercentOff,
    long? MaxDiscountFen,
    string? GiftName,
    long MinSpendFen,
    DateTimeOffset? ValidFrom,
    DateTimeOffset? ValidUntil,
    int? ValidDays,
    int TotalStock,
    int PerCustomerLimit,
    int? PerDayIssueCap,
    IReadOnlyList<string> Categories,
    IReadOnlyList<string> Stores)
{
    public const int MaxStock = 10_000_000;
    public const int MaxList = 200;

    public IReadOnlyList<FieldError> Validate()
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(Name) || Name.Length > 100)
        {
            errors.Add(new("name", "Required: 1 to 100 characters."));
        }
        switch (Kind)
        {
            case CouponKinds.AmountOff when FaceValueFen is < 1 or > 100_000_000:
                errors.Add(new("face_value", "Required for amount_off: 0.01 to 1,000,000.00 yuan."));
                break;
            case CouponKinds.PercentOff when PercentOff is < 1 or > 99:
                errors.Add(new("percent_off", "Required for percent_off: 1 to 99 (percent taken off)."));
                break;
            case CouponKinds.Gift when string.IsNullOrWhiteSpace(GiftName) || GiftName.Length > 100:
                errors.Add(new("gift_name", "Required for gift: 1 to 100 characters."));
                break;
            case CouponKinds.AmountOff or CouponKinds.PercentOff or CouponKinds.Gift:
                break;
            default:
                errors.Add(new("kind", "One of amount_off, percent_off, gift."));
                break;
        }
        if (MaxDiscountFen is < 1)
        {
            errors.Add(new("max_discount", "At least 0.01 yuan when given."));
        }
        if (MinSpendFen is < 0 or > 100_000_000)
        {
            errors.Add(new("min_spend", "0 to 1,000,000.00 yuan."));
        }
        if (Kind == CouponKinds.AmountOff && MinSpendFen > 0 && FaceValueFen > MinSpendFen)
        {
            errors.Add(new("face_value", "Larger than min_spend: the coupon would pay the customer."));
        }
        var fixedDates = ValidFrom is not null || ValidUntil is not null;
        if (fixedDates && ValidDays is not null)
        {
            errors.Add(new("valid_days", "Give either valid_from/valid_until or valid_days, not both."));
        }
        else if (!fixedDates && ValidDays is null)
        {
            errors.Add(new("valid_days", "Required: days from issue (1 to 3650), or valid_from and valid_until."));
        }
        else if (ValidDays is < 1 or > 3650)
        {
            errors.Add(new("valid_days", "1 to 3650."));
        }
        else if (fixedDates && (ValidFrom is null || ValidUntil is null))
        {
            errors.Add(new(ValidFrom is null ? "valid_from" : "valid_until", "Fixed validity needs both valid_from and valid_until."));
        }
        else if (fixedDates && ValidUntil <= ValidFrom)
        {
            errors.Add(new("valid_until", "Must be after valid_from."));
        }
        if (TotalStock is < 1 or > MaxStock)
        {
            errors.Add(new("total_stock", $"1 to {MaxStock:N0}."));
        }
        if (PerCustomerLimit is < 1 or > 1000)
        {
            errors.Add(new("per_customer_limit", "1 to 1000."));
        }
        if (PerDayIssueCap is < 1)
        {
            errors.Add(new("per_day_issue_cap", "At least 1 when given."));
        }
        Check(Categories, "categories", errors);
        Check(Stores, "stores", errors);
        return errors;
    }

    private static void Check(IReadOnlyList<string> list, string field, List<FieldError> errors)
    {
        if (list.Count > MaxList)
        {
            errors.Add(new(field, $"At most {MaxList} entries."));
            return;
        }
        for (var i = 0; i < list.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(list[i]) || list[i].Length > 64)
            {
                errors.Add(new($"{field}[{i}]", "1 to 64 characters."));
            }
        }
    }

    /// <summary>The validity window of a coupon issued at <paramref name="issuedAt"/>.</summary>
    public (DateTimeOffset From, DateTimeOffset Until) WindowFor(DateTimeOffset issuedAt) =>
        ValidDays is { } days ? (issuedAt, issuedAt.AddDays(days)) : (ValidFrom!.Value, ValidUntil!.Value);

    /// <summary>The money off an order of <paramref name="amountFen"/>: never more than the order; percentages round half up to the fen.</summary>
    public long DiscountFen(long amountFen)
    {
        if (amountFen <= 0)
        {
            return 0;
        }
        var off = Kind switch
        {
            CouponKinds.AmountOff => FaceValueFen,
            CouponKinds.PercentOff => (long)Math.Round(amountFen * (decimal)PercentOff / 100m, MidpointRounding.AwayFromZero),
            _ => 0,
        };
        if (MaxDiscountFen is { } cap)
        {
            off = Math.Min(off, cap);
        }
        return Math.Min(off, amountFen);
    }
}

/// <summary>A coupon as stored, for the rule check.</summary>
public sealed record CouponState(string Status, long CustomerId, DateTimeOffset ValidFrom, DateTimeOffset ValidUntil);

/// <summary>An order trying to use a coupon.</summary>
public sealed record RedemptionAttempt(long AmountFen, DateTimeOffset At, long? CustomerId, string? StoreId, IReadOnlyList<string> Categories);

public static class CouponStatus
{
    public const string Issued = "issued";
    public const string Redeemed = "redeemed";
    public const string Expired = "expired";
    public const string Revoked = "revoked";

    public static readonly IReadOnlyList<string> All = [Issued, Redeemed, Expired, Revoked];
}

/// <summary>Why a coupon cannot be used (null: it can).</summary>
public sealed record RedemptionRefusal(string Reason, string Field, string Message);

public static class CouponRules
{
    /// <summary>Checks a redemption in a fixed order: status, window, customer, store, category, min spend.</summary>
    public static RedemptionRefusal? Check(CouponTemplateSpec template, CouponState coupon, RedemptionAttempt attempt)
    {
        switch (coupon.Status)
        {
            case CouponStatus.Redeemed:
                return new("already_redeemed", "code", "The coupon was already redeemed.");
            case CouponStatus.Revoked:
                return new("revoked", "code", "The coupon was revoked.");
            case CouponStatus.Expired:
                return new("expired", "code", "The coupon has expired.");
        }
        if (attempt.At < coupon.ValidFrom)
        {
            return new("not_yet_valid", "code", $"The coupon is valid from {coupon.ValidFrom:O}.");
        }
        if (attempt.At >= coupon.ValidUntil)
        {
            return new("expired", "code", "The coupon has expired.");
        }
        if (attempt.CustomerId is { } customer && customer != coupon.CustomerId)
        {
            return new("wrong_customer", "customer_id", "The coupon belongs to another customer.");
        }
        if (template.Stores.Count > 0 && (attempt.StoreId is null || !template.Stores.Contains(attempt.StoreId, StringComparer.Ordinal)))
        {
            return new("store_not_applicable", "store_id", "The coupon is not valid in this store.");
        }
        if (template.Categories.Count > 0 && !attempt.Categories.Any(c => template.Categories.Contains(c, StringComparer.Ordinal)))
        {
            return new("category_not_applicable", "categories", $"The order has none of the coupon's categories ({string.Join(", ", template.Categories)}).");
        }
        if (attempt.AmountFen < template.MinSpendFen)
        {
            return new("min_spend", "amount", $"The order is below the minimum spend of {template.MinSpendFen / 100m:0.00}.");
        }
        return null;
    }
}
