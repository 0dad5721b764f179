using System.Globalization;

namespace Siyu.Core.Journeys;

/// <summary>
/// When a scheduled journey fires, in the tenant's local time: <c>daily HH:mm</c>, <c>weekly mon,thu HH:mm</c>, or a
/// five-field cron subset (<c>minute hour day-of-month month day-of-week</c> with <c>*</c>, numbers, lists, ranges and
/// <c>/step</c>; day-of-week 0–7 or mon…sun, 0 and 7 both Sunday; when both day fields are restricted either may match,
/// as in Vixie cron).
/// </summary>
public sealed class JourneySchedule
{
    private readonly ulong _minutes;
    private readonly uint _hours;
    private readonly uint _daysOfMonth;
    private readonly ushort _months;
    private readonly byte _daysOfWeek;
    private readonly bool _domRestricted;
    private readonly bool _dowRestricted;

    public string Text { get; }

    private JourneySchedule(string text, ulong minutes, uint hours, uint daysOfMonth, ushort months, byte daysOfWeek, bool domRestricted, bool dowRestricted)
    {
        Text = text;
        _minutes = minutes;
        _hours = hours;
        _daysOfMonth = daysOfMonth;
        _months = months;
        _daysOfWeek = daysOfWeek;
        _domRestricted = domRestricted;
        _dowRestricted = dowRestricted;
    }

    private static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    public static JourneySchedule? TryParse(string text, out string? error)
    {
        error = null;
        var parts = text.Trim().ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        const uint allDays = 0xFFFF_FFFE; // days 1..31
        const ushort allMonths = 0x1FFE;  // months 1..12
        const byte allWeek = 0x7F;
        if (parts.Length == 2 && parts[0] == "daily")
        {
            if (!TryTime(parts[1], out var h, out var m))
            {
                error = "Use \"daily HH:mm\", e.g. \"daily 09:30\".";
                return null;
            }
            return new JourneySchedule(text, 1UL << m, 1u << h, allDays, allMonths, allWeek, false, false);
        }
        if (parts.Length == 3 && parts[0] == "weekly")
        {
            byte week = 0;
            foreach (var name in parts[1].Split(','))
            {
                var d = Array.IndexOf(DayNames, name.Length >= 3 ? name[..3] : name);
                if (d < 0)
                {
                    error = $"Unknown day '{name}'; use mon, tue, wed, thu, fri, sat or sun (comma-separated).";
                    return null;
                }
                week |= (byte)(1 << d);
            }
            if (!TryTime(parts[2], out var h, out var m))
            {
                error = "Use \"weekly mon,thu HH:mm\".";
                return null;
            }
            return new JourneySchedule(text, 1UL << m, 1u << h, allDays, allMonths, week, false, true);
        }
        if (parts.Length == 5)
        {
            if (!TryField(parts[0], 0, 59, null, out var minutes, out _)
                || !TryField(parts[1], 0, 23, null, out var hours, out _)
                || !TryField(parts[2], 1, 31, null, out var dom, out var domRestricted)
                || !TryField(parts[3], 1, 12, null, out var months, out _)
                || !TryField(parts[4], 0, 7, DayNames, out var dow, out var dowRestricted))
            {
                error = "Not a valid cron expression: five fields (minute hour day-of-month month day-of-week) of *, numbers, ranges a-b, lists a,b and steps /n.";
                return null;
            }
            // Day-of-week 7 is Sunday too.
            if ((dow & (1UL << 7)) != 0)
            {
                dow = (dow | 1) & 0x7F;
            }
            var schedule = new JourneySchedule(text, minutes, (uint)hours, (uint)dom, (ushort)months, (byte)dow, domRestricted, dowRestricted);
            if (schedule.Next(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero), TimeZoneInfo.Utc) is null)
            {
                error = "This schedule never fires (no such date).";
                return null;
            }
            return schedule;
        }
        error = "Use \"daily HH:mm\", \"weekly mon,thu HH:mm\" or a five-field cron expression (\"30 9 * * 1-5\").";
        return null;
    }

    /// <summary>The first firing strictly after <paramref name="after"/>, or null if none within eight years (impossible dates).</summary>
    public DateTimeOffset? Next(DateTimeOffset after, TimeZoneInfo zone)
    {
        var day = JourneyClock.LocalDate(after, zone).AddDays(-1); // a fall-back hour can put yesterday's last firing ahead
        // Local times well before "after" can't be ahead of it whatever the DST shift; skip converting them.
        var floor = TimeZoneInfo.ConvertTime(after, zone).DateTime.AddHours(-3);
        for (var i = 0; i < 366 * 8 + 2; i++, day = day.AddDays(1))
        {
            if (!DayMatches(day))
            {
                continue;
            }
            for (var h = 0; h < 24; h++)
            {
                if ((_hours & (1u << h)) == 0)
                {
                    continue;
                }
                for (var m = 0; m < 60; m++)
                {
                    if ((_minutes & (1UL << m)) != 0 && day.ToDateTime(new TimeOnly(h, m)) >= floor)
                    {
                        var at = JourneyClock.AtLocal(day, new TimeOnly(h, m), zone);
                        if (at > after)
                        {
                            return at;
                        }
                    }
                }
            }
        }
        return null;
    }

    private bool DayMatches(DateOnly day)
    {
        if ((_months & (1 << day.Month)) == 0)
        {
            return false;
        }
        var dom = (_daysOfMonth & (1u << day.Day)) != 0;
        var dow = (_daysOfWeek & (1 << (int)day.DayOfWeek)) != 0;
        return _domRestricted && _dowRestricted ? dom || dow : dom && dow;
    }

    internal static bool TryTime(string text, out int hour, out int minute)
    {
        hour = minute = 0;
        if (text.Length != 5 || text[2] != ':'
            || !int.TryParse(text.AsSpan(0, 2), NumberStyles.None, CultureInfo.InvariantCulture, out hour)
            || !int.TryParse(text.AsSpan(3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out minute))
        {
            return false;
        }
        return hour is >= 0 and < 24 && minute is >= 0 and < 60;
    }

    private static bool TryField(string field, int min, int max, string[]? names, out ulong bits, out bool restricted)
    {
        bits = 0;
        restricted = field != "*";
        foreach (var part in field.Split(','))
        {
            var step = 1;
            var range = part;
            var slash = part.IndexOf('/');
            if (slash >= 0)
            {
                if (!int.TryParse(part.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out step) || step < 1)
                {
                    return false;
                }
                range = part[..slash];
            }
            int lo, hi;
            if (range == "*")
            {
                (lo, hi) = (min, max);
            }
            else
            {
                var dash = range.IndexOf('-');
                if (dash < 0)
                {
                    if (!TryValue(range, names, out lo))
                    {
                        return false;
                    }
                    // "5/15" means from 5 to the end in steps of 15, as in cron.
                    hi = slash >= 0 ? max : lo;
                }
                else if (!TryValue(range[..dash], names, out lo) || !TryValue(range[(dash + 1)..], names, out hi))
                {
                    return false;
                }
            }
            if (lo < min || hi > max || lo > hi)
            {
                return false;
            }
            for (var v = lo; v <= hi; v += step)
            {
                bits |= 1UL << v;
            }
        }
        return true;
    }

    private static bool TryValue(string text, string[]? names, out int value)
    {
        if (names is not null && Array.IndexOf(names, text) is var i and >= 0)
        {
            value = i;
            return true;
        }
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    public override string ToString() => Text;
}
