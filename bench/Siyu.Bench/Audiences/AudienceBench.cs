using System.Diagnostics;

namespace Siyu.Bench.Audiences;

/// <summary>
/// `audiences`: the three benchmark questions answered by DuckDB over raw events and by SQLite the way SQL-backed
/// SCRMs do it, on generated data. Default size fits CI; pass --customers 10000000 --events 100000000 for full size.
/// </summary>
public static class AudienceBench
{
    public static int Run(string[] args)
    {
        var customers = Arg(args, "--customers", 100_000);
        var events = Arg(args, "--events", 1_000_000);
        var runs = Arg(args, "--runs", 5);
        var skipSqlite = args.Contains("--skip-sqlite");
        Console.WriteLine($"Siyu audience benchmark — {customers:N0} customers, {AudienceData.TagCount} tags, {events:N0} events over {AudienceData.Days} days, {Environment.ProcessorCount} cores");

        var sw = Stopwatch.StartNew();
        var data = AudienceData.Generate(customers, events);
        Console.WriteLine($"generated in {sw.Elapsed.TotalSeconds:F1} s");

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
        Console.WriteLine("| query | customers matched | DuckDB ms | SQLite ms |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (name, description, sql) in AudienceQueries.All)
        {
            var (duckMs, duckCount) = SqlBaselines.Time(duck, sql, runs);
            var sqliteText = "skipped";
            if (sqlite is not null)
            {
                var (sqliteMs, sqliteCount) = SqlBaselines.Time(sqlite, sql, Math.Min(runs, 3));
                if (sqliteCount != duckCount)
                {
                    throw new InvalidOperationException($"Query {name}: SQLite counts {sqliteCount}, DuckDB {duckCount}.");
                }
                sqliteText = sqliteMs.ToString("N1", System.Globalization.CultureInfo.InvariantCulture);
            }
            Console.WriteLine($"| ({name}) {description} | {duckCount:N0} | {duckMs:N1} | {sqliteText} |");
        }
        sqlite?.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(sqlitePath);
        return 0;
    }

    private static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    }
}
