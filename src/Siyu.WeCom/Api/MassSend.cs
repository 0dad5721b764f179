using System.Text.Json.Serialization;

namespace Siyu.WeCom.Api;

/// <summary>Whether a sender has confirmed (sent) their part of a mass-send task (get_groupmsg_task).</summary>
public enum WeComGroupMsgTaskStatus
{
    NotSent = 0,
    Sent = 2,
}

/// <summary>The outcome for one customer or group of a mass-send task (get_groupmsg_send_result).</summary>
public enum WeComGroupMsgSendStatus
{
    NotSent = 0,
    Sent = 1,

    /// <summary>The customer is no longer a contact of the sender.</summary>
    NotFriend = 2,

    /// <summary>The customer already received as many corp mass messages as WeCom allows in the period.</summary>
    ReceiveLimitReached = 3,
}

/// <summary><c>externalcontact/get_groupmsg_list_v2</c>: mass-send tasks created in a time window.</summary>
public sealed record WeComGroupMsgListRequest
{
    /// <summary>single (to customers) or group (to customer groups).</summary>
    [JsonPropertyName("chat_type")] public required string ChatType { get; init; }

    /// <summary>Unix seconds; the window spans at most one month.</summary>
    [JsonPropertyName("start_time")] public required long StartTime { get; init; }

    [JsonPropertyName("end_time")] public required long EndTime { get; init; }

    /// <summary>Only tasks created by (corp) or for (personal) this staff member.</summary>
    [JsonPropertyName("creator")] public string? Creator { get; init; }

    /// <summary>0 created by the corp, 1 by staff members, 2 both (default).</summary>
    [JsonPropertyName("filter_type")] public int? FilterType { get; init; }

    /// <summary>1..100, default 50.</summary>
    [JsonPropertyName("limit")] public int? Limit { get; init; }

    [JsonPropertyName("cursor")] public string? Cursor { get; init; }
}

/// <summary>One mass-send task of get_groupmsg_list_v2.</summary>
public sealed record WeComGroupMsg
{
    [JsonPropertyName("msgid")] public required string MsgId { get; init; }
    [JsonPropertyName("creator")] public string? Creator { get; init; }
    [JsonPropertyName("create_time")] public long CreateTime { get; init; }

    /// <summary>0 created by the corp (API or admin), 1 by a staff member.</summary>
    [JsonPropertyName("create_type")] public int CreateType { get; init; }

    [JsonPropertyName("text")] public WeComText? Text { get; init; }
    [JsonPropertyName("attachments")] public IReadOnlyList<WeComAttachment>? Attachments { get; init; }
}

public sealed record WeComGroupMsgPage
{
    [JsonPropertyName("group_msg_list")] public IReadOnlyList<WeComGroupMsg> GroupMsgList { get; init; } = [];
    [JsonPropertyName("next_cursor")] public string? NextCursor { get; init; }
}

/// <summary>One sender's part of a mass-send task.</summary>
public sealed record WeComGroupMsgTask
{
    [JsonPropertyName("userid")] public required string UserId { get; init; }
    [JsonPropertyName("status")] public WeComGroupMsgTaskStatus Status { get; init; }

    /// <summary>Absent until sent.</summary>
    [JsonPropertyName("send_time")] public long? SendTime { get; init; }
}

public sealed record WeComGroupMsgTaskPage
{
    [JsonPropertyName("task_list")] public IReadOnlyList<WeComGroupMsgTask> TaskList { get; init; } = [];
    [JsonPropertyName("next_cursor")] public string? NextCursor { get; init; }
}

/// <summary>The outcome of a mass-send task for one customer (<see cref="ExternalUserId"/>) or group (<see cref="ChatId"/>).</summary>
public sealed record WeComGroupMsgSendResult
{
    [JsonPropertyName("external_userid")] public string? ExternalUserId { get; init; }
    [JsonPropertyName("chat_id")] public string? ChatId { get; init; }
    [JsonPropertyName("userid")] public string? UserId { get; init; }
    [JsonPropertyName("status")] public WeComGroupMsgSendStatus Status { get; init; }

    /// <summary>Absent until sent.</summary>
    [JsonPropertyName("send_time")] public long? SendTime { get; init; }
}

public sealed record WeComGroupMsgSendResultPage
{
    [JsonPropertyName("send_list")] public IReadOnlyList<WeComGroupMsgSendResult> SendList { get; init; } = [];
    [JsonPropertyName("next_cursor")] public string? NextCursor { get; init; }
}

internal sealed record GroupMsgTaskRequest
{
    [JsonPropertyName("msgid")] public required string MsgId { get; init; }
    [JsonPropertyName("limit")] public int? Limit { get; init; }
    [JsonPropertyName("cursor")] public string? Cursor { get; init; }
}

internal sealed record GroupMsgSendResultRequest
{
    [JsonPropertyName("msgid")] public required string MsgId { get; init; }
    [JsonPropertyName("userid")] public required string UserId { get; init; }
    [JsonPropertyName("limit")] public int? Limit { get; init; }
    [JsonPropertyName("cursor")] public string? Cursor { get; init; }
}
