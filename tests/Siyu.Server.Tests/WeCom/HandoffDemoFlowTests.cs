using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Siyu.Server.Tests.WeCom;

/// <summary>
/// 转人工 over real HTTP with the simulator: the demo archive's refund complaint (pulled like a sidecar would) opens a
/// handoff, the staff member's department leader gets the WeCom app message (the simulator's record is the oracle),
/// a mass send leaves the customer out with handoff_open while it is open, and resolving lets them back in.
/// </summary>
public sealed class HandoffDemoFlowTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "siyu-tests", Guid.NewGuid().ToString("N"));
    private ServerProcess _server = null!;
    private HttpClient _admin = null!;
    private HttpClient _sim = null!;

    public async Task InitializeAsync()
    {
        _server = await ServerProcess.StartAsync(_data, demo: true);
        _admin = await _server.AdminClientAsync();
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

    [Fact]
    public async Task The_demo_refund_complaint_opens_a_handoff_notifies_the_leader_and_holds_mass_sends()
    {
        var list = await Json.EventuallyAsync(() => _admin.GetJsonOrNull("/api/v1/handoffs?status=open"), l => l["items"]!.AsArray().Count >= 1, attempts: 300);
        var handoff = list["items"]!.AsArray().Single()!;
        var id = handoff["id"]!.GetValue<long>();
        var customer = handoff["customer_id"]!.GetValue<long>();
        Assert.Equal("liuyang", handoff["staff_userid"]!.GetValue<string>());
        Assert.Contains("投诉", handoff["topics"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Contains("我要退费", handoff["trigger_text"]!.GetValue<string>(), StringComparison.Ordinal);

        // 刘洋's department leader is 陈静 (WeCom's department/list says so): the app message lands in the simulator.
        var sent = await Json.EventuallyAsync(() => _sim.GetJsonOrNull("/sim/messages?kind=app"),
            m => m["messages"]!.AsArray().Any(x => x!["text"]?.GetValue<string>()?.Contains($"#{id}", StringComparison.Ordinal) == true), attempts: 300);
        var message = sent["messages"]!.AsArray().Single(x => x!["text"]?.GetValue<string>()?.Contains($"#{id}", StringComparison.Ordinal) == true)!;
        Assert.Equal(["chenjing"], message["recipients"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.Contains("【转人工】", message["text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["chenjing"], (await _admin.GetJsonOrNull($"/api/v1/handoffs/{id}"))!["handoff"]!["notified_to"]!.AsArray().Select(r => r!.GetValue<string>()));

        // A mass send to that customer leaves them out while the handoff is open.
        var audience = await _admin.PostAsJsonAsync("/api/v1/audiences", new
        {
            name = "转人工测试", condition = new { version = 1, root = new { type = "list", customer_ids = new[] { customer } } },
        });
        Assert.True(audience.StatusCode == HttpStatusCode.Created, await audience.Content.ReadAsStringAsync());
        var body = new { name = "会员日", chat_type = "single", audience_id = (await audience.ReadAsync())["id"]!.GetValue<long>(), text = "会员日全场九折" };
        var preview = await (await _admin.PostAsJsonAsync("/api/v1/mass-sends/preview", body)).ReadAsync();
        Assert.Equal(1, preview["excluded"]!["handoff_open"]!.GetValue<int>());
        Assert.Equal(0, preview["reachable"]!.GetValue<int>());

        (await _admin.PostAsync($"/api/v1/handoffs/{id}/claim", null)).EnsureSuccessStatusCode();
        (await _admin.PostAsJsonAsync($"/api/v1/handoffs/{id}/resolve", new { note = "已安排退费" })).EnsureSuccessStatusCode();
        preview = await (await _admin.PostAsJsonAsync("/api/v1/mass-sends/preview", body)).ReadAsync();
        Assert.Equal(1, preview["reachable"]!.GetValue<int>());
        Assert.Equal(0, (await _admin.GetJsonOrNull("/api/v1/handoffs"))!["open_count"]!.GetValue<int>());
    }
}
