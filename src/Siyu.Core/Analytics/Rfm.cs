namespace Siyu.Core.Analytics;

/// <summary>
/// One customer's RFM inputs: days since the last paid order (−1 = never paid), paid orders, net spend in cents
/// (refunds subtracted, so it can be negative), and interactions in the engagement window (for RFE).
/// </summary>
public readonly record struct RfmValues(int RecencyDays, int Frequency, long MonetaryCents, int Engagement = 0)
{
    public bool HasPaid => Frequency > 0;
}

/// <summary>Scores 1–5 (R, F, M = 0: not scored, no paid order; E is scored for every customer) and the layer.</summary>
public readonly record struct RfmScore(int R, int F, int M, string Segment, int E = 0);

/// <summary>
/// RFM scoring by quintiles of the scored customers (those with at least one paid order).
/// <para>
/// <b>Tie rule</b>: a customer's score is 1 + ⌊5 × w / n⌋, where n is the number of scored customers and w the number
/// of them with a strictly worse value (for R: more days since the last order; for F and M: fewer orders, less net
/// spend). Equal values always share a score, the best value always gets the top score reachable, and on distinct
/// values the scores are the usual quintiles (the bottom fifth 1 … the top fifth 5). When many customers share a
/// value (most customers have one order), higher scores may be empty rather than splitting equals apart.
/// </para>
/// Layers: see <see cref="RfmSettings"/>; by default the eight classic ones (R, F, M each high at a score ≥
/// <see cref="HighScore"/> or low). E (engagement) is scored the same way over all customers, paid or not: those with
/// no interaction are worse than nobody, so they score 1.
/// </para>
/// </summary>
public static class Rfm
{
    public const int HighScore = 3;
    public const string NoPurchase = "无购买客户";
    /// <summary>Scored customers no configured layer holds.</summary>
    public const string Unlayered = "其他";

    /// <summary>The layer under the default (eight classic) layers.</summary>
    public static string Segment(int r, int f, int m) => RfmSettings.Default.Segment(r, f, m);

    public static RfmScore[] Score(ReadOnlySpan<RfmValues> customers, RfmSettings? settings = null)
    {
        settings ??= RfmSettings.Default;
        var cuts = settings.Mode == RfmMode.Fixed ? RfmCuts.FromFixed(settings.Fixed, scored: 0) : RfmCuts.Compute(customers);
        var result = new RfmScore[customers.Length];
        for (var i = 0; i < customers.Length; i++)
        {
            result[i] = cuts.Score(customers[i], settings);
        }
        return result;
    }

    internal static int Above(long value, (long C1, long C2, long C3, long C4) cuts) =>
        1 + (value > cuts.C1 ? 1 : 0) + (value > cuts.C2 ? 1 : 0) + (value > cuts.C3 ? 1 : 0) + (value > cuts.C4 ? 1 : 0);

    internal static (long, long, long, long) Cuts(ReadOnlySpan<RfmValues> customers, long[] scratch, Func<RfmValues, long> goodness, bool everyone = false)
    {
        var k = 0;
        foreach (var c in customers)
        {
            if (everyone || c.HasPaid)
            {
                scratch[k++] = goodness(c);
            }
        }
        var n = scratch.Length;
        var cuts = new long[4];
        var lo = 0;
        for (var s = 1; s <= 4; s++)
        {
            var rank = (int)((s * (long)n + 4) / 5) - 1; // ⌈s·n/5⌉-th smallest, 0-based
            if (rank < 0)
            {
                cuts[s - 1] = long.MaxValue; // fewer than five customers: nobody can be above an empty quantile
                continue;
            }
            cuts[s - 1] = Select(scratch, lo, n - 1, rank);
            lo = rank; // everything left of rank is ≤ it: the next, larger rank is to its right
        }
        return (cuts[0], cuts[1], cuts[2], cuts[3]);
    }

    /// <summary>The value that would be at <paramref name="rank"/> if a[lo..hi] were sorted (quickselect, median-of-three).</summary>
    private static long Select(long[] a, int lo, int hi, int rank)
    {
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            // Median of three as the pivot.
            if (a[mid] < a[lo]) (a[mid], a[lo]) = (a[lo], a[mid]);
            if (a[hi] < a[lo]) (a[hi], a[lo]) = (a[lo], a[hi]);
            if (a[hi] < a[mid]) (a[hi], a[mid]) = (a[mid], a[hi]);
            var pivot = a[mid];
            // Three-way partition: [lo, lt) < pivot, [lt, gt] == pivot, (gt, hi] > pivot (many ties in R and F).
            int lt = lo, i = lo, gt = hi;
            while (i <= gt)
            {
                if (a[i] < pivot)
                {
                    (a[lt], a[i]) = (a[i], a[lt]);
                    lt++;
                    i++;
                }
                else if (a[i] > pivot)
                {
                    (a[i], a[gt]) = (a[gt], a[i]);
                    gt--;
                }
                else
                {
                    i++;
                }
            }
            if (rank < lt)
            {
                hi = lt - 1;
            }
            else if (rank > gt)
            {
                lo = gt + 1;
            }
            else
            {
                return pivot;
            }
        }
        return a[lo];
    }

    /// <summary>1 + ⌊5 × worse / n⌋.</summary>
    public static int Quintile(long worse, long n) => 1 + (int)(5 * worse / n);

    /// <summary>Weighted score (RFE/RFM form): Σ weight × score, e.g. 0.4·R + 0.4·F + 0.2·M.</summary>
    public static double Weighted(ReadOnlySpan<int> scores, ReadOnlySpan<double> weights)
    {
        if (scores.Length != weights.Length)
        {
            throw new ArgumentException("One weight per score.", nameof(weights));
        }
        var sum = 0.0;
        for (var i = 0; i < scores.Length; i++)
        {
            sum += scores[i] * weights[i];
        }
        return sum;
    }
}

