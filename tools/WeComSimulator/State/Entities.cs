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
    public required string Name { get; set; }
    public required List<long> Departments { get; set; }
    public required string Position { get; set; }
    public required string Mobile { get; set; }

    /// <summary>A string, as user/get returns it.</summary>
    public required string Gender { get; set; }

    public required string Email { get; set; }
    public required string Alias { get; set; }
    public bool IsLeader { get; set; }
    public int Status { get; set; } = 1;

    /// <summary>
    /// Left the corp (deleted from the address book): invisible to the contact APIs, but their customers
    /// stay with them until a resigned transfer hands them over.
    /// </summary>
    public bool Resigned { get; set; }
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

    /// <summary>remark_company as set by externalcontact/remark; read back as remark_corp_name.</summary>
    public string? RemarkCorpName { get; set; }

    public List<string> RemarkMobiles { get; set; } = [];
    public required long CreateTime { get; init; }
    public List<string> TagIds { get; } = [];
    public string? State { get; init; }
    public int AddWay { get; init; }
    public required string OperUserId { get; init; }
}

internal sealed class SimTag
{
    public required string Id { get; init; }
    public required string Name { get; set; }
    public required long CreateTime { get; init; }
    public required long Order { get; set; }
}

internal sealed class SimTagGroup
{
    public required string GroupId { get; init; }
    public required string GroupName { get; set; }
    public required long CreateTime { get; init; }
    public required long Order { get; set; }
    public List<SimTag> Tags { get; } = [];
}

internal sealed class SimContactWay
{
    public required WeComContactWay Way { get; set; }
    public required long CreatedAt { get; init; }
}

/// <summary>A customer group (客户群): owned by a staff member, with staff and external members.</summary>
internal sealed class SimGroupChat
{
    public required string ChatId { get; init; }
    public required string Name { get; set; }
    public required string Owner { get; set; }
    public required long CreateTime { get; init; }
    public string? Notice { get; set; }

    /// <summary>0 normal, 1 owner resigned, 2 inheriting, 3 inherited (groupchat/list status).</summary>
    public int Status { get; set; }

    public bool Dismissed { get; set; }
    public List<SimGroupMember> Members { get; } = [];
    public List<string> Admins { get; } = [];
    public required string MemberVersion { get; set; }
}

internal sealed class SimGroupMember
{
    /// <summary>A staff userid (type 1) or an external_userid (type 2).</summary>
    public required string UserId { get; init; }

    public required int Type { get; init; }
    public required long JoinTime { get; init; }

    /// <summary>1 invited directly, 2 invited by link, 3 scanned the group QR code.</summary>
    public required int JoinScene { get; init; }

    public string? Invitor { get; init; }
    public string? GroupNickname { get; init; }

    /// <summary>For external members who are not the corp's customers, the only place their name is known.</summary>
    public string? Name { get; init; }

    public string? State { get; init; }
}

/// <summary>A mass-send task (客户群发) created by add_msg_template: one part per sender, each confirmed separately.</summary>
internal sealed class SimMassTask
{
    public required string MsgId { get; init; }
    public required string ChatType { get; init; }
    public string? Creator { get; init; }

    /// <summary>0 created by the corp (the API), 1 by a staff member.</summary>
    public int CreateType { get; init; }

    public required long CreateTime { get; init; }
    public WeComText? Text { get; init; }
    public IReadOnlyList<WeComAttachment>? Attachments { get; init; }
    public List<SimMassSender> Senders { get; } = [];
}

internal sealed class SimMassSender
{
    public required string UserId { get; init; }

    /// <summary>0 not sent, 2 sent (get_groupmsg_task).</summary>
    public int Status { get; set; }

    public long? SendTime { get; set; }
    public List<SimMassTarget> Targets { get; } = [];
}

internal sealed class SimMassTarget
{
    public string? ExternalUserId { get; init; }
    public string? ChatId { get; init; }

    /// <summary>0 not sent, 1 sent, 2 not a contact any more, 3 receive cap reached (get_groupmsg_send_result).</summary>
    public int Status { get; set; }

    public long? SendTime { get; set; }
}

/// <summary>One customer's transfer from a handover to a takeover member.</summary>
internal sealed class SimTransfer
{
    public required bool Resigned { get; init; }
    public required string Handover { get; init; }
    public required string Takeover { get; init; }
    public required string ExternalUserId { get; init; }
    public required long RequestedAt { get; init; }

    /// <summary>1 done, 2 waiting, 3 refused, 4 takeover limit reached (transfer_result).</summary>
    public int Status { get; set; } = 2;

    /// <summary>When done, or when due while waiting; 0 when it will not happen.</summary>
    public long TakeoverTime { get; set; }
}

/// <summary>An injected failure: the next <see cref="Remaining"/> calls (of <see cref="Path"/>, or of any API) fail.</summary>
internal sealed class SimFault
{
    /// <summary>Normalised (e.g. <c>user/get</c>); null matches every API, gettoken included.</summary>
    public string? Path { get; init; }

    public required int ErrCode { get; init; }

    /// <summary>When set, the call answers this HTTP status instead of an errcode.</summary>
    public int? HttpStatus { get; init; }

    public required int Remaining { get; set; }
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

/// <summary>What happens to waiting transfers when the simulation completes them.</summary>
public enum SimTransferOutcome
{
    /// <summary>24 hours passed without the customer refusing: the takeover member has them.</summary>
    Accept,

    /// <summary>The customer refused (transfer_fail, customer_refused).</summary>
    Refuse,

    /// <summary>The takeover member had too many customers (transfer_fail, customer_limit_exceed).</summary>
    Limit,
}
