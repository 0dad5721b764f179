using System.Globalization;
using System.Xml.Linq;

namespace Siyu.WeCom.Callbacks;

/// <summary>Turns decrypted callback XML (either envelope) into a typed <see cref="WeComCallbackEvent"/>.</summary>
public static class CallbackEventParser
{
    /// <summary>
    /// Parses <paramref name="decryptedXml"/>. Unknown events become <see cref="UnknownCallback"/>; only
    /// XML that is not well-formed throws (<see cref="WeComCallbackError.MalformedXml"/>).
    /// </summary>
    /// <param name="corpId">The corp the callback endpoint belongs to, used for the idempotency key;
    /// defaults to the envelope's corp (ToUserName / AuthCorpId).</param>
    public static WeComCallbackEvent Parse(string decryptedXml, string? corpId = null)
    {
        ArgumentNullException.ThrowIfNull(decryptedXml);
        var root = SafeXml.LoadRoot(decryptedXml);
        var envelope = ReadEnvelope(root);
        var key = CallbackIdempotency.Compute(corpId ?? envelope.CorpId, decryptedXml);
        var changeType = Text(root, "ChangeType") ?? string.Empty;

        // Self-built apps also receive user messages (MsgType text/image...) on the same URL: not events.
        var isEvent = envelope.Kind == CallbackEnvelopeKind.ThirdParty
            || string.Equals(envelope.MsgType, "event", StringComparison.OrdinalIgnoreCase);
        if (!isEvent)
        {
            return new UnknownCallback { Envelope = envelope, RawXml = decryptedXml, IdempotencyKey = key };
        }

        return envelope.EventType switch
        {
            "change_external_contact" => new ExternalContactChanged
            {
                Envelope = envelope,
                RawXml = decryptedXml,
                IdempotencyKey = key,
                RawChangeType = changeType,
                ChangeType = changeType switch
                {
                    "add_external_contact" => ExternalContactChangeType.AddExternalContact,
                    "add_half_external_contact" => ExternalContactChangeType.AddHalfExternalContact,
                    "edit_external_contact" => ExternalContactChangeType.EditExternalContact,
                    "del_external_contact" => ExternalContactChangeType.DelExternalContact,
                    "del_follow_user" => ExternalContactChangeType.DelFollowUser,
                    "transfer_fail" => ExternalContactChangeType.TransferFail,
                    "msg_audit_approved" => ExternalContactChangeType.MsgAuditApproved,
                    _ => ExternalContactChangeType.Unknown,
                },
                UserId = Text(root, "UserID"),
                ExternalUserId = Text(root, "ExternalUserID"),
                State = Text(root, "State"),
                WelcomeCode = Text(root, "WelcomeCode"),
                Source = Text(root, "Source"),
                FailReason = Text(root, "FailReason"),
            },
            "change_external_chat" => new ExternalChatChanged
            {
                Envelope = envelope,
                RawXml = decryptedXml,
                IdempotencyKey = key,
                RawChangeType = changeType,
                ChangeType = changeType switch
                {
                    "create" => ExternalChatChangeType.Create,
                    "update" => ExternalChatChangeType.Update,
                    "dismiss" => ExternalChatChangeType.Dismiss,
                    _ => ExternalChatChangeType.Unknown,
                },
                ChatId = Text(root, "ChatId"),
                UpdateDetail = Text(root, "UpdateDetail"),
                JoinScene = Int(root, "JoinScene"),
                QuitScene = Int(root, "QuitScene"),
                MemChangeCnt = Int(root, "MemChangeCnt"),
                MemChangeList = root.Element("MemChangeList")?.Elements("Item")
                    .Select(i => i.Value.Trim()).Where(v => v.Length > 0).ToArray() ?? [],
                LastMemVer = Text(root, "LastMemVer"),
                CurMemVer = Text(root, "CurMemVer"),
            },
            "change_external_tag" => new ExternalTagChanged
            {
                Envelope = envelope,
                RawXml = decryptedXml,
                IdempotencyKey = key,
                RawChangeType = changeType,
                ChangeType = changeType switch
                {
                    "create" => ExternalTagChangeType.Create,
                    "update" => ExternalTagChangeType.Update,
                    "delete" => ExternalTagChangeType.Delete,
                    "shuffle" => ExternalTagChangeType.Shuffle,
                    _ => ExternalTagChangeType.Unknown,
                },
                Id = Text(root, "Id"),
                TagType = Text(root, "TagType"),
                StrategyId = Text(root, "StrategyId"),
            },
            "change_contact" => new ContactChanged
            {
                Envelope = envelope,
                RawXml = decryptedXml,
                IdempotencyKey = key,
                RawChangeType = changeType,
                ChangeType = changeType switch
                {
                    "create_user" => ContactChangeType.CreateUser,
                    "update_user" => ContactChangeType.UpdateUser,
                    "delete_user" => ContactChangeType.DeleteUser,
                    "create_party" => ContactChangeType.CreateParty,
                    "update_party" => ContactChangeType.UpdateParty,
                    "delete_party" => ContactChangeType.DeleteParty,
                    "update_tag" => ContactChangeType.UpdateTag,
                    _ => ContactChangeType.Unknown,
                },
                UserId = Text(root, "UserID"),
                NewUserId = Text(root, "NewUserID"),
                Name = Text(root, "Name"),
                // Users carry "1,2,3"; there is no element for parties, whose id is in <Id>.
                Department = CommaList(Text(root, "Department"), s => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : (long?)null),
                MainDepartment = Long(root, "MainDepartment"),
                IsLeaderInDept = CommaList(Text(root, "IsLeaderInDept"), s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : (int?)null),
                Position = Text(root, "Position"),
                Mobile = Text(root, "Mobile"),
                Gender = Text(root, "Gender"),
                Email = Text(root, "Email"),
                Status = Int(root, "Status"),
                Alias = Text(root, "Alias"),
                PartyId = changeType.EndsWith("_party", StringComparison.Ordinal) ? Long(root, "Id") : null,
                ParentId = Long(root, "ParentId"),
                TagId = Long(root, "TagId"),
            },
            "msgaudit_notify" => new MsgAuditNotify { Envelope = envelope, RawXml = decryptedXml, IdempotencyKey = key },
            _ => new UnknownCallback { Envelope = envelope, RawXml = decryptedXml, IdempotencyKey = key },
        };
    }

