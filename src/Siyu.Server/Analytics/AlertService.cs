using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Analytics;
using Siyu.Core.Audiences.Conditions;
using Siyu.Core.Events;
using Siyu.Server.Data;
using Siyu.Server.Delivery;
using Siyu.Server.Partitions;
using Siyu.Server.Compliance;

namespace Siyu.Server.Analytics;

public sealed record AlertView(
    long Id, string Key, string Kind, long? CustomerId, [property: JsonPropertyName("staff_userid")] string? StaffUserId, string Reason, string Status,
    DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, string? AcknowledgedBy, DateTimeOffset? AcknowledgedAt, DateTimeOffset? ResolvedAt);

/// <summary>What one run did: new alerts, alerts that held again after being resolved, alerts resolved, messages queued.</summary>
public sealed record AlertRunView(DateTimeOffset RanAt, string Day, int Raised, int Reopened, int Resolved, int Open, int Notified);

public static class AlertStatuses
{
    public const string Open = "open";
    public const string Acknowledged = "acknowledged";
    public const string Resolved = "resolved";

    public static readonly IReadOnlyList<string> All = [Open, Acknowledged, Resolved];
}

/// <summary>
/// Runs the alert rules (<see cref="Alerts"/>) for a tenant: customer facts from the partitions, staff interactions
/// from the event log; stores the alerts by key so reruns change nothing, resolves those whose condition is gone, and
/// hands each new alert to the delivery pipeline as an app message (topic reminder) to the staff member concerned and
/// to the tenant's supervisor, with the alert key as the idempotency key. Runs daily (<see cref="AlertScheduler"/>)
/// and on request.
/// </summary>
public sealed partial class AlertService(
    IDbContextFactory<SiyuDb> dbs, IGrainFactory grains, Tenants.TenantDirectory tenants, EventStore events, DeliveryService delivery, TimeProvider time,
    ILogger<AlertService> logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly string[] InteractionTypes = [EventTypes.MessageReceived, EventTypes.MessageSent];
    private readonly ConcurrentDictionary<int, SemaphoreSlim> _runs = new();

    public async Task<AlertSettings> GetSettingsAsync(int tenantId)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.AlertSettings.AsNoTracking().FirstOrDefaultAsync(s => s.TenantId == tenantId);
        return row is null ? new AlertSettings() : JsonSerializer.Deserialize<AlertSettings>(row.Json, Json) ?? new AlertSettings();
    }

    /// <summary>Validates and saves; the next run uses them.</summary>
    public async Task<(AlertSettings? Saved, IReadOnlyList<FieldError> Errors)> SaveSettingsAsync(int tenantId, string actor, AlertSettings input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = input.Validate();
        if (errors.Count > 0)
        {
            return (null, errors);
        }
        var settings = input with { SupervisorUserId = string.IsNullOrWhiteSpace(input.SupervisorUserId) ? null : input.SupervisorUserId };
        var json = JsonSerializer.Serialize(settings, Json);
        var now = time.GetUtcNow().UtcTicks;
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.AlertSettings.FirstOrDefaultAsync(s => s.TenantId == tenantId);
        if (row is null)
        {
            db.AlertSettings.Add(row = new AlertSettingsRow { TenantId = tenantId, Json = json });
        }
        (row.Json, row.UpdatedAtTicks, row.UpdatedBy) = (json, now, actor);
        AuditLog.Record(db, tenantId, now, actor, "alerts.settings", detail: json);
        await db.SaveChangesAsync();
        return (settings, []);
    }

    /// <summary>The tenant-local day of the last run (0 = never).</summary>
    public async Task<int> LastRunDayAsync(int tenantId)
    {
        await using var db = await dbs.CreateDbContextAsync();
        return await db.AlertSettings.AsNoTracking().Where(s => s.TenantId == tenantId).Select(s => s.LastRunDay).FirstOrDefaultAsync();
    }

    /// <summary>Runs the rules now. Runs of one tenant take turns (the scheduler and the console button may meet).</summary>
    public async Task<AlertRunView> RunAsync(int tenantId)
    {
        var gate = _runs.GetOrAdd(tenantId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync();
        try
        {
            return await RunLockedAsync(tenantId);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<AlertRunView> RunLockedAsync(int tenantId)
    {
        var settings = await GetSettingsAsync(tenantId);
        var zone = tenants.Zone(tenantId);
        var now = time.GetUtcNow();
        var today = tenants.Today(tenantId, time);
        var parts = await Task.WhenAll(Enumerable.Range(0, tenants.Partitions(tenantId))
            .Select(p => grains.GetGrain<IPartitionGrain>(PartitionDispatcher.GrainKey(tenantId, p)).AlertFacts()));
        var customers = parts.SelectMany(p => p).Select(f => new CustomerAlertFacts(
            f.CustomerId, f.Name, f.MonetaryScore, f.PaidOrders, f.FirstOrderDay, f.LastOrderDay, f.LastInboundMessageDay, f.Staff,
            [.. f.Deletions.Select(d => new StaffDeletion(d.StaffUserId, d.Day, d.ByCustomer))]));
        var interactions = settings.InteractionDrop.Enabled ? await Task.Run(() => ReadInteractions(tenantId, now, zone)) : [];
        var holding = Alerts.Evaluate(settings, today, customers, interactions);

        await using var db = await dbs.CreateDbContextAsync();
        var active = await db.Alerts.Where(a => a.TenantId == tenantId && a.Status != AlertStatuses.Resolved).ToListAsync();
        var byKey = active.ToDictionary(a => a.Key, StringComparer.Ordinal);
        foreach (var chunk in holding.Where(a => !byKey.ContainsKey(a.Key)).Select(a => a.Key).ToList().Chunk(500))
        {
            foreach (var resolved in await db.Alerts.Where(a => a.TenantId == tenantId && chunk.Contains(a.Key)).ToListAsync())
            {
                byKey[resolved.Key] = resolved;
            }
        }
        int raised = 0, reopened = 0, resolvedNow = 0, notified = 0;
        var stamp = now.UtcTicks;
        foreach (var alert in holding)
        {
            if (byKey.TryGetValue(alert.Key, out var row))
            {
                if (row.Status == AlertStatuses.Resolved)
                {
                    // The same episode holds again (e.g. the score went back up): open, but no second message (same key).
                    (row.Status, row.ResolvedAtTicks, row.AcknowledgedBy, row.AcknowledgedAtTicks) = (AlertStatuses.Open, null, null, null);
                    reopened++;
                }
                (row.Reason, row.LastSeenAtTicks) = (alert.Reason, stamp);
                continue;
            }
            // Queued before the row is stored: after a crash in between, the next run queues again under the same key
            // (the pipeline keeps one message per key) and stores the row.
            notified += await NotifyAsync(tenantId, alert, settings.SupervisorUserId);
            db.Alerts.Add(new AlertRow
            {
                TenantId = tenantId, Key = alert.Key, Kind = alert.Kind, CustomerId = alert.CustomerId, StaffUserId = alert.StaffUserId,
                Reason = alert.Reason, Status = AlertStatuses.Open, CreatedAtTicks = stamp, LastSeenAtTicks = stamp,
            });
            raised++;
        }
        var holdingKeys = holding.Select(a => a.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var row in active.Where(a => !holdingKeys.Contains(a.Key)))
        {
            (row.Status, row.ResolvedAtTicks) = (AlertStatuses.Resolved, stamp);
            resolvedNow++;
        }
        var settingsRow = await db.AlertSettings.FirstOrDefaultAsync(s => s.TenantId == tenantId);
        if (settingsRow is null)
        {
            db.AlertSettings.Add(settingsRow = new AlertSettingsRow { TenantId = tenantId, Json = JsonSerializer.Serialize(settings, Json) });
        }
        (settingsRow.LastRunDay, settingsRow.LastRunAtTicks) = (today, stamp);
        await db.SaveChangesAsync();
        LogRan(logger, tenantId, raised, resolvedNow, holding.Count);
        return new AlertRunView(now, Alerts.Date(today), raised, reopened, resolvedNow, holding.Count, notified);
    }

    /// <summary>
    /// Messages staff members exchanged with customers, by tenant-local day, over the last 37 days (the rule looks at
    /// the 35 days before today): <c>message.received</c> and <c>message.sent</c> carrying a <c>staff_userid</c>.
    /// Mass-send deliveries (<c>channel</c> wecom_mass) are broadcasts, not conversations, and are left out.
    /// </summary>
    private List<StaffInteraction> ReadInteractions(int tenantId, DateTimeOffset now, TimeZoneInfo zone)
    {
        var list = new List<StaffInteraction>();
        foreach (var e in events.ReadOfTypes(tenantId, InteractionTypes, now.AddDays(-37).UtcTicks, now.UtcTicks + 1, EventOrder.Log))
        {
            var properties = e.ParseProperties();
            if (Text(properties?["staff_userid"]) is not { Length: > 0 } staff || Text(properties?["channel"]) == "wecom_mass")
            {
                continue;
            }
            list.Add(new StaffInteraction(staff, Comparisons.LocalDay(e.TimestampTicks, zone)));
        }
        return list;
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>The staff member concerned gets the alert under its key, the supervisor a copy under key + "/supervisor".</summary>
    private async Task<int> NotifyAsync(int tenantId, Alert alert, string? supervisor)
    {
        var text = $"【{AlertKinds.Chinese(alert.Kind)}预警】{alert.Reason}";
        var recipients = new List<(string Staff, string Key)>();
        if (alert.StaffUserId is { Length: > 0 } staff)
        {
            recipients.Add((staff, alert.Key));
        }
        if (supervisor is { Length: > 0 } && supervisor != alert.StaffUserId)
        {
            recipients.Add((supervisor, alert.Key + "/supervisor"));
        }
        var queued = 0;
        foreach (var (recipient, key) in recipients)
        {
            var (_, duplicate, errors) = await delivery.EnqueueAsync(tenantId,
                new OutboundMessage(key, alert.CustomerId ?? 0, "app", "reminder", text, null, recipient, $"alert:{alert.Kind}"));
            if (errors.Count > 0)
            {
                LogNotQueued(logger, key, string.Join("; ", errors.Select(e => $"{e.Path}: {e.Message}")));
            }
            else if (!duplicate)
            {
                queued++;
            }
        }
        return queued;
    }

    public async Task<IReadOnlyList<AlertView>> ListAsync(int tenantId, string? status, string? kind, long? customerId, long? beforeId, int limit)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var q = db.Alerts.AsNoTracking().Where(a => a.TenantId == tenantId);
        if (customerId is { } customer)
        {
            q = q.Where(a => a.CustomerId == customer);
        }
        if (status is { Length: > 0 })
        {
            q = q.Where(a => a.Status == status);
        }
        if (kind is { Length: > 0 })
        {
            q = q.Where(a => a.Kind == kind);
        }
        if (beforeId is { } before)
        {
            q = q.Where(a => a.Id < before);
        }
        return [.. (await q.OrderByDescending(a => a.Id).Take(limit).ToListAsync()).Select(View)];
    }

    public async Task<AlertView?> GetAsync(int tenantId, long id)
    {
        await using var db = await dbs.CreateDbContextAsync();
        return await db.Alerts.AsNoTracking().FirstOrDefaultAsync(a => a.TenantId == tenantId && a.Id == id) is { } row ? View(row) : null;
    }

    /// <summary>Open → acknowledged (audited); acknowledging again changes nothing. Null when there is no such alert.</summary>
    public async Task<(AlertView? Alert, bool Resolved)> AcknowledgeAsync(int tenantId, long id, string actor)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.Alerts.FirstOrDefaultAsync(a => a.TenantId == tenantId && a.Id == id);
        if (row is null || row.Status == AlertStatuses.Resolved)
        {
            return (row is null ? null : View(row), row is not null);
        }
        if (row.Status == AlertStatuses.Open)
        {
            var now = time.GetUtcNow().UtcTicks;
            (row.Status, row.AcknowledgedBy, row.AcknowledgedAtTicks) = (AlertStatuses.Acknowledged, actor, now);
            AuditLog.Record(db, tenantId, now, actor, "alerts.acknowledge", target: row.Key);
            await db.SaveChangesAsync();
        }
        return (View(row), false);
    }

    private static AlertView View(AlertRow r) => new(
        r.Id, r.Key, r.Kind, r.CustomerId, r.StaffUserId, r.Reason, r.Status, At(r.CreatedAtTicks), At(r.LastSeenAtTicks),
        r.AcknowledgedBy, r.AcknowledgedAtTicks is { } a ? At(a) : null, r.ResolvedAtTicks is { } s ? At(s) : null);

    private static DateTimeOffset At(long ticks) => new(ticks, TimeSpan.Zero);

    [LoggerMessage(Level = LogLevel.Information, Message = "Alerts for tenant {Tenant}: {Raised} new, {Resolved} resolved, {Holding} holding")]
    private static partial void LogRan(ILogger logger, int tenant, int raised, int resolved, int holding);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert message {Key} not queued: {Errors}")]
    private static partial void LogNotQueued(ILogger logger, string key, string errors);
}

/// <summary>Runs the alert rules for every tenant once a (tenant-local) day, shortly after start and after each midnight.</summary>
public sealed partial class AlertScheduler(AlertService alerts, Tenants.TenantDirectory tenants, TimeProvider time, ILogger<AlertScheduler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // After the RFM scheduler's first run (20 s), so the day's monetary scores are in place.
            await Task.Delay(TimeSpan.FromSeconds(40), time, stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                foreach (var tenant in tenants.All())
                {
                    try
                    {
                        if (await alerts.LastRunDayAsync(tenant.Id) < tenants.Today(tenant.Id, time))
                        {
                            var run = await alerts.RunAsync(tenant.Id);
                            LogRan(logger, tenant.Id, run.Raised, run.Notified);
                        }
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        LogFailed(logger, e, tenant.Id);
                    }
                }
                await Task.Delay(TimeSpan.FromMinutes(5), time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Daily alert run for tenant {Tenant}: {Raised} new alerts, {Notified} messages queued")]
    private static partial void LogRan(ILogger logger, int tenant, int raised, int notified);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert run for tenant {Tenant} failed; retried in 5 minutes")]
    private static partial void LogFailed(ILogger logger, Exception e, int tenant);
}
