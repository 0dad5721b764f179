using Siyu.Core.Analytics;
using Xunit;

namespace Siyu.Core.Tests.Analytics;

public sealed class CohortsTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    private static long At(int month, int day, int hour = 10) => new DateTimeOffset(2026, month, day, hour, 0, 0, TimeSpan.FromHours(8)).UtcTicks;

    [Fact]
    public void Weekly_cohorts_by_hand()
    {
        // Weeks start on Monday: 11-02, 11-09, 11-16, 11-23 have started by Wednesday 11-25; 11-30 has not.
        var members = new (long, long, string?)[] { (1, At(11, 2), null), (2, At(11, 4), null), (3, At(11, 10), null) };
        var activity = new (long, long)[]
        {
            (1, At(11, 3)), (1, At(11, 12)), (1, At(11, 20)), (1, At(11, 21)), // twice in week 2 counts once
            (2, At(11, 16)),
            (3, At(11, 10)), (3, At(11, 24)),
            (4, At(11, 24)), // not in any cohort
        };
        var rows = Cohorts.Compute(members, activity, CohortPeriod.Week, 5, Shanghai, new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.FromHours(8)));
        Assert.Equal(2, rows.Count);
        Assert.Equal(new DateOnly(2026, 11, 2), rows[0].Start);
        Assert.Equal(2, rows[0].Size);
        Assert.Equal([1, 1, 2, 0], rows[0].Retained);
        Assert.Equal(new DateOnly(2026, 11, 9), rows[1].Start);
        Assert.Equal([1, 0, 1], rows[1].Retained);
    }

    [Fact]
    public void Monthly_cohorts_use_local_dates_and_keep_groups_apart()
    {
        // 2026-10-31 20:00 UTC is already 11-01 04:00 in Shanghai: a November joiner.
        var members = new (long, long, string?)[]
        {
            (1, new DateTimeOffset(2026, 10, 31, 20, 0, 0, TimeSpan.Zero).UtcTicks, "直播间"),
            (2, At(10, 15), "直播间"),
            (3, At(10, 20), "地推"),
        };
        var activity = new (long, long)[] { (1, At(11, 30)), (2, At(11, 1)), (2, At(12, 1)), (3, At(9, 30)) }; // 3's activity is before joining
        var rows = Cohorts.Compute(members, activity, CohortPeriod.Month, 3, Shanghai, new DateTimeOffset(2026, 12, 5, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal(3, rows.Count);
        var october = rows.Single(r => r.Start == new DateOnly(2026, 10, 1) && r.Group == "直播间");
        Assert.Equal([0, 1, 1], october.Retained);
        Assert.Equal([0, 0, 0], rows.Single(r => r.Group == "地推").Retained);
        var november = rows.Single(r => r.Start == new DateOnly(2026, 11, 1));
        Assert.Equal([1, 0], november.Retained);
    }
}
