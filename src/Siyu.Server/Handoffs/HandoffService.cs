using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Access;
using Siyu.Core.Compliance;
using Siyu.Core.Conversations;
using Siyu.Core.Delivery;
using Siyu.Core.Events;
using Siyu.Server.Compliance;
using Siyu.Server.Data;
using Siyu.Server.Delivery;
using Siyu.Server.Ingest;
using Siyu.Server.WeCom;

namespace Siyu.Server.Handoffs;

/// <summary>A customer message that may raise or add to a handoff (collected by the partition, matched here).</summary>
public sealed record HandoffCandidate(long CustomerId, long Seq, long AtTicks, string Text, string? MsgId, string? StaffUserId, string? CustomerName);

public sealed record HandoffView(
    long Id, long CustomerId, string? CustomerName, string? StaffUserid, string Status, IReadOnlyList<string> Topics, long TriggerSeq, string? TriggerMsgid,
    string? TriggerText, int Hits, IReadOnlyList<string> NotifiedTo, DateTimeOffset OpenedAt, DateTimeOffset? LastHitAt, DateTimeOffset? ClaimedAt, string? ClaimedBy,
    DateTimeOffset? ResolvedAt, string? ResolvedBy, string? Note);

public sealed record SensitiveTopicSettingsView(
    bool Enabled, IReadOnlyList<string> Lists, IReadOnlyList<string> Custom, IReadOnlyList<string> Excluded, IReadOnlyList<string> Supervisors,
    bool IsDefault, DateTimeOffset? UpdatedAt, string? UpdatedBy);

