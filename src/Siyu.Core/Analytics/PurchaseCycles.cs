namespace Siyu.Core.Analytics;

/// <summary>A category's repurchase interval: how many days customers who bought it again waited, by quartile.</summary>
public sealed record PurchaseCycle(string Category, int Customers, int Intervals, double MedianDays, double P25Days, double P75Days);

/// <summary>
/// Repurchase intervals per product category: for each customer, the days between consecutive paid orders of the same
/// category (orders less than a day apart count as one purchase: a split order is not a repurchase); per category the
/// median and quartiles of all those intervals (linear interpolation between order statistics, as spreadsheets do).
/// Categories nobody bought twice are left out. The median is the purchase cycle journeys remind on ("day 85 of 90").
/// </summary>
public static class PurchaseCycles
{
    private static readonly long Day = TimeSpan.FromDays(1).Ticks;

    public static IReadOnlyList<PurchaseCycle> Compute(IEnumerable<(long Customer, long Ticks, string Category)> orders)
    {
        var byKey = new Dictionary<(string Category, long Customer), List<long>>();
        foreach (var (customer, ticks, category) in orders)
        {
            if (string.IsNullOrEmpty(category))
            {
                continue;
            }
            if (!byKey.TryGetValue((category, customer), out var list))
            {
                byKey[(category, customer)] = list = [];
            }
            list.Add(ticks);
        }
        var intervals = new Dictionary<string, (List<double> Days, HashSet<long> Customers)>(StringComparer.Ordinal);
        foreach (var ((category, customer), times) in byKey)
        {
            times.Sort();
            var last = times[0];
            for (var i = 1; i < times.Count; i++)
            {
                if (times[i] - last < Day)
                {
                    continue;
                }
                if (!intervals.TryGetValue(category, out var entry))
                {
                    intervals[category] = entry = ([], []);
                }
                entry.Days.Add((times[i] - last) / (double)Day);
                entry.Customers.Add(customer);
                last = times[i];
            }
        }
        return
        [
            .. intervals.Select(kv =>
            {
                var days = kv.Value.Days;
                days.Sort();
                return new PurchaseCycle(kv.Key, kv.Value.Customers.Count, days.Count, Quantile(days, 0.5), Quantile(days, 0.25), Quantile(days, 0.75));
            }).OrderByDescending(c => c.Intervals).ThenBy(c => c.Category, StringComparer.Ordinal),
        ];
    }

    /// <summary>The q-quantile of sorted values, interpolating between the two nearest ranks (type 7, Excel's QUARTILE.INC).</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        if (sorted.Count == 0)
        {
            return double.NaN;
        }
        var h = (sorted.Count - 1) * q;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }
}
