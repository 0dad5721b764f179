namespace Siyu.Core.Analytics;

/// <summary>How the steps of a funnel must follow each other.</summary>
public enum FunnelOrder
{
    /// <summary>Other events may come between the steps (the usual funnel).</summary>
    Loose,
    /// <summary>Each step's event must be the very next funnel event after the previous step's (no detours through other steps).</summary>
    Strict,
}

/// <summary>
/// A funnel over one customer's events: ordered steps, a conversion window measured from the first step, loose or
/// strict order. The caller matches events to steps (type and property filters) and passes, per customer and in time
/// order, each relevant event's timestamp and a bit mask of the steps it matches (bit k = step k; one event may match
/// several steps, but counts for one). <see cref="Depth"/> is how far the customer got: the largest k such that k
/// events, in time order, match steps 1…k and the k-th is within the window of the first.
/// <para>
/// Loose: for each event that can start the funnel, the earliest matching event is taken for every next step
/// (taking the earliest is never worse: it leaves the most room for the steps after it); the best start wins.
/// Strict: from a start, each next funnel event must match the next step.
/// </para>
/// </summary>
public sealed class Funnel
{
    public const int MaxSteps = 16;

    public Funnel(int steps, TimeSpan window, FunnelOrder order)
    {
        if (steps is < 1 or > MaxSteps)
        {
            throw new ArgumentOutOfRangeException(nameof(steps), $"1 to {MaxSteps} steps.");
        }
        if (window <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(window), "The conversion window must be positive.");
        }
        Steps = steps;
        Window = window;
        Order = order;
    }

    public int Steps { get; }

    public TimeSpan Window { get; }

    public FunnelOrder Order { get; }

    /// <summary>How many steps the customer completed (0 = never started). <paramref name="ticks"/> ascending.</summary>
    public int Depth(ReadOnlySpan<long> ticks, ReadOnlySpan<uint> masks)
    {
        var best = 0;
        var window = Window.Ticks;
        var strict = Order == FunnelOrder.Strict;
        for (var i = 0; i < ticks.Length && best < Steps; i++)
        {
            if ((masks[i] & 1) == 0)
            {
                continue;
            }
            var k = 1;
            var end = ticks[i] + window;
            for (var j = i + 1; j < ticks.Length && k < Steps && ticks[j] <= end; j++)
            {
                if ((masks[j] & (1u << k)) != 0)
                {
                    k++;
                }
                else if (strict)
                {
                    break;
                }
            }
            best = Math.Max(best, k);
        }
        return best;
    }
}

/// <summary>Customers who reached each step (<see cref="Reached"/>[k] = completed at least k + 1 steps), overall or per group.</summary>
public sealed class FunnelCounts(int steps)
{
    public long[] Reached { get; } = new long[steps];

    public void Add(int depth)
    {
        for (var k = 0; k < depth; k++)
        {
            Reached[k]++;
        }
    }

    /// <summary>Step k's share of step k − 1 (the first step: 1).</summary>
    public double StepConversion(int k) => k == 0 ? 1 : Reached[k - 1] == 0 ? 0 : (double)Reached[k] / Reached[k - 1];

    /// <summary>Share of the customers who started that completed the funnel.</summary>
    public double Overall => Reached[0] == 0 ? 0 : (double)Reached[^1] / Reached[0];
}
