using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Serialization;
using Siyu.Core.Compliance;
using Siyu.Core.Customers;
using Siyu.Core.Scripts;
using Siyu.Server.Customers;
using Siyu.Server.Intents;
using Siyu.Server.Scripts;
using Siyu.Server.WeCom;
using Siyu.WeCom.Api;

namespace Siyu.Server.Sidebar;

/// <summary>What <c>wx.config</c> and <c>wx.agentConfig</c> need for one page URL.</summary>
public sealed record JsSdkConfig(
    [property: JsonPropertyName("corp_id")] string CorpId,
    [property: JsonPropertyName("agent_id")] long AgentId,
    [property: JsonPropertyName("timestamp")] long Timestamp,
    [property: JsonPropertyName("nonce_str")] string NonceStr,
    [property: JsonPropertyName("signature")] string Signature,
    [property: JsonPropertyName("agent_signature")] string AgentSignature);

/// <summary>A recommended script, filled in for the customer, with why it was picked.</summary>
public sealed record SidebarScript(
    [property: JsonPropertyName("script_id")] long ScriptId,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("text")] string? Text,
    [property: JsonPropertyName("url")] string? Url,
    [property: JsonPropertyName("matched_intents")] IReadOnlyList<string> MatchedIntents,
    [property: JsonPropertyName("matched_tags")] IReadOnlyList<long> MatchedTags,
    [property: JsonPropertyName("score")] double Score);

public sealed record SidebarOrder(
    [property: JsonPropertyName("order_id")] string OrderId,
    [property: JsonPropertyName("amount")] decimal Amount,
    [property: JsonPropertyName("category")] string? Category,
    [property: JsonPropertyName("paid_at")] DateTimeOffset PaidAt,
    [property: JsonPropertyName("refunded")] decimal Refunded);

public sealed record SidebarTag(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("source")] string? Source);

/// <summary>The customer 360 the sidebar shows: identifiers masked (the sidebar never reveals), tags, orders, intents, scripts.</summary>
public sealed record SidebarView(
    [property: JsonPropertyName("customer_id")] long CustomerId,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("identifiers")] IReadOnlyList<IdentifierView> Identifiers,
    [property: JsonPropertyName("staff")] IReadOnlyList<string> Staff,
    [property: JsonPropertyName("lifecycle_stage")] string? LifecycleStage,
    [property: JsonPropertyName("rfm_segment")] string? RfmSegment,
    [property: JsonPropertyName("orders")] int Orders,
    [property: JsonPropertyName("net_spend")] decimal NetSpend,
    [property: JsonPropertyName("tags")] IReadOnlyList<SidebarTag> Tags,
    [property: JsonPropertyName("recent_orders")] IReadOnlyList<SidebarOrder> RecentOrders,
    [property: JsonPropertyName("intents")] IntentsApi.CustomerIntents Intents,
    [property: JsonPropertyName("scripts")] IReadOnlyList<SidebarScript> Scripts);

