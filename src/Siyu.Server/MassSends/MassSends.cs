using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Customers;
using Siyu.Core.Events;
using Siyu.Server.Data;
using Siyu.Server.Ingest;
using Siyu.Server.WeCom;
using Siyu.WeCom.Api;
using Siyu.Server.Compliance;

namespace Siyu.Server.MassSends;

public sealed record MassSendInput(
    string? Name, string? ChatType, long? AudienceId, IReadOnlyList<string>? Staff, IReadOnlyList<string>? ChatIds,
    string? Text, IReadOnlyList<WelcomeAttachment>? Attachments, DateTimeOffset? ScheduledAt);

/// <summary>Who a mass send would reach: per sender, and who is left out and why.</summary>
public sealed record MassSendReach(int Members, int Reachable, IReadOnlyDictionary<string, int> BySender, IReadOnlyDictionary<string, int> Excluded);

public sealed record MassSendView(
    long Id, string Name, string ChatType, long? AudienceId, IReadOnlyList<string> Staff, IReadOnlyList<string> ChatIds, string Text,
    IReadOnlyList<WelcomeAttachment>? Attachments, string Status, DateTimeOffset? ScheduledAt, DateTimeOffset CreatedAt, string CreatedBy,
    DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, int Targeted, int Excluded, string? Error, IReadOnlyList<MassSendTaskView> Tasks);

public sealed record MassSendTaskView(string Sender, string? MsgId, int Targets, string Status, DateTimeOffset? SentAt, int Delivered, int NotFriend, int LimitReached, string? Error);

