using System.Text.Json.Nodes;
using Siyu.Core.Customers;
using Siyu.Core.Events;

namespace Siyu.Server.Customers;

/// <summary>One change of a customer's consent: an opt-in or unsubscribe (console, API, form, reply keyword), newest first.</summary>
public sealed record ConsentHistoryEntry(DateTimeOffset At, string Channel, string Topic, bool Granted, string? Source, string? By, string? Reason);

/// <summary>The consent centre's history: consent events and unsubscribe replies (退订) from the customer's log.</summary>
public static class ConsentHistory
{
    public const int Limit = 500;

    public static List<ConsentHistoryEntry> Read(CustomerReader reader, int tenantId, long customerId)
    {
        var entries = new List<ConsentHistoryEntry>();
        foreach (var type in new[] { EventTypes.ConsentGranted, EventTypes.ConsentRevoked })
        {
            foreach (var e in reader.Timeline(tenantId, customerId, null, Limit, type))
            {
                var p = Parse(e.Properties);
                if (Text(p, "channel") is { } channel && Text(p, "topic") is { } topic)
                {
                    entries.Add(new ConsentHistoryEntry(At(e.TimestampTicks), channel, topic, type == EventTypes.ConsentGranted, Text(p, "source"), Text(p, "by"), Text(p, "reason")));
                }
            }
        }
        // A bare 退订 reply revoked every channel's marketing when it was applied (see UnsubscribeReply).
        foreach (var e in reader.Timeline(tenantId, customerId, null, Limit, EventTypes.MessageReceived))
        {
            if (Text(Parse(e.Properties), "text") is { } text && UnsubscribeReply.Matches(text))
            {
                entries.Add(new ConsentHistoryEntry(At(e.TimestampTicks), ConsentScopes.AllChannels, "marketing", false, UnsubscribeReply.Source, null, text.Trim()));
            }
        }
        return [.. entries.OrderByDescending(e => e.At).Take(Limit)];
    }

    private static DateTimeOffset At(long ticks) => new(ticks, TimeSpan.Zero);

    private static JsonNode? Parse(string? json)
    {
        try
        {
            return json is null ? null : JsonNode.Parse(json);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonNode? node, string name) =>
        node?[name] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;
}
