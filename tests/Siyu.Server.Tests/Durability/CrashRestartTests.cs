using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;

namespace Siyu.Server.Tests.Durability;

/// <summary>Kills the server (SIGKILL) in the middle of ingest and checks that every acknowledged event survived.</summary>
public sealed class CrashRestartTests
{
    private const int Writers = 4;
    private const int BatchSize = 50;

    private static object Batch(int writer, int batch) => new
    {
        events = Enumerable.Range(0, BatchSize).Select(i => new
        {
            id = $"crash-{writer}-{batch}-{i}",
            type = "order.paid",
            timestamp = "2026-11-01T12:00:00+08:00",
            identifiers = new { phone = $"1390000000{writer}" },
            properties = new { order_id = $"crash-{writer}-{batch}-{i}", amount = 1 },
        }).ToArray(),
    };

    [Fact]
    public async Task Every_acknowledged_event_survives_a_kill_during_ingest()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "siyu-tests", "crash-" + Guid.NewGuid().ToString("N"));
        var acknowledged = new ConcurrentDictionary<string, long>();
        var attempted = new ConcurrentDictionary<(int Writer, int Batch), bool>();
        var customerOf = new ConcurrentDictionary<int, long>();

        await using (var first = await ServerProcess.StartAsync(dataDirectory))
        {
            using var stop = new CancellationTokenSource();
            var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
            {
                using var client = first.ApiClient();
                for (var b = 0; b < 10_000 && !stop.IsCancellationRequested; b++)
                {
                    attempted[(w, b)] = true;
                    try
                    {
                        var response = await client.PostEventsAsync(Batch(w, b));
                        if (response.StatusCode != HttpStatusCode.Accepted)
                        {
                            continue;
                        }
                        var body = await response.ReadAsync();
                        foreach (var r in body["results"]!.AsArray())
                        {
                            acknowledged[$"crash-{w}-{b}-{r!["index"]!.GetValue<int>()}"] = r["seq"]!.GetValue<long>();
                            customerOf[w] = r["customer_id"]!.GetValue<long>();
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                    {
                        return; // the server is gone
                    }
                }
            })).ToArray();

            // Kill at a random point once a fair amount of work has been acknowledged.
            var killAfter = Random.Shared.Next(1_000, 4_000);
            for (var i = 0; i < 600 && acknowledged.Count < killAfter; i++)
            {
                await Task.Delay(50);
            }
            Assert.True(acknowledged.Count > 0, "nothing was acknowledged before the kill:\n" + first.Output);
            first.Kill();
            stop.Cancel();
            await Task.WhenAll(writers);
        }

        await using var second = await ServerProcess.StartAsync(dataDirectory);
        using var api = second.ApiClient();
        foreach (var (writer, customerId) in customerOf)
        {
            var ackedForWriter = acknowledged.Keys.Count(k => k.StartsWith($"crash-{writer}-", StringComparison.Ordinal));
            var profile = await Json.EventuallyAsync(() => api.GetJsonOrNull($"/api/v1/customers/{customerId}"),
                c => c["orders"]!.GetValue<int>() >= ackedForWriter, attempts: 200);
            Assert.True(profile["orders"]!.GetValue<int>() >= ackedForWriter);
        }

        // Resending everything that was attempted: every acknowledged event is a duplicate with the same seq.
        foreach (var ((writer, batch), _) in attempted)
        {
            var body = await (await api.PostEventsAsync(Batch(writer, batch))).ReadAsync();
            foreach (var r in body["results"]!.AsArray())
            {
                var id = $"crash-{writer}-{batch}-{r!["index"]!.GetValue<int>()}";
                if (acknowledged.TryGetValue(id, out var seq))
                {
                    Assert.True(r["duplicate"]!.GetValue<bool>(), $"{id} was acknowledged but lost");
                    Assert.Equal(seq, r["seq"]!.GetValue<long>());
                }
            }
        }
        // Now every attempted event exists exactly once.
        foreach (var (writer, customerId) in customerOf)
        {
            var expected = attempted.Keys.Count(k => k.Writer == writer) * BatchSize;
            await Json.EventuallyAsync(() => api.GetJsonOrNull($"/api/v1/customers/{customerId}"),
                c => c["orders"]!.GetValue<int>() == expected, attempts: 200);
        }
    }
}