/// <summary>
/// 客户群发 / 群群发: resolves the targets when the send starts (an audience's members at that moment, each through one
/// of their own staff members, or customer groups through their owners), creates one WeCom task per sender (WeCom
/// makes each staff member confirm in their client), then follows WeCom's results per sender and per customer. The
/// outcome for each customer is an event on their timeline.
/// </summary>
public sealed partial class MassSends(
    IDbContextFactory<SiyuDb> dbs, WeComConnections connections, Audiences.AudienceService audiences, Customers.CustomerReader reader,
    Delivery.DeliverySettingsStore deliverySettings, IngestWriter writer, TimeProvider time, ILogger<MassSends> logger)
{
    public const int MaxText = 4000;
    private const string Channel = "wecom_mass";
    private const string Topic = "marketing";

    // Any of these revoked holds a marketing mass send back: this channel or every channel, this topic or every topic.
    private static readonly string[] UnsubscribedKeys =
    [
        CustomerProfile.ConsentKey(Channel, Topic), CustomerProfile.ConsentKey(Channel, ConsentScopes.AllTopics),
        CustomerProfile.ConsentKey(ConsentScopes.AllChannels, Topic), CustomerProfile.ConsentKey(ConsentScopes.AllChannels, ConsentScopes.AllTopics),
    ];
    private const int WeComMaxTargets = 10_000;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public async Task<List<FieldError>> ValidateAsync(int tenantId, MassSendInput input)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(input.Name) || input.Name.Trim().Length > 60)
        {
            errors.Add(new FieldError("name", "A name of 1–60 characters is required."));
        }
        if (input.ChatType is not ("single" or "group"))
        {
            errors.Add(new FieldError("chat_type", "single (客户群发, to customers) or group (群群发, to customer groups)."));
        }
        if (string.IsNullOrWhiteSpace(input.Text) && input.Attachments is not { Count: > 0 })
        {
            errors.Add(new FieldError("text", "A message needs text or an attachment."));
        }
        if (input.Text is { Length: > MaxText })
        {
            errors.Add(new FieldError("text", $"At most {MaxText:N0} characters."));
        }
        ChannelCodes.ValidateAttachments(input.Attachments ?? [], "attachments", errors);
        var now = time.GetUtcNow();
        if (input.ScheduledAt is { } at && (at < now.AddMinutes(-1) || at > now.AddDays(30)))
        {
            errors.Add(new FieldError("scheduled_at", "A time from now to 30 days ahead (or leave it out to send now)."));
        }
        await using var db = await dbs.CreateDbContextAsync();
        if (input.ChatType == "single")
        {
            if (input.AudienceId is not { } audienceId)
            {
                errors.Add(new FieldError("audience_id", "Choose the audience to send to."));
            }
            else if (await audiences.GetAsync(tenantId, audienceId) is null)
            {
                errors.Add(new FieldError("audience_id", $"No audience {audienceId}."));
            }
        }
        else if (input.ChatType == "group" && input.ChatIds is not { Count: > 0 })
        {
            errors.Add(new FieldError("chat_ids", "Choose the customer groups to send to."));
        }
        var staff = input.Staff ?? [];
        if (staff.Count > 0)
        {
            var known = await db.Staff.AsNoTracking().Where(s => s.TenantId == tenantId && staff.Contains(s.UserId)).Select(s => s.UserId).ToListAsync();
            for (var i = 0; i < staff.Count; i++)
            {
                if (!known.Contains(staff[i]))
                {
                    errors.Add(new FieldError($"staff[{i}]", $"No staff member {staff[i]}."));
                }
            }
        }
        if (input.ChatType == "group" && input.ChatIds is { Count: > 0 } chatIds)
        {
            var known = await db.CustomerGroups.AsNoTracking().Where(g => g.TenantId == tenantId && chatIds.Contains(g.ChatId) && g.DismissedAtTicks == null)
                .Select(g => g.ChatId).ToListAsync();
            for (var i = 0; i < chatIds.Count; i++)
            {
                if (!known.Contains(chatIds[i]))
                {
                    errors.Add(new FieldError($"chat_ids[{i}]", $"No active customer group {chatIds[i]}."));
                }
            }
        }
        return errors;
    }

    /// <summary>Who would get it if it were sent now.</summary>
    public async Task<(MassSendReach? Reach, IReadOnlyList<FieldError> Errors)> PreviewAsync(int tenantId, MassSendInput input)
    {
        var errors = (await ValidateAsync(tenantId, input)).Where(e => e.Path is "chat_type" or "audience_id" or "chat_ids" || e.Path.StartsWith("staff", StringComparison.Ordinal) || e.Path.StartsWith("chat_ids", StringComparison.Ordinal)).ToList();
        if (errors.Count > 0)
        {
            return (null, errors);
        }
        var condition = input.ChatType == "single" ? (await audiences.GetAsync(tenantId, input.AudienceId!.Value))!.Condition : null;
        var (targets, excluded, members) = await ResolveAsync(tenantId, input.ChatType!, condition, input.Staff ?? [], input.ChatIds ?? []);
        return (new MassSendReach(members, targets.Count, targets.GroupBy(t => t.Sender).ToDictionary(g => g.Key, g => g.Count()),
            excluded.GroupBy(e => e.Reason).ToDictionary(g => g.Key, g => g.Count())), []);
    }

    public async Task<(MassSendView? Send, IReadOnlyList<FieldError> Errors)> CreateAsync(int tenantId, string actor, MassSendInput input)
    {
        var errors = await ValidateAsync(tenantId, input);
        if (connections.Get(tenantId) is not { CanCallApi: true })
        {
            errors.Add(new FieldError("wecom", "Connect WeCom first."));
        }
        // The delivery pipeline's content review, before anything is stored: blocked words are an error at the field,
        // words that need a second pair of eyes hold the send until an admin approves it.
        var review = await deliverySettings.ReviewAsync(tenantId, new Siyu.Core.Delivery.DeliveryRequest(Siyu.Core.Delivery.DeliveryChannel.WeComMass, Siyu.Core.Delivery.DeliveryTopic.Marketing, input.Text ?? "")
        {
            AttachmentTexts = [.. (input.Attachments ?? []).SelectMany(a => new[] { a.Title, a.Desc }).OfType<string>()],
        });
        if (review.Outcome == Siyu.Core.Delivery.ReviewOutcome.Blocked)
        {
            var words = string.Join("、", review.Hits.Where(h => h.Action == Siyu.Core.Delivery.ReviewAction.Block).Select(h => h.Matched).Distinct());
            errors.Add(new FieldError(review.Hits.First(h => h.Action == Siyu.Core.Delivery.ReviewAction.Block).Field,
                $"Blocked by content review: {words} ({review.Hits.First(h => h.Action == Siyu.Core.Delivery.ReviewAction.Block).Reason})."));
        }
        if (errors.Count > 0)
        {
            return (null, errors);
        }
        var now = time.GetUtcNow();
        var row = new MassSendRow
        {
            TenantId = tenantId, Name = input.Name!.Trim(), ChatType = input.ChatType!, AudienceId = input.AudienceId,
            Condition = input.ChatType == "single" ? (await audiences.GetAsync(tenantId, input.AudienceId!.Value))!.Condition : null,
            StaffFilter = JsonSerializer.Serialize(input.Staff ?? [], Json), ChatIds = JsonSerializer.Serialize(input.ChatIds ?? [], Json),
            Text = input.Text?.Trim() ?? "", Attachments = input.Attachments is { Count: > 0 } a ? JsonSerializer.Serialize(a, Json) : null,
            Status = review.Outcome == Siyu.Core.Delivery.ReviewOutcome.NeedsApproval ? "needs_approval" : "scheduled",
            Error = review.Outcome == Siyu.Core.Delivery.ReviewOutcome.NeedsApproval ? "内容审核：" + string.Join("、", review.Hits.Select(h => h.Matched).Distinct()) : null,
            ScheduledAtTicks = (input.ScheduledAt ?? now).UtcTicks, CreatedAtTicks = now.UtcTicks, CreatedBy = actor,
        };
        await using var db = await dbs.CreateDbContextAsync();
        db.MassSends.Add(row);
        AuditLog.Record(db, tenantId, now.UtcTicks, actor, "mass_send.create", target: row.Name);
        await db.SaveChangesAsync();
        return (View(row, []), []);
    }

    public async Task<IReadOnlyList<MassSendView>> ListAsync(int tenantId, int limit = 100)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var rows = await db.MassSends.AsNoTracking().Where(m => m.TenantId == tenantId).OrderByDescending(m => m.Id).Take(limit).ToListAsync();
        var ids = rows.Select(r => r.Id).ToList();
        var tasks = (await db.MassSendTasks.AsNoTracking().Where(t => t.TenantId == tenantId && ids.Contains(t.MassSendId)).ToListAsync()).ToLookup(t => t.MassSendId);
        return [.. rows.Select(r => View(r, tasks[r.Id]))];
    }

    public async Task<MassSendView?> GetAsync(int tenantId, long id)
    {
        await using var db = await dbs.CreateDbContextAsync();
        // Tasks before the send: the start writes its tasks and the target counts in one commit, so a view that has the
        // tasks has the counts too (read the other way round, "sending" with tasks and 0 targeted was seen).
        var tasks = await db.MassSendTasks.AsNoTracking().Where(t => t.TenantId == tenantId && t.MassSendId == id).OrderBy(t => t.Sender).ToListAsync();
        var row = await db.MassSends.AsNoTracking().FirstOrDefaultAsync(m => m.TenantId == tenantId && m.Id == id);
        return row is null ? null : View(row, tasks);
    }

    public async Task<IReadOnlyList<MassSendRecipientRow>> RecipientsAsync(int tenantId, long id, string? status, string? after, int limit)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var q = db.MassSendRecipients.AsNoTracking().Where(r => r.TenantId == tenantId && r.MassSendId == id);
        if (status is { Length: > 0 })
        {
            q = q.Where(r => r.Status == status);
        }
        if (after is { Length: > 0 })
        {
            q = q.Where(r => string.Compare(r.Target, after) > 0);
        }
        return await q.OrderBy(r => r.Target).Take(limit).ToListAsync();
    }

    /// <summary>Cancels a send that has not started; one whose tasks exist can only be withdrawn in WeCom.</summary>
    public async Task<bool> CancelAsync(int tenantId, string actor, long id)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var changed = await db.MassSends.Where(m => m.TenantId == tenantId && m.Id == id && m.Status == "scheduled")
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, "cancelled").SetProperty(m => m.FinishedAtTicks, time.GetUtcNow().UtcTicks));
        if (changed > 0)
        {
            AuditLog.Record(db, tenantId, time.GetUtcNow().UtcTicks, actor, "mass_send.cancel", target: id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await db.SaveChangesAsync();
        }
        return changed > 0;
    }

    private sealed record Target(string Id, long CustomerId, string Sender);

    private sealed record Exclusion(string Id, long CustomerId, string Reason);

    /// <summary>
    /// The targets now: each audience member through the first of their staff relations the filter allows (a customer
    /// gets the message once, whatever the number of staff who have them), or each chosen group through its owner.
    /// </summary>
    private async Task<(List<Target> Targets, List<Exclusion> Excluded, int Members)> ResolveAsync(
        int tenantId, string chatType, string? condition, IReadOnlyList<string> staffFilter, IReadOnlyList<string> chatIds)
    {
        var targets = new List<Target>();
        var excluded = new List<Exclusion>();
        var allowed = staffFilter.ToHashSet(StringComparer.Ordinal);
        await using var db = await dbs.CreateDbContextAsync();
        if (chatType == "group")
        {
            var groups = await db.CustomerGroups.AsNoTracking().Where(g => g.TenantId == tenantId && chatIds.Contains(g.ChatId) && g.DismissedAtTicks == null).ToListAsync();
            foreach (var g in groups)
            {
                if (g.Owner is { Length: > 0 } owner && (allowed.Count == 0 || allowed.Contains(owner)))
                {
                    targets.Add(new Target(g.ChatId, 0, owner));
                }
                else
                {
                    excluded.Add(new Exclusion(g.ChatId, 0, "staff_filtered"));
                }
            }
            return (targets, excluded, groups.Count);
        }

        var members = new List<long>();
        await foreach (var id in audiences.AllMembersAsync(tenantId, condition!))
        {
            members.Add(id);
        }
        var wecomType = (int)IdentifierType.ExternalUserId;
        var (_, compiled) = await deliverySettings.GetCompiledAsync(tenantId);
        var now = time.GetUtcNow();
        var inHandoff = await Handoffs.HandoffService.OpenCustomersAsync(db, tenantId);
        foreach (var chunk in members.Chunk(2_000))
        {
            var history = await Delivery.DeliveryHistory.ReadAsync(db, tenantId, chunk, now);
            var summaries = (await reader.SummariesAsync(tenantId, chunk)).ToDictionary(s => s.Id);
            var externalIds = (await db.Identifiers.AsNoTracking().Where(i => i.TenantId == tenantId && i.Type == wecomType && chunk.Contains(i.CustomerId))
                .Select(i => new { i.CustomerId, i.Value }).ToListAsync()).ToLookup(i => i.CustomerId, i => i.Value);
            foreach (var customerId in chunk)
            {
                var external = externalIds[customerId].FirstOrDefault();
                var staff = summaries.GetValueOrDefault(customerId)?.Staff ?? [];
                if (external is null || staff.Length == 0)
                {
                    excluded.Add(new Exclusion(external ?? $"customer:{customerId}", customerId, "no_wecom_relation"));
                    continue;
                }
                // 转人工: a person is dealing with the customer; automation waits until the handoff is resolved.
                if (inHandoff.Contains(customerId))
                {
                    excluded.Add(new Exclusion(external, customerId, "handoff_open"));
                    continue;
                }
                // Unsubscribed from mass sends (marketing or everything): held back, and it shows in the reach.
                if (summaries.GetValueOrDefault(customerId)?.Revoked is { Length: > 0 } revoked
                    && UnsubscribedKeys.Any(revoked.Contains))
                {
                    excluded.Add(new Exclusion(external, customerId, "unsubscribed"));
                    continue;
                }
                // Frequency caps: the tenant's and WeCom's own (a customer receives at most one mass message a day, 4 a month, from the corp... as configured).
                var capped = compiled.Caps.Check(Siyu.Core.Delivery.DeliveryChannel.WeComMass, Siyu.Core.Delivery.DeliveryTopic.Marketing,
                    new Siyu.Core.Delivery.CustomerDeliveryContext(Siyu.Core.Delivery.ConsentState.Empty, history[customerId].ToList()), now);
                if (!capped.Allowed)
                {
                    excluded.Add(new Exclusion(external, customerId, "capped"));
                    continue;
                }
                var sender = staff.FirstOrDefault(s => allowed.Count == 0 || allowed.Contains(s));
                if (sender is null)
                {
                    excluded.Add(new Exclusion(external, customerId, "staff_filtered"));
                    continue;
                }
                targets.Add(new Target(external, customerId, sender));
            }
        }
        return (targets, excluded, members.Count);
    }

    /// <summary>An admin releases (or rejects) a send that content review held back.</summary>
    public async Task<(MassSendView? Send, IReadOnlyList<FieldError> Errors)> DecideAsync(int tenantId, string actor, long id, bool approve)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.MassSends.FirstOrDefaultAsync(m => m.TenantId == tenantId && m.Id == id);
        if (row is null)
        {
            return (null, [new FieldError("id", $"No mass send {id}.")]);
        }
        if (row.Status != "needs_approval")
        {
            return (null, [new FieldError("status", $"The send is {row.Status}; only one held for review can be approved or rejected.")]);
        }
        var now = time.GetUtcNow();
        row.Status = approve ? "scheduled" : "rejected";
        row.Error = approve ? null : row.Error;
        row.ScheduledAtTicks = Math.Max(row.ScheduledAtTicks ?? 0, now.UtcTicks);
        row.FinishedAtTicks = approve ? null : now.UtcTicks;
        AuditLog.Record(db, tenantId, now.UtcTicks, actor, approve ? "mass_send.approve" : "mass_send.reject", target: row.Name);
        await db.SaveChangesAsync();
        return (await GetAsync(tenantId, id), []);
    }

    /// <summary>Starts a due send: resolves its targets and creates one WeCom task per sender (in chunks of 10,000).</summary>
    public async Task StartAsync(int tenantId, long id, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var row = await db.MassSends.FirstOrDefaultAsync(m => m.TenantId == tenantId && m.Id == id && m.Status == "scheduled", cancellationToken);
        if (row is null)
        {
            return;
        }
        if (connections.Get(tenantId) is not { CanCallApi: true } connection)
        {
            (row.Status, row.Error, row.FinishedAtTicks) = ("failed", "WeCom is not connected.", time.GetUtcNow().UtcTicks);
            await db.SaveChangesAsync(cancellationToken);
            return;
        }
        row.Status = "sending";
        row.StartedAtTicks = time.GetUtcNow().UtcTicks;
        await db.SaveChangesAsync(cancellationToken); // claimed: a second runner (or a restart) will not start it again

        var (targets, excluded, _) = await ResolveAsync(tenantId, row.ChatType,
            row.Condition, JsonSerializer.Deserialize<List<string>>(row.StaffFilter, Json) ?? [], JsonSerializer.Deserialize<List<string>>(row.ChatIds, Json) ?? []);
        var attachments = row.Attachments is null ? null : JsonSerializer.Deserialize<List<WelcomeAttachment>>(row.Attachments, Json);
        var api = connections.Client(connection);
        var recipients = new List<MassSendRecipientRow>();
        recipients.AddRange(excluded.DistinctBy(e => e.Id).Select(e => new MassSendRecipientRow
        {
            TenantId = tenantId, MassSendId = id, Target = e.Id, CustomerId = e.CustomerId, Status = "excluded", Reason = e.Reason,
        }));
        foreach (var bySender in targets.GroupBy(t => t.Sender))
        {
            foreach (var chunk in bySender.Chunk(WeComMaxTargets))
            {
                var task = new MassSendTaskRow { TenantId = tenantId, MassSendId = id, Sender = bySender.Key, Targets = chunk.Length, Status = "waiting" };
                var failed = new HashSet<string>(StringComparer.Ordinal);
                try
                {
                    var created = await api.AddMsgTemplateAsync(new WeComMsgTemplate
                    {
                        ChatType = row.ChatType, Sender = bySender.Key,
                        ExternalUserId = row.ChatType == "single" ? [.. chunk.Select(t => t.Id)] : null,
                        ChatIdList = row.ChatType == "group" ? [.. chunk.Select(t => t.Id)] : null,
                        Text = row.Text.Length > 0 ? new WeComText { Content = row.Text } : null,
                        Attachments = attachments is { Count: > 0 } ? [.. attachments.Select(ChannelCodes.Attachment)] : null,
                    }, cancellationToken);
                    task.MsgId = created.MsgId;
                    failed.UnionWith(created.FailList);
                }
                catch (WeComApiException e)
                {
                    (task.Status, task.Error) = ("failed", $"{e.ErrCode} {e.ErrMsg}");
                    LogTaskFailed(logger, e, id, bySender.Key, e.ErrCode);
                }
                db.MassSendTasks.Add(task);
                recipients.AddRange(chunk.Select(t => new MassSendRecipientRow
                {
                    TenantId = tenantId, MassSendId = id, Target = t.Id, CustomerId = t.CustomerId, Sender = t.Sender,
                    Status = task.Status == "failed" || failed.Contains(t.Id) ? "failed" : "pending",
                    Reason = task.Status == "failed" ? task.Error : failed.Contains(t.Id) ? "not_contact" : null,
                }));
            }
        }
        db.MassSendRecipients.AddRange(recipients.DistinctBy(r => r.Target));
        row.Targeted = targets.Count;
        row.Excluded = excluded.Count;
        if (targets.Count == 0)
        {
            (row.Status, row.FinishedAtTicks) = ("done", time.GetUtcNow().UtcTicks);
        }
        await db.SaveChangesAsync(cancellationToken);
        await RecordOutcomesAsync(tenantId, row, recipients.Where(r => r.Status is "excluded" or "failed" && r.CustomerId != 0));
    }

    /// <summary>Asks WeCom which senders confirmed and what reached each customer; finished sends are marked done.</summary>
    public async Task RefreshAsync(int tenantId, long id, CancellationToken cancellationToken)
    {
        if (connections.Get(tenantId) is not { CanCallApi: true } connection)
        {
            return;
        }
        var api = connections.Client(connection);
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var row = await db.MassSends.FirstOrDefaultAsync(m => m.TenantId == tenantId && m.Id == id && m.Status == "sending", cancellationToken);
        if (row is null)
        {
            return;
        }
        var tasks = await db.MassSendTasks.Where(t => t.TenantId == tenantId && t.MassSendId == id && t.Status == "waiting" && t.MsgId != null).ToListAsync(cancellationToken);
        var changed = new List<MassSendRecipientRow>();
        foreach (var byMsg in tasks.GroupBy(t => t.MsgId!))
        {
            var confirmed = new Dictionary<string, long?>(StringComparer.Ordinal);
            string? cursor = null;
            do
            {
                var page = await api.GetGroupMsgTaskAsync(byMsg.Key, cursor, null, cancellationToken);
                foreach (var t in page.TaskList.Where(t => t.Status == WeComGroupMsgTaskStatus.Sent))
                {
                    confirmed[t.UserId] = t.SendTime;
                }
                cursor = string.IsNullOrEmpty(page.NextCursor) ? null : page.NextCursor;
            }
            while (cursor is not null);
            foreach (var task in byMsg.Where(t => confirmed.ContainsKey(t.Sender)))
            {
                var outcomes = new Dictionary<string, WeComGroupMsgSendResult>(StringComparer.Ordinal);
                cursor = null;
                do
                {
                    var page = await api.GetGroupMsgSendResultAsync(task.MsgId!, task.Sender, cursor, null, cancellationToken);
                    foreach (var r in page.SendList)
                    {
                        outcomes[r.ExternalUserId ?? r.ChatId ?? ""] = r;
                    }
                    cursor = string.IsNullOrEmpty(page.NextCursor) ? null : page.NextCursor;
                }
                while (cursor is not null);
                var recipients = await db.MassSendRecipients.Where(r => r.TenantId == tenantId && r.MassSendId == id && r.Sender == task.Sender && r.Status == "pending")
                    .ToListAsync(cancellationToken);
                foreach (var recipient in recipients)
                {
                    if (!outcomes.TryGetValue(recipient.Target, out var outcome) || outcome.Status == WeComGroupMsgSendStatus.NotSent)
                    {
                        continue;
                    }
                    recipient.Status = outcome.Status switch
                    {
                        WeComGroupMsgSendStatus.Sent => "sent",
                        WeComGroupMsgSendStatus.NotFriend => "not_friend",
                        WeComGroupMsgSendStatus.ReceiveLimitReached => "limit_reached",
                        _ => "failed",
                    };
                    recipient.SentAtTicks = outcome.SendTime is > 0 ? DateTimeOffset.FromUnixTimeSeconds(outcome.SendTime.Value).UtcTicks : time.GetUtcNow().UtcTicks;
                    changed.Add(recipient);
                }
                task.Status = "sent";
                task.SentAtTicks = confirmed[task.Sender] is > 0 ? DateTimeOffset.FromUnixTimeSeconds(confirmed[task.Sender]!.Value).UtcTicks : time.GetUtcNow().UtcTicks;
                task.Delivered += recipients.Count(r => r.Status == "sent");
                task.NotFriend += recipients.Count(r => r.Status == "not_friend");
                task.LimitReached += recipients.Count(r => r.Status == "limit_reached");
            }
        }
        await db.SaveChangesAsync(cancellationToken);
        if (!await db.MassSendTasks.AnyAsync(t => t.TenantId == tenantId && t.MassSendId == id && t.Status == "waiting", cancellationToken))
        {
            row.Status = "done";
            row.FinishedAtTicks = time.GetUtcNow().UtcTicks;
            await db.SaveChangesAsync(cancellationToken);
        }
        await RecordOutcomesAsync(tenantId, row, changed.Where(r => r.CustomerId != 0));
    }

    /// <summary>Each customer's outcome on their timeline: message.sent, or message.failed / message.excluded with the reason.</summary>
    private async Task RecordOutcomesAsync(int tenantId, MassSendRow row, IEnumerable<MassSendRecipientRow> recipients)
    {
        var events = recipients.Select(r => new IncomingEvent(
            $"mass_send:{row.Id}:{r.Target}:{r.Status}",
            r.Status switch { "sent" => "message.sent", "excluded" => "message.excluded", _ => "message.failed" },
            r.SentAtTicks is { } at ? new DateTimeOffset(at, TimeSpan.Zero) : time.GetUtcNow(),
            [], r.CustomerId,
            new JsonObject
            {
                ["channel"] = "wecom_mass", ["mass_send_id"] = row.Id, ["mass_send"] = row.Name, ["staff_userid"] = r.Sender,
                ["status"] = r.Status, ["reason"] = r.Reason,
            }, null, "siyu")).ToList();
        foreach (var chunk in events.Chunk(1_000))
        {
            await writer.AppendAsync(tenantId, chunk);
        }
    }

    private static MassSendView View(MassSendRow r, IEnumerable<MassSendTaskRow> tasks) => new(
        r.Id, r.Name, r.ChatType, r.AudienceId, JsonSerializer.Deserialize<List<string>>(r.StaffFilter, Json) ?? [],
        JsonSerializer.Deserialize<List<string>>(r.ChatIds, Json) ?? [], r.Text,
        r.Attachments is null ? null : JsonSerializer.Deserialize<List<WelcomeAttachment>>(r.Attachments, Json), r.Status,
        Time(r.ScheduledAtTicks), new DateTimeOffset(r.CreatedAtTicks, TimeSpan.Zero), r.CreatedBy, Time(r.StartedAtTicks), Time(r.FinishedAtTicks),
        r.Targeted, r.Excluded, r.Error,
        [.. tasks.Select(t => new MassSendTaskView(t.Sender, t.MsgId, t.Targets, t.Status, Time(t.SentAtTicks), t.Delivered, t.NotFriend, t.LimitReached, t.Error))]);

    private static DateTimeOffset? Time(long? ticks) => ticks is { } t ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mass send {Id}: WeCom refused the task for {Sender} ({ErrCode})")]
    private static partial void LogTaskFailed(ILogger logger, Exception e, long id, string sender, int errCode);
}
