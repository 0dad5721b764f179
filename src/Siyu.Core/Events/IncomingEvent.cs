using System.Text.Json.Nodes;
using Siyu.Core.Customers;

namespace Siyu.Core.Events;

/// <summary>A validated event as accepted at the edge, before identity resolution.</summary>
public sealed record IncomingEvent(
    string IdempotencyKey,
    string Type,
    DateTimeOffset Timestamp,
    IReadOnlyList<(IdentifierType Type, string RawValue)> Identifiers,
    long? CustomerId,
    JsonObject Properties,
    JsonObject? Attributes,
    string Source)
{
    // Serialised where the event is accepted (request threads), so the single log writer only binds strings.
    public string? PropertiesJson { get; } = Properties.Count == 0 ? null : Properties.ToJsonString(JsonStorage.Options);

    public string? AttributesJson { get; } = Attributes?.ToJsonString(JsonStorage.Options);
}

/// <summary>A problem with one field of a request, named by its JSON path (e.g. <c>events[3].timestamp</c>).</summary>
public sealed record FieldError(string Path, string Message);
