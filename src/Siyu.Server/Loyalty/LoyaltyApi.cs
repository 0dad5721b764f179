using Siyu.Core.Access;
using Siyu.Core.Events;
using Siyu.Core.Loyalty;
using Siyu.Server.Auth;
using Siyu.Server.Compliance;
using Siyu.Server.Customers;

namespace Siyu.Server.Loyalty;

/// <summary>Points and membership (积分与会员): balances, spending, adjustments, settings and tier counts.</summary>
public static class LoyaltyApi
{
    public const int MaxLimit = 200;

    public static IEndpointRouteBuilder MapLoyaltyApi(this IEndpointRouteBuilder api)
    {
        var c = api.MapGroup("/customers/{id:long}/points").WithTags("Loyalty");
        c.MapGet("", Get).WithName("GetCustomerPoints").Requires(Permission.LoyaltyRead)
            .WithSummary("Balance, tier and benefits, member-day discount today, open lots with expiry, and a ledger page (before, limit)");
        c.MapPost("/spend", Spend).WithName("SpendPoints").Requires(Permission.LoyaltyWrite)
            .WithSummary("{amount, reason, idempotency_key}: spends oldest lots first; 409 when the balance is short; a retry with the same key answers the first result");
        c.MapPost("/adjust", Adjust).WithName("AdjustPoints").Requires(Permission.LoyaltyWrite)
            .WithSummary("{amount (signed), reason, idempotency_key}: a manual correction (audited); a deduction larger than the balance is 409");
        var l = api.MapGroup("/loyalty").WithTags("Loyalty");
        l.MapGet("/settings", GetSettings).WithName("GetLoyaltySettings").Requires(Permission.LoyaltyRead)
            .WithSummary("Earn rate (points per yuan, rounded down), expiry days, downgrade grace days, tiers with thresholds, benefits and member day");
        l.MapPut("/settings", PutSettings).WithName("PutLoyaltySettings").Requires(Permission.LoyaltyWrite).WithSummary("Replace the settings (audited)");
        l.MapGet("/tiers/summary", Summary).WithName("LoyaltyTierSummary").Requires(Permission.LoyaltyRead).WithSummary("Members (customers with a points account) per tier");
        return api;
    }

    public sealed record ChangeRequest(long? Amount, string? Reason, string? IdempotencyKey);

    public sealed record TierRequest(string? Code, string? Name, long? Threshold, List<string?>? Benefits, MemberDayRequest? MemberDay);

    public sealed record MemberDayRequest(int? DayOfMonth, decimal? Discount);

    public sealed record SettingsRequest(decimal? PointsPerYuan, int? ExpiryDays, int? DowngradeGraceDays, List<TierRequest?>? Tiers);

    private static async Task<IResult> Get(HttpContext http, LoyaltyService loyalty, CustomerReader customers, long id, long? before, int? limit)
    {
        if (limit is < 1 or > MaxLimit)
        {
            return Problems.Validation("limit", $"1 to {MaxLimit}.");
        }
        var tenant = http.User.TenantId();
        if (await customers.GetAsync(tenant, id) is null)
        {
            return Problems.NotFound($"No customer {id}.");
        }
        return TypedResults.Ok(await loyalty.AccountAsync(tenant, id, before, limit ?? 20));
    }

    private static Task<IResult> Spend(HttpContext http, LoyaltyService loyalty, CustomerReader customers, long id, ChangeRequest body) =>
        ChangeAsync(http, loyalty, customers, id, body, adjust: false);

    private static Task<IResult> Adjust(HttpContext http, LoyaltyService loyalty, CustomerReader customers, long id, ChangeRequest body) =>
        ChangeAsync(http, loyalty, customers, id, body, adjust: true);

