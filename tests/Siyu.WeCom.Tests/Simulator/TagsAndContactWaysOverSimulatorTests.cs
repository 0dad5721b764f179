using Siyu.WeCom.Api;

namespace Siyu.WeCom.Tests.Simulator;

/// <summary>edit_corp_tag, del_corp_tag and update_contact_way change the simulated corp's state.</summary>
public sealed class TagsAndContactWaysOverSimulatorTests
{
    [Fact]
    public async Task Editing_renames_and_reorders_tags_and_groups()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();
        var level = (await client.GetCorpTagListAsync())[0];
        var customer = (await client.ListExternalContactsAsync("zhangmin"))[0];

        await client.EditCorpTagAsync(level.Tag[1].Id, "金卡", order: 9);
        await client.EditCorpTagAsync(level.GroupId, "会员等级");

        var edited = (await client.GetCorpTagListAsync(groupIds: [level.GroupId])).Single();
        Assert.Equal("会员等级", edited.GroupName);
        Assert.Equal(("金卡", 9L), (edited.Tag[1].Name, edited.Tag[1].Order));
        Assert.Equal(level.Tag[1].Id, edited.Tag[1].Id);
        // Customers see the new names: tags are referenced by id.
        var detail = await client.GetExternalContactAsync(customer);
        Assert.All(detail.FollowUser.SelectMany(f => f.Tags!), t => Assert.NotEqual("客户等级", t.GroupName));
    }

    [Fact]
    public async Task Editing_rejects_duplicate_names_and_unknown_ids()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();
        var groups = await client.GetCorpTagListAsync();

        var duplicateTag = await Assert.ThrowsAsync<WeComApiException>(() => client.EditCorpTagAsync(groups[0].Tag[0].Id, "VIP"));
        var duplicateGroup = await Assert.ThrowsAsync<WeComApiException>(() => client.EditCorpTagAsync(groups[0].GroupId, "兴趣"));
        var unknown = await Assert.ThrowsAsync<WeComApiException>(() => client.EditCorpTagAsync("etNOPE", "x"));

        Assert.Equal(WeComErrorCodes.TagNameExists, duplicateTag.ErrCode);
        Assert.Equal(WeComErrorCodes.TagNameExists, duplicateGroup.ErrCode);
        Assert.Equal(WeComErrorCodes.InvalidTagId, unknown.ErrCode);
        Assert.Throws<ArgumentException>(() => { _ = client.EditCorpTagAsync(groups[0].GroupId); });
    }

    [Fact]
    public async Task Deleting_tags_removes_them_from_customers_and_an_emptied_group_goes_too()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();
        var interests = (await client.GetCorpTagListAsync())[1];
        var deleted = interests.Tag[0].Id;

        await client.DeleteCorpTagsAsync([deleted]);
        var afterOne = await client.GetCorpTagListAsync();
        var everyTagInUse = await AllTagIdsOnCustomersAsync(client);
        await client.DeleteCorpTagsAsync([interests.Tag[1].Id, interests.Tag[2].Id]);
        var afterAll = await client.GetCorpTagListAsync();

        Assert.Equal(2, afterOne[1].Tag.Count);
        Assert.DoesNotContain(deleted, everyTagInUse);
        Assert.Equal(["客户等级"], afterAll.Select(g => g.GroupName));
        Assert.DoesNotContain(interests.Tag[1].Id, await AllTagIdsOnCustomersAsync(client));
    }

    [Fact]
    public async Task Deleting_a_group_deletes_its_tags_and_unknown_ids_delete_nothing()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();
        var groups = await client.GetCorpTagListAsync();

        var unknown = await Assert.ThrowsAsync<WeComApiException>(() => client.DeleteCorpTagsAsync([groups[1].Tag[0].Id, "etNOPE"]));
        var unchanged = await client.GetCorpTagListAsync();
        await client.DeleteCorpTagsAsync(null, [groups[0].GroupId]);
        var after = await client.GetCorpTagListAsync();

        Assert.Equal(WeComErrorCodes.InvalidTagId, unknown.ErrCode);
        Assert.Equal(3, unchanged[1].Tag.Count);
        Assert.Equal([groups[1].GroupId], after.Select(g => g.GroupId));
        Assert.DoesNotContain(groups[0].Tag[0].Id, await AllTagIdsOnCustomersAsync(client));
    }

    [Fact]
    public async Task Contact_way_update_changes_only_the_given_fields()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();
        var created = await client.AddContactWayAsync(new WeComContactWay
        {
            Type = 2, Scene = 2, Remark = "门店海报", State = "poster_sh01", User = ["zhangmin"], SkipVerify = true,
        });

        await client.UpdateContactWayAsync(new WeComContactWayUpdate
        {
            ConfigId = created.ConfigId, State = "poster_sh02", User = ["zhangmin", "wangfang"],
            Conclusions = new WeComConclusions { Text = new WeComText { Content = "感谢光临" } },
        });
        var way = await client.GetContactWayAsync(created.ConfigId);

        Assert.Equal("poster_sh02", way.State);
        Assert.Equal(["zhangmin", "wangfang"], way.User);
        Assert.Equal("门店海报", way.Remark);
        Assert.True(way.SkipVerify);
        Assert.Equal((2, 2), (way.Type, way.Scene));
        Assert.Equal("感谢光临", way.Conclusions!.Text!.Content);
    }

    [Fact]
    public async Task Contact_way_update_rejects_unknown_codes_users_and_a_second_user_on_a_single_code()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();
        var single = await client.AddContactWayAsync(new WeComContactWay { Type = 1, Scene = 2, User = ["lihua"] });

        var unknownCode = await Assert.ThrowsAsync<WeComApiException>(() =>
            client.UpdateContactWayAsync(new WeComContactWayUpdate { ConfigId = "0000", State = "x" }));
        var unknownUser = await Assert.ThrowsAsync<WeComApiException>(() =>
            client.UpdateContactWayAsync(new WeComContactWayUpdate { ConfigId = single.ConfigId, User = ["ghost"] }));
        var twoUsers = await Assert.ThrowsAsync<WeComApiException>(() =>
            client.UpdateContactWayAsync(new WeComContactWayUpdate { ConfigId = single.ConfigId, User = ["lihua", "zhangmin"] }));

        Assert.Equal(WeComErrorCodes.InvalidParameter, unknownCode.ErrCode);
        Assert.Equal(WeComErrorCodes.UserNotFound, unknownUser.ErrCode);
        Assert.Equal(WeComErrorCodes.InvalidParameter, twoUsers.ErrCode);
        Assert.Equal(["lihua"], (await client.GetContactWayAsync(single.ConfigId)).User);
        Assert.Throws<ArgumentException>(() => { _ = client.UpdateContactWayAsync(new WeComContactWayUpdate { ConfigId = single.ConfigId, State = new string('x', 31) }); });
    }

    private static async Task<HashSet<string>> AllTagIdsOnCustomersAsync(WeComApiClient client)
    {
        var staff = await client.GetFollowUserListAsync();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        string? cursor = null;
        do
        {
            var page = await client.BatchGetByUserAsync(staff, cursor);
            foreach (var item in page.ExternalContactList)
            {
                ids.UnionWith(item.FollowInfo.TagId ?? []);
            }

            cursor = page.NextCursor;
        }
        while (!string.IsNullOrEmpty(cursor));

        return ids;
    }

    [Fact]
    public async Task A_contact_way_qr_code_is_a_png_served_by_the_simulator_and_gone_with_the_way()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();
        var created = await client.AddContactWayAsync(new WeComContactWay { Type = 1, Scene = 2, State = "rf_abc", User = ["zhangmin"] });
        using var http = new HttpClient();

        var png = await http.GetByteArrayAsync(created.QrCode);
        Assert.Equal(new Uri(sim.BaseAddress, $"/sim/qr/{created.ConfigId}.png"), new Uri(created.QrCode!));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);

        await client.DeleteContactWayAsync(created.ConfigId);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync(created.QrCode)).StatusCode);
    }
}
