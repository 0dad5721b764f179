using System.Text.Json.Serialization;

namespace Siyu.WeCom.Api;

/// <summary>A corp tag (企业标签) inside a group.</summary>
public sealed record WeComCorpTag
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("create_time")] public long CreateTime { get; init; }
    [JsonPropertyName("order")] public long Order { get; init; }
    [JsonPropertyName("deleted")] public bool Deleted { get; init; }
}

/// <summary>A corp tag group with its tags.</summary>
public sealed record WeComCorpTagGroup
{
    [JsonPropertyName("group_id")] public required string GroupId { get; init; }
    [JsonPropertyName("group_name")] public required string GroupName { get; init; }
    [JsonPropertyName("create_time")] public long CreateTime { get; init; }
    [JsonPropertyName("order")] public long Order { get; init; }
    [JsonPropertyName("deleted")] public bool Deleted { get; init; }
    [JsonPropertyName("tag")] public IReadOnlyList<WeComCorpTag> Tag { get; init; } = [];
}

/// <summary>A tag to create with <c>add_corp_tag</c>.</summary>
public sealed record WeComNewCorpTag
{
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("order")] public long? Order { get; init; }
}

/// <summary>
/// <c>externalcontact/add_corp_tag</c>: tags are added to <see cref="GroupId"/> when set, else to the group
/// named <see cref="GroupName"/> (created when missing).
/// </summary>
public sealed record WeComAddCorpTagRequest
{
    [JsonPropertyName("group_id")] public string? GroupId { get; init; }
    [JsonPropertyName("group_name")] public string? GroupName { get; init; }
    [JsonPropertyName("order")] public long? Order { get; init; }
    [JsonPropertyName("tag")] public required IReadOnlyList<WeComNewCorpTag> Tag { get; init; }
    [JsonPropertyName("agentid")] public long? AgentId { get; init; }
}

internal sealed record CorpTagListRequest
{
    [JsonPropertyName("tag_id")] public IReadOnlyList<string>? TagId { get; init; }
    [JsonPropertyName("group_id")] public IReadOnlyList<string>? GroupId { get; init; }
}

internal sealed record CorpTagListResponse
{
    [JsonPropertyName("tag_group")] public IReadOnlyList<WeComCorpTagGroup> TagGroup { get; init; } = [];
}

internal sealed record AddCorpTagResponse
{
    [JsonPropertyName("tag_group")] public required WeComCorpTagGroup TagGroup { get; init; }
}

internal sealed record MarkTagRequest
{
    [JsonPropertyName("userid")] public required string UserId { get; init; }
    [JsonPropertyName("external_userid")] public required string ExternalUserId { get; init; }
    [JsonPropertyName("add_tag")] public IReadOnlyList<string>? AddTag { get; init; }
    [JsonPropertyName("remove_tag")] public IReadOnlyList<string>? RemoveTag { get; init; }
}

internal sealed record EditCorpTagRequest
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("order")] public long? Order { get; init; }
    [JsonPropertyName("agentid")] public long? AgentId { get; init; }
}

internal sealed record DelCorpTagRequest
{
    [JsonPropertyName("tag_id")] public IReadOnlyList<string>? TagId { get; init; }
    [JsonPropertyName("group_id")] public IReadOnlyList<string>? GroupId { get; init; }
    [JsonPropertyName("agentid")] public long? AgentId { get; init; }
}
