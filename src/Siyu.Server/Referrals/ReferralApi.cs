using System.Text.RegularExpressions;
using Siyu.Core.Access;
using Siyu.Core.Events;
using Siyu.Core.Referrals;
using Siyu.Server.Auth;

namespace Siyu.Server.Referrals;

/// <summary>Referral campaigns (任务宝/裂变): rules and results for the console, joining and posters for H5 pages (API key scope <c>campaigns:participate</c>).</summary>
public static partial class ReferralApi
{
    public static IEndpointRouteBuilder MapReferralApi(this IEndpointRouteBuilder api)
    {
        var g = api.MapGroup("/referrals").WithTags("Referrals");
        g.MapGet("/campaigns", List).WithName("ListReferralCampaigns").Requires(Permission.CampaignsRead).WithSummary("Referral campaigns, newest first, with tiers and counts");
        g.MapPost("/campaigns", Create).WithName("CreateReferralCampaign").Requires(Permission.CampaignsWrite)
            .WithSummary("{name, channel_code_id, tiers[{invites, kind (coupon, points, message, tag), coupon_template_id?, points?, text?, tag_id?, name?}], daily_cap (5), total_cap (0 = none), revoke_within_days (7), burst_limit (10), burst_minutes (10), rapid_delete_minutes (30), block_after_rapid_deletes (3), poster_title?, poster_color (#RRGGBB)?, starts_at?, ends_at?}");
        g.MapGet("/campaigns/{id:long}", Get).WithName("GetReferralCampaign").Requires(Permission.CampaignsRead).WithSummary("One campaign with its tiers and counts");
        g.MapPut("/campaigns/{id:long}", Update).WithName("UpdateReferralCampaign").Requires(Permission.CampaignsWrite)
            .WithSummary("Replace a campaign's rules (same body as create); not after it ended; granted rewards stay");
        g.MapPatch("/campaigns/{id:long}", Patch).WithName("PatchReferralCampaign").Requires(Permission.CampaignsWrite)
            .WithSummary("{status: active | paused | ended}: ended is final");
        g.MapGet("/campaigns/{id:long}/participants", Participants).WithName("ListReferralParticipants").Requires(Permission.CampaignsRead)
            .WithSummary("Participants newest first with valid invites and the next tier (?limit= up to 500)");
        g.MapGet("/campaigns/{id:long}/leaderboard", Leaderboard).WithName("ReferralLeaderboard").Requires(Permission.CampaignsRead)
            .WithSummary("Top inviters by valid invites (?limit= up to 100); ties go to who got there first");
        g.MapGet("/campaigns/{id:long}/invites", Invites).WithName("ListReferralInvites").Requires(Permission.CampaignsRead)
            .WithSummary("Invites newest first with status (counted, not_counted, revoked) and reason (?status=, ?participant_id=, ?before=, ?limit= up to 500)");
        g.MapGet("/campaigns/{id:long}/rewards", Rewards).WithName("ListReferralRewards").Requires(Permission.CampaignsRead)
            .WithSummary("Tier rewards granted, newest first, with delivery status (?limit= up to 500)");
        g.MapPost("/campaigns/{id:long}/join", Join).WithName("JoinReferralCampaign").Requires(Permission.CampaignsParticipate)
            .WithSummary("{customer_id}: the customer's personal code and poster (created on the first call; the same participant after); 409 with the reason when not running");
        g.MapGet("/posters/{participantId:long}.png", Poster).WithName("ReferralPoster").Requires(Permission.CampaignsParticipate)
            .WithSummary("The participant's poster: PNG with the campaign title, their nickname and their contact-way QR code");
        return api;
    }

    public sealed record TierRequest(int? Invites, string? Kind, long? CouponTemplateId, long? Points, string? Text, long? TagId, string? Name);

