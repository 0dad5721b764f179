using System.Text.Json.Nodes;
using Siyu.Core.Customers;
using Siyu.Core.Events;
using Siyu.Core.Tags;
using Siyu.Server.Audiences;

namespace Siyu.Server.Partitions;

/// <summary>
/// Keyword tags: a customer's message (<c>message.received</c>) that contains one of a keyword tag's words adds the tag,
/// with the word and the message as the reason on the tag history. Only new messages tag (replays at activation do not),
/// and each (tag, customer, message) is appended once: its idempotency key names the message's log position.
/// </summary>
public sealed partial class PartitionGrain
{
    private const int EvidenceLength = 60;
    private readonly List<(long CustomerId, long TagId, string Word, string Text, long Seq)> _keywordHits = [];

    private void KeywordsOnEvent(CustomerProfile profile, ProfileEvent e)
    {
        if (e.Type != EventTypes.MessageReceived || e.Properties?["text"] is not JsonValue value || !value.TryGetValue<string>(out var text) || text.Length == 0)
        {
            return;
        }
        if (ServiceProvider.GetRequiredService<ConditionCatalogs>().Get(_tenantId).Keywords is not { } keywords)
        {
            return;
        }
        foreach (var (tagId, word) in keywords.Match(text))
        {
            if (!profile.HasTag(tagId) && !_keywordHits.Exists(h => h.CustomerId == profile.CustomerId && h.TagId == tagId))
            {
                _keywordHits.Add((profile.CustomerId, tagId, word, text, e.Seq));
            }
        }
    }

    private async Task WriteKeywordTagsAsync()
    {
        if (_keywordHits.Count == 0)
        {
            return;
        }
        var now = time.GetUtcNow();
        var events = _keywordHits.Select(h => new IncomingEvent(
            $"keyword:{h.TagId}:{h.CustomerId}:{h.Seq}", EventTypes.TagAdded, now, [], h.CustomerId,
            new JsonObject
            {
                ["tag_id"] = h.TagId, ["source"] = TagSource.Keyword, ["actor"] = "keyword",
                ["reason"] = $"关键词「{h.Word}」：{(h.Text.Length > EvidenceLength ? h.Text[..EvidenceLength] + "…" : h.Text)}",
                ["message_seq"] = h.Seq,
            },
            null, TagSource.Keyword)).ToList();
        _keywordHits.Clear();
        if (await AppendTagEventsAsync(events) is { } failure)
        {
            LogKeywordWriteFailed(logger, failure, _tenantId, _partition, events.Count);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing {Count} keyword tags for partition {Tenant}/{Partition} failed")]
    private static partial void LogKeywordWriteFailed(ILogger logger, Exception e, int tenant, int partition, int count);
}
