using FsCheck;
using FsCheck.Xunit;
using Siyu.Core.Analytics;
using Xunit;

namespace Siyu.Core.Tests.Analytics;

public sealed class RfmTests
{
    [Fact]
    public void Ten_customers_with_distinct_values_fall_into_fifths()
    {
        // Customer i: i + 1 orders, 10·(i + 1) yuan, last order 10 − i days ago → i = 0 is worst on every axis.
        var values = Enumerable.Range(0, 10).Select(i => new RfmValues(10 - i, i + 1, (i + 1) * 1000L)).ToArray();
        var scores = Rfm.Score(values);
        Assert.Equal([1, 1, 2, 2, 3, 3, 4, 4, 5, 5], scores.Select(s => s.R));
        Assert.Equal([1, 1, 2, 2, 3, 3, 4, 4, 5, 5], scores.Select(s => s.F));
        Assert.Equal([1, 1, 2, 2, 3, 3, 4, 4, 5, 5], scores.Select(s => s.M));
        Assert.Equal("一般挽留客户", scores[0].Segment);
        Assert.Equal("重要价值客户", scores[9].Segment);
    }

    [Fact]
    public void Ties_share_a_score_and_customers_without_a_paid_order_are_not_scored()
    {
        // Four one-order customers and one with three: the ones tie at the bottom, the three-order customer is worse
        // than nobody… better than four of five: 1 + ⌊5·4/5⌋ = 5.
        var values = new[]
        {
            new RfmValues(5, 1, 100), new RfmValues(5, 1, 100), new RfmValues(5, 1, 100), new RfmValues(5, 1, 100), new RfmValues(1, 3, 900),
            new RfmValues(-1, 0, -5000), // only a refund
        };
        var scores = Rfm.Score(values);
        Assert.Equal([1, 1, 1, 1, 5, 0], scores.Select(s => s.F));
        Assert.Equal([1, 1, 1, 1, 5, 0], scores.Select(s => s.R));
        Assert.Equal(Rfm.NoPurchase, scores[5].Segment);
        Assert.Equal("重要价值客户", scores[4].Segment);
        Assert.Equal("一般挽留客户", scores[0].Segment);
    }

    /// <summary>The definition, computed the slow way: 1 + ⌊5 × (scored customers strictly worse) / n⌋.</summary>
    private static int Naive(RfmValues[] all, int i, Func<RfmValues, long> metric, bool higherIsBetter)
    {
        var scored = all.Where(v => v.HasPaid).ToArray();
        var mine = metric(all[i]);
        var worse = scored.Count(v => higherIsBetter ? metric(v) < mine : metric(v) > mine);
        return 1 + 5 * worse / scored.Length;
    }

    [Property(MaxTest = 300)]
    public void Scores_match_the_definition_computed_naively(NonEmptyArray<(byte Days, byte Orders, short Cents)> input)
    {
        var values = input.Get.Select(t => new RfmValues(t.Orders % 6 == 0 ? -1 : t.Days, t.Orders % 6, t.Cents)).ToArray();
        var scores = Rfm.Score(values);
        for (var i = 0; i < values.Length; i++)
        {
            if (!values[i].HasPaid)
            {
                Assert.Equal(0, scores[i].R);
                continue;
            }
            Assert.Equal(Naive(values, i, v => v.RecencyDays, higherIsBetter: false), scores[i].R);
            Assert.Equal(Naive(values, i, v => v.Frequency, higherIsBetter: true), scores[i].F);
            Assert.Equal(Naive(values, i, v => v.MonetaryCents, higherIsBetter: true), scores[i].M);
        }
    }

    [Fact]
    public void Orders_become_recency_frequency_and_net_spend_as_of_a_day()
    {
        var orders = new RfmOrders(new DateOnly(2026, 11, 30));
        orders.Add("c1", "o1", new DateOnly(2026, 11, 1), 100m);
        orders.Add("c1", "o2", new DateOnly(2026, 11, 20), 50.5m);
        orders.Add("c1", "o2", new DateOnly(2026, 11, 21), -20.5m); // partial refund of o2
        orders.Add("c1", "o3", new DateOnly(2026, 12, 5), 999m);    // after the as-of day: ignored
        orders.Add("c2", "o4", new DateOnly(2026, 10, 31), -10m);    // a refund only
        var values = orders.Values();
        Assert.Equal(new RfmValues(10, 2, 13000), values[0]);
        Assert.Equal(new RfmValues(-1, 0, -1000), values[1]);
    }

