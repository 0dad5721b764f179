using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Siyu.WeCom.Api;

namespace Siyu.WeCom.Tests.Simulator;

/// <summary>WeComApiClient against the simulator over real loopback HTTP: tokens, errors, demo data.</summary>
public sealed class ApiClientOverSimulatorTests
{
    private static readonly DateTimeOffset Start = new(2025, 11, 25, 10, 0, 0, TimeSpan.FromHours(8));

    [Fact]
    public async Task Token_is_cached_then_refreshed_once_it_expires()
    {
        var time = new FakeTimeProvider(Start);
        await using var sim = await SimulatorHost.StartAsync(o => o.TimeProvider = time);
        var client = sim.Client(new WeComTokenCache(time));

        var first = await client.GetTokenAsync();
        await client.GetUserAsync("zhangmin");
        await client.GetFollowUserListAsync();
        Assert.Equal(1, sim.Corp.GetTokenCalls);

        time.Advance(TimeSpan.FromSeconds(7201));
        await client.GetUserAsync("zhangmin");

        Assert.Equal(2, sim.Corp.GetTokenCalls);
        Assert.NotEqual(first, await client.GetTokenAsync());
    }

    [Fact]
    public async Task Concurrent_first_calls_cause_exactly_one_gettoken()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var tokens = new WeComTokenCache();
        var clients = Enumerable.Range(0, 4).Select(_ => sim.Client(tokens)).ToList();

        var calls = Enumerable.Range(0, 40).Select(i => Task.Run(() => clients[i % clients.Count].GetUserAsync("zhangmin")));
        var users = await Task.WhenAll(calls);

