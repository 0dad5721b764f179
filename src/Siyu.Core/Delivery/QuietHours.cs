namespace Siyu.Core.Delivery;

/// <summary>
/// A quiet window in local wall-clock time, belonging to the day it starts on. <see cref="End"/> earlier than
/// <see cref="Start"/> spans midnight (21:00–08:00 runs into the next morning); start and end must differ.
/// </summary>
public readonly record struct QuietWindow(TimeOnly Start, TimeOnly End)
{
    public bool SpansMidnight => End < Start;

    public override string ToString() => $"{Start:HH\\:mm}–{End:HH\\:mm}";
}

/// <summary>
/// Quiet hours in the tenant's zone: one window for every day, optionally replaced per weekday (a weekday may have
/// none). Judged on the local wall clock, so "21:00–08:00" means those clock readings on every date, whatever the
/// UTC offset that night; <see cref="Defer"/> turns the window's end back into an instant, DST-safe.
/// </summary>
public sealed class QuietHours
{
    // Windows are shorter than a day and belong to the day they start on, so overlapping windows chain only when
    // each day's window starts earlier than the previous one ends on it: starts fall day after day, the chain cannot
    // wrap around the week, and every period ends within eight links. The bound is a guard, not a limit.
    private const int MaxChainedWindows = 16;

    private readonly QuietWindow?[] _byDay = new QuietWindow?[7]; // indexed by DayOfWeek

    /// <summary>Throws when a window has no length (start equals end).</summary>
    public QuietHours(TimeZoneInfo zone, QuietWindow? everyDay, IReadOnlyDictionary<DayOfWeek, QuietWindow?>? byWeekday = null)
    {
        ArgumentNullException.ThrowIfNull(zone);
        Zone = zone;
        for (var d = 0; d < 7; d++)
        {
            _byDay[d] = byWeekday is not null && byWeekday.TryGetValue((DayOfWeek)d, out var w) ? w : everyDay;
            if (_byDay[d] is { } window && window.Start == window.End)
            {
                throw new ArgumentException($"Quiet window {window} on {(DayOfWeek)d} has no length (start equals end).", nameof(everyDay));
            }
        }
    }

    public TimeZoneInfo Zone { get; }

    /// <summary>The window that starts on <paramref name="day"/>, if any.</summary>
    public QuietWindow? WindowOf(DayOfWeek day) => _byDay[(int)day];

    public bool IsQuiet(DateTimeOffset at) => QuietUntil(LocalTime.WallClock(at, Zone)) is not null;

    /// <summary>
    /// <paramref name="now"/> when it is not quiet, else the first instant after the quiet period (chained windows
    /// included). Never drops a message: the answer is always a time at which it can go.
    /// </summary>
    public DateTimeOffset Defer(DateTimeOffset now)
    {
        var t = now;
        for (var i = 0; i < MaxChainedWindows; i++)
        {
            if (QuietUntil(LocalTime.WallClock(t, Zone)) is not { } endWall)
            {
                return t;
            }
            // A wall time repeated by a fall-back change: its first occurrence after t (t may be in the repeated hour).
            var end = LocalTime.Instant(endWall, Zone, after: t);
            t = end > t ? end : t.AddMinutes(1);
        }
        return t;
    }

    /// <summary>The wall-clock end of the quiet period containing <paramref name="wall"/>, or null when not quiet.</summary>
    private DateTime? QuietUntil(DateTime wall)
    {
        var date = wall.Date;
        var time = TimeOnly.FromDateTime(wall);
        // Yesterday's window spilling past midnight.
        if (_byDay[(int)date.AddDays(-1).DayOfWeek] is { SpansMidnight: true } yesterday && time < yesterday.End)
        {
            return date + yesterday.End.ToTimeSpan();
        }
        if (_byDay[(int)date.DayOfWeek] is { } today)
        {
            if (today.SpansMidnight ? time >= today.Start : time >= today.Start && time < today.End)
            {
                return today.SpansMidnight ? date.AddDays(1) + today.End.ToTimeSpan() : date + today.End.ToTimeSpan();
            }
        }
        return null;
    }
}
