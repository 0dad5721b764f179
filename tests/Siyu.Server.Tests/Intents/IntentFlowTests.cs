using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Siyu.Core.Intents;
using Siyu.Server.Tests.Audiences;

namespace Siyu.Server.Tests.Intents;

/// <summary>
/// Intent recognition on a real server: customer messages are stored with their intent (keyword rule or model), rule
/// tags and journeys read it, the tenant's keyword settings change what later messages get, and bad settings name
/// the field.
/// </summary>
public sealed class IntentFlowTests : IAsyncLifetime
{
    private readonly MovableTime _time = new(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.FromHours(8)));
    private readonly SiyuFactory _factory;
    private HttpClient _api = null!;
    private HttpClient _admin = null!;

    public IntentFlowTests() => _factory = new SiyuFactory(time: _time);

    public async Task InitializeAsync()
    {
        _api = _factory.ApiClient();
        _admin = await _factory.AdminClientAsync();
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private async Task<long> SayAsync(string phone, string id, string text, object? extra = null)
    {
        var response = await _api.PostEventsAsync(new
        {
            id, type = "message.received", timestamp = _time.Now.ToString("O"), identifiers = new { phone },
            properties = extra ?? new { text },
        });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.ReadAsync())["results"]![0]!["customer_id"]!.GetValue<long>();
    }

    private async Task<JsonObject> LastMessageAsync(long customer) =>
        (await _admin.GetJsonOrNull($"/api/v1/customers/{customer}/events?type=message.received"))!.AsArray()[0]!["properties"]!.AsObject();

    [Fact]
    public async Task Messages_are_stored_with_their_intent_and_the_customer_view_counts_them()
    {
        var customer = await SayAsync("13700000001", "m1", "我要投诉你们的客服");
        var stored = await LastMessageAsync(customer);
        Assert.Equal(("complaint", "keyword", "投诉"), (stored["intent"]!.GetValue<string>(), stored["intent_source"]!.GetValue<string>(), stored["intent_keyword"]!.GetValue<string>()));

        // No keyword here: the model decides, and says how sure it is; the answer is the classifier's own.
        await SayAsync("13700000001", "m2", "明天能送到吗");
        var byModel = await LastMessageAsync(customer);
        var expected = new IntentClassifier(IntentModel.Shipped).Classify("明天能送到吗");
        Assert.Equal("model", byModel["intent_source"]!.GetValue<string>());
        Assert.Equal(expected.Intent, byModel["intent"]!.GetValue<string>());
        Assert.Equal(Math.Round(expected.Confidence, 3), byModel["intent_confidence"]!.GetValue<double>(), 6);

        // A caller that sends its own intent keeps it.
        await SayAsync("13700000001", "m3", "x", new { text = "我要投诉", intent = "vip_callback" });
        Assert.Equal("vip_callback", (await LastMessageAsync(customer))["intent"]!.GetValue<string>());

        var view = (await _admin.GetJsonOrNull($"/api/v1/customers/{customer}/intents?days=7"))!;
        var counts = view["counts"]!.AsArray().ToDictionary(c => c!["intent"]!.GetValue<string>(), c => c!["count"]!.GetValue<int>());
        Assert.Equal(1, counts["complaint"]);
        Assert.Equal(1, counts["vip_callback"]);
        Assert.Equal(3, view["recent"]!.AsArray().Count);
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.GetAsync($"/api/v1/customers/{customer}/intents?days=0")).StatusCode);
    }

    [Fact]
    public async Task A_rule_tag_over_intents_tags_complainers()
    {
        var group = (await (await _admin.PostJsonAsync("/api/v1/tag-groups", new { name = "意图" })).ReadAsync())["id"]!.GetValue<long>();
        var created = await _admin.PostJsonAsync("/api/v1/tags", new
        {
            group_id = group, name = "近7天投诉", kind = "rule",
            rule = JsonNode.Parse("""{"version":1,"root":{"type":"behavior","event":"message.received","where":[{"property":"intent","op":"eq","value":"complaint"}],"window":{"last_days":7},"op":"gte","value":1}}"""),
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var tag = (await created.ReadAsync())["id"]!.GetValue<long>();
        var angry = await SayAsync("13700000011", "a1", "你们这是虚假宣传");
        var calm = await SayAsync("13700000012", "c1", "谢谢，收到了");
        bool Has(JsonNode c) => c["tags"]!.AsArray().Any(t => t!["id"]!.GetValue<long>() == tag);
        await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{angry}"), Has);
        Assert.False(Has((await _api.GetJsonOrNull($"/api/v1/customers/{calm}"))!));
    }

    [Fact]
    public async Task A_journey_waits_until_the_customer_shows_purchase_intent()
    {
        var definition = new
        {
            version = 1, name = "意向跟进", kind = "journey",
            trigger = new { type = "event", @event = "order.paid" },
            steps = new object[]
            {
                new { id = "until", wait_event = new { @event = "message.received", where = new { intent = "purchase_intent" }, timeout = "7d" } },
                new { id = "follow", send = new { channel = "wecom_private", topic = "service", text = "收到，马上为您安排" } },
                new { id = "done", exit = new { } },
            },
        };
        var created = await _admin.PostAsJsonAsync("/api/v1/journeys", new { definition });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var id = (await created.ReadAsync())["id"]!.GetValue<long>();
        (await _admin.PostAsJsonAsync($"/api/v1/journeys/{id}/status", new { status = "active" })).EnsureSuccessStatusCode();
        _time.Now = _time.Now.AddMinutes(1);
        var order = await (await _api.PostEventsAsync(new
        {
            type = "order.paid", timestamp = _time.Now.ToString("O"), identifiers = new { phone = "13700000021" }, properties = new { order_id = "o-1", amount = 10 },
        })).ReadAsync();
        var customer = order["results"]![0]!["customer_id"]!.GetValue<long>();
        await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/journeys/{id}/stats"),
            s => s.AsArray().Any(c => c!["step_id"]!.GetValue<string>() == "until" && c["customers"]!.GetValue<int>() == 1));

        await SayAsync("13700000021", "p1", "好的谢谢");
        await Task.Delay(300);
        Assert.Empty((await _admin.GetJsonOrNull($"/api/v1/delivery/messages?customer_id={customer}"))!.AsArray());

        await SayAsync("13700000021", "p2", "我想买两盒，帮我下单");
        var sent = await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/delivery/messages?customer_id={customer}"), m => m.AsArray().Count == 1, attempts: 200);
        Assert.Equal("收到，马上为您安排", sent[0]!["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task Tenant_keyword_settings_apply_to_later_messages_and_are_audited()
    {
        var put = await _admin.PutAsJsonAsync("/api/v1/intents/settings?expected_version=0", new
        {
            custom_intents = new[] { new { code = "trial_booking", name = "预约试听", keywords = new[] { "试听" } } },
            extra_keywords = new Dictionary<string, string[]> { ["logistics"] = ["寄到哪"] },
        });
        Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        var view = await put.ReadAsync();
        Assert.Equal(1, view["version"]!.GetValue<long>());
        Assert.Contains(view["intents"]!.AsArray(), i => i!["code"]!.GetValue<string>() == "trial_booking" && !i["built_in"]!.GetValue<bool>());
        Assert.Contains("寄到哪", view["intents"]!.AsArray().Single(i => i!["code"]!.GetValue<string>() == "logistics")!["keywords"]!.AsArray().Select(k => k!.GetValue<string>()));

        var customer = await SayAsync("13700000031", "t1", "周六可以约个试听吗");
        Assert.Equal("trial_booking", (await LastMessageAsync(customer))["intent"]!.GetValue<string>());
        var classified = await (await _admin.PostAsJsonAsync("/api/v1/intents/classify", new { text = "东西寄到哪了" })).ReadAsync();
        Assert.Equal(("logistics", "keyword", "寄到哪"), (classified["intent"]!.GetValue<string>(), classified["source"]!.GetValue<string>(), classified["keyword"]!.GetValue<string>()));

        // A stale version is a conflict; bad settings name the field and change nothing.
        Assert.Equal(HttpStatusCode.Conflict, (await _admin.PutAsJsonAsync("/api/v1/intents/settings?expected_version=0", new { threshold = 0.4 })).StatusCode);
        var bad = await _admin.PutAsJsonAsync("/api/v1/intents/settings", new { threshold = 2, custom_intents = new[] { new { code = "complaint", name = "重复", keywords = new[] { "x" } } } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.ReadAsync())["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("threshold") && errors.ContainsKey("custom_intents[0].code"), errors.ToJsonString());
        Assert.Equal(1, (await _admin.GetJsonOrNull("/api/v1/intents"))!["version"]!.GetValue<long>());
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.PostAsJsonAsync("/api/v1/intents/classify", new { text = " " })).StatusCode);

        var audit = (await _admin.GetJsonOrNull("/api/v1/audit?action=intents.settings"))!;
        Assert.Contains("trial_booking", audit.ToJsonString(), StringComparison.Ordinal);
    }
}
