using Siyu.Core.Events;

namespace Siyu.Core.Loyalty;

/// <summary>What a ledger entry did. Earn and positive adjustments open a lot; everything else consumes lots.</summary>
public static class PointsKind
{
    public const string Earn = "earn";
    public const string Spend = "spend";
    public const string Expire = "expire";
    public const string Adjust = "adjust";
    /// <summary>A refund clawing back points earned for the order.</summary>
    public const string Reverse = "reverse";
    /// <summary>Earned by taking part (a journey step such as a review reward).</summary>
    public const string Interaction = "interaction";
    /// <summary>Earned by inviting friends in a referral campaign.</summary>
    public const string Referral = "referral";
    /// <summary>Earned by a check-in streak.</summary>
    public const string CheckIn = "checkin";
}

/// <summary>One earned lot: <see cref="Remaining"/> of its <see cref="Amount"/> is still spendable until <see cref="ExpiresAtTicks"/>.</summary>
public sealed record PointsLot(long Id, long EarnedAtTicks, long ExpiresAtTicks, long Amount, long Remaining);

/// <summary>How much one debit takes from one lot.</summary>
public readonly record struct LotTake(long LotId, long Take);

/// <summary>
/// The arithmetic of the points ledger, shared by the server and the tests. Invariant the server keeps: the account
/// balance equals the sum of the ledger's signed amounts and the sum of the open lots' remaining points, and is never negative.
/// </summary>
public static class PointsMath
{
    /// <summary>
    /// FIFO consumption: the soonest-expiring lot first (ties: the older lot), so expiry is exact — points earned first
    /// are spent first and never expire while later points are spent. <paramref name="preferredLot"/> (a refund's own order lot) goes first.
    /// Answers null when the open lots hold less than <paramref name="amount"/>.
    /// </summary>
    public static IReadOnlyList<LotTake>? Consume(IEnumerable<PointsLot> lots, long amount, long nowTicks, long? preferredLot = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        var open = lots.Where(l => l.Remaining > 0 && l.ExpiresAtTicks > nowTicks)
            .OrderBy(l => l.Id == preferredLot ? 0 : 1).ThenBy(l => l.ExpiresAtTicks).ThenBy(l => l.Id).ToList();
        var takes = new List<LotTake>();
        var left = amount;
        foreach (var lot in open)
        {
            if (left == 0)
            {
                break;
            }
            var take = Math.Min(left, lot.Remaining);
            takes.Add(new LotTake(lot.Id, take));
            left -= take;
        }
        return left == 0 ? takes : null;
    }

    /// <summary>Spendable balance: the remaining points of unexpired lots.</summary>
    public static long Balance(IEnumerable<PointsLot> lots, long nowTicks) => lots.Where(l => l.ExpiresAtTicks > nowTicks).Sum(l => l.Remaining);

    /// <summary>Points for a paid order: whole points, rounded down (¥99.99 at 1 point per yuan earns 99).</summary>
    public static long EarnFor(long amountCents, decimal pointsPerYuan) =>
        amountCents <= 0 || pointsPerYuan <= 0 ? 0 : (long)Math.Floor(amountCents * pointsPerYuan / 100m);

    /// <summary>
    /// A refund of <paramref name="refundCents"/> of an order paid <paramref name="paidCents"/> that earned
    /// <paramref name="earned"/>: the points owed back are proportional, rounded up (so partial refunds that add up to
    /// the whole order claw back exactly what was earned), capped at what earlier refunds have not already reversed.
    /// Only <paramref name="available"/> can be clawed back (balances never go negative, no debt); the rest is the shortfall, recorded.
    /// </summary>
    public static (long ClawBack, long Shortfall) Refund(long earned, long alreadyReversed, long paidCents, long refundCents, long available)
    {
        if (earned <= 0 || paidCents <= 0 || refundCents <= 0)
        {
            return (0, 0);
        }
        var owed = refundCents >= paidCents ? earned : (long)Math.Ceiling((decimal)earned * refundCents / paidCents);
        owed = Math.Max(0, Math.Min(owed, earned - alreadyReversed));
        var clawBack = Math.Min(owed, Math.Max(0, available));
        return (clawBack, owed - clawBack);
    }
}

/// <summary>A member tier: reached when rolling 12-month earned points reach <see cref="Threshold"/>.</summary>
public sealed record Tier(string Code, string Name, long Threshold, IReadOnlyList<string> Benefits, MemberDay? MemberDay);

/// <summary>会员日: on this day of every month the tier's members pay <see cref="Discount"/> of the price (0.95 = 9.5折).</summary>
public sealed record MemberDay(int DayOfMonth, decimal Discount)
{
    public bool IsOn(DateOnly localDate) => localDate.Day == DayOfMonth;
}

/// <summary>A tenant's points and membership settings.</summary>
public sealed record LoyaltySettings(decimal PointsPerYuan, int ExpiryDays, int DowngradeGraceDays, IReadOnlyList<Tier> Tiers)
{
    public const int MaxTiers = 10;

    public static LoyaltySettings Default { get; } = new(1m, 365, 30,
    [
        new Tier("normal", "普通会员", 0, [], null),
        new Tier("silver", "银卡会员", 1000, ["生日礼"], null),
        new Tier("gold", "金卡会员", 5000, ["生日礼", "专属客服", "会员日9.5折"], new MemberDay(8, 0.95m)),
    ]);

