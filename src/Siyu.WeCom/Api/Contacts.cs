using System.Text.Json.Serialization;

namespace Siyu.WeCom.Api;

/// <summary>A department from <c>department/list</c>.</summary>
public sealed record WeComDepartment
{
    [JsonPropertyName("id")] public long Id { get; init; }
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("name_en")] public string? NameEn { get; init; }
    [JsonPropertyName("department_leader")] public IReadOnlyList<string>? DepartmentLeader { get; init; }
    [JsonPropertyName("parentid")] public long ParentId { get; init; }
    [JsonPropertyName("order")] public long Order { get; init; }
}

/// <summary>One row of <c>user/list_id</c>: a staff member in a department (a member in two departments gives two rows).</summary>
public sealed record WeComDeptUser
{
    [JsonPropertyName("userid")] public required string UserId { get; init; }
    [JsonPropertyName("department")] public long Department { get; init; }
}

/// <summary>A page of <c>user/list_id</c>; an empty <see cref="NextCursor"/> means the last page.</summary>
public sealed record WeComUserIdPage
{
    [JsonPropertyName("next_cursor")] public string? NextCursor { get; init; }
    [JsonPropertyName("dept_user")] public IReadOnlyList<WeComDeptUser> DeptUser { get; init; } = [];
}

/// <summary>A staff member from <c>user/get</c>. Note <see cref="Gender"/> is a string here, unlike externalcontact/get.</summary>
public sealed record WeComUser
{
    [JsonPropertyName("userid")] public required string UserId { get; init; }
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("department")] public IReadOnlyList<long>? Department { get; init; }
    [JsonPropertyName("order")] public IReadOnlyList<long>? Order { get; init; }
    [JsonPropertyName("position")] public string? Position { get; init; }
    [JsonPropertyName("mobile")] public string? Mobile { get; init; }

    /// <summary>"0" unknown, "1" male, "2" female.</summary>
    [JsonPropertyName("gender")] public string? Gender { get; init; }

    [JsonPropertyName("email")] public string? Email { get; init; }
    [JsonPropertyName("biz_mail")] public string? BizMail { get; init; }
    [JsonPropertyName("is_leader_in_dept")] public IReadOnlyList<int>? IsLeaderInDept { get; init; }
    [JsonPropertyName("direct_leader")] public IReadOnlyList<string>? DirectLeader { get; init; }
    [JsonPropertyName("avatar")] public string? Avatar { get; init; }
    [JsonPropertyName("thumb_avatar")] public string? ThumbAvatar { get; init; }
    [JsonPropertyName("telephone")] public string? Telephone { get; init; }
    [JsonPropertyName("alias")] public string? Alias { get; init; }
    [JsonPropertyName("address")] public string? Address { get; init; }
    [JsonPropertyName("open_userid")] public string? OpenUserId { get; init; }
    [JsonPropertyName("main_department")] public long? MainDepartment { get; init; }

    /// <summary>1 active, 2 disabled, 4 not yet activated, 5 left the corp.</summary>
    [JsonPropertyName("status")] public int Status { get; init; }

    [JsonPropertyName("qr_code")] public string? QrCode { get; init; }
    [JsonPropertyName("external_position")] public string? ExternalPosition { get; init; }
}

internal sealed record DepartmentListResponse
{
    [JsonPropertyName("department")] public IReadOnlyList<WeComDepartment> Department { get; init; } = [];
}

internal sealed record UserListIdRequest
{
    [JsonPropertyName("cursor")] public string? Cursor { get; init; }
    [JsonPropertyName("limit")] public int? Limit { get; init; }
}
