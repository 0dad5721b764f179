using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Siyu.Core.Analytics;
using Xunit;

namespace Siyu.Core.Tests.Analytics;

public sealed class FunnelTests
{
    private static readonly DateTime T0 = new(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);

    private static int Depth(Funnel f, params (double Hours, uint Mask)[] events) =>
        f.Depth([.. events.Select(e => T0.AddHours(e.Hours).Ticks)], [.. events.Select(e => e.Mask)]);

    [Fact]
    public void Steps_count_in_order_within_the_window_from_the_first_step()
    {
        var funnel = new Funnel(3, TimeSpan.FromDays(1), FunnelOrder.Loose);
        // view(1) → click(2) → buy(4), other events (0 bits are never passed in) are irrelevant.
        Assert.Equal(3, Depth(funnel, (0, 1), (1, 2), (5, 4)));
        Assert.Equal(2, Depth(funnel, (0, 1), (1, 2), (25, 4)));   // the buy came after the 24 h window
        Assert.Equal(1, Depth(funnel, (0, 1), (1, 4), (2, 4)));    // bought without clicking
        Assert.Equal(0, Depth(funnel, (0, 2), (1, 4)));            // never started
        // A later start can do better than an earlier one.
        Assert.Equal(3, Depth(funnel, (0, 1), (30, 1), (31, 2), (32, 4)));
        // One event counts for one step, even when it matches two.
        Assert.Equal(2, Depth(funnel, (0, 1), (1, 2 | 4)));
        Assert.Equal(3, Depth(funnel, (0, 1), (1, 2 | 4), (2, 2 | 4)));
    }

    [Fact]
    public void Strict_order_allows_no_detour_through_other_steps()
    {
        var loose = new Funnel(3, TimeSpan.FromDays(1), FunnelOrder.Loose);
        var strict = new Funnel(3, TimeSpan.FromDays(1), FunnelOrder.Strict);
        (double, uint)[] events = [(0, 1), (1, 4), (2, 2), (3, 4)];
        Assert.Equal(3, Depth(loose, events));
        Assert.Equal(1, Depth(strict, events));
        Assert.Equal(3, Depth(strict, (0, 1), (1, 2), (2, 4)));
    }

    [Fact]
    public void Counts_and_rates()
    {
        var counts = new FunnelCounts(3);
        foreach (var depth in new[] { 3, 3, 2, 1, 1, 1, 0 })
        {
            counts.Add(depth);
        }
        Assert.Equal([6, 3, 2], counts.Reached);
        Assert.Equal(0.5, counts.StepConversion(1), 12);
        Assert.Equal(2.0 / 3, counts.StepConversion(2), 12);
        Assert.Equal(2.0 / 6, counts.Overall, 12);
    }

    /// <summary>Every way to pick k events in order (consecutive ones for strict) — the definition, slowly.</summary>
    private static int Naive(long[] ticks, uint[] masks, int steps, long window, bool strict)
    {
        var best = 0;
        void Walk(int last, int k, long start)
        {
            best = Math.Max(best, k);
            if (k == steps)
            {
                return;
            }
            for (var j = last + 1; j < ticks.Length; j++)
            {
                if (strict && j != last + 1)
                {
                    break;
                }
                if ((masks[j] & (1u << k)) != 0 && ticks[j] - start <= window)
                {
                    Walk(j, k + 1, start);
                }
            }
        }
        for (var i = 0; i < ticks.Length; i++)
        {
            if ((masks[i] & 1) != 0)
            {
                Walk(i, 1, ticks[i]);
            }
        }
        return best;
    }

    public static Arbitrary<(int Hour, int Mask)[]> Events() =>
        Arb.From(Gen.Choose(0, 10).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 48).SelectMany(h => Gen.Choose(1, 15).Select(m => (h, m))), n)));

    [Property(MaxTest = 500, Arbitrary = [typeof(FunnelTests)])]
    public void Depth_matches_the_definition((int Hour, int Mask)[] raw)
    {
        var events = raw.OrderBy(e => e.Hour).ToArray();
        var ticks = events.Select(e => T0.AddHours(e.Hour).Ticks).ToArray();
        var masks = events.Select(e => (uint)e.Mask).ToArray();
        foreach (var order in new[] { FunnelOrder.Loose, FunnelOrder.Strict })
        {
            var funnel = new Funnel(4, TimeSpan.FromHours(12), order);
            Assert.Equal(Naive(ticks, masks, 4, TimeSpan.FromHours(12).Ticks, order == FunnelOrder.Strict), funnel.Depth(ticks, masks));
        }
    }
}
