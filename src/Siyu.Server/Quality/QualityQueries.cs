using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Quality;
using Siyu.Server.Conversations;
using Siyu.Server.Customers;
using Siyu.Server.Data;

namespace Siyu.Server.Quality;

/// <summary>The aggregates of a set of conversation results (one staff member, or one day).</summary>
public sealed record QualityAggregate(int Conversations, double? AverageScore, int Timeouts, int ForbiddenHits, int RequiredApplicable, int RequiredHit, double? RequiredRate, int NegativeConversations)
{
    public static QualityAggregate Of(IReadOnlyCollection<QualityResultRow> rows)
    {
        var applicable = rows.Count(r => r.RequiredApplicable);
        var hit = rows.Count(r => r.RequiredApplicable && r.RequiredHit);
        return new QualityAggregate(rows.Count, rows.Count == 0 ? null : Math.Round(rows.Average(r => r.Score), 1),
            rows.Sum(r => r.Timeouts), rows.Sum(r => r.ForbiddenHits), applicable, hit,
            applicable == 0 ? null : Math.Round((double)hit / applicable, 4), rows.Count(r => r.NegativeMessages > 0));
    }
}

public sealed record QualityStaffStats(string UserId, string? Name, QualityAggregate Stats);

public sealed record QualityDayStats(DateOnly Day, int Staff, QualityAggregate Stats);

public sealed record QualityMarkView(int Start, int Length, string Rule, string Word);

public sealed record QualityMessageView(long Id, string MsgId, DateTimeOffset Time, string Kind, bool FromCustomer, bool Revoked, string Text,
    IReadOnlyList<int> Findings, IReadOnlyList<QualityMarkView> Marks);

public sealed record QualityDetail(QualityResultRow Row, string? StaffName, string? CustomerName, IReadOnlyList<QualityFinding> Findings, IReadOnlyList<QualityMessageView> Messages);

/// <summary>The reads behind the quality API and the console page, always within one tenant.</summary>
public static class QualityQueries
{
    public static IQueryable<QualityResultRow> Conversations(SiyuDb db, int tenant, DateOnly start, DateOnly end, string? staff, int? minScore, int? maxScore, string? rule)
    {
        var q = db.QualityResults.AsNoTracking().Where(r => r.TenantId == tenant && r.Day >= start && r.Day <= end);
        if (!string.IsNullOrEmpty(staff))
        {
            q = q.Where(r => r.StaffUserId == staff);
        }
        if (minScore is { } min)
        {
            q = q.Where(r => r.Score >= min);
        }
        if (maxScore is { } max)
        {
            q = q.Where(r => r.Score <= max);
        }
        return rule switch
        {
            QualityRuleNames.Timeout => q.Where(r => r.Timeouts > 0),
            QualityRuleNames.Forbidden => q.Where(r => r.ForbiddenHits > 0),
            QualityRuleNames.RequiredMissing => q.Where(r => r.RequiredApplicable && !r.RequiredHit),
            QualityRuleNames.RequiredSaid => q.Where(r => r.RequiredHit),
            QualityRuleNames.Negative => q.Where(r => r.NegativeMessages > 0),
            _ => q,
        };
    }

    /// <summary>Worst first within a day, newest day first.</summary>
    public static IQueryable<QualityResultRow> Ordered(IQueryable<QualityResultRow> q) => q.OrderByDescending(r => r.Day).ThenBy(r => r.Score).ThenBy(r => r.Id);

    public static async Task<Dictionary<string, string?>> StaffNamesAsync(SiyuDb db, int tenant, IEnumerable<string> userIds, CancellationToken ct = default)
    {
        var ids = userIds.Distinct().ToList();
        return ids.Count == 0 ? [] : await db.Staff.AsNoTracking().Where(s => s.TenantId == tenant && ids.Contains(s.UserId)).ToDictionaryAsync(s => s.UserId, s => s.Name, ct);
    }

    public static async Task<Dictionary<long, string?>> CustomerNamesAsync(CustomerReader reader, int tenant, IEnumerable<QualityResultRow> rows)
    {
        var ids = rows.Where(r => r.CustomerId != null).Select(r => r.CustomerId!.Value).Distinct().ToList();
        return ids.Count == 0 ? [] : (await reader.SummariesAsync(tenant, ids)).ToDictionary(s => s.Id, s => s.Name);
    }

    /// <summary>Per staff member, best average first.</summary>
    public static async Task<List<QualityStaffStats>> StaffAsync(SiyuDb db, int tenant, DateOnly start, DateOnly end, CancellationToken ct = default)
    {
        var rows = await db.QualityResults.AsNoTracking().Where(r => r.TenantId == tenant && r.Day >= start && r.Day <= end).ToListAsync(ct);
        var names = await StaffNamesAsync(db, tenant, rows.Select(r => r.StaffUserId), ct);
        return [.. rows.GroupBy(r => r.StaffUserId, StringComparer.Ordinal)
            .Select(g => new QualityStaffStats(g.Key, names.GetValueOrDefault(g.Key), QualityAggregate.Of([.. g])))
            .OrderByDescending(x => x.Stats.AverageScore).ThenBy(x => x.UserId, StringComparer.Ordinal)];
    }

