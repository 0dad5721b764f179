using System.Text.Json.Nodes;
using Siyu.WeCom.Api;

namespace Siyu.WeComSimulator.State;

// Mass send (客户群发): add_msg_template creates a task per sender that waits for the sender to confirm it
// in the WeCom client; the results APIs report what happened per sender and per customer or group.
public sealed partial class SimulatedCorp
{
    private const int MaxMassTimeWindowSeconds = 31 * 86400;

    // WeCom counts a customer's monthly mass messages in China time.
    private static readonly TimeSpan ChinaTime = TimeSpan.FromHours(8);

    internal SimResult AddMsgTemplate(JsonObject body)
    {
        var chatType = Str(body, "chat_type") ?? "single";
        var sender = Str(body, "sender");
        var targets = StrList(body, "external_userid");
        var chatIds = StrList(body, "chat_id_list");
        var text = body["text"] is JsonObject textObject ? SimJson.As<WeComText>(textObject) : null;
        var attachments = body["attachments"] is JsonArray array
            ? array.OfType<JsonObject>().Select(a => SimJson.As<WeComAttachment>(a)).OfType<WeComAttachment>().ToList()
            : null;
        if (chatType is not ("single" or "group"))
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "chat_type must be single or group");
        }

        if (string.IsNullOrEmpty(text?.Content) && attachments is not { Count: > 0 })
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "text or attachments required");
        }

        if (attachments is { Count: > 9 })
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "at most 9 attachments");
        }

        if (targets.Count > 10000)
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "external_userid exceeds 10000");
        }

        lock (_lock)
        {
            if (sender is not null && ActiveUser(sender) is null)
            {
                return SimResult.Error(WeComErrorCodes.UserNotFound, "invalid sender");
            }

            var task = new SimMassTask
            {
                MsgId = "msg" + NewId("", 27),
                ChatType = chatType,
                Creator = sender,
                CreateType = 0,
                CreateTime = Now(),
                Text = string.IsNullOrEmpty(text?.Content) ? null : text,
                Attachments = attachments,
            };
            List<string> failList = [];
            if (chatType == "single")
            {
                if (targets.Count == 0 && sender is null)
                {
                    return SimResult.Error(WeComErrorCodes.InvalidParameter, "external_userid and sender cannot both be empty");
                }

                // No list means "all of the sender's customers".
                var wanted = targets.Count > 0 ? targets.Distinct().ToList() : [.. _follows.Where(f => f.UserId == sender).Select(f => f.ExternalUserId)];
                foreach (var externalUserId in wanted)
                {
                    // Without a sender, the staff member who has had the customer longest sends it.
                    var follow = _follows
                        .Where(f => f.ExternalUserId == externalUserId && (sender is null || f.UserId == sender) && ActiveUser(f.UserId) is not null)
                        .MinBy(f => f.CreateTime);
                    if (follow is null)
                    {
                        failList.Add(externalUserId);
                        continue;
                    }

                    SenderPart(task, follow.UserId).Targets.Add(new SimMassTarget { ExternalUserId = externalUserId });
                }
            }
            else
            {
                if (sender is null)
                {
                    return SimResult.Error(WeComErrorCodes.InvalidParameter, "sender required for chat_type group");
                }

                if (chatIds.FirstOrDefault(id => _groups.All(g => g.ChatId != id || g.Dismissed)) is { } unknown)
                {
                    return SimResult.Error(WeComErrorCodes.InvalidChatId, "chatid not found: " + unknown);
                }

                // Only the sender's own groups take part; no list means all of them.
                var groups = _groups.Where(g => !g.Dismissed && g.Owner == sender && (chatIds.Count == 0 || chatIds.Contains(g.ChatId)));
                foreach (var group in groups)
                {
                    SenderPart(task, sender).Targets.Add(new SimMassTarget { ChatId = group.ChatId });
                }
            }

            _massTasks.Add(task);
            Record("template", task.MsgId, sender, [.. task.Senders.SelectMany(x => x.Targets).Select(t => t.ExternalUserId ?? t.ChatId!)], text?.Content, body);
            return SimResult.Ok(("fail_list", failList), ("msgid", task.MsgId));
        }
    }

    internal SimResult GetGroupMsgListV2(JsonObject body)
    {
        var chatType = Str(body, "chat_type");
        var start = body["start_time"] is JsonValue sv && sv.TryGetValue<long>(out var st) ? st : (long?)null;
        var end = body["end_time"] is JsonValue ev && ev.TryGetValue<long>(out var en) ? en : (long?)null;
        var creator = Str(body, "creator");
        var filterType = body["filter_type"] is JsonValue fv && fv.TryGetValue<int>(out var f) ? f : 2;
        var limit = body["limit"] is JsonValue lv && lv.TryGetValue<int>(out var l) ? l : 50;
        if (chatType is not ("single" or "group"))
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "chat_type must be single or group");
        }

        if (start is null || end is null || end < start || end - start > MaxMassTimeWindowSeconds)
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "start_time and end_time required, at most one month apart");
        }

        if (filterType is < 0 or > 2 || limit is < 1 or > 100)
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "invalid filter_type or limit");
        }

        lock (_lock)
        {
            var rows = _massTasks
                .Where(t => t.ChatType == chatType && t.CreateTime >= start && t.CreateTime <= end)
                .Where(t => filterType == 2 || t.CreateType == filterType)
                .Where(t => creator is null || t.Creator == creator || t.Senders.Any(x => x.UserId == creator))
                .Select(t => new WeComGroupMsg
                {
                    MsgId = t.MsgId,
                    Creator = t.Creator ?? string.Empty,
                    CreateTime = t.CreateTime,
                    CreateType = t.CreateType,
                    Text = t.Text,
                    Attachments = t.Attachments,
                })
                .ToList();
            if (Paginate(rows, Str(body, "cursor"), limit) is not { } paged)
            {
                return SimResult.Error(WeComErrorCodes.InvalidParameter, "invalid cursor");
            }

            return SimResult.Ok(("next_cursor", paged.Next), ("group_msg_list", paged.Page));
        }
    }

    internal SimResult GetGroupMsgTask(JsonObject body)
    {
        var limit = body["limit"] is JsonValue lv && lv.TryGetValue<int>(out var l) ? l : 500;
        if (limit is < 1 or > 1000)
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "limit must be 1..1000");
        }

        lock (_lock)
        {
            var task = _massTasks.FirstOrDefault(t => t.MsgId == Str(body, "msgid"));
            if (task is null)
            {
                return SimResult.Error(WeComErrorCodes.InvalidParameter, "invalid msgid");
            }

            var rows = task.Senders
                .Select(x => new WeComGroupMsgTask { UserId = x.UserId, Status = (WeComGroupMsgTaskStatus)x.Status, SendTime = x.SendTime })
                .ToList();
            if (Paginate(rows, Str(body, "cursor"), limit) is not { } paged)
            {
                return SimResult.Error(WeComErrorCodes.InvalidParameter, "invalid cursor");
            }

            return SimResult.Ok(("next_cursor", paged.Next), ("task_list", paged.Page));
        }
    }

    internal SimResult GetGroupMsgSendResult(JsonObject body)
    {
        var userId = Str(body, "userid");
        var limit = body["limit"] is JsonValue lv && lv.TryGetValue<int>(out var l) ? l : 500;
        if (limit is < 1 or > 1000)
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "limit must be 1..1000");
        }

        lock (_lock)
        {
            var task = _massTasks.FirstOrDefault(t => t.MsgId == Str(body, "msgid"));
            if (task is null)
            {
                return SimResult.Error(WeComErrorCodes.InvalidParameter, "invalid msgid");
            }

            if (AnyUser(userId) is null)
            {
                return SimResult.Error(WeComErrorCodes.InvalidUserId, "invalid userid");
            }

            var rows = task.Senders.Where(x => x.UserId == userId)
                .SelectMany(x => x.Targets.Select(t => new WeComGroupMsgSendResult
                {
                    ExternalUserId = t.ExternalUserId,
                    ChatId = t.ChatId,
                    UserId = x.UserId,
                    Status = (WeComGroupMsgSendStatus)t.Status,
                    SendTime = t.SendTime,
                }))
                .ToList();
            if (Paginate(rows, Str(body, "cursor"), limit) is not { } paged)
            {
                return SimResult.Error(WeComErrorCodes.InvalidParameter, "invalid cursor");
            }

            return SimResult.Ok(("next_cursor", paged.Next), ("send_list", paged.Page));
        }
    }

    // ---- Simulation ----

    /// <summary>
    /// Staff member <paramref name="userId"/> confirms their part of mass-send task <paramref name="msgId"/> in
    /// the WeCom client: each customer gets it (status 1) unless they are no longer a contact (2) or already
    /// received the monthly cap of corp mass messages (3). Confirming twice changes nothing.
    /// Returns (sent, not friend, cap reached) counts.
    /// </summary>
    internal (int Sent, int NotFriend, int CapReached) ConfirmMassTask(string msgId, string userId)
    {
        lock (_lock)
        {
            var task = _massTasks.FirstOrDefault(t => t.MsgId == msgId) ?? throw new KeyNotFoundException("No mass-send task " + msgId + ".");
            var part = task.Senders.FirstOrDefault(x => x.UserId == userId)
                ?? throw new KeyNotFoundException(userId + " is not a sender of " + msgId + ".");
            if (part.Status == 0)
            {
                var now = Now();
                part.Status = 2;
                part.SendTime = now;
                foreach (var target in part.Targets)
                {
                    target.Status = Deliver(userId, target, now);
                    target.SendTime = target.Status == 1 ? now : null;
                }
            }

            return (part.Targets.Count(t => t.Status == 1), part.Targets.Count(t => t.Status == 2), part.Targets.Count(t => t.Status == 3));
        }
    }

    /// <summary>Records that a customer already received <paramref name="count"/> corp mass messages this month (e.g. from other tasks).</summary>
    internal void AddMassReceipts(string externalUserId, int count)
    {
        lock (_lock)
        {
            if (_contacts.All(c => c.ExternalUserId != externalUserId))
            {
                throw new KeyNotFoundException("No customer " + externalUserId + ".");
            }

            var receipts = ReceiptsOf(externalUserId);
            receipts.AddRange(Enumerable.Repeat(Now(), count));
        }
    }

    /// <summary>The monthly cap in force now: the configured one, or as many as the current month has days.</summary>
    public int MassMessageMonthlyCap
    {
        get
        {
            if (_options.MassMessageMonthlyCap is { } cap)
            {
                return cap;
            }

            var local = _time.GetUtcNow().ToOffset(ChinaTime);
            return DateTime.DaysInMonth(local.Year, local.Month);
        }
    }

    private int Deliver(string userId, SimMassTarget target, long now)
    {
        if (target.ChatId is not null)
        {
            return _groups.Any(g => g.ChatId == target.ChatId && !g.Dismissed) ? 1 : 2;
        }

        var externalUserId = target.ExternalUserId!;
        if (!_follows.Any(f => f.UserId == userId && f.ExternalUserId == externalUserId))
        {
            return 2;
        }

        var receipts = ReceiptsOf(externalUserId);
        var month = MonthOf(now);
        if (receipts.Count(r => MonthOf(r) == month) >= MassMessageMonthlyCap)
        {
            return 3;
        }

        receipts.Add(now);
        return 1;
    }

    private List<long> ReceiptsOf(string externalUserId)
    {
        if (!_massReceipts.TryGetValue(externalUserId, out var receipts))
        {
            receipts = [];
            _massReceipts[externalUserId] = receipts;
        }

        return receipts;
    }

    private static (int Year, int Month) MonthOf(long unixSeconds)
    {
        var local = DateTimeOffset.FromUnixTimeSeconds(unixSeconds).ToOffset(ChinaTime);
        return (local.Year, local.Month);
    }

    private static SimMassSender SenderPart(SimMassTask task, string userId)
    {
        var part = task.Senders.FirstOrDefault(x => x.UserId == userId);
        if (part is null)
        {
            part = new SimMassSender { UserId = userId };
            task.Senders.Add(part);
        }

        return part;
    }
}
