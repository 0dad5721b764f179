namespace Siyu.Core.Analytics;

/// <summary>One channel's share: attributed conversions and value, and its removal effect (1 − P(convert without it) / P(convert)).</summary>
public sealed record ChannelCredit(string Channel, double Conversions, double Value, double RemovalEffect);

/// <summary>The model's answer: the conversion probability from the start state and each channel's credit (sorted by name).</summary>
public sealed record MarkovResult(int Order, int States, double ConversionProbability, double TotalConversions, double TotalValue, IReadOnlyList<ChannelCredit> Channels);

/// <summary>
/// Markov-chain attribution by removal effect (Anderl et al. 2016; the model of the ChannelAttribution package),
/// solved exactly as an absorbing chain rather than simulated.
/// <para>
/// Each path's consecutive repeats are collapsed (a > a > b is a > b). States are (start), the last <c>order</c>
/// channels seen (fewer at the start of a path), (conversion) and (null). A path taken by <c>c</c> converting and
/// <c>n</c> non-converting customers adds weight c + n to each of its transitions between channels and from the start,
/// c to its last state → conversion and n to its last state → null; probabilities are weights normalised per state.
/// The conversion probability is the absorption probability into (conversion) from (start): the solution of
/// x = Q·x + r over the transient states (dense Gaussian elimination up to <see cref="DenseLimit"/> states, else
/// Gauss–Seidel to machine precision; both converge to the same exact solution). Removing a channel sends every state
/// that contains it to (null). Channel c's removal effect is RE_c = 1 − P(without c) / P; attributed conversions are
/// total × RE_c / Σ RE, so they add up to the total. Value is attributed with the same shares.
/// </para>
/// </summary>
public static class MarkovAttribution
{
    public const int MaxOrder = 4;

    /// <summary>Above this many transient states the chain is solved iteratively (sparse), below it directly (dense).</summary>
    public const int DenseLimit = 600;

    private const int Conversion = -1;
    private const int Null = -2;

