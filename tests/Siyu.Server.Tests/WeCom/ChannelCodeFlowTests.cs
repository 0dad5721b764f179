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
        var settings = await Json.EventuallyAsync(() => _admin.GetJsonOrNull("/api/v1/wecom/settings"), s => s["api_base_address"] is not null);
        _sim = new HttpClient { BaseAddress = new Uri(settings["api_base_address"]!.GetValue<string>()) };
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
}
