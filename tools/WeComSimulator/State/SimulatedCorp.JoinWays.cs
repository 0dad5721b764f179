using System.Text.Json.Nodes;
using Siyu.WeCom.Api;

namespace Siyu.WeComSimulator.State;

// Group join ways (群活码: groupchat/add_join_way…) and group welcome templates (group_welcome_template/add…).
public sealed partial class SimulatedCorp
{
    private readonly List<WeComJoinWay> _joinWays = [];
    private readonly Dictionary<string, WeComGroupWelcomeTemplate> _groupWelcomeTemplates = new(StringComparer.Ordinal);

    internal SimResult AddJoinWay(WeComJoinWay way)
    {
        lock (_lock)
        {
            if (CheckJoinWay(way) is { } error)
            {
                return error;
            }

            var configId = NewHex(32);
            _joinWays.Add(way with { ConfigId = configId, QrCode = "https://wework.qpic.cn/wwpic/sim-group/" + configId + "/0", AutoCreateRoom = way.AutoCreateRoom ?? 1 });
            return SimResult.Ok(("config_id", configId));
        }
    }

    internal SimResult GetJoinWay(string? configId)
    {
        lock (_lock)
        {
            var found = _joinWays.FirstOrDefault(w => w.ConfigId == configId);
            return found is null ? SimResult.Error(WeComErrorCodes.InvalidParameter, "invalid config_id") : SimResult.Ok(("join_way", found));
        }
    }

    internal SimResult UpdateJoinWay(WeComJoinWay way)
    {
        lock (_lock)
        {
            var index = _joinWays.FindIndex(w => w.ConfigId == way.ConfigId);
            if (index < 0)
            {
                return SimResult.Error(WeComErrorCodes.InvalidParameter, "invalid config_id");
            }

            if (CheckJoinWay(way) is { } error)
            {
                return error;
            }

            _joinWays[index] = way with { QrCode = _joinWays[index].QrCode, AutoCreateRoom = way.AutoCreateRoom ?? 1 };
            return SimResult.Ok();
        }
    }

    internal SimResult DeleteJoinWay(string? configId)
    {
        lock (_lock)
        {
            return _joinWays.RemoveAll(w => w.ConfigId == configId) == 0
                ? SimResult.Error(WeComErrorCodes.InvalidParameter, "invalid config_id")
                : SimResult.Ok();
        }
    }

    private SimResult? CheckJoinWay(WeComJoinWay way)
    {
        if (way.Scene is not (1 or 2))
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "invalid scene");
        }

        if (way.ChatIdList.Count is < 1 or > WeComJoinWay.MaxChats)
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "chat_id_list must hold 1 to 5 chat ids");
        }

        if (way.State is { Length: > 30 } || way.Remark is { Length: > 30 } || way.RoomBaseName is { Length: > 40 })
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "state or remark exceeds 30 characters, or room_base_name exceeds 40");
        }

        if (way.ChatIdList.FirstOrDefault(id => !_groups.Any(g => g.ChatId == id && !g.Dismissed)) is { } unknown)
        {
            return SimResult.Error(WeComErrorCodes.InvalidChatId, "invalid chat_id " + unknown);
        }

        return null;
    }

    /// <summary>
    /// A WeChat user scans join way <paramref name="configId"/>: the first listed group with room, or, when all are full
    /// and auto_create_room is 1, a new room named room_base_name + room_base_id owned by the last listed group's owner
    /// (room_base_id then counts up and the room joins the list, replacing the first full group once 5 are listed).
    /// Returns the chat id, whether it was just created, and the join's state.
    /// </summary>
    internal (string ChatId, bool Created, string? State) ScanJoinWay(string configId)
    {
        lock (_lock)
        {
            var index = _joinWays.FindIndex(w => w.ConfigId == configId);
            if (index < 0)
            {
                throw new KeyNotFoundException("No join way " + configId + ".");
            }

            var way = _joinWays[index];
            var listed = way.ChatIdList.Select(id => _groups.FirstOrDefault(g => g.ChatId == id && !g.Dismissed)).OfType<SimGroupChat>().ToList();
            if (listed.FirstOrDefault(g => g.Members.Count < _options.MaxGroupMembers) is { } open)
            {
                return (open.ChatId, false, way.State);
            }

            if (way.AutoCreateRoom != 1 || listed.Count == 0)
            {
                throw new InvalidOperationException("Every group of the join way is full and auto_create_room is off.");
            }

            var baseId = way.RoomBaseId ?? 1;
            var name = (way.RoomBaseName ?? listed[^1].Name) + baseId;
            var chatId = CreateGroup(listed[^1].Owner, name, []);
            var list = way.ChatIdList.ToList();
            if (list.Count >= WeComJoinWay.MaxChats)
            {
                list.RemoveAt(0);
            }

            list.Add(chatId);
            _joinWays[index] = way with { ChatIdList = list, RoomBaseId = baseId + 1 };
            return (chatId, true, way.State);
        }
    }

    internal SimResult AddGroupWelcomeTemplate(WeComGroupWelcomeTemplate template)
    {
        if (CheckWelcomeTemplate(template) is { } error)
        {
            return error;
        }

        lock (_lock)
        {
            var id = "msg" + NewHex(24);
            _groupWelcomeTemplates[id] = template with { TemplateId = null, AgentId = null, Notify = null };
            return SimResult.Ok(("template_id", id));
        }
    }

    internal SimResult EditGroupWelcomeTemplate(WeComGroupWelcomeTemplate template)
    {
        if (CheckWelcomeTemplate(template) is { } error)
        {
            return error;
        }

        lock (_lock)
        {
            if (template.TemplateId is null || !_groupWelcomeTemplates.ContainsKey(template.TemplateId))
            {
                return SimResult.Error(WeComErrorCodes.InvalidParameter, "invalid template_id");
            }

            _groupWelcomeTemplates[template.TemplateId] = template with { TemplateId = null, AgentId = null, Notify = null };
            return SimResult.Ok();
        }
    }

    internal SimResult GetGroupWelcomeTemplate(JsonObject body)
    {
        lock (_lock)
        {
            if (!_groupWelcomeTemplates.TryGetValue(Str(body, "template_id") ?? "", out var t))
            {
                return SimResult.Error(WeComErrorCodes.InvalidParameter, "invalid template_id");
            }

            return SimResult.Ok(("text", t.Text), ("image", t.Image), ("link", t.Link), ("miniprogram", t.MiniProgram), ("file", t.File), ("video", t.Video));
        }
    }

    internal SimResult DeleteGroupWelcomeTemplate(JsonObject body)
    {
        lock (_lock)
        {
            return _groupWelcomeTemplates.Remove(Str(body, "template_id") ?? "")
                ? SimResult.Ok()
                : SimResult.Error(WeComErrorCodes.InvalidParameter, "invalid template_id");
        }
    }

    private static SimResult? CheckWelcomeTemplate(WeComGroupWelcomeTemplate t)
    {
        if (t.Text is null && t.Image is null && t.Link is null && t.MiniProgram is null && t.File is null && t.Video is null)
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "text or an attachment is required");
        }

        if (t.Text is { } text && System.Text.Encoding.UTF8.GetByteCount(text.Content ?? "") > 4000)
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "text.content exceeds 4000 bytes");
        }

        return null;
    }
}
