using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Siyu.Server.Tests.Durability;

/// <summary>
/// Journeys under SIGKILL: a real server process runs a three-message SMS journey (send, wait, send, wait, send) for
/// customers who arrive while the process is killed at random moments and restarted. The SMS provider is a real HTTP
/// endpoint in this test that records every request. In the end every customer got every message (none lost), through
/// exactly one idempotency key per step (the journey never ran a step twice), and a key reached the provider more than
/// once only as the resend of a send the kill interrupted (the provider dedupes those by key, per the webhook contract).
/// </summary>
public sealed class JourneyKillTests : IAsyncLifetime
{
    private const int Customers = 60;
    private const int Kills = 4;
    private RecordingSmsProvider _provider = null!;

    public async Task InitializeAsync() => _provider = await RecordingSmsProvider.StartAsync();

    public async Task DisposeAsync() => await _provider.DisposeAsync();

    private static string Phone(int i) => $"1380013{i:D4}";

    private static object Definition() => new
    {
        version = 1, name = "下单短信三连", kind = "journey",
        trigger = new { type = "event", @event = "order.paid" },
        steps = new object[]
        {
            new { id = "a", send = new { channel = "sms", topic = "transactional", text = "A 订单已收到" } },
            new { id = "w1", wait = new { duration = "2s" } },
            new { id = "b", send = new { channel = "sms", topic = "transactional", text = "B 正在备货" } },
            new { id = "w2", wait = new { duration = "3s" } },
            new { id = "c", send = new { channel = "sms", topic = "transactional", text = "C 已发货" } },
        },
    };

    [Fact]
    public async Task Killing_the_process_at_random_points_neither_loses_nor_repeats_a_journey_message()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "siyu-tests", "journey-kill-" + Guid.NewGuid().ToString("N"));
        var args = _provider.ServerArgs;
        var acknowledged = new ConcurrentDictionary<int, bool>();
        var random = new Random();
        var seed = random.Next();
        random = new Random(seed);

        for (var round = 0; round <= Kills; round++)
        {
            await using var server = await ServerProcess.StartAsync(dataDirectory, demo: false, args);
            if (round == 0)
            {
                using var admin = await server.AdminClientAsync();
                var created = await admin.PostAsJsonAsync("/api/v1/journeys", new { definition = Definition() });
                Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
                var id = (await created.ReadAsync())["id"]!.GetValue<long>();
                (await admin.PostAsJsonAsync($"/api/v1/journeys/{id}/status", new { status = "active" })).EnsureSuccessStatusCode();
            }
            if (round == Kills)
            {
                // Last start: no kill; everyone acknowledged so far must be fully served.
                await IngestAsync(server, acknowledged, Enumerable.Range(0, Customers), CancellationToken.None);
                var expected = Customers * 3;
                for (var i = 0; i < 600 && _provider.Received.Select(r => r.Key).Distinct().Count() < expected; i++)
                {
                    await Task.Delay(100);
                }
                break;
            }
            // Customers arrive while the process runs; it is killed after a random moment (seed in the message).
            using var stop = new CancellationTokenSource();
            var slice = Enumerable.Range(round * Customers / Kills, Customers / Kills);
            var ingest = Task.Run(() => IngestAsync(server, acknowledged, slice, stop.Token));
            await Task.Delay(random.Next(300, 6_000));
            server.Kill();
            await stop.CancelAsync();
            await ingest;
        }

        var received = _provider.Received.ToList();
        var distinct = received.GroupBy(r => r.Key).Select(g => g.First()).ToList();
        var report = $"seed {seed}: {received.Count} requests, {distinct.Count} keys";
        Assert.Equal(Customers, acknowledged.Count);
        Assert.Equal(0, _provider.BadSignatures);
        foreach (var i in Enumerable.Range(0, Customers))
        {
            var mine = distinct.Where(r => r.Phone == Phone(i)).ToList();
            // One key per step: had the journey re-run a step (a new occurrence after a replay), two keys would carry the same text.
            Assert.True(mine.Select(r => r.Text).Order().SequenceEqual(["A 订单已收到", "B 正在备货", "C 已发货"]),
                $"{report}; customer {Phone(i)} got: {string.Join(" | ", mine.Select(r => $"{r.Key} {r.Text}"))}");
        }
        // A key arrives twice only when a kill cut a send short (at most one send is in flight per kill).
        var resent = received.Count - distinct.Count;
        Assert.True(resent <= Kills, $"{report}; {resent} repeated keys");
    }

    /// <summary>Posts each customer's order until acknowledged (same event id on every try: ingest is idempotent).</summary>
    private static async Task IngestAsync(ServerProcess server, ConcurrentDictionary<int, bool> acknowledged, IEnumerable<int> customers, CancellationToken stop)
    {
        using var api = server.ApiClient();
        foreach (var chunk in customers.Where(i => !acknowledged.ContainsKey(i)).Chunk(3))
        {
            if (stop.IsCancellationRequested)
            {
                return;
            }
            try
            {
                var response = await api.PostEventsAsync(new
                {
                    events = chunk.Select(i => new
                    {
                        id = $"kill-order-{i}", type = "order.paid", timestamp = DateTimeOffset.UtcNow.ToString("O"),
                        identifiers = new { phone = Phone(i) }, properties = new { order_id = $"kill-{i}", amount = 10 },
                    }).ToArray(),
                });
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    foreach (var i in chunk)
                    {
                        acknowledged[i] = true;
                    }
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                return; // killed
            }
            await Task.Delay(150, CancellationToken.None);
        }
    }
}
