using Siyu.Core.Access;
using Siyu.Server.Auth;
using Siyu.Server.Data;
using Siyu.Server.WeCom;

namespace Siyu.Server.MassSends;

/// <summary>REST API for mass sends (客户群发 / 群群发).</summary>
public static class MassSendEndpoints
{

    public static RouteGroupBuilder MapMassSendApi(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/mass-sends").WithTags("Mass sends");
        g.MapGet("", List).WithName("ListMassSends").Requires(Permission.MassSendsRead).WithSummary("Recent mass sends with per-sender progress");
        g.MapPost("/preview", Preview).WithName("PreviewMassSend").Requires(Permission.MassSendsRead).WithSummary("Who a mass send would reach now: per sender, and who is left out and why");
        g.MapPost("", Create).WithName("CreateMassSend").Requires(Permission.MassSendsWrite)
            .WithSummary("Create a mass send to an audience (chat_type single) or to customer groups (group), now or at scheduled_at; WeCom asks each sender to confirm");
        g.MapGet("/{id:long}", Get).WithName("GetMassSend").Requires(Permission.MassSendsRead);
        g.MapGet("/{id:long}/recipients", Recipients).WithName("MassSendRecipients").Requires(Permission.MassSendsRead).WithSummary("Per customer (or group) outcome, paged by target id");
        g.MapPost("/{id:long}/refresh", Refresh).WithName("RefreshMassSend").Requires(Permission.MassSendsWrite).WithSummary("Ask WeCom now for confirmations and results (also done every minute)");
        g.MapPost("/{id:long}/cancel", Cancel).WithName("CancelMassSend").Requires(Permission.MassSendsWrite).WithSummary("Cancel a scheduled send before it starts");
        g.MapPost("/{id:long}/approve", (HttpContext http, MassSends sends, MassSendRunner runner, long id) => DecideAsync(http, sends, runner, id, true))
            .WithName("ApproveMassSend").Requires(Permission.MassSendsApprove).WithSummary("Release a send that content review held for approval");
        g.MapPost("/{id:long}/reject", (HttpContext http, MassSends sends, MassSendRunner runner, long id) => DecideAsync(http, sends, runner, id, false))
            .WithName("RejectMassSend").Requires(Permission.MassSendsApprove).WithSummary("Reject a send that content review held for approval");
        return api;
    }

    private static async Task<IResult> DecideAsync(HttpContext http, MassSends sends, MassSendRunner runner, long id, bool approve)
    {
        var tenant = http.User.TenantId();
        if (await sends.GetAsync(tenant, id) is null)
        {
            return Problems.NotFound($"No mass send {id}.");
        }
        var (send, errors) = await sends.DecideAsync(tenant, http.User.Actor(), id, approve);
        if (errors.Count > 0)
        {
            return Problems.Conflict(errors[0].Message);
        }
        runner.Wake();
        return TypedResults.Ok(send);
    }

    public sealed record MassSendRequest(
        string? Name, string? ChatType, long? AudienceId, IReadOnlyList<string>? Staff, IReadOnlyList<string>? ChatIds, string? Text,
        IReadOnlyList<WelcomeAttachment>? Attachments, DateTimeOffset? ScheduledAt)
    {
        public MassSendInput Input() => new(Name, ChatType, AudienceId, Staff, ChatIds, Text, Attachments, ScheduledAt);
    }

    private static async Task<IResult> List(HttpContext http, MassSends sends) => TypedResults.Ok(await sends.ListAsync(http.User.TenantId()));

    private static async Task<IResult> Preview(HttpContext http, MassSends sends, MassSendRequest body)
    {
        var (reach, errors) = await sends.PreviewAsync(http.User.TenantId(), body.Input());
        return errors.Count > 0 ? Problems.Validation(errors) : TypedResults.Ok(reach);
    }

    private static async Task<IResult> Create(HttpContext http, MassSends sends, MassSendRunner runner, MassSendRequest body)
    {
        var (send, errors) = await sends.CreateAsync(http.User.TenantId(), http.User.Actor(), body.Input());
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        runner.Wake();
        return TypedResults.Created($"/api/v1/mass-sends/{send!.Id}", send);
    }

    private static async Task<IResult> Get(HttpContext http, MassSends sends, long id) =>
        await sends.GetAsync(http.User.TenantId(), id) is { } send ? TypedResults.Ok(send) : Problems.NotFound($"No mass send {id}.");

    private static async Task<IResult> Recipients(HttpContext http, MassSends sends, long id, string? status, string? after, int? limit)
    {
        var tenant = http.User.TenantId();
        if (await sends.GetAsync(tenant, id) is null)
        {
            return Problems.NotFound($"No mass send {id}.");
        }
        if (limit is < 1 or > 1000)
        {
            return Problems.Validation("limit", "1 to 1,000.");
        }
        var rows = await sends.RecipientsAsync(tenant, id, status, after, limit ?? 100);
        return TypedResults.Ok(rows.Select(r => new
        {
            r.Target, r.CustomerId, r.Sender, r.Status, r.Reason, SentAt = r.SentAtTicks is { } t ? new DateTimeOffset(t, TimeSpan.Zero) : (DateTimeOffset?)null,
        }));
    }

    private static async Task<IResult> Refresh(HttpContext http, MassSends sends, long id, CancellationToken cancellationToken)
    {
        var tenant = http.User.TenantId();
        if (await sends.GetAsync(tenant, id) is null)
        {
            return Problems.NotFound($"No mass send {id}.");
        }
        await sends.RefreshAsync(tenant, id, cancellationToken);
        return TypedResults.Ok(await sends.GetAsync(tenant, id));
    }

    private static async Task<IResult> Cancel(HttpContext http, MassSends sends, long id)
    {
        var tenant = http.User.TenantId();
        if (await sends.GetAsync(tenant, id) is not { } send)
        {
            return Problems.NotFound($"No mass send {id}.");
        }
        return await sends.CancelAsync(tenant, http.User.Actor(), id)
            ? TypedResults.NoContent()
            : Problems.Conflict($"The send is {send.Status}; only a scheduled send can be cancelled (withdraw started tasks in WeCom).");
    }
}
