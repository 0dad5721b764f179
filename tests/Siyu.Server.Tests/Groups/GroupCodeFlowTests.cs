using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Siyu.Server.Tests.Groups;

/// <summary>
/// Group codes end to end over real HTTP both ways: Siyu creates the join way and welcome template in the (simulated)
/// corp, WeChat users scan it, the simulator fills the group to WeCom's 200 and opens a new room, and Siyu learns the
/// room from the callbacks, rotates the full group off the join way and counts the joins.
/// </summary>
public sealed class GroupCodeFlowTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "siyu-tests", Guid.NewGuid().ToString("N"));
    private ServerProcess _server = null!;
    private HttpClient _admin = null!;
    private HttpClient _sim = null!;

    public async Task InitializeAsync()
    {
        _server = await ServerProcess.StartAsync(_data, demo: true);
        _admin = await _server.AdminClientAsync();
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

    private async Task<string> GroupAsync(string name)
    {
        var created = await _sim.PostAsJsonAsync("/sim/groups/create", new { owner = "zhangmin", name });
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var chatId = (await created.ReadAsync())["id"]!.GetValue<string>();
        await Json.EventuallyAsync(() => _admin.GetJsonOrNull("/api/v1/wecom/groups"), g => g.AsArray().Any(x => x!["chat_id"]?.GetValue<string>() == chatId), 400);
        return chatId;
    }

    [Fact]
    public async Task A_group_fills_at_200_and_the_next_scan_lands_in_a_new_room_that_replaces_it_on_the_code()
    {
        var first = await GroupAsync("新人福利群1");
        var response = await _admin.PostAsJsonAsync("/api/v1/group-codes", new
        {
            name = "新人福利群", room_base_name = "新人福利群", welcome_text = "欢迎入群，群公告里有新人礼包",
            tiers = new[] { new { name = "新人群", rank = 0, chat_ids = new[] { first } } },
        });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var code = await response.ReadAsync();
        var id = code["id"]!.GetValue<long>();
        var tier = code["tiers"]![0]!;
        var configId = tier["config_id"]!.GetValue<string>();
        Assert.StartsWith("https://", tier["qr_code"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(code["welcome_template_id"]?.GetValue<string>()));

        // The owner is member 1: 199 scans fill the group to WeCom's 200.
        for (var i = 1; i <= 199; i++)
        {
            var scan = await (await _sim.PostAsJsonAsync("/sim/groups/scan", new { config_id = configId, name = $"访客{i}" })).ReadAsync();
            Assert.Equal(first, scan["chat_id"]!.GetValue<string>());
        }
        var next = await (await _sim.PostAsJsonAsync("/sim/groups/scan", new { config_id = configId, name = "访客200" })).ReadAsync();
        var room = next["chat_id"]!.GetValue<string>();
        Assert.NotEqual(first, room);
        Assert.True(next["created_room"]!.GetValue<bool>());

        // Siyu learns the new room, sees the first group at 200 and lists only the new room on the join way.
        var rotated = await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/group-codes/{id}"), c =>
        {
            var chats = c["tiers"]![0]!["chats"]!.AsArray();
            return chats.Count == 2 && chats[0]!["members"]!.GetValue<int>() == 200 && !chats[0]!["listed"]!.GetValue<bool>()
                && chats[1]!["listed"]!.GetValue<bool>() && chats[1]!["members"]!.GetValue<int>() == 2;
        }, 1200);
        var pooled = rotated["tiers"]![0]!["chats"]!.AsArray();
        Assert.Equal(room, pooled[1]!["chat_id"]!.GetValue<string>());
        Assert.True(pooled[1]!["auto_created"]!.GetValue<bool>());
        Assert.Equal(1.0, pooled[0]!["fill"]!.GetValue<double>());
        Assert.Equal(202, rotated["members"]!.GetValue<int>()); // 200 + the new room's owner and visitor

        var stats = await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/group-codes/{id}/stats?days=1"), s => s["joins"]!.GetValue<int>() == 200, 400);
        Assert.Equal(0, stats["leaves"]!.GetValue<int>());
        Assert.Equal(199, stats["groups"]!.AsArray().Single(g => g!["chat_id"]!.GetValue<string>() == first)!["joins"]!.GetValue<int>());

        // The next scan goes to the new room.
        var after = await (await _sim.PostAsJsonAsync("/sim/groups/scan", new { config_id = configId, name = "访客201" })).ReadAsync();
        Assert.Equal(room, after["chat_id"]!.GetValue<string>());
    }
}
