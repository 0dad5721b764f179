using Siyu.Core.CheckIns;
using Xunit;

namespace Siyu.Core.Tests.CheckIns;

public sealed class CheckInStreakTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    private static readonly CheckInReward Coupon7 = new("7天券", CheckInRewardKinds.Coupon, 7, null, 1);
    private static readonly CheckInReward Gift21 = new("21天礼品", CheckInRewardKinds.Gift, null, 21);

    private static CheckInSpec Spec(string rule = MissedDayRules.Reset, int makeUps = 0) =>
        new("打卡", null, null, rule, makeUps, 7, [Coupon7, Gift21], null, null);

    private static int D(int y, int m, int d) => new DateOnly(y, m, d).DayNumber;

    private static HashSet<int> Days(params int[] days) => [.. days];

    [Fact]
    public void Local_day_turns_at_midnight_Shanghai_not_UTC()
    {
        // 2026-11-30 15:59:59Z is 23:59:59 on 30 Nov in Shanghai; one second later it is 1 Dec.
        Assert.Equal(D(2026, 11, 30), CheckInCalendar.Day(new DateTimeOffset(2026, 11, 30, 15, 59, 59, TimeSpan.Zero), Shanghai));
        Assert.Equal(D(2026, 12, 1), CheckInCalendar.Day(new DateTimeOffset(2026, 11, 30, 16, 0, 0, TimeSpan.Zero), Shanghai));
        // Year end: 31 Dec 2026 16:00Z is 1 Jan 2027 local.
        Assert.Equal(D(2027, 1, 1), CheckInCalendar.Day(new DateTimeOffset(2026, 12, 31, 16, 0, 0, TimeSpan.Zero), Shanghai));
        Assert.Equal(202701, CheckInCalendar.Month(D(2027, 1, 1)));
    }

    [Fact]
    public void Streak_runs_across_a_month_boundary()
    {
        // 28, 29, 30 Nov, 1, 2, 3 Dec checked; checking 4 Dec makes 7 consecutive days: the 7-day coupon.
        var days = Days(D(2026, 11, 28), D(2026, 11, 29), D(2026, 11, 30), D(2026, 12, 1), D(2026, 12, 2), D(2026, 12, 3));
        var decision = CheckInStreaks.Decide(days, D(2026, 12, 4), D(2026, 12, 4), Spec(), null, null, 0);
        Assert.Null(decision.Refusal);
        Assert.Equal(new Streak(D(2026, 11, 28), 7), decision.Streak);
        Assert.Equal([new Milestone(0, D(2026, 11, 28), 7)], decision.Milestones);
    }

    [Fact]
    public void Checking_the_same_day_again_is_already_done_with_no_milestones()
    {
        var days = Days(D(2026, 12, 1), D(2026, 12, 2));
        var decision = CheckInStreaks.Decide(days, D(2026, 12, 2), D(2026, 12, 2), Spec(), null, null, 0);
        Assert.True(decision.Already);
        Assert.Empty(decision.Milestones);
        Assert.Equal(2, decision.Streak.Length);
    }

    [Fact]
    public void A_missed_day_resets_the_streak_under_reset()
    {
        // 1..6 Dec checked, 7 Dec missed, 8 Dec: a new streak of 1.
        var days = Days([.. Enumerable.Range(D(2026, 12, 1), 6)]);
        Assert.Equal(6, CheckInStreaks.Current(days, D(2026, 12, 7)).Length); // alive until 7 Dec ends
        Assert.Equal(0, CheckInStreaks.Current(days, D(2026, 12, 8)).Length);
        var decision = CheckInStreaks.Decide(days, D(2026, 12, 8), D(2026, 12, 8), Spec(), null, null, 0);
        Assert.Equal(new Streak(D(2026, 12, 8), 1), decision.Streak);
        Assert.Empty(decision.Milestones);
        Assert.Equal(CheckInRefusals.MakeUpNotAllowed, CheckInStreaks.Decide(days, D(2026, 12, 8), D(2026, 12, 7), Spec(), null, null, 0).Refusal);
    }

    [Fact]
    public void A_make_up_card_fills_the_gap_and_joins_the_runs()
    {
        // 1..6 Dec and 8 Dec checked; making up 7 Dec on 8 Dec joins them into 8 days: the 7th-day coupon of the streak from 1 Dec.
        var days = Days([.. Enumerable.Range(D(2026, 12, 1), 6), D(2026, 12, 8)]);
        var decision = CheckInStreaks.Decide(days, D(2026, 12, 8), D(2026, 12, 7), Spec(MissedDayRules.MakeUp, 2), null, null, 0);
        Assert.Null(decision.Refusal);
        Assert.True(decision.MakeUp);
        Assert.Equal(new Streak(D(2026, 12, 1), 8), decision.Streak);
        Assert.Equal([new Milestone(0, D(2026, 12, 1), 7)], decision.Milestones);
    }

    [Fact]
    public void Make_up_cards_are_limited_per_month_of_the_missed_day_and_by_the_window()
    {
        var spec = Spec(MissedDayRules.MakeUp, 2);
        var days = Days(D(2026, 12, 10));
        Assert.Equal(CheckInRefusals.MakeUpLimit, CheckInStreaks.Decide(days, D(2026, 12, 10), D(2026, 12, 9), spec, null, null, 2).Refusal);
        Assert.Null(CheckInStreaks.Decide(days, D(2026, 12, 10), D(2026, 12, 9), spec, null, null, 1).Refusal);
        // The window is 7 days: 3 Dec can be made up on 10 Dec, 2 Dec cannot.
        Assert.Null(CheckInStreaks.Decide(days, D(2026, 12, 10), D(2026, 12, 3), spec, null, null, 0).Refusal);
        Assert.Equal(CheckInRefusals.MakeUpTooOld, CheckInStreaks.Decide(days, D(2026, 12, 10), D(2026, 12, 2), spec, null, null, 0).Refusal);
        Assert.Equal(CheckInRefusals.FutureDay, CheckInStreaks.Decide(days, D(2026, 12, 10), D(2026, 12, 11), spec, null, null, 0).Refusal);
    }

    [Fact]
    public void Campaign_bounds_refuse_days_outside()
    {
        var spec = Spec(MissedDayRules.MakeUp, 5);
        Assert.Equal(CheckInRefusals.NotStarted, CheckInStreaks.Decide(Days(), D(2026, 12, 5), D(2026, 12, 3), spec, D(2026, 12, 4), null, 0).Refusal);
        Assert.Equal(CheckInRefusals.Ended, CheckInStreaks.Decide(Days(), D(2026, 12, 5), D(2026, 12, 5), spec, null, D(2026, 12, 4), 0).Refusal);
    }

    [Fact]
    public void Twenty_one_days_reach_three_coupons_and_the_gift()
    {
        var start = D(2026, 12, 20); // runs over the year end into 9 Jan 2027
        var days = Days([.. Enumerable.Range(start, 20)]);
        var decision = CheckInStreaks.Decide(days, start + 20, start + 20, Spec(), null, null, 0);
        Assert.Equal(21, decision.Streak.Length);
        Assert.Equal(D(2027, 1, 9), decision.Streak.EndDay);
        Assert.Equal(
            [new Milestone(0, start, 7), new Milestone(0, start, 14), new Milestone(0, start, 21), new Milestone(1, start, 21)],
            decision.Milestones);
    }

    [Fact]
    public void Spec_validation_names_the_fields()
    {
        var bad = new CheckInSpec("", null, null, "never", 0, 0, [new("x", "cash", 7, 21)], "25:00", null, "Mars/Base");
        var paths = bad.Validate().Select(e => e.Path).ToList();
        Assert.Contains("name", paths);
        Assert.Contains("missed_day_rule", paths);
        Assert.Contains("rewards[0].kind", paths);
        Assert.Contains("rewards[0].every_days", paths);
        Assert.Contains("reminder_time", paths);
        Assert.Contains("reminder_text", paths);
        Assert.Contains("time_zone", paths);
        Assert.Empty(Spec().Validate());
    }
}