/// <summary>
/// The tenant-wide cut points of a scoring run (four per metric, in "goodness": recency negated), so that any single
/// customer can be scored later — when their order arrives, or in another partition — exactly as the run would have.
/// <see cref="Scored"/> is how many customers had a paid order; with no cut points every customer is unscored.
/// <see cref="Engagement"/> cuts are over all customers (null in runs from before RFE: E unscored).
/// </summary>
public sealed record RfmCuts(long[] Recency, long[] Frequency, long[] Monetary, int Scored, long[]? Engagement = null)
{
    public static readonly RfmCuts Empty = new([], [], [], 0);

    public static RfmCuts Compute(ReadOnlySpan<RfmValues> customers)
    {
        var n = 0;
        foreach (var c in customers)
        {
            n += c.HasPaid ? 1 : 0;
        }
        if (customers.Length == 0)
        {
            return Empty;
        }
        var e = Rfm.Cuts(customers, new long[customers.Length], c => c.Engagement, everyone: true);
        long[] engagement = [e.Item1, e.Item2, e.Item3, e.Item4];
        if (n == 0)
        {
            return Empty with { Engagement = engagement };
        }
        // A customer's score is 1 + the number of the four cut points their value is above, where cut s is the k-th
        // smallest value with k = ⌈s·n/5⌉: "at least k customers strictly worse" is "the value exceeds the k-th
        // smallest". Four order statistics per metric (selection, linear time) instead of sorting or ranking everyone.
        var scratch = new long[n];
        var r = Rfm.Cuts(customers, scratch, c => -(long)c.RecencyDays);
        var f = Rfm.Cuts(customers, scratch, c => c.Frequency);
        var m = Rfm.Cuts(customers, scratch, c => c.MonetaryCents);
        return new RfmCuts([r.Item1, r.Item2, r.Item3, r.Item4], [f.Item1, f.Item2, f.Item3, f.Item4], [m.Item1, m.Item2, m.Item3, m.Item4], n, engagement);
    }

    /// <summary>
    /// Fixed thresholds as cut points of the same "score = 1 + cut points exceeded" form (values are whole days,
    /// orders, cents and interactions, so "at least c" is "more than c − 1" and "at most d days" is "−days more than
    /// −d − 1"). <paramref name="scored"/> is what <see cref="Scored"/> reports (the thresholds need no run).
    /// </summary>
    public static RfmCuts FromFixed(RfmFixedCuts cuts, int scored)
    {
        return new RfmCuts(
            [.. cuts.RecencyDays.Reverse().Select(d => -(long)d - 1)],
            [.. cuts.Orders.Select(o => (long)o - 1)],
            [.. cuts.Spend.Select(y => (long)decimal.Round(y * 100, MidpointRounding.AwayFromZero) - 1)],
            scored,
            [.. cuts.Interactions.Select(i => (long)i - 1)]);
    }

    public RfmScore Score(RfmValues c, RfmSettings? settings = null)
    {
        var e = Engagement is { Length: 4 } ec ? Rfm.Above(c.Engagement, (ec[0], ec[1], ec[2], ec[3])) : 0;
        if (!c.HasPaid || Recency.Length == 0)
        {
            return new RfmScore(0, 0, 0, Rfm.NoPurchase, e);
        }
        var r = Rfm.Above(-(long)c.RecencyDays, (Recency[0], Recency[1], Recency[2], Recency[3]));
        var f = Rfm.Above(c.Frequency, (Frequency[0], Frequency[1], Frequency[2], Frequency[3]));
        var m = Rfm.Above(c.MonetaryCents, (Monetary[0], Monetary[1], Monetary[2], Monetary[3]));
        return new RfmScore(r, f, m, (settings ?? RfmSettings.Default).Segment(r, f, m), e);
    }
}

/// <summary>
/// Builds RFM inputs from order lines (positive amount = a paid order, negative = a refund): recency from the last paid
/// order's date, frequency = distinct paid order ids, monetary = the sum of all amounts. Lines after the as-of date are
/// ignored (the analysis is as of that day).
/// </summary>
public sealed class RfmOrders(DateOnly asOf)
{
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly List<string> _customers = [];
    private readonly List<(int LastPaid, long Cents)> _totals = [];
    private readonly HashSet<(int Customer, string Order)> _paidOrders = [];
    private readonly List<int> _frequency = [];

    public DateOnly AsOf { get; } = asOf;

    public IReadOnlyList<string> Customers => _customers;

    public void Add(string customerId, string orderId, DateOnly date, decimal amount)
    {
        if (date > AsOf)
        {
            return;
        }
        if (!_index.TryGetValue(customerId, out var i))
        {
            i = _customers.Count;
            _index[customerId] = i;
            _customers.Add(customerId);
            _totals.Add((int.MinValue, 0));
            _frequency.Add(0);
        }
        var (lastPaid, cents) = _totals[i];
        cents += (long)decimal.Round(amount * 100, MidpointRounding.AwayFromZero);
        if (amount > 0)
        {
            lastPaid = Math.Max(lastPaid, date.DayNumber);
            if (_paidOrders.Add((i, orderId)))
            {
                _frequency[i]++;
            }
        }
        _totals[i] = (lastPaid, cents);
    }

    public RfmValues[] Values()
    {
        var values = new RfmValues[_customers.Count];
        for (var i = 0; i < values.Length; i++)
        {
            var (lastPaid, cents) = _totals[i];
            values[i] = new RfmValues(lastPaid == int.MinValue ? -1 : AsOf.DayNumber - lastPaid, _frequency[i], cents);
        }
        return values;
    }
}
