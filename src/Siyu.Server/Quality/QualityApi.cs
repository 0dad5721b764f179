using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Access;
using Siyu.Core.Events;
using Siyu.Core.Exports;
using Siyu.Core.Quality;
using Siyu.Server.Auth;
using Siyu.Server.Compliance;
using Siyu.Server.Conversations;
using Siyu.Server.Customers;
using Siyu.Server.Data;
using Siyu.Server.Tenants;

namespace Siyu.Server.Quality;

/// <summary>
/// Quality inspection (质检): rules, inspected conversations with drill-down to the messages, per-staff and daily
/// reports, and re-running a date range after a rule change. Reads are tenant-wide (they compare staff).
/// </summary>
public static class QualityApi
{
    public const int MaxReportDays = 366;
    public const int MaxRerunDays = 92;
    public const int MaxLimit = 200;

    public static IEndpointRouteBuilder MapQualityApi(this IEndpointRouteBuilder api)
    {
        var quality = api.MapGroup("/quality").WithTags("Quality inspection");
        quality.MapGet("/rules", GetRules).WithName("GetQualityRules").Requires(Permission.QualityRead);
        quality.MapPut("/rules", PutRules).WithName("PutQualityRules").Requires(Permission.ConversationRulesWrite)
            .WithSummary("timeout_minutes, working_hours {days 1–7, start, end}, forbidden_phrases, required_phrases, negative_words, weights; omitted fields keep their values; audited. Results change after POST /quality/rerun");
        quality.MapGet("/conversations", ListConversations).WithName("ListQualityConversations").Requires(Permission.QualityRead)
            .WithSummary("Inspected conversations (staff × customer × tenant-local day): date or from/to, staff, min_score, max_score, rule, limit, offset; worst first");
        quality.MapGet("/conversations/{id:long}", GetConversation).WithName("GetQualityConversation").Requires(Permission.QualityRead)
            .WithSummary("Findings with the day's messages (decrypted) and the hit words marked as [start, length]");
        quality.MapGet("/staff", StaffReport).WithName("QualityStaffReport").Requires(Permission.QualityRead)
            .WithSummary("Per staff member over from/to: conversations, average score, timeouts, forbidden hits, required-phrase trigger rate, negative-emotion conversations");
        quality.MapGet("/daily", DailyReport).WithName("QualityDailyReport").Requires(Permission.QualityRead)
            .WithSummary("One row per day over from/to; format=csv for a file");
        quality.MapPost("/rerun", Rerun).WithName("RerunQualityInspection").Requires(Permission.ConversationRulesWrite)
            .WithSummary($"Inspect {{from, to}} (at most {MaxRerunDays} days) again with the current rules; audited");
        return api;
    }

    public sealed record RerunRequest(string? From, string? To);

    private static async Task<IResult> GetRules(HttpContext http, SiyuDb db)
    {
        var tenant = http.User.TenantId();
        var row = await db.QualityRules.AsNoTracking().FirstOrDefaultAsync(r => r.TenantId == tenant);
        var json = QualityRulesJson.ToJson(QualityRulesJson.Load(row?.Json));
        json["updated_at"] = row is null ? null : new DateTimeOffset(row.UpdatedAtTicks, TimeSpan.Zero).ToString("O", CultureInfo.InvariantCulture);
        json["updated_by"] = row?.UpdatedBy;
        return TypedResults.Ok(json);
    }

    private static async Task<IResult> PutRules(HttpContext http, SiyuDb db, TimeProvider time, JsonObject body, CancellationToken ct)
    {
        var (rules, errors) = await QualityCommands.SaveRulesAsync(db, http.User.TenantId(), http.User.Actor(), time.GetUtcNow().UtcTicks, body, ct);
        return rules is null ? Problems.Validation(errors) : TypedResults.Ok(QualityRulesJson.ToJson(rules));
    }

