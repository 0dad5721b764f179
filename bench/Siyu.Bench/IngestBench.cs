using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Siyu.Core.Customers;
using Siyu.Core.Events;
using Siyu.Server;
using Siyu.Server.Ingest;
using Siyu.Server.Partitions;

namespace Siyu.Bench;

/// <summary>
/// Runs the real server (SQLite file, FULL synchronous commits, in-process silo — or, with <c>--postgres</c>, a fresh
/// PostgreSQL database with synchronous_commit on) on loopback and measures durable ingest: every counted event was
/// acknowledged only after its group commit.
/// </summary>
public static class IngestBench
{
    private const string Key = "sk_bench_key_000000000";

    public static async Task<int> RunAsync(string[] args)
    {
        var events = Arg(args, "--events", 200_000);
        var seconds = Arg(args, "--seconds", 20);
        // Snapshots normally come every 100,000 events per partition; a smaller figure puts some inside the run.
        var snapshotEvery = Arg(args, "--snapshot-every", 100_000);
        var data = Path.Combine(Path.GetTempPath(), "siyu-bench", Guid.NewGuid().ToString("N"));
        // --postgres <server connection string>: the same run against a fresh database created on that server (dropped after).
        var postgresServer = Option(args, "--postgres");
        string? postgres = null;
        if (postgresServer is not null)
        {
            postgres = CreatePostgresDatabase(postgresServer);
        }
        var builder = WebApplication.CreateBuilder([
            "--urls=http://127.0.0.1:0", $"--Siyu:DataDirectory={data}", "--Siyu:Demo=false", $"--Siyu:DemoApiKey={Key}",
            "--Siyu:AdminPassword=bench", "--Logging:LogLevel:Default=Warning", "--Siyu:MaxPendingEvents=2000000",
            $"--Siyu:SnapshotEveryEvents={snapshotEvery}",
            .. postgres is null ? Array.Empty<string>() : ["--Siyu:DatabaseProvider=postgres", $"--Siyu:Database={postgres}"],
        ]);
        builder.AddSiyu();
        await using var app = builder.Build();
        app.UseSiyu();
        await app.StartAsync();
        var baseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var writer = app.Services.GetRequiredService<IngestWriter>();
        var grains = app.Services.GetRequiredService<IGrainFactory>();
        Console.WriteLine($"Siyu ingest benchmark — {Environment.ProcessorCount} cores, {RuntimeInfo()}, " +
            (postgres is null ? $"SQLite in {data}" : $"PostgreSQL database {new Npgsql.NpgsqlConnectionStringBuilder(postgres).Database} (binary COPY)"));

        var before = writer.Stats;
        var inProcess = await InProcessAsync(writer, events);
        Console.WriteLine($"in-process  : {inProcess:N0} events/s durable ({events:N0} events, batches of 1,000, 4 concurrent producers)");
        PrintGroupCommit(before, writer.Stats);

        before = writer.Stats;
        var http = await HttpAsync(baseUrl, events);
        Console.WriteLine($"HTTP API    : {http:N0} events/s durable ({events:N0} events, batches of 1,000, 4 concurrent clients, JSON)");
        PrintGroupCommit(before, writer.Stats);

        var (p50, p99, max, sent) = await VisibilityAsync(baseUrl, grains, seconds);
        Console.WriteLine($"visibility  : p50 {p50:F1} ms, p99 {p99:F1} ms, max {max:F1} ms at 5,000 events/s offered for {seconds} s ({sent:N0} events; POST start → applied in the partition)");

        await app.StopAsync();
        try
        {
            Directory.Delete(data, true);
        }
        catch (IOException)
        {
        }
        if (postgres is not null)
        {
            DropPostgresDatabase(postgresServer!, postgres);
        }
        return 0;
    }

