using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Siyu.Server.Tests.WeCom;

/// <summary>
/// The channel-code flow end to end, over real HTTP both ways: Siyu creates the contact way in the (simulated) corp,
/// a customer scans it, the simulator pushes the encrypted callback, Siyu welcomes, tags, counts and rotates staff.
/// </summary>
public sealed class ChannelCodeFlowTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "siyu-tests", Guid.NewGuid().ToString("N"));
    private ServerProcess _server = null!;
    private HttpClient _admin = null!;
    private HttpClient _api = null!;
    private HttpClient _sim = null!;

    public async Task InitializeAsync()
    {
        _server = await ServerProcess.StartAsync(_data, demo: true);
        _admin = await _server.AdminClientAsync();
        _api = _server.ApiClient();
        // Demo mode connects the demo tenant to the built-in simulator; its address is in the settings.
        _sim = await ServerProcess.SimulatorClientAsync(_admin);
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

    private async Task<long> CreateAsync(string url, object body)
    {
        var response = await _admin.PostAsJsonAsync(url, body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.ReadAsync())["id"]!.GetValue<long>();
    }

    [Fact]
    public async Task Scan_tags_welcomes_counts_and_rotates_staff_at_their_daily_cap()
    {
        var group = await CreateAsync("/api/v1/tag-groups", new { name = "活码来源" });
        var tag = await CreateAsync("/api/v1/tags", new { group_id = group, name = "直播间粉丝" });
        var response = await _admin.PostAsJsonAsync("/api/v1/wecom/channels", new
        {
            name = "直播间二维码",
            staff = new object[] { new { userid = "zhangmin", daily_cap = 1 }, new { userid = "wangfang", daily_cap = 0 } },
            backup_staff = new[] { "zhaolei" },
            tag_ids = new[] { tag },
            welcome = new
            {
                text = "您好 {nickname}，欢迎来到直播间！",
                attachments = new object[] { new { type = "link", title = "新人礼包", url = "https://example.com/gift" } },
            },
        });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var channel = await response.ReadAsync();
        var channelId = channel["id"]!.GetValue<long>();
        var state = channel["state"]!.GetValue<string>();
        Assert.False(string.IsNullOrEmpty(channel["config_id"]?.GetValue<string>()));
        Assert.Equal(["zhangmin", "wangfang"], channel["active_staff"]!.AsArray().Select(s => s!.GetValue<string>()));

        // A customer scans the code and adds 张敏 (zhangmin).
        var scan = await _sim.PostAsJsonAsync("/sim/contacts/add", new { userid = "zhangmin", name = "小红", state });
        Assert.Equal(HttpStatusCode.OK, scan.StatusCode);
        var added = await scan.ReadAsync();
        var externalUserId = added["external_userid"]!.GetValue<string>();
        var welcomeCode = added["welcome_code"]!.GetValue<string>();

        var welcomed = await Json.EventuallyAsync(() => _sim.GetJsonOrNull("/sim/messages?kind=welcome"),
            m => m["messages"]!.AsArray().Any(x => x!["payload"]?["welcome_code"]?.GetValue<string>() == welcomeCode));
        var message = welcomed["messages"]!.AsArray().Single(x => x!["payload"]?["welcome_code"]?.GetValue<string>() == welcomeCode)!;
        Assert.Equal("您好 小红，欢迎来到直播间！", message["text"]!.GetValue<string>());
        Assert.Equal("新人礼包", message["payload"]!["attachments"]![0]!["link"]!["title"]!.GetValue<string>());

        var found = await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers?q={externalUserId}"), p => p["items"]!.AsArray().Count == 1);
        var customerId = found["items"]![0]!["id"]!.GetValue<long>();
        var customer = await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{customerId}"),
            c => c["tags"]!.AsArray().Any(t => t!["id"]!.GetValue<long>() == tag));
        Assert.Equal("channel", customer["tags"]!.AsArray().Single(t => t!["id"]!.GetValue<long>() == tag)!["source"]!.GetValue<string>());
        Assert.Equal("直播间二维码", customer["attributes"]!["first_channel"]!.GetValue<string>());
        Assert.Equal("小红", customer["name"]!.GetValue<string>());

        var stats = await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/wecom/channels/{channelId}/stats"), s => s["adds"]!.GetValue<int>() == 1);
        Assert.Equal(1, stats["adds_by_staff"]!["zhangmin"]!.GetValue<int>());

        // zhangmin reached the daily cap of 1: the contact way now routes to wangfang only.
        var rotated = await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/wecom/channels/{channelId}"),
            c => c["active_staff"]!.AsArray().Count == 1);
        Assert.Equal("wangfang", rotated["active_staff"]![0]!.GetValue<string>());

        // The customer deletes the staff member: a delete for this channel, net 0.
        var delete = await _sim.PostAsJsonAsync("/sim/contacts/delete", new { userid = "zhangmin", external_userid = externalUserId, by = "customer" });
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        stats = await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/wecom/channels/{channelId}/stats"), s => s["deletes"]!.GetValue<int>() == 1);
        Assert.Equal(0, stats["net"]!.GetValue<int>());
    }

    [Fact]
    public async Task Edited_code_keeps_its_qr_moves_staff_in_wecom_and_remarks_new_customers()
    {
        var create = await _admin.PostAsJsonAsync("/api/v1/wecom/channels", new { name = "地推海报", staff = new object[] { new { userid = "zhangmin", daily_cap = 0 } } });
        Assert.True(create.StatusCode == HttpStatusCode.Created, await create.Content.ReadAsStringAsync());
        var channel = await create.ReadAsync();
        var id = channel["id"]!.GetValue<long>();
        var configId = channel["config_id"]!.GetValue<string>();
        var state = channel["state"]!.GetValue<string>();

        // A template with an unknown placeholder is refused at the field, and nothing changes.
        var bad = await _admin.PutAsJsonAsync($"/api/v1/wecom/channels/{id}", new
        {
            name = "地推海报", staff = new object[] { new { userid = "wangfang", daily_cap = 0 } }, customer_remark = "{channel}-{手机号}",
        });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("customer_remark", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var put = await _admin.PutAsJsonAsync($"/api/v1/wecom/channels/{id}", new
        {
            name = "地推海报·静安寺", staff = new object[] { new { userid = "wangfang", daily_cap = 0 } }, customer_remark = "{channel}-{nickname}", skip_verify = false,
        });
        Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        var edited = await put.ReadAsync();
        Assert.Equal(configId, edited["config_id"]!.GetValue<string>());
        Assert.Equal(state, edited["state"]!.GetValue<string>());

        // WeCom (the simulator's own API) now routes the same code to wangfang, with verification.
        var wecom = new Siyu.WeCom.Api.WeComApiClient(_sim, new Siyu.WeCom.Api.WeComCredentials(
            Siyu.WeComSimulator.SimulatorOptions.DefaultCorpId, Siyu.WeComSimulator.SimulatorOptions.DefaultSecret));
        var way = await wecom.GetContactWayAsync(configId);
        Assert.Equal(["wangfang"], way.User);
        Assert.False(way.SkipVerify);

        // A customer adds wangfang through it: the remark WeCom shows to wangfang is the filled template, cut to 20 characters.
        var scan = await _sim.PostAsJsonAsync("/sim/contacts/add", new { userid = "wangfang", name = "爱喝奶茶的上海小姐姐🧋🧋", state });
        Assert.Equal(HttpStatusCode.OK, scan.StatusCode);
        var externalUserId = (await scan.ReadAsync())["external_userid"]!.GetValue<string>();
        const string expected = "地推海报·静安寺-爱喝奶茶的上海小姐姐🧋"; // 8 + 1 + 10 + 1 = 20 characters; the second 🧋 is cut whole
        for (var i = 0; i < 100; i++)
        {
            var contact = await wecom.GetExternalContactAsync(externalUserId);
            if (contact.FollowUser.Single(f => f.UserId == "wangfang").Remark == expected)
            {
                break;
            }
            Assert.True(i < 99, $"remark is '{contact.FollowUser.Single(f => f.UserId == "wangfang").Remark}'");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task A_welcome_message_passes_content_review_when_it_is_saved()
    {
        (await _admin.PutAsJsonAsync("/api/v1/delivery/settings", new { industry = "finance" })).EnsureSuccessStatusCode();
        object Code(string name, string text) => new { name, staff = new object[] { new { userid = "zhangmin", daily_cap = 0 } }, welcome = new { text } };

        // Banned finance wording can never be a welcome (it goes out within seconds, with nobody to stop it).
        var blocked = await _admin.PostAsJsonAsync("/api/v1/wecom/channels", Code("理财沙龙", "欢迎！本产品保本保息，稳赚不赔"));
        Assert.Equal(HttpStatusCode.BadRequest, blocked.StatusCode);
        var problem = await blocked.Content.ReadAsStringAsync();
        Assert.Contains("welcome.text", problem, StringComparison.Ordinal);
        Assert.Contains("保本", problem, StringComparison.Ordinal);
        Assert.DoesNotContain((await _admin.GetJsonOrNull("/api/v1/wecom/channels"))!.AsArray(), c => c!["name"]!.GetValue<string>() == "理财沙龙");

        // Words that need a second look: an admin's save is the approval.
        var approved = await _admin.PostAsJsonAsync("/api/v1/wecom/channels", Code("新客礼", "欢迎加入！点击领取新人礼包"));
        Assert.True(approved.StatusCode == HttpStatusCode.Created, await approved.Content.ReadAsStringAsync());
    }
}