    private static CallbackEnvelope ReadEnvelope(XElement root)
    {
        var infoType = Text(root, "InfoType");
        var suiteId = Text(root, "SuiteId");
        if (infoType is not null || suiteId is not null)
        {
            return new CallbackEnvelope(
                CallbackEnvelopeKind.ThirdParty,
                CorpId: Text(root, "AuthCorpId"),
                SuiteId: suiteId,
                FromUserName: null,
                MsgType: null,
                EventType: infoType,
                CreateTime: UnixTime(Long(root, "TimeStamp")),
                AgentId: Text(root, "AgentID"));
        }

        return new CallbackEnvelope(
            CallbackEnvelopeKind.SelfBuilt,
            CorpId: Text(root, "ToUserName"),
            SuiteId: null,
            FromUserName: Text(root, "FromUserName"),
            MsgType: Text(root, "MsgType"),
            EventType: Text(root, "Event"),
            CreateTime: UnixTime(Long(root, "CreateTime")),
            AgentId: Text(root, "AgentID"));
    }

    private static string? Text(XElement root, string name)
    {
        var value = SafeXml.Child(root, name);
        return string.IsNullOrEmpty(value) ? null : value;
    }

    private static int? Int(XElement root, string name) =>
        int.TryParse(Text(root, name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static long? Long(XElement root, string name) =>
        long.TryParse(Text(root, name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static DateTimeOffset? UnixTime(long? seconds) =>
        seconds is { } s && s >= 0 && s <= 253402300799 ? DateTimeOffset.FromUnixTimeSeconds(s) : null;

    private static T[] CommaList<T>(string? text, Func<string, T?> parse)
        where T : struct
    {
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }

        var result = new List<T>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (parse(part) is { } value)
            {
                result.Add(value);
            }
        }

        return [.. result];
    }
}