        Assert.All(users, u => Assert.Equal("张敏", u.Name));
        Assert.Equal(1, sim.Corp.GetTokenCalls);
    }

    [Fact]
    public async Task Errcode_42001_refreshes_the_token_once_and_retries()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();
        var before = await client.GetTokenAsync();

        sim.Corp.ExpireAllTokens(); // WeCom may invalidate tokens early; the cached one is now answered with 42001
        var user = await client.GetUserAsync("lihua");

        Assert.Equal("李华", user.Name);
        Assert.Equal(2, sim.Corp.GetTokenCalls);
        Assert.NotEqual(before, await client.GetTokenAsync());
    }

    [Fact]
    public async Task Many_calls_rejected_with_42001_at_once_cause_a_single_refresh()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var tokens = new WeComTokenCache();
        var clients = Enumerable.Range(0, 4).Select(_ => sim.Client(tokens)).ToList();
        await clients[0].GetTokenAsync();

        sim.Corp.ExpireAllTokens();
        var users = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => Task.Run(() => clients[i % clients.Count].GetUserAsync("wangfang"))));

        Assert.All(users, u => Assert.Equal("王芳", u.Name));
        Assert.Equal(2, sim.Corp.GetTokenCalls);
    }

    [Fact]
    public async Task Simulator_time_passing_expires_the_clients_cached_token_and_the_client_recovers()
    {
        // The client's clock says the token is fresh, WeCom's says it expired: exactly the 42001 path.
        var simTime = new FakeTimeProvider(Start);
        await using var sim = await SimulatorHost.StartAsync(o => o.TimeProvider = simTime);
        var client = sim.Client(new WeComTokenCache(new FakeTimeProvider(Start)));
        await client.GetTokenAsync();

        simTime.Advance(TimeSpan.FromHours(3));
        var departments = await client.ListDepartmentsAsync();

        Assert.Equal(3, departments.Count);
        Assert.Equal(2, sim.Corp.GetTokenCalls);
    }

    [Fact]
    public async Task Wrong_secret_surfaces_40001_without_retrying()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client(secret: "not-the-secret");

        var ex = await Assert.ThrowsAsync<WeComApiException>(() => client.GetUserAsync("zhangmin"));

        Assert.Equal(WeComErrorCodes.InvalidCredential, ex.ErrCode);
        Assert.Equal("cgi-bin/gettoken", ex.Path);
        Assert.DoesNotContain("not-the-secret", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, sim.Corp.GetTokenCalls);
    }

    [Theory]
    [InlineData("cgi-bin/user/get?userid=zhangmin", 41001)]
    [InlineData("cgi-bin/user/get?userid=zhangmin&access_token=forged", 40014)]
    public async Task Missing_or_invalid_token_is_refused_with_wecom_errcodes(string path, int errcode)
    {
        await using var sim = await SimulatorHost.StartAsync();

        using var doc = JsonDocument.Parse(await sim.Http().GetStringAsync(path));

        Assert.Equal(errcode, doc.RootElement.GetProperty("errcode").GetInt32());
        Assert.Contains("more info", doc.RootElement.GetProperty("errmsg").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gettoken_answers_like_wecom()
    {
        await using var sim = await SimulatorHost.StartAsync();

        using var ok = JsonDocument.Parse(await sim.Http().GetStringAsync(
            $"cgi-bin/gettoken?corpid={sim.Options.CorpId}&corpsecret={sim.Options.Secrets[0]}"));
        using var wrongCorp = JsonDocument.Parse(await sim.Http().GetStringAsync($"cgi-bin/gettoken?corpid=ww0&corpsecret={sim.Options.Secrets[0]}"));

        Assert.Equal(0, ok.RootElement.GetProperty("errcode").GetInt32());
        Assert.Equal("ok", ok.RootElement.GetProperty("errmsg").GetString());
        Assert.Equal(7200, ok.RootElement.GetProperty("expires_in").GetInt32());
        Assert.False(string.IsNullOrEmpty(ok.RootElement.GetProperty("access_token").GetString()));
        Assert.Equal(40013, wrongCorp.RootElement.GetProperty("errcode").GetInt32());
    }

    [Fact]
    public async Task Demo_corp_has_departments_staff_customers_and_tag_groups()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();

        var departments = await client.ListDepartmentsAsync();
        var staff = await client.ListUserIdsAsync();
        var followUsers = await client.GetFollowUserListAsync();
        var zhangmin = await client.GetUserAsync("zhangmin");
        var groups = await client.GetCorpTagListAsync();

        Assert.Equal(3, departments.Count);
        Assert.Equal(8, staff.DeptUser.Count);
        Assert.Equal(8, followUsers.Count);
        Assert.Equal(("张敏", "导购", "2"), (zhangmin.Name, zhangmin.Position, zhangmin.Gender));
        Assert.Equal(new[] { "客户等级", "兴趣" }, groups.Select(g => g.GroupName));
        Assert.Equal(new[] { "普通", "VIP", "SVIP" }, groups[0].Tag.Select(t => t.Name));
        Assert.Equal(new[] { "母婴", "美妆", "运动" }, groups[1].Tag.Select(t => t.Name));
    }

    [Fact]
    public async Task Batch_get_by_user_pages_through_every_customer_of_every_staff_member()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();
        var followUsers = await client.GetFollowUserListAsync();

        var seen = new List<Siyu.WeCom.Api.WeComExternalContactWithFollow>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await client.BatchGetByUserAsync(followUsers, cursor, limit: 7);
            seen.AddRange(page.ExternalContactList);
            cursor = page.NextCursor;
            pages++;
        }
        while (!string.IsNullOrEmpty(cursor));

        var customers = seen.Select(s => s.ExternalContact.ExternalUserId).Distinct().ToList();
        Assert.Equal(60, customers.Count);
        Assert.True(pages > 8);
        Assert.All(seen, s => Assert.Matches(@"^\p{IsCJKUnifiedIdeographs}{2,3}$", s.ExternalContact.Name));
        Assert.All(seen, s => Assert.NotEmpty(s.FollowInfo.TagId!));
        Assert.Contains(seen, s => s.FollowInfo.State is not null);
        Assert.Contains(seen, s => !string.IsNullOrEmpty(s.FollowInfo.Remark));
    }

    [Fact]
    public async Task Customer_detail_has_int_gender_and_named_tags_and_listing_matches()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();
        var ids = await client.ListExternalContactsAsync("zhangmin");

        var detail = await client.GetExternalContactAsync(ids[0]);

        Assert.Equal(ids[0], detail.ExternalContact.ExternalUserId);
        Assert.InRange(detail.ExternalContact.Gender, 0, 2);
        Assert.Contains(detail.FollowUser, f => f.UserId == "zhangmin");
        Assert.All(detail.FollowUser.SelectMany(f => f.Tags!), t => Assert.Contains(t.GroupName, new[] { "客户等级", "兴趣" }));
    }

    [Fact]
    public async Task Same_seed_gives_the_same_corp_and_another_seed_a_different_one()
    {
        await using var a = await SimulatorHost.StartAsync(o => o.Seed = 7);
        await using var b = await SimulatorHost.StartAsync(o => o.Seed = 7);
        await using var c = await SimulatorHost.StartAsync(o => o.Seed = 8);

        Assert.Equal(a.Corp.ExternalUserIds, b.Corp.ExternalUserIds);
        Assert.NotEqual(a.Corp.ExternalUserIds, c.Corp.ExternalUserIds);
    }

    [Fact]
    public async Task Unknown_customer_and_unknown_user_give_wecom_errcodes()
    {
        await using var sim = await SimulatorHost.StartAsync(o => o.SeedDemoData = false);
        var client = sim.Client();

        var notContact = await Assert.ThrowsAsync<WeComApiException>(() => client.GetExternalContactAsync("wmNOPE"));
        var notUser = await Assert.ThrowsAsync<WeComApiException>(() => client.GetUserAsync("nobody"));

        Assert.Equal(WeComErrorCodes.NotExternalContact, notContact.ErrCode);
        Assert.Equal(WeComErrorCodes.UserNotFound, notUser.ErrCode);
        Assert.Empty(await client.ListExternalContactsAsync("zhangmin")); // 84061 means "none"
    }

    [Fact]
    public async Task Corp_tags_can_be_added_and_marked_on_a_customer()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();
        var customer = (await client.ListExternalContactsAsync("wangfang"))[0];

        var group = await client.AddCorpTagAsync(new WeComAddCorpTagRequest
        {
            GroupName = "活动",
            Tag = [new WeComNewCorpTag { Name = "双十一" }, new WeComNewCorpTag { Name = "618" }],
        });
        await client.MarkTagAsync("wangfang", customer, [group.Tag[0].Id]);
        var duplicate = await Assert.ThrowsAsync<WeComApiException>(() =>
            client.AddCorpTagAsync(new WeComAddCorpTagRequest { GroupId = group.GroupId, Tag = [new WeComNewCorpTag { Name = "618" }] }));
        var badTag = await Assert.ThrowsAsync<WeComApiException>(() => client.MarkTagAsync("wangfang", customer, ["etNOPE"]));

        var detail = await client.GetExternalContactAsync(customer);
        Assert.Contains(detail.FollowUser.Single(f => f.UserId == "wangfang").Tags!, t => t.TagName == "双十一" && t.GroupName == "活动");
        Assert.Equal(3, (await client.GetCorpTagListAsync()).Count);
        Assert.Equal(WeComErrorCodes.TagNameExists, duplicate.ErrCode);
        Assert.Equal(WeComErrorCodes.InvalidTagId, badTag.ErrCode);
    }

    [Fact]
    public async Task Contact_ways_can_be_created_read_listed_and_deleted()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();

        var created = await client.AddContactWayAsync(new WeComContactWay
        {
            Type = 2, Scene = 2, Remark = "门店海报", State = "poster_store_sh01", User = ["zhangmin", "wangfang"], SkipVerify = true,
        });
        var way = await client.GetContactWayAsync(created.ConfigId);
        var listed = await client.ListContactWaysAsync();
        await client.DeleteContactWayAsync(created.ConfigId);
        var gone = await Assert.ThrowsAsync<WeComApiException>(() => client.GetContactWayAsync(created.ConfigId));

        Assert.NotNull(created.QrCode);
        Assert.Equal("poster_store_sh01", way.State);
        Assert.Equal(new[] { "zhangmin", "wangfang" }, way.User);
        Assert.Contains(listed.ContactWay, c => c.ConfigId == created.ConfigId);
        Assert.Equal(WeComErrorCodes.InvalidParameter, gone.ErrCode);
        Assert.Throws<ArgumentException>(() => { _ = client.AddContactWayAsync(new WeComContactWay { Type = 1, Scene = 2, State = new string('x', 31) }); });
    }

    [Fact]
    public async Task App_messages_and_mass_send_tasks_are_recorded_for_tests_to_read()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();
        var customers = await client.ListExternalContactsAsync("zhangmin");

        var sent = await client.SendAppTextAsync(sim.Options.AgentId, "zhangmin|ghost", "您有新客户：王芳");
        var task = await client.AddMsgTemplateAsync(new WeComMsgTemplate
        {
            ChatType = "single", Sender = "zhangmin", ExternalUserId = [customers[0], "wmNOBODY"], Text = new WeComText { Content = "双十一会员日" },
        });
        var wrongAgent = await Assert.ThrowsAsync<WeComApiException>(() => client.SendAppTextAsync(1, "zhangmin", "x"));

        Assert.Equal("ghost", sent.InvalidUser);
        Assert.Equal(new[] { "wmNOBODY" }, task.FailList);
        Assert.Equal(40056, wrongAgent.ErrCode);

        using var doc = JsonDocument.Parse(await sim.Http().GetStringAsync("sim/messages"));
        var messages = doc.RootElement.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(2, messages.Count);
        Assert.Equal("app", messages[0].GetProperty("kind").GetString());
        Assert.Equal("您有新客户：王芳", messages[0].GetProperty("text").GetString());
        Assert.Equal("zhangmin", messages[0].GetProperty("recipients")[0].GetString());
        Assert.Equal("template", messages[1].GetProperty("kind").GetString());
        Assert.Equal(task.MsgId, messages[1].GetProperty("msgid").GetString());
        Assert.Equal("双十一会员日", messages[1].GetProperty("payload").GetProperty("text").GetProperty("content").GetString());
    }

    [Fact]
    public async Task Sim_state_reports_the_corp()
    {
        await using var sim = await SimulatorHost.StartAsync();

        var state = await sim.Http().GetFromJsonAsync<JsonElement>("sim/state");

        Assert.Equal(sim.Options.CorpId, state.GetProperty("corpid").GetString());
        Assert.Equal(60, state.GetProperty("external_contacts").GetInt32());
        Assert.Equal(8, state.GetProperty("users").GetArrayLength());
    }
}
