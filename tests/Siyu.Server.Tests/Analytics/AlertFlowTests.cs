using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Siyu.Server.Tests.Audiences;

namespace Siyu.Server.Tests.Analytics;

/// <summary>
/// Alerts on a real server: orders, adds, deletions and staff messages go in through the ingest API, RFM runs, the
/// alert rules run; the test checks which alerts exist and which do not (expected from the definitions with the
/// figures chosen here), that each new alert queued one app message to the right staff member and one copy to the
/// supervisor, that reruns queue nothing, and that acknowledging and auto-resolving work.
/// </summary>
public sealed class AlertFlowTests : IAsyncLifetime
{
    // Tuesday 1 Dec 2026, 10:00 in Shanghai (the tenant's zone): outside quiet hours, ISO week 2026-W49.
    private readonly MovableTime _time = new(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.FromHours(8)));
    private readonly SiyuFactory _factory;
    private HttpClient _api = null!;
    private HttpClient _admin = null!;

    public AlertFlowTests() => _factory = new SiyuFactory(time: _time);

    public async Task InitializeAsync()
    {
        _api = _factory.ApiClient();
        _admin = await _factory.AdminClientAsync();
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private static readonly DateTimeOffset Start = new(2026, 12, 1, 10, 0, 0, TimeSpan.FromHours(8));

    private static string At(int daysAgo) => Start.AddDays(-daysAgo).ToString("O", CultureInfo.InvariantCulture);

    private static string Date(int daysAgo) => DateOnly.FromDateTime(Start.AddDays(-daysAgo).DateTime).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static object Event(string id, string type, int daysAgo, string phone, object? properties = null, object? attributes = null)
    {
        var e = new Dictionary<string, object> { ["id"] = id, ["type"] = type, ["timestamp"] = At(daysAgo), ["identifiers"] = new { phone } };
        if (properties is not null)
        {
            e["properties"] = properties;
        }
        if (attributes is not null)
        {
            e["attributes"] = attributes;
        }
        return e;
    }

    private async Task<long> IngestAsync(params object[] events)
    {
        var response = await _api.PostEventsAsync(new { events });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.ReadAsync())["results"]![0]!["customer_id"]!.GetValue<long>();
    }

    private async Task<JsonArray> AlertsAsync(string query = "") =>
        (await _admin.GetJsonOrNull("/api/v1/analytics/alerts" + query))!.AsArray();

    private async Task<List<JsonNode>> AlertMessagesAsync() =>
        [.. (await _admin.GetJsonOrNull("/api/v1/delivery/messages?limit=500"))!.AsArray()
            .Where(m => m!["origin"]!.GetValue<string>().StartsWith("alert:", StringComparison.Ordinal)).Select(m => m!)];

    private async Task<JsonNode> RunAsync()
    {
        var run = await _admin.PostAsync("/api/v1/analytics/alerts/run", null);
        Assert.True(run.IsSuccessStatusCode, await run.Content.ReadAsStringAsync());
        return await run.ReadAsync();
    }

    [Fact]
    public async Task Alerts_are_raised_once_sent_to_the_right_staff_acknowledged_and_resolved()
    {
        // Five paying customers with distinct net spend: M scores 5, 4, 3, 2, 1 (1 + ⌊5 × customers worse / 5⌋).
        var vip = await IngestAsync(                                                     // M 5, silent 70 days
            Event("a-add", "customer.added", 200, "13900000001", new { staff_userid = "zhang" }, new { name = "王芳" }),
            Event("a-o1", "order.paid", 70, "13900000001", new { order_id = "A1", amount = 5000 }));
        var almost = await IngestAsync(                                                  // M 4, silent 59 days: not yet
            Event("b-add", "customer.added", 200, "13900000002", new { staff_userid = "zhang" }, new { name = "李雷" }),
            Event("b-o1", "order.paid", 59, "13900000002", new { order_id = "B1", amount = 3000 }));
        var overdue = await IngestAsync(                                                 // M 3; every 10 days, 80 days ago last
            Event("c-add", "customer.added", 200, "13900000003", new { staff_userid = "wang" }, new { name = "韩梅梅" }),
            Event("c-o1", "order.paid", 100, "13900000003", new { order_id = "C1", amount = 100 }),
            Event("c-o2", "order.paid", 90, "13900000003", new { order_id = "C2", amount = 100 }),
            Event("c-o3", "order.paid", 80, "13900000003", new { order_id = "C3", amount = 100 }));
        var leaver = await IngestAsync(                                                  // M 2; deleted wang 5 days ago
            Event("d-add", "customer.added", 30, "13900000004", new { staff_userid = "wang" }, new { name = "赵敏" }),
            Event("d-o1", "order.paid", 10, "13900000004", new { order_id = "D1", amount = 200 }),
            Event("d-del", "customer.deleted", 5, "13900000004", new { staff_userid = "wang", by = "customer" }));
        var active = await IngestAsync(                                                  // M 1; bought 5 days ago
            Event("e-add", "customer.added", 100, "13900000005", new { staff_userid = "zhang" }, new { name = "钱多多" }),
            Event("e-o1", "order.paid", 5, "13900000005", new { order_id = "E1", amount = 50 }));

        // Staff conversations (on the active customer's timeline). zhang: 48 in the 28 days before the last week
        // (12 a week), 4 in the last week plus 20 mass-send deliveries that don't count → down 1 − 4/12 = 67 %.
        // wang: 40 before (10 a week), 30 in the last week → no drop.
        var messages = new List<object>();
        for (var k = 0; k < 48; k++)
        {
            messages.Add(Event($"z-base-{k}", k % 2 == 0 ? "message.received" : "message.sent", 8 + k % 27, "13900000005", new { staff_userid = "zhang" }));
        }
        for (var k = 0; k < 4; k++)
        {
            messages.Add(Event($"z-recent-{k}", "message.sent", 1 + k, "13900000005", new { staff_userid = "zhang" }));
        }
        for (var k = 0; k < 20; k++)
        {
            messages.Add(Event($"z-mass-{k}", "message.sent", 3, "13900000005", new { staff_userid = "zhang", channel = "wecom_mass", mass_send_id = k }));
        }
        for (var k = 0; k < 40; k++)
        {
            messages.Add(Event($"w-base-{k}", "message.received", 8 + k % 27, "13900000005", new { staff_userid = "wang" }));
        }
        for (var k = 0; k < 30; k++)
        {
            messages.Add(Event($"w-recent-{k}", "message.received", 1 + k % 7, "13900000005", new { staff_userid = "wang" }));
        }
        await IngestAsync([.. messages]);
        await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{active}"), c => c["event_counts"]?["message.received"]?.GetValue<int>() == 24 + 40 + 30);
        foreach (var id in new[] { vip, almost, overdue, leaver })
        {
            await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{id}"), c => c["orders"]!.GetValue<int>() > 0);
        }
        (await _admin.PostAsync("/api/v1/analytics/rfm/refresh", null)).EnsureSuccessStatusCode();
        Assert.Equal(5, (await _api.GetJsonOrNull($"/api/v1/customers/{vip}"))!["scores"]!["rfm_m"]!.GetValue<double>());
        Assert.Equal(4, (await _api.GetJsonOrNull($"/api/v1/customers/{almost}"))!["scores"]!["rfm_m"]!.GetValue<double>());

        var settings = await _admin.PutAsJsonAsync("/api/v1/analytics/alerts/settings", new { supervisor_userid = "boss" });
        Assert.True(settings.IsSuccessStatusCode, await settings.Content.ReadAsStringAsync());

        await RunAsync();
        var open = await AlertsAsync("?status=open");
        var expected = new Dictionary<string, (long? Customer, string Staff)>
        {
            [$"silent_high_value/customer/{vip}/{Date(70)}"] = (vip, "zhang"),
            [$"churn_risk/customer/{overdue}/overdue/{Date(80)}"] = (overdue, "wang"),
            [$"churn_risk/customer/{leaver}/deleted/wang/{Date(5)}"] = (leaver, "wang"),
            ["interaction_drop/staff/zhang/2026-W49"] = (null, "zhang"),
        };
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), open.Select(a => a!["key"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        foreach (var a in open)
        {
            var (customer, staff) = expected[a!["key"]!.GetValue<string>()];
            Assert.Equal(customer, a["customer_id"]?.GetValue<long>());
            Assert.Equal(staff, a["staff_userid"]!.GetValue<string>());
        }
        string Reason(string key) => open.Single(a => a!["key"]!.GetValue<string>() == key)!["reason"]!.GetValue<string>();
        Assert.Equal($"高价值客户「王芳」（消费金额 M 分 5）已 70 天没有下单或发来消息（最近一次：{Date(70)}；阈值 60 天）。", Reason($"silent_high_value/customer/{vip}/{Date(70)}"));
        // 3 orders over 20 days: every 10 days, threshold max(30, 15) = 30, 80 days since.
        Assert.Contains("共 3 笔订单，平均 10 天复购一次", Reason($"churn_risk/customer/{overdue}/overdue/{Date(80)}"), StringComparison.Ordinal);
        Assert.Contains("已 80 天，超过 30 天", Reason($"churn_risk/customer/{overdue}/overdue/{Date(80)}"), StringComparison.Ordinal);
        Assert.Contains($"于 {Date(5)} 在企业微信删除了员工 wang", Reason($"churn_risk/customer/{leaver}/deleted/wang/{Date(5)}"), StringComparison.Ordinal);
        Assert.Equal($"员工 zhang 近 7 天（{Date(7)} 至 {Date(1)}）与客户互动 4 次，前 4 周平均每周 12 次，下降 67%。", Reason("interaction_drop/staff/zhang/2026-W49"));
        // Not raised: M 4 after 59 days, M 3 silent customer, the active buyer, wang's conversations.
        var all = (await AlertsAsync()).Select(a => a!["key"]!.GetValue<string>()).ToList();
        Assert.DoesNotContain(all, k => k.Contains($"/customer/{almost}/", StringComparison.Ordinal) || k.Contains($"/customer/{active}/", StringComparison.Ordinal));
        Assert.DoesNotContain(all, k => k.StartsWith($"silent_high_value/customer/{overdue}/", StringComparison.Ordinal));
        Assert.DoesNotContain(all, k => k.StartsWith("interaction_drop/staff/wang/", StringComparison.Ordinal));
        Assert.Equal(2, (await AlertsAsync("?kind=churn_risk")).Count);
        Assert.Equal([$"churn_risk/customer/{leaver}/deleted/wang/{Date(5)}"], (await AlertsAsync($"?customer_id={leaver}")).Select(a => a!["key"]!.GetValue<string>()));

        // One message per alert to the staff member and one copy to the supervisor, keyed by the alert key.
        var sent = await AlertMessagesAsync();
        Assert.Equal(8, sent.Count);
        foreach (var (key, (customer, staff)) in expected)
        {
            var mine = Assert.Single(sent, m => m["key"]!.GetValue<string>() == key);
            Assert.Equal(staff, mine["sender"]!.GetValue<string>());
            Assert.Equal(customer ?? 0, mine["customer_id"]!.GetValue<long>());
            Assert.Equal("app", mine["channel"]!.GetValue<string>());
            Assert.Equal("reminder", mine["topic"]!.GetValue<string>());
            Assert.StartsWith("【", mine["text"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal("boss", Assert.Single(sent, m => m["key"]!.GetValue<string>() == key + "/supervisor")["sender"]!.GetValue<string>());
        }
        // The staff-only message (no customer) goes through the pipeline like any other: without WeCom, to the outbox.
        var dropMessage = sent.Single(m => m["key"]!.GetValue<string>() == "interaction_drop/staff/zhang/2026-W49")["id"]!.GetValue<long>();
        await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/delivery/messages/{dropMessage}"), m => m["status"]!.GetValue<string>() == "outbox");

        // A rerun raises and sends nothing new.
        var again = await RunAsync();
        Assert.Equal(0, again["raised"]!.GetValue<int>());
        Assert.Equal(0, again["notified"]!.GetValue<int>());
        Assert.Equal(4, again["open"]!.GetValue<int>());
        Assert.Equal(8, (await AlertMessagesAsync()).Count);
        Assert.Equal(4, (await AlertsAsync()).Count);

        // Acknowledge the silent customer's alert (twice: the second changes nothing).
        var silentId = open.Single(a => a!["kind"]!.GetValue<string>() == "silent_high_value")!["id"]!.GetValue<long>();
        var ack = await (await _admin.PostAsync($"/api/v1/analytics/alerts/{silentId}/acknowledge", null)).ReadAsync();
        Assert.Equal("acknowledged", ack["status"]!.GetValue<string>());
        Assert.Equal("admin", ack["acknowledged_by"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsync($"/api/v1/analytics/alerts/{silentId}/acknowledge", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.PostAsync("/api/v1/analytics/alerts/999999/acknowledge", null)).StatusCode);
        Assert.Equal([silentId], (await AlertsAsync("?status=acknowledged")).Select(a => a!["id"]!.GetValue<long>()));
        Assert.Equal(3, (await AlertsAsync("?status=open")).Count);

        // The silent customer writes, the overdue customer buys again: both conditions end, their alerts resolve.
        await IngestAsync(Event("a-msg", "message.received", 0, "13900000001"));
        await IngestAsync(Event("c-o4", "order.paid", 0, "13900000003", new { order_id = "C4", amount = 100 }));
        await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{overdue}"), c => c["orders"]!.GetValue<int>() == 4);
        await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{vip}"), c => c["event_counts"]?["message.received"]?.GetValue<int>() == 1);
        var resolvedRun = await RunAsync();
        Assert.Equal(2, resolvedRun["resolved"]!.GetValue<int>());
        var resolved = await AlertsAsync("?status=resolved");
        Assert.Equal(
            new[] { $"churn_risk/customer/{overdue}/overdue/{Date(80)}", $"silent_high_value/customer/{vip}/{Date(70)}" },
            resolved.Select(a => a!["key"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.All(resolved, a => Assert.NotNull(a!["resolved_at"]));
        Assert.Equal(HttpStatusCode.Conflict, (await _admin.PostAsync($"/api/v1/analytics/alerts/{silentId}/acknowledge", null)).StatusCode);

        // The next day: 李雷 reaches 60 silent days (a new alert, sent once); zhang's drop is the same ISO week's alert.
        _time.Now = _time.Now.AddDays(1);
        await RunAsync();
        var nextDay = await AlertsAsync("?status=open");
        var newKey = $"silent_high_value/customer/{almost}/{Date(59)}";
        Assert.Equal(
            new[] { $"churn_risk/customer/{leaver}/deleted/wang/{Date(5)}", "interaction_drop/staff/zhang/2026-W49", newKey },
            nextDay.Select(a => a!["key"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Contains("已 60 天", nextDay.Single(a => a!["key"]!.GetValue<string>() == newKey)!["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        var afterDay = await AlertMessagesAsync();
        Assert.Equal(10, afterDay.Count);
        Assert.Equal("zhang", Assert.Single(afterDay, m => m["key"]!.GetValue<string>() == newKey)["sender"]!.GetValue<string>());
        Assert.Single(afterDay, m => m["key"]!.GetValue<string>() == "interaction_drop/staff/zhang/2026-W49");

        // Switching a rule off resolves its alerts; switching it on again reopens the same key without a second message.
        (await _admin.PutAsJsonAsync("/api/v1/analytics/alerts/settings", new { silent_high_value = new { enabled = false }, supervisor_userid = "boss" })).EnsureSuccessStatusCode();
        Assert.Equal(1, (await RunAsync())["resolved"]!.GetValue<int>());
        Assert.Equal("resolved", (await AlertsAsync($"?customer_id={almost}"))[0]!["status"]!.GetValue<string>());
        (await _admin.PutAsJsonAsync("/api/v1/analytics/alerts/settings", new { supervisor_userid = "boss" })).EnsureSuccessStatusCode();
        var back = await RunAsync();
        Assert.Equal(1, back["reopened"]!.GetValue<int>());
        Assert.Equal(0, back["raised"]!.GetValue<int>());
        Assert.Equal("open", (await AlertsAsync($"?customer_id={almost}"))[0]!["status"]!.GetValue<string>());
        Assert.Equal(10, (await AlertMessagesAsync()).Count);
    }

    [Fact]
    public async Task Settings_are_validated_field_by_field_and_saved()
    {
        var defaults = await _admin.GetJsonOrNull("/api/v1/analytics/alerts/settings");
        Assert.Equal(4, defaults!["silent_high_value"]!["min_monetary_score"]!.GetValue<int>());
        Assert.Equal(60, defaults["silent_high_value"]!["silent_days"]!.GetValue<int>());
        Assert.Equal(1.5, defaults["churn_risk"]!["factor"]!.GetValue<double>());
        Assert.Equal(30, defaults["churn_risk"]!["min_days"]!.GetValue<int>());
        Assert.Equal(50, defaults["interaction_drop"]!["drop_percent"]!.GetValue<int>());
        Assert.Equal(10, defaults["interaction_drop"]!["min_weekly_baseline"]!.GetValue<int>());

        async Task<JsonNode> Rejected(string json)
        {
            var response = await _admin.PutAsync("/api/v1/analytics/alerts/settings", Json.Body(json));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            return (await response.ReadAsync())["errors"]!;
        }
        var ranges = await Rejected("""{"silent_high_value": {"min_monetary_score": 6, "silent_days": 0}, "churn_risk": {"factor": 0.5}, "interaction_drop": {"drop_percent": 101}, "supervisor_userid": "张 经理"}""");
        Assert.Equal(
            new[] { "churn_risk.factor", "interaction_drop.drop_percent", "silent_high_value.min_monetary_score", "silent_high_value.silent_days", "supervisor_userid" },
            ranges.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.NotNull((await Rejected("""{"churn_risk": {"factor": "lots"}}"""))["churn_risk.factor"]);
        Assert.NotNull((await Rejected("""{"silent_high_value": {"silent_day": 30}}"""))["silent_high_value.silent_day"]);
        Assert.NotNull((await Rejected("""{"interaction_drop": null}"""))["interaction_drop"]);
        Assert.NotNull((await Rejected("""[1, 2]"""))["body"]);
        // Nothing invalid was stored.
        Assert.Equal(defaults.ToJsonString(), (await _admin.GetJsonOrNull("/api/v1/analytics/alerts/settings"))!.ToJsonString());

        var saved = await _admin.PutAsJsonAsync("/api/v1/analytics/alerts/settings", new
        {
            silent_high_value = new { enabled = false, min_monetary_score = 5, silent_days = 90 },
            churn_risk = new { factor = 2.0, min_days = 45, on_deletion = false, deletion_days = 14 },
            supervisor_userid = "store.manager",
        });
        Assert.True(saved.IsSuccessStatusCode, await saved.Content.ReadAsStringAsync());
        var read = (await _admin.GetJsonOrNull("/api/v1/analytics/alerts/settings"))!;
        Assert.False(read["silent_high_value"]!["enabled"]!.GetValue<bool>());
        Assert.Equal(90, read["silent_high_value"]!["silent_days"]!.GetValue<int>());
        Assert.Equal(2.0, read["churn_risk"]!["factor"]!.GetValue<double>());
        Assert.Equal(14, read["churn_risk"]!["deletion_days"]!.GetValue<int>());
        Assert.True(read["interaction_drop"]!["enabled"]!.GetValue<bool>()); // left out: default
        Assert.Equal("store.manager", read["supervisor_userid"]!.GetValue<string>());
    }

    [Fact]
    public async Task List_filters_are_validated()
    {
        foreach (var (query, field) in new[] { ("?status=closed", "status"), ("?kind=vip", "kind"), ("?limit=0", "limit"), ("?limit=501", "limit") })
        {
            var response = await _admin.GetAsync("/api/v1/analytics/alerts" + query);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.NotNull((await response.ReadAsync())["errors"]![field]);
        }
        Assert.Empty(await AlertsAsync("?status=open&kind=churn_risk"));
    }
}
