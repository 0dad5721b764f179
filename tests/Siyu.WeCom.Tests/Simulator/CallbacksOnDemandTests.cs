using System.Net.Http.Json;
using System.Text.Json;
using Siyu.WeCom.Api;
using Siyu.WeCom.Callbacks;

namespace Siyu.WeCom.Tests.Simulator;

/// <summary>/sim controls that change groups, staff and corp tags and push the callbacks WeCom would send.</summary>
public sealed class CallbacksOnDemandTests
{
    [Fact]
    public async Task A_customer_joining_a_group_sends_add_member_with_member_versions()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var sim = await SimulatorHost.StartAsync(o => o.CallbackUrl = receiver.Url);
        var client = sim.Client();
        var chatId = sim.Corp.GroupChatIds[0];
        var customer = (await MassSendOverSimulatorTests.NewCustomersAsync(sim, "zhangmin", 1))[0];
        var before = await client.GetGroupChatAsync(chatId);
        receiver.Events.Clear();

        var response = await PostAsync(sim, "sim/groups/join", new { chat_id = chatId, external_userid = customer, join_scene = 2, invitor = "zhangmin" });
        var after = await client.GetGroupChatAsync(chatId, needName: true);

        var changed = Assert.IsType<ExternalChatChanged>(Assert.Single(receiver.Events));
        Assert.Equal((ExternalChatChangeType.Update, "add_member", chatId), (changed.ChangeType, changed.UpdateDetail, changed.ChatId));
        Assert.Equal((2, 1), (changed.JoinScene, changed.MemChangeCnt));
        Assert.Equal([customer], changed.MemChangeList);
        Assert.Equal(before.MemberVersion, changed.LastMemVer);
        Assert.Equal(after.MemberVersion, changed.CurMemVer);
        Assert.NotEqual(before.MemberVersion, after.MemberVersion);
        Assert.Equal(customer, response.GetProperty("id").GetString());
        var member = Assert.Single(after.MemberList, m => m.UserId == customer);
        Assert.Equal((WeComGroupChatMemberType.External, "zhangmin", "测试客户0"), (member.Type, member.Invitor!.UserId, member.Name));
    }

    [Fact]
    public async Task A_stranger_joins_by_qr_code_and_leaves()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var sim = await SimulatorHost.StartAsync(o => o.CallbackUrl = receiver.Url);
        var client = sim.Client();
        var chatId = sim.Corp.GroupChatIds[1];

        var joined = await PostAsync(sim, "sim/groups/join", new { chat_id = chatId, name = "路人甲" });
        var strangerId = joined.GetProperty("id").GetString()!;
        var member = Assert.Single((await client.GetGroupChatAsync(chatId, needName: true)).MemberList, m => m.UserId == strangerId);
        await PostAsync(sim, "sim/groups/leave", new { chat_id = chatId, external_userid = strangerId, quit_scene = 1 });

        Assert.Equal(("路人甲", 3), (member.Name, member.JoinScene));
        Assert.Null(member.Invitor);
        Assert.DoesNotContain((await client.GetGroupChatAsync(chatId)).MemberList, m => m.UserId == strangerId);
        var left = Assert.IsType<ExternalChatChanged>(receiver.Events.Last());
        Assert.Equal(("del_member", 1, strangerId), (left.UpdateDetail, left.QuitScene, left.MemChangeList.Single()));
    }

    [Fact]
    public async Task Group_create_and_dismiss_send_callbacks_and_change_the_list()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var sim = await SimulatorHost.StartAsync(o => o.CallbackUrl = receiver.Url);
        var client = sim.Client();
        var customers = await MassSendOverSimulatorTests.NewCustomersAsync(sim, "wangfang", 2);
        receiver.Events.Clear();

        var created = await PostAsync(sim, "sim/groups/create", new { owner = "wangfang", name = "王芳的新品群", members = new[] { "zhangmin", customers[0], customers[1] } });
        var chatId = created.GetProperty("id").GetString()!;
        var chat = await client.GetGroupChatAsync(chatId);
        var listed = await GroupChatOverSimulatorTests.ListAllAsync(client, new WeComGroupChatListRequest { Limit = 100 });
        await PostAsync(sim, "sim/groups/dismiss", new { chat_id = chatId });
        var gone = await Assert.ThrowsAsync<WeComApiException>(() => client.GetGroupChatAsync(chatId));
        var relisted = await GroupChatOverSimulatorTests.ListAllAsync(client, new WeComGroupChatListRequest { Limit = 100 });

        Assert.Equal(("王芳的新品群", "wangfang", 4), (chat.Name, chat.Owner, chat.MemberList.Count));
        Assert.Equal([WeComGroupChatMemberType.Staff, WeComGroupChatMemberType.Staff, WeComGroupChatMemberType.External, WeComGroupChatMemberType.External],
            chat.MemberList.Select(m => m.Type));
        Assert.Contains(listed, c => c.ChatId == chatId);
        Assert.DoesNotContain(relisted, c => c.ChatId == chatId);
        Assert.Equal(WeComErrorCodes.InvalidChatId, gone.ErrCode);
        var events = receiver.Events.Cast<ExternalChatChanged>().ToList();
        Assert.Equal([(ExternalChatChangeType.Create, chatId), (ExternalChatChangeType.Dismiss, chatId)], events.Select(e => (e.ChangeType, e.ChatId!)));
    }

    [Fact]
    public async Task Staff_created_and_updated_in_the_admin_console_send_change_contact()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var sim = await SimulatorHost.StartAsync(o => o.CallbackUrl = receiver.Url);
        var client = sim.Client();

        await PostAsync(sim, "sim/users/create", new { userid = "sunli", name = "孙丽", department = new[] { 2 }, position = "导购", mobile = "13800138999", gender = "2", email = "sunli@siyu-demo.example" });
        var created = await client.GetUserAsync("sunli");
        await PostAsync(sim, "sim/users/update", new { userid = "sunli", position = "店长", department = new[] { 3 } });
        var updated = await client.GetUserAsync("sunli");
        var duplicate = await sim.Http().PostAsJsonAsync("sim/users/create", new { userid = "sunli", name = "孙丽" });

        Assert.Equal(("孙丽", "导购", "2"), (created.Name, created.Position, created.Gender));
        Assert.Equal(("店长", 3L), (updated.Position, updated.MainDepartment));
        Assert.Contains("sunli", await client.GetFollowUserListAsync());
        Assert.Equal(409, (int)duplicate.StatusCode);
        var events = receiver.Events.Cast<ContactChanged>().ToList();
        Assert.Equal(2, events.Count);
        Assert.Equal((ContactChangeType.CreateUser, "sunli", "孙丽", "导购", "2"), (events[0].ChangeType, events[0].UserId, events[0].Name, events[0].Position, events[0].Gender));
        Assert.Equal([2L], events[0].Department);
        Assert.Equal((ContactChangeType.UpdateUser, "店长", (string?)null), (events[1].ChangeType, events[1].Position, events[1].Name));
        Assert.Equal([3L], events[1].Department);
    }

    [Fact]
    public async Task Corp_tag_changes_in_the_admin_console_send_change_external_tag()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var sim = await SimulatorHost.StartAsync(o => o.CallbackUrl = receiver.Url);
        var client = sim.Client();

        var groupId = (await PostAsync(sim, "sim/tags/change", new { change_type = "create", group_name = "活动", name = "双十一" })).GetProperty("id").GetString()!;
        var tagId = (await PostAsync(sim, "sim/tags/change", new { change_type = "create", group_name = "活动", name = "618" })).GetProperty("id").GetString()!;
        await PostAsync(sim, "sim/tags/change", new { change_type = "update", id = tagId, name = "年中大促" });
        var during = (await client.GetCorpTagListAsync(groupIds: [groupId])).Single();
        await PostAsync(sim, "sim/tags/change", new { change_type = "delete", id = groupId });
        var after = await client.GetCorpTagListAsync();
        var bad = await sim.Http().PostAsJsonAsync("sim/tags/change", new { change_type = "rename", id = tagId });

        Assert.Equal(["双十一", "年中大促"], during.Tag.Select(t => t.Name));
        Assert.DoesNotContain(after, g => g.GroupId == groupId);
        Assert.Equal(400, (int)bad.StatusCode);
        var events = receiver.Events.Cast<ExternalTagChanged>().Select(e => (e.ChangeType, e.TagType, e.Id)).ToList();
        Assert.Equal(
            [
                (ExternalTagChangeType.Create, "tag_group", groupId), (ExternalTagChangeType.Create, "tag", tagId),
                (ExternalTagChangeType.Update, "tag", tagId), (ExternalTagChangeType.Delete, "tag_group", groupId),
            ],
            events);
    }

    [Fact]
    public async Task A_full_group_or_an_unknown_group_is_refused()
    {
        await using var sim = await SimulatorHost.StartAsync(o => o.MaxGroupMembers = 3);
        var customers = await MassSendOverSimulatorTests.NewCustomersAsync(sim, "zhangmin", 3);

        var created = await PostAsync(sim, "sim/groups/create", new { owner = "zhangmin", name = "小群", members = new[] { customers[0], customers[1] } });
        var full = await sim.Http().PostAsJsonAsync("sim/groups/join", new { chat_id = created.GetProperty("id").GetString(), external_userid = customers[2] });
        var unknown = await sim.Http().PostAsJsonAsync("sim/groups/join", new { chat_id = "wrNOPE", external_userid = customers[2] });

        Assert.Equal(409, (int)full.StatusCode);
        Assert.Equal(404, (int)unknown.StatusCode);
    }

    private static async Task<JsonElement> PostAsync(SimulatorHost sim, string path, object body)
    {
        var response = await sim.Http().PostAsJsonAsync(path, body);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {json}");
        return json;
    }
}
