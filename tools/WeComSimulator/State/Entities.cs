using System.Text.Json;
using System.Text.Json.Serialization;
using Siyu.WeCom.Api;

namespace Siyu.WeComSimulator.State;

// Mutable entities, touched only under SimulatedCorp's lock.

internal sealed class SimDepartment
{
    public required long Id { get; init; }
    public required string Name { get; init; }
    public required string NameEn { get; init; }
    public required long ParentId { get; init; }
    public required long Order { get; init; }
    public List<string> Leaders { get; } = [];
}

internal sealed class SimUser
{
    public required string UserId { get; init; }
    public required string Name { get; init; }
    public required List<long> Departments { get; init; }
    public required string Position { get; init; }
    public required string Mobile { get; init; }

    /// <summary>A string, as user/get returns it.</summary>
    public required string Gender { get; init; }

    public required string Email { get; init; }
    public required string Alias { get; init; }
    public bool IsLeader { get; init; }
    public int Status { get; init; } = 1;
}

internal sealed class SimContact
{
    public required string ExternalUserId { get; init; }
    public required string Name { get; set; }
    public int Type { get; init; } = 1;

    /// <summary>An int, as externalcontact/get returns it.</summary>
    public int Gender { get; init; }

    public required string Avatar { get; init; }
    public string? UnionId { get; init; }
}

internal sealed class SimFollow
{
    public required string UserId { get; init; }
    public required string ExternalUserId { get; init; }
    public string? Remark { get; set; }
    public string? Description { get; set; }
    public required long CreateTime { get; init; }
    public List<string> TagIds { get; } = [];
    public string? State { get; init; }
    public int AddWay { get; init; }
    public required string OperUserId { get; init; }
}

internal sealed class SimTag
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required long CreateTime { get; init; }
    public required long Order { get; init; }
}

internal sealed class SimTagGroup
{
    public required string GroupId { get; init; }
    public required string GroupName { get; init; }
    public required long CreateTime { get; init; }
    public required long Order { get; init; }
    public List<SimTag> Tags { get; } = [];
}

internal sealed class SimContactWay
{
    public required WeComContactWay Way { get; init; }
    public required long CreatedAt { get; init; }
}

internal sealed class SimWelcomeCode
{
    public required string UserId { get; init; }
    public required string ExternalUserId { get; init; }
    public required DateTimeOffset ExpiresAt { get; init; }
    public bool Used { get; set; }
}

internal sealed class SimToken
{
    public required string Secret { get; init; }
    public required DateTimeOffset ExpiresAt { get; init; }
    public bool Revoked { get; set; }
}

/// <summary>A message the simulated corp "sent": an app message, a welcome message or a mass-send task.</summary>
/// <param name="Kind"><c>app</c>, <c>welcome</c> or <c>template</c>.</param>
/// <param name="Text">text.content, when the message has text.</param>
/// <param name="Payload">The request body as sent.</param>
public sealed record SimMessage(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("msgid")] string? MsgId,
    [property: JsonPropertyName("sent_at")] long SentAt,
    [property: JsonPropertyName("sender")] string? Sender,
    [property: JsonPropertyName("recipients")] IReadOnlyList<string> Recipients,
    [property: JsonPropertyName("text")] string? Text,
    [property: JsonPropertyName("payload")] JsonElement Payload);

/// <summary>One callback the simulator POSTed (or tried to) to the configured CallbackUrl.</summary>
public sealed record SimCallbackDelivery(
    [property: JsonPropertyName("event")] string Event,
    [property: JsonPropertyName("change_type")] string ChangeType,
    [property: JsonPropertyName("delivered")] bool Delivered,
    [property: JsonPropertyName("attempts")] int Attempts,
    [property: JsonPropertyName("status_code")] int? StatusCode,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("at")] long At);