    internal static bool TryDay(string? text, out DateOnly day) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);

    /// <summary>from/to (inclusive tenant-local days); defaults: the last 7 days up to today.</summary>
    internal static IResult? Range(string? from, string? to, DateOnly today, int maxDays, out DateOnly start, out DateOnly end)
    {
        start = end = today;
        if (!string.IsNullOrEmpty(to) && !TryDay(to, out end))
        {
            return Problems.Validation("to", "Expected a date like 2026-01-31.");
        }
        if (string.IsNullOrEmpty(from))
        {
            start = end.AddDays(-6);
        }
        else if (!TryDay(from, out start))
        {
            return Problems.Validation("from", "Expected a date like 2026-01-31.");
        }
        if (end < start)
        {
            return Problems.Validation("to", "Must not be before from.");
        }
        if (end.DayNumber - start.DayNumber + 1 > maxDays)
        {
            return Problems.Validation("to", $"At most {maxDays} days from from.");
        }
        return null;
    }

    private static async Task<IResult> ListConversations(HttpContext http, SiyuDb db, CustomerReader reader, TenantDirectory tenants, TimeProvider time,
        string? date, string? from, string? to, string? staff, int? min_score, int? max_score, string? rule, int? limit, int? offset, CancellationToken ct)
    {
        var tenant = http.User.TenantId();
        var today = DateOnly.FromDayNumber(tenants.Today(tenant, time));
        DateOnly start, end;
        if (!string.IsNullOrEmpty(date))
        {
            if (!TryDay(date, out start))
            {
                return Problems.Validation("date", "Expected a date like 2026-01-31.");
            }
            end = start;
        }
        else if (Range(from, to, today, MaxReportDays, out start, out end) is { } bad)
        {
            return bad;
        }
        if (min_score is < 0 or > 100)
        {
            return Problems.Validation("min_score", "0 to 100.");
        }
        if (max_score is < 0 or > 100)
        {
            return Problems.Validation("max_score", "0 to 100.");
        }
        if (min_score > max_score)
        {
            return Problems.Validation("max_score", "Must not be below min_score.");
        }
        if (rule is not null && !QualityRuleNames.All.Contains(rule))
        {
            return Problems.Validation("rule", "One of " + string.Join(", ", QualityRuleNames.All.Order()) + ".");
        }
        if (limit is < 1 or > MaxLimit)
        {
            return Problems.Validation("limit", $"1 to {MaxLimit}.");
        }
        if (offset is < 0)
        {
            return Problems.Validation("offset", "Not negative.");
        }
        if (staff is { Length: > 128 })
        {
            return Problems.Validation("staff", "At most 128 characters.");
        }
        var q = QualityQueries.Conversations(db, tenant, start, end, staff, min_score, max_score, rule);
        var total = await q.CountAsync(ct);
        var rows = await QualityQueries.Ordered(q).Skip(offset ?? 0).Take(limit ?? 50).ToListAsync(ct);
        var names = await QualityQueries.StaffNamesAsync(db, tenant, rows.Select(r => r.StaffUserId), ct);
        var customers = await QualityQueries.CustomerNamesAsync(reader, tenant, rows);
        return TypedResults.Ok(new { total, items = rows.Select(r => Summary(r, names, customers)) });
    }

    private static object Summary(QualityResultRow r, IReadOnlyDictionary<string, string?> staffNames, IReadOnlyDictionary<long, string?> customerNames) => new
    {
        id = r.Id,
        day = r.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        staff = new { userid = r.StaffUserId, name = staffNames.GetValueOrDefault(r.StaffUserId) },
        customer = new { id = r.CustomerId, external_userid = r.ExternalUserId, name = r.CustomerId is { } c ? customerNames.GetValueOrDefault(c) : null },
        score = r.Score,
        customer_messages = r.CustomerMessages,
        staff_messages = r.StaffMessages,
        timeouts = r.Timeouts,
        forbidden_hits = r.ForbiddenHits,
        required = r.RequiredApplicable ? (r.RequiredHit ? "said" : "missing") : "n/a",
        negative_messages = r.NegativeMessages,
        negative_late = r.NegativeLate,
        pending_due_at = r.PendingDueMs is { } p && p < long.MaxValue ? DateTimeOffset.FromUnixTimeMilliseconds(p) : (DateTimeOffset?)null,
        provisional = r.PendingDueMs is not null,
    };

    private static async Task<IResult> GetConversation(HttpContext http, SiyuDb db, CustomerReader reader, TenantDirectory tenants, ArchiveIngestor ingestor, long id, CancellationToken ct)
    {
        var tenant = http.User.TenantId();
        var detail = await QualityQueries.DetailAsync(db, reader, ingestor, tenants.Zone(tenant), tenant, id, ct);
        if (detail is null)
        {
            return Problems.NotFound("quality conversation");
        }
        var row = detail.Row;
        return TypedResults.Ok(new
        {
            conversation = Summary(row, new Dictionary<string, string?> { [row.StaffUserId] = detail.StaffName },
                row.CustomerId is { } c ? new Dictionary<long, string?> { [c] = detail.CustomerName } : []),
            findings = detail.Findings.Select((f, i) => new
            {
                index = i, rule = f.Rule, message_ids = f.MessageIds, deduction = f.Deduction, word = f.Word, waited_minutes = f.WaitedMinutes,
                due_at = f.DueMs is { } d && d < DateTimeOffset.MaxValue.ToUnixTimeMilliseconds() ? DateTimeOffset.FromUnixTimeMilliseconds(d) : (DateTimeOffset?)null,
            }),
            messages = detail.Messages.Select(m => new
            {
                id = m.Id, msgid = m.MsgId, time = m.Time, kind = m.Kind, from_customer = m.FromCustomer, revoked = m.Revoked, text = m.Text, findings = m.Findings,
                marks = m.Marks.Select(k => new { start = k.Start, length = k.Length, rule = k.Rule, word = k.Word }),
            }),
        });
    }

    private static async Task<IResult> StaffReport(HttpContext http, SiyuDb db, TenantDirectory tenants, TimeProvider time, string? from, string? to, CancellationToken ct)
    {
        var tenant = http.User.TenantId();
        if (Range(from, to, DateOnly.FromDayNumber(tenants.Today(tenant, time)), MaxReportDays, out var start, out var end) is { } bad)
        {
            return bad;
        }
        var items = (await QualityQueries.StaffAsync(db, tenant, start, end, ct)).Select(x => new
        {
            staff = new { userid = x.UserId, name = x.Name },
            conversations = x.Stats.Conversations, average_score = x.Stats.AverageScore, timeouts = x.Stats.Timeouts, forbidden_hits = x.Stats.ForbiddenHits,
            required_applicable = x.Stats.RequiredApplicable, required_hit = x.Stats.RequiredHit, required_rate = x.Stats.RequiredRate,
            negative_conversations = x.Stats.NegativeConversations,
        });
        return TypedResults.Ok(new { from = start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), to = end.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), items });
    }

    private static readonly string[] DailyColumns =
        ["day", "conversations", "staff", "average_score", "timeouts", "forbidden_hits", "required_applicable", "required_hit", "required_rate", "negative_conversations"];

    private static async Task<IResult> DailyReport(HttpContext http, SiyuDb db, TenantDirectory tenants, TimeProvider time, string? from, string? to, string? format, CancellationToken ct)
    {
        var tenant = http.User.TenantId();
        if (format is not (null or "json" or "csv"))
        {
            return Problems.Validation("format", "json or csv.");
        }
        if (Range(from, to, DateOnly.FromDayNumber(tenants.Today(tenant, time)), MaxReportDays, out var start, out var end) is { } bad)
        {
            return bad;
        }
        var days = await QualityQueries.DailyAsync(db, tenant, start, end, ct);
        if (format == "csv")
        {
            var csv = new CsvTable(DailyColumns);
            foreach (var d in days)
            {
                csv.Add(d.Day, d.Stats.Conversations, d.Staff, d.Stats.AverageScore, d.Stats.Timeouts, d.Stats.ForbiddenHits, d.Stats.RequiredApplicable, d.Stats.RequiredHit,
                    d.Stats.RequiredRate, d.Stats.NegativeConversations);
            }
            return TypedResults.File(csv.ToUtf8(), "text/csv; charset=utf-8", $"quality-daily-{start:yyyyMMdd}-{end:yyyyMMdd}.csv");
        }
        return TypedResults.Ok(new
        {
            from = start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            to = end.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            items = days.Select(d => new
            {
                day = d.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), conversations = d.Stats.Conversations, staff = d.Staff, average_score = d.Stats.AverageScore,
                timeouts = d.Stats.Timeouts, forbidden_hits = d.Stats.ForbiddenHits, required_applicable = d.Stats.RequiredApplicable, required_hit = d.Stats.RequiredHit,
                required_rate = d.Stats.RequiredRate, negative_conversations = d.Stats.NegativeConversations,
            }),
        });
    }

    private static async Task<IResult> Rerun(HttpContext http, SiyuDb db, QualityService quality, TenantDirectory tenants, TimeProvider time, RerunRequest body, CancellationToken ct)
    {
        var tenant = http.User.TenantId();
        if (string.IsNullOrEmpty(body.From))
        {
            return Problems.Validation("from", "Required: the first day (2026-01-31).");
        }
        if (string.IsNullOrEmpty(body.To))
        {
            return Problems.Validation("to", "Required: the last day (2026-01-31).");
        }
        if (Range(body.From, body.To, DateOnly.FromDayNumber(tenants.Today(tenant, time)), MaxRerunDays, out var start, out var end) is { } bad)
        {
            return bad;
        }
        var inspected = await QualityCommands.RerunAsync(db, quality, tenant, http.User.Actor(), time.GetUtcNow().UtcTicks, start, end, ct);
        return TypedResults.Ok(new { from = start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), to = end.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), inspected });
    }
}
