using Siyu.Core.Access;
using Siyu.Core.CheckIns;
using Siyu.Core.Events;
using Siyu.Server.Auth;

namespace Siyu.Server.CheckIns;

/// <summary>Check-in campaigns (群打卡): rules and results for the console, check-ins and streaks for H5 pages (API key scope <c>campaigns:participate</c>).</summary>
public static class CheckInsApi
{
    public static IEndpointRouteBuilder MapCheckInsApi(this IEndpointRouteBuilder api)
    {
        var g = api.MapGroup("/check-ins").WithTags("CheckIns");
        g.MapGet("", List).WithName("ListCheckInCampaigns").Requires(Permission.CampaignsRead).WithSummary("Check-in campaigns, newest first, with participants and check-ins");
        g.MapPost("", Create).WithName("CreateCheckInCampaign").Requires(Permission.CampaignsWrite)
            .WithSummary("{name, starts_at?, ends_at?, missed_day_rule: reset | make_up, make_ups_per_month?, make_up_window_days?, rewards[{name, kind (coupon, points, gift), every_days | at_day, coupon_template_id?, points?}], reminder_time? (local HH:mm), reminder_text?}");
        g.MapGet("/{id:long}", Get).WithName("GetCheckInCampaign").Requires(Permission.CampaignsRead).WithSummary("One campaign with its rules and counts");
        g.MapPatch("/{id:long}", Patch).WithName("PatchCheckInCampaign").Requires(Permission.CampaignsWrite).WithSummary("{status: active | paused | ended} (ended is final)");
        g.MapPost("/{id:long}/check-in", CheckIn).WithName("CheckIn").Requires(Permission.CampaignsParticipate)
            .WithSummary("{customer_id, day? (yyyy-MM-dd, a past day to make up)}: one check-in per customer and local day; the same day again answers the first (replayed); 409 with the reason when refused");
        g.MapGet("/{id:long}/customers/{customerId:long}", Streak).WithName("CheckInStreak").Requires(Permission.CampaignsParticipate)
            .WithSummary("The customer's current and longest streak, days checked, make-up cards left this month, rewards");
        g.MapGet("/{id:long}/results", Results).WithName("CheckInResults").Requires(Permission.CampaignsRead)
            .WithSummary("Participants, check-ins per local day (?days= up to 366), rewards by status and the latest rewards");
        g.MapPost("/{id:long}/rewards/{rewardId:long}/fulfil", Fulfil).WithName("FulfilCheckInGift").Requires(Permission.CampaignsWrite)
            .WithSummary("Mark a gift reward as handed over (audited)");
        return api;
    }

    public sealed record RewardRequest(string? Name, string? Kind, int? EveryDays, int? AtDay, long? CouponTemplateId, long? Points);

    public sealed record CampaignRequest(
        string? Name, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, string? MissedDayRule, int? MakeUpsPerMonth, int? MakeUpWindowDays,
        List<RewardRequest?>? Rewards, string? ReminderTime, string? ReminderText);

    public sealed record PatchRequest(string? Status);
    public sealed record CheckInRequest(long? CustomerId, string? Day);

    public static (CheckInSpec? Spec, List<FieldError> Errors) ToSpec(CampaignRequest body)
    {
        var errors = new List<FieldError>();
        var rewards = new List<CheckInReward>();
        for (var i = 0; i < (body.Rewards?.Count ?? 0); i++)
        {
            if (body.Rewards![i] is not { } r)
            {
                errors.Add(new($"rewards[{i}]", "Expected a reward object."));
                continue;
            }
            rewards.Add(new CheckInReward(r.Name ?? "", r.Kind ?? "", r.EveryDays, r.AtDay, r.CouponTemplateId, r.Points ?? 0));
        }
        var rule = body.MissedDayRule ?? MissedDayRules.Reset;
        var spec = new CheckInSpec(body.Name ?? "", body.StartsAt, body.EndsAt, rule, body.MakeUpsPerMonth ?? (rule == MissedDayRules.MakeUp ? 2 : 0),
            body.MakeUpWindowDays ?? (rule == MissedDayRules.MakeUp ? 7 : 0), rewards, string.IsNullOrWhiteSpace(body.ReminderTime) ? null : body.ReminderTime,
            string.IsNullOrWhiteSpace(body.ReminderText) ? null : body.ReminderText);
        errors.AddRange(spec.Validate().Where(e => !errors.Any(x => x.Path == e.Path)));
        return (errors.Count == 0 ? spec : null, errors);
    }

