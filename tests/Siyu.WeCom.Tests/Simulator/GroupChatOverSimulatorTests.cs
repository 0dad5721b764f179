using System.Net.Http.Json;
using System.Text.Json;
using Siyu.WeCom.Api;

namespace Siyu.WeCom.Tests.Simulator;

/// <summary>Customer groups: groupchat/list paging and filters, groupchat/get members, errcodes.</summary>
public sealed class GroupChatOverSimulatorTests
{
    [Fact]
    public async Task Group_list_pages_through_every_group()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();

        var all = await ListAllAsync(client, new WeComGroupChatListRequest { Limit = 5 });

        Assert.Equal(sim.Options.GroupChatCount, all.Count);
        Assert.Equal(sim.Corp.GroupChatIds, all.Select(c => c.ChatId));
        Assert.All(all, c => Assert.StartsWith("wr", c.ChatId, StringComparison.Ordinal));
        Assert.All(all, c => Assert.Equal(WeComGroupChatStatus.Normal, c.Status));
    }

    [Fact]
    public async Task Owner_filter_lists_only_that_staff_members_groups()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();
        var first = await client.GetGroupChatAsync(sim.Corp.GroupChatIds[0]);

        var owned = await ListAllAsync(client, new WeComGroupChatListRequest
        {
            OwnerFilter = new WeComGroupChatOwnerFilter { UserIdList = [first.Owner!] }, Limit = 2,
        });

        Assert.Contains(owned, c => c.ChatId == first.ChatId);
        foreach (var chat in owned)
        {
            Assert.Equal(first.Owner, (await client.GetGroupChatAsync(chat.ChatId)).Owner);
        }
    }

    [Fact]
    public async Task Group_detail_has_the_owner_staff_and_external_members_and_names_only_when_asked()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();
        var chatId = sim.Corp.GroupChatIds[0];

        var named = await client.GetGroupChatAsync(chatId, needName: true);
        var plain = await client.GetGroupChatAsync(chatId);

        Assert.False(string.IsNullOrEmpty(named.Name));
        Assert.Equal(32, named.MemberVersion!.Length);
        var owner = Assert.Single(named.MemberList, m => m.UserId == named.Owner);
        Assert.Equal(WeComGroupChatMemberType.Staff, owner.Type);
        var externals = named.MemberList.Where(m => m.Type == WeComGroupChatMemberType.External).ToList();
        Assert.True(externals.Count >= 5);
        Assert.All(named.MemberList, m => Assert.InRange(m.JoinScene, 1, 3));
        Assert.All(named.MemberList, m => Assert.False(string.IsNullOrEmpty(m.Name)));
        Assert.All(externals.Where(m => m.JoinScene != 3), m => Assert.Equal(named.Owner, m.Invitor!.UserId));
        Assert.Contains(externals, m => sim.Corp.ExternalUserIds.Contains(m.UserId));
        Assert.All(plain.MemberList, m => Assert.Null(m.Name));
    }

    [Fact]
    public async Task Groups_of_a_member_who_left_wait_for_inheritance()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();
        var owner = (await client.GetGroupChatAsync(sim.Corp.GroupChatIds[0])).Owner!;

        await sim.Control.ResignUserAsync(owner);
        var waiting = await ListAllAsync(client, new WeComGroupChatListRequest { StatusFilter = 1, Limit = 100 });
        var normal = await ListAllAsync(client, new WeComGroupChatListRequest { StatusFilter = 0, Limit = 100 });

        Assert.Contains(waiting, c => c.ChatId == sim.Corp.GroupChatIds[0]);
        Assert.All(waiting, c => Assert.Equal(WeComGroupChatStatus.OwnerResigned, c.Status));
        Assert.Equal(sim.Options.GroupChatCount, normal.Count);
    }

    [Fact]
    public async Task Unknown_group_unknown_owner_and_bad_paging_give_wecom_errcodes()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();

        var noChat = await Assert.ThrowsAsync<WeComApiException>(() => client.GetGroupChatAsync("wrNOPE"));
        var noOwner = await Assert.ThrowsAsync<WeComApiException>(() => client.ListGroupChatsAsync(new WeComGroupChatListRequest
        {
            OwnerFilter = new WeComGroupChatOwnerFilter { UserIdList = ["ghost"] },
        }));
        var badCursor = await Assert.ThrowsAsync<WeComApiException>(() => client.ListGroupChatsAsync(new WeComGroupChatListRequest { Cursor = "!!" }));
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = client.ListGroupChatsAsync(new WeComGroupChatListRequest { Limit = 1001 }); });

        var token = await client.GetTokenAsync();
        var raw = await sim.Http().PostAsJsonAsync($"cgi-bin/externalcontact/groupchat/list?access_token={token}", new { status_filter = 0 });
        using var missingLimit = JsonDocument.Parse(await raw.Content.ReadAsStringAsync());

        Assert.Equal(WeComErrorCodes.InvalidChatId, noChat.ErrCode);
        Assert.Equal(WeComErrorCodes.InvalidUserId, noOwner.ErrCode);
        Assert.Equal(WeComErrorCodes.InvalidParameter, badCursor.ErrCode);
        Assert.Equal(WeComErrorCodes.InvalidParameter, missingLimit.RootElement.GetProperty("errcode").GetInt32());
    }

    internal static async Task<List<WeComGroupChatRef>> ListAllAsync(WeComApiClient client, WeComGroupChatListRequest request)
    {
        var all = new List<WeComGroupChatRef>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await client.ListGroupChatsAsync(request with { Cursor = cursor });
            Assert.True(page.GroupChatList.Count <= request.Limit);
            all.AddRange(page.GroupChatList);
            cursor = page.NextCursor;
            pages++;
        }
        while (!string.IsNullOrEmpty(cursor));

        // Paging really happened whenever there was more than a page.
        Assert.Equal(Math.Max(1, (int)Math.Ceiling(all.Count / (double)request.Limit)), pages);
        return all;
    }
}
