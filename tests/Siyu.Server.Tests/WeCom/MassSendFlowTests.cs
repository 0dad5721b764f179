using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Siyu.WeCom.Api;
using Siyu.WeComSimulator;

namespace Siyu.Server.Tests.WeCom;

/// <summary>
/// 客户群发 end to end over real HTTP: an audience is resolved to customers and their staff, Siyu creates one WeCom
/// task per sender, the (simulated) staff member confirms it in their client, and Siyu follows WeCom's results
/// down to each customer's timeline. The simulator's own API is the oracle for who is whose customer.
/// </summary>
public sealed class MassSendFlowTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "siyu-tests", Guid.NewGuid().ToString("N"));
    private ServerProcess _server = null!;
    private HttpClient _admin = null!;
    private HttpClient _api = null!;
    private HttpClient _sim = null!;
    private WeComApiClient _wecom = null!;

    public async Task InitializeAsync()
    {
        _server = await ServerProcess.StartAsync(_data, demo: true);
        _admin = await _server.AdminClientAsync();
        _api = _server.ApiClient();
        _sim = await ServerProcess.SimulatorClientAsync(_admin);
        _wecom = new WeComApiClient(_sim, new WeComCredentials(SimulatorOptions.DefaultCorpId, SimulatorOptions.DefaultSecret));
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        try
        {
            Directory.Delete(_data, true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<long> CustomerOfAsync(string externalUserId)
    {
        var found = await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers?q={externalUserId}"), p => p["items"]!.AsArray().Count == 1, attempts: 200);
        return found["items"]![0]!["id"]!.GetValue<long>();
    }

    [Fact]
    public async Task Audience_send_goes_through_each_customers_staff_and_results_reach_the_timeline()
    {
        // Five of 张敏's customers (as WeCom itself lists them) and one customer Siyu knows only by phone.
        var externals = (await _wecom.ListExternalContactsAsync("zhangmin")).Take(5).ToList();
        Assert.Equal(5, externals.Count);
        var customers = new List<long>();
        foreach (var external in externals)
        {
            customers.Add(await CustomerOfAsync(external));
        }
        var ingest = await (await _api.PostEventsAsync(new
        {
            events = new[] { new { type = "page.viewed", timestamp = "2026-11-01T12:00:00+08:00", identifiers = new { phone = "13912345678" } } },
        })).ReadAsync();
        var phoneOnly = ingest["results"]![0]!["customer_id"]!.GetValue<long>();

        var audience = await _admin.PostAsJsonAsync("/api/v1/audiences", new
        {
            name = "群发测试名单", condition = new { version = 1, root = new { type = "list", customer_ids = customers.Append(phoneOnly).ToArray() } },
        });
        Assert.True(audience.StatusCode == HttpStatusCode.Created, await audience.Content.ReadAsStringAsync());
        var audienceId = (await audience.ReadAsync())["id"]!.GetValue<long>();

        // Bad input names the field and creates nothing.
        var bad = await _admin.PostAsJsonAsync("/api/v1/mass-sends", new { name = "双十一预热", chat_type = "single", text = "你好" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("audience_id", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // One of them unsubscribes from mass sends; a bad consent change names its field.
        var badConsent = await _admin.PutAsJsonAsync($"/api/v1/customers/{customers[4]}/consents", new { channel = "wechat", topic = "marketing", granted = false });
        Assert.Equal(HttpStatusCode.BadRequest, badConsent.StatusCode);
        Assert.Contains("channel", await badConsent.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var unsubscribe = await _admin.PutAsJsonAsync($"/api/v1/customers/{customers[4]}/consents",
            new { channel = "wecom_mass", topic = "marketing", granted = false, source = "sms_reply", reason = "回复TD退订" });
        Assert.Equal(HttpStatusCode.OK, unsubscribe.StatusCode);
        var consents = (await _api.GetJsonOrNull($"/api/v1/customers/{customers[4]}"))!["consents"]!.AsArray();
        Assert.False(consents.Single(c => c!["channel"]!.GetValue<string>() == "wecom_mass")!["granted"]!.GetValue<bool>());

        var body = new
        {
            name = "双十一预热", chat_type = "single", audience_id = audienceId, staff = new[] { "zhangmin" },
            text = "双十一会员专享：全场满300减50，欢迎选购 👉",
            attachments = new object[] { new { type = "link", title = "领券中心", url = "https://example.com/coupons" } },
        };
        var preview = await (await _admin.PostAsJsonAsync("/api/v1/mass-sends/preview", body)).ReadAsync();
        Assert.Equal(6, preview["members"]!.GetValue<int>());
        Assert.Equal(4, preview["reachable"]!.GetValue<int>());
        Assert.Equal(4, preview["by_sender"]!["zhangmin"]!.GetValue<int>());
        Assert.Equal(1, preview["excluded"]!["no_wecom_relation"]!.GetValue<int>());
        Assert.Equal(1, preview["excluded"]!["unsubscribed"]!.GetValue<int>());

        var created = await _admin.PostAsJsonAsync("/api/v1/mass-sends", body);
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var id = (await created.ReadAsync())["id"]!.GetValue<long>();
        var sending = await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/mass-sends/{id}"), s => s["status"]!.GetValue<string>() == "sending" && s["tasks"]!.AsArray().Count > 0);
        var task = sending["tasks"]!.AsArray().Single()!;
        Assert.Equal("zhangmin", task["sender"]!.GetValue<string>());
        Assert.Equal("waiting", task["status"]!.GetValue<string>());
        var msgId = task["msg_id"]!.GetValue<string>();

        // WeCom holds exactly that task: sender, customers and text (the simulator's records are the oracle).
        var templates = await _sim.GetJsonOrNull("/sim/messages?kind=template");
        var template = templates!["messages"]!.AsArray().Single(m => m!["msgid"]?.GetValue<string>() == msgId)!;
        Assert.Equal("zhangmin", template["sender"]!.GetValue<string>());
        Assert.Equal(body.text, template["text"]!.GetValue<string>());
        Assert.Equal(externals.Take(4).Order(), template["recipients"]!.AsArray().Select(x => x!.GetValue<string>()).Order());
        Assert.Equal("领券中心", template["payload"]!["attachments"]![0]!["link"]!["title"]!.GetValue<string>());

        // Nothing is delivered until 张敏 confirms in her client.
        var early = await (await _admin.PostAsync($"/api/v1/mass-sends/{id}/refresh", null)).ReadAsync();
        Assert.Equal("sending", early["status"]!.GetValue<string>());
        var confirm = await _sim.PostAsJsonAsync("/sim/masssend/confirm", new { msgid = msgId, userid = "zhangmin" });
        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        var done = await (await _admin.PostAsync($"/api/v1/mass-sends/{id}/refresh", null)).ReadAsync();
        Assert.Equal("done", done["status"]!.GetValue<string>());
        Assert.Equal(4, done["tasks"]![0]!["delivered"]!.GetValue<int>());

        var recipients = (await _admin.GetJsonOrNull($"/api/v1/mass-sends/{id}/recipients?limit=100"))!.AsArray();
        Assert.Equal(4, recipients.Count(r => r!["status"]!.GetValue<string>() == "sent"));
        Assert.Equal(["no_wecom_relation", "unsubscribed"],
            recipients.Where(r => r!["status"]!.GetValue<string>() == "excluded").Select(r => r!["reason"]!.GetValue<string>()).Order());

        // Each outcome is on the customer's timeline.
        var timeline = await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{customers[0]}/events?type=message.sent"), t => t.AsArray().Count == 1);
        Assert.Equal(id, timeline[0]!["properties"]!["mass_send_id"]!.GetValue<long>());
        await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{phoneOnly}/events?type=message.excluded"), t => t.AsArray().Count == 1);
        var held = await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{customers[4]}/events?type=message.excluded"), t => t.AsArray().Count == 1);
        Assert.Equal("unsubscribed", held[0]!["properties"]!["reason"]!.GetValue<string>());

        // A started send can't be cancelled here (only withdrawn in WeCom).
        var cancel = await _admin.PostAsync($"/api/v1/mass-sends/{id}/cancel", null);
        Assert.Equal(HttpStatusCode.Conflict, cancel.StatusCode);
    }

    [Fact]
    public async Task Content_review_and_frequency_caps_apply_to_mass_sends()
    {
        var externals = (await _wecom.ListExternalContactsAsync("zhangmin")).Take(3).ToList();
        var customers = new List<long>();
        foreach (var external in externals)
        {
            customers.Add(await CustomerOfAsync(external));
        }
        var audience = await _admin.PostAsJsonAsync("/api/v1/audiences", new { name = "审核测试名单", condition = new { version = 1, root = new { type = "list", customer_ids = customers } } });
        var audienceId = (await audience.ReadAsync())["id"]!.GetValue<long>();
        var settings = await _admin.PutAsJsonAsync("/api/v1/delivery/settings", new
        {
            industry = "finance", quiet_hours = (object?)null, caps = new[] { new { channel = "wecom_mass", per_day = 1 } },
        });
        Assert.True(settings.IsSuccessStatusCode, await settings.Content.ReadAsStringAsync());
        object Send(string text) => new { name = "理财推荐", chat_type = "single", audience_id = audienceId, text };

        // Banned finance wording is refused at the field, and nothing is stored.
        var blocked = await _admin.PostAsJsonAsync("/api/v1/mass-sends", Send("新品上线：保本理财，稳赚不赔"));
        Assert.Equal(HttpStatusCode.BadRequest, blocked.StatusCode);
        var problem = await blocked.Content.ReadAsStringAsync();
        Assert.Contains("\"text\"", problem, StringComparison.Ordinal);
        Assert.Contains("保本", problem, StringComparison.Ordinal);

        // A customer who already had a mass message today is over the cap of one a day.
        var earlier = await _admin.PostAsJsonAsync("/api/v1/delivery/messages", new { key = "cap-test-1", customer_id = customers[0], channel = "wecom_mass", topic = "marketing", text = "今日上新" });
        Assert.True(earlier.IsSuccessStatusCode, await earlier.Content.ReadAsStringAsync());
        await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/delivery/messages?customer_id={customers[0]}"), m => m.AsArray().Any(x => x!["status"]!.GetValue<string>() == "sent"), attempts: 200);
        var preview = await (await _admin.PostAsJsonAsync("/api/v1/mass-sends/preview", Send("会员日活动"))).ReadAsync();
        Assert.Equal(1, preview["excluded"]!["capped"]!.GetValue<int>());
        Assert.Equal(2, preview["reachable"]!.GetValue<int>());

        // Words that need a second look hold the send until an admin approves it.
        var held = await _admin.PostAsJsonAsync("/api/v1/mass-sends", Send("本店首选好礼，会员专享"));
        Assert.True(held.StatusCode == HttpStatusCode.Created, await held.Content.ReadAsStringAsync());
        var id = (await held.ReadAsync())["id"]!.GetValue<long>();
        Assert.Equal("needs_approval", (await _admin.GetJsonOrNull($"/api/v1/mass-sends/{id}"))!["status"]!.GetValue<string>());
        await Task.Delay(1_500); // the runner would have started a scheduled send by now
        Assert.Equal("needs_approval", (await _admin.GetJsonOrNull($"/api/v1/mass-sends/{id}"))!["status"]!.GetValue<string>());
        (await _admin.PostAsync($"/api/v1/mass-sends/{id}/approve", null)).EnsureSuccessStatusCode();
        var started = await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/mass-sends/{id}"), s => s["status"]!.GetValue<string>() == "sending" && s["tasks"]!.AsArray().Count > 0);
        Assert.Equal(2, started["targeted"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.Conflict, (await _admin.PostAsync($"/api/v1/mass-sends/{id}/approve", null)).StatusCode);
    }
}
