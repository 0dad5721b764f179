using Siyu.Core.Access;
using Siyu.Server.Auth;

namespace Siyu.Server.Groups;

/// <summary>Group codes (群活码) with tiers (社群分层), group welcome text, group SOPs and statistics; routing for H5 pages (API key scope <c>campaigns:participate</c>).</summary>
public static class GroupCodesApi
{
    public static IEndpointRouteBuilder MapGroupCodesApi(this IEndpointRouteBuilder api)
    {
        var g = api.MapGroup("/group-codes").WithTags("GroupCodes");
        g.MapGet("", List).WithName("ListGroupCodes").Requires(Permission.CampaignsRead).WithSummary("Group codes, newest first, with tiers, pooled groups and fill levels");
        g.MapPost("", Create).WithName("CreateGroupCode").Requires(Permission.CampaignsWrite)
            .WithSummary("{name, room_base_name?, auto_create_room? (default true), welcome_text?, tiers[{name, rank (higher is checked first), condition? (audience condition; none = everyone), chat_ids[] in fill order}]}: creates one WeCom join way per tier");
        g.MapGet("/{id:long}", Get).WithName("GetGroupCode").Requires(Permission.CampaignsRead).WithSummary("One group code with tiers, QR codes, pooled groups and fill levels");
        g.MapPatch("/{id:long}", Patch).WithName("PatchGroupCode").Requires(Permission.CampaignsWrite).WithSummary("{status?: active | paused, welcome_text?} (empty text removes the welcome template)");
        g.MapPost("/{id:long}/tiers/{tierId:long}/groups", AddGroups).WithName("AddGroupCodeGroups").Requires(Permission.CampaignsWrite)
            .WithSummary("{chat_ids[]}: standby groups appended to the tier's pool; they move onto the join way as listed groups fill");
        g.MapPost("/{id:long}/rotate", Rotate).WithName("RotateGroupCode").Requires(Permission.CampaignsWrite)
            .WithSummary("Re-plans every tier's join way now (it also happens on every group change)");
        g.MapPost("/{id:long}/route", Route).WithName("RouteGroupCode").Requires(Permission.CampaignsParticipate)
            .WithSummary("{customer_id}: the highest tier the customer qualifies for, its QR code, and why");
        g.MapGet("/{id:long}/stats", Stats).WithName("GroupCodeStats").Requires(Permission.CampaignsRead)
            .WithSummary("Joins, leaves and active members (distinct senders in the archive) per local day (?days= up to 90) and per group");
        g.MapGet("/{id:long}/sops", Sops).WithName("ListGroupSops").Requires(Permission.CampaignsRead).WithSummary("The code's group SOPs");
        g.MapPost("/{id:long}/sops", AddSop).WithName("CreateGroupSop").Requires(Permission.CampaignsWrite)
            .WithSummary("{name, text, time (local HH:mm), status?}: every day at the time, each live group's owner gets a task to send the text in the group");
        g.MapPatch("/{id:long}/sops/{sopId:long}", PatchSop).WithName("PatchGroupSop").Requires(Permission.CampaignsWrite)
            .WithSummary("{name?, text?, time?, status?: active | paused}");
        return api;
    }

    public sealed record PatchRequest(string? Status, string? WelcomeText);
    public sealed record GroupsRequest(List<string?>? ChatIds);
    public sealed record RouteRequest(long? CustomerId);

    private static async Task<IResult> List(HttpContext http, GroupCodeService service, CancellationToken ct) =>
        TypedResults.Ok(new { items = await service.ListAsync(http.User.TenantId(), ct) });

    private static async Task<IResult> Get(HttpContext http, GroupCodeService service, long id, CancellationToken ct) =>
        await service.GetAsync(http.User.TenantId(), id, ct) is { } view ? TypedResults.Ok(view) : Problems.NotFound("group code");

    private static async Task<IResult> Create(HttpContext http, GroupCodeService service, GroupCodeInput body, CancellationToken ct)
    {
        var (view, errors) = await service.CreateAsync(http.User.TenantId(), http.User.Actor(), body, ct);
        return view is null ? Problems.Validation(errors) : TypedResults.Created($"/api/v1/group-codes/{view.Id}", view);
    }

    private static async Task<IResult> Patch(HttpContext http, GroupCodeService service, long id, PatchRequest body, CancellationToken ct)
    {
        var (view, errors) = await service.PatchAsync(http.User.TenantId(), id, http.User.Actor(), body.Status, body.WelcomeText, ct);
        return errors.Count > 0 ? Problems.Validation(errors) : view is null ? Problems.NotFound("group code") : TypedResults.Ok(view);
    }

    private static async Task<IResult> AddGroups(HttpContext http, GroupCodeService service, long id, long tierId, GroupsRequest body, CancellationToken ct)
    {
        var (view, errors) = await service.AddChatsAsync(http.User.TenantId(), id, tierId, body.ChatIds ?? [], http.User.Actor(), ct);
        return errors.Count > 0 ? Problems.Validation(errors) : view is null ? Problems.NotFound("tier") : TypedResults.Ok(view);
    }

    private static async Task<IResult> Rotate(HttpContext http, GroupCodeService service, long id, CancellationToken ct)
    {
        var tenant = http.User.TenantId();
        if (await service.GetAsync(tenant, id, ct) is not { } view)
        {
            return Problems.NotFound("group code");
        }
        foreach (var tier in view.Tiers)
        {
            await service.RotateTierAsync(tenant, tier.Id, ct);
        }
        return TypedResults.Ok(await service.GetAsync(tenant, id, ct));
    }

    private static async Task<IResult> Route(HttpContext http, GroupCodeService service, long id, RouteRequest body, CancellationToken ct)
    {
        if (body.CustomerId is not > 0)
        {
            return Problems.Validation("customer_id", "Required: the customer to route.");
        }
        var (view, error) = await service.RouteAsync(http.User.TenantId(), id, body.CustomerId.Value, ct);
        return error switch
        {
            "group_code" => Problems.NotFound("group code"),
            "customer_id" => Problems.Validation("customer_id", "No customer with this id."),
            _ => TypedResults.Ok(view),
        };
    }

    private static async Task<IResult> Stats(HttpContext http, GroupCodeService service, long id, int? days, CancellationToken ct) =>
        await service.StatsAsync(http.User.TenantId(), id, days ?? 14, ct) is { } stats ? TypedResults.Ok(stats) : Problems.NotFound("group code");

    private static async Task<IResult> Sops(HttpContext http, GroupCodeService service, long id, CancellationToken ct) =>
        await service.SopsAsync(http.User.TenantId(), id, ct) is { } sops ? TypedResults.Ok(new { items = sops }) : Problems.NotFound("group code");

    private static async Task<IResult> AddSop(HttpContext http, GroupCodeService service, long id, SopInput body, CancellationToken ct)
    {
        var (view, errors) = await service.AddSopAsync(http.User.TenantId(), id, http.User.Actor(), body, ct);
        return errors.Count > 0 ? Problems.Validation(errors) : view is null ? Problems.NotFound("group code") : TypedResults.Created($"/api/v1/group-codes/{id}/sops/{view.Id}", view);
    }

    private static async Task<IResult> PatchSop(HttpContext http, GroupCodeService service, long id, long sopId, SopInput body, CancellationToken ct)
    {
        var (view, errors) = await service.PatchSopAsync(http.User.TenantId(), id, sopId, http.User.Actor(), body, ct);
        return errors.Count > 0 ? Problems.Validation(errors) : view is null ? Problems.NotFound("group SOP") : TypedResults.Ok(view);
    }
}
