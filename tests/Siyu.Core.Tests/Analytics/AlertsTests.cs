using System.Text.Json;
using Siyu.Core.Analytics;
using Xunit;

namespace Siyu.Core.Tests.Analytics;

/// <summary>The alert rules on hand-picked days around every threshold; expected figures are computed by hand in the comments.</summary>
public sealed class AlertsTests
{
    private static int D(int month, int day, int year = 2026) => new DateOnly(year, month, day).DayNumber;

    // 2026-12-01 is a Tuesday in ISO week 49.
    private static readonly int Today = D(12, 1);

    private static CustomerAlertFacts Customer(
        long id, int m = 0, int orders = 0, int? first = null, int? last = null, int? inbound = null, string[]? staff = null,
        StaffDeletion[]? deletions = null, string? name = null) =>
        new(id, name, m, orders, first ?? last, last, inbound, staff ?? ["zhang"], deletions ?? []);

    private static readonly AlertSettings Defaults = new();

    // ---- silent high-value -------------------------------------------------------------------------------------------

    [Fact]
    public void Silent_high_value_at_exactly_60_days_and_m_4_is_raised_for_the_first_staff_member()
    {
        // Oct 2 → Nov 1 is 30 days, Nov 1 → Dec 1 another 30: 60 days, the threshold itself.
        var c = Customer(1, m: 4, orders: 3, last: D(10, 2), inbound: D(9, 20), staff: ["li", "zhang"], name: "王芳");
        var alert = Alerts.SilentHighValue(Defaults.SilentHighValue, Today, c);
        Assert.NotNull(alert);
        Assert.Equal("silent_high_value/customer/1/2026-10-02", alert.Key);
        Assert.Equal(AlertKinds.SilentHighValue, alert.Kind);
        Assert.Equal(1, alert.CustomerId);
        Assert.Equal("li", alert.StaffUserId);
        Assert.Equal("高价值客户「王芳」（消费金额 M 分 4）已 60 天没有下单或发来消息（最近一次：2026-10-02；阈值 60 天）。", alert.Reason);
    }

    [Fact]
    public void Silent_high_value_needs_the_score_and_the_full_silence()
    {
        var rule = Defaults.SilentHighValue;
        Assert.Null(Alerts.SilentHighValue(rule, Today, Customer(2, m: 4, orders: 1, last: D(10, 3))));           // 59 days
        Assert.Null(Alerts.SilentHighValue(rule, Today, Customer(3, m: 3, orders: 1, last: D(1, 1))));            // M below 4
        Assert.Null(Alerts.SilentHighValue(rule, Today, Customer(4, m: 5, orders: 2, last: D(6, 1), inbound: D(10, 15)))); // a message 47 days ago
        Assert.Null(Alerts.SilentHighValue(rule, Today, Customer(5, m: 5)));                                       // no activity at all
        // The message is the later activity: 1 Oct → 61 days.
        var byMessage = Alerts.SilentHighValue(rule, Today, Customer(6, m: 5, orders: 2, last: D(6, 1), inbound: D(10, 1)));
        Assert.Equal("silent_high_value/customer/6/2026-10-01", byMessage?.Key);
        Assert.Contains("已 61 天", byMessage!.Reason, StringComparison.Ordinal);
        // Custom thresholds: M ≥ 5 and 30 days.
        var strict = new SilentHighValueRule { MinMonetaryScore = 5, SilentDays = 30 };
        Assert.Null(Alerts.SilentHighValue(strict, Today, Customer(7, m: 4, orders: 1, last: D(10, 1))));
        Assert.NotNull(Alerts.SilentHighValue(strict, Today, Customer(8, m: 5, orders: 1, last: D(11, 1)))); // exactly 30
        Assert.Null(Alerts.SilentHighValue(strict, Today, Customer(9, m: 5, orders: 1, last: D(11, 2))));    // 29
    }

    [Fact]
    public void A_customer_without_staff_still_raises_an_alert_with_nobody_to_notify()
    {
        var alert = Alerts.SilentHighValue(Defaults.SilentHighValue, Today, Customer(10, m: 5, orders: 1, last: D(1, 1), staff: []));
        Assert.NotNull(alert);
        Assert.Null(alert.StaffUserId);
        Assert.Contains("客户 #10 ", alert.Reason, StringComparison.Ordinal);
    }

    // ---- churn risk: overdue -------------------------------------------------------------------------------------------

