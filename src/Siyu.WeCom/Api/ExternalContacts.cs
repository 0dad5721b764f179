using System.Text.Json.Serialization;

namespace Siyu.WeCom.Api;

/// <summary>A customer as returned by <c>externalcontact/get</c> and <c>batch/get_by_user</c>.</summary>
public sealed record WeComExternalContact
{
    [JsonPropertyName("external_userid")] public required string ExternalUserId { get; init; }
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("position")] public string? Position { get; init; }
    [JsonPropertyName("avatar")] public string? Avatar { get; init; }
    [JsonPropertyName("corp_name")] public string? CorpName { get; init; }
    [JsonPropertyName("corp_full_name")] public string? CorpFullName { get; init; }

    /// <summary>1 WeChat user, 2 WeCom user.</summary>
    [JsonPropertyName("type")] public int Type { get; init; }

    /// <summary>An int here (0 unknown, 1 male, 2 female), unlike user/get's string.</summary>
    [JsonPropertyName("gender")] public int Gender { get; init; }

    [JsonPropertyName("unionid")] public string? UnionId { get; init; }
}

/// <summary>A tag on a follow relation, as <c>externalcontact/get</c> returns it.</summary>
public sealed record WeComFollowUserTag
{
    [JsonPropertyName("group_name")] public string? GroupName { get; init; }
    [JsonPropertyName("tag_name")] public string? TagName { get; init; }
    [JsonPropertyName("tag_id")] public string? TagId { get; init; }

    /// <summary>1 corp tag, 2 staff's personal tag, 3 rule-group tag.</summary>
    [JsonPropertyName("type")] public int Type { get; init; }
}

/// <summary>A staff member who has the customer (<c>follow_user</c> of externalcontact/get).</summary>
public sealed record WeComFollowUser
{
    [JsonPropertyName("userid")] public required string UserId { get; init; }
    [JsonPropertyName("remark")] public string? Remark { get; init; }
    [JsonPropertyName("description")] public string? Description { get; init; }
    [JsonPropertyName("createtime")] public long CreateTime { get; init; }
    [JsonPropertyName("tags")] public IReadOnlyList<WeComFollowUserTag>? Tags { get; init; }
    [JsonPropertyName("remark_corp_name")] public string? RemarkCorpName { get; init; }
    [JsonPropertyName("remark_mobiles")] public IReadOnlyList<string>? RemarkMobiles { get; init; }
    [JsonPropertyName("oper_userid")] public string? OperUserId { get; init; }
    [JsonPropertyName("add_way")] public int AddWay { get; init; }
    [JsonPropertyName("state")] public string? State { get; init; }
}

/// <summary>The follow relation in <c>batch/get_by_user</c>: tags are ids only.</summary>
public sealed record WeComFollowInfo
{
    [JsonPropertyName("userid")] public required string UserId { get; init; }
    [JsonPropertyName("remark")] public string? Remark { get; init; }
    [JsonPropertyName("description")] public string? Description { get; init; }
    [JsonPropertyName("createtime")] public long CreateTime { get; init; }
    [JsonPropertyName("tag_id")] public IReadOnlyList<string>? TagId { get; init; }
    [JsonPropertyName("remark_corp_name")] public string? RemarkCorpName { get; init; }
    [JsonPropertyName("remark_mobiles")] public IReadOnlyList<string>? RemarkMobiles { get; init; }
    [JsonPropertyName("oper_userid")] public string? OperUserId { get; init; }
    [JsonPropertyName("add_way")] public int AddWay { get; init; }
    [JsonPropertyName("state")] public string? State { get; init; }
}

/// <summary><c>externalcontact/get</c>: the customer and (a page of) the staff who have them.</summary>
public sealed record WeComExternalContactDetail
{
    [JsonPropertyName("external_contact")] public required WeComExternalContact ExternalContact { get; init; }
    [JsonPropertyName("follow_user")] public IReadOnlyList<WeComFollowUser> FollowUser { get; init; } = [];

    /// <summary>Set when the customer has more than 500 follow users.</summary>
    [JsonPropertyName("next_cursor")] public string? NextCursor { get; init; }
}

/// <summary>One item of <c>batch/get_by_user</c>.</summary>
public sealed record WeComExternalContactWithFollow
{
    [JsonPropertyName("external_contact")] public required WeComExternalContact ExternalContact { get; init; }
    [JsonPropertyName("follow_info")] public required WeComFollowInfo FollowInfo { get; init; }
}

/// <summary>A page of <c>batch/get_by_user</c>; an empty <see cref="NextCursor"/> means the last page.</summary>
public sealed record WeComExternalContactPage
{
    [JsonPropertyName("external_contact_list")] public IReadOnlyList<WeComExternalContactWithFollow> ExternalContactList { get; init; } = [];
    [JsonPropertyName("next_cursor")] public string? NextCursor { get; init; }
}

/// <summary>
/// <c>externalcontact/remark</c>: what one staff member notes about one customer. Fields left null are not
/// sent and stay as they are; at least one must be set. Lengths are in characters (Unicode code points).
/// </summary>
public sealed record WeComRemarkUpdate
{
    [JsonPropertyName("userid")] public required string UserId { get; init; }
    [JsonPropertyName("external_userid")] public required string ExternalUserId { get; init; }

    /// <summary>At most 20 characters.</summary>
    [JsonPropertyName("remark")] public string? Remark { get; init; }

    /// <summary>At most 150 characters.</summary>
    [JsonPropertyName("description")] public string? Description { get; init; }

    /// <summary>At most 20 characters; WeCom applies it to WeChat users only (read back as <c>remark_corp_name</c>).</summary>
    [JsonPropertyName("remark_company")] public string? RemarkCompany { get; init; }

    /// <summary>Replaces every remark mobile; an empty list clears them (sent as WeCom's <c>[""]</c>).</summary>
    [JsonPropertyName("remark_mobiles")] public IReadOnlyList<string>? RemarkMobiles { get; init; }

    /// <summary>A media id from the media upload API.</summary>
    [JsonPropertyName("remark_pic_mediaid")] public string? RemarkPicMediaId { get; init; }
}

internal sealed record FollowUserListResponse
{
    [JsonPropertyName("follow_user")] public IReadOnlyList<string> FollowUser { get; init; } = [];
}

internal sealed record ExternalContactListResponse
{
    [JsonPropertyName("external_userid")] public IReadOnlyList<string> ExternalUserId { get; init; } = [];
}

internal sealed record BatchGetByUserRequest
{
    [JsonPropertyName("userid_list")] public required IReadOnlyList<string> UserIdList { get; init; }
    [JsonPropertyName("cursor")] public string? Cursor { get; init; }
    [JsonPropertyName("limit")] public int Limit { get; init; }
}
