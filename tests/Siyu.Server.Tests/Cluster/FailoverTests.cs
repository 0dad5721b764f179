using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Siyu.Server.Tests.Durability;
using Xunit.Abstractions;

namespace Siyu.Server.Tests.Cluster;

/// <summary>
/// Three server processes on loopback form one cluster over a shared PostgreSQL database. Orders are ingested continuously through
/// all three nodes; the node running the event-log writer is killed with SIGKILL in the middle. Then: every acknowledged
/// event is in the log (re-sending all of them reports each as a duplicate), the killed node's partitions are active on
/// the survivors again (time measured), the journey sent each customer its SMS exactly once, and both survivors answer
/// the same audience with the exact number of customers.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class FailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Customers = 150;
    private RecordingSmsProvider _sms = null!;
    private ClusterDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _sms = await RecordingSmsProvider.StartAsync();
        _database = await ClusterDatabase.CreateAsync();
    }

    public async Task DisposeAsync()
    {
        await _sms.DisposeAsync();
        await _database.DisposeAsync();
    }

    private static string Phone(int i) => $"1390013{i:D4}";

    [SkippableFact]
    public async Task Killing_the_writer_node_loses_no_acknowledged_event_and_partitions_come_back_on_the_survivors()
    {
        _database.Require();
        var shared = ClusterArgs.Create(_database);
        var nodes = new List<ServerProcess>();
        try
        {
            nodes.Add(await ServerProcess.StartAsync(Dir("a"), demo: false, [.. shared, .. _sms.ServerArgs]));
            nodes.Add(await ServerProcess.StartAsync(Dir("b"), demo: false, [.. shared, .. _sms.ServerArgs]));
            nodes.Add(await ServerProcess.StartAsync(Dir("c"), demo: false, [.. shared, .. _sms.ServerArgs]));
            using var observer = await nodes[1].AdminClientAsync();
            var before = await Json.EventuallyAsync(() => ViewAsync(observer),
                c => c["members"]!.AsArray().Count(m => m!["status"]!.GetValue<string>() == "Active") == 3
                    && c["partitions"]!.AsArray().Select(p => p!["silo"]!.GetValue<string>()).Distinct().Count() >= 2, attempts: 300);
            // Published on the last node while every partition is already running: partitions on the other nodes learn of
            // it through the cluster's cache invalidation, or they would never send.
            using (var admin = await nodes[2].AdminClientAsync())
            {
                var created = await admin.PostAsJsonAsync("/api/v1/journeys", new { definition = Journey() });
                Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
                var id = (await created.ReadAsync())["id"]!.GetValue<long>();
                (await admin.PostAsJsonAsync($"/api/v1/journeys/{id}/status", new { status = "active" })).EnsureSuccessStatusCode();
            }
            await Task.Delay(3000); // the cache bus is polled every second
            var writerSilo = before["event_log_writer"]!.GetValue<string>();
            var victim = nodes.Single(n => writerSilo.Contains($":{n.SiloPort}:", StringComparison.Ordinal));
            var survivors = nodes.Where(n => n != victim).ToList();
            output.WriteLine($"writer on {writerSilo}; partitions: {string.Join(", ", before["partitions"]!.AsArray().Select(p => p!["silo"]))}");

            var acknowledged = new ConcurrentDictionary<int, DateTimeOffset>();
            using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            var ingest = Task.Run(() => IngestAsync(nodes, acknowledged, stop.Token));
            await Json.EventuallyAsync(() => Task.FromResult<JsonNode?>(acknowledged.Count), n => n.GetValue<int>() >= Customers / 3, attempts: 600);

            var killedAt = DateTimeOffset.UtcNow;
            var clock = Stopwatch.StartNew();
            victim.Kill();
            var victimPartitions = before["partitions"]!.AsArray().Count(p => p!["silo"]!.GetValue<string>().Contains($":{victim.SiloPort}:", StringComparison.Ordinal));
            // Recovery: every partition answers from a survivor and the victim is voted dead.
            using var survivorAdmin = await survivors[0].AdminClientAsync();
            await Json.EventuallyAsync(() => ViewAsync(survivorAdmin),
                c => c["partitions"]!.AsArray().All(p => !p!["silo"]!.GetValue<string>().Contains($":{victim.SiloPort}:", StringComparison.Ordinal))
                    && c["members"]!.AsArray().Any(m => m!["address"]!.GetValue<string>().Contains($":{victim.SiloPort}:", StringComparison.Ordinal) && m["status"]!.GetValue<string>() == "Dead"),
                attempts: 600);
            var partitionsBack = clock.Elapsed;
            await ingest;
            var firstAckAfterKill = acknowledged.Values.Where(t => t > killedAt).DefaultIfEmpty(DateTimeOffset.MaxValue).Min() - killedAt;
            output.WriteLine($"killed the writer node (port {victim.SiloPort}, {victimPartitions} partitions): partitions active on survivors after {partitionsBack.TotalSeconds:F1} s; first acknowledged append after {firstAckAfterKill.TotalSeconds:F1} s");
            Assert.Equal(Customers, acknowledged.Count);

            // No acknowledged event lost: each one, sent again, is a duplicate of what the log holds.
            using (var api = survivors[1].ApiClient())
            {
                foreach (var chunk in Enumerable.Range(0, Customers).Chunk(50))
                {
                    var again = await api.PostEventsAsync(new { events = chunk.Select(Order).ToArray() });
                    Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
                    var body = await again.ReadAsync();
                    Assert.Equal(0, body["accepted"]!.GetValue<int>());
                    Assert.Equal(chunk.Length, body["duplicates"]!.GetValue<int>());
                }
            }

            // Audiences answer alike on both survivors, with the exact count.
            var condition = JsonNode.Parse("""{"version":1,"root":{"type":"behavior","event":"order.paid","window":{"last_days":30},"op":"gte","value":1}}""");
            foreach (var node in survivors)
            {
                using var api = node.ApiClient();
                var answer = await Json.EventuallyAsync(async () => await (await api.PostJsonAsync("/api/v1/audiences/preview", new { condition })).ReadAsync(),
                    c => c["count"]?.GetValue<int>() == Customers, attempts: 300);
                Assert.Equal(Customers, answer["count"]!.GetValue<int>());
            }

            // The journey's SMS: every customer exactly once (one key each); a key twice only for a send the kill cut short.
            await Json.EventuallyAsync(() => Task.FromResult<JsonNode?>(_sms.Received.Select(r => r.Key).Distinct().Count()), n => n.GetValue<int>() >= Customers, attempts: 1800);
            await Task.Delay(2000); // anything sent twice would arrive now
            var received = _sms.Received.ToList();
            var perPhone = received.GroupBy(r => r.Phone).ToDictionary(g => g.Key, g => g.Select(r => r.Key).Distinct().Count());
            Assert.Equal(Customers, perPhone.Count);
            Assert.All(perPhone, p => Assert.True(p.Value == 1, $"{p.Key} got {p.Value} different messages"));
            Assert.True(received.Count - perPhone.Count <= 1, $"{received.Count - perPhone.Count} keys sent again");
            Assert.Equal(0, _sms.BadSignatures);
        }
        catch
        {
            try
            {
                using var admin = await nodes.First(n => !n.HasExited).AdminClientAsync();
                output.WriteLine("cluster view: " + await admin.GetStringAsync("/api/v1/cluster"));
            }
            catch (Exception e)
            {
                output.WriteLine("no cluster view: " + e.Message);
            }
            foreach (var node in nodes)
            {
                output.WriteLine($"---- node on silo port {node.SiloPort} ----\n{Tail(node.Output)}");
            }
            throw;
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    /// <summary>The cluster view, or null while the node cannot answer (it is busy recovering).</summary>
    private static async Task<JsonNode?> ViewAsync(HttpClient admin)
    {
        try
        {
            return await admin.GetJsonOrNull("/api/v1/cluster");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    private static string Tail(string text) => text.Length > 3000 ? text[^3000..] : text;

    private string Dir(string name) => Path.Combine(Path.GetTempPath(), "siyu-tests", "cluster-" + _database.Name + "-" + name);

    private static object Journey() => new
    {
        version = 1, name = "下单确认短信", kind = "journey",
        trigger = new { type = "event", @event = "order.paid" },
        steps = new object[] { new { id = "ok", send = new { channel = "sms", topic = "transactional", text = "订单已收到，感谢支持" } } },
    };

    private static object Order(int i) => new
    {
        id = $"cluster-order-{i}", type = "order.paid", timestamp = DateTimeOffset.UtcNow.ToString("O"),
        identifiers = new { phone = Phone(i) }, properties = new { order_id = $"c-{i}", amount = 10 + i },
    };

    /// <summary>Posts every customer's order through the nodes in turn until acknowledged (same id on every try).</summary>
    private static async Task IngestAsync(List<ServerProcess> nodes, ConcurrentDictionary<int, DateTimeOffset> acknowledged, CancellationToken stop)
    {
        var clients = nodes.Select(n => n.ApiClient()).ToList();
        foreach (var c in clients)
        {
            c.Timeout = TimeSpan.FromSeconds(10);
        }
        var turn = 0;
        try
        {
            foreach (var chunk in Enumerable.Range(0, Customers).Chunk(3))
            {
                while (!stop.IsCancellationRequested)
                {
                    var client = clients[turn++ % clients.Count];
                    try
                    {
                        var response = await client.PostEventsAsync(new { events = chunk.Select(Order).ToArray() });
                        if (response.StatusCode == HttpStatusCode.Accepted)
                        {
                            foreach (var i in chunk)
                            {
                                acknowledged[i] = DateTimeOffset.UtcNow;
                            }
                            break;
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                    {
                        // a killed node, or the writer moving: try the next node
                    }
                    await Task.Delay(100, CancellationToken.None);
                }
                await Task.Delay(60, CancellationToken.None);
            }
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection
{
    public const string Name = "cluster";
}
