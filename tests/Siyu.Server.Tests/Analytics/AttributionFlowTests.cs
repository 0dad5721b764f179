using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Siyu.Server.Tests.Audiences;

namespace Siyu.Server.Tests.Analytics;

/// <summary>Attribution from a real server's event log, against a chain computed by hand.</summary>
public sealed class AttributionFlowTests : IAsyncLifetime
{
    private readonly MovableTime _time = new(new DateTimeOffset(2026, 11, 30, 20, 0, 0, TimeSpan.FromHours(8)));
    private readonly SiyuFactory _factory;
    private HttpClient _api = null!;
    private HttpClient _admin = null!;

    public AttributionFlowTests() => _factory = new SiyuFactory(time: _time);

    public async Task InitializeAsync()
    {
        _api = _factory.ApiClient();
        _admin = await _factory.AdminClientAsync();
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private static DateTimeOffset Day(int day) => new(2026, 11, day, 10, 0, 0, TimeSpan.FromHours(8));

    private async Task PathAsync(string phone, params (string Type, DateTimeOffset At, object Properties)[] events) =>
        (await _api.PostEventsAsync(new
        {
            events = events.Select((e, i) => new { id = $"{phone}-{i}", type = e.Type, timestamp = e.At.ToString("O"), identifiers = new { phone }, properties = e.Properties }).ToArray(),
        })).EnsureSuccessStatusCode();

    [Fact]
    public async Task Conversions_are_attributed_to_the_touchpoints_before_them()
    {
        await PathAsync("13500000001", ("customer.added", Day(3), new { channel = "直播间" }), ("message.clicked", Day(4), new { url = "x" }), ("order.paid", Day(5), new { order_id = "a1", amount = 100 }));
        await PathAsync("13500000002", ("message.clicked", Day(6), new { url = "x" }), ("order.paid", Day(7), new { order_id = "b1", amount = 50 }));
        await PathAsync("13500000003", ("customer.added", Day(8), new { channel = "地推" }));
        await PathAsync("13500000004", ("order.paid", Day(9), new { order_id = "d1", amount = 30 }));
        var query = new
        {
            touchpoints = new object[] { new { @event = "customer.added", channel_property = "channel" }, new { @event = "message.clicked" } },
            conversion = new { @event = "order.paid" }, lookback = "30d", from = "2026-11-01", to = "2026-11-30",
        };

        var bad = await _admin.PostAsJsonAsync("/api/v1/analytics/attribution", new { touchpoints = Array.Empty<object>(), lookback = "a month" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadAsStringAsync();
        Assert.Contains("\"touchpoints\"", problem, StringComparison.Ordinal);
        Assert.Contains("\"lookback\"", problem, StringComparison.Ordinal);

        var result = await Json.EventuallyAsync(async () => await (await _admin.PostAsJsonAsync("/api/v1/analytics/attribution", query)).ReadAsync(),
            r => r["conversions"]!.GetValue<long>() == 3 && r["non_converting_paths"]!.GetValue<long>() == 1);
        Assert.Equal(1, result["conversions_without_touch"]!.GetValue<long>());
        Assert.Equal(180, result["value"]!.GetValue<double>(), 9);
        var channels = result["channels"]!.AsArray().ToDictionary(c => c!["channel"]!.GetValue<string>(), c => c!);
        // By hand: start → 直播间 / message.clicked / 地推 (1/3 each); 直播间 → clicked; clicked → conversion; 地推 → null.
        // P = 2/3; without 直播间 1/3 (RE 1/2); without clicked 0 (RE 1); without 地推 2/3 (RE 0).
        Assert.Equal(0.5, channels["直播间"]["removal_effect"]!.GetValue<double>(), 9);
        Assert.Equal(2.0 / 3, channels["直播间"]["markov_conversions"]!.GetValue<double>(), 9);
        Assert.Equal(4.0 / 3, channels["message.clicked"]["markov_conversions"]!.GetValue<double>(), 9);
        Assert.Equal(100, channels["message.clicked"]["markov_value"]!.GetValue<double>(), 9);
        Assert.Equal(0, channels["地推"]["markov_conversions"]!.GetValue<double>(), 9);
        Assert.Equal(2, channels["message.clicked"]["last_touch_conversions"]!.GetValue<double>(), 9);
        Assert.Equal(0.5, channels["直播间"]["linear_conversions"]!.GetValue<double>(), 9);
    }
}
