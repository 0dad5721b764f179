using System.Text.Json.Serialization;

namespace Siyu.WeCom.Api;

public sealed record WeComText
{
    [JsonPropertyName("content")] public required string Content { get; init; }
}

public sealed record WeComImage
{
    [JsonPropertyName("media_id")] public string? MediaId { get; init; }
    [JsonPropertyName("pic_url")] public string? PicUrl { get; init; }
}

public sealed record WeComLink
{
    [JsonPropertyName("title")] public required string Title { get; init; }
    [JsonPropertyName("picurl")] public string? PicUrl { get; init; }
    [JsonPropertyName("desc")] public string? Desc { get; init; }
    [JsonPropertyName("url")] public required string Url { get; init; }
}

public sealed record WeComMiniProgram
{
    [JsonPropertyName("title")] public required string Title { get; init; }
    [JsonPropertyName("pic_media_id")] public string? PicMediaId { get; init; }
    [JsonPropertyName("appid")] public required string AppId { get; init; }
    [JsonPropertyName("page")] public required string Page { get; init; }
}

public sealed record WeComMedia
{
    [JsonPropertyName("media_id")] public required string MediaId { get; init; }
}

/// <summary>An attachment of a welcome or mass-send message; set <see cref="MsgType"/> and the matching object.</summary>
public sealed record WeComAttachment
{
    /// <summary>image, link, miniprogram, video or file.</summary>
    [JsonPropertyName("msgtype")] public required string MsgType { get; init; }

    [JsonPropertyName("image")] public WeComImage? Image { get; init; }
    [JsonPropertyName("link")] public WeComLink? Link { get; init; }
    [JsonPropertyName("miniprogram")] public WeComMiniProgram? MiniProgram { get; init; }
    [JsonPropertyName("video")] public WeComMedia? Video { get; init; }
    [JsonPropertyName("file")] public WeComMedia? File { get; init; }
}

/// <summary><c>externalcontact/send_welcome_msg</c>. The code lives about 20 s and works once (41051 after).</summary>
public sealed record WeComWelcomeMessage
{
    [JsonPropertyName("welcome_code")] public required string WelcomeCode { get; init; }
    [JsonPropertyName("text")] public WeComText? Text { get; init; }

    /// <summary>At most 9.</summary>
    [JsonPropertyName("attachments")] public IReadOnlyList<WeComAttachment>? Attachments { get; init; }
}

/// <summary>
/// <c>externalcontact/add_msg_template</c>: creates a mass-send task the sender confirms in the WeCom client
/// (nothing is delivered by this call alone).
/// </summary>
public sealed record WeComMsgTemplate
{
    /// <summary>single (customers) or group (customer groups).</summary>
    [JsonPropertyName("chat_type")] public string? ChatType { get; init; }

    /// <summary>At most 10,000.</summary>
    [JsonPropertyName("external_userid")] public IReadOnlyList<string>? ExternalUserId { get; init; }

    [JsonPropertyName("chat_id_list")] public IReadOnlyList<string>? ChatIdList { get; init; }
    [JsonPropertyName("sender")] public string? Sender { get; init; }
    [JsonPropertyName("allow_select")] public bool? AllowSelect { get; init; }
    [JsonPropertyName("text")] public WeComText? Text { get; init; }
    [JsonPropertyName("attachments")] public IReadOnlyList<WeComAttachment>? Attachments { get; init; }
}

/// <summary>The task created by add_msg_template; <see cref="FailList"/> are customers it could not include.</summary>
public sealed record WeComMsgTemplateResult
{
    [JsonPropertyName("msgid")] public string? MsgId { get; init; }
    [JsonPropertyName("fail_list")] public IReadOnlyList<string> FailList { get; init; } = [];
}

/// <summary><c>message/send</c> to staff (app message). Only the object named by <see cref="MsgType"/> is sent.</summary>
public sealed record WeComAppMessage
{
    /// <summary>userids joined by '|', or @all.</summary>
    [JsonPropertyName("touser")] public string? ToUser { get; init; }

    [JsonPropertyName("toparty")] public string? ToParty { get; init; }
    [JsonPropertyName("totag")] public string? ToTag { get; init; }
    [JsonPropertyName("msgtype")] public string MsgType { get; init; } = "text";
    [JsonPropertyName("agentid")] public long AgentId { get; init; }
    [JsonPropertyName("text")] public WeComText? Text { get; init; }
    [JsonPropertyName("markdown")] public WeComText? Markdown { get; init; }
    [JsonPropertyName("safe")] public int? Safe { get; init; }
    [JsonPropertyName("enable_duplicate_check")] public int? EnableDuplicateCheck { get; init; }
    [JsonPropertyName("duplicate_check_interval")] public int? DuplicateCheckInterval { get; init; }
}

/// <summary>Recipients WeCom could not deliver to are listed, not errors: check them.</summary>
public sealed record WeComAppMessageResult
{
    [JsonPropertyName("invaliduser")] public string? InvalidUser { get; init; }
    [JsonPropertyName("invalidparty")] public string? InvalidParty { get; init; }
    [JsonPropertyName("invalidtag")] public string? InvalidTag { get; init; }
    [JsonPropertyName("unlicenseduser")] public string? UnlicensedUser { get; init; }
    [JsonPropertyName("msgid")] public string? MsgId { get; init; }
    [JsonPropertyName("response_code")] public string? ResponseCode { get; init; }
}