    public static MarkovResult Compute(AttributionPaths paths, int order = 1)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (order is < 1 or > MaxOrder)
        {
            throw new ArgumentOutOfRangeException(nameof(order), $"The order is 1 to {MaxOrder}.");
        }
        if (paths.Channels.Count >= 1 << 15)
        {
            throw new ArgumentException("At most 32,767 channels.", nameof(paths));
        }
        var chain = Chain.Build(paths, order);
        var totalConversions = 0.0;
        var totalValue = 0.0;
        foreach (var p in paths.Paths)
        {
            totalConversions += p.Conversions;
            totalValue += p.Value;
        }
        var removed = new bool[chain.States];
        var baseline = chain.Solve(removed);
        var effects = new double[paths.Channels.Count];
        for (var c = 0; c < effects.Length; c++)
        {
            Array.Clear(removed);
            foreach (var s in chain.StatesWith[c])
            {
                removed[s] = true;
            }
            effects[c] = baseline > 0 ? Math.Max(0, 1 - chain.Solve(removed) / baseline) : 0;
        }
        var sum = effects.Sum();
        var credits = new List<ChannelCredit>(effects.Length);
        for (var c = 0; c < effects.Length; c++)
        {
            var share = sum > 0 ? effects[c] / sum : 0;
            credits.Add(new ChannelCredit(paths.Channels[c], totalConversions * share, totalValue * share, effects[c]));
        }
        credits.Sort((a, b) => string.CompareOrdinal(a.Channel, b.Channel));
        return new MarkovResult(order, chain.States, baseline, totalConversions, totalValue, credits);
    }

    /// <summary>The transient part of the chain as sparse rows: state 0 is the start.</summary>
    private sealed class Chain
    {
        public int States;
        public int[] RowStart = [];
        public int[] Columns = [];
        public double[] Probabilities = [];
        public double[] ToConversion = [];
        public List<int>[] StatesWith = [];

        public static Chain Build(AttributionPaths paths, int order)
        {
            var stateIds = new Dictionary<long, int> { [0] = 0 };
            var stateChannels = new List<int[]> { Array.Empty<int>() };
            var weights = new Dictionary<(int From, int To), double>();
            var window = new int[order];
            foreach (var path in paths.Paths)
            {
                var touches = AttributionPaths.Collapse(path.Touches);
                var through = path.Conversions + path.Nulls;
                if (touches.Length == 0 || through <= 0)
                {
                    continue;
                }
                var from = 0;
                for (var i = 0; i < touches.Length; i++)
                {
                    // The state: the last min(i + 1, order) channels, packed 15 bits each (+1 so that 0 means none).
                    var length = Math.Min(i + 1, order);
                    long key = 0;
                    for (var k = 0; k < length; k++)
                    {
                        var channel = touches[i - length + 1 + k];
                        window[k] = channel;
                        key |= (long)(channel + 1) << (15 * k);
                    }
                    if (!stateIds.TryGetValue(key, out var to))
                    {
                        to = stateIds.Count;
                        stateIds[key] = to;
                        stateChannels.Add(window.AsSpan(0, length).ToArray().Distinct().ToArray());
                    }
                    Add(weights, from, to, through);
                    from = to;
                }
                Add(weights, from, Conversion, path.Conversions);
                Add(weights, from, Null, path.Nulls);
            }

            var n = stateIds.Count;
            var outgoing = new double[n];
            var counts = new int[n + 1];
            foreach (var ((from, to), w) in weights)
            {
                outgoing[from] += w;
                if (to >= 0)
                {
                    counts[from + 1]++;
                }
            }
            for (var i = 0; i < n; i++)
            {
                counts[i + 1] += counts[i];
            }
            var chain = new Chain
            {
                States = n,
                RowStart = counts,
                Columns = new int[counts[n]],
                Probabilities = new double[counts[n]],
                ToConversion = new double[n],
                StatesWith = new List<int>[paths.Channels.Count],
            };
            var fill = counts[..n].ToArray();
            foreach (var ((from, to), w) in weights.OrderBy(kv => kv.Key.From).ThenBy(kv => kv.Key.To))
            {
                if (outgoing[from] <= 0)
                {
                    continue;
                }
                var p = w / outgoing[from];
                if (to >= 0)
                {
                    chain.Columns[fill[from]] = to;
                    chain.Probabilities[fill[from]++] = p;
                }
                else if (to == Conversion)
                {
                    chain.ToConversion[from] += p;
                }
            }
            for (var c = 0; c < chain.StatesWith.Length; c++)
            {
                chain.StatesWith[c] = [];
            }
            for (var s = 0; s < n; s++)
            {
                foreach (var c in stateChannels[s])
                {
                    chain.StatesWith[c].Add(s);
                }
            }
            return chain;
        }

        private static void Add(Dictionary<(int, int), double> weights, int from, int to, double w)
        {
            if (w > 0)
            {
                System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(weights, (from, to), out _) += w;
            }
        }

        /// <summary>P(absorbed in conversion | start) with the removed states sent to null.</summary>
        public double Solve(bool[] removed) => States <= DenseLimit ? SolveDense(removed) : SolveIterative(removed);

        private double SolveDense(bool[] removed)
        {
            // (I − Q) x = r over the states that are not removed; removed states have x = 0.
            var index = new int[States];
            var m = 0;
            for (var s = 0; s < States; s++)
            {
                index[s] = removed[s] ? -1 : m++;
            }
            if (index[0] < 0)
            {
                return 0;
            }
            var a = new double[m, m + 1];
            for (var s = 0; s < States; s++)
            {
                var i = index[s];
                if (i < 0)
                {
                    continue;
                }
                a[i, i] += 1;
                a[i, m] = ToConversion[s];
                for (var e = RowStart[s]; e < RowStart[s + 1]; e++)
                {
                    var j = index[Columns[e]];
                    if (j >= 0)
                    {
                        a[i, j] -= Probabilities[e];
                    }
                }
            }
            // Gaussian elimination with partial pivoting; I − Q of an absorbing chain is non-singular.
            for (var col = 0; col < m; col++)
            {
                var pivot = col;
                for (var r = col + 1; r < m; r++)
                {
                    if (Math.Abs(a[r, col]) > Math.Abs(a[pivot, col]))
                    {
                        pivot = r;
                    }
                }
                if (pivot != col)
                {
                    for (var k = col; k <= m; k++)
                    {
                        (a[col, k], a[pivot, k]) = (a[pivot, k], a[col, k]);
                    }
                }
                var d = a[col, col];
                if (Math.Abs(d) < 1e-300)
                {
                    continue; // a state that can never be left: it converts with probability 0 (its row stays 0)
                }
                for (var r = col + 1; r < m; r++)
                {
                    var f = a[r, col] / d;
                    if (f == 0)
                    {
                        continue;
                    }
                    for (var k = col; k <= m; k++)
                    {
                        a[r, k] -= f * a[col, k];
                    }
                }
            }
            var x = new double[m];
            for (var r = m - 1; r >= 0; r--)
            {
                var sum = a[r, m];
                for (var k = r + 1; k < m; k++)
                {
                    sum -= a[r, k] * x[k];
                }
                x[r] = Math.Abs(a[r, r]) < 1e-300 ? 0 : sum / a[r, r];
            }
            return x[index[0]];
        }

        private double SolveIterative(bool[] removed)
        {
            if (removed[0])
            {
                return 0;
            }
            // Gauss–Seidel from 0: the iterates rise monotonically to the solution; stop when a sweep changes nothing
            // beyond the last bits of a double.
            var x = new double[States];
            for (var sweep = 0; sweep < 1_000_000; sweep++)
            {
                var change = 0.0;
                for (var s = States - 1; s >= 0; s--)
                {
                    if (removed[s])
                    {
                        continue;
                    }
                    var v = ToConversion[s];
                    for (var e = RowStart[s]; e < RowStart[s + 1]; e++)
                    {
                        v += Probabilities[e] * x[Columns[e]];
                    }
                    change = Math.Max(change, Math.Abs(v - x[s]));
                    x[s] = v;
                }
                if (change <= 1e-16 * Math.Max(1e-300, x[0]) || change == 0)
                {
                    break;
                }
            }
            return x[0];
        }
    }
}
