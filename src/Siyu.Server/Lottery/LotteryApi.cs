using Siyu.Core.Access;
using Siyu.Core.Events;
using Siyu.Core.Lottery;
using Siyu.Server.Auth;

namespace Siyu.Server.Lottery;

/// <summary>Lotteries (抽奖): rules and results for the console, draws for H5 pages and mini-programs (API key scope <c>campaigns:participate</c>).</summary>
public static class LotteryApi
{
    public static IEndpointRouteBuilder MapLotteryApi(this IEndpointRouteBuilder api)
    {
        var g = api.MapGroup("/lotteries").WithTags("Lotteries");
        g.MapGet("", List).WithName("ListLotteries").Requires(Permission.CampaignsRead).WithSummary("Lotteries, newest first, with prizes, stock left, draws and win rate");
        g.MapPost("", Create).WithName("CreateLottery").Requires(Permission.CampaignsWrite)
            .WithSummary("{name, prizes[{name, kind (coupon, points, gift), chance (fraction, e.g. 0.05), stock, coupon_template_id?, points?}], starts_at?, ends_at?, audience_id?, draws_per_day, draws_total, points_cost}; answers the seed's SHA-256 commitment");
        g.MapGet("/{id:long}", Get).WithName("GetLottery").Requires(Permission.CampaignsRead).WithSummary("One lottery with its prizes and counts");
        g.MapPatch("/{id:long}", Patch).WithName("PatchLottery").Requires(Permission.CampaignsWrite)
            .WithSummary("{status: active | paused | ended}: ended is final and reveals the seed for the audit");
        g.MapPost("/{id:long}/draws", Draw).WithName("DrawLottery").Requires(Permission.CampaignsParticipate)
            .WithSummary("{customer_id, idempotency_key}: one draw; the same key again answers the first draw; 409 with the reason when not allowed (not_eligible, daily_limit, total_limit, insufficient_points, not_active, not_started, ended)");
        g.MapGet("/{id:long}/draws", Draws).WithName("ListLotteryDraws").Requires(Permission.CampaignsRead)
            .WithSummary("Draws newest first (?customer_id=, ?outcome=won|no_prize|sold_out, ?before=, ?limit= up to 500)");
        g.MapPost("/{id:long}/draws/{drawId:long}/fulfil", Fulfil).WithName("FulfilLotteryGift").Requires(Permission.CampaignsWrite)
            .WithSummary("Mark a won gift as handed over (audited)");
        g.MapGet("/{id:long}/audit", Audit).WithName("AuditLottery").Requires(Permission.CampaignsRead)
            .WithSummary("The commitment; after the lottery ends, the seed and a recomputation of every draw from it");
        return api;
    }

    public sealed record PrizeRequest(string? Name, string? Kind, decimal? Chance, int? Stock, long? CouponTemplateId, long? Points);

    public sealed record LotteryRequest(
        string? Name, List<PrizeRequest?>? Prizes, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, long? AudienceId, int? DrawsPerDay, int? DrawsTotal, long? PointsCost);

    public sealed record PatchRequest(string? Status);
    public sealed record DrawRequest(long? CustomerId, string? IdempotencyKey);

    /// <summary>The request as rules, or the errors of its shape (chances in whole parts per million).</summary>
    public static (LotterySpec? Spec, List<FieldError> Errors) ToSpec(LotteryRequest body)
    {
        var errors = new List<FieldError>();
        var prizes = new List<PrizeSpec>();
        for (var i = 0; i < (body.Prizes?.Count ?? 0); i++)
        {
            if (body.Prizes![i] is not { } p)
            {
                errors.Add(new($"prizes[{i}]", "Expected a prize object."));
                continue;
            }
            var ppm = 0;
            if (p.Chance is not { } chance || chance <= 0 || chance > 1 || chance * LotterySpec.Million != decimal.Truncate(chance * LotterySpec.Million))
            {
                errors.Add(new($"prizes[{i}].chance", "Required: a probability above 0 and at most 1, to six decimals (0.05 = 5%)."));
            }
            else
            {
                ppm = (int)(chance * LotterySpec.Million);
            }
            prizes.Add(new PrizeSpec(p.Name ?? "", p.Kind ?? "", ppm == 0 ? 1 : ppm, p.Stock ?? -1, p.CouponTemplateId, p.Points ?? 0));
        }
        var spec = new LotterySpec(body.Name ?? "", prizes, body.StartsAt, body.EndsAt, body.AudienceId, body.DrawsPerDay ?? 1, body.DrawsTotal ?? 1, body.PointsCost ?? 0);
        errors.AddRange(spec.Validate().Where(e => !errors.Any(x => x.Path == e.Path)));
        return (errors.Count == 0 ? spec : null, errors);
    }

