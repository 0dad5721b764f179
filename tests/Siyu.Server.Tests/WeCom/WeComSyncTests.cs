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
    private SimulatorOptions _options = null!;
    private HttpClient _sim = null!;
    private HttpClient _admin = null!;
    private HttpClient _api = null!;

    public async Task InitializeAsync()
    {
        var options = _options = new SimulatorOptions { Urls = "http://127.0.0.1:0", ExternalContactCount = 10_000, CallbackRetries = 0 };
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

        // Oracle, straight from the (simulated) WeCom API: every external contact, plus group members who are nobody's contact.
        var wecom = new Siyu.WeCom.Api.WeComApiClient(_sim, new Siyu.WeCom.Api.WeComCredentials(_options.CorpId, _options.Secrets[0]));
        var people = new HashSet<string>();
        foreach (var userId in await wecom.GetFollowUserListAsync())
        {
            people.UnionWith(await wecom.ListExternalContactsAsync(userId));
        }
        Assert.Equal(contacts, people.Count);
        string? cursor = null;
        do
        {
            var page = await wecom.ListGroupChatsAsync(new Siyu.WeCom.Api.WeComGroupChatListRequest { Cursor = cursor, Limit = 1000 });
            foreach (var chat in page.GroupChatList)
            {
                people.UnionWith((await wecom.GetGroupChatAsync(chat.ChatId)).MemberList.Where(m => m.Type == Siyu.WeCom.Api.WeComGroupChatMemberType.External).Select(m => m.UserId));
            }
            cursor = string.IsNullOrEmpty(page.NextCursor) ? null : page.NextCursor;
        }
        while (cursor is not null);
        var total = await Json.EventuallyAsync(() => _api.GetJsonOrNull("/api/v1/customers?limit=1"), p => p["total"]!.GetValue<int>() == people.Count);
        Assert.Equal(people.Count, total["total"]!.GetValue<int>());

        // Customer groups with their members, as the corp has them.
        Assert.Equal(corp["group_chats"]!.GetValue<int>(), first["groups"]!.GetValue<int>());
        var groups = (await _api.GetJsonOrNull("/api/v1/wecom/groups"))!.AsArray();
        Assert.Equal(corp["group_chats"]!.GetValue<int>(), groups.Count);
        Assert.Contains(groups, g => g!["external_members"]!.GetValue<int>() > 0);

        // Corp tags arrived as Siyu tags of kind wecom.
        var tagGroups = (await _api.GetJsonOrNull("/api/v1/tag-groups"))!.AsArray();
        Assert.Contains(tagGroups.SelectMany(g => g!["tags"]!.AsArray()), t => t!["kind"]!.GetValue<string>() == "wecom");

        var second = await SyncAsync();
        Assert.Equal(first["customers"]!.GetValue<int>(), second["customers"]!.GetValue<int>());
        await Task.Delay(500);
        Assert.Equal(people.Count, (await _api.GetJsonOrNull("/api/v1/customers?limit=1"))!["total"]!.GetValue<int>());
        var sample = (await _api.GetJsonOrNull("/api/v1/customers?limit=1"))!["items"]![0]!["id"]!.GetValue<long>();
        var timeline = (await _api.GetJsonOrNull($"/api/v1/customers/{sample}/events"))!.AsArray();
        var adds = timeline.Where(e => e!["type"]!.GetValue<string>() == "customer.added").Select(e => e!["properties"]?.ToJsonString()).ToList();
        Assert.Equal(adds.Count, adds.Distinct().Count()); // the re-run stored no second copy of any relation
    }

    [Fact]
    public async Task On_job_transfer_is_requested_followed_and_moves_the_customer_when_wecom_completes_it()
    {
        await SyncAsync();
        // One of zhangmin's customers (as WeCom lists them) who is not also wangfang's.
        var wecom = new Siyu.WeCom.Api.WeComApiClient(_sim, new Siyu.WeCom.Api.WeComCredentials(_options.CorpId, _options.Secrets[0]));
        var wangfang = (await wecom.ListExternalContactsAsync("wangfang")).ToHashSet();
        var pick = (await wecom.ListExternalContactsAsync("zhangmin")).First(e => !wangfang.Contains(e));
        var id = (await _api.GetJsonOrNull($"/api/v1/customers?q={pick}"))!["items"]![0]!["id"]!.GetValue<long>();

        var bad = await _admin.PostAsJsonAsync("/api/v1/wecom/transfers", new { kind = "onjob", handover_userid = "zhangmin", takeover_userid = "zhangmin", customer_ids = new[] { id } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("takeover_userid", (await bad.ReadAsync())["errors"]!.AsObject().Select(e => e.Key));

        var started = await _admin.PostAsJsonAsync("/api/v1/wecom/transfers", new
        {
            kind = "onjob", handover_userid = "zhangmin", takeover_userid = "wangfang", customer_ids = new[] { id }, message = "您好，之后由王芳为您服务",
        });
        Assert.True(started.StatusCode == HttpStatusCode.OK, await started.Content.ReadAsStringAsync());
        var outcome = await started.ReadAsync();
        Assert.Equal(1, outcome["requested"]!.GetValue<int>());
        var external = outcome["transfers"]![0]!["external_userid"]!.GetValue<string>();
        Assert.Equal("waiting", outcome["transfers"]![0]!["status"]!.GetValue<string>());

        // Nothing moves while WeCom waits (24 h in reality).
        Assert.Equal(0, (await (await _admin.PostAsync("/api/v1/wecom/transfers/refresh", null)).ReadAsync())["finished"]!.GetValue<int>());

        var complete = await _sim.PostAsJsonAsync("/sim/transfers/complete", new { handover_userid = "zhangmin", takeover_userid = "wangfang", external_userid = external });
        Assert.Equal(HttpStatusCode.OK, complete.StatusCode);
        Assert.Equal(1, (await (await _admin.PostAsync("/api/v1/wecom/transfers/refresh", null)).ReadAsync())["finished"]!.GetValue<int>());
        var list = (await _api.GetJsonOrNull("/api/v1/wecom/transfers"))!.AsArray();
        Assert.Equal("success", list.Single(t => t!["external_userid"]!.GetValue<string>() == external)!["status"]!.GetValue<string>());

        var moved = await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{id}"),
            c => c["staff"]!.AsObject().ContainsKey("wangfang") && !c["staff"]!.AsObject().ContainsKey("zhangmin"));
        Assert.NotNull(moved);
    }
}
