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
    public void Weighted_and_fixed_threshold_scores()
    {
        Assert.Equal(0.4 * 5 + 0.4 * 3 + 0.2 * 1, Rfm.Weighted([5, 3, 1], [0.4, 0.4, 0.2]), 12);
        double[] recencyCuts = [30, 60, 90, 180];
        Assert.Equal(5, Rfm.Fixed(30, recencyCuts, higherIsBetter: false));
        Assert.Equal(4, Rfm.Fixed(31, recencyCuts, higherIsBetter: false));
        Assert.Equal(1, Rfm.Fixed(181, recencyCuts, higherIsBetter: false));
        double[] spendCuts = [100, 500, 1000, 5000];
        Assert.Equal(1, Rfm.Fixed(99, spendCuts, higherIsBetter: true));
        Assert.Equal(2, Rfm.Fixed(100, spendCuts, higherIsBetter: true));
        Assert.Equal(5, Rfm.Fixed(5000, spendCuts, higherIsBetter: true));
    }
}
