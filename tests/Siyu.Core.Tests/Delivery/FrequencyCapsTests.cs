using Siyu.Core.Delivery;
using Xunit;

namespace Siyu.Core.Tests.Delivery;

/// <summary>Every expected instant below is worked out by hand from the calendar and the zones' offsets.</summary>
public sealed class FrequencyCapsTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    private static readonly TimeSpan Cst = TimeSpan.FromHours(8);

    private static DateTimeOffset Beijing(int month, int day, int hour, int minute = 0, int second = 0) => new(2026, month, day, hour, minute, second, Cst);

    private static DateTimeOffset Utc(int month, int day, int hour, int minute = 0, int second = 0) => new(2026, month, day, hour, minute, second, TimeSpan.Zero);

    private static DeliveryRecord Sent(DeliveryChannel channel, DeliveryTopic topic, DateTimeOffset at) => new(channel, topic, at.UtcTicks);

    private static DeliveryRecord Private(DateTimeOffset at) => Sent(DeliveryChannel.WeComPrivate, DeliveryTopic.Marketing, at);

    private static CustomerDeliveryContext With(params DeliveryRecord[] history) => new(ConsentState.Empty, history);

    private static readonly FrequencyCaps TwoPerDayFivePerWeek =
        new([new FrequencyCapRule(DeliveryChannel.WeComPrivate, DeliveryTopic.Marketing, 2, 5)], Shanghai);

    private static CapVerdict CheckPrivate(FrequencyCaps caps, CustomerDeliveryContext context, DateTimeOffset at) =>
        caps.Check(DeliveryChannel.WeComPrivate, DeliveryTopic.Marketing, context, at);

    [Fact]
    public void The_daily_cap_counts_the_local_day_and_frees_up_at_local_midnight()
    {
        // Wednesday 2026-11-25 in Shanghai.
        var one = With(Private(Beijing(11, 25, 9)));
        Assert.True(CheckPrivate(TwoPerDayFivePerWeek, one, Beijing(11, 25, 15)).Allowed);

        var two = With(Private(Beijing(11, 25, 9)), Private(Beijing(11, 25, 10)));
        var capped = CheckPrivate(TwoPerDayFivePerWeek, two, Beijing(11, 25, 15));
        Assert.Equal((false, "capped.daily", 2, 2), (capped.Allowed, capped.Code, capped.Count, capped.Limit));
        Assert.Equal(Utc(11, 25, 16), capped.NextAllowed); // 2026-11-26 00:00 +08
        Assert.True(CheckPrivate(TwoPerDayFivePerWeek, two, Utc(11, 25, 16)).Allowed);
        Assert.False(CheckPrivate(TwoPerDayFivePerWeek, two, Utc(11, 25, 15, 59, 59)).Allowed);
    }

    [Fact]
    public void A_utc_date_is_not_the_local_day()
    {
        // 2026-11-25 23:30 +08 is 15:30 UTC on the 25th; 2026-11-26 01:00 +08 is 17:00 UTC on the 25th: same UTC day, different local days.
        var history = With(Private(Beijing(11, 25, 23, 30)), Private(Beijing(11, 25, 22)));
        Assert.True(CheckPrivate(TwoPerDayFivePerWeek, history, Beijing(11, 26, 1)).Allowed);
    }

    [Fact]
    public void The_weekly_cap_counts_monday_to_sunday_and_frees_up_on_monday_at_local_midnight()
    {
        // Week of Monday 2026-11-23 .. Sunday 2026-11-29, one message a day Monday to Thursday and the fifth late on Sunday.
        var week = With(Private(Beijing(11, 23, 10)), Private(Beijing(11, 24, 10)), Private(Beijing(11, 25, 10)),
            Private(Beijing(11, 26, 10)), Private(Beijing(11, 29, 23, 30)));
        var sunday = CheckPrivate(TwoPerDayFivePerWeek, week, Beijing(11, 29, 23, 59, 59));
        Assert.Equal((false, "capped.weekly", 5, 5), (sunday.Allowed, sunday.Code, sunday.Count, sunday.Limit));
        Assert.Equal(Utc(11, 29, 16), sunday.NextAllowed); // Monday 2026-11-30 00:00 +08
        Assert.True(CheckPrivate(TwoPerDayFivePerWeek, week, Beijing(11, 30, 0)).Allowed);
        // Saturday, before the Sunday message, the week held four.
        var beforeSunday = With(week.History.Take(4).ToArray());
        Assert.True(CheckPrivate(TwoPerDayFivePerWeek, beforeSunday, Beijing(11, 28, 10)).Allowed);
    }

    [Fact]
    public void The_next_allowed_instant_satisfies_every_rule_not_only_the_first_that_capped()
    {
        // Friday 2026-11-27 has two messages (daily cap) and the week five (weekly cap): the daily cap alone would
        // free up at Saturday midnight, but the week is full until Monday.
        var history = With(Private(Beijing(11, 23, 10)), Private(Beijing(11, 24, 10)), Private(Beijing(11, 25, 10)),
            Private(Beijing(11, 27, 9)), Private(Beijing(11, 27, 10)));
        var verdict = CheckPrivate(TwoPerDayFivePerWeek, history, Beijing(11, 27, 15));
        Assert.Equal("capped.daily", verdict.Code);
        Assert.Equal(Utc(11, 29, 16), verdict.NextAllowed);
    }

    [Fact]
    public void Rules_count_only_their_channel_and_topic()
    {
        var caps = new FrequencyCaps([new FrequencyCapRule(DeliveryChannel.Sms, null, 1, null)], Shanghai);
        var wecomToday = With(Private(Beijing(11, 25, 9)), Sent(DeliveryChannel.WeComMass, DeliveryTopic.Marketing, Beijing(11, 25, 9)));
        Assert.True(caps.Check(DeliveryChannel.Sms, DeliveryTopic.Marketing, wecomToday, Beijing(11, 25, 15)).Allowed);
        Assert.True(caps.Check(DeliveryChannel.WeComPrivate, DeliveryTopic.Marketing, With(Private(Beijing(11, 25, 9)), Private(Beijing(11, 25, 10))), Beijing(11, 25, 15)).Allowed);
        var smsToday = With(Sent(DeliveryChannel.Sms, DeliveryTopic.Reminder, Beijing(11, 25, 9)));
        Assert.Equal("capped.daily", caps.Check(DeliveryChannel.Sms, DeliveryTopic.Marketing, smsToday, Beijing(11, 25, 15)).Code);
    }

    [Fact]
    public void Transactional_messages_are_exempt_and_not_counted_unless_configured_otherwise()
    {
        var rule = new FrequencyCapRule(null, null, 1, null);
        var exempt = new FrequencyCaps([rule], Shanghai);
        var strict = new FrequencyCaps([rule], Shanghai, exemptTransactional: false);
        var marketingToday = With(Private(Beijing(11, 25, 9)));
        var ordersToday = With(Sent(DeliveryChannel.Sms, DeliveryTopic.Transactional, Beijing(11, 25, 9)),
            Sent(DeliveryChannel.Sms, DeliveryTopic.Transactional, Beijing(11, 25, 10)));

        Assert.True(exempt.Check(DeliveryChannel.Sms, DeliveryTopic.Transactional, marketingToday, Beijing(11, 25, 15)).Allowed);
        Assert.True(exempt.Check(DeliveryChannel.WeComPrivate, DeliveryTopic.Marketing, ordersToday, Beijing(11, 25, 15)).Allowed);
        Assert.False(strict.Check(DeliveryChannel.Sms, DeliveryTopic.Transactional, marketingToday, Beijing(11, 25, 15)).Allowed);
        Assert.False(strict.Check(DeliveryChannel.WeComPrivate, DeliveryTopic.Marketing, ordersToday, Beijing(11, 25, 15)).Allowed);
    }

    [Fact]
    public void Welcome_messages_are_never_capped_nor_counted()
    {
        var caps = new FrequencyCaps([new FrequencyCapRule(null, null, 1, 1)], Shanghai);
        var busy = With(Private(Beijing(11, 25, 9)));
        Assert.True(caps.Check(DeliveryChannel.WeComWelcome, DeliveryTopic.Service, busy, Beijing(11, 25, 15)).Allowed);
        var welcomed = With(Sent(DeliveryChannel.WeComWelcome, DeliveryTopic.Service, Beijing(11, 25, 9)));
        Assert.True(caps.Check(DeliveryChannel.WeComPrivate, DeliveryTopic.Marketing, welcomed, Beijing(11, 25, 15)).Allowed);
    }

    // ---- WeCom's built-in limits ----

    private static readonly FrequencyCaps NoTenantRules = new([], NewYork);

    private static DeliveryRecord[] MassMessages(int month, int count) =>
        Enumerable.Range(1, count).Select(d => Sent(DeliveryChannel.WeComMass, DeliveryTopic.Marketing, Beijing(month, d, 12))).ToArray();

    [Fact]
    public void A_customer_receives_at_most_as_many_mass_messages_as_the_month_has_days()
    {
        // November has 30 days: the 30th message of the month fills it until 1 December 00:00 Beijing time.
        var full = With(MassMessages(11, 30));
        var verdict = NoTenantRules.Check(DeliveryChannel.WeComMass, DeliveryTopic.Marketing, full, Beijing(11, 30, 20));
        Assert.Equal((false, "capped.wecom_mass.monthly", 30, 30), (verdict.Allowed, verdict.Code, verdict.Count, verdict.Limit));
        Assert.Equal(Utc(11, 30, 16), verdict.NextAllowed);
        Assert.True(NoTenantRules.Check(DeliveryChannel.WeComMass, DeliveryTopic.Marketing, With(MassMessages(11, 29)), Beijing(11, 30, 20)).Allowed);

        // February 2026 has 28.
        var february = NoTenantRules.Check(DeliveryChannel.WeComMass, DeliveryTopic.Marketing, With(MassMessages(2, 28)), Beijing(2, 28, 20));
        Assert.Equal((false, 28), (february.Allowed, february.Limit));
        Assert.Equal(Utc(2, 28, 16), february.NextAllowed); // 1 March 00:00 +08
    }

    [Fact]
    public void WeCom_counts_its_limit_in_beijing_time_whatever_the_tenant_zone()
    {
        // 30 November 17:00 UTC is 1 December 01:00 in Beijing (still 30 November in New York): December has begun for WeCom.
        var full = With(MassMessages(11, 30));
        Assert.True(NoTenantRules.Check(DeliveryChannel.WeComMass, DeliveryTopic.Marketing, full, Utc(11, 30, 17)).Allowed);
    }

    [Fact]
    public void The_mass_limit_applies_to_every_topic()
    {
        var verdict = NoTenantRules.Check(DeliveryChannel.WeComMass, DeliveryTopic.Transactional, With(MassMessages(11, 30)), Beijing(11, 30, 20));
        Assert.False(verdict.Allowed);
    }

    [Fact]
    public void A_customer_who_chose_one_per_day_or_seven_per_week_is_held_to_it()
    {
        var daily = With(Sent(DeliveryChannel.WeComMass, DeliveryTopic.Marketing, Beijing(11, 25, 9))) with { MassReceiveLimit = WeComMassReceiveLimit.OnePerDay };
        var verdict = NoTenantRules.Check(DeliveryChannel.WeComMass, DeliveryTopic.Marketing, daily, Beijing(11, 25, 20));
        Assert.Equal(("capped.wecom_mass.daily", 1), (verdict.Code, verdict.Limit));
        Assert.Equal(Utc(11, 25, 16), verdict.NextAllowed);

        // Seven from Monday 23 to Sunday 29 November: free again on Monday 30 November 00:00 Beijing time.
        var weekly = With(Enumerable.Range(23, 7).Select(d => Sent(DeliveryChannel.WeComMass, DeliveryTopic.Marketing, Beijing(11, d, 9))).ToArray())
            with { MassReceiveLimit = WeComMassReceiveLimit.SevenPerWeek };
        var w = NoTenantRules.Check(DeliveryChannel.WeComMass, DeliveryTopic.Marketing, weekly, Beijing(11, 29, 20));
        Assert.Equal(("capped.wecom_mass.weekly", 7), (w.Code, w.Limit));
        Assert.Equal(Utc(11, 29, 16), w.NextAllowed);
    }

    [Fact]
    public void When_WeCom_reported_the_cap_reached_the_customer_is_capped_for_the_rest_of_that_month()
    {
        var reported = CustomerDeliveryContext.Empty with { MassLimitReportedAtUtcTicks = Beijing(11, 10, 9).UtcTicks };
        var verdict = NoTenantRules.Check(DeliveryChannel.WeComMass, DeliveryTopic.Marketing, reported, Beijing(11, 20, 9));
        Assert.Equal("capped.wecom_mass.reported", verdict.Code);
        Assert.Equal(Utc(11, 30, 16), verdict.NextAllowed);
        Assert.True(NoTenantRules.Check(DeliveryChannel.WeComMass, DeliveryTopic.Marketing, reported, Beijing(12, 1, 0)).Allowed);
        Assert.True(NoTenantRules.Check(DeliveryChannel.WeComPrivate, DeliveryTopic.Marketing, reported, Beijing(11, 20, 9)).Allowed);
    }

    [Fact]
    public void App_messages_are_held_to_thirty_per_rolling_minute()
    {
        // 30 messages at 10:00:00 .. 10:00:29 UTC: the 31st may go when the first leaves the window, at 10:01:00.
        var burst = With(Enumerable.Range(0, 30).Select(s => Sent(DeliveryChannel.App, DeliveryTopic.Service, Utc(11, 25, 10, 0, s))).ToArray());
        var verdict = NoTenantRules.Check(DeliveryChannel.App, DeliveryTopic.Service, burst, Utc(11, 25, 10, 0, 45));
        Assert.Equal(("capped.wecom_app.per_minute", 30, 30), (verdict.Code, verdict.Count, verdict.Limit));
        Assert.Equal(Utc(11, 25, 10, 1, 0), verdict.NextAllowed);
        Assert.True(NoTenantRules.Check(DeliveryChannel.App, DeliveryTopic.Service, burst, Utc(11, 25, 10, 1, 0)).Allowed);

        // Over the limit already (sent by another system, or a race): six must age out, the sixth at 10:00:05.
        var over = With(Enumerable.Range(0, 35).Select(s => Sent(DeliveryChannel.App, DeliveryTopic.Service, Utc(11, 25, 10, 0, s))).ToArray());
        Assert.Equal(Utc(11, 25, 10, 1, 5), NoTenantRules.Check(DeliveryChannel.App, DeliveryTopic.Service, over, Utc(11, 25, 10, 0, 40)).NextAllowed);
    }

    [Fact]
    public void App_messages_are_held_to_a_thousand_per_rolling_hour()
    {
        // One every 3 s from 09:00:00: 20 a minute, and the 1,000th at 09:49:57. The next may go at 10:00:00.
        var steady = With(Enumerable.Range(0, 1000).Select(i => Sent(DeliveryChannel.App, DeliveryTopic.Service, Utc(11, 25, 9).AddSeconds(3 * i))).ToArray());
        var verdict = NoTenantRules.Check(DeliveryChannel.App, DeliveryTopic.Service, steady, Utc(11, 25, 9, 50));
        Assert.Equal(("capped.wecom_app.per_hour", 1000), (verdict.Code, verdict.Count));
        Assert.Equal(Utc(11, 25, 10), verdict.NextAllowed);
    }

    // ---- Daylight saving time ----

    [Fact]
    public void The_week_boundary_is_local_monday_midnight_across_a_spring_forward()
    {
        // New York springs forward on Sunday 2026-03-08. Sunday 20:00 EDT is already Monday 00:00 UTC, but locally
        // the week (Mon 2 .. Sun 8 March) is not over until Monday 9 March 00:00 EDT = 04:00 UTC.
        var caps = new FrequencyCaps([new FrequencyCapRule(null, null, null, 5)], NewYork);
        var week = With(Enumerable.Range(2, 5).Select(d => Private(new DateTimeOffset(2026, 3, d, 12, 0, 0, TimeSpan.FromHours(-5)))).ToArray());
        var verdict = caps.Check(DeliveryChannel.WeComPrivate, DeliveryTopic.Marketing, week, Utc(3, 9, 0));
        Assert.Equal("capped.weekly", verdict.Code);
        Assert.Equal(Utc(3, 9, 4), verdict.NextAllowed);
    }

    [Fact]
    public void The_daily_cap_covers_the_whole_25_hour_day_of_a_fall_back()
    {
        // 2026-11-01 in New York lasts 25 hours: 00:30 EDT (04:30 UTC) and 23:30 EST (04:30 UTC next day) are one day,
        // which ends at Monday 00:00 EST = 05:00 UTC.
        var caps = new FrequencyCaps([new FrequencyCapRule(null, null, 1, null)], NewYork);
        var early = With(Private(Utc(11, 1, 4, 30)));
        var verdict = caps.Check(DeliveryChannel.WeComPrivate, DeliveryTopic.Marketing, early, Utc(11, 2, 4, 30));
        Assert.Equal("capped.daily", verdict.Code);
        Assert.Equal(Utc(11, 2, 5), verdict.NextAllowed);
    }

    [Fact]
    public void Rules_without_a_limit_or_with_zero_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new FrequencyCaps([new FrequencyCapRule(null, null, 0, null)], Shanghai));
        Assert.Throws<ArgumentException>(() => new FrequencyCaps([new FrequencyCapRule(null, null, null, null)], Shanghai));
    }
}
