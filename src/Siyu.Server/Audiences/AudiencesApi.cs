using Siyu.Core.Access;
using System.Text;
using Microsoft.EntityFrameworkCore;
using System.Text.Json;
using System.Text.Json.Nodes;
using Siyu.Server.Auth;
using Siyu.Server.Customers;
using Siyu.Server.Data;
using Siyu.Server.Partitions;

namespace Siyu.Server.Audiences;

/// <summary>Saved audiences and live condition queries: count, sample, paged ids, CSV export, and "why is X in or out".</summary>
public static class AudiencesApi
{

    public static RouteGroupBuilder MapAudiencesApi(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/audiences").WithTags("Audiences");
        g.MapPost("/preview", Preview).WithName("PreviewAudience").Requires(Permission.AudiencesRead).WithSummary("Validate a condition and count and sample who matches now (the builder's live count)");
        g.MapPost("/explain", ExplainCondition).WithName("ExplainCondition").Requires(Permission.AudiencesRead).WithSummary("Why a customer is in or out of an unsaved condition");
        g.MapGet("/", List).WithName("ListAudiences").Requires(Permission.AudiencesRead).WithSummary("Saved audiences with their current size");
        g.MapPost("/", Create).WithName("CreateAudience").Requires(Permission.AudiencesWrite);
        g.MapGet("/{id:long}", Get).WithName("GetAudience").Requires(Permission.AudiencesRead);
        g.MapPatch("/{id:long}", Update).WithName("UpdateAudience").Requires(Permission.AudiencesWrite);
        g.MapDelete("/{id:long}", Delete).WithName("DeleteAudience").Requires(Permission.AudiencesWrite).WithSummary("Delete an audience no rule or other audience uses");
        g.MapGet("/{id:long}/members", Members).WithName("AudienceMembers").Requires(Permission.AudiencesRead).WithSummary("Member ids in ascending order, paged with ?after=&limit= (≤ 10,000)");
        g.MapGet("/{id:long}/sample", Sample).WithName("AudienceSample").Requires(Permission.AudiencesRead).WithSummary("A deterministic sample of members with their summaries");
        g.MapGet("/{id:long}/export.csv", Export).WithName("ExportAudience").Requires(Permission.AudiencesRead).WithSummary("All members as CSV (customer_id,name)");
        g.MapGet("/{id:long}/explain", Explain).WithName("ExplainAudience").Requires(Permission.AudiencesRead).WithSummary("Which branch put customer_id in or kept them out");
        return api;
    }

    public sealed record ConditionRequest(JsonElement? Condition, int? SampleSize, long? CustomerId);
    public sealed record AudienceRequest(string? Name, string? Description, JsonElement? Condition);
    public sealed record PreviewResponse(int Count, IReadOnlyList<long> Sample);
    public sealed record AudienceDto(long Id, string Name, string? Description, JsonNode? Condition, int Count, string? CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
    public sealed record MembersResponse(IReadOnlyList<long> Ids, long? NextAfter, int Count);

    private static async Task<IResult> Preview(HttpContext http, AudienceService audiences, ConditionRequest request)
    {
        var outcome = await audiences.PreviewAsync(http.User.TenantId(), AudienceService.ConditionText(request.Condition), Math.Clamp(request.SampleSize ?? 10, 0, 100));
        return outcome.Errors.Count > 0 ? Problems.Validation(outcome.Errors) : TypedResults.Ok(new PreviewResponse(outcome.Answer!.Count, outcome.Answer.Sample));
    }

    private static async Task<IResult> ExplainCondition(HttpContext http, AudienceService audiences, ConditionRequest request)
    {
        var tenant = http.User.TenantId();
        var json = AudienceService.ConditionText(request.Condition);
        var parsed = audiences.Validate(tenant, json);
        if (!parsed.Ok)
        {
            return Problems.Validation(parsed.Errors);
        }
        if (request.CustomerId is not { } customerId)
        {
            return Problems.Validation("customer_id", "Required: the customer to explain.");
        }
        return await audiences.ExplainAsync(tenant, json!, customerId, WantsChinese(http)) is { } explanation ? TypedResults.Ok(explanation) : Problems.NotFound($"No customer {customerId}.");
    }

    private static async Task<IResult> List(HttpContext http, AudienceService audiences)
    {
        var tenant = http.User.TenantId();
        var rows = await audiences.ListAsync(tenant);
        var counts = await Task.WhenAll(rows.Select(r => audiences.QueryAsync(tenant, r.Condition, 0, 0, 0)));
        return TypedResults.Ok(rows.Select((r, i) => Dto(r, counts[i].Count)).ToList());
    }

    private static async Task<IResult> Get(HttpContext http, AudienceService audiences, long id)
    {
        var tenant = http.User.TenantId();
        return await audiences.GetAsync(tenant, id) is { } row
            ? TypedResults.Ok(Dto(row, (await audiences.QueryAsync(tenant, row.Condition, 0, 0, 0)).Count))
            : Problems.NotFound($"No audience {id}.");
    }

    private static async Task<IResult> Create(HttpContext http, AudienceService audiences, AudienceRequest request)
    {
        var result = await audiences.CreateAsync(http.User.TenantId(), http.User.Actor(), new AudienceInput(request.Name, request.Description, AudienceService.ConditionText(request.Condition)));
        if (result.Errors.Count > 0)
        {
            return Problems.Validation(result.Errors);
        }
        var count = (await audiences.QueryAsync(http.User.TenantId(), result.Value!.Condition, 0, 0, 0)).Count;
        return TypedResults.Created($"/api/v1/audiences/{result.Value.Id}", Dto(result.Value, count));
    }

    private static async Task<IResult> Update(HttpContext http, AudienceService audiences, long id, AudienceRequest request)
    {
        var result = await audiences.UpdateAsync(http.User.TenantId(), http.User.Actor(), id, new AudienceInput(request.Name, request.Description, AudienceService.ConditionText(request.Condition)));
        if (result.NotFound)
        {
            return Problems.NotFound($"No audience {id}.");
        }
        if (result.Errors.Count > 0)
        {
            return Problems.Validation(result.Errors);
        }
        return TypedResults.Ok(Dto(result.Value!, (await audiences.QueryAsync(http.User.TenantId(), result.Value!.Condition, 0, 0, 0)).Count));
    }

    private static async Task<IResult> Delete(HttpContext http, AudienceService audiences, long id)
    {
        var (found, usedBy) = await audiences.DeleteAsync(http.User.TenantId(), http.User.Actor(), id);
        if (!found)
        {
            return Problems.NotFound($"No audience {id}.");
        }
        return usedBy.Count == 0
            ? TypedResults.NoContent()
            : TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Audience in use",
                detail: $"Used by {string.Join(", ", usedBy)}; change those first.", extensions: new Dictionary<string, object?> { ["used_by"] = usedBy });
    }

