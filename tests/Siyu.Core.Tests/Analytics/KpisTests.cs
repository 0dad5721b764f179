using System.Text.Json;
using Siyu.Core.Analytics;
using Xunit;

namespace Siyu.Core.Tests.Analytics;

public sealed class KpisTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    private static readonly DateOnly From = new(2026, 11, 8);
    private static readonly DateOnly To = new(2026, 11, 14);

    /// <summary>A moment in Shanghai time.</summary>
    private static long At(int month, int day, int hour = 10, int minute = 0) => new DateTimeOffset(2026, month, day, hour, minute, 0, TimeSpan.FromHours(8)).UtcTicks;

    private static KpiEvent Added(long c, long at, string? staff, bool transfer = false) => new(c, at, KpiEventKind.Added, staff, Transfer: transfer);
    private static KpiEvent Deleted(long c, long at, string? staff, bool transfer = false) => new(c, at, KpiEventKind.Deleted, staff, Transfer: transfer);
    private static KpiEvent Paid(long c, long at, decimal amount) => new(c, at, KpiEventKind.OrderPaid, Amount: amount);
    private static KpiEvent Refunded(long c, long at, decimal amount) => new(c, at, KpiEventKind.OrderRefunded, Amount: amount);
    private static KpiEvent Of(KpiEventKind kind, long c, long at) => new(c, at, kind);

    /// <summary>
    /// Eight customers over 11-01 … 11-14 (previous week 11-01 … 11-07, this week 11-08 … 11-14), every figure below
    /// counted by hand from this list.
    /// </summary>
    private static readonly KpiEvent[] Week =
    [
        // 1: alice's since October; 100 last week, 200 + 50 this week, 30 refunded.
        Added(1, At(10, 20), "alice"), Paid(1, At(11, 2), 100), Paid(1, At(11, 9), 200), Paid(1, At(11, 10), 50), Refunded(1, At(11, 11), 30),
        // 2: added by bob, then also by alice (bob's relation is older: bob owns them); 300.
        Added(2, At(11, 9), "bob"), Added(2, At(11, 10), "alice"), Paid(2, At(11, 12), 300),
        // 3: added by alice last week, deleted her this week, then still bought (the last relation's member owns them).
        Added(3, At(11, 3), "alice"), Deleted(3, At(11, 9), "alice"), Paid(3, At(11, 13), 60),
        // 4: no WeCom relation; an order 10 minutes into 11-08 Shanghai time (still 11-07 in UTC).
        Paid(4, At(11, 8, 0, 10), 40),
        // 5: carol's, moved to dave by a transfer (not an add nor a delete); 90.
        Added(5, At(11, 1), "carol"), Deleted(5, At(11, 11), "carol", transfer: true), Added(5, At(11, 11), "dave", transfer: true), Paid(5, At(11, 14), 90),
        // 6: added late on the last day; 7: 30 minutes after it ended (not counted).
        Added(6, At(11, 14, 23, 30), "alice"), Added(7, At(11, 15, 0, 30), "alice"),
        Of(KpiEventKind.GroupJoined, 1, At(11, 9)), Of(KpiEventKind.GroupJoined, 2, At(11, 9)), Of(KpiEventKind.GroupJoined, 3, At(11, 3)),
        Of(KpiEventKind.MessageSent, 1, At(11, 2)),
        Of(KpiEventKind.MessageSent, 1, At(11, 8)), Of(KpiEventKind.MessageSent, 2, At(11, 8)), Of(KpiEventKind.MessageSent, 3, At(11, 9)),
        Of(KpiEventKind.MessageFailed, 8, At(11, 9)),
        Of(KpiEventKind.MessageClicked, 1, At(11, 9)), Of(KpiEventKind.MessageClicked, 1, At(11, 9, 11)), Of(KpiEventKind.MessageClicked, 4, At(11, 10)),
    ];

    private static readonly KpiCustomer[] People =
    [
        new(1, At(10, 20)), new(2, At(11, 9)), new(3, At(11, 3)), new(4, At(11, 8, 0, 10)), new(5, At(11, 1)),
        new(6, At(11, 14, 23, 30)), new(7, At(11, 15, 0, 30)), new(8, At(11, 5)),
    ];

    [Fact]
    public void The_previous_period_has_the_same_length_and_ends_the_day_before()
    {
        Assert.Equal((new DateOnly(2026, 11, 1), new DateOnly(2026, 11, 7)), Kpis.PreviousPeriod(From, To));
        Assert.Equal((new DateOnly(2026, 2, 28), new DateOnly(2026, 2, 28)), Kpis.PreviousPeriod(new DateOnly(2026, 3, 1), new DateOnly(2026, 3, 1)));
    }

    [Fact]
    public void Growth_reach_and_clicks_by_hand()
    {
        var now = Kpis.Compute(Week, People, From, To, Shanghai).Current;
        Assert.Equal((From, To), (now.From, now.To));
        Assert.Equal(3, now.Adds);      // 2 by bob, 2 by alice, 6 by alice (the transfer to dave and 7 after the end do not count)
        Assert.Equal(1, now.Deletes);   // 3 deleted alice
        Assert.Equal(2, now.NetGrowth);
        Assert.Equal(2, now.GroupJoins);
        Assert.Equal(3, now.MessagesSent);
        Assert.Equal(1, now.MessagesFailed);
        Assert.Equal(0.75, now.DeliveryRate);
        Assert.Equal(3, now.CustomersReached);
        Assert.Equal(3, now.Clicks);
        Assert.Equal(2, now.CustomersClicked);  // 1 and 4
        Assert.Equal(1.0 / 3, now.ClickRate);   // of the reached 1, 2, 3 only 1 clicked (4 was not sent anything)
    }

    [Fact]
    public void Orders_conversion_repurchase_aov_frequency_and_ltv_by_hand()
    {
        var report = Kpis.Compute(Week, People, From, To, Shanghai);
        var now = report.Current;
        Assert.Equal(7, now.Customers);         // all but 7, first seen after the end
        Assert.Equal(5, now.Buyers);            // 1, 2, 3, 4, 5
        Assert.Equal(6, now.PaidOrders);
        Assert.Equal(740m, now.Gmv);            // 200 + 50 + 300 + 60 + 40 + 90
        Assert.Equal(30m, now.Refunds);
        Assert.Equal(1, now.RepeatBuyers);      // 1 paid twice
        Assert.Equal(5.0 / 7, now.Conversion);
        Assert.Equal(0.2, now.RepurchaseRate);
        Assert.Equal(740m / 6, now.Aov);
        Assert.Equal(1.2, now.Frequency);
        Assert.Equal(5, now.Payers);
        Assert.Equal(162m, now.Ltv);            // (320 + 300 + 60 + 40 + 90) / 5: customer 1 is 100 + 200 + 50 − 30

        var before = report.Previous;
        Assert.Equal((new DateOnly(2026, 11, 1), new DateOnly(2026, 11, 7)), (before.From, before.To));
        Assert.Equal((2, 0, 2, 1), (before.Adds, before.Deletes, before.NetGrowth, before.GroupJoins)); // 3 by alice, 5 by carol
        Assert.Equal((1, 0, 1.0, 1, 0, 0.0), (before.MessagesSent, before.MessagesFailed, before.DeliveryRate, before.CustomersReached, before.Clicks, before.ClickRate));
        Assert.Equal(4, before.Customers);      // 1, 3, 5, 8
        Assert.Equal((1, 1, 100m), (before.Buyers, before.PaidOrders, before.Gmv));
        Assert.Equal(0.25, before.Conversion);
        Assert.Equal(0.0, before.RepurchaseRate);
        Assert.Equal(100m, before.Aov);
        Assert.Equal(1.0, before.Frequency);
        Assert.Equal(100m, before.Ltv);         // only customer 1 had paid by 11-07
    }

    [Fact]
    public void Gmv_is_customers_times_conversion_times_aov_times_frequency()
    {
        var d = Kpis.Compute(Week, People, From, To, Shanghai).Decomposition;
        Assert.Equal(7, d.Customers);
        Assert.Equal(740m, d.Gmv);
        Assert.Equal(740.0, d.Customers * d.Conversion!.Value * (double)d.Aov!.Value * d.Frequency!.Value, 9);
    }

    [Fact]
    public void The_decomposition_holds_for_random_logs()
    {
        var random = new Random(7);
        for (var round = 0; round < 50; round++)
        {
            var events = new List<KpiEvent>();
            var people = new List<KpiCustomer>();
            var count = random.Next(1, 40);
            for (var c = 0; c < count; c++)
            {
                var first = At(10, 1) + random.NextInt64(TimeSpan.FromDays(45).Ticks);
                people.Add(new KpiCustomer(c, first));
                var orders = random.Next(0, 5);
                for (var k = 0; k < orders; k++)
                {
                    events.Add(Paid(c, first + random.NextInt64(TimeSpan.FromDays(10).Ticks), random.Next(1, 1000) / 10m));
                }
            }
            var r = Kpis.Compute(events, people, From, To, Shanghai).Current;
            if (r.Buyers == 0)
            {
                Assert.Equal(0m, r.Gmv);
                continue;
            }
            Assert.Equal((double)r.Gmv, r.Customers * r.Conversion!.Value * (double)r.Aov!.Value * r.Frequency!.Value, 6);
            // Independent count: paid orders on the seven local days.
            var inRange = events.Where(e => new DateTimeOffset(e.Ticks, TimeSpan.Zero).ToOffset(TimeSpan.FromHours(8)) is var local
                && DateOnly.FromDateTime(local.DateTime) >= From && DateOnly.FromDateTime(local.DateTime) <= To).ToList();
            Assert.Equal(inRange.Sum(e => e.Amount), r.Gmv);
            Assert.Equal(inRange.Select(e => e.Customer).Distinct().Count(), r.Buyers);
        }
    }

    [Fact]
    public void An_empty_period_has_zero_counts_and_no_rates()
    {
        var report = Kpis.Compute([], [], From, To, Shanghai);
        var now = report.Current;
        Assert.Equal((0, 0, 0, 0, 0, 0, 0, 0, 0), (now.Adds, now.Deletes, now.NetGrowth, now.GroupJoins, now.MessagesSent, now.Customers, now.Buyers, now.PaidOrders, now.Payers));
        Assert.Equal(0m, now.Gmv);
        Assert.Null(now.DeliveryRate);
        Assert.Null(now.ClickRate);
        Assert.Null(now.Conversion);
        Assert.Null(now.RepurchaseRate);
        Assert.Null(now.Aov);
        Assert.Null(now.Frequency);
        Assert.Null(now.Ltv);
        Assert.Equal(new GmvDecomposition(0, null, null, null, 0m), report.Decomposition);
        Assert.Equal(7, report.Daily.Count);
        Assert.All(report.Daily, d => Assert.Equal((0, 0, 0, 0m), (d.Adds, d.Deletes, d.PaidOrders, d.Gmv)));
        Assert.Empty(report.Staff);
        var gmv = report.Metrics.Single(m => m.Key == "gmv");
        Assert.Equal((0m, 0m, 0m, null), (gmv.Current, gmv.Previous, gmv.Change, gmv.ChangeRatio));
        var aov = report.Metrics.Single(m => m.Key == "aov");
        Assert.Equal((null, null, null), (aov.Current, aov.Previous, aov.Change));
    }

    [Fact]
    public void Customers_without_orders_convert_at_zero_and_the_order_factors_stay_empty()
    {
        var d = Kpis.Compute([Added(1, At(11, 9), "alice")], [new KpiCustomer(1, At(11, 9)), new KpiCustomer(2, At(11, 1))], From, To, Shanghai).Decomposition;
        Assert.Equal(new GmvDecomposition(2, 0.0, null, null, 0m), d);
    }

    [Fact]
    public void Deltas_compare_with_the_previous_period()
    {
        var metrics = Kpis.Compute(Week, People, From, To, Shanghai).Metrics.ToDictionary(m => m.Key);
        Assert.Equal(new KpiMetric("gmv", 740m, 100m, 640m, 6.4), metrics["gmv"]);
        Assert.Equal(new KpiMetric("adds", 3m, 2m, 1m, 0.5), metrics["adds"]);
        Assert.Equal(new KpiMetric("customers", 7m, 4m, 3m, 0.75), metrics["customers"]);
        Assert.Equal(new KpiMetric("ltv", 162m, 100m, 62m, 0.62), metrics["ltv"]);
        Assert.Null(metrics["click_rate"].ChangeRatio); // from 0: no relative change
        Assert.Equal(0m, metrics["click_rate"].Previous);
    }

    [Fact]
    public void The_daily_series_counts_each_local_day()
    {
        var daily = Kpis.Compute(Week, People, From, To, Shanghai).Daily;
        Assert.Equal(Enumerable.Range(0, 7).Select(From.AddDays), daily.Select(d => d.Day));
        Assert.Equal([0, 1, 1, 0, 0, 0, 1], daily.Select(d => d.Adds));
        Assert.Equal([0, 1, 0, 0, 0, 0, 0], daily.Select(d => d.Deletes));
        Assert.Equal([0, 0, 1, 0, 0, 0, 1], daily.Select(d => d.NetGrowth));
        Assert.Equal([40m, 200m, 50m, 0m, 300m, 60m, 90m], daily.Select(d => d.Gmv));
        Assert.Equal([1, 1, 1, 0, 1, 1, 1], daily.Select(d => d.PaidOrders));
    }

    [Fact]
    public void The_staff_leaderboard_attributes_buyers_to_their_owner()
    {
        var staff = Kpis.Compute(Week, People, From, To, Shanghai).Staff;
        Assert.Equal(
        [
            new KpiStaffRow("alice", 2, 1, 1, 2, 3, 310m), // adds 2 and 6, deleted by 3; owns 1 (250) and 3 (60, the last relation)
            new KpiStaffRow("bob", 1, 0, 1, 1, 1, 300m),   // owns 2: the older of 2's relations
            new KpiStaffRow("dave", 0, 0, 0, 1, 1, 90m),   // took 5 over
            new KpiStaffRow(null, 0, 0, 0, 1, 1, 40m),     // 4 has no member
        ], staff);
    }

    [Fact]
    public void The_order_of_the_input_does_not_matter()
    {
        var forward = JsonSerializer.Serialize(Kpis.Compute(Week, People, From, To, Shanghai));
        var backward = JsonSerializer.Serialize(Kpis.Compute(Week.Reverse(), People.Reverse(), From, To, Shanghai));
        Assert.Equal(forward, backward);
    }
}
