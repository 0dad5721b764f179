using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Siyu.WeComSimulator;

namespace Siyu.Server.Tests.WeCom;

/// <summary>Full sync against a simulated corp with 10,000 customers over real HTTP, run twice.</summary>
public sealed class WeComSyncTests : IAsyncLifetime
{
    private readonly SiyuFactory _factory = new();
    private WebApplication _simulator = null!;
    private HttpClient _sim = null!;
    private HttpClient _admin = null!;
    private HttpClient _api = null!;

    public async Task InitializeAsync()
    {
        var options = new SimulatorOptions { Urls = "http://127.0.0.1:0", ExternalContactCount = 10_000, CallbackRetries = 0 };
        _simulator = SimulatorApp.Create(options);
        await _simulator.StartAsync();
        var simAddress = SimulatorApp.GetBaseAddress(_simulator);
        _sim = new HttpClient { BaseAddress = simAddress };
        _admin = await _factory.AdminClientAsync();
        _api = _factory.ApiClient();
        var saved = await _admin.PutAsJsonAsync("/api/v1/wecom/settings", new
        {
            corp_id = options.CorpId, secret = options.Secrets[0], token = options.Token, encoding_aes_key = options.EncodingAESKey,
            api_base_address = simAddress.ToString(),
        });
        Assert.Equal(HttpStatusCode.NoContent, saved.StatusCode);
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _simulator.StopAsync();
        await _simulator.DisposeAsync();
    }

    private async Task<JsonNode> SyncAsync()
    {
        var before = (await _admin.GetJsonOrNull("/api/v1/wecom/sync"))!["last"]?["id"]?.GetValue<long>() ?? 0;
        Assert.Equal(HttpStatusCode.Accepted, (await _admin.PostAsync("/api/v1/wecom/sync", null)).StatusCode);
        var status = await Json.EventuallyAsync(() => _admin.GetJsonOrNull("/api/v1/wecom/sync"),
            s => s["last"]?["id"]?.GetValue<long>() > before && s["last"]!["finished_at"] is not null, attempts: 600);
        Assert.Null(status["last"]!["error"]);
        return status["last"]!;
    }

    [Fact]
    public async Task Ten_thousand_customers_sync_completely_and_a_second_sync_changes_nothing()
    {
        var corp = (await _sim.GetJsonOrNull("/sim/state"))!;
        var contacts = corp["external_contacts"]!.GetValue<int>();
        var follows = corp["follows"]!.GetValue<int>();
        var users = corp["users"]!.AsArray().Count;
        Assert.Equal(10_000, contacts);

        var first = await SyncAsync();
        Assert.Equal(follows, first["customers"]!.GetValue<int>()); // one customer.added per follow relation, paged through
        Assert.Equal(users, first["staff"]!.GetValue<int>());
        var staff = (await _api.GetJsonOrNull("/api/v1/wecom/staff"))!.AsArray();
        Assert.Equal(users, staff.Count);

        var total = await Json.EventuallyAsync(() => _api.GetJsonOrNull("/api/v1/customers?limit=1"), p => p["total"]!.GetValue<int>() == contacts);
        Assert.Equal(contacts, total["total"]!.GetValue<int>());

        // Corp tags arrived as Siyu tags of kind wecom.
        var groups = (await _api.GetJsonOrNull("/api/v1/tag-groups"))!.AsArray();
        Assert.Contains(groups.SelectMany(g => g!["tags"]!.AsArray()), t => t!["kind"]!.GetValue<string>() == "wecom");

        var second = await SyncAsync();
        Assert.Equal(first["customers"]!.GetValue<int>(), second["customers"]!.GetValue<int>());
        await Task.Delay(500);
        Assert.Equal(contacts, (await _api.GetJsonOrNull("/api/v1/customers?limit=1"))!["total"]!.GetValue<int>());
        var sample = (await _api.GetJsonOrNull("/api/v1/customers?limit=1"))!["items"]![0]!["id"]!.GetValue<long>();
        var timeline = (await _api.GetJsonOrNull($"/api/v1/customers/{sample}/events"))!.AsArray();
        var adds = timeline.Where(e => e!["type"]!.GetValue<string>() == "customer.added").Select(e => e!["properties"]?.ToJsonString()).ToList();
        Assert.Equal(adds.Count, adds.Distinct().Count()); // the re-run stored no second copy of any relation
    }
}
