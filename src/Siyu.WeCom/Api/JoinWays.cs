using System.Text.Json.Serialization;

namespace Siyu.WeCom.Api;

/// <summary>
/// A group join way (客户群进群方式, <c>externalcontact/groupchat/add_join_way</c> / <c>get_join_way</c>): one QR code or
/// mini-program button that sends a scanner into the first listed group with room (a group holds at most 200 members).
/// With <see cref="AutoCreateRoom"/> = 1 WeCom opens a new room named <see cref="RoomBaseName"/> + <see cref="RoomBaseId"/>
/// when every listed group is full. Store <see cref="ConfigId"/>: it is the only handle.
/// </summary>
public sealed record WeComJoinWay
{
    public const int MaxChats = 5;

    /// <summary>Empty when creating; set by WeCom.</summary>
    [JsonPropertyName("config_id")] public string? ConfigId { get; init; }

    /// <summary>1 mini-program button, 2 QR code.</summary>
    [JsonPropertyName("scene")] public int Scene { get; init; } = 2;

    /// <summary>At most 30 characters.</summary>
    [JsonPropertyName("remark")] public string? Remark { get; init; }

    /// <summary>1: create a new room when every listed group is full (the default in WeCom), 0: don't.</summary>
    [JsonPropertyName("auto_create_room")] public int? AutoCreateRoom { get; init; }

    /// <summary>With auto_create_room: the new room's name stem, at most 40 characters.</summary>
    [JsonPropertyName("room_base_name")] public string? RoomBaseName { get; init; }

    /// <summary>With auto_create_room: the number appended to the next auto-created room's name.</summary>
    [JsonPropertyName("room_base_id")] public int? RoomBaseId { get; init; }

    /// <summary>1 to 5 chat ids, in the order scanners fill them.</summary>
    [JsonPropertyName("chat_id_list")] public IReadOnlyList<string> ChatIdList { get; init; } = [];

    /// <summary>Only in get_join_way responses.</summary>
    [JsonPropertyName("qr_code")] public string? QrCode { get; init; }

    /// <summary>At most 30 characters; comes back as the member's state in groupchat/get.</summary>
    [JsonPropertyName("state")] public string? State { get; init; }
}

/// <summary>The result of <c>add_join_way</c>: the config id only; the QR code comes from <c>get_join_way</c>.</summary>
public sealed record WeComJoinWayCreated
{
    [JsonPropertyName("config_id")] public required string ConfigId { get; init; }
}

internal sealed record GetJoinWayResponse
{
    [JsonPropertyName("join_way")] public required WeComJoinWay JoinWay { get; init; }
}

/// <summary>
/// A group welcome template (入群欢迎语素材, <c>externalcontact/group_welcome_template/add|edit|get|del</c>): text
/// and at most one attachment (image, link, mini-program, file or video) that group owners pick in the client.
/// </summary>
public sealed record WeComGroupWelcomeTemplate
{
    /// <summary>Set for edit; absent for add.</summary>
    [JsonPropertyName("template_id")] public string? TemplateId { get; init; }

    /// <summary>At most 4000 bytes; may contain %NICKNAME% (the member's name).</summary>
    [JsonPropertyName("text")] public WeComText? Text { get; init; }

    [JsonPropertyName("image")] public WeComImage? Image { get; init; }
    [JsonPropertyName("link")] public WeComLink? Link { get; init; }
    [JsonPropertyName("miniprogram")] public WeComMiniProgram? MiniProgram { get; init; }
    [JsonPropertyName("file")] public WeComMedia? File { get; init; }
    [JsonPropertyName("video")] public WeComMedia? Video { get; init; }

    /// <summary>For a self-built app: the agent that owns the template (add/edit/del).</summary>
    [JsonPropertyName("agentid")] public long? AgentId { get; init; }

    /// <summary>add only: 1 (default) tell group owners about the new template, 0 don't.</summary>
    [JsonPropertyName("notify")] public int? Notify { get; init; }
}

public sealed record WeComGroupWelcomeTemplateCreated
{
    [JsonPropertyName("template_id")] public required string TemplateId { get; init; }
}

internal sealed record TemplateIdRequest
{
    [JsonPropertyName("template_id")] public required string TemplateId { get; init; }
    [JsonPropertyName("agentid")] public long? AgentId { get; init; }
}