/// <summary>
/// The staff sidebar (侧边栏) inside the WeCom chat window: the JS-SDK signatures for the page, the customer behind the
/// chat's external_userid, and one view of that customer for the staff member. Scripts are recommended by the
/// customer's recent intents and tags (<see cref="ScriptRecommender"/>) and rendered for them.
/// </summary>
public sealed class SidebarService(
    WeComConnections connections, CustomerReader reader, ScriptLibrary scripts, Tags.TagCatalog catalog, TimeProvider time)
{
    public const int RecentOrders = 5;
    public const int Recommendations = 5;
    private static readonly TimeSpan TicketMargin = TimeSpan.FromMinutes(5);
    private readonly ConcurrentDictionary<(int Tenant, bool Agent), (string Ticket, DateTimeOffset Until)> _tickets = new();

    /// <summary>Signatures for <paramref name="url"/>; null when the tenant has no WeCom app (corp id, agent id and secret).</summary>
    public async Task<JsSdkConfig?> JsConfigAsync(int tenantId, string url, CancellationToken ct = default)
    {
        if (connections.Get(tenantId) is not { CanCallApi: true, AgentId: { } agentId } connection)
        {
            return null;
        }
        var client = connections.Client(connection);
        var corpTicket = await TicketAsync(tenantId, false, () => client.GetCorpJsApiTicketAsync(ct));
        var agentTicket = await TicketAsync(tenantId, true, () => client.GetAgentJsApiTicketAsync(ct));
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        return new JsSdkConfig(connection.CorpId, agentId, timestamp, nonce,
            JsSdkSignature.Sign(corpTicket, nonce, timestamp, url), JsSdkSignature.Sign(agentTicket, nonce, timestamp, url));
    }

    // WeCom limits ticket fetches per app: one ticket per tenant and kind until shortly before it expires.
    private async Task<string> TicketAsync(int tenantId, bool agent, Func<Task<WeComJsApiTicket>> fetch)
    {
        var now = time.GetUtcNow();
        if (_tickets.TryGetValue((tenantId, agent), out var cached) && cached.Until > now)
        {
            return cached.Ticket;
        }
        var fresh = await fetch();
        _tickets[(tenantId, agent)] = (fresh.Ticket, now.AddSeconds(fresh.ExpiresIn) - TicketMargin);
        return fresh.Ticket;
    }

    public long? FindByExternalUserId(int tenantId, string externalUserId) =>
        reader.FindCustomer(tenantId, IdentifierType.ExternalUserId, externalUserId);

    /// <summary>The view of the customer, or null when unknown or outside <paramref name="scope"/>.</summary>
    public async Task<SidebarView?> ViewAsync(int tenantId, long customerId, Core.Access.DataScope scope)
    {
        if (await reader.GetVisibleAsync(tenantId, customerId, scope) is not { } detail)
        {
            return null;
        }
        var profile = detail.Profile;
        var now = time.GetUtcNow();
        var intents = IntentsApi.Recent(reader, tenantId, profile.Id, 30, now);
        var tags = profile.Tags.Select(t => (t, info: catalog.Find(tenantId, t.TagId))).Where(x => x.info is { Deleted: false })
            .Select(x => new SidebarTag(x.t.TagId, x.info!.Name, x.t.Source)).ToList();
        var library = await scripts.ListAsync(tenantId, limit: 500);
        var picked = ScriptRecommender.Recommend(
            library.Select(s => new ScriptCandidate(s.Id, s.TagIds, s.Intents, s.Uses)),
            tags.Select(t => t.Id).ToHashSet(),
            [.. intents.Recent.Select(r => new RecentIntent(r.Intent, r.At))], now, Recommendations);
        var byId = library.ToDictionary(s => s.Id);
        var rendered = new List<SidebarScript>();
        foreach (var p in picked)
        {
            var s = byId[p.ScriptId];
            var text = s.Text is null ? null : ScriptLibrary.Render(s.Text, profile);
            rendered.Add(new SidebarScript(s.Id, s.Title, s.Kind, text, s.Url, p.MatchedIntents, p.MatchedTags, Math.Round(p.Score, 3)));
        }
        var orders = reader.Orders(tenantId, profile.Id).OrderByDescending(o => o.PaidAtTicks).Take(RecentOrders)
            .Select(o => new SidebarOrder(o.OrderId, o.Amount, o.Category, new DateTimeOffset(o.PaidAtTicks, TimeSpan.Zero), o.Refunded)).ToList();
        var identifiers = detail.Identifiers
            .Select(i => i with { Value = PiiMask.Mask(PiiMask.KindOfIdentifier(i.Type), i.Value) }).ToList();
        return new SidebarView(profile.Id, profile.Name, identifiers, [.. profile.Staff.Keys], profile.Lifecycle?.Stage, profile.RfmSegment,
            profile.Orders, profile.Spend - profile.Refunded, tags, orders, intents, rendered);
    }
}
