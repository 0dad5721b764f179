using FsCheck.Xunit;
using Siyu.Core.Delivery;
using Xunit;

namespace Siyu.Core.Tests.Delivery;

/// <summary>Expected instants are worked out by hand from the zones' offsets (Shanghai +08; New York −05 EST / −04 EDT).</summary>
public sealed class QuietHoursTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    private static QuietWindow Window(int startHour, int startMinute, int endHour, int endMinute) =>
        new(new TimeOnly(startHour, startMinute), new TimeOnly(endHour, endMinute));

    private static readonly QuietHours Nightly = new(Shanghai, Window(21, 0, 8, 0));

    private static DateTimeOffset Beijing(int month, int day, int hour, int minute = 0) => new(2026, month, day, hour, minute, 0, TimeSpan.FromHours(8));

    private static DateTimeOffset Utc(int month, int day, int hour, int minute = 0) => new(2026, month, day, hour, minute, 0, TimeSpan.Zero);

    [Fact]
    public void A_window_spanning_midnight_defers_to_the_next_morning()
    {
        Assert.Equal(Beijing(11, 26, 8), Nightly.Defer(Beijing(11, 25, 22)));
        Assert.Equal(Beijing(11, 26, 8), Nightly.Defer(Beijing(11, 26, 7, 59)));
        Assert.Equal(Beijing(11, 26, 8), Nightly.Defer(Beijing(11, 25, 21)));
        Assert.Equal(Beijing(11, 26, 8), Nightly.Defer(Beijing(11, 26, 0)));
    }

    [Fact]
    public void Outside_the_window_the_message_goes_now()
    {
        Assert.Equal(Beijing(11, 26, 8), Nightly.Defer(Beijing(11, 26, 8)));
        Assert.Equal(Beijing(11, 25, 20, 59), Nightly.Defer(Beijing(11, 25, 20, 59)));
        Assert.False(Nightly.IsQuiet(Beijing(11, 25, 12)));
        Assert.True(Nightly.IsQuiet(Beijing(11, 25, 21)));
    }

    [Fact]
    public void A_window_within_one_day_ends_the_same_day()
    {
        var lunch = new QuietHours(Shanghai, Window(12, 0, 14, 0));
        Assert.Equal(Beijing(11, 25, 14), lunch.Defer(Beijing(11, 25, 12, 30)));
        Assert.False(lunch.IsQuiet(Beijing(11, 25, 11, 59)));
        Assert.False(lunch.IsQuiet(Beijing(11, 25, 23)));
    }

    [Fact]
    public void Weekday_windows_replace_the_daily_one_and_belong_to_the_day_they_start()
    {
        // Friday 2026-11-27: no quiet hours; Saturday 28: 23:00–10:00; other days 21:00–08:00.
        var quiet = new QuietHours(Shanghai, Window(21, 0, 8, 0), new Dictionary<DayOfWeek, QuietWindow?>
        {
            [DayOfWeek.Friday] = null,
            [DayOfWeek.Saturday] = Window(23, 0, 10, 0),
        });
        Assert.Equal(Beijing(11, 27, 8), quiet.Defer(Beijing(11, 27, 7)));   // Thursday's window still runs into Friday
        Assert.False(quiet.IsQuiet(Beijing(11, 27, 22)));                   // Friday night is free
        Assert.False(quiet.IsQuiet(Beijing(11, 28, 7)));                    // and so is Saturday morning
        Assert.False(quiet.IsQuiet(Beijing(11, 28, 22)));
        Assert.Equal(Beijing(11, 29, 10), quiet.Defer(Beijing(11, 28, 23, 30)));
        Assert.Equal(Beijing(11, 29, 10), quiet.Defer(Beijing(11, 29, 9)));
        Assert.Equal(Beijing(11, 30, 8), quiet.Defer(Beijing(11, 29, 21, 30))); // Sunday uses the daily window
    }

    [Fact]
    public void Overlapping_windows_chain()
    {
        var quiet = new QuietHours(Shanghai, Window(21, 0, 8, 0), new Dictionary<DayOfWeek, QuietWindow?>
        {
            [DayOfWeek.Thursday] = Window(7, 0, 9, 0),
        });
        // Wednesday 25 22:00: Wednesday's window ends Thursday 08:00, inside Thursday's 07:00–09:00.
        Assert.Equal(Beijing(11, 26, 9), quiet.Defer(Beijing(11, 25, 22)));
    }

    [Fact]
    public void Deferral_across_a_spring_forward_ends_at_the_local_morning()
    {
        // Saturday 2026-03-07 23:00 EST (04:00 UTC on the 8th); clocks jump at 02:00; 08:00 EDT is 12:00 UTC.
        var quiet = new QuietHours(NewYork, Window(21, 0, 8, 0));
        Assert.Equal(Utc(3, 8, 12), quiet.Defer(Utc(3, 8, 4)));
    }

    [Fact]
    public void Deferral_across_a_fall_back_ends_at_the_local_morning()
    {
        // Saturday 2026-10-31 23:00 EDT (03:00 UTC on 1 November); clocks fall back at 02:00; 08:00 EST is 13:00 UTC.
        var quiet = new QuietHours(NewYork, Window(21, 0, 8, 0));
        Assert.Equal(Utc(11, 1, 13), quiet.Defer(Utc(11, 1, 3)));
    }

    [Fact]
    public void A_window_ending_in_the_skipped_hour_ends_when_the_clock_jumps()
    {
        // 02:30 does not exist on 2026-03-08 in New York; the first minute after it is 03:00 EDT = 07:00 UTC.
        var quiet = new QuietHours(NewYork, Window(22, 0, 2, 30));
        Assert.Equal(Utc(3, 8, 7), quiet.Defer(Utc(3, 8, 4)));
        Assert.False(quiet.IsQuiet(Utc(3, 8, 7)));
        Assert.True(quiet.IsQuiet(Utc(3, 8, 6, 59)));
    }

    [Fact]
    public void A_window_ending_in_the_repeated_hour_ends_at_each_occurrence_of_its_end_on_the_wall_clock()
    {
        // 01:30 happens twice on 2026-11-01 in New York: 05:30 UTC (EDT) and 06:30 UTC (EST).
        var quiet = new QuietHours(NewYork, Window(22, 0, 1, 30));
        Assert.Equal(Utc(11, 1, 5, 30), quiet.Defer(Utc(11, 1, 3)));
        // After the fall back the clock reads 01:10 again: quiet on the wall clock until 01:30 EST.
        Assert.Equal(Utc(11, 1, 6, 30), quiet.Defer(Utc(11, 1, 6, 10)));
    }

    [Fact]
    public void A_window_without_length_is_refused() =>
        Assert.Throws<ArgumentException>(() => new QuietHours(Shanghai, Window(8, 0, 8, 0)));

    [Property(MaxTest = 200)]
    public void Defer_returns_the_first_minute_that_is_not_quiet(int seed)
    {
        var random = new Random(seed);
        var zone = random.Next(2) == 0 ? NewYork : Shanghai;
        QuietWindow RandomWindow()
        {
            var start = new TimeOnly(random.Next(24), random.Next(4) * 15);
            var end = new TimeOnly(random.Next(24), random.Next(4) * 15);
            return start == end ? new QuietWindow(start, start.AddMinutes(30)) : new QuietWindow(start, end);
        }
        var byDay = new Dictionary<DayOfWeek, QuietWindow?>();
        for (var d = 0; d < 7; d++)
        {
            if (random.Next(3) == 0)
            {
                byDay[(DayOfWeek)d] = random.Next(4) == 0 ? null : RandomWindow();
            }
        }
        var quiet = new QuietHours(zone, RandomWindow(), byDay);
        // Any minute of 2026, two thirds of them around the DST changes.
        var now = random.Next(3) switch
        {
            0 => Utc(3, 8, 0).AddMinutes(random.Next(-1440, 1440)),
            1 => Utc(11, 1, 0).AddMinutes(random.Next(-1440, 1440)),
            _ => Utc(1, 1, 0).AddMinutes(random.Next(365 * 1440)),
        };

        var deferred = quiet.Defer(now);
        Assert.False(quiet.IsQuiet(deferred));
        var t = now;
        while (quiet.IsQuiet(t))
        {
            t = t.AddMinutes(1);
        }
        Assert.Equal(t, deferred);
    }
}