    private static async Task<IResult> ChangeAsync(HttpContext http, LoyaltyService loyalty, CustomerReader customers, long id, ChangeRequest body, bool adjust)
    {
        var errors = new List<FieldError>();
        if (body.Amount is not { } amount || amount == 0 || (!adjust && amount < 0) || Math.Abs(amount) > LoyaltyService.MaxAmount)
        {
            errors.Add(new FieldError("amount", adjust ? $"A non-zero whole number of points, at most {LoyaltyService.MaxAmount:N0} either way." : $"1 to {LoyaltyService.MaxAmount:N0} points."));
        }
        var reason = body.Reason?.Trim();
        if (string.IsNullOrEmpty(reason) || reason.Length > LoyaltyService.MaxReason)
        {
            errors.Add(new FieldError("reason", $"Required, at most {LoyaltyService.MaxReason} characters."));
        }
        var key = body.IdempotencyKey?.Trim();
        if (string.IsNullOrEmpty(key) || key.Length > 128 || key.Any(char.IsControl))
        {
            errors.Add(new FieldError("idempotency_key", "Required: 1 to 128 characters, unique per change (a retry with the same key answers the first result)."));
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        var tenant = http.User.TenantId();
        if (await customers.GetAsync(tenant, id) is null)
        {
            return Problems.NotFound($"No customer {id}.");
        }
        var actor = http.User.Actor();
        // Callers' keys live in their own namespace so they can never collide with the ledger's event:/expire: keys.
        var fullKey = (adjust ? "adjust:" : "spend:") + key;
        var result = adjust && body.Amount > 0
            ? await loyalty.CreditAsync(tenant, id, body.Amount!.Value, reason, fullKey, actor)
            : await loyalty.DebitAsync(tenant, id, Math.Abs(body.Amount!.Value), reason, fullKey, actor, adjust ? PointsKind.Adjust : PointsKind.Spend);
        switch (result.Outcome)
        {
            case PointsOutcome.Insufficient:
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Insufficient points",
                    detail: $"The balance is {result.Balance:N0} points; {Math.Abs(body.Amount!.Value):N0} requested. Nothing was changed.",
                    extensions: new Dictionary<string, object?> { ["field"] = "amount", ["balance"] = result.Balance });
            case PointsOutcome.KeyConflict:
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: "This idempotency_key was already used for another customer.",
                    extensions: new Dictionary<string, object?> { ["field"] = "idempotency_key" });
        }
        if (adjust && result.Outcome == PointsOutcome.Applied)
        {
            await AuditLog.RecordAsync(http.RequestServices.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<Data.SiyuDb>>(), tenant,
                result.Entry!.At.UtcTicks, actor, "points.adjust", target: $"customer:{id}", detail: $"{body.Amount:+#;-#} points: {reason}");
        }
        return TypedResults.Ok(new { entry = result.Entry, balance = result.Balance, replayed = result.Outcome == PointsOutcome.Replayed });
    }

    private static async Task<IResult> GetSettings(HttpContext http, LoyaltyService loyalty)
    {
        var view = await loyalty.SettingsAsync(http.User.TenantId());
        return TypedResults.Ok(Shape(view));
    }

    private static object Shape(LoyaltySettingsView v) => new
    {
        points_per_yuan = v.Settings.PointsPerYuan, expiry_days = v.Settings.ExpiryDays, downgrade_grace_days = v.Settings.DowngradeGraceDays,
        tiers = v.Settings.Tiers.Select(t => new
        {
            code = t.Code, name = t.Name, threshold = t.Threshold, benefits = t.Benefits,
            member_day = t.MemberDay is { } d ? new { day_of_month = d.DayOfMonth, discount = d.Discount } : null,
        }),
        is_default = v.IsDefault, updated_at = v.UpdatedAt, updated_by = v.UpdatedBy,
    };

    private static async Task<IResult> PutSettings(HttpContext http, LoyaltyService loyalty, SettingsRequest body)
    {
        var errors = new List<FieldError>();
        if (body.PointsPerYuan is null)
        {
            errors.Add(new FieldError("points_per_yuan", "Required."));
        }
        if (body.ExpiryDays is null)
        {
            errors.Add(new FieldError("expiry_days", "Required."));
        }
        if (body.Tiers is null)
        {
            errors.Add(new FieldError("tiers", "Required: at least one tier, the first with threshold 0."));
        }
        var tiers = new List<Tier>();
        for (var i = 0; i < (body.Tiers?.Count ?? 0) && i <= LoyaltySettings.MaxTiers; i++)
        {
            if (body.Tiers![i] is not { } t)
            {
                errors.Add(new FieldError($"tiers[{i}]", "Expected an object."));
                continue;
            }
            if (t.Threshold is null)
            {
                errors.Add(new FieldError($"tiers[{i}].threshold", "Required: rolling 12-month points earned."));
            }
            if (t.MemberDay is { } md && (md.DayOfMonth is null || md.Discount is null))
            {
                errors.Add(new FieldError($"tiers[{i}].member_day", "day_of_month and discount are both required."));
            }
            var benefits = new List<string>();
            for (var j = 0; j < (t.Benefits?.Count ?? 0); j++)
            {
                if (t.Benefits![j] is { } b)
                {
                    benefits.Add(b.Trim());
                }
                else
                {
                    errors.Add(new FieldError($"tiers[{i}].benefits[{j}]", "Expected a string."));
                }
            }
            tiers.Add(new Tier(t.Code?.Trim() ?? "", t.Name?.Trim() ?? "", t.Threshold ?? 0, benefits,
                t.MemberDay is { DayOfMonth: { } day, Discount: { } discount } ? new MemberDay(day, discount) : null));
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        var settings = new LoyaltySettings(body.PointsPerYuan!.Value, body.ExpiryDays!.Value, body.DowngradeGraceDays ?? LoyaltySettings.Default.DowngradeGraceDays, tiers);
        var (saved, invalid) = await loyalty.SaveSettingsAsync(http.User.TenantId(), http.User.Actor(), settings);
        return invalid.Count > 0 ? Problems.Validation(invalid) : TypedResults.Ok(Shape(saved!));
    }

    private static async Task<IResult> Summary(HttpContext http, LoyaltyService loyalty)
    {
        var rows = await loyalty.TierSummaryAsync(http.User.TenantId());
        return TypedResults.Ok(new { items = rows.Select(r => new { code = r.Tier.Code, name = r.Tier.Name, threshold = r.Tier.Threshold, members = r.Members }) });
    }
}
