using System.Text.Json.Serialization;

namespace Siyu.WeCom.Api;

/// <summary>What a temporary contact way sends when its session ends (结束语).</summary>
public sealed record WeComConclusions
{
    [JsonPropertyName("text")] public WeComText? Text { get; init; }
    [JsonPropertyName("image")] public WeComImage? Image { get; init; }
    [JsonPropertyName("link")] public WeComLink? Link { get; init; }
    [JsonPropertyName("miniprogram")] public WeComMiniProgram? MiniProgram { get; init; }
}

/// <summary>
/// A channel code (渠道活码, <c>add_contact_way</c> / <c>get_contact_way</c>). Store <see cref="ConfigId"/>:
/// WeCom cannot list it back by state later.
/// </summary>
public sealed record WeComContactWay
{
    /// <summary>Empty when creating; set by WeCom.</summary>
    [JsonPropertyName("config_id")] public string? ConfigId { get; init; }

    /// <summary>1 single staff member, 2 several.</summary>
    [JsonPropertyName("type")] public int Type { get; init; }

    /// <summary>1 mini-program button, 2 QR code.</summary>
    [JsonPropertyName("scene")] public int Scene { get; init; }

    [JsonPropertyName("style")] public int? Style { get; init; }

    /// <summary>At most 30 characters.</summary>
    [JsonPropertyName("remark")] public string? Remark { get; init; }

    [JsonPropertyName("skip_verify")] public bool? SkipVerify { get; init; }

    /// <summary>At most 30 characters; comes back as State in the add_external_contact callback.</summary>
    [JsonPropertyName("state")] public string? State { get; init; }

    [JsonPropertyName("qr_code")] public string? QrCode { get; init; }
    [JsonPropertyName("user")] public IReadOnlyList<string>? User { get; init; }
    [JsonPropertyName("party")] public IReadOnlyList<long>? Party { get; init; }
    [JsonPropertyName("is_temp")] public bool? IsTemp { get; init; }
    [JsonPropertyName("expires_in")] public long? ExpiresIn { get; init; }
    [JsonPropertyName("chat_expires_in")] public long? ChatExpiresIn { get; init; }
    [JsonPropertyName("unionid")] public string? UnionId { get; init; }
    [JsonPropertyName("is_exclusive")] public bool? IsExclusive { get; init; }
    [JsonPropertyName("mark_source")] public bool? MarkSource { get; init; }
    [JsonPropertyName("conclusions")] public WeComConclusions? Conclusions { get; init; }
}

/// <summary>
/// <c>externalcontact/update_contact_way</c>: only the fields set are changed (type and scene cannot be).
/// Setting <see cref="User"/> or <see cref="Party"/> replaces the whole list.
/// </summary>
public sealed record WeComContactWayUpdate
{
    [JsonPropertyName("config_id")] public required string ConfigId { get; init; }

    /// <summary>At most 30 characters.</summary>
    [JsonPropertyName("remark")] public string? Remark { get; init; }

    [JsonPropertyName("skip_verify")] public bool? SkipVerify { get; init; }
    [JsonPropertyName("style")] public int? Style { get; init; }

    /// <summary>At most 30 characters.</summary>
    [JsonPropertyName("state")] public string? State { get; init; }

    [JsonPropertyName("user")] public IReadOnlyList<string>? User { get; init; }
    [JsonPropertyName("party")] public IReadOnlyList<long>? Party { get; init; }
    [JsonPropertyName("expires_in")] public long? ExpiresIn { get; init; }
    [JsonPropertyName("chat_expires_in")] public long? ChatExpiresIn { get; init; }
    [JsonPropertyName("unionid")] public string? UnionId { get; init; }
    [JsonPropertyName("mark_source")] public bool? MarkSource { get; init; }
    [JsonPropertyName("conclusions")] public WeComConclusions? Conclusions { get; init; }
}

/// <summary>The result of <c>add_contact_way</c>.</summary>
public sealed record WeComContactWayCreated
{
    [JsonPropertyName("config_id")] public required string ConfigId { get; init; }

    /// <summary>Only for scene 2 (QR code).</summary>
    [JsonPropertyName("qr_code")] public string? QrCode { get; init; }
}

/// <summary>A page of <c>list_contact_way</c> (config ids only).</summary>
public sealed record WeComContactWayPage
{
    [JsonPropertyName("contact_way")] public IReadOnlyList<WeComContactWayRef> ContactWay { get; init; } = [];
    [JsonPropertyName("next_cursor")] public string? NextCursor { get; init; }
}

public sealed record WeComContactWayRef
{
    [JsonPropertyName("config_id")] public required string ConfigId { get; init; }
}

internal sealed record ConfigIdRequest
{
    [JsonPropertyName("config_id")] public required string ConfigId { get; init; }
}

internal sealed record GetContactWayResponse
{
    [JsonPropertyName("contact_way")] public required WeComContactWay ContactWay { get; init; }
}

internal sealed record ListContactWayRequest
{
    [JsonPropertyName("start_time")] public long? StartTime { get; init; }
    [JsonPropertyName("end_time")] public long? EndTime { get; init; }
    [JsonPropertyName("cursor")] public string? Cursor { get; init; }
    [JsonPropertyName("limit")] public int? Limit { get; init; }
}
