namespace Siyu.Core.Analytics;

/// <summary>A channel's conversions and value under the three rule-based models.</summary>
public sealed record HeuristicCredit(
    string Channel, double FirstTouchConversions, double FirstTouchValue, double LastTouchConversions, double LastTouchValue,
    double LinearConversions, double LinearValue);

/// <summary>
/// First-touch, last-touch and linear attribution over the paths as given (no collapsing): the first (last) channel
/// of a path gets all its conversions and value; linear splits them evenly over every touch, repeats included (a path
/// a > a > b gives a two thirds). Each model's totals equal the total conversions and value. Sorted by channel name.
/// </summary>
public static class HeuristicAttribution
{
    public static IReadOnlyList<HeuristicCredit> Compute(AttributionPaths paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var n = paths.Channels.Count;
        var first = new double[n, 2];
        var last = new double[n, 2];
        var linear = new double[n, 2];
        foreach (var p in paths.Paths)
        {
            if (p.Touches.Length == 0)
            {
                continue;
            }
            first[p.Touches[0], 0] += p.Conversions;
            first[p.Touches[0], 1] += p.Value;
            last[p.Touches[^1], 0] += p.Conversions;
            last[p.Touches[^1], 1] += p.Value;
            var conversionsPerTouch = p.Conversions / p.Touches.Length;
            var valuePerTouch = p.Value / p.Touches.Length;
            foreach (var t in p.Touches)
            {
                linear[t, 0] += conversionsPerTouch;
                linear[t, 1] += valuePerTouch;
            }
        }
        var result = new List<HeuristicCredit>(n);
        for (var c = 0; c < n; c++)
        {
            result.Add(new HeuristicCredit(paths.Channels[c], first[c, 0], first[c, 1], last[c, 0], last[c, 1], linear[c, 0], linear[c, 1]));
        }
        result.Sort((a, b) => string.CompareOrdinal(a.Channel, b.Channel));
        return result;
    }
}