    [Fact]
    public void Weighted_score_is_the_weighted_sum()
    {
        Assert.Equal(0.4 * 5 + 0.4 * 3 + 0.2 * 1, Rfm.Weighted([5, 3, 1], [0.4, 0.4, 0.2]), 12);
    }

    /// <summary>The fixed-threshold definition read straight off the settings, the slow way.</summary>
    private static int FixedScore(double value, IReadOnlyList<double> cuts, bool higherIsBetter)
    {
        if (higherIsBetter)
        {
            return 1 + cuts.Count(c => value >= c);
        }
        for (var i = 0; i < 4; i++)
        {
            if (value <= cuts[i])
            {
                return 5 - i;
            }
        }
        return 1;
    }

    [Fact]
    public void Fixed_thresholds_by_hand()
    {
        var settings = new RfmSettings { Mode = RfmMode.Fixed, Fixed = new RfmFixedCuts([30, 60, 90, 180], [2, 3, 5, 10], [100m, 500m, 1000m, 5000m], [1, 3, 6, 10]) };
        var scores = Rfm.Score(
        [
            new RfmValues(30, 1, 9_999, 0),       // 30 days: 5; 1 order: 1; ¥99.99: 1; no interaction: 1
            new RfmValues(31, 2, 10_000, 1),      // 31 days: 4; 2 orders: 2; ¥100: 2; 1 interaction: 2
            new RfmValues(181, 10, 500_000, 10),  // 181 days: 1; 10 orders: 5; ¥5,000: 5; 10: 5
            new RfmValues(-1, 0, 0, 4),           // never paid: unscored, but E = 3 (≥ 3, < 6)
        ], settings);
        Assert.Equal([(5, 1, 1, 1), (4, 2, 2, 2), (1, 5, 5, 5), (0, 0, 0, 3)], scores.Select(s => (s.R, s.F, s.M, s.E)));
    }

    [Property(MaxTest = 300)]
    public void Fixed_cut_points_score_as_the_thresholds_read(NonEmptyArray<(byte Days, byte Orders, short Yuan, byte Interactions)> input)
    {
        var cuts = new RfmFixedCuts([7, 30, 90, 200], [2, 3, 5, 9], [10m, 100.5m, 300m, 1000m], [1, 2, 8, 40]);
        var values = input.Get.Select(t => new RfmValues(t.Orders % 5 == 0 ? -1 : t.Days, t.Orders % 5, t.Yuan * 100L + t.Days % 100, t.Interactions % 60)).ToArray();
        var scores = Rfm.Score(values, new RfmSettings { Mode = RfmMode.Fixed, Fixed = cuts });
        for (var i = 0; i < values.Length; i++)
        {
            var v = values[i];
            Assert.Equal(FixedScore(v.Engagement, [.. cuts.Interactions.Select(x => (double)x)], true), scores[i].E);
            if (!v.HasPaid)
            {
                Assert.Equal((0, 0, 0), (scores[i].R, scores[i].F, scores[i].M));
                continue;
            }
            Assert.Equal(FixedScore(v.RecencyDays, [.. cuts.RecencyDays.Select(x => (double)x)], false), scores[i].R);
            Assert.Equal(FixedScore(v.Frequency, [.. cuts.Orders.Select(x => (double)x)], true), scores[i].F);
            Assert.Equal(FixedScore(v.MonetaryCents / 100.0, [.. cuts.Spend.Select(x => (double)x)], true), scores[i].M);
        }
    }