    [Fact]
    public void Churn_overdue_uses_the_customers_own_rhythm_strictly_beyond_the_threshold()
    {
        var rule = Defaults.ChurnRisk;
        // Two orders 9 Jun and 18 Aug: 70 days apart, so the threshold is 1.5 × 70 = 105 days.
        // 18 Aug → 1 Dec = 14 + 30 + 31 + 30 = 105 days: not beyond it yet.
        var c = Customer(20, orders: 2, first: D(6, 9), last: D(8, 18), name: "李雷");
        Assert.Null(Alerts.ChurnOverdue(rule, Today, c));
        var alert = Alerts.ChurnOverdue(rule, D(12, 2), c);
        Assert.NotNull(alert);
        Assert.Equal("churn_risk/customer/20/overdue/2026-08-18", alert.Key);
        Assert.Equal("zhang", alert.StaffUserId);
        Assert.Equal("客户「李雷」共 2 笔订单，平均 70 天复购一次，距上次下单（2026-08-18）已 106 天，超过 105 天（平均间隔 × 1.5，至少 30 天），有流失风险。", alert.Reason);
    }

    [Fact]
    public void Churn_overdue_never_before_the_minimum_days()
    {
        var rule = Defaults.ChurnRisk;
        // Three orders 2 Aug … 1 Sep: average 15 days, 1.5 × 15 = 22.5, so the 30-day minimum decides.
        Assert.Null(Alerts.ChurnOverdue(rule, D(10, 1), Customer(21, orders: 3, first: D(8, 2), last: D(9, 1))));   // 30 days
        var alert = Alerts.ChurnOverdue(rule, D(10, 2), Customer(21, orders: 3, first: D(8, 2), last: D(9, 1)));    // 31 days
        Assert.NotNull(alert);
        Assert.Contains("平均 15 天复购一次", alert.Reason, StringComparison.Ordinal);
        Assert.Contains("超过 30 天", alert.Reason, StringComparison.Ordinal);
        // Same-day orders: average 0, the minimum still holds.
        Assert.Null(Alerts.ChurnOverdue(rule, D(10, 1), Customer(22, orders: 2, first: D(9, 1), last: D(9, 1))));
        Assert.NotNull(Alerts.ChurnOverdue(rule, D(10, 2), Customer(22, orders: 2, first: D(9, 1), last: D(9, 1))));
    }

    [Fact]
    public void Churn_overdue_compares_exactly_with_fractional_averages_and_factors()
    {
        // Four orders over 100 days: average 33.3…, × 1.5 = exactly 50.
        var c = Customer(23, orders: 4, first: D(1, 1), last: D(4, 11)); // 1 Jan → 11 Apr = 31 + 28 + 31 + 10 = 100 days
        Assert.Null(Alerts.ChurnOverdue(Defaults.ChurnRisk, D(4, 11) + 50, c));
        Assert.NotNull(Alerts.ChurnOverdue(Defaults.ChurnRisk, D(4, 11) + 51, c));
        // Factor 1.1 over a 100-day single gap: exactly 110 (1.1 is not exact in binary).
        var one = Customer(24, orders: 2, first: D(1, 1), last: D(4, 11));
        var rule = new ChurnRiskRule { Factor = 1.1 };
        Assert.Null(Alerts.ChurnOverdue(rule, D(4, 11) + 110, one));
        Assert.NotNull(Alerts.ChurnOverdue(rule, D(4, 11) + 111, one));
    }

    [Fact]
    public void One_order_is_no_rhythm()
    {
        Assert.Null(Alerts.ChurnOverdue(Defaults.ChurnRisk, Today, Customer(25, orders: 1, first: D(1, 1), last: D(1, 1))));
        Assert.Null(Alerts.ChurnOverdue(Defaults.ChurnRisk, Today, Customer(26)));
    }

    // ---- churn risk: the customer deleted the staff member ---------------------------------------------------------------

    [Fact]
    public void A_paying_customer_deleting_their_staff_member_is_a_churn_risk_for_that_staff_member()
    {
        var c = Customer(30, orders: 2, first: D(10, 1), last: D(10, 20), staff: [], deletions: [new StaffDeletion("wang", D(11, 20), ByCustomer: true)], name: "韩梅梅");
        var alert = Assert.Single(Alerts.ChurnDeleted(Defaults.ChurnRisk, Today, c));
        Assert.Equal("churn_risk/customer/30/deleted/wang/2026-11-20", alert.Key);
        Assert.Equal("wang", alert.StaffUserId);
        Assert.Equal("客户「韩梅梅」（2 笔订单，首单 2026-10-01）于 2026-11-20 在企业微信删除了员工 wang，有流失风险。", alert.Reason);
    }

