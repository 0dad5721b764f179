using Siyu.Core.Access;
using Siyu.Core.Coupons;
using Siyu.Core.Events;
using Siyu.Server.Auth;

namespace Siyu.Server.Coupons;

/// <summary>Coupon templates, issuing, and the redemption API for stores and mini-programs (API key scope <c>coupons:redeem</c>).</summary>
public static class CouponApi
{
    public static IEndpointRouteBuilder MapCouponApi(this IEndpointRouteBuilder api)
    {
        var t = api.MapGroup("/coupon-templates").WithTags("Coupons");
        t.MapGet("", List).WithName("ListCouponTemplates").Requires(Permission.CouponsRead)
            .WithSummary("Templates, newest first, with stock, issued, redeemed and redemption rate");
        t.MapPost("", Create).WithName("CreateCouponTemplate").Requires(Permission.CouponsWrite)
            .WithSummary("{name, kind (amount_off, percent_off, gift), face_value | percent_off (+max_discount) | gift_name, min_spend, valid_from+valid_until | valid_days, total_stock, per_customer_limit, per_day_issue_cap?, categories[], stores[]}; money in yuan");
        t.MapGet("/{id:long}", Get).WithName("GetCouponTemplate").Requires(Permission.CouponsRead).WithSummary("One template with its counts");
        t.MapPatch("/{id:long}", Patch).WithName("PatchCouponTemplate").Requires(Permission.CouponsWrite)
            .WithSummary("{status: active | paused}: paused templates issue nothing; issued coupons stay redeemable");
        t.MapPost("/{id:long}/issue", Issue).WithName("IssueCoupons").Requires(Permission.CouponsWrite)
            .WithSummary("{customer_ids[] (at most 1000)}: one coupon each; per-customer outcome (issued with code, out_of_stock, daily_cap_reached, customer_limit_reached, paused, unknown_customer)");
        var c = api.MapGroup("/coupons").WithTags("Coupons");
        c.MapGet("/{code}", Verify).WithName("VerifyCoupon").Requires(Permission.CouponsRedeem)
            .WithSummary("Whether the code can be used now (?amount= in yuan, ?store_id=, ?customer_id=, ?categories=a,b) and the discount; failed lookups are rate-limited per caller");
        c.MapPost("/{code}/redeem", Redeem).WithName("RedeemCoupon").Requires(Permission.CouponsRedeem)
            .WithSummary("{order_id, amount (yuan), store_id?, customer_id?, categories[]?}: redeems once; the same order_id again answers the same result; 409 when used or not applicable");
        api.MapGet("/customers/{id:long}/coupons", ForCustomer).WithName("CustomerCoupons").WithTags("Coupons").Requires(Permission.CouponsRead)
            .WithSummary("The customer's coupons, newest first");
        return api;
    }

    public sealed record TemplateRequest(
        string? Name, string? Kind, decimal? FaceValue, int? PercentOff, decimal? MaxDiscount, string? GiftName, decimal? MinSpend,
        DateTimeOffset? ValidFrom, DateTimeOffset? ValidUntil, int? ValidDays, int? TotalStock, int? PerCustomerLimit, int? PerDayIssueCap,
        List<string?>? Categories, List<string?>? Stores);

    public sealed record PatchRequest(string? Status);
    public sealed record IssueRequest(List<long>? CustomerIds);
    public sealed record RedeemRequest(string? OrderId, decimal? Amount, string? StoreId, long? CustomerId, List<string?>? Categories);

    /// <summary>Yuan with at most two decimals to fen; null with an error otherwise.</summary>
    private static long? Fen(decimal? yuan, string field, List<FieldError> errors, bool required = false)
    {
        if (yuan is null)
        {
            if (required)
            {
                errors.Add(new(field, "Required: an amount in yuan (e.g. 128.50)."));
            }
            return null;
        }
        if (yuan < 0 || yuan > 100_000_000m || decimal.Round(yuan.Value, 2) != yuan.Value)
        {
            errors.Add(new(field, "An amount in yuan, 0 to 100,000,000, at most two decimals."));
            return null;
        }
        return (long)(yuan.Value * 100m);
    }

    private static List<string> Strings(List<string?>? list, string field, List<FieldError> errors)
    {
        var result = new List<string>();
        for (var i = 0; i < (list?.Count ?? 0); i++)
        {
            if (list![i] is { } s)
            {
                result.Add(s.Trim());
            }
            else
            {
                errors.Add(new($"{field}[{i}]", "Expected a string."));
            }
        }
        return result;
    }

    private static async Task<IResult> List(HttpContext http, CouponService service) =>
        TypedResults.Ok(new { items = await service.ListAsync(http.User.TenantId()) });

    private static async Task<IResult> Get(HttpContext http, CouponService service, long id) =>
        await service.GetAsync(http.User.TenantId(), id) is { } view ? TypedResults.Ok(view) : Problems.NotFound("coupon template");