    public sealed record CampaignRequest(
        string? Name, long? ChannelCodeId, List<TierRequest?>? Tiers, int? DailyCap, int? TotalCap, int? RevokeWithinDays, int? BurstLimit, int? BurstMinutes,
        int? RapidDeleteMinutes, int? BlockAfterRapidDeletes, string? PosterTitle, string? PosterColor, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt);

    public sealed record PatchRequest(string? Status);
    public sealed record JoinRequest(long? CustomerId);

    [GeneratedRegex("^#[0-9A-Fa-f]{6}$")]
    private static partial Regex Colour();

    /// <summary>The request as a campaign, or the errors of its shape.</summary>
    public static (CampaignSpec? Spec, List<FieldError> Errors) ToSpec(CampaignRequest body)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(body.Name) || body.Name.Trim().Length > 60)
        {
            errors.Add(new("name", "Required: 1 to 60 characters."));
        }
        if (body.ChannelCodeId is not > 0)
        {
            errors.Add(new("channel_code_id", "Required: the channel code (渠道活码) whose staff receive the invited friends."));
        }
        if (body.PosterTitle is { Length: > 60 })
        {
            errors.Add(new("poster_title", "At most 60 characters."));
        }
        if (body.PosterColor is not null && !Colour().IsMatch(body.PosterColor))
        {
            errors.Add(new("poster_color", "A colour as #RRGGBB."));
        }
        if (body.StartsAt is { } s && body.EndsAt is { } e && e <= s)
        {
            errors.Add(new("ends_at", "After starts_at."));
        }
        var tiers = new List<ReferralTier>();
        for (var i = 0; i < (body.Tiers?.Count ?? 0); i++)
        {
            if (body.Tiers![i] is not { } t)
            {
                errors.Add(new($"tiers[{i}]", "Expected a tier object."));
                continue;
            }
            tiers.Add(new ReferralTier(t.Invites ?? 0, t.Kind ?? "", t.CouponTemplateId, t.Points ?? 0, t.Text?.Trim(), t.TagId, string.IsNullOrWhiteSpace(t.Name) ? null : t.Name.Trim()));
        }
        var d = ReferralRules.Default(tiers);
        var rules = new ReferralRules(body.DailyCap ?? d.DailyCap, body.TotalCap ?? d.TotalCap, body.RevokeWithinDays ?? d.RevokeWithinDays, body.BurstLimit ?? d.BurstLimit,
            body.BurstMinutes ?? d.BurstMinutes, body.RapidDeleteMinutes ?? d.RapidDeleteMinutes, body.BlockAfterRapidDeletes ?? d.BlockAfterRapidDeletes, tiers);
        errors.AddRange(rules.Validate().Where(x => !errors.Any(y => y.Path == x.Path)));
        var spec = new CampaignSpec(body.Name?.Trim() ?? "", body.StartsAt, body.EndsAt, body.ChannelCodeId ?? 0, body.PosterTitle?.Trim() ?? "", body.PosterColor ?? "#C62828", rules);
        return (errors.Count == 0 ? spec : null, errors);
    }

    private static async Task<IResult> List(HttpContext http, ReferralService service) =>
        TypedResults.Ok(new { items = await service.ListAsync(http.User.TenantId()) });

    private static async Task<IResult> Get(HttpContext http, ReferralService service, long id) =>
        await service.GetAsync(http.User.TenantId(), id) is { } view ? TypedResults.Ok(view) : Problems.NotFound("referral campaign");

    private static async Task<(CampaignSpec? Spec, List<FieldError> Errors)> CheckAsync(HttpContext http, ReferralService service, CampaignRequest body)
    {
        var (spec, errors) = ToSpec(body);
        if (spec is not null)
        {
            errors.AddRange(await service.ValidateReferencesAsync(http.User.TenantId(), spec));
        }
        return (spec, errors);
    }

    private static async Task<IResult> Create(HttpContext http, ReferralService service, CampaignRequest body)
    {
        var (spec, errors) = await CheckAsync(http, service, body);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        var view = await service.CreateAsync(http.User.TenantId(), http.User.Actor(), spec!);
        return TypedResults.Created($"/api/v1/referrals/campaigns/{view.Id}", view);
    }

    private static async Task<IResult> Update(HttpContext http, ReferralService service, long id, CampaignRequest body)
    {
        var (spec, errors) = await CheckAsync(http, service, body);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        var (view, conflict) = await service.UpdateAsync(http.User.TenantId(), id, http.User.Actor(), spec!);
        return conflict ? Problems.Conflict("The campaign has ended; its rules can no longer change.", "status")
            : view is null ? Problems.NotFound("referral campaign") : TypedResults.Ok(view);
    }

    private static async Task<IResult> Patch(HttpContext http, ReferralService service, long id, PatchRequest body)
    {
        if (body.Status is not ("active" or "paused" or "ended"))
        {
            return Problems.Validation("status", "One of active, paused, ended.");
        }
        var (view, conflict) = await service.SetStatusAsync(http.User.TenantId(), id, body.Status, http.User.Actor());
        return conflict ? Problems.Conflict("The campaign has ended; an ended campaign cannot be reopened.", "status")
            : view is null ? Problems.NotFound("referral campaign") : TypedResults.Ok(view);
    }

    private static async Task<IResult> Participants(HttpContext http, ReferralService service, long id, int? limit) =>
        await service.ParticipantsAsync(http.User.TenantId(), id, limit ?? 100) is { } items ? TypedResults.Ok(new { items }) : Problems.NotFound("referral campaign");

    private static async Task<IResult> Leaderboard(HttpContext http, ReferralService service, long id, int? limit) =>
        await service.LeaderboardAsync(http.User.TenantId(), id, limit ?? 20) is { } items ? TypedResults.Ok(new { items }) : Problems.NotFound("referral campaign");

    private static async Task<IResult> Invites(HttpContext http, ReferralService service, long id, string? status, long? participant_id, long? before, int? limit)
    {
        if (status is not (null or "counted" or "not_counted" or "revoked"))
        {
            return Problems.Validation("status", "One of counted, not_counted, revoked.");
        }
        return await service.InvitesAsync(http.User.TenantId(), id, status, participant_id, before, limit ?? 100) is { } items
            ? TypedResults.Ok(new { items }) : Problems.NotFound("referral campaign");
    }

    private static async Task<IResult> Rewards(HttpContext http, ReferralService service, long id, int? limit) =>
        await service.RewardsAsync(http.User.TenantId(), id, limit ?? 100) is { } items ? TypedResults.Ok(new { items }) : Problems.NotFound("referral campaign");

    private static async Task<IResult> Join(HttpContext http, ReferralService service, long id, JoinRequest body, CancellationToken cancellationToken)
    {
        if (body.CustomerId is not > 0)
        {
            return Problems.Validation("customer_id", "Required: the customer taking part.");
        }
        var result = await service.JoinAsync(http.User.TenantId(), id, body.CustomerId.Value, cancellationToken);
        return result.Refusal switch
        {
            null => result.Existing ? TypedResults.Ok(result.Participant) : TypedResults.Created($"/api/v1/referrals/posters/{result.Participant!.Id}.png", result.Participant),
            "no_campaign" => Problems.NotFound("referral campaign"),
            "unknown_customer" => Problems.Validation("customer_id", result.Message!),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Cannot join", detail: result.Message,
                extensions: new Dictionary<string, object?> { ["field"] = "campaign", ["reason"] = result.Refusal }),
        };
    }

    private static async Task<IResult> Poster(HttpContext http, ReferralService service, long participantId, CancellationToken cancellationToken) =>
        await service.PosterAsync(http.User.TenantId(), participantId, cancellationToken) is { } png ? TypedResults.File(png, "image/png") : Problems.NotFound("participant");
}