    [Fact]
    public void Deletions_that_are_not_a_churn_signal()
    {
        var rule = Defaults.ChurnRisk;
        StaffDeletion ByCustomer(int day) => new("wang", day, true);
        // The staff member deleted the customer.
        Assert.Empty(Alerts.ChurnDeleted(rule, Today, Customer(31, orders: 1, first: D(10, 1), deletions: [new StaffDeletion("wang", D(11, 20), false)])));
        // Added again afterwards: wang follows the customer now.
        Assert.Empty(Alerts.ChurnDeleted(rule, Today, Customer(32, orders: 1, first: D(10, 1), staff: ["wang"], deletions: [ByCustomer(D(11, 20))])));
        // First paid after the deletion.
        Assert.Empty(Alerts.ChurnDeleted(rule, Today, Customer(33, orders: 1, first: D(11, 21), deletions: [ByCustomer(D(11, 20))])));
        // Never paid.
        Assert.Empty(Alerts.ChurnDeleted(rule, Today, Customer(34, deletions: [ByCustomer(D(11, 20))])));
        // Re-added, then removed by the staff member: the latest deletion decides.
        Assert.Empty(Alerts.ChurnDeleted(rule, Today, Customer(35, orders: 1, first: D(10, 1), deletions: [ByCustomer(D(11, 10)), new StaffDeletion("wang", D(11, 20), false)])));
        // Paid on the very day of the deletion counts as having paid before.
        Assert.Single(Alerts.ChurnDeleted(rule, Today, Customer(36, orders: 1, first: D(11, 20), deletions: [ByCustomer(D(11, 20))])));
    }

    [Fact]
    public void A_deletion_stays_an_alert_for_exactly_deletion_days()
    {
        var rule = Defaults.ChurnRisk; // 30 days
        Assert.Single(Alerts.ChurnDeleted(rule, Today, Customer(37, orders: 1, first: D(1, 1), deletions: [new StaffDeletion("wang", D(11, 1), true)])));  // 30 days old
        Assert.Empty(Alerts.ChurnDeleted(rule, Today, Customer(38, orders: 1, first: D(1, 1), deletions: [new StaffDeletion("wang", D(10, 31), true)]))); // 31
    }

    // ---- interaction drop ------------------------------------------------------------------------------------------------

    private static IEnumerable<StaffInteraction> Spread(string staff, int count, int fromDay, int days) =>
        Enumerable.Range(0, count).Select(i => new StaffInteraction(staff, fromDay + i % days));