    private static async Task<IResult> List(HttpContext http, CheckInService service) =>
        TypedResults.Ok(new { items = await service.ListAsync(http.User.TenantId()) });

    private static async Task<IResult> Get(HttpContext http, CheckInService service, long id) =>
        await service.GetAsync(http.User.TenantId(), id) is { } view ? TypedResults.Ok(view) : Problems.NotFound("check-in campaign");

    private static async Task<IResult> Create(HttpContext http, CheckInService service, CampaignRequest body)
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
        return TypedResults.Created($"/api/v1/check-ins/{view.Id}", view);
    }

    private static async Task<IResult> Patch(HttpContext http, CheckInService service, long id, PatchRequest body)
    {
        if (body.Status is not ("active" or "paused" or "ended"))
        {
            return Problems.Validation("status", "One of active, paused, ended.");
        }
        var (view, conflict) = await service.SetStatusAsync(http.User.TenantId(), id, body.Status, http.User.Actor());
        return conflict ? Problems.Conflict("The campaign has ended; an ended campaign cannot be reopened.", "status")
            : view is null ? Problems.NotFound("check-in campaign") : TypedResults.Ok(view);
    }

    private static async Task<IResult> CheckIn(HttpContext http, CheckInService service, long id, CheckInRequest body)
    {
        var errors = new List<FieldError>();
        if (body.CustomerId is not > 0)
        {
            errors.Add(new("customer_id", "Required: the customer checking in."));
        }
        int? day = null;
        if (body.Day is not null)
        {
            if (!CheckInCalendar.TryParseDay(body.Day, out var d))
            {
                errors.Add(new("day", "A local date yyyy-MM-dd (a past day to make up), or omit it for today."));
            }
            else
            {
                day = d;
            }
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        var result = await service.CheckInAsync(http.User.TenantId(), id, body.CustomerId!.Value, day, http.User.Actor());
        return result.Refusal switch
        {
            null => TypedResults.Ok(new { replayed = result.Replayed, check_in = result.CheckIn, rewards = result.Rewards }),
            CheckInRefusalCodes.NoCampaign => Problems.NotFound("check-in campaign"),
            CheckInRefusalCodes.UnknownCustomer => Problems.Validation("customer_id", result.Message!),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "No check-in", detail: result.Message,
                extensions: new Dictionary<string, object?> { ["field"] = body.Day is null ? "customer_id" : "day", ["reason"] = result.Refusal }),
        };
    }

    private static async Task<IResult> Streak(HttpContext http, CheckInService service, long id, long customerId) =>
        await service.StreakAsync(http.User.TenantId(), id, customerId) is { } view ? TypedResults.Ok(view) : Problems.NotFound("check-in campaign or customer");

    private static async Task<IResult> Results(HttpContext http, CheckInService service, long id, int? days) =>
        await service.ResultsAsync(http.User.TenantId(), id, days ?? 30) is { } view ? TypedResults.Ok(view) : Problems.NotFound("check-in campaign");

    private static async Task<IResult> Fulfil(HttpContext http, CheckInService service, long id, long rewardId) =>
        await service.FulfilAsync(http.User.TenantId(), id, rewardId, http.User.Actor()) is { } view ? TypedResults.Ok(view) : Problems.NotFound("reward");
}
