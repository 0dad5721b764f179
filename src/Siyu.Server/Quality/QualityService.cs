using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Conversations;
using Siyu.Core.Quality;
using Siyu.Server.Conversations;
using Siyu.Server.Data;
using Siyu.Server.Tenants;

namespace Siyu.Server.Quality;

/// <summary>A conversation as inspected: one staff member, one customer (external user id), one tenant-local day.</summary>
public readonly record struct ConversationDay(string Staff, string External, DateOnly Day);

/// <summary>
/// Quality inspection (质检) over the session archive. The worker reads archived messages past a per-tenant cursor
/// and inspects every conversation-day they touch again (a late message, a recall of an older message, and a reply
/// that answers yesterday's open question all change an older day); provisional days (an unanswered question not
/// yet due) are inspected again when due. <see cref="RerunAsync"/> recomputes a date range after a rule change.
/// Only one-to-one chats are inspected (group chats have no single customer). One run at a time per process.
/// </summary>
public sealed partial class QualityService(IDbContextFactory<SiyuDb> dbs, ArchiveIngestor ingestor, TenantDirectory tenants, TimeProvider time, ILogger<QualityService> logger)
    : BackgroundService
{
    private const int Batch = 2000;
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    internal static readonly JsonSerializerOptions FindingJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly SemaphoreSlim _gate = new(1, 1);

    public static async Task<QualityRules> RulesAsync(SiyuDb db, int tenantId, CancellationToken ct = default) =>
        QualityRulesJson.Load((await db.QualityRules.AsNoTracking().FirstOrDefaultAsync(r => r.TenantId == tenantId, ct))?.Json);

    public static DateOnly DayOf(long ms, TimeZoneInfo zone) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds(ms), zone).DateTime);

    /// <summary>The first instant of a local day (a midnight skipped by DST moves to the first valid minute).</summary>
    public static long DayStartMs(DateOnly day, TimeZoneInfo zone)
    {
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(1);
        }
        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, zone), TimeSpan.Zero).ToUnixTimeMilliseconds();
    }

    private static bool Ignored(string kind) => kind is ArchiveKinds.Revoke or ArchiveKinds.Agree or ArchiveKinds.Disagree;

    /// <summary>Inspects what arrived since the last run, for every tenant. Returns the number of conversation-days inspected.</summary>
    public async Task<int> RunPendingAsync(CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        try
        {
            await using var db = await dbs.CreateDbContextAsync(ct);
            var inspected = 0;
            foreach (var tenant in await db.Tenants.AsNoTracking().Select(t => t.Id).ToListAsync(ct))
            {
                inspected += await RunTenantAsync(db, tenant, ct);
            }
            return inspected;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<int> RunTenantAsync(SiyuDb db, int tenant, CancellationToken ct)
    {
        var zone = tenants.Zone(tenant);
        QualityInspector? inspector = null;
        var inspected = 0;
        while (true)
        {
            // Each batch starts with an empty change tracker, so a long backlog does not pile up tracked rows.
            db.ChangeTracker.Clear();
            var cursor = await db.QualityCursors.FirstOrDefaultAsync(c => c.TenantId == tenant, ct);
            var from = cursor?.LastMessageId ?? 0;
            var batch = await db.ArchiveMessages.AsNoTracking().Where(m => m.TenantId == tenant && m.Id > from).OrderBy(m => m.Id).Take(Batch)
                .Select(m => new { m.Id, m.MsgTimeMs, m.StaffUserId, m.ExternalUserId, m.RoomId, m.RevokesMsgId }).ToListAsync(ct);
            if (batch.Count == 0)
            {
                break;
            }
            var keys = new HashSet<ConversationDay>();
            foreach (var m in batch.Where(m => m.RoomId == "" && m.StaffUserId != null && m.ExternalUserId != null))
            {
                keys.Add(new ConversationDay(m.StaffUserId!, m.ExternalUserId!, DayOf(m.MsgTimeMs, zone)));
            }
            // A recall changes the day of the message it recalls.
            var recalled = batch.Where(m => m.RevokesMsgId != null).Select(m => m.RevokesMsgId!).ToList();
            if (recalled.Count > 0)
            {
                foreach (var m in await db.ArchiveMessages.AsNoTracking()
                    .Where(m => m.TenantId == tenant && recalled.Contains(m.MsgId) && m.RoomId == "" && m.StaffUserId != null && m.ExternalUserId != null)
                    .Select(m => new { m.StaffUserId, m.ExternalUserId, m.MsgTimeMs }).ToListAsync(ct))
                {
                    keys.Add(new ConversationDay(m.StaffUserId!, m.ExternalUserId!, DayOf(m.MsgTimeMs, zone)));
                }
            }
            // An open question of an earlier day may be answered by these messages.
            var pairs = keys.Select(k => (k.Staff, k.External)).ToHashSet();
            foreach (var p in await db.QualityResults.AsNoTracking().Where(r => r.TenantId == tenant && r.Unanswered)
                .Select(r => new { r.StaffUserId, r.ExternalUserId, r.Day }).ToListAsync(ct))
            {
                if (pairs.Contains((p.StaffUserId, p.ExternalUserId)))
                {
                    keys.Add(new ConversationDay(p.StaffUserId, p.ExternalUserId, p.Day));
                }
            }
            inspector ??= new QualityInspector(await RulesAsync(db, tenant, ct), zone);
            inspected += await InspectAsync(db, tenant, zone, inspector, keys, ct);
            if (cursor is null)
            {
                cursor = new QualityCursorRow { TenantId = tenant };
                db.QualityCursors.Add(cursor);
            }
            cursor.LastMessageId = batch[^1].Id;
            await db.SaveChangesAsync(ct);
        }
        // Open questions that became due without a reply.
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var due = await db.QualityResults.AsNoTracking().Where(r => r.TenantId == tenant && r.PendingDueMs != null && r.PendingDueMs <= now)
            .Select(r => new { r.StaffUserId, r.ExternalUserId, r.Day }).ToListAsync(ct);
        if (due.Count > 0)
        {
            inspector ??= new QualityInspector(await RulesAsync(db, tenant, ct), zone);
            inspected += await InspectAsync(db, tenant, zone, inspector, [.. due.Select(d => new ConversationDay(d.StaffUserId, d.ExternalUserId, d.Day))], ct);
        }
        return inspected;
    }

    /// <summary>Deletes the results of [from, to] (tenant-local days) and inspects every conversation of those days with the current rules.</summary>
    public async Task<int> RerunAsync(int tenant, DateOnly from, DateOnly to, CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        try
        {
            await using var db = await dbs.CreateDbContextAsync(ct);
            var zone = tenants.Zone(tenant);
            var fromMs = DayStartMs(from, zone);
            var toMs = DayStartMs(to.AddDays(1), zone);
            var keys = (await db.ArchiveMessages.AsNoTracking()
                    .Where(m => m.TenantId == tenant && m.RoomId == "" && m.StaffUserId != null && m.ExternalUserId != null && m.MsgTimeMs >= fromMs && m.MsgTimeMs < toMs)
                    .Select(m => new { m.StaffUserId, m.ExternalUserId, m.MsgTimeMs }).ToListAsync(ct))
                .Select(m => new ConversationDay(m.StaffUserId!, m.ExternalUserId!, DayOf(m.MsgTimeMs, zone))).ToHashSet();
            await db.QualityResults.Where(r => r.TenantId == tenant && r.Day >= from && r.Day <= to).ExecuteDeleteAsync(ct);
            var inspector = new QualityInspector(await RulesAsync(db, tenant, ct), zone);
            var n = await InspectAsync(db, tenant, zone, inspector, keys, ct);
            LogRerun(logger, tenant, from, to, n);
            return n;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<int> InspectAsync(SiyuDb db, int tenant, TimeZoneInfo zone, QualityInspector inspector, IReadOnlyCollection<ConversationDay> keys, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var inspected = 0;
        foreach (var key in keys.OrderBy(k => k.Day))
        {
            var (staff, external) = (key.Staff, key.External);
            var fromMs = DayStartMs(key.Day, zone);
            var toMs = DayStartMs(key.Day.AddDays(1), zone);
            var pair = db.ArchiveMessages.AsNoTracking().Where(m => m.TenantId == tenant && m.RoomId == "" && m.StaffUserId == staff && m.ExternalUserId == external);
            var rows = await pair.Where(m => m.MsgTimeMs >= fromMs && m.MsgTimeMs < toMs).OrderBy(m => m.MsgTimeMs).ThenBy(m => m.Id).ToListAsync(ct);
            var next = await pair.Where(m => m.MsgTimeMs >= toMs && !m.FromCustomer && !m.Revoked
                    && m.Kind != ArchiveKinds.Revoke && m.Kind != ArchiveKinds.Agree && m.Kind != ArchiveKinds.Disagree)
                .OrderBy(m => m.MsgTimeMs).ThenBy(m => m.Id).Select(m => new { m.Id, m.MsgTimeMs, m.Kind }).FirstOrDefaultAsync(ct);
            var messages = rows.Select(r => new QualityMessage(r.Id, r.MsgTimeMs, r.FromCustomer, r.Kind, r.Revoked,
                r.Revoked || Ignored(r.Kind) ? "" : ingestor.Open(r.Content).Text)).ToList();
            var report = inspector.Inspect(messages, next is null ? null : new QualityMessage(next.Id, next.MsgTimeMs, false, next.Kind, false, ""), now.ToUnixTimeMilliseconds());
            var result = await db.QualityResults.FirstOrDefaultAsync(r => r.TenantId == tenant && r.StaffUserId == staff && r.ExternalUserId == external && r.Day == key.Day, ct);
            if (report.CustomerMessages + report.StaffMessages == 0)
            {
                // Nothing left to inspect (all recalled, or deleted by retention).
                if (result is not null)
                {
                    db.QualityResults.Remove(result);
                }
                continue;
            }
            if (result is null)
            {
                result = new QualityResultRow { TenantId = tenant, StaffUserId = staff, ExternalUserId = external, Day = key.Day, Findings = "[]" };
                db.QualityResults.Add(result);
            }
            result.CustomerId = rows.LastOrDefault(r => r.CustomerId != null)?.CustomerId;
            result.Score = report.Score;
            result.CustomerMessages = report.CustomerMessages;
            result.StaffMessages = report.StaffMessages;
            result.Timeouts = report.Timeouts;
            result.ForbiddenHits = report.ForbiddenHits;
            result.RequiredApplicable = report.RequiredApplicable;
            result.RequiredHit = report.RequiredHit;
            result.NegativeMessages = report.NegativeMessages;
            result.NegativeLate = report.NegativeLate;
            result.PendingDueMs = report.PendingDueMs;
            result.Unanswered = report.Unanswered;
            // Spans and rule words only: the messages stay sealed in the archive.
            result.Findings = JsonSerializer.Serialize(report.Findings, FindingJson);
            result.InspectedAtTicks = now.UtcTicks;
            inspected++;
        }
        await db.SaveChangesAsync(ct);
        return inspected;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var n = await RunPendingAsync(stoppingToken);
                if (n > 0)
                {
                    LogInspected(logger, n);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Quality inspection inspected {Count} conversation-days")]
    private static partial void LogInspected(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Quality inspection re-ran tenant {Tenant} from {From} to {To}: {Count} conversation-days")]
    private static partial void LogRerun(ILogger logger, int tenant, DateOnly from, DateOnly to, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Quality inspection run failed")]
    private static partial void LogFailed(ILogger logger, Exception e);
}
