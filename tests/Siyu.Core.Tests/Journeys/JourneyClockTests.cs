using Siyu.Core.Journeys;
using Xunit;
using static Siyu.Core.Tests.Journeys.JourneyTestKit;

namespace Siyu.Core.Tests.Journeys;

/// <summary>Date-relative instants and schedules, against dates worked out by hand (Shanghai is UTC+8 all year).</summary>
public sealed class JourneyClockTests
{
    private static DateOnly D(string s) => DateOnly.Parse(s, System.Globalization.CultureInfo.InvariantCulture);

    private static readonly DateRelative ThreeDaysBeforeBirthday = new("birthday", -3, new TimeOnly(10, 0), Yearly: true);

    [Theory]
    // Birthday 10 May: 3 days before at 10:00 is 7 May 10:00 = 02:00 UTC.
    [InlineData("1990-05-10", "2026-05-01T00:00:00Z", "2026-05-07T02:00:00Z")]
    [InlineData("1990-05-10", "2026-05-07T01:59:59Z", "2026-05-07T02:00:00Z")]
    // At or after this year's instant, the next is next year's.
    [InlineData("1990-05-10", "2026-05-07T02:00:00Z", "2027-05-07T02:00:00Z")]
    [InlineData("1990-05-10", "2026-05-09T00:00:00Z", "2027-05-07T02:00:00Z")]
    // 29 Feb is celebrated on 28 Feb in 2027 (→ 25 Feb) and on 29 Feb in 2028 (→ 26 Feb).
    [InlineData("2000-02-29", "2027-01-01T00:00:00Z", "2027-02-25T02:00:00Z")]
    [InlineData("2000-02-29", "2028-01-01T00:00:00Z", "2028-02-26T02:00:00Z")]
    // 3 days before 2 January falls in the previous year.
    [InlineData("1995-01-02", "2026-12-01T00:00:00Z", "2026-12-30T02:00:00Z")]
    [InlineData("1995-01-02", "2026-12-30T03:00:00Z", "2027-12-30T02:00:00Z")]
    // A date in the future has no anniversary before it.
    [InlineData("2030-08-20", "2026-05-01T00:00:00Z", "2030-08-17T02:00:00Z")]
    public void Yearly_three_days_before_birthday_at_ten(string birthday, string after, string expected) =>
        Assert.Equal(At(expected), JourneyClock.Next(D(birthday), ThreeDaysBeforeBirthday, Shanghai, At(after)));

    [Fact]
    public void Day_after_a_leap_day_anniversary_is_1_march_every_year()
    {
        var rule = new DateRelative("joined_on", 1, new TimeOnly(0, 0), Yearly: true);
        Assert.Equal(At("2027-02-28T16:00:00Z"), JourneyClock.Next(D("2024-02-29"), rule, Shanghai, At("2027-01-01T00:00:00Z"))); // 1 Mar 2027 00:00 local
        Assert.Equal(At("2028-02-29T16:00:00Z"), JourneyClock.Next(D("2024-02-29"), rule, Shanghai, At("2028-01-01T00:00:00Z"))); // 1 Mar 2028 00:00 local
    }

    [Fact]
    public void One_off_dates_thirty_days_before_expiry_and_eighty_five_days_after_last_order()
    {
        var renewal = new DateRelative("course_expires_at", -30, new TimeOnly(9, 0), Yearly: false);
        Assert.Equal(At("2026-06-01T01:00:00Z"), JourneyClock.Next(D("2026-07-01"), renewal, Shanghai, At("2026-05-01T00:00:00Z")));
        Assert.Null(JourneyClock.Next(D("2026-07-01"), renewal, Shanghai, At("2026-06-01T01:00:00Z")));

        // 10 Jan + 85 days: 21 days to 31 Jan, 28 in Feb (49), 31 in Mar (80), 5 more → 5 April, 20:00 local = 12:00 UTC.
        var winBack = new DateRelative("last_order_at", 85, new TimeOnly(20, 0), Yearly: false);
        Assert.Equal(At("2026-04-05T12:00:00Z"), JourneyClock.Next(D("2026-01-10"), winBack, Shanghai, At("2026-01-10T12:00:00Z")));
    }

    [Fact]
    public void Local_time_skipped_by_spring_forward_moves_to_the_end_of_the_gap()
    {
        // New York jumps from 02:00 EST to 03:00 EDT on 8 March 2026: 02:30 does not exist; 03:00 EDT is 07:00 UTC.
        Assert.Equal(At("2026-03-08T07:00:00Z"), JourneyClock.AtLocal(D("2026-03-08"), new TimeOnly(2, 30), NewYork));
        // Either side of the jump, 10:00 is 15:00 UTC (EST) then 14:00 UTC (EDT).
        Assert.Equal(At("2026-03-07T15:00:00Z"), JourneyClock.AtLocal(D("2026-03-07"), new TimeOnly(10, 0), NewYork));
        Assert.Equal(At("2026-03-08T14:00:00Z"), JourneyClock.AtLocal(D("2026-03-08"), new TimeOnly(10, 0), NewYork));
    }