    private static async Task<IResult> List(HttpContext http, LotteryService service) =>
        TypedResults.Ok(new { items = await service.ListAsync(http.User.TenantId()) });

    private static async Task<IResult> Get(HttpContext http, LotteryService service, long id) =>
        await service.GetAsync(http.User.TenantId(), id) is { } view ? TypedResults.Ok(view) : Problems.NotFound("lottery");

    private static async Task<IResult> Create(HttpContext http, LotteryService service, LotteryRequest body)
    {
        var (spec, errors) = ToSpec(body);
        if (spec is not null)
        {
            errors.AddRange(await service.ValidateReferencesAsync(http.User.TenantId(), spec));
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        var view = await service.CreateAsync(http.User.TenantId(), http.User.Actor(), spec!);
        return TypedResults.Created($"/api/v1/lotteries/{view.Id}", view);
    }

    private static async Task<IResult> Patch(HttpContext http, LotteryService service, long id, PatchRequest body)
    {
        if (body.Status is not ("active" or "paused" or "ended"))
        {
            return Problems.Validation("status", "One of active, paused, ended.");
        }
        var (view, conflict) = await service.SetStatusAsync(http.User.TenantId(), id, body.Status, http.User.Actor());
        return conflict ? Problems.Conflict("The lottery has ended; an ended lottery cannot be reopened.", "status")
            : view is null ? Problems.NotFound("lottery") : TypedResults.Ok(view);
    }

    private static async Task<IResult> Draw(HttpContext http, LotteryService service, long id, DrawRequest body)
    {
        var errors = new List<FieldError>();
        if (body.CustomerId is not > 0)
        {
            errors.Add(new("customer_id", "Required: the customer drawing."));
        }
        if (string.IsNullOrWhiteSpace(body.IdempotencyKey) || body.IdempotencyKey.Length > 128)
        {
            errors.Add(new("idempotency_key", "Required: 1 to 128 characters, unique per draw (a retry with the same key answers the first draw)."));
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        var result = await service.DrawAsync(http.User.TenantId(), id, body.CustomerId!.Value, body.IdempotencyKey!.Trim(), http.User.Actor());
        return result.Refusal switch
        {
            null => TypedResults.Ok(new { replayed = result.Replayed, draw = result.Draw }),
            DrawRefusals.NoLottery => Problems.NotFound("lottery"),
            DrawRefusals.UnknownCustomer => Problems.Validation("customer_id", result.Message!),
            DrawRefusals.KeyConflict => Problems.Conflict(result.Message!, "idempotency_key"),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "No draw", detail: result.Message,
                extensions: new Dictionary<string, object?> { ["field"] = "customer_id", ["reason"] = result.Refusal }),
        };
    }

    private static async Task<IResult> Draws(HttpContext http, LotteryService service, long id, long? customer_id, string? outcome, long? before, int? limit)
    {
        if (outcome is not (null or "won" or "no_prize" or "sold_out"))
        {
            return Problems.Validation("outcome", "One of won, no_prize, sold_out.");
        }
        if (await service.GetAsync(http.User.TenantId(), id) is null)
        {
            return Problems.NotFound("lottery");
        }
        return TypedResults.Ok(new { items = await service.DrawsAsync(http.User.TenantId(), id, customer_id, outcome, before, limit ?? 100) });
    }

    private static async Task<IResult> Fulfil(HttpContext http, LotteryService service, long id, long drawId) =>
        await service.FulfilAsync(http.User.TenantId(), id, drawId, http.User.Actor()) is { } view ? TypedResults.Ok(view) : Problems.NotFound("draw");

    private static async Task<IResult> Audit(HttpContext http, LotteryService service, long id) =>
        await service.AuditAsync(http.User.TenantId(), id) is { } audit ? TypedResults.Ok(audit) : Problems.NotFound("lottery");
}
