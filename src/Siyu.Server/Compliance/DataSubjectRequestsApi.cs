using Siyu.Core.Access;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;
using Siyu.Core.Compliance;
using Siyu.Server.Auth;
using Siyu.Server.Data;

namespace Siyu.Server.Compliance;

/// <summary>
/// Data-subject requests (数据主体请求, PIPL): admins and auditors read; admins and operators file and start requests;
/// only admins file deletions, complete or reject requests, and download exports.
/// </summary>
public static class DataSubjectRequestsApi
{

    public sealed record Dto(long Id, long CustomerId, string Kind, string Status, string Via, string? Note, JsonObject? Changes,
        DateTimeOffset ReceivedAt, DateTimeOffset DueAt, bool Overdue, string CreatedBy, DateTimeOffset? CompletedAt, string? HandledBy,
        string? Result, string? ExportUrl);

    public sealed record Rejection(string? Reason);

    public static RouteGroupBuilder MapDataSubjectRequestsApi(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/compliance/requests").WithTags("Compliance");
        g.MapPost("/", Create).WithName("CreateDataSubjectRequest").Requires(Permission.ComplianceRequest)
            .WithSummary("File a request: customer_id, kind export|correct|delete (delete: admin), via customer|staff|email, note, changes (correct). Due after Siyu:Compliance:RequestDueDays calendar days (15)");
        g.MapGet("/", List).WithName("ListDataSubjectRequests").Requires(Permission.ComplianceRead)
            .WithSummary("Requests, newest first: ?status=received|in_progress|completed|rejected, ?overdue=true (due and not finished), ?customer_id");
        g.MapGet("/{id:long}", Get).WithName("GetDataSubjectRequest").Requires(Permission.ComplianceRead)
            .WithSummary("One request with its deadline and result");
        g.MapPost("/{id:long}/process", Process).WithName("ProcessDataSubjectRequest").Requires(Permission.ComplianceRequest)
            .WithSummary("received → in_progress");
        g.MapPost("/{id:long}/complete", Complete).WithName("CompleteDataSubjectRequest").Requires(Permission.ComplianceManage)
            .WithSummary("Do it and close it (admin): export writes the JSON file, correct applies the changes as a profile.updated event, delete erases the customer");
        g.MapPost("/{id:long}/reject", Reject).WithName("RejectDataSubjectRequest").Requires(Permission.ComplianceManage)
            .WithSummary("Close without doing it (admin); needs a reason");
        g.MapGet("/{id:long}/export", Download).WithName("DownloadDataSubjectExport").Requires(Permission.ComplianceManage)
            .WithSummary("The completed export as one JSON document, unmasked (admin; each download is audited)");
        return api;
    }

    public static Dto ToDto(DataSubjectRequestRow r, bool overdue) => new(r.Id, r.CustomerId, r.Kind, r.Status, r.Via, r.Note,
        r.Changes is null ? null : JsonNode.Parse(r.Changes) as JsonObject,
        new DateTimeOffset(r.ReceivedAtTicks, TimeSpan.Zero), new DateTimeOffset(r.DueAtTicks, TimeSpan.Zero), overdue, r.CreatedBy,
        r.CompletedAtTicks is { } c ? new DateTimeOffset(c, TimeSpan.Zero) : null, r.HandledBy, r.Result,
        r is { Kind: DsrKinds.Export, Status: DsrStatuses.Completed, ResultFile: not null } ? $"/api/v1/compliance/requests/{r.Id}/export" : null);

    private static IResult Answer(DataSubjectRequestService service, DsrOutcome o, bool created = false) => o switch
    {
        { NotFound: true } => Problems.NotFound("No such request."),
        { Conflict: { } why } => Problems.Conflict(why),
        { Request: { } r } => created
            ? TypedResults.Created($"/api/v1/compliance/requests/{r.Id}", ToDto(r, service.IsOverdue(r)))
            : TypedResults.Ok(ToDto(r, service.IsOverdue(r))),
        _ => Problems.Validation(o.Errors),
    };

    private static async Task<IResult> Create(HttpContext http, DataSubjectRequestService service, AccessDirectory access, NewDataSubjectRequest body)
    {
        if (body.Kind == DsrKinds.Delete && !await access.AllowsAsync(http.User, Permission.ComplianceManage))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: "Only admins file deletion requests.",
                extensions: new Dictionary<string, object?> { ["field"] = "kind" });
        }
        return Answer(service, await service.CreateAsync(http.User.TenantId(), body, http.User.Actor()), created: true);
    }

    private static async Task<IResult> List(HttpContext http, DataSubjectRequestService service, string? status, string? overdue,
        [FromQuery(Name = "customer_id")] long? customerId)
    {
        if (status is not null && !DsrStatuses.All.Contains(status))
        {
            return Problems.Validation("status", $"One of {string.Join(", ", DsrStatuses.All)}.");
        }
        if (overdue is not null and not ("true" or "false"))
        {
            return Problems.Validation("overdue", "true or false.");
        }
        var rows = await service.ListAsync(http.User.TenantId(), status, overdue == "true", customerId);
        return TypedResults.Ok(new { items = rows.Select(r => ToDto(r, service.IsOverdue(r))).ToList(), due_days = service.DueDays });
    }

    private static async Task<IResult> Get(HttpContext http, DataSubjectRequestService service, long id) =>
        await service.GetAsync(http.User.TenantId(), id) is { } r ? TypedResults.Ok(ToDto(r, service.IsOverdue(r))) : Problems.NotFound($"No request {id}.");

    private static async Task<IResult> Process(HttpContext http, DataSubjectRequestService service, long id) =>
        Answer(service, await service.StartAsync(http.User.TenantId(), id, http.User.Actor()));

    private static async Task<IResult> Complete(HttpContext http, DataSubjectRequestService service, long id) =>
        Answer(service, await service.CompleteAsync(http.User.TenantId(), id, http.User.Actor()));

    private static async Task<IResult> Reject(HttpContext http, DataSubjectRequestService service, long id, Rejection? body) =>
        Answer(service, await service.RejectAsync(http.User.TenantId(), id, http.User.Actor(), body?.Reason));

    private static async Task<IResult> Download(HttpContext http, DataSubjectRequestService service, long id) =>
        await service.DownloadAsync(http.User.TenantId(), id, http.User.Actor()) is { } path
            ? TypedResults.PhysicalFile(path, "application/json; charset=utf-8", $"customer-export-{id}.json")
            : Problems.NotFound($"Request {id} has no completed export.");
}