    [Fact]
    public void Interaction_drop_of_exactly_50_percent_on_exactly_the_minimum_baseline()
    {
        // Recent week: 24–30 Nov. Baseline: 27 Oct – 23 Nov (28 days).
        var recent = D(11, 24);
        var baseline = D(10, 27);
        var interactions = new List<StaffInteraction>();
        interactions.AddRange(Spread("a", 40, baseline, 28)); // 10 a week
        interactions.AddRange(Spread("a", 5, recent, 7));     // 5: down 50 %
        interactions.AddRange(Spread("a", 10, Today, 1));     // today's don't count yet
        interactions.AddRange(Spread("b", 40, baseline, 28));
        interactions.AddRange(Spread("b", 6, recent, 7));     // down 40 %
        interactions.AddRange(Spread("c", 39, baseline, 28)); // 9.75 a week: below the baseline minimum
        interactions.AddRange(Spread("d", 100, baseline, 28)); // 25 a week, nothing since: down 100 %
        interactions.AddRange(Spread("e", 40, baseline - 1, 1)); // the day before the baseline: not counted
        var alerts = Alerts.InteractionDrops(Defaults.InteractionDrop, Today, interactions);
        Assert.Equal(["interaction_drop/staff/a/2026-W49", "interaction_drop/staff/d/2026-W49"], alerts.Select(a => a.Key));
        var a = alerts[0];
        Assert.Equal(AlertKinds.InteractionDrop, a.Kind);
        Assert.Null(a.CustomerId);
        Assert.Equal("a", a.StaffUserId);
        Assert.Equal("员工 a 近 7 天（2026-11-24 至 2026-11-30）与客户互动 5 次，前 4 周平均每周 10 次，下降 50%。", a.Reason);
        Assert.Contains("前 4 周平均每周 25 次，下降 100%", alerts[1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Interaction_drop_thresholds_are_settings()
    {
        var interactions = Spread("a", 20, D(10, 27), 28).Concat(Spread("a", 1, D(11, 24), 7)).ToList(); // 5 a week → 1: down 80 %
        Assert.Empty(Alerts.InteractionDrops(Defaults.InteractionDrop, Today, interactions));
        Assert.Single(Alerts.InteractionDrops(new InteractionDropRule { MinWeeklyBaseline = 5 }, Today, interactions));
        Assert.Single(Alerts.InteractionDrops(new InteractionDropRule { MinWeeklyBaseline = 5, DropPercent = 80 }, Today, interactions));
        Assert.Empty(Alerts.InteractionDrops(new InteractionDropRule { MinWeeklyBaseline = 5, DropPercent = 81 }, Today, interactions));
    }

    [Fact]
    public void Iso_weeks_for_the_drop_key()
    {
        Assert.Equal("2026-W49", Alerts.IsoWeek(D(11, 30)));  // Monday
        Assert.Equal("2026-W49", Alerts.IsoWeek(D(12, 6)));   // Sunday
        Assert.Equal("2026-W50", Alerts.IsoWeek(D(12, 7)));
        Assert.Equal("2026-W53", Alerts.IsoWeek(D(1, 1, 2027))); // 2026 began on a Thursday: it has 53 weeks
        Assert.Equal("2026-W01", Alerts.IsoWeek(D(12, 29, 2025)));
    }

    // ---- dedupe keys across days -----------------------------------------------------------------------------------------

    [Fact]
    public void Keys_stay_the_same_while_the_condition_persists_and_change_for_a_new_episode()
    {
        var quiet = Customer(40, m: 5, orders: 3, first: D(3, 1), last: D(9, 1));
        var day1 = Alerts.Evaluate(Defaults, Today, [quiet], []);
        var day2 = Alerts.Evaluate(Defaults, Today + 1, [quiet], []);
        // Silent: 1 Sep → 1 Dec is 91 days. Not overdue: 1 Mar → 1 Sep is 184 days over 2 gaps, 1.5 × 92 = 138 > 91.
        Assert.Equal(["silent_high_value/customer/40/2026-09-01"], day1.Select(a => a.Key));
        Assert.Equal(day1.Select(a => a.Key), day2.Select(a => a.Key));
        Assert.NotEqual(day1[0].Reason, day2[0].Reason); // the figures move on (91 → 92 days)

        // A new order ends it; sixty quiet days later it is a new alert with a new key.
        var bought = quiet with { PaidOrders = 4, LastOrderDay = Today + 1 };
        Assert.DoesNotContain(Alerts.Evaluate(Defaults, Today + 2, [bought], []), a => a.Kind == AlertKinds.SilentHighValue);
        var again = Alerts.Evaluate(Defaults, Today + 61, [bought], []).Where(a => a.Kind == AlertKinds.SilentHighValue).Single();
        Assert.Equal("silent_high_value/customer/40/2026-12-02", again.Key);

        // A drop raised on Tuesday has the same key on Sunday and a new one the next Monday.
        // Two a day from 20 Oct to 28 Nov, none since. Tuesday 1 Dec: 10 in the last 7 days against 56 / 4 = 14 a week.
        var drop = Spread("a", 80, D(10, 20), 40).ToList();
        var rule = new InteractionDropRule { MinWeeklyBaseline = 1, DropPercent = 25 };
        var tuesday = Assert.Single(Alerts.InteractionDrops(rule, Today, drop));
        Assert.Equal("interaction_drop/staff/a/2026-W49", tuesday.Key);
        Assert.Contains("互动 10 次，前 4 周平均每周 14 次，下降 29%", tuesday.Reason, StringComparison.Ordinal); // 1 − 10/14 = 28.6 %
        // Sunday 6 Dec: 0 against 56 / 4 (1–28 Nov); Monday 7 Dec: 0 against 54 / 4 (2–28 Nov), a new ISO week.
        Assert.Equal("interaction_drop/staff/a/2026-W49", Assert.Single(Alerts.InteractionDrops(rule, D(12, 6), drop)).Key);
        Assert.Equal("interaction_drop/staff/a/2026-W50", Assert.Single(Alerts.InteractionDrops(rule, D(12, 7), drop)).Key);
    }

    [Fact]
    public void Evaluate_runs_only_the_rules_switched_on()
    {
        var customers = new[]
        {
            Customer(50, m: 5, orders: 2, first: D(1, 1), last: D(2, 1)),                                    // silent and overdue
            Customer(51, orders: 1, first: D(1, 1), last: D(1, 1), staff: [], deletions: [new StaffDeletion("wang", D(11, 30), true)]),
        };
        var interactions = Spread("a", 40, D(10, 27), 28).ToList();
        var all = Alerts.Evaluate(Defaults, Today, customers, interactions);
        Assert.Equal(
            ["churn_risk/customer/50/overdue/2026-02-01", "churn_risk/customer/51/deleted/wang/2026-11-30", "interaction_drop/staff/a/2026-W49", "silent_high_value/customer/50/2026-02-01"],
            all.Select(a => a.Key));
        var noChurn = Defaults with { ChurnRisk = new ChurnRiskRule { Enabled = false } };
        Assert.DoesNotContain(Alerts.Evaluate(noChurn, Today, customers, interactions), a => a.Kind == AlertKinds.ChurnRisk);
        var noDeletion = Defaults with { ChurnRisk = new ChurnRiskRule { OnDeletion = false } };
        Assert.Equal(["churn_risk/customer/50/overdue/2026-02-01"], Alerts.Evaluate(noDeletion, Today, customers, interactions).Where(a => a.Kind == AlertKinds.ChurnRisk).Select(a => a.Key));
        var noneOn = new AlertSettings
        {
            SilentHighValue = new SilentHighValueRule { Enabled = false },
            ChurnRisk = new ChurnRiskRule { Enabled = false },
            InteractionDrop = new InteractionDropRule { Enabled = false },
        };
        Assert.Empty(Alerts.Evaluate(noneOn, Today, customers, interactions));
    }

    // ---- settings --------------------------------------------------------------------------------------------------------

    [Fact]
    public void Default_settings_are_valid_and_bounds_are_inclusive()
    {
        Assert.Empty(Defaults.Validate());
        var edges = new AlertSettings
        {
            SilentHighValue = new SilentHighValueRule { MinMonetaryScore = 5, SilentDays = 730 },
            ChurnRisk = new ChurnRiskRule { Factor = 1, MinDays = 1, DeletionDays = 730 },
            InteractionDrop = new InteractionDropRule { DropPercent = 100, MinWeeklyBaseline = 1 },
            SupervisorUserId = "Store.Manager-01@hz",
        };
        Assert.Empty(edges.Validate());
    }

    [Fact]
    public void Invalid_settings_name_each_field()
    {
        var bad = new AlertSettings
        {
            SilentHighValue = new SilentHighValueRule { MinMonetaryScore = 6, SilentDays = 0 },
            ChurnRisk = new ChurnRiskRule { Factor = 0.9, MinDays = 731, DeletionDays = 0 },
            InteractionDrop = new InteractionDropRule { DropPercent = 0, MinWeeklyBaseline = 0 },
            SupervisorUserId = "张 经理",
        };
        Assert.Equal(
            ["silent_high_value.min_monetary_score", "silent_high_value.silent_days", "churn_risk.factor", "churn_risk.min_days", "churn_risk.deletion_days",
             "interaction_drop.drop_percent", "interaction_drop.min_weekly_baseline", "supervisor_userid"],
            bad.Validate().Select(e => e.Path));
        Assert.Equal(["churn_risk.factor"], (Defaults with { ChurnRisk = new ChurnRiskRule { Factor = double.NaN } }).Validate().Select(e => e.Path));
        Assert.Equal(["churn_risk"], (Defaults with { ChurnRisk = null! }).Validate().Select(e => e.Path));
    }

    [Fact]
    public void Settings_json_is_snake_case_and_refuses_unknown_fields()
    {
        var parsed = JsonSerializer.Deserialize<AlertSettings>("""{"churn_risk": {"factor": 2, "min_days": 45}, "supervisor_userid": "boss"}""")!;
        Assert.Equal(2, parsed.ChurnRisk.Factor);
        Assert.Equal(45, parsed.ChurnRisk.MinDays);
        Assert.True(parsed.ChurnRisk.OnDeletion);        // defaults for what is left out
        Assert.Equal(60, parsed.SilentHighValue.SilentDays);
        Assert.Equal("boss", parsed.SupervisorUserId);
        var unknown = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<AlertSettings>("""{"silent_high_value": {"silent_day": 3}}"""));
        Assert.Equal("$.silent_high_value.silent_day", unknown.Path);
        var wrongType = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<AlertSettings>("""{"churn_risk": {"factor": "1.5"}}"""));
        Assert.Equal("$.churn_risk.factor", wrongType.Path);
    }
}
