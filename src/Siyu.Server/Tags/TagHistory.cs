using System.Text.Json.Nodes;
using Siyu.Core.Events;
using Siyu.Core.Tags;
using Siyu.Server.Customers;

namespace Siyu.Server.Tags;

public sealed record TagHistoryEntry(long Seq, long TagId, string? TagName, string Action, string Source, string? Actor, string? Reason, DateTimeOffset At);

/// <summary>A customer's tag changes, newest first, read from its <c>tag.added</c>/<c>tag.removed</c> events.</summary>
public static class TagHistory
{
    public static List<TagHistoryEntry> Read(CustomerReader reader, TagCatalog catalog, int tenant, long customerId) =>
        [.. reader.Timeline(tenant, customerId, null, 500, EventTypes.TagAdded).Concat(reader.Timeline(tenant, customerId, null, 500, EventTypes.TagRemoved))
            .OrderByDescending(e => e.TimestampTicks).ThenByDescending(e => e.Seq)
            .Select(e =>
            {
                var p = JsonNode.Parse(e.Properties ?? "{}")!.AsObject();
                var tagId = p["tag_id"]!.GetValue<long>();
                return new TagHistoryEntry(e.Seq, tagId, catalog.Find(tenant, tagId)?.Name, e.Type == EventTypes.TagAdded ? "added" : "removed",
                    p["source"]?.GetValue<string>() ?? TagSource.Manual, p["actor"]?.GetValue<string>(), p["reason"]?.GetValue<string>(),
                    new DateTimeOffset(e.TimestampTicks, TimeSpan.Zero));
            })];
}
