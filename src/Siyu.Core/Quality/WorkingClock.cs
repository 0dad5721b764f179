namespace Siyu.Core.Quality;

/// <summary>Working hours: the days of the week and one daily window [Start, End) in the tenant's local time.</summary>
public sealed record WorkingHours(IReadOnlySet<DayOfWeek> Days, TimeOnly Start, TimeOnly End)
{
    /// <summary>Monday to Friday, 09:00–18:00.</summary>
    public static WorkingHours Default { get; } = new(
        new HashSet<DayOfWeek> { DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday },
        new TimeOnly(9, 0), new TimeOnly(18, 0));
}

/// <summary>
/// A clock that only runs inside working hours, in one time zone: how much working time lies between two instants,
/// and when a budget of working time that starts at an instant runs out (a response's due time). A message at 17:50
/// with a 30-minute budget and hours ending 18:00 is due at 09:20 of the next working day.
/// </summary>
public sealed class WorkingClock(WorkingHours hours, TimeZoneInfo zone)
{
    // Far enough for any weekly pattern with at least one working day; a guard against a loop, not a business rule.
    private const int MaxDays = 800;

    public WorkingHours Hours { get; } = hours;
    public TimeZoneInfo Zone { get; } = zone;

    /// <summary>Working time in [from, to); zero when to ≤ from.</summary>
    public TimeSpan WorkingTime(DateTimeOffset from, DateTimeOffset to)
    {
        if (to <= from)
        {
            return TimeSpan.Zero;
        }
        var total = TimeSpan.Zero;
        var day = LocalDate(from).AddDays(-1);
        var last = LocalDate(to).AddDays(1);
        for (; day <= last; day = day.AddDays(1))
        {
            if (Window(day) is not var (start, end))
            {
                continue;
            }
            var s = start > from ? start : from;
            var e = end < to ? end : to;
            if (e > s)
            {
                total += e - s;
            }
        }
        return total;
    }

    /// <summary>The instant at which <paramref name="budget"/> of working time counted from <paramref name="from"/> is used up; null when there are no working days.</summary>
    public DateTimeOffset? Due(DateTimeOffset from, TimeSpan budget)
    {
        var day = LocalDate(from).AddDays(-1);
        for (var i = 0; i < MaxDays; i++, day = day.AddDays(1))
        {
            if (Window(day) is not var (start, end))
            {
                continue;
            }
            var s = start > from ? start : from;
            if (end <= s)
            {
                continue;
            }
            if (budget <= end - s)
            {
                return s + budget;
            }
            budget -= end - s;
        }
        return null;
    }

    private DateOnly LocalDate(DateTimeOffset at) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, Zone).DateTime);

    /// <summary>The working window of one local date as instants, or null on a day off.</summary>
    private (DateTimeOffset Start, DateTimeOffset End)? Window(DateOnly day)
    {
        if (!Hours.Days.Contains(day.DayOfWeek))
        {
            return null;
        }
        var start = ToInstant(day.ToDateTime(Hours.Start));
        var end = ToInstant(day.ToDateTime(Hours.End));
        return end > start ? (start, end) : null;
    }

    /// <summary>A local wall-clock time as an instant; a time skipped by a DST jump moves to the first valid minute.</summary>
    private DateTimeOffset ToInstant(DateTime local)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        while (Zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(1);
        }
        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, Zone), TimeSpan.Zero);
    }
}
