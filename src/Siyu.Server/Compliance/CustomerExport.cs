using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Events;
using Siyu.Server.Customers;
using Siyu.Server.Data;

namespace Siyu.Server.Compliance;

/// <summary>
/// Everything Siyu holds about one customer, as one JSON document for the person (PIPL right of access and
/// portability). Unmasked on purpose: it is their own data; only admins download it, and each download is audited.
/// </summary>
public sealed class CustomerExport(CustomerReader reader, EventStore store, IDbContextFactory<SiyuDb> dbs, Tags.TagCatalog catalog)
{
    public const int FormatVersion = 1;

    public async Task<JsonObject?> BuildAsync(int tenantId, long customerId, long nowTicks)
    {
        if (await reader.GetAsync(tenantId, customerId) is not { } detail)
        {
            return null;
        }
        var id = detail.Profile.Id;
        await using var db = await dbs.CreateDbContextAsync();
        // The person is also every customer id that was merged into them.
        var members = await MembersAsync(db, tenantId, id);
        var events = new JsonArray();
        foreach (var e in AllEvents(tenantId, id))
        {
            events.Add(new JsonObject
            {
                ["seq"] = e.Seq, ["type"] = e.Type, ["timestamp"] = Iso(e.TimestampTicks), ["source"] = e.Source,
                ["original_customer_id"] = e.OriginalCustomerId,
                ["properties"] = e.Properties is null ? null : JsonNode.Parse(e.Properties),
                ["attributes"] = e.Attributes is null ? null : JsonNode.Parse(e.Attributes),
            });
        }
        var externalIds = detail.Identifiers.Where(i => i.Type is "external_userid").Select(i => i.Value).ToList();
        var messages = await db.OutboundMessages.AsNoTracking().Where(m => m.TenantId == tenantId && members.Contains(m.CustomerId)).OrderBy(m => m.Id).ToListAsync();
        var recipients = await db.MassSendRecipients.AsNoTracking().Where(r => r.TenantId == tenantId && (members.Contains(r.CustomerId) || externalIds.Contains(r.Target))).ToListAsync();
        var groups = await db.CustomerGroupMembers.AsNoTracking().Where(g => g.TenantId == tenantId && externalIds.Contains(g.MemberId)).ToListAsync();
        var groupNames = await db.CustomerGroups.AsNoTracking().Where(g => g.TenantId == tenantId).Select(g => new { g.ChatId, g.Name }).ToDictionaryAsync(g => g.ChatId, g => g.Name);
        var transfers = await db.CustomerTransfers.AsNoTracking().Where(t => t.TenantId == tenantId && externalIds.Contains(t.ExternalUserId)).ToListAsync();
        var profile = JsonSerializer.SerializeToNode(detail.ToDto(tag => catalog.Find(tenantId, tag), reveal: true), Json)!.AsObject();

        return new JsonObject
        {
            ["format"] = "siyu.customer-export",
            ["version"] = FormatVersion,
            ["generated_at"] = Iso(nowTicks),
            ["customer_id"] = id,
            ["customer_ids"] = new JsonArray([.. members.Select(m => (JsonNode?)JsonValue.Create(m))]),
            ["profile"] = profile,
            ["identifiers"] = new JsonArray([.. detail.Identifiers.Select(i => (JsonNode?)new JsonObject { ["type"] = i.Type, ["value"] = i.Value, ["attached_at"] = Iso(i.AttachedAtTicks) })]),
            ["merged_identifiers"] = new JsonArray([.. detail.Merges.SelectMany(m => m.MovedIdentifiers.Select(v => (JsonNode?)new JsonObject
            {
                ["identifier"] = v, ["merge_id"] = m.Id, ["from_customer_id"] = m.MergedId, ["merged_at"] = Iso(m.AtTicks), ["undone"] = m.UndoneAtTicks is not null,
            }))]),
            ["tag_history"] = Filter(events, EventTypes.TagAdded, EventTypes.TagRemoved),
            ["consent_history"] = Filter(events, EventTypes.ConsentGranted, EventTypes.ConsentRevoked),
            ["orders"] = JsonSerializer.SerializeToNode(reader.Orders(tenantId, id).Select(o => o.ToDto()).ToList(), Json),
            ["journeys"] = new JsonArray([.. events.Where(e => e!["type"]!.GetValue<string>().StartsWith("journey.", StringComparison.Ordinal)).Select(e => e!.DeepClone())]),
            ["wecom"] = new JsonObject
            {
                ["staff"] = JsonSerializer.SerializeToNode(detail.Profile.Staff, Json),
                ["groups"] = new JsonArray([.. groups.Select(g => (JsonNode?)new JsonObject
                {
                    ["chat_id"] = g.ChatId, ["group_name"] = groupNames.GetValueOrDefault(g.ChatId), ["name_in_group"] = g.Name, ["joined_at"] = Iso(g.JoinTimeTicks), ["join_scene"] = g.JoinScene,
                })]),
                ["transfers"] = new JsonArray([.. transfers.Select(t => (JsonNode?)new JsonObject
                {
                    ["kind"] = t.Kind, ["from"] = t.HandoverUserId, ["to"] = t.TakeoverUserId, ["status"] = t.Status, ["requested_at"] = Iso(t.RequestedAtTicks),
                })]),
            },
            ["messages"] = new JsonArray([.. messages.Select(m => (JsonNode?)new JsonObject
            {
                ["id"] = m.Id, ["channel"] = m.Channel, ["topic"] = m.Topic, ["text"] = m.Text, ["attachments"] = m.Attachments is null ? null : JsonNode.Parse(m.Attachments),
                ["sender"] = m.Sender, ["origin"] = m.Origin, ["status"] = m.Status, ["created_at"] = Iso(m.CreatedAtTicks), ["sent_at"] = m.SentAtTicks is { } s ? Iso(s) : null,
            })]),
            ["mass_send_recipients"] = new JsonArray([.. recipients.Select(r => (JsonNode?)new JsonObject
            {
                ["mass_send_id"] = r.MassSendId, ["target"] = r.Target, ["sender"] = r.Sender, ["status"] = r.Status, ["reason"] = r.Reason, ["sent_at"] = r.SentAtTicks is { } s ? Iso(s) : null,
            })]),
            ["events"] = events,
        };
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private static async Task<List<long>> MembersAsync(SiyuDb db, int tenantId, long id)
    {
        var members = new List<long> { id };
        for (var i = 0; i < members.Count && i < 10_000; i++)
        {
            var current = members[i];
            members.AddRange(await db.Customers.AsNoTracking().Where(c => c.TenantId == tenantId && c.MergedInto == current).Select(c => c.Id).ToListAsync());
        }
        return members;
    }

    /// <summary>Every event of the person in log order (the customer API's timeline is paged and newest first).</summary>
    private List<TimelineEvent> AllEvents(int tenantId, long id)
    {
        using var c = store.OpenReader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            SELECT Seq, Type, TimestampTicks, Properties, Attributes, Source, OriginalCustomerId FROM events
            WHERE TenantId = @t AND CustomerId = @c ORDER BY Seq
            """;
        cmd.Param("@t", tenantId);
        cmd.Param("@c", id);
        using var r = cmd.ExecuteReader();
        var list = new List<TimelineEvent>();
        while (r.Read())
        {
            list.Add(new TimelineEvent(r.GetInt64(0), r.GetString(1), r.GetInt64(2), r.IsDBNull(3) ? null : r.GetString(3),
                r.IsDBNull(4) ? null : r.GetString(4), r.GetString(5), r.GetInt64(6)));
        }
        return list;
    }

    private static JsonArray Filter(JsonArray events, params string[] types) =>
        new([.. events.Where(e => types.Contains(e!["type"]!.GetValue<string>())).Select(e => e!.DeepClone())]);

    private static string Iso(long ticks) => new DateTimeOffset(ticks, TimeSpan.Zero).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
}
