using System.Collections.Concurrent;
using System.Net;
using Microsoft.Data.Sqlite;

namespace Siyu.Server.Tests.Durability;

/// <summary>
/// Partitions write snapshots a slice of profiles at a time while events keep arriving, so a snapshot holds profiles
/// newer than its recorded log position. After a kill, replay from that position must not count any event twice
/// (nor lose one): every customer's order count must come out exact.
/// </summary>
public sealed class SlicedSnapshotTests
{
    private const int Writers = 4;
    private const int CustomersPerWriter = 10;
    private const int BatchSize = 20;

    // Tiny thresholds: a snapshot every 100 events, two profiles per 100 ms slice, so cycles overlap ingest.
    private static readonly string[] SnapshotArgs = ["--Siyu:SnapshotEveryEvents=100", "--Siyu:SnapshotSliceProfiles=2"];

    private static string Phone(int writer, int i) => $"1391{writer:D2}{i % CustomersPerWriter:D5}";

    private static object Batch(int writer, int batch) => new
    {
        events = Enumerable.Range(0, BatchSize).Select(i => new
        {
            id = $"slice-{writer}-{batch}-{i}",
            type = "order.paid",
            timestamp = "2026-11-01T12:00:00+08:00",
            identifiers = new { phone = Phone(writer, i) },
            properties = new { order_id = $"slice-{writer}-{batch}-{i}", amount = 1 },
        }).ToArray(),
    };

    [Fact]
    public async Task Replay_after_a_sliced_snapshot_counts_every_event_exactly_once()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "siyu-tests", "slices-" + Guid.NewGuid().ToString("N"));
        var attempted = new ConcurrentDictionary<(int Writer, int Batch), bool>();
        var customerOf = new ConcurrentDictionary<string, long>();

        await using (var first = await ServerProcess.StartAsync(dataDirectory, false, SnapshotArgs))
        {
            using var stop = new CancellationTokenSource();
            var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
            {
                using var client = first.ApiClient();
                for (var b = 0; !stop.IsCancellationRequested; b++)
                {
                    attempted[(w, b)] = true;
                    try
                    {
                        var response = await client.PostEventsAsync(Batch(w, b));
                        if (response.StatusCode != HttpStatusCode.Accepted)
                        {
                            continue;
                        }
                        var results = (await response.ReadAsync())["results"]!.AsArray();
                        for (var i = 0; i < results.Count; i++)
                        {
                            customerOf[Phone(w, i)] = results[i]!["customer_id"]!.GetValue<long>();
                        }
                        await Task.Delay(20);
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                    {
                        return; // the server is gone
                    }
                }
            })).ToArray();

            // Ingest until several snapshots were written, then kill mid-stream.
            for (var i = 0; i < 300 && SnapshotCount(dataDirectory) < 2; i++)
            {
                await Task.Delay(100);
            }
            await Task.Delay(Random.Shared.Next(200, 1_500));
            first.Kill();
            stop.Cancel();
            await Task.WhenAll(writers);
        }
        Assert.True(SnapshotCount(dataDirectory) >= 2, "no snapshots were written before the kill");

        await using var second = await ServerProcess.StartAsync(dataDirectory, false, SnapshotArgs);
        using var api = second.ApiClient();
        // Resend everything attempted: the log then holds each attempted event exactly once.
        foreach (var ((writer, batch), _) in attempted)
        {
            var response = await api.PostEventsAsync(Batch(writer, batch));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var results = (await response.ReadAsync())["results"]!.AsArray();
            for (var i = 0; i < results.Count; i++)
            {
                customerOf[Phone(writer, i)] = results[i]!["customer_id"]!.GetValue<long>();
            }
        }
        foreach (var (phone, customerId) in customerOf)
        {
            var writer = int.Parse(phone[4..6], System.Globalization.CultureInfo.InvariantCulture);
            var perBatch = Enumerable.Range(0, BatchSize).Count(i => Phone(writer, i) == phone);
            var expected = attempted.Keys.Count(k => k.Writer == writer) * perBatch;
            var profile = await Json.EventuallyAsync(() => api.GetJsonOrNull($"/api/v1/customers/{customerId}"),
                c => c["orders"]!.GetValue<int>() >= expected, attempts: 200);
            Assert.Equal(expected, profile["orders"]!.GetValue<int>());
        }
    }

    private static long SnapshotCount(string dataDirectory)
    {
        var file = Path.Combine(dataDirectory, "siyu.db");
        if (!File.Exists(file))
        {
            return 0;
        }
        using var connection = new SqliteConnection($"Data Source={file};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM partition_snapshots WHERE LastSeq > 0";
        try
        {
            return (long)command.ExecuteScalar()!;
        }
        catch (SqliteException)
        {
            return 0; // not migrated yet
        }
    }
}
