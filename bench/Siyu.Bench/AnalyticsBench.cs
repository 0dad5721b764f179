using System.Diagnostics;
using System.Globalization;
using DuckDB.NET.Data;
using Siyu.Core.Analytics;

namespace Siyu.Bench;

/// <summary>
/// `analytics`: Markov attribution (order 1 and 2) on generated paths of 12 and 50 channels at 10k, 1M and 10M paths,
/// against a straightforward implementation (string-keyed transition counts, a dense matrix and Gaussian elimination
/// for every removal); RFM scoring of 10M customers against DuckDB's SQL (NTILE-free: the same tie rule in SQL); a
/// 4-step funnel over 100M events.
/// </summary>
public static class AnalyticsBench
{
    public static int Run(string[] args)
    {
        var sizes = Arg(args, "--paths", "10000,1000000,10000000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var customers = int.Parse(Arg(args, "--customers", "10000000"), CultureInfo.InvariantCulture);
        var parts = Arg(args, "--parts", "markov,rfm,funnel").Split(',');
        Console.WriteLine($"Siyu analytics benchmark — {Environment.ProcessorCount} cores, .NET {Environment.Version}");
        Console.WriteLine();
        if (parts.Contains("markov"))
        {
            Console.WriteLine("| paths | channels | order | states | build + solve + removals | parse from text | straightforward | ÷ |");
            Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        }
        foreach (var n in parts.Contains("markov") ? sizes : [])
        {
            foreach (var channels in new[] { 12, 50 })
            {
                var (paths, lines) = Generate(n, channels, seed: n + channels, keepText: n <= 1_000_000);
                foreach (var order in new[] { 1, 2 })
                {
                    MarkovAttribution.Compute(Small(paths), order); // warm-up
                    var sw = Stopwatch.StartNew();
                    var result = MarkovAttribution.Compute(paths, order);
                    var engine = sw.Elapsed.TotalMilliseconds;
                    var parse = "–";
                    if (lines is not null && order == 1)
                    {
                        sw.Restart();
                        var parsed = new AttributionPaths();
                        foreach (var (text, c, nulls) in lines)
                        {
                            parsed.Add(text, " > ", c, c * 100.0, nulls);
                        }
                        parse = $"{sw.Elapsed.TotalMilliseconds:N0} ms";
                    }
                    var naive = "–";
                    var ratio = "–";
                    // The straightforward way solves a dense system per removal: only where it finishes in reasonable time.
                    if (lines is not null && (order == 1 || channels == 12) && n <= 1_000_000)
                    {
                        sw.Restart();
                        var check = Straightforward(lines, order);
                        var ms = sw.Elapsed.TotalMilliseconds;
                        naive = $"{ms:N0} ms";
                        ratio = $"{ms / engine:N1}×";
                        foreach (var credit in result.Channels)
                        {
                            if (Math.Abs(check[credit.Channel] - credit.Conversions) > 1e-6 * Math.Max(1, credit.Conversions))
                            {
                                throw new InvalidOperationException($"{credit.Channel}: {credit.Conversions} vs straightforward {check[credit.Channel]}");
                            }
                        }
                    }
                    Console.WriteLine($"| {n:N0} | {channels} | {order} | {result.States:N0} | **{engine:N0} ms** | {parse} | {naive} | {ratio} |");
                }
            }
        }

        Console.WriteLine();
        if (parts.Contains("rfm"))
        {
            Rfm10M(customers);
            Console.WriteLine();
        }
        if (parts.Contains("funnel"))
        {
            FunnelBench(long.Parse(Arg(args, "--events", "100000000"), CultureInfo.InvariantCulture));
        }
        return 0;
    }

    /// <summary>
    /// A 4-step loose funnel (view → click → consult → buy, 7-day window) over N events of 8 types for N/10 customers,
    /// events stored per customer in time order (as a partition keeps them); the scan maps each event's type to its
    /// step mask and runs the funnel per customer. One thread, then the customers split over all cores.
    /// </summary>
    private static void FunnelBench(long events)
    {
        var customers = (int)(events / 10);
        var random = new Random(11);
        var ticks = new long[events];
        var types = new byte[events];
        var starts = new int[customers + 1];
        var t0 = new DateTime(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
        long e = 0;
        for (var c = 0; c < customers; c++)
        {
            starts[c] = (int)Math.Min(e, int.MaxValue);
            var n = (int)Math.Min(events - e, c == customers - 1 ? events - e : random.Next(1, 20));
            var t = t0 + (long)(random.NextDouble() * TimeSpan.FromDays(150).Ticks);
            for (var k = 0; k < n; k++)
            {
                t += (long)(random.NextDouble() * TimeSpan.FromDays(3).Ticks);
                ticks[e] = t;
                // Funnel types get rarer further down: 0 view, 1 click, 2 consult, 3 buy, 4–7 other.
                var r = random.NextDouble();
                types[e++] = (byte)(r < 0.35 ? 0 : r < 0.55 ? 1 : r < 0.62 ? 2 : r < 0.66 ? 3 : 4 + random.Next(4));
            }
        }
        starts[customers] = (int)Math.Min(e, int.MaxValue);
        if (e > int.MaxValue)
        {
            Console.WriteLine("funnel bench: more than 2^31 events is not supported by this generator");
            return;
        }
        var funnel = new Funnel(4, TimeSpan.FromDays(7), FunnelOrder.Loose);
        uint[] maskOf = [1, 2, 4, 8, 0, 0, 0, 0];

        long[] Scan(int from, int to)
        {
            var counts = new long[5];
            var masks = new uint[64];
            var times = new long[64];
            for (var c = from; c < to; c++)
            {
                var n = 0;
                for (var i = starts[c]; i < starts[c + 1]; i++)
                {
                    var m = maskOf[types[i]];
                    if (m != 0)
                    {
                        if (n == masks.Length)
                        {
                            Array.Resize(ref masks, n * 2);
                            Array.Resize(ref times, n * 2);
                        }
                        masks[n] = m;
                        times[n++] = ticks[i];
                    }
                }
                counts[funnel.Depth(times.AsSpan(0, n), masks.AsSpan(0, n))]++;
            }
            return counts;
        }

        Scan(0, Math.Min(customers, 10_000)); // warm-up
        var sw = Stopwatch.StartNew();
        var one = Scan(0, customers);
        var single = sw.Elapsed.TotalMilliseconds;
        sw.Restart();
        var cores = Environment.ProcessorCount;
        var parts = new long[cores][];
        Parallel.For(0, cores, p => parts[p] = Scan((int)((long)customers * p / cores), (int)((long)customers * (p + 1) / cores)));
        var parallel = sw.Elapsed.TotalMilliseconds;
        for (var d = 0; d < 5; d++)
        {
            if (parts.Sum(x => x[d]) != one[d])
            {
                throw new InvalidOperationException("parallel funnel differs");
            }
        }
        var reached = Enumerable.Range(1, 4).Select(k => one.Skip(k).Sum()).ToArray();
        Console.WriteLine($"Funnel of 4 steps (7-day window, loose) over {events:N0} events of {customers:N0} customers: {single:N0} ms on 1 thread, {parallel:N0} ms on {cores}; "
            + $"reached {string.Join(" → ", reached.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))}");
    }

    private static AttributionPaths Small(AttributionPaths paths)
    {
        var small = new AttributionPaths();
        foreach (var name in paths.Channels)
        {
            small.ChannelId(name);
        }
        small.Paths.AddRange(paths.Paths.Take(1000));
        return small;
    }

    /// <summary>Paths of 1–8 touches over skewed channels; about 4% convert. Channel names are Chinese-ish labels.</summary>
    private static (AttributionPaths Paths, List<(string Text, int Conversions, int Nulls)>? Lines) Generate(int n, int channels, int seed, bool keepText)
    {
        var random = new Random(seed);
        var names = Enumerable.Range(0, channels).Select(i => $"渠道{i:D2}").ToArray();
        var paths = new AttributionPaths();
        foreach (var name in names)
        {
            paths.ChannelId(name);
        }
        var lines = keepText ? new List<(string, int, int)>(n) : null;
        var touches = new List<int>();
        for (var i = 0; i < n; i++)
        {
            touches.Clear();
            var length = 1 + Math.Min(7, (int)(-Math.Log(1 - random.NextDouble()) * 2));
            for (var t = 0; t < length; t++)
            {
                // Skewed: low channel numbers are far more common.
                touches.Add((int)(channels * Math.Pow(random.NextDouble(), 2)));
            }
            var converts = random.NextDouble() < 0.02 + 0.01 * touches.Count(x => x % 5 == 0);
            var c = converts ? 1 : 0;
            paths.Paths.Add(new AttributionPath([.. touches], c, c * 100.0, 1 - c));
            lines?.Add((string.Join(" > ", touches.Select(t => names[t])), c, 1 - c));
        }
        return (paths, lines);
    }

    /// <summary>
    /// The textbook implementation: transition counts keyed by state names, the transition matrix as a dense array,
    /// and for the baseline and every removal a fresh Gaussian elimination over all states.
    /// </summary>
    private static Dictionary<string, double> Straightforward(List<(string Text, int Conversions, int Nulls)> lines, int order)
    {
        var counts = new Dictionary<string, Dictionary<string, double>>();
        var totalConversions = 0.0;
        foreach (var (text, c, n) in lines)
        {
            totalConversions += c;
            var channels = text.Split(" > ");
            var collapsed = channels.Where((x, i) => i == 0 || x != channels[i - 1]).ToArray();
            var state = "(start)";
            for (var i = 0; i < collapsed.Length; i++)
            {
                var next = string.Join(" > ", collapsed.Skip(Math.Max(0, i + 1 - order)).Take(Math.Min(i + 1, order)));
                Count(counts, state, next, c + n);
                state = next;
            }
            Count(counts, state, "(conversion)", c);
            Count(counts, state, "(null)", n);
        }
        var states = counts.Keys.ToList();
        var index = states.Select((s, i) => (s, i)).ToDictionary(x => x.s, x => x.i);
        var channelNames = states.Where(s => s != "(start)").SelectMany(s => s.Split(" > ")).Distinct().ToList();
        double Solve(string? removed)
        {
            var m = states.Count;
            var a = new double[m, m + 1];
            for (var i = 0; i < m; i++)
            {
                a[i, i] = 1;
                if (removed is not null && states[i] != "(start)" && states[i].Split(" > ").Contains(removed))
                {
                    continue; // goes to null: x = 0
                }
                var row = counts[states[i]];
                var total = row.Values.Sum();
                foreach (var (to, w) in row)
                {
                    if (to == "(conversion)")
                    {
                        a[i, m] += w / total;
                    }
                    else if (index.TryGetValue(to, out var j))
                    {
                        a[i, j] -= w / total;
                    }
                }
            }
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
                for (var k = 0; k <= m; k++)
                {
                    (a[col, k], a[pivot, k]) = (a[pivot, k], a[col, k]);
                }
                for (var r = 0; r < m; r++)
                {
                    if (r != col && a[r, col] != 0)
                    {
                        var f = a[r, col] / a[col, col];
                        for (var k = col; k <= m; k++)
                        {
                            a[r, k] -= f * a[col, k];
                        }
                    }
                }
            }
            var s0 = index["(start)"];
            return a[s0, m] / a[s0, s0];
        }
        var p = Solve(null);
        var effects = channelNames.ToDictionary(c => c, c => 1 - Solve(c) / p);
        var sum = effects.Values.Sum();
        return effects.ToDictionary(e => e.Key, e => totalConversions * e.Value / sum);
    }

    private static void Count(Dictionary<string, Dictionary<string, double>> counts, string from, string to, double w)
    {
        if (w <= 0)
        {
            return;
        }
        if (!counts.TryGetValue(from, out var row))
        {
            counts[from] = row = [];
        }
        row[to] = row.GetValueOrDefault(to) + w;
    }

    private static void Rfm10M(int n)
    {
        var random = new Random(42);
        var values = new RfmValues[n];
        for (var i = 0; i < n; i++)
        {
            var never = random.NextDouble() < 0.1;
            var frequency = never ? 0 : 1 + (int)(-Math.Log(1 - random.NextDouble()) * 2);
            var interactions = random.NextDouble() < 0.4 ? 0 : random.Next(1, 40);
            values[i] = new RfmValues(never ? -1 : random.Next(0, 730), frequency, never ? 0 : frequency * (long)random.Next(1_000, 200_000), interactions);
        }
        Rfm.Score(values.AsSpan(0, 1000)); // warm-up
        var times = new List<double>();
        RfmScore[] scores = [];
        for (var run = 0; run < 3; run++)
        {
            var sw = Stopwatch.StartNew();
            scores = Rfm.Score(values);
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        Console.WriteLine($"RFM + E scoring of {n:N0} customers (10% without a paid order, 40% without an interaction): {times.Min():N0} ms best of 3 ({string.Join(", ", times.Select(t => t.ToString("N0", CultureInfo.InvariantCulture)))} ms)");

        var fixedMode = new RfmSettings { Mode = RfmMode.Fixed };
        var fixedTimes = new List<double>();
        for (var run = 0; run < 3; run++)
        {
            var sw = Stopwatch.StartNew();
            Rfm.Score(values, fixedMode);
            fixedTimes.Add(sw.Elapsed.TotalMilliseconds);
        }
        Console.WriteLine($"Fixed-threshold scoring of the same customers: {fixedTimes.Min():N0} ms best of 3");

        using var duck = new DuckDBConnection("DataSource=:memory:");
        duck.Open();
        using (var create = duck.CreateCommand())
        {
            create.CommandText = "CREATE TABLE rfm (id INTEGER, recency INTEGER, frequency INTEGER, monetary BIGINT)";
            create.ExecuteNonQuery();
        }
        var load = Stopwatch.StartNew();
        using (var appender = duck.CreateAppender("rfm"))
        {
            for (var i = 0; i < n; i++)
            {
                if (values[i].HasPaid)
                {
                    appender.CreateRow().AppendValue(i).AppendValue(values[i].RecencyDays).AppendValue(values[i].Frequency).AppendValue(values[i].MonetaryCents).EndRow();
                }
            }
        }
        Console.WriteLine($"DuckDB load {load.Elapsed.TotalSeconds:N1} s");
        // The same tie rule in SQL: 1 + floor(5 × strictly worse / n), with rank() − 1 = strictly smaller (ascending).
        const string sql = """
            SELECT count(*), sum(r)::BIGINT, sum(f)::BIGINT, sum(m)::BIGINT FROM (
              SELECT 1 + (5 * (rank() OVER (ORDER BY recency DESC) - 1)) // (SELECT count(*) FROM rfm) AS r,
                     1 + (5 * (rank() OVER (ORDER BY frequency) - 1)) // (SELECT count(*) FROM rfm) AS f,
                     1 + (5 * (rank() OVER (ORDER BY monetary) - 1)) // (SELECT count(*) FROM rfm) AS m
              FROM rfm)
            """;
        var duckTimes = new List<double>();
        long dr = 0, df = 0, dm = 0;
        for (var run = 0; run < 3; run++)
        {
            using var cmd = duck.CreateCommand();
            cmd.CommandText = sql;
            var sw = Stopwatch.StartNew();
            using var reader = cmd.ExecuteReader();
            reader.Read();
            (dr, df, dm) = (Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture), Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture), Convert.ToInt64(reader.GetValue(3), CultureInfo.InvariantCulture));
            duckTimes.Add(sw.Elapsed.TotalMilliseconds);
        }
        long sr = 0, sf = 0, sm = 0;
        foreach (var s in scores)
        {
            (sr, sf, sm) = (sr + s.R, sf + s.F, sm + s.M);
        }
        if ((sr, sf, sm) != (dr, df, dm))
        {
            throw new InvalidOperationException($"RFM score sums differ: Siyu {sr}/{sf}/{sm}, DuckDB {dr}/{df}/{dm}");
        }
        Console.WriteLine($"DuckDB, same scores in SQL (rank windows): {duckTimes.Min():N0} ms best of 3; score sums agree ({sr:N0} / {sf:N0} / {sm:N0})");
    }

    private static string Arg(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
