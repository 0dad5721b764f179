using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Siyu.Core.Events;

namespace Siyu.Core.Conversations;

/// <summary>The message kinds Siyu keeps from WeCom's session archive (会话内容存档).</summary>
public static class ArchiveKinds
{
    public const string Text = "text";
    public const string Image = "image";
    public const string Voice = "voice";
    public const string File = "file";
    public const string Link = "link";
    public const string Revoke = "revoke";
    public const string Agree = "agree";
    public const string Disagree = "disagree";
    public const string Mixed = "mixed";

    public static readonly IReadOnlySet<string> Known = new HashSet<string>(StringComparer.Ordinal) { Text, Image, Voice, File, Link, Revoke, Agree, Disagree, Mixed };
}

/// <summary>
/// One decrypted archive message (WeCom's DecryptData output) reduced to what Siyu stores: the parties, the kind, the
/// body as WeCom sent it, and the text that search indexes (text, link title and description, file name, mixed texts).
/// </summary>
public sealed record ArchivedMessage(
    string MsgId,
    string Action,
    string From,
    IReadOnlyList<string> ToList,
    string RoomId,
    long MsgTimeMs,
    string Kind,
    JsonObject Body,
    string SearchText,
    string? RevokesMsgId)
{
    /// <summary>
    /// WeCom's documented id shapes: external contacts' ids start with <c>wm</c> or <c>wo</c> (a WeChat user), members'
    /// ids are the corp's own user ids. The archive carries no other marker of who is a customer.
    /// </summary>
    public static bool IsExternal(string id) => id.StartsWith("wm", StringComparison.Ordinal) || id.StartsWith("wo", StringComparison.Ordinal);

    /// <summary>The staff member this message belongs to: the sender when a member sent it, else the first member addressed.</summary>
    public string? StaffUserId => !IsExternal(From) && From.Length > 0 ? From : ToList.FirstOrDefault(t => !IsExternal(t));

    /// <summary>The customer side of a one-to-one chat, or the external sender in a group; null when no customer is involved.</summary>
    public string? ExternalUserId => IsExternal(From) ? From : RoomId.Length == 0 ? ToList.FirstOrDefault(IsExternal) : null;

    /// <summary>True when the customer wrote it (customer → staff), false when a member did.</summary>
    public bool FromCustomer => IsExternal(From);
}

/// <summary>Parses WeCom's decrypted message JSON; errors name the field under the given path.</summary>
public static class ArchiveMessageParser
{
    /// <summary>Parses one message. <c>switch</c> records (企业切换日志) carry no conversation: returned as null without errors.</summary>
    public static ArchivedMessage? Parse(JsonObject? message, string path, List<FieldError> errors)
    {
        if (message is null)
        {
            errors.Add(new FieldError(path, "Required: the decrypted message JSON (WeCom's DecryptData output)."));
            return null;
        }
        var msgId = Str(message, "msgid");
        if (string.IsNullOrWhiteSpace(msgId) || msgId.Length > 128)
        {
            errors.Add(new FieldError(path + ".msgid", "Required, at most 128 characters."));
            return null;
        }
        var action = Str(message, "action") ?? "send";
        if (action == "switch")
        {
            return null;
        }
        if (action is not ("send" or "recall"))
        {
            errors.Add(new FieldError(path + ".action", "Expected send, recall or switch."));
            return null;
        }
        var from = Str(message, "from");
        if (string.IsNullOrWhiteSpace(from))
        {
            errors.Add(new FieldError(path + ".from", "Required: the sender's userid or external_userid."));
            return null;
        }
        var toList = new List<string>();
        if (message["tolist"] is JsonArray to)
        {
            foreach (var t in to)
            {
                if (t is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0)
                {
                    toList.Add(s);
                }
            }
        }
        else if (message["tolist"] is not null)
        {
            errors.Add(new FieldError(path + ".tolist", "Expected an array of ids."));
            return null;
        }
        long msgTime = 0;
        if (message["msgtime"] is JsonValue time && (time.TryGetValue<long>(out msgTime) || (time.TryGetValue<double>(out var d) && (msgTime = (long)d) >= 0)) && msgTime > 0)
        {
        }
        else
        {
            errors.Add(new FieldError(path + ".msgtime", "Required: milliseconds since 1970-01-01 UTC, positive."));
            return null;
        }
        var kind = Str(message, "msgtype");
        if (kind is null || !ArchiveKinds.Known.Contains(kind))
        {
            errors.Add(new FieldError(path + ".msgtype", "Expected one of " + string.Join(", ", ArchiveKinds.Known) + "."));
            return null;
        }
        if (message[kind] is not JsonObject body)
        {
            errors.Add(new FieldError($"{path}.{kind}", $"Required: the {kind} body object."));
            return null;
        }
        string? revokes = null;
        if (kind == ArchiveKinds.Revoke)
        {
            revokes = Str(body, "pre_msgid");
            if (string.IsNullOrWhiteSpace(revokes))
            {
                errors.Add(new FieldError(path + ".revoke.pre_msgid", "Required: the id of the recalled message."));
                return null;
            }
        }
        if (kind == ArchiveKinds.Text && Str(body, "content") is null)
        {
            errors.Add(new FieldError(path + ".text.content", "Required."));
            return null;
        }
        return new ArchivedMessage(msgId, action, from, toList, Str(message, "roomid") ?? "", msgTime, kind, (JsonObject)body.DeepClone(), SearchTextOf(kind, body), revokes);
    }

    /// <summary>What a reader searches for in a message: the words, not ids or URLs.</summary>
    public static string SearchTextOf(string kind, JsonObject body)
    {
        switch (kind)
        {
            case ArchiveKinds.Text:
                return Str(body, "content") ?? "";
            case ArchiveKinds.Link:
                return string.Join('\n', new[] { Str(body, "title"), Str(body, "description") }.Where(s => !string.IsNullOrEmpty(s)));
            case ArchiveKinds.File:
                return Str(body, "filename") ?? "";
            case ArchiveKinds.Mixed:
                var text = new StringBuilder();
                if (body["item"] is JsonArray items)
                {
                    foreach (var item in items.OfType<JsonObject>())
                    {
                        // WeCom nests each part's body as a JSON string in "content".
                        var type = Str(item, "type");
                        var inner = item["content"] switch
                        {
                            JsonObject o => o,
                            JsonValue v when v.TryGetValue<string>(out var s) => TryParse(s),
                            _ => null,
                        };
                        if (type is not null && type != ArchiveKinds.Mixed && inner is not null && SearchTextOf(type, inner) is { Length: > 0 } part)
                        {
                            text.Append(text.Length > 0 ? "\n" : "").Append(part);
                        }
                    }
                }
                return text.ToString();
            default:
                return "";
        }
    }

    private static JsonObject? TryParse(string json)
    {
        try
        {
            return JsonNode.Parse(json) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Str(JsonObject o, string name) => o[name] switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<long>(out var l) => l.ToString(CultureInfo.InvariantCulture),
        _ => null,
    };
}
