using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Siyu.Server.Delivery;
using Siyu.Server.Tests.Audiences;

namespace Siyu.Server.Tests.Delivery;

/// <summary>
/// The delivery pipeline on a real server: consent, frequency caps, quiet hours in the tenant's zone and content
/// review decide each message; every decision lands on the customer's timeline; the key makes a message at-most-once.
/// </summary>
public sealed class DeliveryPipelineTests : IAsyncLifetime
{
    // 14:00 on 1 Dec 2026 in Shanghai (the tenant's zone).
    private readonly MovableTime _time = new(new DateTimeOffset(2026, 12, 1, 14, 0, 0, TimeSpan.FromHours(8)));
    private readonly SiyuFactory _factory;
    private HttpClient _api = null!;
    private HttpClient _admin = null!;
    private long _customer;

    public DeliveryPipelineTests() => _factory = new SiyuFactory(time: _time);

    public async Task InitializeAsync()
    {
        _api = _factory.ApiClient();
        _admin = await _factory.AdminClientAsync();
        var ingest = await (await _api.PostEventsAsync(new
        {
            events = new[] { new { type = "page.viewed", timestamp = "2026-12-01T10:00:00+08:00", identifiers = new { phone = "13700137000" }, attributes = new { name = "王小明" } } },
        })).ReadAsync();
        _customer = ingest["results"]![0]!["customer_id"]!.GetValue<long>();
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private async Task<JsonNode> SendAsync(string key, string channel, string topic, string text)
    {
        var response = await _admin.PostAsJsonAsync("/api/v1/delivery/messages", new { key, customer_id = _customer, channel, topic, text });
        Assert.True(response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.ReadAsync();
    }

    private async Task<JsonNode> SettledAsync(JsonNode message, string status) =>
        await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/delivery/messages/{message["id"]}"), m => m["status"]!.GetValue<string>() == status);

    private async Task<JsonNode> TimelineAsync(string type, int count) =>
        await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{_customer}/events?type={type}"), e => e.AsArray().Count == count);

    [Fact]
    public async Task Consent_caps_review_and_quiet_hours_decide_and_every_decision_is_on_the_timeline()
    {
        var bad = await _admin.PutAsJsonAsync("/api/v1/delivery/settings", new { industry = "finance", quiet_hours = new { start = "25:00", end = "08:00" } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("quiet_hours.start", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var saved = await _admin.PutAsJsonAsync("/api/v1/delivery/settings", new
        {
            industry = "finance",
            caps = new[] { new { channel = "sms", per_day = 2 } },
            quiet_hours = new { start = "21:00", end = "08:00" },
            review = new { review = new[] { "限时秒杀" } },
        });
        Assert.True(saved.StatusCode == HttpStatusCode.OK, await saved.Content.ReadAsStringAsync());
        var badMessage = await _admin.PostAsJsonAsync("/api/v1/delivery/messages", new { customer_id = _customer, channel = "fax", topic = "marketing", text = "你好" });
        Assert.Equal(HttpStatusCode.BadRequest, badMessage.StatusCode);
        Assert.Contains("channel", await badMessage.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // SMS marketing needs an explicit opt-in.
        var denied = await SettledAsync(await SendAsync("t1", "sms", "marketing", "双十二会员日，全场8折"), "denied");
        Assert.Equal("consent.no_opt_in", denied["decision"]!["code"]!.GetValue<string>());
        (await _admin.PutAsJsonAsync($"/api/v1/customers/{_customer}/consents", new { channel = "sms", topic = "marketing", granted = true, source = "h5_form" })).EnsureSuccessStatusCode();

        // Opted in: it goes out (no SMS provider configured here, so to the outbox); the same key again is the same message.
        var first = await SendAsync("t2", "sms", "marketing", "双十二会员日，全场8折");
        await SettledAsync(first, "outbox");
        var again = await SendAsync("t2", "sms", "marketing", "双十二会员日，全场8折");
        Assert.Equal(first["id"]!.GetValue<long>(), again["id"]!.GetValue<long>());

        // Finance rule pack: 保本 is banned outright; a tenant review word holds the message for a reviewer.
        var blocked = await SettledAsync(await SendAsync("t3", "sms", "marketing", "这款理财产品保本保息，欢迎咨询"), "blocked");
        Assert.Contains(blocked["decision"]!["hits"]!.AsArray(), h => h!["word"]!.GetValue<string>() == "保本");
        var held = await SettledAsync(await SendAsync("t4", "sms", "marketing", "今晚八点限时秒杀"), "needs_approval");
        (await _admin.PostAsync($"/api/v1/delivery/messages/{held["id"]}/approve", null)).EnsureSuccessStatusCode();
        await SettledAsync(held, "outbox");

        // Two SMS today already: the third is capped.
        var capped = await SettledAsync(await SendAsync("t5", "sms", "marketing", "积分即将到期提醒"), "capped");
        Assert.StartsWith("capped", capped["decision"]!["code"]!.GetValue<string>(), StringComparison.Ordinal);

        // 22:30 local: a reminder waits for the end of quiet hours (08:00), then goes.
        _time.Now = new DateTimeOffset(2026, 12, 1, 22, 30, 0, TimeSpan.FromHours(8));
        var deferred = await SettledAsync(await SendAsync("t6", "wecom_private", "reminder", "您预约的理财讲座明天上午10点开始"), "deferred");
        Assert.Equal(new DateTimeOffset(2026, 12, 2, 8, 0, 0, TimeSpan.FromHours(8)), deferred["due_at"]!.GetValue<DateTimeOffset>());
        _time.Now = new DateTimeOffset(2026, 12, 2, 8, 1, 0, TimeSpan.FromHours(8));
        _factory.Services.GetRequiredService<DeliveryWorker>().Wake();
        await SettledAsync(deferred, "outbox");

        // The timeline tells the whole story.
        await TimelineAsync("message.sent", 3);
        var excluded = await TimelineAsync("message.excluded", 3);
        Assert.Equal(["blocked", "capped", "denied"], excluded.AsArray().Select(e => e!["properties"]!["status"]!.GetValue<string>()).Order());
        await TimelineAsync("message.deferred", 2);
    }

    [Fact]
    public async Task A_customer_replying_TD_gets_no_more_marketing_but_still_service_messages()
    {
        async Task<JsonNode> DecidedAsync(JsonNode message) =>
            await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/delivery/messages/{message["id"]}"), m => m["status"]!.GetValue<string>() != "pending");

        // WeCom marketing is allowed by default (the customer added the staff member)…
        Assert.NotEqual("denied", (await DecidedAsync(await SendAsync("before-td", "wecom_private", "marketing", "新品上架，点击查看")))["status"]!.GetValue<string>());
        await _api.PostEventsAsync(new
        {
            events = new[] { new { type = "message.received", timestamp = "2026-12-01T13:59:00+08:00", identifiers = new { phone = "13700137000" }, properties = new { text = "ＴＤ" } } },
        });
        var customer = await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{_customer}"),
            c => c["consents"]!.AsArray().Any(x => x!["channel"]!.GetValue<string>() == "*" && x["topic"]!.GetValue<string>() == "marketing" && !x["granted"]!.GetValue<bool>()));
        Assert.Equal("reply_unsubscribe", customer["consents"]!.AsArray().Single(x => x!["channel"]!.GetValue<string>() == "*")!["source"]!.GetValue<string>());

        // …until the reply: marketing on every channel is refused at once, service notices still go.
        var denied = await SettledAsync(await SendAsync("after-td", "wecom_private", "marketing", "双十二提前购"), "denied");
        Assert.Equal("unsubscribed", denied["decision"]!["code"]!.GetValue<string>());
        Assert.NotEqual("denied", (await DecidedAsync(await SendAsync("service-after-td", "wecom_private", "service", "您的订单已发货")))["status"]!.GetValue<string>());
    }
}
