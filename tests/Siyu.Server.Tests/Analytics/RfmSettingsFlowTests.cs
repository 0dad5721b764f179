using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Siyu.Server.Tests.Audiences;

namespace Siyu.Server.Tests.Analytics;

/// <summary>
/// RFM/RFE settings on a real server: fixed thresholds, RFE weights and the six-layer preset give the scores and layers
/// worked out by hand below; back to quintiles rescoring everyone; purchase cycles giving purchase-due dates.
/// </summary>
public sealed class RfmSettingsFlowTests : IAsyncLifetime
{
    private readonly MovableTime _time = new(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.FromHours(8)));
    private readonly SiyuFactory _factory;
    private HttpClient _api = null!;
    private HttpClient _admin = null!;

    public RfmSettingsFlowTests() => _factory = new SiyuFactory(time: _time);

    public async Task InitializeAsync()
    {
        _api = _factory.ApiClient();
        _admin = await _factory.AdminClientAsync();
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private object Order(string phone, int daysAgo, string orderId, int yuan, string? category = null) => new
    {
        type = "order.paid", timestamp = _time.Now.AddDays(-daysAgo).ToString("O"), identifiers = new { phone },
        properties = new { order_id = orderId, amount = yuan, category },
    };

    private object Message(string phone, int daysAgo) => new
    {
        type = "message.received", timestamp = _time.Now.AddDays(-daysAgo).ToString("O"), identifiers = new { phone }, properties = new { text = "你好" },
    };

    private async Task<long> IdAsync(string phone) =>
        (await (await _api.PostEventsAsync(new { events = new[] { new { type = "page.viewed", timestamp = _time.Now.AddDays(-400).ToString("O"), identifiers = new { phone } } } })).ReadAsync())
            ["results"]![0]!["customer_id"]!.GetValue<long>();

    private async Task<JsonNode> ScoresAsync(long id) => (await _api.GetJsonOrNull($"/api/v1/customers/{id}"))!;

    [Fact]
    public async Task Fixed_thresholds_rfe_weights_and_custom_layers_score_as_worked_out_by_hand()
    {
        await _api.PostEventsAsync(new
        {
            events = new object[]
            {
                Order("13700000001", 0, "b1", 100), Message("13700000001", 0), Message("13700000001", 3),
                Order("13700000002", 40, "b2-1", 300), Order("13700000002", 70, "b2-2", 300), Order("13700000002", 100, "b2-3", 300),
                Order("13700000002", 130, "b2-4", 300), Order("13700000002", 160, "b2-5", 300),
                Order("13700000003", 100, "b3-1", 50), Order("13700000003", 130, "b3-2", 50),
                Message("13700000004", 0), Message("13700000004", 1), Message("13700000004", 2), Message("13700000004", 5),
                Message("13700000004", 8), Message("13700000004", 13), Message("13700000004", 21),
                Message("13700000004", 40), // outside the 30-day window: not counted
            },
        });
        var (b1, b2, b3, browser) = (await IdAsync("13700000001"), await IdAsync("13700000002"), await IdAsync("13700000003"), await IdAsync("13700000004"));
        await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{browser}"), c => c["event_counts"]?["message.received"]?.GetValue<int>() == 8);
        await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{b2}"), c => c["orders"]!.GetValue<int>() == 5);

        var saved = await _admin.PutAsJsonAsync("/api/v1/analytics/settings", new
        {
            rfm = new
            {
                mode = "fixed",
                @fixed = new { recency_days = new[] { 30, 60, 90, 180 }, orders = new[] { 2, 3, 5, 10 }, spend = new[] { 200, 500, 1000, 5000 }, interactions = new[] { 1, 3, 6, 10 } },
                rfe_weights = new[] { 0.5, 0.3, 0.2 },
                layers = new object[]
                {
                    new { name = "高价值", r_min = 4, f_min = 4, m_min = 4 }, new { name = "重要保持", r_max = 3, f_min = 4, m_min = 4 },
                    new { name = "新客", r_min = 4, f_max = 1 }, new { name = "潜力", r_min = 3 }, new { name = "沉默", r_min = 2, r_max = 2 }, new { name = "流失", r_max = 1 },
                },
            },
        });
        Assert.True(saved.IsSuccessStatusCode, await saved.Content.ReadAsStringAsync());

        // b1: 0 days → R5; 1 order → F1; ¥100 → M1; 2 messages in 30 days → E2 (≥ 1, < 3). RFE = .5·5 + .3·1 + .2·2 = 3.2. 新客.
        // b2: 40 days → R4; 5 orders → F4; ¥1,500 → M4; no interaction → E1. RFE = 2 + 1.2 + .2 = 3.4. 高价值.
        // b3: 100 days → R2; 2 orders → F2; ¥100 → M1; E1. 沉默 (R = 2; no earlier layer holds).
        // browser: never paid → R, F, M 0; 7 messages in the window → E4 (≥ 6). RFE = .2·4 = 0.8. 无购买客户.
        var expected = new[]
        {
            (b1, 5, 1, 1, 2, 3.2, "新客"), (b2, 4, 4, 4, 1, 3.4, "高价值"), (b3, 2, 2, 1, 1, 0.5 * 2 + 0.3 * 2 + 0.2 * 1, "沉默"), (browser, 0, 0, 0, 4, 0.8, "无购买客户"),
        };
        foreach (var (id, r, f, m, e, rfe, layer) in expected)
        {
            var c = await ScoresAsync(id);
            var s = c["scores"]!;
            Assert.Equal((r, f, m, e), ((int)s["rfm_r"]!.GetValue<double>(), (int)s["rfm_f"]!.GetValue<double>(), (int)s["rfm_m"]!.GetValue<double>(), (int)s["rfe_e"]!.GetValue<double>()));
            Assert.Equal(rfe, s["rfe"]!.GetValue<double>(), 2);
            Assert.Equal(layer, c["rfm_segment"]!.GetValue<string>());
        }

        var view = await (await _admin.GetAsync("/api/v1/analytics/rfm")).ReadAsync();
        Assert.Equal("fixed", view["mode"]!.GetValue<string>());
        var layers = view["segments"]!.AsArray().ToDictionary(x => x!["segment"]!.GetValue<string>(), x => x!["customers"]!.GetValue<int>());
        Assert.Equal(new Dictionary<string, int> { ["高价值"] = 1, ["重要保持"] = 0, ["新客"] = 1, ["潜力"] = 0, ["沉默"] = 1, ["流失"] = 0, ["无购买客户"] = 1 }, layers);
        Assert.Equal([2, 1, 0, 1, 0], view["e_scores"]!.AsArray().Select(x => x!.GetValue<int>())); // customers with E = 1 … 5

        // Each layer's condition selects exactly the layer's customers (earlier layers excluded: the first match wins).
        foreach (var segment in view["segments"]!.AsArray())
        {
            var count = await (await _api.PostJsonAsync("/api/v1/audiences/preview", new { condition = segment!["condition"] })).ReadAsync();
            Assert.True(count["count"] is not null, count.ToJsonString());
            Assert.Equal(segment["customers"]!.GetValue<int>(), count["count"]!.GetValue<int>());
        }

        // Audiences read RFE like any score: E ≥ 2 is b1 and the browser.
        var preview = await (await _api.PostJsonAsync("/api/v1/audiences/preview", new { condition = new { version = 1, root = new { type = "score", name = "rfe_e", op = "gte", value = 2 } } })).ReadAsync();
        Assert.Equal(2, preview["count"]!.GetValue<int>());

        // Back to quintiles over the three buyers: R by 1 + ⌊5 × worse / 3⌋ — b1 (0 days) 1 + ⌊10/3⌋ = 4, b2 2, b3 1.
        Assert.True((await _admin.PutAsJsonAsync("/api/v1/analytics/settings", new { rfm = new { mode = "quintiles" } })).IsSuccessStatusCode);
        var quintileR = new List<double>();
        foreach (var id in new[] { b1, b2, b3 })
        {
            quintileR.Add((await ScoresAsync(id))["scores"]!["rfm_r"]!.GetValue<double>());
        }
        Assert.Equal([4.0, 2.0, 1.0], quintileR);
    }

    [Fact]
    public async Task Purchase_cycles_give_each_customer_a_due_date_journeys_can_use()
    {
        // 猫粮 bought every 30 days by two customers (intervals 30, 30, 30): the median cycle is 30 days.
        await _api.PostEventsAsync(new
        {
            events = new object[]
            {
                Order("13600000001", 70, "d1-1", 99, "猫粮"), Order("13600000001", 40, "d1-2", 99, "猫粮"), Order("13600000001", 10, "d1-3", 99, "猫粮"),
                Order("13600000002", 50, "d2-1", 99, "猫粮"), Order("13600000002", 20, "d2-2", 99, "猫粮"),
                Order("13600000003", 5, "d3-1", 30, "玩具"), // nobody bought 玩具 twice: no cycle, no due date
            },
        });
        var (d1, d2, d3) = (await IdAsync("13600000001"), await IdAsync("13600000002"), await IdAsync("13600000003"));
        await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{d2}"), c => c["orders"]!.GetValue<int>() == 2);
        Assert.True((await _admin.PostAsync("/api/v1/analytics/rfm/refresh", null)).IsSuccessStatusCode);

        var c1 = await ScoresAsync(d1);
        Assert.Equal(_time.Now.AddDays(-10 + 30).UtcDateTime, c1["purchase_due_at"]!.GetValue<DateTime>().ToUniversalTime());
        Assert.Equal(20, c1["scores"]!["purchase_due_days"]!.GetValue<double>());
        Assert.Equal(10, (await ScoresAsync(d2))["scores"]!["purchase_due_days"]!.GetValue<double>());
        var c3 = await ScoresAsync(d3);
        Assert.Null(c3["purchase_due_at"]);
        Assert.Null(c3["scores"]!["purchase_due_days"]);

        // A reminder five days before the cycle is up is a valid journey trigger.
        var validation = await _admin.PostAsJsonAsync("/api/v1/journeys/validate", new
        {
            definition = new
            {
                version = 1, name = "复购提醒", trigger = new { type = "date_relative", attribute = "purchase_due_at", days_before = 5, at = "10:00" },
                steps = new object[] { new { id = "remind", send = new { channel = "wecom_private", topic = "reminder", text = "{name}，猫粮快吃完了吧？" } } },
            },
        });
        Assert.True(validation.IsSuccessStatusCode, await validation.Content.ReadAsStringAsync());
    }
}
