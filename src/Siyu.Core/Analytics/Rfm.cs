namespace Siyu.Core.Analytics;

/// <summary>
/// One customer's RFM inputs: days since the last paid order (−1 = never paid), paid orders, and net spend in cents
/// (refunds subtracted, so it can be negative).
/// </summary>
public readonly record struct RfmValues(int RecencyDays, int Frequency, long MonetaryCents)
{
    public bool HasPaid => Frequency > 0;
}

/// <summary>Scores 1–5 (0 = not scored: no paid order) and the layer.</summary>
public readonly record struct RfmScore(int R, int F, int M, string Segment);

/// <summary>
/// RFM scoring by quintiles of the scored customers (those with at least one paid order).
/// <para>
/// <b>Tie rule</b>: a customer's score is 1 + ⌊5 × w / n⌋, where n is the number of scored customers and w the number
/// of them with a strictly worse value (for R: more days since the last order; for F and M: fewer orders, less net
/// spend). Equal values always share a score, the best value always gets the top score reachable, and on distinct
/// values the scores are the usual quintiles (the bottom fifth 1 … the top fifth 5). When many customers share a
/// value (most customers have one order), higher scores may be empty rather than splitting equals apart.
/// </para>
/// <para>
/// Layers: R, F and M are "high" at a score ≥ <see cref="HighScore"/> (3, the middle quintile and up) and the eight
/// combinations have the usual names: 重要价值客户 (all high), 重要保持客户 (R low), 重要发展客户 (F low), 重要挽留客户
/// (R and F low), 一般价值客户 (M low), 一般保持客户 (R and M low), 一般发展客户 (F and M low), 一般挽留客户 (all low).
/// Customers without a paid order are 无购买客户 with scores 0.
/// </para>
/// </summary>
public static class Rfm
{
    public const int HighScore = 3;
    public const string NoPurchase = "无购买客户";

    private static readonly string[] Layers =
    [
        // index = (R high ? 4 : 0) + (F high ? 2 : 0) + (M high ? 1 : 0)
        "一般挽留客户", "重要挽留客户", "一般保持客户", "重要保持客户", "一般发展客户", "重要发展客户", "一般价值客户", "重要价值客户",
    ];

    public static string Segment(int r, int f, int m) =>
        r == 0 ? NoPurchase : Layers[(r >= HighScore ? 4 : 0) + (f >= HighScore ? 2 : 0) + (m >= HighScore ? 1 : 0)];

    public static RfmScore[] Score(ReadOnlySpan<RfmValues> customers)
    {
        var n = 0;
        foreach (var c in customers)
        {
            n += c.HasPaid ? 1 : 0;
        }
        var result = new RfmScore[customers.Length];
        if (n == 0)
        {
            for (var i = 0; i < result.Length; i++)
            {
                result[i] = new RfmScore(0, 0, 0, NoPurchase);
            }
            return result;
        }
        // R and F are small integers: count them (linear time); M is sorted.
        var recencyWorse = WorseCountsOfSmallInts(customers, c => c.RecencyDays, higherIsBetter: false, n);
        var frequencyWorse = WorseCountsOfSmallInts(customers, c => c.Frequency, higherIsBetter: true, n);
        var monetary = new long[n];
        var k = 0;
        foreach (var c in customers)
        {
            if (c.HasPaid)
            {
                monetary[k++] = c.MonetaryCents;
            }
        }
        Array.Sort(monetary);
        for (var i = 0; i < customers.Length; i++)
        {
            var c = customers[i];
            if (!c.HasPaid)
            {
                result[i] = new RfmScore(0, 0, 0, NoPurchase);
                continue;
            }
            var r = Quintile(recencyWorse(c.RecencyDays), n);
            var f = Quintile(frequencyWorse(c.Frequency), n);
            var m = Quintile(LowerBound(monetary, c.MonetaryCents), n);
            result[i] = new RfmScore(r, f, m, Segment(r, f, m));
        }
        return result;
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

    /// <summary>
    /// Fixed-threshold mode: four ascending cut points give scores 1–5. Higher is better: value ≥ cut[i] earns i + 2
    /// (≥ the last cut = 5). Lower is better (recency): value ≤ cut[i] earns 5 − i (≤ the first cut = 5).
    /// </summary>
    public static int Fixed(double value, ReadOnlySpan<double> cuts, bool higherIsBetter)
    {
        if (cuts.Length != 4)
        {
            throw new ArgumentException("Four cut points.", nameof(cuts));
        }
        if (higherIsBetter)
        {
            var score = 1;
            foreach (var cut in cuts)
            {
                score += value >= cut ? 1 : 0;
            }
            return score;
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

    private static Func<int, long> WorseCountsOfSmallInts(ReadOnlySpan<RfmValues> customers, Func<RfmValues, int> metric, bool higherIsBetter, int n)
    {
        var max = 0;
        foreach (var c in customers)
        {
            if (c.HasPaid)
            {
                max = Math.Max(max, metric(c));
            }
        }
        if (max > 50_000_000)
        {
            // Not small after all: sort.
            var values = new long[n];
            var k = 0;
            foreach (var c in customers)
            {
                if (c.HasPaid)
                {
                    values[k++] = metric(c);
                }
            }
            Array.Sort(values);
            return higherIsBetter ? v => LowerBound(values, v) : v => n - UpperBound(values, v);
        }
        var counts = new long[max + 2];
        foreach (var c in customers)
        {
            if (c.HasPaid)
            {
                counts[metric(c)]++;
            }
        }
        // below[v] = customers with a value < v.
        var below = new long[max + 2];
        for (var v = 1; v <= max + 1; v++)
        {
            below[v] = below[v - 1] + counts[v - 1];
        }
        return higherIsBetter ? v => below[v] : v => n - below[v + 1];
    }

    private static long LowerBound(long[] sorted, long value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }

    private static long UpperBound(long[] sorted, long value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] <= value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
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