/// <summary>
/// Sensitive-topic interception and human handoff (转人工). The partition hands every new customer text to
/// <see cref="RaiseAsync"/>; a hit opens a handoff (one row per trigger message, unique, so replays and retries don't
/// reopen) or adds to the customer's open one, appends <c>handoff.opened</c> (the profile's "automation paused" flag,
/// kept by snapshots and replay) and queues a WeCom app message to the supervisors through the delivery pipeline
/// (retried there; the handoff is stored first, so a failed notification never loses it). Resolving appends
/// <c>handoff.resolved</c>, which resumes the customer's journeys.
/// </summary>
public sealed partial class HandoffService(
    IDbContextFactory<SiyuDb> dbs, DeliverySettingsStore deliverySettings, DeliveryService delivery, IngestWriter writer, WeComConnections connections,
    Customers.CustomerReader reader, PiiProtector pii, TimeProvider time, ILogger<HandoffService> logger)
{
    public const int MaxNote = 1000;
    private const int TriggerExcerpt = 200;
    /// <summary>Only messages this fresh raise handoffs: imported history and long replays don't.</summary>
    public static readonly TimeSpan FreshMessage = TimeSpan.FromHours(24);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly ConcurrentDictionary<int, (SensitiveTopicSettingsView Settings, SensitiveTopicMatcher Matcher, string Industry)> _cache = new();

    // ---- settings ----

    /// <summary>The tenant's settings and compiled matcher; recompiled after a save, or when the industry (which picks the default lists) changes.</summary>
    public async Task<(SensitiveTopicSettingsView Settings, SensitiveTopicMatcher Matcher)> CompiledAsync(int tenantId)
    {
        var industry = (await deliverySettings.GetAsync(tenantId)).Industry;
        if (_cache.TryGetValue(tenantId, out var hit) && (!hit.Settings.IsDefault || hit.Industry == industry))
        {
            return (hit.Settings, hit.Matcher);
        }
        var view = await SettingsAsync(tenantId);
        var matcher = SensitiveTopicMatcher.Compile(ToSettings(view));
        _cache[tenantId] = (view, matcher, industry);
        return (view, matcher);
    }

    public async Task<SensitiveTopicSettingsView> SettingsAsync(int tenantId)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.SensitiveTopicSettings.AsNoTracking().FirstOrDefaultAsync(s => s.TenantId == tenantId);
        if (row is null)
        {
            var d = SensitiveTopicSettings.Default((await deliverySettings.GetAsync(tenantId)).Industry);
            return new SensitiveTopicSettingsView(d.Enabled, d.Lists, d.Custom, d.Excluded, d.Supervisors, true, null, null);
        }
        return new SensitiveTopicSettingsView(row.Enabled, List(row.Lists), List(row.Custom), List(row.Excluded), List(row.Supervisors), false,
            new DateTimeOffset(row.UpdatedAtTicks, TimeSpan.Zero), row.UpdatedBy);
    }

    public async Task<(SensitiveTopicSettingsView? Settings, IReadOnlyList<FieldError> Errors)> SaveSettingsAsync(int tenantId, string actor, SensitiveTopicSettings input)
    {
        var errors = input.Validate().Select(e => new FieldError(e.Path, e.Message)).ToList();
        if (errors.Count > 0)
        {
            return (null, errors);
        }
        var now = time.GetUtcNow().UtcTicks;
        await using (var db = await dbs.CreateDbContextAsync())
        {
            var row = await db.SensitiveTopicSettings.FirstOrDefaultAsync(s => s.TenantId == tenantId);
            if (row is null)
            {
                db.SensitiveTopicSettings.Add(row = new SensitiveTopicSettingsRow { TenantId = tenantId });
            }
            row.Enabled = input.Enabled;
            row.Lists = JsonSerializer.Serialize(input.Lists.Distinct(), Json);
            row.Custom = JsonSerializer.Serialize(input.Custom.Select(w => w.Trim()), Json);
            row.Excluded = JsonSerializer.Serialize(input.Excluded.Select(w => w.Trim()), Json);
            row.Supervisors = JsonSerializer.Serialize(input.Supervisors.Select(w => w.Trim()).Distinct(), Json);
            row.UpdatedAtTicks = now;
            row.UpdatedBy = actor;
            AuditLog.Record(db, tenantId, now, actor, "sensitive_topics.update", target: "sensitive-topics",
                detail: $"{(input.Enabled ? "enabled" : "disabled")}; lists {string.Join(",", input.Lists)}; {input.Custom.Count} custom, {input.Excluded.Count} excluded, {input.Supervisors.Count} supervisors");
            await db.SaveChangesAsync();
        }
        _cache.TryRemove(tenantId, out _);
        return ((await CompiledAsync(tenantId)).Settings, []);
    }

    private static SensitiveTopicSettings ToSettings(SensitiveTopicSettingsView v) => new(v.Enabled, v.Lists, v.Custom, v.Excluded, v.Supervisors);

    private static List<string> List(string? json) => string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize<List<string>>(json, Json) ?? [];

    // ---- interception ----

    /// <summary>Called from the partition grain: must not call back into partitions. Matches the candidates (in log order) and opens or adds to handoffs. Idempotent: safe to run again for the same messages.</summary>
    public async Task RaiseAsync(int tenantId, IReadOnlyList<HandoffCandidate> candidates)
    {
        var (_, matcher) = await CompiledAsync(tenantId);
        var now = time.GetUtcNow();
        foreach (var c in candidates.OrderBy(c => c.Seq))
        {
            if (c.AtTicks < now.UtcTicks - FreshMessage.Ticks)
            {
                continue;
            }
            var topics = matcher.Topics(c.Text);
            if (topics.Count == 0)
            {
                continue;
            }
            HandoffRow? opened = null;
            await using (var db = await dbs.CreateDbContextAsync())
            {
                var open = await db.Handoffs.FirstOrDefaultAsync(h => h.TenantId == tenantId && h.CustomerId == c.CustomerId && h.Status != HandoffStatus.Resolved);
                if (open is not null)
                {
                    if (c.Seq > open.LastHitSeq)
                    {
                        open.Topics = JsonSerializer.Serialize(List(open.Topics).Union(topics), Json);
                        open.Hits++;
                        open.LastHitSeq = c.Seq;
                        open.LastHitAtTicks = c.AtTicks;
                        await db.SaveChangesAsync();
                    }
                    if (open.TriggerSeq == c.Seq)
                    {
                        opened = open; // the opener again (a replay): make sure its event and notification went out
                    }
                }
                // Not this message or a later one already handled (a replay after the handoff was resolved must not reopen it).
                else if (!await db.Handoffs.AnyAsync(h => h.TenantId == tenantId && h.CustomerId == c.CustomerId && h.LastHitSeq >= c.Seq))
                {
                    opened = new HandoffRow
                    {
                        TenantId = tenantId, CustomerId = c.CustomerId, StaffUserId = c.StaffUserId, Status = HandoffStatus.Open,
                        Topics = JsonSerializer.Serialize(topics, Json), TriggerSeq = c.Seq, TriggerMsgId = c.MsgId,
                        TriggerText = pii.Cipher.Encrypt(c.Text.Length > TriggerExcerpt ? c.Text[..TriggerExcerpt] : c.Text),
                        Hits = 1, LastHitSeq = c.Seq, LastHitAtTicks = c.AtTicks, OpenedAtTicks = now.UtcTicks,
                    };
                    db.Handoffs.Add(opened);
                    try
                    {
                        await db.SaveChangesAsync();
                    }
                    catch (DbUpdateException)
                    {
                        continue; // the same trigger stored concurrently (a retried delivery): that one goes on
                    }
                }
            }
            if (opened is not null)
            {
                await AnnounceAsync(tenantId, opened, now, c.CustomerName);
            }
        }
    }

    /// <summary>
    /// Appends handoff.opened and queues the supervisors' app messages; both idempotent by key. The messages are
    /// transactional, so quiet hours don't hold them (unless the tenant's quiet hours hold transactional messages too).
    /// </summary>
    private async Task AnnounceAsync(int tenantId, HandoffRow row, DateTimeOffset now, string? name)
    {
        var topics = List(row.Topics);
        try
        {
            await writer.AppendAsync(tenantId,
            [
                new IncomingEvent($"handoff:{row.Id}:opened", EventTypes.HandoffOpened, now, [], row.CustomerId, new JsonObject
                {
                    ["handoff_id"] = row.Id, ["topics"] = new JsonArray([.. topics.Select(t => (JsonNode)t)]), ["message_seq"] = row.TriggerSeq,
                    ["msgid"] = row.TriggerMsgId, ["staff_userid"] = row.StaffUserId,
                }, null, "siyu"),
            ]);
        }
        catch (IngestOverloadedException e)
        {
            LogAnnounceFailed(logger, e, tenantId, row.Id); // the row pauses deliveries already; the next hit or replay appends it
        }
        try
        {
            var recipients = await RecipientsAsync(tenantId, row.StaffUserId);
            var text = $"【转人工】客户「{Mask(name)}」（ID {row.CustomerId}）的消息触发敏感话题：{string.Join("、", topics)}。"
                + $"员工：{row.StaffUserId ?? "未知"}。该客户的自动化已暂停，请在思域控制台「转人工」处理（#{row.Id}）。";
            foreach (var userid in recipients)
            {
                var (_, _, errors) = await delivery.EnqueueAsync(tenantId,
                    new OutboundMessage($"handoff:{row.Id}:notify:{userid}", 0, "app", "transactional", text, null, userid, $"handoff:{row.Id}"));
                if (errors.Count > 0)
                {
                    LogNotQueued(logger, row.Id, userid, string.Join("; ", errors.Select(e => $"{e.Path}: {e.Message}")));
                }
            }
            if (recipients.Count > 0 && row.NotifiedTo is null)
            {
                await using var db = await dbs.CreateDbContextAsync();
                var notified = JsonSerializer.Serialize(recipients, Json);
                await db.Handoffs.Where(h => h.Id == row.Id).ExecuteUpdateAsync(s => s.SetProperty(h => h.NotifiedTo, notified));
            }
        }
        catch (Exception e) when (e is HttpRequestException or Siyu.WeCom.Api.WeComApiException or DbUpdateException)
        {
            LogAnnounceFailed(logger, e, tenantId, row.Id);
        }
    }

    /// <summary>The tenant's configured supervisors; else the leaders of the staff member's departments (WeCom); else the staff member.</summary>
    private async Task<IReadOnlyList<string>> RecipientsAsync(int tenantId, string? staff)
    {
        var (settings, _) = await CompiledAsync(tenantId);
        if (settings.Supervisors.Count > 0)
        {
            return settings.Supervisors;
        }
        if (staff is null)
        {
            return [];
        }
        var leaders = new List<string>();
        await using (var db = await dbs.CreateDbContextAsync())
        {
            var departments = (await db.Staff.AsNoTracking().Where(s => s.TenantId == tenantId && s.UserId == staff).Select(s => s.Departments).FirstOrDefaultAsync() ?? "")
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (departments.Length > 0 && connections.Get(tenantId) is { CanCallApi: true } connection)
            {
                try
                {
                    var client = connections.Client(connection);
                    foreach (var id in departments.Select(d => long.TryParse(d, out var v) ? v : 0).Where(v => v > 0))
                    {
                        var dept = (await client.ListDepartmentsAsync(id)).FirstOrDefault(d => d.Id == id);
                        leaders.AddRange(dept?.DepartmentLeader ?? []);
                    }
                }
                catch (Exception e) when (e is HttpRequestException or Siyu.WeCom.Api.WeComApiException)
                {
                    LogLeaderLookupFailed(logger, e, tenantId, staff);
                }
            }
        }
        var others = leaders.Where(l => l != staff).Distinct().ToList();
        return others.Count > 0 ? others : [staff];
    }

    internal static string Mask(string? name) => string.IsNullOrEmpty(name) ? "未命名" : name.Length == 1 ? name + "*" : name[..1] + new string('*', Math.Min(name.Length - 1, 3));

    // ---- queue ----

    public async Task<IReadOnlyList<HandoffView>> ListAsync(int tenantId, DataScope scope, string? status, string? staff, long? customerId, long? beforeId, int limit)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var q = Scoped(db, tenantId, scope);
        if (status == "active")
        {
            q = q.Where(h => h.Status != HandoffStatus.Resolved);
        }
        else if (status is not null)
        {
            q = q.Where(h => h.Status == status);
        }
        if (staff is not null)
        {
            q = q.Where(h => h.StaffUserId == staff);
        }
        if (customerId is { } c)
        {
            q = q.Where(h => h.CustomerId == c);
        }
        if (beforeId is { } b)
        {
            q = q.Where(h => h.Id < b);
        }
        var rows = await q.OrderByDescending(h => h.Id).Take(limit).ToListAsync();
        return await ViewsAsync(tenantId, rows);
    }

    public async Task<int> OpenCountAsync(int tenantId, DataScope scope)
    {
        await using var db = await dbs.CreateDbContextAsync();
        return await Scoped(db, tenantId, scope).CountAsync(h => h.Status != HandoffStatus.Resolved);
    }

    public async Task<HandoffView?> GetAsync(int tenantId, DataScope scope, long id)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var row = await Scoped(db, tenantId, scope).FirstOrDefaultAsync(h => h.Id == id);
        return row is null ? null : (await ViewsAsync(tenantId, [row]))[0];
    }

    /// <summary>The customer's open or claimed handoff, if any (for the customer page and the delivery pipeline).</summary>
    public async Task<HandoffView?> OpenForCustomerAsync(int tenantId, long customerId)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.Handoffs.AsNoTracking().Where(h => h.TenantId == tenantId && h.CustomerId == customerId && h.Status != HandoffStatus.Resolved)
            .OrderByDescending(h => h.Id).FirstOrDefaultAsync();
        return row is null ? null : (await ViewsAsync(tenantId, [row]))[0];
    }

    internal static Task<bool> IsOpenAsync(SiyuDb db, int tenantId, long customerId) =>
        db.Handoffs.AnyAsync(h => h.TenantId == tenantId && h.CustomerId == customerId && h.Status != HandoffStatus.Resolved);

    internal static async Task<HashSet<long>> OpenCustomersAsync(SiyuDb db, int tenantId) =>
        [.. await db.Handoffs.Where(h => h.TenantId == tenantId && h.Status != HandoffStatus.Resolved).Select(h => h.CustomerId).ToListAsync()];

    /// <summary>Claims an open handoff for the caller. Null when absent (or out of scope); an error when already resolved.</summary>
    public async Task<(HandoffView? View, string? Conflict)> ClaimAsync(int tenantId, DataScope scope, long id, string actor)
    {
        var now = time.GetUtcNow().UtcTicks;
        await using var db = await dbs.CreateDbContextAsync();
        var row = await Scoped(db, tenantId, scope, tracking: true).FirstOrDefaultAsync(h => h.Id == id);
        if (row is null)
        {
            return (null, null);
        }
        if (row.Status == HandoffStatus.Resolved)
        {
            return (null, "The handoff is already resolved.");
        }
        var before = row.ClaimedBy;
        row.Status = HandoffStatus.Claimed;
        row.ClaimedAtTicks = now;
        row.ClaimedBy = actor;
        AuditLog.Record(db, tenantId, now, actor, "handoff.claim", target: $"handoff:{id}", detail: before is null ? $"customer {row.CustomerId}" : $"customer {row.CustomerId}; from {before}");
        await db.SaveChangesAsync();
        return ((await ViewsAsync(tenantId, [row]))[0], null);
    }

    /// <summary>Resolves an open or claimed handoff with a note and resumes the customer's automation.</summary>
    public async Task<(HandoffView? View, string? Conflict)> ResolveAsync(int tenantId, DataScope scope, long id, string actor, string? note)
    {
        var now = time.GetUtcNow();
        HandoffRow? row;
        await using (var db = await dbs.CreateDbContextAsync())
        {
            row = await Scoped(db, tenantId, scope, tracking: true).FirstOrDefaultAsync(h => h.Id == id);
            if (row is null)
            {
                return (null, null);
            }
            if (row.Status == HandoffStatus.Resolved)
            {
                return (null, "The handoff is already resolved.");
            }
            // Compare-and-swap: two resolvers at once, one wins.
            var changed = await db.Handoffs.Where(h => h.Id == id && h.Status != HandoffStatus.Resolved).ExecuteUpdateAsync(s => s
                .SetProperty(h => h.Status, HandoffStatus.Resolved).SetProperty(h => h.ResolvedAtTicks, now.UtcTicks)
                .SetProperty(h => h.ResolvedBy, actor).SetProperty(h => h.Note, note));
            if (changed == 0)
            {
                return (null, "The handoff is already resolved.");
            }
            AuditLog.Record(db, tenantId, now.UtcTicks, actor, "handoff.resolve", target: $"handoff:{id}", detail: $"customer {row.CustomerId}" + (note is null ? "" : $": {note}"));
            await db.SaveChangesAsync();
            (row.Status, row.ResolvedAtTicks, row.ResolvedBy, row.Note) = (HandoffStatus.Resolved, now.UtcTicks, actor, note);
        }
        await writer.AppendAsync(tenantId,
        [
            new IncomingEvent($"handoff:{id}:resolved", EventTypes.HandoffResolved, now, [], row.CustomerId,
                new JsonObject { ["handoff_id"] = id, ["by"] = actor, ["note"] = note }, null, "siyu"),
        ]);
        return ((await ViewsAsync(tenantId, [row]))[0], null);
    }

    private static IQueryable<HandoffRow> Scoped(SiyuDb db, int tenantId, DataScope scope, bool tracking = false)
    {
        var q = (tracking ? db.Handoffs : db.Handoffs.AsNoTracking()).Where(h => h.TenantId == tenantId);
        if (!scope.IsAll)
        {
            var staff = (scope.StaffUserIds ?? new HashSet<string>()).ToList();
            q = q.Where(h => h.StaffUserId != null && staff.Contains(h.StaffUserId));
        }
        return q;
    }

    private async Task<IReadOnlyList<HandoffView>> ViewsAsync(int tenantId, IReadOnlyList<HandoffRow> rows)
    {
        var names = rows.Count == 0 ? [] : (await reader.SummariesAsync(tenantId, [.. rows.Select(r => r.CustomerId).Distinct()])).ToDictionary(s => s.Id, s => s.Name);
        static DateTimeOffset? At(long? ticks) => ticks is { } t and > 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;
        return [.. rows.Select(r => new HandoffView(r.Id, r.CustomerId, names.GetValueOrDefault(r.CustomerId), r.StaffUserId, r.Status, List(r.Topics), r.TriggerSeq,
            r.TriggerMsgId, r.TriggerText is null ? null : pii.Cipher.Decrypt(r.TriggerText), r.Hits, List(r.NotifiedTo), new DateTimeOffset(r.OpenedAtTicks, TimeSpan.Zero),
            At(r.LastHitAtTicks), At(r.ClaimedAtTicks), r.ClaimedBy, At(r.ResolvedAtTicks), r.ResolvedBy, r.Note))];
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Announcing handoff {Handoff} of tenant {Tenant} failed; the handoff is stored and pauses the customer's automation")]
    private static partial void LogAnnounceFailed(ILogger logger, Exception e, int tenant, long handoff);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The app message of handoff {Handoff} to {UserId} was not queued: {Errors}")]
    private static partial void LogNotQueued(ILogger logger, long handoff, string userId, string errors);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Looking up the department leaders of {Staff} (tenant {Tenant}) failed; notifying the staff member")]
    private static partial void LogLeaderLookupFailed(ILogger logger, Exception e, int tenant, string staff);
}
