using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Siyu.WeCom.Api;

namespace Siyu.WeCom.Tests.Simulator;

/// <summary>Group join ways (群活码) and group welcome templates over the simulator: the contract, errcodes, and scans filling groups.</summary>
public sealed class JoinWayOverSimulatorTests
{
    [Fact]
    public async Task Join_way_round_trips_and_updates_and_deletes()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();
        var chats = sim.Corp.GroupChatIds.Take(2).ToList();

        var created = await client.AddJoinWayAsync(new WeComJoinWay
        {
            Scene = 2, Remark = "VIP群码", AutoCreateRoom = 1, RoomBaseName = "VIP群", RoomBaseId = 3, ChatIdList = chats, State = "gc:1:2",
        });
        var read = await client.GetJoinWayAsync(created.ConfigId);

        Assert.Equal(created.ConfigId, read.ConfigId);
        Assert.Equal(chats, read.ChatIdList);
        Assert.Equal("gc:1:2", read.State);
        Assert.Equal(3, read.RoomBaseId);
        Assert.StartsWith("https://", read.QrCode, StringComparison.Ordinal);

        await client.UpdateJoinWayAsync(read with { ChatIdList = [chats[1]] });
        Assert.Equal([chats[1]], (await client.GetJoinWayAsync(created.ConfigId)).ChatIdList);

        await client.DeleteJoinWayAsync(created.ConfigId);
        var gone = await Assert.ThrowsAsync<WeComApiException>(() => client.GetJoinWayAsync(created.ConfigId));
        Assert.Equal(WeComErrorCodes.InvalidParameter, gone.ErrCode);
    }

    [Fact]
    public async Task Unknown_chats_are_refused_and_the_client_checks_the_list_size()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();

        var unknown = await Assert.ThrowsAsync<WeComApiException>(() => client.AddJoinWayAsync(new WeComJoinWay { ChatIdList = ["wrNOPE"] }));
        Assert.Equal(WeComErrorCodes.InvalidChatId, unknown.ErrCode);
        await Assert.ThrowsAsync<ArgumentException>(() => client.AddJoinWayAsync(new WeComJoinWay { ChatIdList = [.. Enumerable.Repeat("wr", 6)] }));
        await Assert.ThrowsAsync<ArgumentException>(() => client.AddJoinWayAsync(new WeComJoinWay { ChatIdList = [] }));
    }

    [Fact]
    public async Task Scans_fill_the_listed_group_then_auto_create_a_room_that_joins_the_list()
    {
        await using var sim = await SimulatorHost.StartAsync(o => o.MaxGroupMembers = 3);
        var client = sim.Client();
        var owner = (await client.GetGroupChatAsync(sim.Corp.GroupChatIds[0])).Owner!;
        var chatId = (await sim.Control.CreateGroupAsync(owner, "新人群")).Id!; // the owner is member 1 of 3
        var way = await client.AddJoinWayAsync(new WeComJoinWay { ChatIdList = [chatId], AutoCreateRoom = 1, RoomBaseName = "新人群", RoomBaseId = 2, State = "gc:9" });

        using var http = sim.Http();
        async Task<JsonNode> ScanAsync(string name)
        {
            var response = await http.PostAsJsonAsync("/sim/groups/scan", new { config_id = way.ConfigId, name });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        }

        var first = await ScanAsync("甲");
        var second = await ScanAsync("乙");
        var third = await ScanAsync("丙");

        Assert.Equal(chatId, first["chat_id"]!.GetValue<string>());
        Assert.Equal(chatId, second["chat_id"]!.GetValue<string>());
        Assert.False(second["created_room"]!.GetValue<bool>());
        var newChat = third["chat_id"]!.GetValue<string>();
        Assert.NotEqual(chatId, newChat);
        Assert.True(third["created_room"]!.GetValue<bool>());

        var full = await client.GetGroupChatAsync(chatId);
        Assert.Equal(3, full.MemberList.Count);
        var room = await client.GetGroupChatAsync(newChat, needName: true);
        Assert.Equal("新人群2", room.Name);
        var joined = Assert.Single(room.MemberList, m => m.Type == WeComGroupChatMemberType.External);
        Assert.Equal((3, "gc:9"), (joined.JoinScene, joined.State));
        var after = await client.GetJoinWayAsync(way.ConfigId);
        Assert.Equal([chatId, newChat], after.ChatIdList);
        Assert.Equal(3, after.RoomBaseId);
    }

    [Fact]
    public async Task A_full_join_way_without_auto_create_refuses_the_scan()
    {
        await using var sim = await SimulatorHost.StartAsync(o => o.MaxGroupMembers = 1);
        var client = sim.Client();
        var owner = (await client.GetGroupChatAsync(sim.Corp.GroupChatIds[0])).Owner!;
        var chatId = (await sim.Control.CreateGroupAsync(owner, "满群")).Id!;
        var way = await client.AddJoinWayAsync(new WeComJoinWay { ChatIdList = [chatId], AutoCreateRoom = 0 });

        using var http = sim.Http();
        var response = await http.PostAsJsonAsync("/sim/groups/scan", new { config_id = way.ConfigId, name = "丁" });
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }

    [Fact]
    public async Task Group_welcome_templates_add_get_edit_and_delete()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();

        var created = await client.AddGroupWelcomeTemplateAsync(new WeComGroupWelcomeTemplate
        {
            Text = new WeComText { Content = "欢迎 %NICKNAME% 入群" }, Link = new WeComLink { Title = "群规", Url = "https://example.com/rules" }, Notify = 0,
        });
        var read = await client.GetGroupWelcomeTemplateAsync(created.TemplateId);
        Assert.Equal("欢迎 %NICKNAME% 入群", read.Text!.Content);
        Assert.Equal("群规", read.Link!.Title);

        await client.EditGroupWelcomeTemplateAsync(new WeComGroupWelcomeTemplate { TemplateId = created.TemplateId, Text = new WeComText { Content = "新欢迎语" } });
        var edited = await client.GetGroupWelcomeTemplateAsync(created.TemplateId);
        Assert.Equal("新欢迎语", edited.Text!.Content);
        Assert.Null(edited.Link);

        await client.DeleteGroupWelcomeTemplateAsync(created.TemplateId);
        var gone = await Assert.ThrowsAsync<WeComApiException>(() => client.GetGroupWelcomeTemplateAsync(created.TemplateId));
        Assert.Equal(WeComErrorCodes.InvalidParameter, gone.ErrCode);
        await Assert.ThrowsAsync<ArgumentException>(() => client.AddGroupWelcomeTemplateAsync(new WeComGroupWelcomeTemplate()));
    }
}
