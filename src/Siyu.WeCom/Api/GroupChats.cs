using System.Text.Json.Serialization;

namespace Siyu.WeCom.Api;

/// <summary>A customer group's state with respect to its owner leaving the corp.</summary>
public enum WeComGroupChatStatus
{
    Normal = 0,

    /// <summary>The owner left; the group waits to be inherited (离职待继承).</summary>
    OwnerResigned = 1,

    Inheriting = 2,
    Inherited = 3,
}

/// <summary>Whether a group member is staff of the corp or an external (WeChat) user.</summary>
public enum WeComGroupChatMemberType
{
    Staff = 1,
    External = 2,
}

/// <summary><c>owner_filter</c> of groupchat/list: only groups owned by these staff members.</summary>
public sealed record WeComGroupChatOwnerFilter
{
    /// <summary>At most 100 userids.</summary>
    [JsonPropertyName("userid_list")] public required IReadOnlyList<string> UserIdList { get; init; }
}

/// <summary><c>externalcontact/groupchat/list</c>: one page of the corp's customer groups.</summary>
public sealed record WeComGroupChatListRequest
{
    /// <summary>0 all (default), 1 owner resigned, 2 inheriting, 3 inherited.</summary>
    [JsonPropertyName("status_filter")] public int? StatusFilter { get; init; }

    [JsonPropertyName("owner_filter")] public WeComGroupChatOwnerFilter? OwnerFilter { get; init; }

    /// <summary>From the previous page's next_cursor; empty for the first page.</summary>
    [JsonPropertyName("cursor")] public string? Cursor { get; init; }

    /// <summary>1..1000; WeCom requires it.</summary>
    [JsonPropertyName("limit")] public int Limit { get; init; } = 100;
}

public sealed record WeComGroupChatRef
{
    [JsonPropertyName("chat_id")] public required string ChatId { get; init; }
    [JsonPropertyName("status")] public WeComGroupChatStatus Status { get; init; }
}

/// <summary>A page of groupchat/list; an empty <see cref="NextCursor"/> means the last page.</summary>
public sealed record WeComGroupChatPage
{
    [JsonPropertyName("group_chat_list")] public IReadOnlyList<WeComGroupChatRef> GroupChatList { get; init; } = [];
    [JsonPropertyName("next_cursor")] public string? NextCursor { get; init; }
}

public sealed record WeComGroupChatInvitor
{
    [JsonPropertyName("userid")] public string? UserId { get; init; }
}

/// <summary>A member of a customer group (<c>member_list</c> of groupchat/get).</summary>
public sealed record WeComGroupChatMember
{
    /// <summary>A staff userid for <see cref="WeComGroupChatMemberType.Staff"/>, else an external_userid.</summary>
    [JsonPropertyName("userid")] public required string UserId { get; init; }

    [JsonPropertyName("type")] public WeComGroupChatMemberType Type { get; init; }

    /// <summary>Only for external members who are WeChat users (and only if the app may see it).</summary>
    [JsonPropertyName("unionid")] public string? UnionId { get; init; }

    [JsonPropertyName("join_time")] public long JoinTime { get; init; }

    /// <summary>1 invited directly, 2 invited by link, 3 scanned the group QR code.</summary>
    [JsonPropertyName("join_scene")] public int JoinScene { get; init; }

    [JsonPropertyName("invitor")] public WeComGroupChatInvitor? Invitor { get; init; }
    [JsonPropertyName("group_nickname")] public string? GroupNickname { get; init; }

    /// <summary>Only when requested with need_name = 1.</summary>
    [JsonPropertyName("name")] public string? Name { get; init; }

    /// <summary>The state of the group join way the member came through, if any.</summary>
    [JsonPropertyName("state")] public string? State { get; init; }
}

public sealed record WeComGroupChatAdmin
{
    [JsonPropertyName("userid")] public required string UserId { get; init; }
}

/// <summary>A customer group as <c>externalcontact/groupchat/get</c> returns it.</summary>
public sealed record WeComGroupChat
{
    [JsonPropertyName("chat_id")] public required string ChatId { get; init; }
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("owner")] public string? Owner { get; init; }
    [JsonPropertyName("create_time")] public long CreateTime { get; init; }
    [JsonPropertyName("notice")] public string? Notice { get; init; }
    [JsonPropertyName("member_list")] public IReadOnlyList<WeComGroupChatMember> MemberList { get; init; } = [];
    [JsonPropertyName("admin_list")] public IReadOnlyList<WeComGroupChatAdmin> AdminList { get; init; } = [];

    /// <summary>Changes whenever membership changes; compare with a callback's CurMemVer.</summary>
    [JsonPropertyName("member_version")] public string? MemberVersion { get; init; }
}

internal sealed record GroupChatGetRequest
{
    [JsonPropertyName("chat_id")] public required string ChatId { get; init; }
    [JsonPropertyName("need_name")] public int NeedName { get; init; }
}

internal sealed record GroupChatGetResponse
{
    [JsonPropertyName("group_chat")] public required WeComGroupChat GroupChat { get; init; }
}
