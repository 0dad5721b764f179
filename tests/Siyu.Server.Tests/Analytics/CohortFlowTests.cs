using System.Net;
using System.Net.Http.Json;
using Siyu.Server.Tests.Audiences;

namespace Siyu.Server.Tests.Analytics;

/// <summary>Weekly retention cohorts from a real server's log, against weeks counted by hand.</summary>
public sealed class CohortFlowTests : IAsyncLifetime
{
    private readonly MovableTime _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.FromHours(8)));
    private readonly SiyuFactory _factory;
    private HttpClient _api = null!;
    private HttpClient _admin = null!;

    public CohortFlowTests() => _factory = new SiyuFactory(time: _time);

    public async Task InitializeAsync()
    {
        _api = _factory.ApiClient();
        _admin = await _factory.AdminClientAsync();
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private static string Day(int day) => new DateTimeOffset(2026, 11, day, 10, 0, 0, TimeSpan.FromHours(8)).ToString("O");

    [Fact]
    public async Task Customers_join_the_week_of_their_first_add_and_count_in_the_weeks_they_were_active()
    {
        (await _api.PostEventsAsync(new
        {
            events = new object[]
            {
                new { id = "a1", type = "customer.added", timestamp = Day(2), identifiers = new { phone = "13400000001" }, properties = new { channel = "直播间" } },
                new { id = "a2", type = "order.paid", timestamp = Day(12), identifiers = new { phone = "13400000001" }, properties = new { order_id = "o1", amount = 10 } },
                new { id = "b1", type = "customer.added", timestamp = Day(4), identifiers = new { phone = "13400000002" }, properties = new { channel = "地推" } },
                new { id = "b2", type = "page.viewed", timestamp = Day(17), identifiers = new { phone = "13400000002" }, properties = new { page = "x" } },
                new { id = "b3", type = "customer.added", timestamp = Day(18), identifiers = new { phone = "13400000002" }, properties = new { channel = "直播间" } }, // a re-add does not move the cohort
                new { id = "c1", type = "customer.added", timestamp = Day(10), identifiers = new { phone = "13400000003" }, properties = new { channel = "直播间" } },
                new { id = "c2", type = "tag.viewed", timestamp = Day(24), identifiers = new { phone = "13400000003" }, properties = new { x = 1 } }, // not an activity type
            },
        })).EnsureSuccessStatusCode();

        var bad = await _admin.PostAsJsonAsync("/api/v1/analytics/cohorts", new { period = "day" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("\"period\"", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var result = await Json.EventuallyAsync(async () => await (await _admin.PostAsJsonAsync("/api/v1/analytics/cohorts",
            new { period = "week", periods = 6, from = "2026-11-01", to = "2026-11-25" })).ReadAsync(), r => r["rows"]!.AsArray().Count == 2);
        var first = result["rows"]![0]!;
        Assert.Equal("2026-11-02", first["start"]!.GetValue<string>());
        Assert.Equal(2, first["size"]!.GetValue<int>());
        // Weeks from 11-02: 11-02 (the adds are not activity), 11-09 (an order), 11-16 (a page view), 11-23 (nothing yet).
        Assert.Equal([0, 1, 1, 0], first["retained"]!.AsArray().Select(x => x!.GetValue<int>()));
        Assert.Equal([0, 0, 0], result["rows"]![1]!["retained"]!.AsArray().Select(x => x!.GetValue<int>()));

        var byChannel = await (await _admin.PostAsJsonAsync("/api/v1/analytics/cohorts", new { period = "week", from = "2026-11-01", breakdown = "channel" })).ReadAsync();
        var groups = byChannel["rows"]!.AsArray().Select(r => (r!["start"]!.GetValue<string>(), r["group"]!.GetValue<string>(), r["size"]!.GetValue<int>())).ToList();
        Assert.Equal([("2026-11-02", "地推", 1), ("2026-11-02", "直播间", 1), ("2026-11-09", "直播间", 1)], groups);
    }

    [Fact]
    public async Task Purchase_cycles_are_the_days_between_repeat_purchases_of_a_category()
    {
        object Order(string id, string phone, int day, string category) =>
            new { id, type = "order.paid", timestamp = Day(day), identifiers = new { phone }, properties = new { order_id = id, amount = 100, category } };
        (await _api.PostEventsAsync(new
        {
            events = new[]
            {
                Order("p1", "13300000001", 1, "奶粉"), Order("p2", "13300000001", 11, "奶粉"), Order("p3", "13300000001", 21, "奶粉"),
                Order("p4", "13300000002", 2, "奶粉"), Order("p5", "13300000002", 17, "奶粉"),
                Order("p6", "13300000002", 3, "玩具"),
            },
        })).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.GetAsync("/api/v1/analytics/purchase-cycles?days=5")).StatusCode);
        var cycles = await Json.EventuallyAsync(() => _admin.GetJsonOrNull("/api/v1/analytics/purchase-cycles"), c => c.AsArray().Count == 1);
        var milk = cycles[0]!;
        Assert.Equal("奶粉", milk["category"]!.GetValue<string>());
        Assert.Equal(3, milk["intervals"]!.GetValue<int>());   // 10, 10, 15
        Assert.Equal(10, milk["median_days"]!.GetValue<double>(), 9);
        Assert.Equal(2, milk["customers"]!.GetValue<int>());
    }
}