    private static async Task<IResult> Members(HttpContext http, AudienceService audiences, long id, long? after, int? limit)
    {
        var tenant = http.User.TenantId();
        if (limit is < 1 or > AudienceService.MaxPage)
        {
            return Problems.Validation("limit", $"limit is 1–{AudienceService.MaxPage:N0}.");
        }
        if (await audiences.GetAsync(tenant, id) is not { } row)
        {
            return Problems.NotFound($"No audience {id}.");
        }
        var pageSize = limit ?? 1000;
        var answer = await audiences.QueryAsync(tenant, row.Condition, after ?? 0, pageSize, 0);
        return TypedResults.Ok(new MembersResponse(answer.Ids, answer.Ids.Length == pageSize ? answer.Ids[^1] : null, answer.Count));
    }

    private static async Task<IResult> Sample(HttpContext http, AudienceService audiences, CustomerReader reader, long id, int? size)
    {
        var tenant = http.User.TenantId();
        if (await audiences.GetAsync(tenant, id) is not { } row)
        {
            return Problems.NotFound($"No audience {id}.");
        }
        var answer = await audiences.QueryAsync(tenant, row.Condition, 0, 0, Math.Clamp(size ?? 20, 1, 100));
        return TypedResults.Ok(new { count = answer.Count, customers = await reader.SummariesAsync(tenant, answer.Sample) });
    }

    private static async Task Export(HttpContext http, AudienceService audiences, CustomerReader reader, IDbContextFactory<SiyuDb> dbs, TimeProvider time, long id)
    {
        var tenant = http.User.TenantId();
        if (await audiences.GetAsync(tenant, id) is not { } row)
        {
            await Problems.NotFound($"No audience {id}.").ExecuteAsync(http);
            return;
        }
        // recorded before the first byte leaves: a download that fails midway was still attempted
        await Compliance.AuditLog.RecordAsync(dbs, tenant, time.GetUtcNow().UtcTicks, http.User.Actor(), "export.audience", target: row.Name,
            detail: $"audience {id}", ct: http.RequestAborted);
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"audience-{id}.csv\"";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        await writer.WriteLineAsync("customer_id,name");
        var batch = new List<long>(1000);
        async Task Flush()
        {
            foreach (var c in (await reader.SummariesAsync(tenant, batch)).OrderBy(c => c.Id))
            {
                await writer.WriteLineAsync($"{c.Id},{Csv(c.Name)}");
            }
            batch.Clear();
        }
        await foreach (var member in audiences.AllMembersAsync(tenant, row.Condition))
        {
            batch.Add(member);
            if (batch.Count == 1000)
            {
                await Flush();
            }
        }
        await Flush();
    }

    /// <summary>Explanations are prose: Chinese when the caller's Accept-Language prefers it.</summary>
    private static bool WantsChinese(HttpContext http) =>
        http.Request.GetTypedHeaders().AcceptLanguage.OrderByDescending(l => l.Quality ?? 1).FirstOrDefault()?.Value.Value?.StartsWith("zh", StringComparison.OrdinalIgnoreCase) == true;

    private static string Csv(string? value) =>
        value is null ? "" : value.IndexOfAny([',', '"', '\n', '\r']) >= 0 || value.StartsWith('=') ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;

    private static async Task<IResult> Explain(HttpContext http, AudienceService audiences, long id, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "customer_id")] long? customerId)
    {
        var tenant = http.User.TenantId();
        if (customerId is null)
        {
            return Problems.Validation("customer_id", "Required: the customer to explain.");
        }
        if (await audiences.GetAsync(tenant, id) is not { } row)
        {
            return Problems.NotFound($"No audience {id}.");
        }
        return await audiences.ExplainAsync(tenant, row.Condition, customerId.Value, WantsChinese(http)) is { } explanation
            ? TypedResults.Ok(explanation)
            : Problems.NotFound($"No customer {customerId}.");
    }

    private static AudienceDto Dto(AudienceRow r, int count) => new(r.Id, r.Name, r.Description, JsonNode.Parse(r.Condition), count, r.CreatedBy,
        new DateTimeOffset(r.CreatedAtTicks, TimeSpan.Zero), new DateTimeOffset(r.UpdatedAtTicks, TimeSpan.Zero));
}
