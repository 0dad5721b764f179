using Siyu.Core.Access;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Compliance;
using Siyu.Core.Exports;
using Siyu.Server.Auth;
using Siyu.Server.Data;
using Siyu.Server.Tenants;

namespace Siyu.Server.Compliance;

/// <summary>
/// The audit log (审计日志), read-only: list with filters, chain verification, CSV export for regulators. Admins and
/// auditors only. There is deliberately no route that updates or deletes an entry.
/// </summary>
public static class AuditApi
{

    /// <summary>The export's columns: enough to recompute every hash (at_ticks, not only the readable time).</summary>
    public static readonly string[] ExportColumns = ["id", "seq", "tenant_id", "at_ticks", "at_utc", "actor", "action", "target", "detail", "prev_hash", "hash"];

    public static RouteGroupBuilder MapAuditApi(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/audit").WithTags("Audit");
        g.MapGet("/", List).WithName("ListAudit").Requires(Permission.AuditRead)
            .WithSummary("Audit entries, newest first: action (prefix by dots), actor, from/to (date or RFC 3339), before_id, limit 1–500");
        g.MapGet("/verify", Verify).WithName("VerifyAudit").Requires(Permission.AuditRead)
            .WithSummary("Walk the tenant's hash chain: ok with count and head hash, or the first broken entry");
        g.MapGet("/export", Export).WithName("ExportAudit").Requires(Permission.AuditRead)
            .WithSummary("CSV with hash and prev_hash so the chain can be re-verified independently; same filters, without limit");
        return api;
    }

    public sealed record AuditQuery(string? Action, string? Actor, string? From, string? To,
        [property: Microsoft.AspNetCore.Mvc.FromQuery(Name = "before_id")] string? BeforeId, string? Limit);

    private static (AuditFilter? Filter, IResult? Problem) Parse(HttpContext http, TenantDirectory tenants, AuditQuery q)
    {
        var (filter, errors) = AuditFilter.Parse(q.Action, q.Actor, q.From, q.To, q.BeforeId, q.Limit, tenants.Zone(http.User.TenantId()));
        return filter is null ? (null, Problems.Validation(errors)) : (filter, null);
    }

    private static async Task<IResult> List(HttpContext http, SiyuDb db, TenantDirectory tenants, [AsParameters] AuditQuery query)
    {
        var (filter, problem) = Parse(http, tenants, query);
        if (filter is null)
        {
            return problem!;
        }
        var rows = await AuditLog.Query(db, http.User.TenantId(), filter).OrderByDescending(a => a.Id).Take(filter.Limit + 1).ToListAsync(http.RequestAborted);
        var page = rows.Take(filter.Limit).Select(a => new
        {
            id = a.Id, seq = a.Seq, at = new DateTimeOffset(a.AtTicks, TimeSpan.Zero), actor = a.Actor, action = a.Action,
            target = a.Target, detail = a.Detail, prev_hash = a.PrevHash, hash = a.Hash,
        }).ToList();
        return TypedResults.Ok(new { items = page, next_before_id = rows.Count > filter.Limit ? page[^1].id : (long?)null });
    }

    private static IResult Verify(HttpContext http, SiyuDb db)
    {
        var result = AuditLog.Verify(db, http.User.TenantId());
        return TypedResults.Ok(new
        {
            ok = result.Ok,
            count = result.Count,
            head_hash = result.HeadHash,
            broken = result.Ok ? null : new
            {
                id = result.BrokenId, seq = result.BrokenSeq, position = result.BrokenPosition,
                reason = result.Reason switch
                {
                    AuditBreak.SequenceGap => "sequence_gap",
                    AuditBreak.PrevHashMismatch => "prev_hash_mismatch",
                    _ => "hash_mismatch",
                },
            },
        });
    }

    private static async Task<IResult> Export(HttpContext http, SiyuDb db, IDbContextFactory<SiyuDb> dbs, TenantDirectory tenants, TimeProvider time, [AsParameters] AuditQuery query)
    {
        var (filter, problem) = Parse(http, tenants, query with { Limit = null });
        if (filter is null)
        {
            return problem!;
        }
        var tenant = http.User.TenantId();
        // the export is itself audited, before reading, so the file ends with its own entry
        await AuditLog.RecordAsync(dbs, tenant, time.GetUtcNow().UtcTicks, http.User.Actor(), "export.audit",
            detail: http.Request.QueryString.Value ?? "", ct: http.RequestAborted);
        var csv = new CsvTable(ExportColumns);
        foreach (var a in AuditLog.Query(db, tenant, filter).OrderBy(a => a.Seq).AsEnumerable())
        {
            csv.Add(a.Id, a.Seq, a.TenantId, a.AtTicks, new DateTimeOffset(a.AtTicks, TimeSpan.Zero), a.Actor, a.Action, a.Target, a.Detail, a.PrevHash, a.Hash);
        }
        var today = DateOnly.FromDayNumber(tenants.Today(tenant, time));
        return TypedResults.File(csv.ToUtf8(), "text/csv; charset=utf-8", $"audit-log-{today:yyyyMMdd}.csv");
    }
}
