using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Siyu.Server.Tests.Audiences;

namespace Siyu.Server.Tests.Analytics;

/// <summary>
/// Lifecycle stages on a real server: customers whose histories put them in each stage by the default rules (worked
/// out by hand below), the board, a manual move with its history, changed rules, and bad input.
/// </summary>
public sealed class LifecycleFlowTests : IAsyncLifetime
{
    private readonly MovableTime _time = new(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.FromHours(8)));
    private readonly SiyuFactory _factory;
    private HttpClient _api = null!;
    private HttpClient _admin = null!;

    public LifecycleFlowTests() => _factory = new SiyuFactory(time: _time);

    public async Task InitializeAsync()
    {
        _api = _factory.ApiClient();
        _admin = await _factory.AdminClientAsync();
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private object Order(string phone, int daysAgo, int k, string? category = null) => new
    {
        type = "order.paid", timestamp = _time.Now.AddDays(-daysAgo).ToString("O"), identifiers = new { phone },
        properties = new { order_id = $"{phone}-{k}", amount = 100, category },
    };

    private object Event(string type, string phone, int daysAgo, object? properties = null) => new
    {
        type, timestamp = _time.Now.AddDays(-daysAgo).ToString("O"), identifiers = new { phone }, properties = properties ?? new { },
    };

    private async Task<Dictionary<string, long>> SendAsync(params object[] events)
    {
        var body = await (await _api.PostEventsAsync(new { events })).ReadAsync();
        var ids = new Dictionary<string, long>();
        foreach (var r in body["results"]!.AsArray())
        {
            var phone = ((dynamic)events[r!["index"]!.GetValue<int>()]).identifiers.phone;
            ids[(string)phone] = r["customer_id"]!.GetValue<long>();
        }
        return ids;
    }

    private async Task<JsonNode> StageAsync(long id, string stage) =>
        await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{id}"), c => c["lifecycle"]?["stage"]?.GetValue<string>() == stage);

    private async Task<Dictionary<string, int>> CountsAsync() =>
        (await (await _admin.GetAsync("/api/v1/analytics/lifecycle?per_stage=5")).ReadAsync())["stages"]!.AsArray()
            .ToDictionary(s => s!["stage"]!.GetValue<string>(), s => s!["customers"]!.GetValue<int>());

    [Fact]
    public async Task Stages_follow_the_rules_moves_hold_and_changed_rules_apply_at_once()
    {
        // Default rules: new < 30 days after the first order, loyal ≥ 3 orders, silent ≥ 90 and churned ≥ 180 days
        // without an order or an interaction, churned also when the customer removed every staff member.
        var ids = await SendAsync(
            Event("page.viewed", "13800000001", 0),                                           // P: no order → prospect
            Order("13800000002", 5, 0),                                                       // N: first order 5 days ago → new
            Order("13800000003", 60, 0), Order("13800000003", 20, 1),                         // A: 2 orders, first 60 days ago → active
            Order("13800000004", 70, 0), Order("13800000004", 40, 1), Order("13800000004", 10, 2), // L: 3 orders → loyal
            Order("13800000005", 100, 0),                                                     // S: 100 days without → silent
            Order("13800000006", 200, 0),                                                     // C: 200 days without → churned
            Event("customer.added", "13800000007", 50, new { staff_userid = "zhangsan" }),
            Order("13800000007", 10, 0),
            Event("customer.deleted", "13800000007", 1, new { staff_userid = "zhangsan" }));  // R: removed the only staff → churned
        await StageAsync(ids["13800000007"], "churned");
        Assert.Equal("prospect", (await StageAsync(ids["13800000001"], "prospect"))["lifecycle"]!["stage"]!.GetValue<string>());
        await StageAsync(ids["13800000002"], "new");
        await StageAsync(ids["13800000003"], "active");
        await StageAsync(ids["13800000004"], "loyal");
        await StageAsync(ids["13800000005"], "silent");
        await StageAsync(ids["13800000006"], "churned");
        Assert.Equal(new Dictionary<string, int> { ["prospect"] = 1, ["new"] = 1, ["active"] = 1, ["loyal"] = 1, ["silent"] = 1, ["churned"] = 2 }, await CountsAsync());
        var board = await (await _admin.GetAsync("/api/v1/analytics/lifecycle")).ReadAsync();
        Assert.Equal(7, board["customers"]!.GetValue<int>());
        Assert.Equal("流失", board["stages"]![5]!["name"]!.GetValue<string>());
        Assert.Equal(2, board["stages"]![5]!["cards"]!.AsArray().Count);

        // The operator moves N (new by the rules) to loyal: the move holds while the rules keep saying new.
        var moved = await _admin.PostAsJsonAsync($"/api/v1/customers/{ids["13800000002"]}/lifecycle", new { stage = "loyal", reason = "签约年卡", key = "move-1" });
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        var seq = (await moved.ReadAsync())["seq"]!.GetValue<long>();
        var again = await _admin.PostAsJsonAsync($"/api/v1/customers/{ids["13800000002"]}/lifecycle", new { stage = "loyal", reason = "签约年卡", key = "move-1" });
        Assert.Equal(seq, (await again.ReadAsync())["seq"]!.GetValue<long>()); // a retried request is the same move
        var n = await StageAsync(ids["13800000002"], "loyal");
        Assert.True(n["lifecycle"]!["manual"]!.GetValue<bool>());
        Assert.Equal("忠诚", n["lifecycle"]!["stage_name"]!.GetValue<string>());
        var history = n["lifecycle"]!["history"]!.AsArray();
        Assert.Equal(["new", "loyal"], history.Select(h => h!["stage"]!.GetValue<string>()));
        Assert.Equal("签约年卡", history[1]!["reason"]!.GetValue<string>());
        Assert.True(history[1]!["manual"]!.GetValue<bool>());
        Assert.False(history[0]!["manual"]!.GetValue<bool>());
        Assert.Equal(2, (await CountsAsync())["loyal"]);

        // Tighter rules: silent after 15 days, churned after 150. A (last order 20 days ago) falls silent, C stays
        // churned, N's manual stage holds (the rules still say new), L (10 days) stays loyal.
        var saved = await _admin.PutAsJsonAsync("/api/v1/analytics/settings", new { lifecycle = new { silent_days = 15, churned_days = 150 } });
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.Equal(30, (await saved.ReadAsync())["lifecycle"]!["new_days"]!.GetValue<int>()); // omitted fields keep their values
        await StageAsync(ids["13800000003"], "silent");
        await StageAsync(ids["13800000002"], "loyal");
        Assert.Equal(new Dictionary<string, int> { ["prospect"] = 1, ["new"] = 0, ["active"] = 0, ["loyal"] = 2, ["silent"] = 2, ["churned"] = 2 }, await CountsAsync());
        Assert.Equal(15, (await (await _admin.GetAsync("/api/v1/analytics/settings")).ReadAsync())["lifecycle"]!["silent_days"]!.GetValue<int>());
    }

    [Fact]
    public async Task Bad_moves_and_bad_settings_are_refused_with_the_field_at_fault()
    {
        var ids = await SendAsync(Order("13900000001", 3, 0));
        var id = ids["13900000001"];
        await StageAsync(id, "new");

        async Task<JsonObject> Problem(HttpResponseMessage response)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            return (await response.ReadAsync())["errors"]!.AsObject();
        }
        Assert.True((await Problem(await _admin.PostAsJsonAsync($"/api/v1/customers/{id}/lifecycle", new { stage = "vip" }))).ContainsKey("stage"));
        Assert.True((await Problem(await _admin.PostAsJsonAsync($"/api/v1/customers/{id}/lifecycle", new { stage = "loyal", reason = new string('长', 201) }))).ContainsKey("reason"));
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.PostAsJsonAsync("/api/v1/customers/987654321/lifecycle", new { stage = "loyal" })).StatusCode);
        Assert.True((await Problem(await _admin.GetAsync("/api/v1/analytics/lifecycle?per_stage=500"))).ContainsKey("per_stage"));

        Assert.True((await Problem(await _admin.PutAsJsonAsync("/api/v1/analytics/settings", new { lifecycle = new { silent_days = 400 } }))).ContainsKey("lifecycle.churned_days"));
        Assert.True((await Problem(await _admin.PutAsJsonAsync("/api/v1/analytics/settings", new { rfm = new { mode = "median" } }))).ContainsKey("rfm.mode"));
        Assert.True((await Problem(await _admin.PutAsJsonAsync("/api/v1/analytics/settings", new { rfm = new { layers = "高价值" } }))).ContainsKey("rfm.layers"));
        Assert.True((await Problem(await _admin.PutAsJsonAsync("/api/v1/analytics/settings", new { rfm = new { colour = "red" } }))).ContainsKey("rfm.colour"));
        Assert.True((await Problem(await _admin.PutAsJsonAsync("/api/v1/analytics/settings", new { theme = 1 }))).ContainsKey("theme"));
        Assert.True((await Problem(await _admin.PutAsJsonAsync("/api/v1/analytics/settings", new { rfm = new { fixed_cuts = 1, rfe_weights = new[] { 1, 2 } } }))).ContainsKey("rfm.fixed_cuts"));
        Assert.True((await Problem(await _admin.PutAsJsonAsync("/api/v1/analytics/settings", new { rfm = new { rfe_weights = new[] { 1, 2 } } }))).ContainsKey("rfm.rfe_weights"));

        // Nothing was stored: the settings are still the defaults and the customer is still new.
        var settings = await (await _admin.GetAsync("/api/v1/analytics/settings")).ReadAsync();
        Assert.Equal(90, settings["lifecycle"]!["silent_days"]!.GetValue<int>());
        Assert.Equal("quintiles", settings["rfm"]!["mode"]!.GetValue<string>());
        Assert.Equal(8, settings["rfm"]!["layers"]!.AsArray().Count);
        Assert.Equal("new", (await _api.GetJsonOrNull($"/api/v1/customers/{id}"))!["lifecycle"]!["stage"]!.GetValue<string>());
    }
}