    public IReadOnlyList<FieldError> Validate()
    {
        var errors = new List<FieldError>();
        if (PointsPerYuan is < 0 or > 100)
        {
            errors.Add(new FieldError("points_per_yuan", "0 to 100."));
        }
        if (ExpiryDays is < 1 or > 3650)
        {
            errors.Add(new FieldError("expiry_days", "1 to 3650."));
        }
        if (DowngradeGraceDays is < 0 or > 365)
        {
            errors.Add(new FieldError("downgrade_grace_days", "0 to 365."));
        }
        if (Tiers.Count is < 1 or > MaxTiers)
        {
            errors.Add(new FieldError("tiers", $"1 to {MaxTiers} tiers."));
            return errors;
        }
        if (Tiers[0].Threshold != 0)
        {
            errors.Add(new FieldError("tiers[0].threshold", "The first tier starts at 0."));
        }
        for (var i = 0; i < Tiers.Count; i++)
        {
            var t = Tiers[i];
            if (string.IsNullOrWhiteSpace(t.Code) || t.Code.Length > 32 || !t.Code.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            {
                errors.Add(new FieldError($"tiers[{i}].code", "1 to 32 letters, digits, _ or -."));
            }
            if (string.IsNullOrWhiteSpace(t.Name) || t.Name.Length > 32)
            {
                errors.Add(new FieldError($"tiers[{i}].name", "1 to 32 characters."));
            }
            if (i > 0 && t.Threshold <= Tiers[i - 1].Threshold)
            {
                errors.Add(new FieldError($"tiers[{i}].threshold", "Thresholds must increase."));
            }
            if (t.Benefits.Count > 20 || t.Benefits.Any(b => string.IsNullOrWhiteSpace(b) || b.Length > 64))
            {
                errors.Add(new FieldError($"tiers[{i}].benefits", "At most 20 benefits of 1 to 64 characters."));
            }
            if (t.MemberDay is { } d && (d.DayOfMonth is < 1 or > 28 || d.Discount is <= 0 or > 1))
            {
                errors.Add(new FieldError($"tiers[{i}].member_day", "day_of_month 1 to 28 (every month has it), discount above 0 and at most 1."));
            }
        }
        if (Tiers.Select(t => t.Code).Distinct(StringComparer.Ordinal).Count() != Tiers.Count)
        {
            errors.Add(new FieldError("tiers", "Tier codes must be unique."));
        }
        return errors;
    }
}

/// <summary>Upgrade and downgrade rules on rolling 12-month earned points (earned minus reversed; spending does not lower a tier).</summary>
public static class TierRules
{
    public static readonly TimeSpan Window = TimeSpan.FromDays(365);

    /// <summary>The highest tier whose threshold the points reach.</summary>
    public static Tier Qualifying(LoyaltySettings s, long rollingEarned) => s.Tiers.Last(t => t.Threshold <= rollingEarned || t == s.Tiers[0]);

    public static int Rank(LoyaltySettings s, string? code)
    {
        for (var i = 0; i < s.Tiers.Count; i++)
        {
            if (s.Tiers[i].Code == code)
            {
                return i;
            }
        }
        return 0; // unknown (a tier removed from the settings): the lowest
    }

    /// <summary>After an earn: upgrade immediately when the points reach a higher tier; never downgrade here.</summary>
    public static string Upgrade(LoyaltySettings s, string? current, long rollingEarned)
    {
        var q = Qualifying(s, rollingEarned);
        return s.Tiers.IndexOf(q) > Rank(s, current) ? q.Code : s.Tiers[Rank(s, current)].Code;
    }

    /// <summary>
    /// The periodic review: a member below their tier's threshold keeps it for the grace period counted from the first
    /// review that found them below (<paramref name="belowSinceTicks"/>), then drops to the tier they qualify for.
    /// Qualifying again clears the grace clock. Answers the tier and the new below-since mark.
    /// </summary>
    public static (string Tier, long? BelowSinceTicks) Review(LoyaltySettings s, string? current, long? belowSinceTicks, long rollingEarned, long nowTicks)
    {
        var rank = Rank(s, current);
        var q = s.Tiers.IndexOf(Qualifying(s, rollingEarned));
        if (q >= rank)
        {
            return (s.Tiers[q].Code, null);
        }
        if (belowSinceTicks is null)
        {
            return (s.Tiers[rank].Code, nowTicks);
        }
        return nowTicks - belowSinceTicks.Value >= TimeSpan.FromDays(s.DowngradeGraceDays).Ticks
            ? (s.Tiers[q].Code, null)
            : (s.Tiers[rank].Code, belowSinceTicks);
    }

    /// <summary>The member-day discount for a tier on a local date, or null when it is not the tier's member day.</summary>
    public static decimal? MemberDayDiscount(LoyaltySettings s, string? tier, DateOnly localDate) =>
        s.Tiers[Rank(s, tier)].MemberDay is { } d && d.IsOn(localDate) ? d.Discount : null;
}

static file class ListExtensions
{
    public static int IndexOf<T>(this IReadOnlyList<T> list, T item)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (EqualityComparer<T>.Default.Equals(list[i], item))
            {
                return i;
            }
        }
        return -1;
    }
}