    public static async Task<List<QualityDayStats>> DailyAsync(SiyuDb db, int tenant, DateOnly start, DateOnly end, CancellationToken ct = default)
    {
        var rows = await db.QualityResults.AsNoTracking().Where(r => r.TenantId == tenant && r.Day >= start && r.Day <= end).ToListAsync(ct);
        return [.. rows.GroupBy(r => r.Day).OrderBy(g => g.Key)
            .Select(g => new QualityDayStats(g.Key, g.Select(r => r.StaffUserId).Distinct().Count(), QualityAggregate.Of([.. g])))];
    }

    /// <summary>One conversation with its findings and the day's messages (plus any a finding references) decrypted and marked.</summary>
    public static async Task<QualityDetail?> DetailAsync(SiyuDb db, CustomerReader reader, ArchiveIngestor ingestor, TimeZoneInfo zone, int tenant, long id, CancellationToken ct = default)
    {
        var row = await db.QualityResults.AsNoTracking().FirstOrDefaultAsync(r => r.TenantId == tenant && r.Id == id, ct);
        if (row is null)
        {
            return null;
        }
        var findings = JsonSerializer.Deserialize<List<QualityFinding>>(row.Findings, QualityService.FindingJson) ?? [];
        var fromMs = QualityService.DayStartMs(row.Day, zone);
        var toMs = QualityService.DayStartMs(row.Day.AddDays(1), zone);
        var referenced = findings.SelectMany(f => f.MessageIds).Distinct().ToList();
        var messages = await db.ArchiveMessages.AsNoTracking()
            .Where(m => m.TenantId == tenant && ((m.RoomId == "" && m.StaffUserId == row.StaffUserId && m.ExternalUserId == row.ExternalUserId && m.MsgTimeMs >= fromMs && m.MsgTimeMs < toMs)
                || referenced.Contains(m.Id)))
            .OrderBy(m => m.MsgTimeMs).ThenBy(m => m.Id).ToListAsync(ct);
        var staffName = (await StaffNamesAsync(db, tenant, [row.StaffUserId], ct)).GetValueOrDefault(row.StaffUserId);
        var customerName = row.CustomerId is { } c ? (await CustomerNamesAsync(reader, tenant, [row])).GetValueOrDefault(c) : null;
        var views = messages.Where(m => m.Kind != Core.Conversations.ArchiveKinds.Revoke).Select(m => new QualityMessageView(
            m.Id, m.MsgId, DateTimeOffset.FromUnixTimeMilliseconds(m.MsgTimeMs), m.Kind, m.FromCustomer, m.Revoked, ingestor.Open(m.Content).Text,
            [.. findings.Select((f, i) => (f, i)).Where(x => x.f.MessageIds.Contains(m.Id)).Select(x => x.i)],
            [.. findings.SelectMany(f => f.Marks.Where(k => k.MessageId == m.Id).Select(k => new QualityMarkView(k.Start, k.Length, f.Rule, k.Word))).OrderBy(k => k.Start)])).ToList();
        return new QualityDetail(row, staffName, customerName, findings, views);
    }
}

/// <summary>Rule changes and reruns with their audit entries, shared by the API and the console page.</summary>
public static class QualityCommands
{
    /// <summary>Applies <paramref name="body"/> (API JSON; omitted fields keep their values) over the tenant's rules; saves and audits when valid.</summary>
    public static async Task<(Core.Quality.QualityRules? Rules, IReadOnlyList<Core.Events.FieldError> Errors)> SaveRulesAsync(
        SiyuDb db, int tenant, string actor, long nowTicks, System.Text.Json.Nodes.JsonObject body, CancellationToken ct = default)
    {
        var row = await db.QualityRules.FirstOrDefaultAsync(r => r.TenantId == tenant, ct);
        var current = QualityRulesJson.Load(row?.Json);
        var errors = new List<Core.Events.FieldError>();
        var rules = QualityRulesJson.Merge(current, body, errors);
        if (errors.Count == 0)
        {
            errors.AddRange(rules.Validate());
        }
        if (errors.Count > 0)
        {
            return (null, errors);
        }
        if (row is null)
        {
            row = new QualityRulesRow { TenantId = tenant, Json = "" };
            db.QualityRules.Add(row);
        }
        row.Json = QualityRulesJson.ToJson(rules).ToJsonString();
        row.UpdatedAtTicks = nowTicks;
        row.UpdatedBy = actor;
        Compliance.AuditLog.Record(db, tenant, nowTicks, actor, "quality.rules.changed", "quality_rules",
            $"timeout {current.TimeoutMinutes} -> {rules.TimeoutMinutes} min; forbidden {rules.ForbiddenPhrases.Count}, required {rules.RequiredPhrases.Count}, negative {rules.NegativeWords.Count} phrases");
        await db.SaveChangesAsync(ct);
        return (rules, []);
    }

    public static async Task<int> RerunAsync(SiyuDb db, QualityService quality, int tenant, string actor, long nowTicks, DateOnly start, DateOnly end, CancellationToken ct = default)
    {
        var inspected = await quality.RerunAsync(tenant, start, end, ct);
        Compliance.AuditLog.Record(db, tenant, nowTicks, actor, "quality.rerun", $"{start:yyyy-MM-dd}..{end:yyyy-MM-dd}", $"{inspected} conversation-days inspected");
        await db.SaveChangesAsync(ct);
        return inspected;
    }
}
