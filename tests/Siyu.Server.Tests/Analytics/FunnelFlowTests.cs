using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Siyu.Server.Tests.Audiences;

namespace Siyu.Server.Tests.Analytics;

/// <summary>A funnel over a real server's event log, against customers whose paths were written by hand.</summary>
public sealed class FunnelFlowTests : IAsyncLifetime
{
    private readonly MovableTime _time = new(new DateTimeOffset(2026, 11, 30, 20, 0, 0, TimeSpan.FromHours(8)));
    private readonly SiyuFactory _factory;
    private HttpClient _api = null!;
    private HttpClient _admin = null!;

    public FunnelFlowTests() => _factory = new SiyuFactory(time: _time);

    public async Task InitializeAsync()
    {
        _api = _factory.ApiClient();
        _admin = await _factory.AdminClientAsync();
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private static DateTimeOffset Day(int day, int hour = 10) => new(2026, 11, day, hour, 0, 0, TimeSpan.FromHours(8));

    private async Task<long> PathAsync(string phone, params (string Type, DateTimeOffset At, object? Properties)[] events)
    {
        var body = await (await _api.PostEventsAsync(new
        {
            events = events.Select((e, i) => new { id = $"{phone}-{i}", type = e.Type, timestamp = e.At.ToString("O"), identifiers = new { phone }, properties = e.Properties ?? new { } }).ToArray(),
        })).ReadAsync();
        return body["results"]![0]!["customer_id"]!.GetValue<long>();
    }

    private static object Query(object? breakdown = null, int? step = null) => new
    {
        steps = new object[]
        {
            new { @event = "page.viewed", where = new { page = "course" } },
            new { @event = "message.clicked" },
            new { @event = "order.paid" },
        },
        window = "7d", order = "loose", from = "2026-11-10", to = "2026-11-30", breakdown, step,
    };

    [Fact]
    public async Task Customers_are_counted_at_the_step_they_reached_and_drop_offs_become_an_audience()
    {
        var full = await PathAsync("13600000001", ("page.viewed", Day(12), new { page = "course" }), ("message.clicked", Day(12, 11), null), ("order.paid", Day(13), new { order_id = "f1", amount = 99 }));
        var clicked = await PathAsync("13600000002", ("page.viewed", Day(14), new { page = "course" }), ("message.clicked", Day(15), null));
        await PathAsync("13600000003", ("page.viewed", Day(14), new { page = "home" }), ("message.clicked", Day(15), null));            // wrong page: never starts
        var noClick = await PathAsync("13600000004", ("page.viewed", Day(16), new { page = "course" }), ("order.paid", Day(17), new { order_id = "f4", amount = 9 }));
        var late = await PathAsync("13600000005", ("page.viewed", Day(18), new { page = "course" }), ("message.clicked", Day(26), null)); // after 7 days
        await PathAsync("13600000006", ("page.viewed", Day(5), new { page = "course" }), ("message.clicked", Day(6), null));            // started before from
        // Strictly ordered: a click before the view does not count.
        var backwards = await PathAsync("13600000007", ("message.clicked", Day(20), null), ("page.viewed", Day(21), new { page = "course" }));

        var bad = await _admin.PostAsJsonAsync("/api/v1/analytics/funnels/query", new { steps = new object[] { new { @event = "page.viewed" } }, window = "7 days" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadAsStringAsync();
        Assert.Contains("\"steps\"", problem, StringComparison.Ordinal);
        Assert.Contains("\"window\"", problem, StringComparison.Ordinal);

        var result = await Json.EventuallyAsync(async () => await (await _admin.PostAsJsonAsync("/api/v1/analytics/funnels/query", Query())).ReadAsync(),
            r => r["steps"]![0]!["reached"]!.GetValue<long>() == 5);
        Assert.Equal([5L, 2L, 1L], result["steps"]!.AsArray().Select(s => s!["reached"]!.GetValue<long>()));
        Assert.Equal(0.4, result["steps"]![1]!["step_conversion"]!.GetValue<double>(), 9);
        Assert.Equal(0.2, result["steps"]![2]!["overall"]!.GetValue<double>(), 9);

        // Breakdown by a tag the first two carry.
        var group = (await (await _admin.PostAsJsonAsync("/api/v1/tag-groups", new { name = "漏斗测试" })).ReadAsync())["id"]!.GetValue<long>();
        var tag = (await (await _admin.PostAsJsonAsync("/api/v1/tags", new { group_id = group, name = "老学员" })).ReadAsync())["id"]!.GetValue<long>();
        foreach (var id in new[] { full, clicked })
        {
            (await _admin.PostAsJsonAsync($"/api/v1/customers/{id}/tags", new { add = new[] { tag } })).EnsureSuccessStatusCode();
        }
        await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{clicked}"), c => c["tags"]!.AsArray().Count == 1);
        var split = await (await _admin.PostAsJsonAsync("/api/v1/analytics/funnels/query", Query(breakdown: $"tag:{tag}"))).ReadAsync();
        var groups = split["groups"]!.AsArray().ToDictionary(g => g!["key"]!.GetValue<string>(), g => g!["reached"]!.AsArray().Select(x => x!.GetValue<long>()).ToArray());
        Assert.Equal([2L, 2L, 1L], groups["有「老学员」"]);
        Assert.Equal([3L, 0L, 0L], groups["无「老学员」"]);

        // Who clicked but did not buy: one customer, saved as an audience.
        var saved = await _admin.PostAsJsonAsync("/api/v1/analytics/funnels/dropoff", Query(step: 2));
        Assert.True(saved.StatusCode == HttpStatusCode.Created, await saved.Content.ReadAsStringAsync());
        var audience = (await saved.ReadAsync())["audience_id"]!.GetValue<long>();
        var members = await _admin.GetJsonOrNull($"/api/v1/audiences/{audience}/members");
        Assert.Equal([clicked], members!["ids"]!.AsArray().Select(x => x!.GetValue<long>()));
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.PostAsJsonAsync("/api/v1/analytics/funnels/dropoff", Query(step: 3))).StatusCode);
        _ = (noClick, late, backwards);
    }
}
