using Siyu.Core.Audiences.Conditions;
using Xunit;

namespace Siyu.Core.Tests.Audiences;

public sealed class TenantClockTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    [Fact]
    public void Local_day_turns_at_local_midnight_not_utc_midnight()
    {
        // 2026-11-24 15:59:59 UTC is 23:59:59 in Shanghai; a second later it is the 25th there, still the 24th in UTC.
        var before = new DateTimeOffset(2026, 11, 24, 15, 59, 59, TimeSpan.Zero);
        Assert.Equal(new DateOnly(2026, 11, 24).DayNumber, TenantClock.Today(before, Shanghai));
        Assert.Equal(new DateOnly(2026, 11, 25).DayNumber, TenantClock.Today(before.AddSeconds(1), Shanghai));
        Assert.Equal(new DateOnly(2026, 11, 24).DayNumber, TenantClock.Today(before.AddSeconds(1), TimeZoneInfo.Utc));
    }

    [Fact]
    public void Next_midnight_is_the_next_local_day_start()
    {
        var now = new DateTimeOffset(2026, 11, 25, 3, 0, 0, TimeSpan.Zero); // 11:00 in Shanghai
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 16, 0, 0, TimeSpan.Zero), TenantClock.NextMidnight(now, Shanghai));
        // Exactly at midnight the next one is a day later.
        var midnight = new DateTimeOffset(2026, 11, 25, 16, 0, 0, TimeSpan.Zero);
        Assert.Equal(midnight.AddDays(1), TenantClock.NextMidnight(midnight, Shanghai));
    }

    [Fact]
    public void Next_midnight_across_daylight_saving_changes_is_found_by_conversion()
    {
        // New York falls back on 2026-11-01 (the day has 25 hours): midnight of Nov 2 is 05:00 UTC, not 04:00.
        var nov1Noon = new DateTimeOffset(2026, 11, 1, 16, 0, 0, TimeSpan.Zero);
        Assert.Equal(new DateTimeOffset(2026, 11, 2, 5, 0, 0, TimeSpan.Zero), TenantClock.NextMidnight(nov1Noon, NewYork));
        // Springs forward on 2026-03-08: midnight of Mar 9 is 04:00 UTC (EDT).
        var mar8Noon = new DateTimeOffset(2026, 3, 8, 16, 0, 0, TimeSpan.Zero);
        Assert.Equal(new DateTimeOffset(2026, 3, 9, 4, 0, 0, TimeSpan.Zero), TenantClock.NextMidnight(mar8Noon, NewYork));
    }

    [Theory]
    [InlineData("2020-02-29", "2027-02-27", 1, true)]   // leap-day birthday is celebrated on 28 Feb in other years
    [InlineData("2020-02-29", "2027-02-27", 0, false)]
    [InlineData("1990-12-30", "2026-12-28", 3, true)]
    [InlineData("1990-01-02", "2026-12-30", 3, true)]    // window crosses the new year
    [InlineData("1990-01-03", "2026-12-30", 3, false)]
    public void Anniversary_windows(string date, string today, int days, bool expected) =>
        Assert.Equal(expected, Comparisons.AnniversaryWithin(DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture).DayNumber,
            DateOnly.Parse(today, System.Globalization.CultureInfo.InvariantCulture).DayNumber, days));
}