    private static string CreatePostgresDatabase(string server)
    {
        var name = "siyu_bench_" + Guid.NewGuid().ToString("N")[..12];
        using var c = new Npgsql.NpgsqlConnection(new Npgsql.NpgsqlConnectionStringBuilder(server) { Database = "postgres" }.ConnectionString);
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"CREATE DATABASE {name}";
        cmd.ExecuteNonQuery();
        return new Npgsql.NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    private static void DropPostgresDatabase(string server, string database)
    {
        Npgsql.NpgsqlConnection.ClearAllPools();
        using var c = new Npgsql.NpgsqlConnection(new Npgsql.NpgsqlConnectionStringBuilder(server) { Database = "postgres" }.ConnectionString);
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"DROP DATABASE IF EXISTS {new Npgsql.NpgsqlConnectionStringBuilder(database).Database} WITH (FORCE)";
        cmd.ExecuteNonQuery();
    }

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static void PrintGroupCommit(GroupCommitStats before, GroupCommitStats after)
    {
        var commits = after.Commits - before.Commits;
        var entries = after.Entries - before.Entries;
        var requests = after.Requests - before.Requests;
        var fsync = (after.Commit - before.Commit).TotalMilliseconds;
        var execute = (after.Execute - before.Execute).TotalMilliseconds;
        Console.WriteLine($"              group commit: {commits:N0} commits, {(double)requests / commits:F1} requests and {(double)entries / commits:N0} events per commit, " +
            $"commit+fsync {fsync / commits:F1} ms, writer work {execute * 1000 / entries:F1} µs per event");
    }

    private static async Task<double> InProcessAsync(IngestWriter writer, int total)
    {
        const int batch = 1000, producers = 4;
        var perProducer = total / producers / batch;
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
        {
            for (var b = 0; b < perProducer; b++)
            {
                var list = new List<IncomingEvent>(batch);
                for (var i = 0; i < batch; i++)
                {
                    var n = ((p * perProducer) + b) * batch + i;
                    list.Add(new IncomingEvent($"bench:in:{n}", EventTypes.OrderPaid, DateTimeOffset.UtcNow,
                        [(IdentifierType.Phone, $"139{n % 50_000:D8}")], null,
                        new JsonObject { ["order_id"] = $"in{n}", ["amount"] = 10 + n % 90, ["category"] = "母婴" }, null, "bench"));
                }
                await writer.AppendAsync(1, list);
            }
        })));
        return producers * perProducer * batch / sw.Elapsed.TotalSeconds;
    }

    private static HttpClient Client(string baseUrl)
    {
        var client = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Add("X-Api-Key", Key);
        return client;
    }

    private static object HttpBatch(string prefix, int start, int count) => new
    {
        events = Enumerable.Range(start, count).Select(n => new
        {
            id = $"{prefix}{n}",
            type = "order.paid",
            identifiers = new { phone = $"137{n % 50_000:D8}" },
            properties = new { order_id = $"{prefix}{n}", amount = 10 + n % 90, category = "美妆" },
        }).ToArray(),
    };

    private static async Task<double> HttpAsync(string baseUrl, int total)
    {
        const int batch = 1000, clients = 4;
        var perClient = total / clients / batch;
        // Pre-serialise outside the timed section? No: serialising JSON is part of a real client's cost, but the
        // server's cost is what we report, so bodies are built before the clock starts.
        var bodies = Enumerable.Range(0, clients).Select(c => Enumerable.Range(0, perClient)
            .Select(b => JsonContent.Create(HttpBatch("bench:http:", ((c * perClient) + b) * batch, batch))).ToList()).ToList();
        foreach (var list in bodies)
        {
            foreach (var body in list)
            {
                await body.LoadIntoBufferAsync();
            }
        }
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            using var client = Client(baseUrl);
            foreach (var body in bodies[c])
            {
                var response = await client.PostAsync("/api/v1/events", body);
                response.EnsureSuccessStatusCode();
            }
        })));
        return clients * perClient * batch / sw.Elapsed.TotalSeconds;
    }

    /// <summary>Offers 5,000 events/s as 50-event batches every 10 ms; for each batch, waits until its partition has applied it.</summary>
    private static async Task<(double P50, double P99, double Max, int Sent)> VisibilityAsync(string baseUrl, IGrainFactory grains, int seconds)
    {
        const int perBatch = 50;
        var interval = TimeSpan.FromMilliseconds(10);
        var latencies = new List<double>();
        var tasks = new List<Task>();
        using var client = Client(baseUrl);
        var sw = Stopwatch.StartNew();
        var n = 0;
        var next = TimeSpan.Zero;
        while (sw.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            var start = n;
            n += perBatch;
            tasks.Add(Task.Run(async () =>
            {
                var started = Stopwatch.GetTimestamp();
                var response = await client.PostAsJsonAsync("/api/v1/events", HttpBatch("bench:vis:", start, perBatch));
                response.EnsureSuccessStatusCode();
                var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
                // The batch is visible when every partition it touched has applied its highest seq.
                var waits = body["results"]!.AsArray()
                    .GroupBy(r => Partitioning.Of(r!["customer_id"]!.GetValue<long>(), 8))
                    .Select(g => (Partition: g.Key, Seq: g.Max(r => r!["seq"]!.GetValue<long>())));
                foreach (var (partition, seq) in waits)
                {
                    var grain = grains.GetGrain<IPartitionGrain>(PartitionDispatcher.GrainKey(1, partition));
                    while ((await grain.Stats()).LastSeq < seq)
                    {
                        await Task.Delay(1);
                    }
                }
                var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                lock (latencies)
                {
                    latencies.Add(ms);
                }
            }));
            next += interval;
            var wait = next - sw.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }
        }
        await Task.WhenAll(tasks);
        latencies.Sort();
        return (Percentile(latencies, 0.50), Percentile(latencies, 0.99), latencies[^1], n);
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    }

    private static string RuntimeInfo() => System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription;
}
