using System.Net.Http.Json;
using System.Text.Json;
using Siyu.WeCom.Api;

namespace Siyu.WeCom.Tests.Simulator;

/// <summary>Frequency limits injected through /sim/ratelimit, and the client's backoff over real HTTP.</summary>
public sealed class RateLimitOverSimulatorTests
{
    [Fact]
    public async Task Injected_45009_is_retried_with_backoff_until_the_call_succeeds()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();
        await client.GetTokenAsync();

        (await sim.Http().PostAsJsonAsync("sim/ratelimit", new { count = 2, path = "user/get" })).EnsureSuccessStatusCode();
        var user = await client.GetUserAsync("zhangmin");

        Assert.Equal("张敏", user.Name);
        Assert.Equal(3, sim.Corp.ApiCallCount("user/get"));
        Assert.Equal(1, sim.Corp.GetTokenCalls);
    }

    [Fact]
    public async Task A_limit_on_one_api_leaves_the_others_alone()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();

        sim.Control.InjectRateLimit(1, "/cgi-bin/externalcontact/groupchat/list");
        await client.GetFollowUserListAsync();
        var page = await client.ListGroupChatsAsync(new WeComGroupChatListRequest { Limit = 100 });

        Assert.Equal(1, sim.Corp.ApiCallCount("externalcontact/get_follow_user_list"));
        Assert.Equal(2, sim.Corp.ApiCallCount("externalcontact/groupchat/list"));
        Assert.NotEmpty(page.GroupChatList);
    }

    [Fact]
    public async Task Exhausted_attempts_surface_45009_and_clearing_the_limit_restores_service()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client(retry: SimulatorHost.FastRetry(maxAttempts: 3));

        sim.Control.InjectRateLimit(10, "user/get");
        var ex = await Assert.ThrowsAsync<WeComApiException>(() => client.GetUserAsync("lihua"));
        (await sim.Http().DeleteAsync("sim/ratelimit")).EnsureSuccessStatusCode();
        var user = await client.GetUserAsync("lihua");

        Assert.Equal(WeComErrorCodes.ApiFrequencyLimit, ex.ErrCode);
        Assert.True(ex.IsRetryable);
        Assert.Equal("李华", user.Name);
        Assert.Equal(4, sim.Corp.ApiCallCount("user/get"));
    }

    [Fact]
    public async Task Concurrency_limits_and_gateway_errors_are_retried_too()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();

        (await sim.Http().PostAsJsonAsync("sim/ratelimit", new { path = "department/list", errcode = 45033 })).EnsureSuccessStatusCode();
        (await sim.Http().PostAsJsonAsync("sim/ratelimit", new { path = "department/list", http_status = 502 })).EnsureSuccessStatusCode();
        var departments = await client.ListDepartmentsAsync();

        Assert.Equal(3, departments.Count);
        Assert.Equal(3, sim.Corp.ApiCallCount("department/list"));
    }

    [Fact]
    public async Task A_limit_on_every_api_hits_gettoken_first_and_the_call_still_succeeds()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();

        sim.Control.InjectRateLimit(1);
        var ids = await client.GetFollowUserListAsync();

        Assert.Equal(8, ids.Count);
        Assert.Equal(2, sim.Corp.ApiCallCount("gettoken"));
        Assert.Equal(1, sim.Corp.GetTokenCalls); // the refused call never reached the token logic
    }

    [Fact]
    public async Task Injected_limit_answers_like_wecom()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var token = await sim.Client().GetTokenAsync();

        sim.Control.InjectRateLimit(1, "user/get");
        using var doc = JsonDocument.Parse(await sim.Http().GetStringAsync($"cgi-bin/user/get?access_token={token}&userid=zhangmin"));
        var bad = await sim.Http().PostAsJsonAsync("sim/ratelimit", new { count = 0 });

        Assert.Equal(45009, doc.RootElement.GetProperty("errcode").GetInt32());
        Assert.Contains("freq", doc.RootElement.GetProperty("errmsg").GetString(), StringComparison.Ordinal);
        Assert.Equal(400, (int)bad.StatusCode);
    }
}
