using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Siyu.Server.Tests.Audiences;

namespace Siyu.Server.Tests.Analytics;

/// <summary>
/// RFM on a real server: orders in, a run, scores on every profile and in audiences, checked against the definition
/// computed here from the orders the test sent (1 + ⌊5 × customers strictly worse / customers who paid⌋).
/// </summary>
public sealed class RfmFlowTests : IAsyncLifetime
{
    private readonly MovableTime _time = new(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.FromHours(8)));
    private readonly SiyuFactory _factory;
    private HttpClient _api = null!;
    private HttpClient _admin = null!;

    public RfmFlowTests() => _factory = new SiyuFactory(time: _time);

    public async Task InitializeAsync()
    {
        _api = _factory.ApiClient();
        _admin = await _factory.AdminClientAsync();
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private sealed record Buyer(string Phone, int Orders, int Yuan, int DaysAgo)
    {
        public long Id { get; set; }
    }

    private static int Score(IReadOnlyList<Buyer> all, Buyer me, Func<Buyer, long> goodness) =>
        1 + 5 * all.Count(b => goodness(b) < goodness(me)) / all.Count;

    [Fact]
    public async Task A_run_scores_every_customer_and_a_new_order_rescores_at_once()
    {
        var random = new Random(3);
        var buyers = Enumerable.Range(0, 40).Select(i => new Buyer($"1370000{i:D4}", 1 + random.Next(4), 50 * (1 + random.Next(20)), random.Next(0, 200))).ToList();
        foreach (var chunk in buyers.Chunk(10))
        {
            var events = chunk.SelectMany(b => Enumerable.Range(0, b.Orders).Select(k => new
            {
                type = "order.paid", timestamp = _time.Now.AddDays(-b.DaysAgo - 30 * k).ToString("O"), identifiers = new { phone = b.Phone },
                properties = new { order_id = $"{b.Phone}-{k}", amount = b.Yuan },
            })).ToArray();
            var body = await (await _api.PostEventsAsync(new { events })).ReadAsync();
            foreach (var r in body["results"]!.AsArray())
            {
                var index = r!["index"]!.GetValue<int>();
                var phone = events[index].identifiers.phone;
                buyers.Single(b => b.Phone == phone).Id = r["customer_id"]!.GetValue<long>();
            }
        }
        // Someone who never bought.
        var browser = (await (await _api.PostEventsAsync(new { events = new[] { new { type = "page.viewed", timestamp = _time.Now.ToString("O"), identifiers = new { phone = "13799999999" } } } })).ReadAsync())["results"]![0]!["customer_id"]!.GetValue<long>();
        await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{buyers[^1].Id}"), c => c["orders"]!.GetValue<int>() == buyers[^1].Orders);
        await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{browser}"), c => c["id"] is not null);

        var run = await _admin.PostAsync("/api/v1/analytics/rfm/refresh", null);
        Assert.True(run.IsSuccessStatusCode, await run.Content.ReadAsStringAsync());
        var view = await run.ReadAsync();
        Assert.Equal(40, view["scored"]!.GetValue<int>());
        Assert.Equal(41, view["customers"]!.GetValue<int>());
        Assert.Equal(40, view["segments"]!.AsArray().Where(s => s!["segment"]!.GetValue<string>() != "无购买客户").Sum(s => s!["customers"]!.GetValue<int>()));

        foreach (var b in buyers.Take(12))
        {
            var customer = await _api.GetJsonOrNull($"/api/v1/customers/{b.Id}");
            var scores = customer!["scores"]!;
            Assert.Equal(Score(buyers, b, x => -x.DaysAgo), scores["rfm_r"]!.GetValue<double>());
            Assert.Equal(Score(buyers, b, x => x.Orders), scores["rfm_f"]!.GetValue<double>());
            Assert.Equal(Score(buyers, b, x => (long)x.Orders * x.Yuan), scores["rfm_m"]!.GetValue<double>());
        }
        Assert.Equal("无购买客户", (await _api.GetJsonOrNull($"/api/v1/customers/{browser}"))!["rfm_segment"]!.GetValue<string>());

        // Audiences read the scores: R ≥ 4 is exactly the customers the definition puts there.
        var preview = await (await _api.PostJsonAsync("/api/v1/audiences/preview", new
        {
            condition = new { version = 1, root = new { type = "score", name = "rfm_r", op = "gte", value = 4 } },
        })).ReadAsync();
        Assert.Equal(buyers.Count(b => Score(buyers, b, x => -x.DaysAgo) >= 4), preview["count"]!.GetValue<int>());

        // The least frequent buyer orders ten more times today: rescored with the same cut points, no new run.
        var least = buyers.OrderBy(b => b.Orders).ThenBy(b => b.Yuan).First();
        await _api.PostEventsAsync(new
        {
            events = Enumerable.Range(0, 10).Select(k => new { type = "order.paid", timestamp = _time.Now.ToString("O"), identifiers = new { phone = least.Phone }, properties = new { order_id = $"{least.Phone}-new-{k}", amount = 1000 } }).ToArray(),
        });
        var rescored = await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{least.Id}"), c => c["orders"]!.GetValue<int>() == least.Orders + 10);
        Assert.Equal(5, rescored["scores"]!["rfm_f"]!.GetValue<double>());
        Assert.Equal(5, rescored["scores"]!["rfm_r"]!.GetValue<double>());
    }
}