    private static async Task<IResult> Create(HttpContext http, CouponService service, TemplateRequest body)
    {
        var errors = new List<FieldError>();
        var face = Fen(body.FaceValue, "face_value", errors);
        var max = Fen(body.MaxDiscount, "max_discount", errors);
        var min = Fen(body.MinSpend, "min_spend", errors);
        var spec = new CouponTemplateSpec(body.Name ?? "", body.Kind ?? "", face ?? 0, body.PercentOff ?? 0, max, body.GiftName, min ?? 0,
            body.ValidFrom, body.ValidUntil, body.ValidDays, body.TotalStock ?? 0, body.PerCustomerLimit ?? 1, body.PerDayIssueCap,
            Strings(body.Categories, "categories", errors), Strings(body.Stores, "stores", errors));
        if (errors.Count == 0)
        {
            errors.AddRange(spec.Validate());
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        var view = await service.CreateAsync(http.User.TenantId(), http.User.Actor(), spec);
        return TypedResults.Created($"/api/v1/coupon-templates/{view.Id}", view);
    }

    private static async Task<IResult> Patch(HttpContext http, CouponService service, long id, PatchRequest body)
    {
        if (body.Status is not ("active" or "paused"))
        {
            return Problems.Validation("status", "One of active, paused.");
        }
        return await service.SetStatusAsync(http.User.TenantId(), id, body.Status, http.User.Actor()) is { } view ? TypedResults.Ok(view) : Problems.NotFound("coupon template");
    }

    private static async Task<IResult> Issue(HttpContext http, CouponService service, long id, IssueRequest body)
    {
        if (body.CustomerIds is not { Count: > 0 and <= CouponService.MaxIssueBatch } ids)
        {
            return Problems.Validation("customer_ids", $"Required: 1 to {CouponService.MaxIssueBatch} customer ids.");
        }
        var results = await service.IssueAsync(http.User.TenantId(), id, ids, http.User.Actor());
        return results is null
            ? Problems.NotFound("coupon template")
            : TypedResults.Ok(new { results, issued = results.Count(r => r.Outcome == IssueOutcomes.Issued) });
    }

    private static async Task<IResult> ForCustomer(HttpContext http, CouponService service, long id) =>
        TypedResults.Ok(new { items = await service.ForCustomerAsync(http.User.TenantId(), id) });

    private static string Caller(HttpContext http) => $"{http.User.TenantId()}:{http.User.Actor()}";

    /// <summary>Rate limit, normalization and the check character, all before the database: null when the code may be looked up.</summary>
    private static IResult? Screen(HttpContext http, CouponAbuseGuard guard, string raw, out string code)
    {
        code = CouponCodes.Normalize(raw);
        if (guard.Blocked(Caller(http)) is { } wait)
        {
            var seconds = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds));
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many failed coupon lookups",
                detail: $"Too many unknown or mistyped codes from this caller; try again in {seconds} seconds.",
                extensions: new Dictionary<string, object?> { ["field"] = "code", ["retry_after_seconds"] = seconds });
        }
        if (!CouponCodes.IsWellFormed(code))
        {
            guard.Failed(Caller(http));
            return Problems.Validation("code", $"Not a coupon code: {CouponCodes.Length} characters from {CouponCodes.Alphabet} with a valid check character (a typo?).");
        }
        return null;
    }

    private static IResult Refused(RedemptionResult result) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Coupon cannot be used", detail: result.Refusal!.Message,
            extensions: new Dictionary<string, object?> { ["field"] = result.Refusal.Field, ["reason"] = result.Refusal.Reason, ["coupon_status"] = result.Coupon?.Status });

    private static async Task<IResult> Verify(HttpContext http, CouponService service, CouponAbuseGuard guard, TimeProvider time, string code,
        decimal? amount, string? store_id, long? customer_id, string? categories)
    {
        if (Screen(http, guard, code, out var normalized) is { } screened)
        {
            return screened;
        }
        var errors = new List<FieldError>();
        var fen = Fen(amount, "amount", errors);
        if (store_id is { Length: > 64 })
        {
            errors.Add(new("store_id", "At most 64 characters."));
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        var cats = (categories ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var result = await service.VerifyAsync(http.User.TenantId(), normalized, new RedemptionAttempt(fen ?? 0, time.GetUtcNow(), customer_id, store_id, cats));
        if (result is null)
        {
            guard.Failed(Caller(http));
            return Problems.NotFound("coupon");
        }
        return TypedResults.Ok(new
        {
            valid = result.Refusal is null, reason = result.Refusal?.Reason, message = result.Refusal?.Message, coupon = result.Coupon,
            discount = CouponService.Yuan(result.DiscountFen), payable = fen is { } f ? CouponService.Yuan(f - result.DiscountFen) : (decimal?)null,
        });
    }

    private static async Task<IResult> Redeem(HttpContext http, CouponService service, CouponAbuseGuard guard, TimeProvider time, string code, RedeemRequest body)
    {
        if (Screen(http, guard, code, out var normalized) is { } screened)
        {
            return screened;
        }
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(body.OrderId) || body.OrderId.Length > 128)
        {
            errors.Add(new("order_id", "Required: 1 to 128 characters (the same order id again answers the first result)."));
        }
        var fen = Fen(body.Amount, "amount", errors, required: true);
        if (body.StoreId is { Length: 0 or > 64 })
        {
            errors.Add(new("store_id", "1 to 64 characters when given."));
        }
        var cats = Strings(body.Categories, "categories", errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        var attempt = new RedemptionAttempt(fen!.Value, time.GetUtcNow(), body.CustomerId, body.StoreId, cats);
        var result = await service.RedeemAsync(http.User.TenantId(), normalized, body.OrderId!.Trim(), attempt, http.User.Actor());
        if (result is null)
        {
            guard.Failed(Caller(http));
            return Problems.NotFound("coupon");
        }
        return result.Refusal is not null
            ? Refused(result)
            : TypedResults.Ok(new
            {
                redeemed = true, replayed = result.Replayed, coupon = result.Coupon, discount = CouponService.Yuan(result.DiscountFen),
                payable = result.Coupon?.OrderAmount is { } a ? a - CouponService.Yuan(result.DiscountFen) : (decimal?)null,
            });
    }
}
