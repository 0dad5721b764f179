using System.Globalization;
using Siyu.Core.Events;

namespace Siyu.Core.CheckIns;

public static class MissedDayRules
{
    /// <summary>A missed day ends the streak; the next check-in starts a new one at 1.</summary>
    public const string Reset = "reset";

    /// <summary>A missed day may be filled later with a make-up card (补签), a limited number per calendar month.</summary>
    public const string MakeUp = "make_up";

    public static readonly IReadOnlyList<string> All = [Reset, MakeUp];
}

public static class CheckInRewardKinds
{
    public const string Coupon = "coupon";
    public const string Points = "points";

    /// <summary>A physical gift staff hand over: recorded, not issued automatically.</summary>
    public const string Gift = "gift";

    public static readonly IReadOnlyList<string> All = [Coupon, Points, Gift];
}

/// <summary>
/// A streak reward: every <see cref="EveryDays"/> consecutive days (7, 14, 21…) or once at <see cref="AtDay"/>
/// consecutive days (exactly one of the two).
/// </summary>
public sealed record CheckInReward(string Name, string Kind, int? EveryDays, int? AtDay, long? CouponTemplateId = null, long Points = 0);

/// <summary>A check-in campaign's rules (群打卡). Days are local days in <see cref="TimeZone"/>.</summary>
public sealed record CheckInSpec(
    string Name,
    DateTimeOffset? StartsAt,
    DateTimeOffset? EndsAt,
    string MissedDayRule,
    int MakeUpsPerMonth,
    int MakeUpWindowDays,
    IReadOnlyList<CheckInReward> Rewards,
    string? ReminderTime,
    string? ReminderText,
    string TimeZone = "Asia/Shanghai")
{
    public const int MaxRewards = 10;

    public IReadOnlyList<FieldError> Validate()
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(Name) || Name.Length > 60)
        {
            errors.Add(new("name", "Required: 1 to 60 characters."));
        }
        if (StartsAt is { } s && EndsAt is { } e && e <= s)
        {
            errors.Add(new("ends_at", "Must be after starts_at."));
        }
        if (!MissedDayRules.All.Contains(MissedDayRule))
        {
            errors.Add(new("missed_day_rule", "One of reset, make_up."));
        }
        if (MissedDayRule == MissedDayRules.MakeUp)
        {
            if (MakeUpsPerMonth is < 1 or > 31)
            {
                errors.Add(new("make_ups_per_month", "With make_up: 1 to 31 make-up cards per calendar month."));
            }
            if (MakeUpWindowDays is < 1 or > 31)
            {
                errors.Add(new("make_up_window_days", "With make_up: a missed day can be made up 1 to 31 days later."));
            }
        }
        if (Rewards.Count > MaxRewards)
        {
            errors.Add(new("rewards", $"At most {MaxRewards} rewards."));
        }
        for (var i = 0; i < Rewards.Count; i++)
        {
            var r = Rewards[i];
            var at = $"rewards[{i}]";
            if (string.IsNullOrWhiteSpace(r.Name) || r.Name.Length > 60)
            {
                errors.Add(new($"{at}.name", "Required: 1 to 60 characters."));
            }
            if (!CheckInRewardKinds.All.Contains(r.Kind))
            {
                errors.Add(new($"{at}.kind", "One of coupon, points, gift."));
            }
            if ((r.EveryDays is null) == (r.AtDay is null))
            {
                errors.Add(new($"{at}.every_days", "Exactly one of every_days (a reward every N consecutive days) or at_day (once at N consecutive days)."));
            }
            else if ((r.EveryDays ?? r.AtDay) is < 1 or > 366)
            {
                errors.Add(new(r.EveryDays is null ? $"{at}.at_day" : $"{at}.every_days", "1 to 366 days."));
            }
            if (r.Kind == CheckInRewardKinds.Coupon && r.CouponTemplateId is not > 0)
            {
                errors.Add(new($"{at}.coupon_template_id", "Required for a coupon reward."));
            }
            if (r.Kind == CheckInRewardKinds.Points && r.Points is < 1 or > 1_000_000)
            {
                errors.Add(new($"{at}.points", "Required for a points reward: 1 to 1,000,000."));
            }
        }
        if (ReminderTime is not null && !TryParseTime(ReminderTime, out _))
        {
            errors.Add(new("reminder_time", "A local time HH:mm, e.g. 20:00."));
        }
        if (ReminderTime is not null && string.IsNullOrWhiteSpace(ReminderText))
        {
            errors.Add(new("reminder_text", "Required with reminder_time."));
        }
        if (ReminderText is { Length: > 500 })
        {
            errors.Add(new("reminder_text", "At most 500 characters."));
        }
        if (!CheckInCalendar.TryFindZone(TimeZone, out _))
        {
            errors.Add(new("time_zone", $"Unknown time zone '{TimeZone}'. Use an IANA id such as Asia/Shanghai."));
        }
        return errors;
    }

    public static bool TryParseTime(string? text, out TimeOnly time) =>
        TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out time);
}

/// <summary>Local days as day numbers (<see cref="DateOnly.DayNumber"/>) in a campaign's time zone.</summary>
public static class CheckInCalendar
{
    public static int Day(DateTimeOffset at, TimeZoneInfo zone) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(at.UtcDateTime, zone)).DayNumber;

    public static TimeOnly TimeOfDay(DateTimeOffset at, TimeZoneInfo zone) =>
        TimeOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(at.UtcDateTime, zone));

    /// <summary>The calendar month of a day as yyyyMM, for the make-up allowance.</summary>
    public static int Month(int dayNumber)
    {
        var d = DateOnly.FromDayNumber(dayNumber);
        return d.Year * 100 + d.Month;
    }

    public static string Format(int dayNumber) => DateOnly.FromDayNumber(dayNumber).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static bool TryParseDay(string? text, out int dayNumber)
    {
        dayNumber = 0;
        if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
        {
            return false;
        }
        dayNumber = d.DayNumber;
        return true;
    }

    public static bool TryFindZone(string? id, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        if (string.IsNullOrWhiteSpace(id))
        {
            return false;
        }
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return false;
        }
    }
}
