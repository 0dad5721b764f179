using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Siyu.WeCom.Api;

namespace Siyu.WeCom.Tests.Simulator;

public sealed class DependencyInjectionTests
{
    [Fact]
    public async Task AddWeComApi_clients_share_one_token_cache_and_use_the_configured_base_address()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(new FakeTimeProvider(DateTimeOffset.UtcNow));
        services.AddWeComApi(o => o.BaseAddress = sim.BaseAddress);
        await using var provider = services.BuildServiceProvider();
        var factory = provider.GetRequiredService<WeComApiClientFactory>();
        var credentials = new WeComCredentials(sim.Options.CorpId, sim.Options.Secrets[0]);

        var first = await factory.Create(credentials).GetUserAsync("zhangmin");
        var second = await factory.Create(credentials).GetFollowUserListAsync();

        Assert.Equal("张敏", first.Name);
        Assert.Equal(8, second.Count);
        Assert.Equal(1, sim.Corp.GetTokenCalls);
    }
}
