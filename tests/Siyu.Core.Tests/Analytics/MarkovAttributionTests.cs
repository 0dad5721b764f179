using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Siyu.Core.Analytics;
using Xunit;

namespace Siyu.Core.Tests.Analytics;

public sealed class MarkovAttributionTests
{
    private static AttributionPaths Paths(params (string Path, double Conversions, double Value, double Nulls)[] rows)
    {
        var paths = new AttributionPaths();
        foreach (var (path, c, v, n) in rows)
        {
            paths.Add(path, " > ", c, v, n);
        }
        return paths;
    }

    private static ChannelCredit Of(MarkovResult r, string channel) => r.Channels.Single(c => c.Channel == channel);

    [Fact]
    public void A_hand_computed_chain_with_a_null_path()
    {
        // start→a 2/3, start→b 1/3; a→b 1/2, a→null 1/2; b→conversion 1. P = 2/3·1/2 + 1/3 = 2/3.
        // Without a: 1/3 (RE 1/2). Without b: 0 (RE 1). Shares 1/3 and 2/3 of 2 conversions.
        var r = MarkovAttribution.Compute(Paths(("a > b", 1, 100, 0), ("a", 0, 0, 1), ("b", 1, 50, 0)));
        Assert.Equal(2.0 / 3, r.ConversionProbability, 12);
        Assert.Equal(0.5, Of(r, "a").RemovalEffect, 12);
        Assert.Equal(1.0, Of(r, "b").RemovalEffect, 12);
        Assert.Equal(2.0 / 3, Of(r, "a").Conversions, 12);
        Assert.Equal(4.0 / 3, Of(r, "b").Conversions, 12);
        Assert.Equal(150.0 / 3, Of(r, "a").Value, 9);
        Assert.Equal(100.0, Of(r, "b").Value, 9);
    }

    [Fact]
    public void A_hand_computed_chain_with_a_cycle()
    {
        // a > b > a converts once, b alone does not. x_a = 1/2 + 1/2·x_b, x_b = 1/2·x_a → x_a = 2/3, x_b = 1/3, P = 1/2.
        // Without a: 0 (RE 1). Without b: x_a = 1/2, P = 1/4 (RE 1/2).
        var r = MarkovAttribution.Compute(Paths(("a > b > a", 1, 0, 0), ("b", 0, 0, 1)));
        Assert.Equal(0.5, r.ConversionProbability, 12);
        Assert.Equal(1.0, Of(r, "a").RemovalEffect, 12);
        Assert.Equal(0.5, Of(r, "b").RemovalEffect, 12);
        Assert.Equal(2.0 / 3, Of(r, "a").Conversions, 12);
        Assert.Equal(1.0 / 3, Of(r, "b").Conversions, 12);
    }

    [Fact]
    public void Order_two_remembers_where_a_customer_came_from()
    {
        // a > b converts, c > b does not. Order 1 merges the two b's and credits c; order 2 does not.
        var paths = Paths(("a > b", 1, 0, 0), ("c > b", 0, 0, 1));
        var first = MarkovAttribution.Compute(paths, order: 1);
        Assert.Equal(0.25, Of(first, "a").Conversions, 12);
        Assert.Equal(0.25, Of(first, "c").Conversions, 12);
        Assert.Equal(0.5, Of(first, "b").Conversions, 12);
        var second = MarkovAttribution.Compute(paths, order: 2);
        Assert.Equal(0.5, second.ConversionProbability, 12);
        Assert.Equal(0.5, Of(second, "a").Conversions, 12);
        Assert.Equal(0.0, Of(second, "c").Conversions, 12);
        Assert.Equal(0.5, Of(second, "b").Conversions, 12);
        Assert.Equal(5, second.States); // start, [a], [a b], [c], [c b]
    }

    [Fact]
    public void Consecutive_repeats_are_collapsed()
    {
        var plain = MarkovAttribution.Compute(Paths(("a > b", 3, 30, 1), ("b > a", 1, 10, 2)));
        var repeated = MarkovAttribution.Compute(Paths(("a > a > b > b > b", 3, 30, 1), ("b > a > a", 1, 10, 2)));
        Assert.Equal(plain.Channels, repeated.Channels);
    }

    [Fact]
    public void Without_conversions_nobody_gets_credit()
    {
        var r = MarkovAttribution.Compute(Paths(("a > b", 0, 0, 5)));
        Assert.All(r.Channels, c => Assert.Equal(0, c.Conversions));
        Assert.Equal(0, r.ConversionProbability);
    }

