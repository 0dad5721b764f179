using Siyu.Core.Audiences.Conditions;

namespace Siyu.Core.Journeys;

/// <summary>
/// Local-time arithmetic for journeys, in the tenant's zone and DST-safe: local instants are found by conversion, never
/// by adding hours. A local time skipped by a spring-forward jump moves to the first valid minute after the gap; a time
/// that occurs twice in a fall-back hour is the first of the two (a reminder goes out once, at the earlier instant).
/// </summary>
public static class JourneyClock
{
    /// <summary>The instant of a local date and time of day.</summary>
    public static DateTimeOffset AtLocal(DateOnly day, TimeOnly time, TimeZoneInfo zone)
    {
        var local = day.ToDateTime(time, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(1);
        }
        if (zone.IsAmbiguousTime(local))
        {
            // Both offsets are valid; the larger one (daylight time) is the earlier instant.
            var offset = zone.GetAmbiguousTimeOffsets(local).Max();
            return new DateTimeOffset(local, offset).ToUniversalTime();
        }
        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, zone), TimeSpan.Zero);
    }

    public static DateOnly LocalDate(DateTimeOffset instant, TimeZoneInfo zone) =>
        DateOnly.FromDayNumber(Comparisons.LocalDay(instant.UtcTicks, zone));

    /// <summary>The first instant strictly after <paramref name="after"/> at local time <paramref name="time"/>.</summary>
    public static DateTimeOffset NextTimeOfDay(DateTimeOffset after, TimeOnly time, TimeZoneInfo zone)
    {
        var day = LocalDate(after, zone);
        // Yesterday's candidate can still lie ahead in the odd case of a fall-back hour; today's or tomorrow's always does.
        for (var d = -1; d <= 2; d++)
        {
            var candidate = AtLocal(day.AddDays(d), time, zone);
            if (candidate > after)
            {
                return candidate;
            }
        }
        throw new InvalidOperationException("unreachable: a local time of day recurs within two days");
    }

    /// <summary>The date's anniversary in <paramref name="year"/>; 29 February falls on 28 February in non-leap years.</summary>
    public static DateOnly Anniversary(DateOnly date, int year) =>
        date is { Month: 2, Day: 29 } && !DateTime.IsLeapYear(year) ? new DateOnly(year, 2, 28) : new DateOnly(year, date.Month, date.Day);

    /// <summary>The instant <paramref name="offsetDays"/> from <paramref name="date"/> at local <paramref name="at"/>, once (no recurrence).</summary>
    public static DateTimeOffset Relative(DateOnly date, int offsetDays, TimeOnly at, TimeZoneInfo zone) =>
        AtLocal(date.AddDays(offsetDays), at, zone);

    /// <summary>
    /// The next instant of a date-relative rule strictly after <paramref name="after"/>, or null when there is none: a
    /// one-off date whose instant has passed. Yearly rules take the first anniversary (from the date's own year on) whose
    /// instant is still ahead, so "3 days before birthday" seen on the birthday itself is next year's.
    /// </summary>
    public static DateTimeOffset? Next(DateOnly date, DateRelative rule, TimeZoneInfo zone, DateTimeOffset after)
    {
        if (!rule.Yearly)
        {
            var once = Relative(date, rule.OffsetDays, rule.At, zone);
            return once > after ? once : null;
        }
        // Offsets are at most a year, so the anniversary that counts is in the year before, of, or after "after" (plus one for safety).
        var year = Math.Max(date.Year, LocalDate(after, zone).Year - 2);
        for (var y = year; y <= year + 4 && y <= 9998; y++)
        {
            var instant = Relative(Anniversary(date, y), rule.OffsetDays, rule.At, zone);
            if (instant > after)
            {
                return instant;
            }
        }
        return null;
    }
}