    [Fact]
    public void Local_time_repeated_by_fall_back_is_its_first_occurrence()
    {
        // 1 November 2026, 01:30 happens at 05:30 UTC (EDT) and again at 06:30 UTC (EST): the first one counts.
        Assert.Equal(At("2026-11-01T05:30:00Z"), JourneyClock.AtLocal(D("2026-11-01"), new TimeOnly(1, 30), NewYork));
        // After the first, the next 01:30 is the next day's (EST), not the repeat an hour later.
        Assert.Equal(At("2026-11-02T06:30:00Z"), JourneyClock.NextTimeOfDay(At("2026-11-01T05:45:00Z"), new TimeOnly(1, 30), NewYork));
    }

    [Fact]
    public void Next_time_of_day_across_spring_forward_is_found_by_conversion_not_by_adding_24_hours()
    {
        // 09:00 on 7 March is 14:00 UTC (EST); the next 09:00 is 13:00 UTC (EDT), 23 hours later.
        Assert.Equal(At("2026-03-08T13:00:00Z"), JourneyClock.NextTimeOfDay(At("2026-03-07T14:00:00Z"), new TimeOnly(9, 0), NewYork));
        Assert.Equal(At("2026-05-07T02:00:00Z"), JourneyClock.NextTimeOfDay(At("2026-05-07T01:59:59Z"), new TimeOnly(10, 0), Shanghai));
        Assert.Equal(At("2026-05-08T02:00:00Z"), JourneyClock.NextTimeOfDay(At("2026-05-07T02:00:00Z"), new TimeOnly(10, 0), Shanghai));
    }

    [Theory]
    // 7 May 2026 is a Thursday; 10:00 local = 02:00 UTC.
    [InlineData("daily 09:30", "2026-05-07T02:00:00Z", "2026-05-08T01:30:00Z")]
    [InlineData("daily 09:30", "2026-05-07T01:00:00Z", "2026-05-07T01:30:00Z")]
    [InlineData("weekly mon,thu 09:30", "2026-05-07T01:00:00Z", "2026-05-07T01:30:00Z")]
    [InlineData("weekly Mon,Thu 09:30", "2026-05-07T02:00:00Z", "2026-05-11T01:30:00Z")]
    [InlineData("30 9 * * 1-5", "2026-05-08T02:00:00Z", "2026-05-11T01:30:00Z")]   // Friday after 09:30 → Monday
    [InlineData("0 */6 * * *", "2026-05-07T02:00:00Z", "2026-05-07T04:00:00Z")]    // 10:00 → 12:00 local
    [InlineData("0 9 1 * *", "2026-05-07T02:00:00Z", "2026-06-01T01:00:00Z")]      // monthly on the 1st
    [InlineData("0 9 13 * 5", "2026-05-07T02:00:00Z", "2026-05-08T01:00:00Z")]     // the 13th or a Friday (Vixie OR)
    [InlineData("0 9 * * 7", "2026-05-07T02:00:00Z", "2026-05-10T01:00:00Z")]      // 7 is Sunday too
    [InlineData("0 9 29 2 *", "2026-05-07T02:00:00Z", "2028-02-29T01:00:00Z")]     // next leap day
    [InlineData("15,45 8-9 * 5 sat", "2026-05-07T02:00:00Z", "2026-05-09T00:15:00Z")] // May Saturdays 08:15
    public void Schedules_fire_at_the_next_local_time(string schedule, string after, string expected)
    {
        var parsed = JourneySchedule.TryParse(schedule, out var error);
        Assert.True(parsed is not null, error);
        Assert.Equal(At(expected), parsed.Next(At(after), Shanghai));
    }

    [Theory]
    [InlineData("daily 9:30")]
    [InlineData("weekly xyz 09:30")]
    [InlineData("60 * * * *")]
    [InlineData("* * *")]
    [InlineData("0 9 31 4 *")] // 31 April never comes
    [InlineData("0 9 5-1 * *")]
    [InlineData("*/0 * * * *")]
    public void Invalid_schedules_are_refused(string schedule)
    {
        Assert.Null(JourneySchedule.TryParse(schedule, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Schedule_in_a_dst_zone_keeps_local_time()
    {
        var daily = JourneySchedule.TryParse("daily 09:00", out _)!;
        Assert.Equal(At("2026-03-08T13:00:00Z"), daily.Next(At("2026-03-07T14:00:00Z"), NewYork));
        // 09:00 EDT on 31 October, then 09:00 EST on 1 November: 25 hours later.
        Assert.Equal(At("2026-11-01T14:00:00Z"), daily.Next(At("2026-10-31T13:00:00Z"), NewYork));
    }
}
