using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Siyu.WeCom.Api;

namespace Siyu.WeCom.Tests.Simulator;

/// <summary>
/// Mass send (客户群发) end to end: add_msg_template creates unconfirmed tasks, a simulated staff member sends
/// theirs, and the results APIs report per sender and per customer, with WeCom's monthly receive cap.
/// </summary>
public sealed class MassSendOverSimulatorTests
{
    // 2025-11-25 10:00 China time: November has 30 days, so the default cap is 30.
    private static readonly DateTimeOffset Start = new(2025, 11, 25, 10, 0, 0, TimeSpan.FromHours(8));

    [Fact]
    public async Task Mass_send_lifecycle_with_a_customer_at_the_monthly_cap()
    {
        var time = new FakeTimeProvider(Start);
        await using var sim = await SimulatorHost.StartAsync(o => o.TimeProvider = time);
        var client = sim.Client(new WeComTokenCache(time));
        var customers = await NewCustomersAsync(sim, "zhangmin", 3);
        var capped = customers[1];
        var received = await sim.Http().PostAsJsonAsync("sim/masssend/received", new { external_userid = capped, count = 30 });
        received.EnsureSuccessStatusCode();
        Assert.Equal(30, (await received.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("cap").GetInt32());

        var template = await client.AddMsgTemplateAsync(new WeComMsgTemplate
        {
            ChatType = "single", Sender = "zhangmin", ExternalUserId = [.. customers, "wmNOBODY"], Text = new WeComText { Content = "双十二会员日" },
            Attachments = [new WeComAttachment { MsgType = "link", Link = new WeComLink { Title = "会员日", Url = "https://example.com/d12" } }],
        });
        var msgId = template.MsgId!;
        Assert.Equal(["wmNOBODY"], template.FailList);

        // Before the staff member confirms: one task per sender, nothing delivered.
        var before = await client.GetGroupMsgTaskAsync(msgId);
        var pending = Assert.Single(before.TaskList);
        Assert.Equal(("zhangmin", WeComGroupMsgTaskStatus.NotSent, (long?)null), (pending.UserId, pending.Status, pending.SendTime));
        var unsent = await client.GetGroupMsgSendResultAsync(msgId, "zhangmin");
        Assert.Equal(customers, unsent.SendList.Select(r => r.ExternalUserId));
        Assert.All(unsent.SendList, r => Assert.Equal(WeComGroupMsgSendStatus.NotSent, r.Status));

        var listed = await client.GetGroupMsgListV2Async(new WeComGroupMsgListRequest
        {
            ChatType = "single", StartTime = Start.AddHours(-1).ToUnixTimeSeconds(), EndTime = Start.AddHours(1).ToUnixTimeSeconds(),
        });
        var msg = Assert.Single(listed.GroupMsgList);
        Assert.Equal((msgId, "zhangmin", 0, "双十二会员日"), (msg.MsgId, msg.Creator, msg.CreateType, msg.Text!.Content));
        Assert.Equal("会员日", msg.Attachments!.Single().Link!.Title);

        time.Advance(TimeSpan.FromMinutes(30));
        var confirm = await sim.Http().PostAsJsonAsync("sim/masssend/confirm", new { msgid = msgId, userid = "zhangmin" });
        confirm.EnsureSuccessStatusCode();
        var outcome = await confirm.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((2, 0, 1), (outcome.GetProperty("sent").GetInt32(), outcome.GetProperty("not_friend").GetInt32(), outcome.GetProperty("cap_reached").GetInt32()));

        var sentAt = time.GetUtcNow().ToUnixTimeSeconds();
        var after = Assert.Single((await client.GetGroupMsgTaskAsync(msgId)).TaskList);
        Assert.Equal((WeComGroupMsgTaskStatus.Sent, (long?)sentAt), (after.Status, after.SendTime));
        var results = (await client.GetGroupMsgSendResultAsync(msgId, "zhangmin")).SendList.ToDictionary(r => r.ExternalUserId!);
        Assert.Equal((WeComGroupMsgSendStatus.Sent, (long?)sentAt), (results[customers[0]].Status, results[customers[0]].SendTime));
        Assert.Equal(WeComGroupMsgSendStatus.ReceiveLimitReached, results[capped].Status);
        Assert.Null(results[capped].SendTime);
        Assert.Equal(WeComGroupMsgSendStatus.Sent, results[customers[2]].Status);

        // Confirming again changes nothing.
        sim.Control.ConfirmMassSend(msgId, "zhangmin");
        Assert.Equal(2, (await client.GetGroupMsgSendResultAsync(msgId, "zhangmin")).SendList.Count(r => r.Status == WeComGroupMsgSendStatus.Sent));
    }

    [Fact]
    public async Task A_customer_who_deleted_the_sender_meanwhile_is_reported_not_friend()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();
        var customers = await NewCustomersAsync(sim, "wangfang", 2);
        var template = await client.AddMsgTemplateAsync(new WeComMsgTemplate
        {
            ChatType = "single", Sender = "wangfang", ExternalUserId = customers, Text = new WeComText { Content = "新品到店" },
        });

        await sim.Control.DeleteContactAsync("wangfang", customers[0], byCustomer: true);
        var outcome = sim.Control.ConfirmMassSend(template.MsgId!, "wangfang");
        var results = await client.GetGroupMsgSendResultAsync(template.MsgId!, "wangfang");

        Assert.Equal((1, 1, 0), (outcome.Sent, outcome.NotFriend, outcome.CapReached));
        Assert.Equal([WeComGroupMsgSendStatus.NotFriend, WeComGroupMsgSendStatus.Sent], results.SendList.Select(r => r.Status));
    }