    [Fact]
    public void Engagement_quintiles_count_every_customer_paid_or_not()
    {
        // Interactions 0, 0, 1, 2, 8 over five customers (two never paid): worse-than counts 0, 0, 2, 3, 4 → 1, 1, 3, 4, 5.
        var scores = Rfm.Score([new RfmValues(-1, 0, 0, 0), new RfmValues(3, 1, 100, 0), new RfmValues(-1, 0, 0, 1), new RfmValues(5, 2, 900, 2), new RfmValues(9, 1, 50, 8)]);
        Assert.Equal([1, 1, 3, 4, 5], scores.Select(s => s.E));
        Assert.Equal([0, 0, 0], new[] { scores[0].R, scores[0].F, scores[2].M });
    }

    [Property(MaxTest = 200)]
    public void Engagement_scores_match_the_definition_over_all_customers(NonEmptyArray<(byte Interactions, bool Paid)> input)
    {
        var values = input.Get.Select(t => t.Paid ? new RfmValues(1, 1, 100, t.Interactions % 9) : new RfmValues(-1, 0, 0, t.Interactions % 9)).ToArray();
        var scores = Rfm.Score(values);
        for (var i = 0; i < values.Length; i++)
        {
            Assert.Equal(1 + 5 * values.Count(v => v.Engagement < values[i].Engagement) / values.Length, scores[i].E);
        }
    }

    [Fact]
    public void Layers_match_in_order_and_scores_no_layer_holds_are_other()
    {
        var six = new RfmSettings { Layers = [.. RfmSettings.SixLayers] };
        Assert.Equal("高价值", six.Segment(5, 4, 4));
        Assert.Equal("重要保持", six.Segment(3, 5, 5));   // R 3 is not ≥ 4: not 高价值
        Assert.Equal("新客", six.Segment(5, 1, 2));
        Assert.Equal("潜力", six.Segment(4, 3, 1));       // F 3 is not 新客's F ≤ 1
        Assert.Equal("沉默", six.Segment(2, 1, 1));
        Assert.Equal("重要保持", six.Segment(1, 5, 5));   // listed before 流失: the first match wins
        Assert.Equal("流失", six.Segment(1, 2, 5));
        Assert.Equal(Rfm.NoPurchase, six.Segment(0, 0, 0));
        var partial = new RfmSettings { Layers = [new RfmLayer("只看高R", RMin: 5)] };
        Assert.Equal(Rfm.Unlayered, partial.Segment(4, 5, 5));
        // The eight classic layers cover every scored combination, each exactly once.
        for (var r = 1; r <= 5; r++)
        {
            for (var f = 1; f <= 5; f++)
            {
                for (var m = 1; m <= 5; m++)
                {
                    Assert.Single(RfmSettings.StandardLayers, l => l.Contains(r, f, m));
                }
            }
        }
        Assert.Equal("重要发展客户", Rfm.Segment(4, 1, 5)); // R and M high, F low
    }

    [Fact]
    public void Settings_validation_names_every_field_at_fault()
    {
        var bad = new RfmSettings
        {
            Fixed = new RfmFixedCuts([30, 30, 90, 180], [2, 3, 5], [0m, 1m, 2m, 3m], [1, 2, 3, 4]),
            RfmWeights = [1, -1, 1],
            RfeWeights = [0, 0, 0],
            EngagementDays = 0,
            EngagementEvents = ["message.received", "message.sent", "Bad Type"],
            Layers = [new RfmLayer("高价值", RMin: 4), new RfmLayer("高价值"), new RfmLayer("坏", FMin: 4, FMax: 2), new RfmLayer(" ")],
        };
        var paths = bad.Validate().Select(e => e.Path).ToHashSet();
        Assert.Equal(new HashSet<string>
        {
            "fixed.recency_days[1]", "fixed.orders", "rfm_weights", "rfe_weights", "engagement_days",
            "engagement_events[1]", "engagement_events[2]", "layers[1].name", "layers[2].f_min", "layers[3].name",
        }, paths);
        Assert.Empty(RfmSettings.Default.Validate());
        Assert.Empty(new RfmSettings { Layers = [.. RfmSettings.SixLayers] }.Validate());
    }
}
