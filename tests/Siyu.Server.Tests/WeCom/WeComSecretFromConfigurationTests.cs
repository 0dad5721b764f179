using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Siyu.WeComSimulator;

namespace Siyu.Server.Tests.WeCom;

/// <summary>
/// A deployment keeps the WeCom secret in its secret store (<c>Siyu__WeCom__Tenants__{slug}__Secret</c>), not in the
/// database: the configured secret wins over whatever the console stored, so a sync over real HTTP succeeds with it and
/// fails without it.
/// </summary>
public sealed class WeComSecretFromConfigurationTests : IAsyncLifetime
{
    private WebApplication _simulator = null!;
    private SimulatorOptions _options = null!;

    public async Task InitializeAsync()
    {
        _options = new SimulatorOptions { Urls = "http://127.0.0.1:0", ExternalContactCount = 20, CallbackRetries = 0 };
        _simulator = SimulatorApp.Create(_options);
        await _simulator.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _simulator.StopAsync();
        await _simulator.DisposeAsync();
    }

    private async Task<JsonNode> SyncWithStoredSecretAsync(SiyuFactory factory, string storedSecret)
    {
        using var admin = await factory.AdminClientAsync();
        var saved = await admin.PutAsJsonAsync("/api/v1/wecom/settings", new
        {
            corp_id = _options.CorpId, secret = storedSecret, token = _options.Token, encoding_aes_key = _options.EncodingAESKey,
            api_base_address = SimulatorApp.GetBaseAddress(_simulator).ToString(),
        });
        Assert.Equal(HttpStatusCode.NoContent, saved.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync("/api/v1/wecom/sync", null)).StatusCode);
        var status = await Json.EventuallyAsync(() => admin.GetJsonOrNull("/api/v1/wecom/sync"), s => s["last"]?["finished_at"] is not null, attempts: 600);
        return status["last"]!;
    }

    [Fact]
    public async Task The_configured_secret_wins_over_the_stored_one()
    {
        await using var factory = new SiyuFactory(settings: new Dictionary<string, string> { ["Siyu:WeCom:Tenants:demo:Secret"] = _options.Secrets[0] });
        var sync = await SyncWithStoredSecretAsync(factory, "stored-but-wrong");
        Assert.Null(sync["error"]);
        Assert.True(sync["customers"]!.GetValue<int>() >= 20);
    }

    [Fact]
    public async Task Without_configuration_the_stored_secret_is_used()
    {
        await using var factory = new SiyuFactory();
        var sync = await SyncWithStoredSecretAsync(factory, "stored-but-wrong");
        Assert.NotNull(sync["error"]);
    }
}