    /// <summary>Random paths over a few channels (weights small integers).</summary>
    public static Arbitrary<(int[] Touches, int Conversions, int Nulls)[]> RandomPaths()
    {
        var touches = Gen.Choose(1, 6).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 4), n));
        var path = touches.SelectMany(t => Gen.Choose(0, 5).SelectMany(c => Gen.Choose(0, 3).Select(n => (t, c, n))));
        var gen = Gen.Choose(1, 29).SelectMany(n => Gen.ArrayOf(path, n)).Where(a => a.Any(p => p.c > 0));
        return Arb.From(gen);
    }

    private static AttributionPaths Build((int[] Touches, int Conversions, int Nulls)[] rows, Func<int, string> name)
    {
        var paths = new AttributionPaths();
        foreach (var (touches, c, n) in rows)
        {
            paths.Add(string.Join(" > ", touches.Select(name)), " > ", c, c * 10, n);
        }
        return paths;
    }

    [Property(MaxTest = 200, Arbitrary = [typeof(MarkovAttributionTests)])]
    public void Attributed_conversions_add_up_to_the_total((int[] Touches, int Conversions, int Nulls)[] rows)
    {
        foreach (var order in new[] { 1, 2, 3 })
        {
            var r = MarkovAttribution.Compute(Build(rows, t => $"ch{t}"), order);
            Assert.Equal(rows.Sum(p => p.Conversions), r.Channels.Sum(c => c.Conversions), 9);
            Assert.Equal(rows.Sum(p => p.Conversions * 10.0), r.Channels.Sum(c => c.Value), 7);
            Assert.All(r.Channels, c => Assert.InRange(c.RemovalEffect, 0, 1 + 1e-12));
        }
    }

    [Property(MaxTest = 200, Arbitrary = [typeof(MarkovAttributionTests)])]
    public void Relabelling_channels_permutes_the_result((int[] Touches, int Conversions, int Nulls)[] rows)
    {
        var names = new[] { "搜索", "直播", "私聊", "社群", "广告" };
        var renamed = new[] { "广告", "社群", "搜索", "直播", "私聊" }; // a permutation of the same names
        var a = MarkovAttribution.Compute(Build(rows, t => names[t]), 2);
        var b = MarkovAttribution.Compute(Build(rows, t => renamed[t]), 2);
        foreach (var credit in a.Channels)
        {
            var same = b.Channels.Single(c => c.Channel == renamed[Array.IndexOf(names, credit.Channel)]);
            Assert.Equal(credit.Conversions, same.Conversions, 9);
            Assert.Equal(credit.RemovalEffect, same.RemovalEffect, 9);
        }
    }

    [Property(MaxTest = 100, Arbitrary = [typeof(MarkovAttributionTests)])]
    public void A_channel_that_never_appears_changes_nothing((int[] Touches, int Conversions, int Nulls)[] rows)
    {
        var plain = MarkovAttribution.Compute(Build(rows, t => $"ch{t}"));
        var paths = Build(rows, t => $"ch{t}");
        paths.ChannelId("从未出现");
        var with = MarkovAttribution.Compute(paths);
        var ghost = with.Channels.Single(c => c.Channel == "从未出现");
        Assert.Equal(0, ghost.Conversions);
        Assert.Equal(0, ghost.RemovalEffect);
        Assert.Equal(plain.Channels, with.Channels.Where(c => c.Channel != "从未出现"));
    }

    [Fact]
    public void The_sparse_solver_agrees_with_a_straightforward_value_iteration_on_a_large_chain()
    {
        // Order 2 over 40 channels: well over DenseLimit states, so the iterative solver runs; the oracle is plain
        // value iteration over dictionaries written independently here.
        var random = new Random(7);
        var rows = Enumerable.Range(0, 20_000).Select(_ =>
            (Touches: Enumerable.Range(0, random.Next(1, 7)).Select(_ => random.Next(40)).ToArray(), Conversions: random.Next(0, 2), Nulls: random.Next(0, 3)))
            .Where(p => p.Conversions + p.Nulls > 0).ToArray();
        var paths = Build(rows, t => $"c{t}");
        var result = MarkovAttribution.Compute(paths, 2);
        Assert.True(result.States > MarkovAttribution.DenseLimit, $"{result.States} states");
        Assert.Equal(Oracle(rows, 2, removed: null), result.ConversionProbability, 10);
        var p = result.ConversionProbability;
        foreach (var channel in new[] { 0, 13, 39 })
        {
            var expected = 1 - Oracle(rows, 2, removed: channel) / p;
            Assert.Equal(expected, result.Channels.Single(c => c.Channel == $"c{channel}").RemovalEffect, 9);
        }
    }

    private static double Oracle((int[] Touches, int Conversions, int Nulls)[] rows, int order, int? removed)
    {
        var edges = new Dictionary<string, Dictionary<string, double>>();
        void Add(string from, string to, double w)
        {
            if (w <= 0)
            {
                return;
            }
            if (!edges.TryGetValue(from, out var row))
            {
                edges[from] = row = [];
            }
            row[to] = row.GetValueOrDefault(to) + w;
        }
        foreach (var (touches, c, n) in rows)
        {
            var collapsed = touches.Where((t, i) => i == 0 || t != touches[i - 1]).ToArray();
            var state = "(start)";
            for (var i = 0; i < collapsed.Length; i++)
            {
                var next = string.Join(",", collapsed.Skip(Math.Max(0, i + 1 - order)).Take(Math.Min(i + 1, order)));
                Add(state, next, c + n);
                state = next;
            }
            Add(state, "(conversion)", c);
            Add(state, "(null)", n);
        }
        var value = edges.Keys.ToDictionary(k => k, _ => 0.0);
        value["(conversion)"] = 1;
        value["(null)"] = 0;
        bool Removed(string state) => removed is { } r && state.Split(',').Contains(r.ToString(System.Globalization.CultureInfo.InvariantCulture)) && state != "(start)";
        for (var sweep = 0; sweep < 100_000; sweep++)
        {
            var change = 0.0;
            foreach (var (state, row) in edges)
            {
                var v = 0.0;
                if (!Removed(state))
                {
                    var total = row.Values.Sum();
                    foreach (var (to, w) in row)
                    {
                        v += w / total * (Removed(to) ? 0 : value[to]);
                    }
                }
                change = Math.Max(change, Math.Abs(v - value[state]));
                value[state] = v;
            }
            if (change < 1e-15)
            {
                break;
            }
        }
        return value["(start)"];
    }
}
