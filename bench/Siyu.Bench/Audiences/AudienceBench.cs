using System.Diagnostics;
using System.Globalization;

namespace Siyu.Bench.Audiences;

/// <summary>
/// `audiences`: the three benchmark questions answered by Siyu's audience engine (bitsets over partition indexes), by
/// DuckDB over raw events and by SQLite the way SQL-backed SCRMs do it, on generated data. Default size fits CI;
/// pass --customers 10000000 --events 100000000 --skip-sqlite for full size.
/// </summary>
public static class AudienceBench
{
    public static int Run(string[] args)
    {
        var customers = Arg(args, "--customers", 100_000);
        var events = Arg(args, "--events", 1_000_000);
        var runs = Arg(args, "--runs", 5);
        var partitions = Arg(args, "--partitions", 16);
        var skipSqlite = args.Contains("--skip-sqlite");
        var siyuOnly = args.Contains("--siyu-only");
        Console.WriteLine($"Siyu audience benchmark — {customers:N0} customers, {AudienceData.TagCount} tags, {events:N0} events over {AudienceData.Days} days, {partitions} partitions, {Environment.ProcessorCount} cores");

        var sw = Stopwatch.StartNew();
        var data = AudienceData.Generate(customers, events);
        Console.WriteLine($"generated in {sw.Elapsed.TotalSeconds:F1} s");

        var before = GC.GetTotalMemory(forceFullCollection: true);
        sw.Restart();
        var siyu = SiyuEngine.Build(data, partitions);
        var buildSeconds = sw.Elapsed.TotalSeconds;
        var indexBytes = GC.GetTotalMemory(forceFullCollection: true) - before;
        Console.WriteLine($"Siyu indexes built in {buildSeconds:F1} s, ~{indexBytes / (1024.0 * 1024):N0} MB managed");
        if (siyuOnly)
        {
            // For iterating on the engine: no SQL loads, answers not checked against DuckDB.
            var only = Array.IndexOf(args, "--query") is var q and >= 0 && q + 1 < args.Length ? args[q + 1] : null;
            foreach (var (name, _, _) in AudienceQueries.All.Where(query => only is null || query.Name == only))
            {
                var root = SiyuEngine.Parse(name);
                var one = SiyuEngine.Time(() => siyu.CountSequential(root), runs);
                var fan = SiyuEngine.Time(() => siyu.CountParallel(root), runs);
                Console.WriteLine($"({name}) {one.Count:N0} customers: 1 core {one.MedianMs:N3} ms (fastest {one.FastestMs:N3}), fan-out {fan.MedianMs:N3} ms (fastest {fan.FastestMs:N3})");
            }
            return 0;
        }

        sw.Restart();
        using var duck = SqlBaselines.LoadDuckDb(data);
        Console.WriteLine($"DuckDB loaded in {sw.Elapsed.TotalSeconds:F1} s");
        var sqlitePath = Path.Combine(Path.GetTempPath(), $"siyu-audience-{Guid.NewGuid():N}.db");
        Microsoft.Data.Sqlite.SqliteConnection? sqlite = null;
        if (!skipSqlite)
        {
            sw.Restart();
            sqlite = SqlBaselines.LoadSqlite(data, sqlitePath);
            Console.WriteLine($"SQLite loaded and indexed in {sw.Elapsed.TotalSeconds:F1} s");
        }

        Console.WriteLine();
        Console.WriteLine($"Siyu 1 core: all {partitions} partitions evaluated one after another on one thread. Fan-out: partitions in parallel on {Environment.ProcessorCount} cores. Ratios are against Siyu 1 core. Medians of {runs} runs (Siyu after a 1 s warm-up, SQL after one).");
        Console.WriteLine();
        Console.WriteLine("| query | customers matched | Siyu 1 core ms | Siyu fan-out ms | DuckDB ms | SQLite ms | DuckDB ÷ Siyu | SQLite ÷ Siyu |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, description, sql) in AudienceQueries.All)
        {
            var root = SiyuEngine.Parse(name);
            var one = SiyuEngine.Time(() => siyu.CountSequential(root), runs);
            var fan = SiyuEngine.Time(() => siyu.CountParallel(root), runs);
            var (duckMs, duckCount) = SqlBaselines.Time(duck, sql, runs);
            if (one.Count != duckCount || fan.Count != duckCount)
            {
                throw new InvalidOperationException($"Query {name}: Siyu counts {one.Count} (fan-out {fan.Count}), DuckDB {duckCount}.");
            }
            var oneMs = one.MedianMs;
            var sqliteText = "skipped";
            var sqliteRatio = "–";
            if (sqlite is not null)
            {
                var (sqliteMs, sqliteCount) = SqlBaselines.Time(sqlite, sql, Math.Min(runs, 3));
                if (sqliteCount != duckCount)
                {
                    throw new InvalidOperationException($"Query {name}: SQLite counts {sqliteCount}, DuckDB {duckCount}.");
                }
                sqliteText = sqliteMs.ToString("N1", CultureInfo.InvariantCulture);
                sqliteRatio = $"{sqliteMs / oneMs:N0}×";
            }
            Console.WriteLine($"| ({name}) {description} | {duckCount:N0} | {oneMs:N3} | {fan.MedianMs:N3} | {duckMs:N1} | {sqliteText} | {duckMs / oneMs:N0}× | {sqliteRatio} |");
        }
        // Queries build per-day value groupings and per-value bitsets on first use; count them too. (The generated
        // data was in the baseline, so keep it alive for the difference to stay the indexes' size.)
        var afterBytes = GC.GetTotalMemory(forceFullCollection: true) - before;
        GC.KeepAlive(data);
        Console.WriteLine();
        Console.WriteLine($"Siyu indexes after the queries, with the structures they built on first use: ~{afterBytes / (1024.0 * 1024):N0} MB managed");
        sqlite?.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(sqlitePath);
        return 0;
    }

    private static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
