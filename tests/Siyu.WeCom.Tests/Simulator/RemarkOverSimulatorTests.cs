using System.Net.Http.Json;
using System.Text.Json;
using Siyu.WeCom.Api;

namespace Siyu.WeCom.Tests.Simulator;

/// <summary>externalcontact/remark through the client and raw, read back through get and batch/get_by_user.</summary>
public sealed class RemarkOverSimulatorTests
{
    [Fact]
    public async Task Remark_set_through_the_client_is_read_back_by_get_and_batch_get_by_user_without_a_callback()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var sim = await SimulatorHost.StartAsync(o => o.CallbackUrl = receiver.Url);
        var client = sim.Client();
        var customer = (await client.ListExternalContactsAsync("zhangmin"))[0];

        await client.UpdateRemarkAsync(new WeComRemarkUpdate
        {
            UserId = "zhangmin", ExternalUserId = customer,
            Remark = "王小美-静安店VIP", Description = "喜欢护肤套装，周末到店，电话联系前先发消息", RemarkCompany = "上海美丽日化有限公司",
            RemarkMobiles = ["13800000001", "13800000002"],
        });
        var detail = await client.GetExternalContactAsync(customer);
        var page = await client.BatchGetByUserAsync(["zhangmin"], limit: 100);

        var follow = Assert.Single(detail.FollowUser, f => f.UserId == "zhangmin");
        Assert.Equal(("王小美-静安店VIP", "喜欢护肤套装，周末到店，电话联系前先发消息"), (follow.Remark, follow.Description));
        Assert.Equal("上海美丽日化有限公司", follow.RemarkCorpName);
        Assert.Equal(["13800000001", "13800000002"], follow.RemarkMobiles);
        var info = Assert.Single(page.ExternalContactList, c => c.ExternalContact.ExternalUserId == customer).FollowInfo;
        Assert.Equal(("王小美-静安店VIP", "上海美丽日化有限公司"), (info.Remark, info.RemarkCorpName));
        Assert.Equal(["13800000001", "13800000002"], info.RemarkMobiles);
        // API-made changes never come back as edit_external_contact.
        Assert.Empty(receiver.Events);
        Assert.Empty(sim.Corp.Callbacks);
    }

    [Fact]
    public async Task Remark_changes_only_the_given_fields_of_that_staff_members_relation()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();
        var (customer, staff, other) = await SharedCustomerAsync(client);
        var otherBefore = Notes((await client.GetExternalContactAsync(customer)).FollowUser.Single(f => f.UserId == other));
        var first = new WeComRemarkUpdate
        {
            UserId = staff, ExternalUserId = customer, Remark = "老客户", Description = "只买母婴", RemarkCompany = "个体户", RemarkMobiles = ["13900000009"],
        };

        await client.UpdateRemarkAsync(first);
        await client.UpdateRemarkAsync(new WeComRemarkUpdate { UserId = staff, ExternalUserId = customer, Description = "母婴和美妆" });
        var described = (await client.GetExternalContactAsync(customer)).FollowUser.Single(f => f.UserId == staff);
        await client.UpdateRemarkAsync(new WeComRemarkUpdate { UserId = staff, ExternalUserId = customer, RemarkMobiles = [] });
        var after = await client.GetExternalContactAsync(customer);

        Assert.Equal(("老客户", "母婴和美妆", "个体户"), (described.Remark, described.Description, described.RemarkCorpName));
        Assert.Equal(["13900000009"], described.RemarkMobiles);
        var cleared = after.FollowUser.Single(f => f.UserId == staff);
        Assert.Empty(cleared.RemarkMobiles!);
        Assert.Equal("老客户", cleared.Remark);
        // Remarks belong to the relation: the other staff member's notes are untouched.
        Assert.Equal(otherBefore, Notes(after.FollowUser.Single(f => f.UserId == other)));
    }

    [Fact]
    public async Task Chinese_remarks_at_the_limits_are_accepted_and_one_character_more_is_refused_at_the_client()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();
        var customer = (await client.ListExternalContactsAsync("lihua"))[0];
        var remark = string.Concat(Enumerable.Repeat("备注", 9)) + "客🌸"; // 20 characters, 21 UTF-16 units
        var description = new string('述', 150);

        await client.UpdateRemarkAsync(new WeComRemarkUpdate { UserId = "lihua", ExternalUserId = customer, Remark = remark, Description = description });
        var follow = (await client.GetExternalContactAsync(customer)).FollowUser.Single(f => f.UserId == "lihua");

        Assert.Equal((remark, description), (follow.Remark, follow.Description));
        Assert.Throws<ArgumentException>(() =>
        {
            _ = client.UpdateRemarkAsync(new WeComRemarkUpdate { UserId = "lihua", ExternalUserId = customer, Remark = remark + "啊" });
        });
    }

    [Fact]
    public async Task Unknown_or_departed_staff_and_someone_elses_customer_are_refused_with_wecom_errcodes()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();
        var customer = (await client.ListExternalContactsAsync("zhangmin"))[0];
        var followers = (await client.GetExternalContactAsync(customer)).FollowUser.Select(f => f.UserId).ToHashSet();
        var staff = await client.GetFollowUserListAsync();
        var stranger = staff.First(u => !followers.Contains(u));
        var (departed, departedCustomer) = await AnyOtherFollowerAsync(client, staff.Where(u => u != "zhangmin" && u != stranger));
        await sim.Control.ResignUserAsync(departed);

        var unknown = await Assert.ThrowsAsync<WeComApiException>(() =>
            client.UpdateRemarkAsync(new WeComRemarkUpdate { UserId = "ghost", ExternalUserId = customer, Remark = "x" }));
        var left = await Assert.ThrowsAsync<WeComApiException>(() =>
            client.UpdateRemarkAsync(new WeComRemarkUpdate { UserId = departed, ExternalUserId = departedCustomer, Remark = "x" }));
        var notTheirs = await Assert.ThrowsAsync<WeComApiException>(() =>
            client.UpdateRemarkAsync(new WeComRemarkUpdate { UserId = stranger, ExternalUserId = customer, Remark = "x" }));
        var noSuchCustomer = await Assert.ThrowsAsync<WeComApiException>(() =>
            client.UpdateRemarkAsync(new WeComRemarkUpdate { UserId = "zhangmin", ExternalUserId = "wmNOPE", Remark = "x" }));

        Assert.Equal(WeComErrorCodes.UserNotFound, unknown.ErrCode);
        Assert.Equal(WeComErrorCodes.UserNotFound, left.ErrCode);
        Assert.Equal(WeComErrorCodes.NotExternalContact, notTheirs.ErrCode);
        Assert.Equal(WeComErrorCodes.NotExternalContact, noSuchCustomer.ErrCode);
        Assert.Equal("cgi-bin/externalcontact/remark", notTheirs.Path);
        Assert.True(notTheirs.IsWeComAnswer);
        Assert.DoesNotContain((await client.GetExternalContactAsync(customer)).FollowUser, f => f.Remark == "x");
    }

    [Fact]
    public async Task Over_long_or_empty_remarks_are_refused_at_the_client_before_any_http()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();
        WeComRemarkUpdate Update(string? remark = null, string? description = null, string? company = null) =>
            new() { UserId = "zhangmin", ExternalUserId = "wm0", Remark = remark, Description = description, RemarkCompany = company };

        Assert.Throws<ArgumentException>(() => { _ = client.UpdateRemarkAsync(Update(remark: new string('名', 21))); });
        Assert.Throws<ArgumentException>(() => { _ = client.UpdateRemarkAsync(Update(description: new string('述', 151))); });
        Assert.Throws<ArgumentException>(() => { _ = client.UpdateRemarkAsync(Update(company: new string('司', 21))); });
        Assert.Throws<ArgumentException>(() => { _ = client.UpdateRemarkAsync(Update(remark: "")); });
        Assert.Throws<ArgumentException>(() => { _ = client.UpdateRemarkAsync(Update(remark: "x") with { UserId = "" }); });
        Assert.Throws<ArgumentNullException>(() => { _ = client.UpdateRemarkAsync(null!); });

        // Any HTTP would have started with gettoken.
        Assert.Equal(0, sim.Corp.GetTokenCalls);
    }

    [Theory]
    [InlineData("""{"remark":"一二三四五六七八九十一二三四五六七八九十一"}""")]
    [InlineData("""{"remark_company":"一二三四五六七八九十一二三四五六七八九十一"}""")]
    [InlineData("""{"description":"DESCRIPTION_151"}""")]
    [InlineData("""{"remark":"","remark_mobiles":[]}""")]
    [InlineData("""{"remark":123}""")]
    [InlineData("""{"remark_mobiles":"13800000001"}""")]
    public async Task Simulator_refuses_raw_requests_outside_the_contract_with_40058(string fields)
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();
        var customer = (await client.ListExternalContactsAsync("zhangmin"))[0];
        var before = Notes((await client.GetExternalContactAsync(customer)).FollowUser.Single(f => f.UserId == "zhangmin"));
        var body = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(fields.Replace("DESCRIPTION_151", new string('述', 151), StringComparison.Ordinal))!;
        body["userid"] = JsonSerializer.SerializeToElement("zhangmin");
        body["external_userid"] = JsonSerializer.SerializeToElement(customer);

        var response = await sim.Http().PostAsJsonAsync($"cgi-bin/externalcontact/remark?access_token={await client.GetTokenAsync()}", body);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(WeComErrorCodes.InvalidParameter, answer.GetProperty("errcode").GetInt32());
        Assert.Contains("more info", answer.GetProperty("errmsg").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, Notes((await client.GetExternalContactAsync(customer)).FollowUser.Single(f => f.UserId == "zhangmin")));
    }

    [Fact]
    public async Task Simulator_clears_remark_mobiles_with_a_single_empty_string_when_called_raw()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();
        var customer = (await client.ListExternalContactsAsync("zhangmin"))[0];
        await client.UpdateRemarkAsync(new WeComRemarkUpdate { UserId = "zhangmin", ExternalUserId = customer, RemarkMobiles = ["13800000001"] });

        var response = await sim.Http().PostAsJsonAsync($"cgi-bin/externalcontact/remark?access_token={await client.GetTokenAsync()}",
            new { userid = "zhangmin", external_userid = customer, remark_mobiles = new[] { "" } });
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(0, answer.GetProperty("errcode").GetInt32());
        Assert.Empty((await client.GetExternalContactAsync(customer)).FollowUser.Single(f => f.UserId == "zhangmin").RemarkMobiles!);
    }

    private static (string? Remark, string? Description, string? CorpName, string Mobiles) Notes(WeComFollowUser follow) =>
        (follow.Remark, follow.Description, follow.RemarkCorpName, string.Join('|', follow.RemarkMobiles ?? []));

    private static async Task<(string UserId, string Customer)> AnyOtherFollowerAsync(WeComApiClient client, IEnumerable<string> candidates)
    {
        foreach (var userId in candidates)
        {
            if (await client.ListExternalContactsAsync(userId) is [var customer, ..])
            {
                return (userId, customer);
            }
        }

        throw new InvalidOperationException("No other staff member has customers.");
    }

    /// <summary>A customer followed by at least two staff members: (customer, one follower, another follower).</summary>
    private static async Task<(string Customer, string Staff, string Other)> SharedCustomerAsync(WeComApiClient client)
    {
        foreach (var staff in await client.GetFollowUserListAsync())
        {
            foreach (var customer in await client.ListExternalContactsAsync(staff))
            {
                var followers = (await client.GetExternalContactAsync(customer)).FollowUser;
                if (followers.Count > 1)
                {
                    return (customer, staff, followers.First(f => f.UserId != staff).UserId);
                }
            }
        }

        throw new InvalidOperationException("The demo data has no customer shared by two staff members.");
    }
}