    [Fact]
    public async Task The_monthly_cap_is_configurable_and_resets_when_the_month_turns()
    {
        // 30 November 23:00 China time; the month turns in an hour.
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 11, 30, 23, 0, 0, TimeSpan.FromHours(8)));
        await using var sim = await SimulatorHost.StartAsync(o => { o.TimeProvider = time; o.MassMessageMonthlyCap = 1; });
        var client = sim.Client(new WeComTokenCache(time));
        var customer = (await NewCustomersAsync(sim, "chenjing", 1))[0];

        async Task<WeComGroupMsgSendStatus> SendAsync()
        {
            var task = await client.AddMsgTemplateAsync(new WeComMsgTemplate
            {
                ChatType = "single", Sender = "chenjing", ExternalUserId = [customer], Text = new WeComText { Content = "周末活动" },
            });
            sim.Control.ConfirmMassSend(task.MsgId!, "chenjing");
            return (await client.GetGroupMsgSendResultAsync(task.MsgId!, "chenjing")).SendList.Single().Status;
        }

        var first = await SendAsync();
        var second = await SendAsync();
        time.Advance(TimeSpan.FromHours(2));
        var nextMonth = await SendAsync();

        Assert.Equal(1, sim.Corp.MassMessageMonthlyCap);
        Assert.Equal([WeComGroupMsgSendStatus.Sent, WeComGroupMsgSendStatus.ReceiveLimitReached, WeComGroupMsgSendStatus.Sent], [first, second, nextMonth]);
    }

    [Fact]
    public async Task The_default_cap_is_the_number_of_days_in_the_month()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 2, 10, 12, 0, 0, TimeSpan.FromHours(8)));
        await using var sim = await SimulatorHost.StartAsync(o => o.TimeProvider = time);

        Assert.Equal(28, sim.Corp.MassMessageMonthlyCap);
        time.Advance(TimeSpan.FromDays(30));
        Assert.Equal(31, sim.Corp.MassMessageMonthlyCap);
    }

    [Fact]
    public async Task Send_results_and_the_task_list_page_by_cursor()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();
        var mine = await client.ListExternalContactsAsync("lihua");

        // No customer list: every customer of the sender.
        var template = await client.AddMsgTemplateAsync(new WeComMsgTemplate { ChatType = "single", Sender = "lihua", Text = new WeComText { Content = "店庆" } });
        sim.Control.ConfirmMassSend(template.MsgId!, "lihua");
        var results = new List<WeComGroupMsgSendResult>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await client.GetGroupMsgSendResultAsync(template.MsgId!, "lihua", cursor, limit: 2);
            Assert.True(page.SendList.Count <= 2);
            results.AddRange(page.SendList);
            cursor = page.NextCursor;
            pages++;
        }
        while (!string.IsNullOrEmpty(cursor));

        Assert.True(mine.Count >= 3, "lihua needs a few customers in the demo corp");
        Assert.True(pages >= 2);
        Assert.Equal(mine.Order(StringComparer.Ordinal), results.Select(r => r.ExternalUserId!).Order(StringComparer.Ordinal));
        Assert.All(results, r => Assert.Equal(WeComGroupMsgSendStatus.Sent, r.Status));
    }

    [Fact]
    public async Task The_task_list_pages_and_filters_by_creator()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();
        var now = DateTimeOffset.UtcNow;
        foreach (var sender in new[] { "zhangmin", "wangfang", "zhangmin" })
        {
            await client.AddMsgTemplateAsync(new WeComMsgTemplate { ChatType = "single", Sender = sender, Text = new WeComText { Content = "hi" } });
        }

        var window = new WeComGroupMsgListRequest
        {
            ChatType = "single", StartTime = now.AddMinutes(-5).ToUnixTimeSeconds(), EndTime = now.AddMinutes(5).ToUnixTimeSeconds(), Limit = 2,
        };
        var first = await client.GetGroupMsgListV2Async(window);
        var second = await client.GetGroupMsgListV2Async(window with { Cursor = first.NextCursor });
        var zhangmin = await client.GetGroupMsgListV2Async(window with { Creator = "zhangmin", Limit = 100 });
        var personal = await client.GetGroupMsgListV2Async(window with { FilterType = 1 });
        var groups = await client.GetGroupMsgListV2Async(window with { ChatType = "group" });

        Assert.Equal(2, first.GroupMsgList.Count);
        Assert.Single(second.GroupMsgList);
        Assert.True(string.IsNullOrEmpty(second.NextCursor));
        Assert.Equal(2, zhangmin.GroupMsgList.Count);
        Assert.Empty(personal.GroupMsgList); // API-made tasks are corp-created (create_type 0)
        Assert.Empty(groups.GroupMsgList);
    }

    [Fact]
    public async Task Group_mass_send_goes_to_the_senders_own_groups()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();
        var chat = await client.GetGroupChatAsync(sim.Corp.GroupChatIds[0]);
        var owned = await GroupChatOverSimulatorTests.ListAllAsync(client, new WeComGroupChatListRequest
        {
            OwnerFilter = new WeComGroupChatOwnerFilter { UserIdList = [chat.Owner!] }, Limit = 100,
        });

        var template = await client.AddMsgTemplateAsync(new WeComMsgTemplate { ChatType = "group", Sender = chat.Owner, Text = new WeComText { Content = "群公告：周末闪购" } });
        sim.Control.ConfirmMassSend(template.MsgId!, chat.Owner!);
        var results = await client.GetGroupMsgSendResultAsync(template.MsgId!, chat.Owner!);

        Assert.Equal(owned.Select(c => c.ChatId), results.SendList.Select(r => r.ChatId));
        Assert.All(results.SendList, r => Assert.Null(r.ExternalUserId));
        Assert.All(results.SendList, r => Assert.Equal(WeComGroupMsgSendStatus.Sent, r.Status));
    }

    [Fact]
    public async Task Bad_mass_send_queries_give_wecom_errcodes_and_bad_sim_requests_fail()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();
        var template = await client.AddMsgTemplateAsync(new WeComMsgTemplate { ChatType = "single", Sender = "yangli", Text = new WeComText { Content = "hi" } });

        var longWindow = await Assert.ThrowsAsync<WeComApiException>(() => client.GetGroupMsgListV2Async(new WeComGroupMsgListRequest
        {
            ChatType = "single", StartTime = 0, EndTime = 40L * 86400,
        }));
        var unknownMsg = await Assert.ThrowsAsync<WeComApiException>(() => client.GetGroupMsgTaskAsync("msgNOPE"));
        var unknownUser = await Assert.ThrowsAsync<WeComApiException>(() => client.GetGroupMsgSendResultAsync(template.MsgId!, "ghost"));
        var groupWithoutSender = await Assert.ThrowsAsync<WeComApiException>(() =>
            client.AddMsgTemplateAsync(new WeComMsgTemplate { ChatType = "group", Text = new WeComText { Content = "hi" } }));
        var notASender = await sim.Http().PostAsJsonAsync("sim/masssend/confirm", new { msgid = template.MsgId, userid = "zhangmin" });
        var missing = await sim.Http().PostAsJsonAsync("sim/masssend/confirm", new { msgid = template.MsgId });

        Assert.Equal(WeComErrorCodes.InvalidParameter, longWindow.ErrCode);
        Assert.Equal(WeComErrorCodes.InvalidParameter, unknownMsg.ErrCode);
        Assert.Equal(WeComErrorCodes.InvalidUserId, unknownUser.ErrCode);
        Assert.Equal(WeComErrorCodes.InvalidParameter, groupWithoutSender.ErrCode);
        Assert.Empty((await client.GetGroupMsgSendResultAsync(template.MsgId!, "zhangmin")).SendList);
        Assert.Equal(404, (int)notASender.StatusCode);
        Assert.Equal(400, (int)missing.StatusCode);
    }

    /// <summary>Fresh customers of one staff member, so a test owns exactly who is targeted.</summary>
    internal static async Task<List<string>> NewCustomersAsync(SimulatorHost sim, string userId, int count)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            ids.Add((await sim.Control.AddContactAsync(userId, "测试客户" + i))!.ExternalUserId);
        }

        return ids;
    }
}
