using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Coupons;
using Siyu.Core.Events;
using Siyu.Server.Compliance;
using Siyu.Server.Data;
using Siyu.Server.Ingest;

namespace Siyu.Server.Coupons;

public sealed record CouponTemplateView(
    long Id, string Name, string Kind, decimal? FaceValue, int? PercentOff, decimal? MaxDiscount, string? GiftName, decimal MinSpend,
    DateTimeOffset? ValidFrom, DateTimeOffset? ValidUntil, int? ValidDays, int TotalStock, int Remaining, int Issued, int Redeemed, double RedemptionRate,
    int PerCustomerLimit, int? PerDayIssueCap, IReadOnlyList<string> Categories, IReadOnlyList<string> Stores, string Status, DateTimeOffset CreatedAt, string CreatedBy);

public sealed record CouponView(
    string Code, long TemplateId, string TemplateName, string Kind, long CustomerId, string Status, DateTimeOffset IssuedAt, DateTimeOffset ValidFrom, DateTimeOffset ValidUntil,
    DateTimeOffset? RedeemedAt, string? OrderId, string? StoreId, decimal? OrderAmount, decimal? Discount);

/// <summary>One customer's outcome of an issue request: <c>issued</c> (with the code) or why not.</summary>
public sealed record IssueResult(long CustomerId, string Outcome, string? Code);

public static class IssueOutcomes
{
    public const string Issued = "issued";
    public const string OutOfStock = "out_of_stock";
    public const string DailyCapReached = "daily_cap_reached";
    public const string CustomerLimitReached = "customer_limit_reached";
    public const string Paused = "paused";
    public const string UnknownCustomer = "unknown_customer";
    /// <summary>The issue key was used before: the coupon issued then is returned, nothing new is issued.</summary>
    public const string AlreadyIssued = "already_issued";
}

/// <summary>The answer to a verify or redeem: the coupon, the discount for the amount, or the refusal.</summary>
public sealed record RedemptionResult(CouponView? Coupon, long DiscountFen, RedemptionRefusal? Refusal, bool Replayed = false);

/// <summary>
/// Coupons (优惠券): templates, issuing, redemption and expiry. Issuing decrements the template's stock with one
/// conditional UPDATE (… WHERE Remaining &gt; 0, which also enforces the day cap) and checks the per-customer limit in the
/// same transaction after that UPDATE has locked the template row, so parallel issues never exceed stock or the limit.
/// Redemption flips the status with a conditional UPDATE (… WHERE Status = 'issued'), so exactly one order wins; the same
/// (code, order id) again answers the first result. Every change is a customer event through the ingest writer.
/// </summary>
public sealed partial class CouponService(IDbContextFactory<SiyuDb> dbs, IngestWriter writer, TimeProvider time, ILogger<CouponService> logger)
{
    public const int MaxIssueBatch = 1000;
    /// <summary>Per-day caps count China Standard Time days (the product's market; no daylight saving).</summary>
    public static readonly TimeSpan DayZone = TimeSpan.FromHours(8);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private long _codeLookups;

    /// <summary>How many times a code was looked up in the database (malformed codes never are).</summary>
    public long CodeLookups => Interlocked.Read(ref _codeLookups);

    public static CouponTemplateSpec Spec(CouponTemplateRow t) => new(
        t.Name, t.Kind, t.FaceValueFen, t.PercentOff, t.MaxDiscountFen, t.GiftName, t.MinSpendFen, Time(t.ValidFromTicks), Time(t.ValidUntilTicks), t.ValidDays,
        t.TotalStock, t.PerCustomerLimit, t.PerDayIssueCap, List(t.Categories), List(t.Stores));

    public static CouponTemplateView View(CouponTemplateRow t)
    {
        var issued = t.TotalStock - t.Remaining;
        return new(t.Id, t.Name, t.Kind, t.Kind == CouponKinds.AmountOff ? Yuan(t.FaceValueFen) : null, t.Kind == CouponKinds.PercentOff ? t.PercentOff : null,
            t.MaxDiscountFen is { } m ? Yuan(m) : null, t.GiftName, Yuan(t.MinSpendFen), Time(t.ValidFromTicks), Time(t.ValidUntilTicks), t.ValidDays, t.TotalStock, t.Remaining,
            issued, t.Redeemed, issued == 0 ? 0 : Math.Round((double)t.Redeemed / issued, 4), t.PerCustomerLimit, t.PerDayIssueCap, List(t.Categories), List(t.Stores), t.Status,
            new DateTimeOffset(t.CreatedAtTicks, TimeSpan.Zero), t.CreatedBy);
    }

    private static CouponView View(CouponRow c, CouponTemplateRow t) => new(
        c.Code, c.TemplateId, t.Name, t.Kind, c.CustomerId, c.Status, new DateTimeOffset(c.IssuedAtTicks, TimeSpan.Zero), new DateTimeOffset(c.ValidFromTicks, TimeSpan.Zero),
        new DateTimeOffset(c.ValidUntilTicks, TimeSpan.Zero), Time(c.RedeemedAtTicks), c.OrderId, c.StoreId, c.OrderAmountFen is { } a ? Yuan(a) : null,
        c.DiscountFen is { } d ? Yuan(d) : null);

    public static decimal Yuan(long fen) => fen / 100m;

    private static DateTimeOffset? Time(long? ticks) => ticks is { } t ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    private static List<string> List(string json) => JsonSerializer.Deserialize<List<string>>(json, Json) ?? [];

    public static int DayKeyOf(DateTimeOffset at)
    {
        var local = at.ToOffset(DayZone);
        return local.Year * 10000 + local.Month * 100 + local.Day;
    }

    // ---- templates ----

    public async Task<CouponTemplateView> CreateAsync(int tenantId, string actor, CouponTemplateSpec spec)
    {
        var now = time.GetUtcNow().UtcTicks;
        await using var db = await dbs.CreateDbContextAsync();
        var row = new CouponTemplateRow
        {
            TenantId = tenantId, Name = spec.Name.Trim(), Kind = spec.Kind, FaceValueFen = spec.Kind == CouponKinds.AmountOff ? spec.FaceValueFen : 0,
            PercentOff = spec.Kind == CouponKinds.PercentOff ? spec.PercentOff : 0, MaxDiscountFen = spec.MaxDiscountFen, GiftName = spec.Kind == CouponKinds.Gift ? spec.GiftName?.Trim() : null,
            MinSpendFen = spec.MinSpendFen, ValidFromTicks = spec.ValidFrom?.UtcTicks, ValidUntilTicks = spec.ValidUntil?.UtcTicks, ValidDays = spec.ValidDays,
            TotalStock = spec.TotalStock, Remaining = spec.TotalStock, PerCustomerLimit = spec.PerCustomerLimit, PerDayIssueCap = spec.PerDayIssueCap,
            Categories = JsonSerializer.Serialize(spec.Categories.Select(c => c.Trim()).Distinct(), Json), Stores = JsonSerializer.Serialize(spec.Stores.Select(s => s.Trim()).Distinct(), Json),
            CreatedAtTicks = now, CreatedBy = actor,
        };
        db.CouponTemplates.Add(row);
        await db.SaveChangesAsync();
        AuditLog.Record(db, tenantId, now, actor, "coupon_template.create", target: $"coupon-template:{row.Id}", detail: $"{row.Kind} \"{row.Name}\", stock {row.TotalStock}");
        await db.SaveChangesAsync();
        return View(row);
    }

    public async Task<IReadOnlyList<CouponTemplateView>> ListAsync(int tenantId)
    {
        await using var db = await dbs.CreateDbContextAsync();
        return [.. (await db.CouponTemplates.AsNoTracking().Where(t => t.TenantId == tenantId).OrderByDescending(t => t.Id).Take(500).ToListAsync()).Select(View)];
    }

    public async Task<CouponTemplateView?> GetAsync(int tenantId, long id)
    {
        await using var db = await dbs.CreateDbContextAsync();
        return await db.CouponTemplates.AsNoTracking().FirstOrDefaultAsync(t => t.TenantId == tenantId && t.Id == id) is { } row ? View(row) : null;
    }

    /// <summary>Pause or resume issuing (issued coupons stay redeemable).</summary>
    public async Task<CouponTemplateView?> SetStatusAsync(int tenantId, long id, string status, string actor)
    {
        var now = time.GetUtcNow().UtcTicks;
        await using var db = await dbs.CreateDbContextAsync();
        if (await db.CouponTemplates.FirstOrDefaultAsync(t => t.TenantId == tenantId && t.Id == id) is not { } row)
        {
            return null;
        }
        if (row.Status != status)
        {
            row.Status = status;
            AuditLog.Record(db, tenantId, now, actor, "coupon_template." + (status == "paused" ? "pause" : "resume"), target: $"coupon-template:{row.Id}", detail: row.Name);
            await db.SaveChangesAsync();
        }
        return View(row);
    }

    // ---- issuing ----

    /// <summary>
    /// Issues one coupon of the template to each customer (ids may be merged ones; the coupon goes to the surviving
    /// profile), in order, each in its own transaction. For campaign types to call (rewards) as well as the API.
    /// </summary>
    public Task<IReadOnlyList<IssueResult>?> IssueAsync(int tenantId, long templateId, IReadOnlyList<long> customerIds, string actor) =>
        IssueAsync(tenantId, templateId, [.. customerIds.Select(c => (c, (string?)null))], actor);

    /// <summary>
    /// Issues one coupon under an idempotency key (at most 200 characters): a repeat with the same key — a retry, a journey
    /// replayed after a crash — answers <see cref="IssueOutcomes.AlreadyIssued"/> with the coupon issued the first time.
    /// </summary>
    public async Task<IssueResult?> IssueOnceAsync(int tenantId, long templateId, long customerId, string actor, string issueKey) =>
        (await IssueAsync(tenantId, templateId, [(customerId, issueKey)], actor))?[0];

    private async Task<IReadOnlyList<IssueResult>?> IssueAsync(int tenantId, long templateId, IReadOnlyList<(long Customer, string? Key)> requests, string actor)
    {
        await using (var db = await dbs.CreateDbContextAsync())
        {
            if (!await db.CouponTemplates.AnyAsync(t => t.TenantId == tenantId && t.Id == templateId))
            {
                return null;
            }
        }
        var results = new List<IssueResult>(requests.Count);
        var events = new List<IncomingEvent>();
        foreach (var (requested, key) in requests)
        {
            if (await writer.CanonicalAsync(tenantId, requested) is not { } customerId)
            {
                results.Add(new IssueResult(requested, IssueOutcomes.UnknownCustomer, null));
                continue;
            }
            var (outcome, coupon, template) = await IssueOneAsync(tenantId, templateId, customerId, actor, key);
            results.Add(new IssueResult(requested, outcome, coupon?.Code));
            if (coupon is not null)
            {
                // Also for a repeat: the event is keyed by the code, so a crash between the issue and this append heals on the retry.
                events.Add(new IncomingEvent($"coupon:{coupon.Code}:issued", EventTypes.CouponIssued, new DateTimeOffset(coupon.IssuedAtTicks, TimeSpan.Zero), [], coupon.CustomerId,
                    new JsonObject
                    {
                        ["code"] = coupon.Code, ["template_id"] = templateId, ["template_name"] = template!.Name, ["kind"] = template.Kind,
                        ["valid_until"] = new DateTimeOffset(coupon.ValidUntilTicks, TimeSpan.Zero).ToString("O"),
                    }, null, "siyu"));
            }
        }
        await AppendAsync(tenantId, events);
        return results;
    }

    private async Task<(string Outcome, CouponRow? Coupon, CouponTemplateRow? Template)> IssueOneAsync(int tenantId, long templateId, long customerId, string actor, string? key)
    {
        for (var attempt = 0; ; attempt++)
        {
            var now = time.GetUtcNow();
            var day = DayKeyOf(now);
            await using var db = await dbs.CreateDbContextAsync();
            if (key is not null && await db.Coupons.AsNoTracking().FirstOrDefaultAsync(c => c.TenantId == tenantId && c.IssueKey == key) is { } earlier)
            {
                return (IssueOutcomes.AlreadyIssued, earlier, await db.CouponTemplates.AsNoTracking().SingleAsync(t => t.TenantId == tenantId && t.Id == earlier.TemplateId));
            }
            await using var tx = await db.Database.BeginTransactionAsync();
            // Takes the template row's write lock first (SQLite: the database write lock), so the limit check below sees every earlier issue.
            var taken = await db.CouponTemplates
                .Where(t => t.TenantId == tenantId && t.Id == templateId && t.Status == "active" && t.Remaining > 0
                    && (t.PerDayIssueCap == null || t.DayKey != day || t.DayIssued < t.PerDayIssueCap))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(t => t.Remaining, t => t.Remaining - 1)
                    .SetProperty(t => t.DayIssued, t => t.DayKey == day ? t.DayIssued + 1 : 1)
                    .SetProperty(t => t.DayKey, day));
            var template = await db.CouponTemplates.AsNoTracking().SingleAsync(t => t.TenantId == tenantId && t.Id == templateId);
            if (taken == 0)
            {
                return (template.Status != "active" ? IssueOutcomes.Paused : template.Remaining <= 0 ? IssueOutcomes.OutOfStock : IssueOutcomes.DailyCapReached, null, null);
            }
            var held = await db.Coupons.CountAsync(c => c.TenantId == tenantId && c.TemplateId == templateId && c.CustomerId == customerId);
            if (held >= template.PerCustomerLimit)
            {
                await tx.RollbackAsync();
                return (IssueOutcomes.CustomerLimitReached, null, null);
            }
            var (from, until) = Spec(template).WindowFor(now);
            var coupon = new CouponRow
            {
                TenantId = tenantId, TemplateId = templateId, Code = CouponCodes.Generate(), CustomerId = customerId, IssuedAtTicks = now.UtcTicks, IssuedBy = actor, IssueKey = key,
                ValidFromTicks = from.UtcTicks, ValidUntilTicks = until.UtcTicks,
            };
            db.Coupons.Add(coupon);
            try
            {
                await db.SaveChangesAsync();
                await tx.CommitAsync();
                return (IssueOutcomes.Issued, coupon, template);
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                // A code collision (2^-50 per pair), or a concurrent call with the same issue key: roll back the stock and try
                // again; the key check above then finds the other call's coupon.
                await tx.RollbackAsync();
            }
        }
    }

    // ---- redemption ----

    private sealed record Loaded(CouponRow Coupon, CouponTemplateRow Template);

    private async Task<Loaded?> LoadAsync(SiyuDb db, int tenantId, string code)
    {
        Interlocked.Increment(ref _codeLookups);
        var coupon = await db.Coupons.AsNoTracking().FirstOrDefaultAsync(c => c.TenantId == tenantId && c.Code == code);
        if (coupon is null)
        {
            return null;
        }
        var template = await db.CouponTemplates.AsNoTracking().SingleAsync(t => t.TenantId == tenantId && t.Id == coupon.TemplateId);
        return new Loaded(coupon, template);
    }

    /// <summary>Whether the (well-formed) code could be used for the attempt, and the discount; null when no such coupon.</summary>
    public async Task<RedemptionResult?> VerifyAsync(int tenantId, string code, RedemptionAttempt attempt)
    {
        await using var db = await dbs.CreateDbContextAsync();
        if (await LoadAsync(db, tenantId, code) is not { } loaded)
        {
            return null;
        }
        var spec = Spec(loaded.Template);
        var refusal = CouponRules.Check(spec, State(loaded.Coupon), attempt);
        return new RedemptionResult(View(loaded.Coupon, loaded.Template), refusal is null ? spec.DiscountFen(attempt.AmountFen) : 0, refusal);
    }

    private static CouponState State(CouponRow c) =>
        new(c.Status, c.CustomerId, new DateTimeOffset(c.ValidFromTicks, TimeSpan.Zero), new DateTimeOffset(c.ValidUntilTicks, TimeSpan.Zero));

    /// <summary>Redeems a well-formed code for an order; null when no such coupon. The same order again replays the first answer.</summary>
    public async Task<RedemptionResult?> RedeemAsync(int tenantId, string code, string orderId, RedemptionAttempt attempt, string actor)
    {
        await using var db = await dbs.CreateDbContextAsync();
        if (await LoadAsync(db, tenantId, code) is not { } loaded)
        {
            return null;
        }
        if (Replay(loaded, orderId) is { } replay)
        {
            return replay;
        }
        var spec = Spec(loaded.Template);
        if (CouponRules.Check(spec, State(loaded.Coupon), attempt) is { } refusal)
        {
            return new RedemptionResult(View(loaded.Coupon, loaded.Template), 0, refusal);
        }
        var discount = spec.DiscountFen(attempt.AmountFen);
        var now = attempt.At.UtcTicks;
        int won;
        await using (var tx = await db.Database.BeginTransactionAsync())
        {
            won = await db.Coupons
                .Where(c => c.TenantId == tenantId && c.Code == code && c.Status == CouponStatus.Issued && c.ValidUntilTicks > now)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(c => c.Status, CouponStatus.Redeemed).SetProperty(c => c.RedeemedAtTicks, now).SetProperty(c => c.OrderId, orderId)
                    .SetProperty(c => c.StoreId, attempt.StoreId).SetProperty(c => c.OrderAmountFen, attempt.AmountFen).SetProperty(c => c.DiscountFen, discount)
                    .SetProperty(c => c.RedeemedBy, actor));
            if (won == 1)
            {
                await db.CouponTemplates.Where(t => t.TenantId == tenantId && t.Id == loaded.Template.Id)
                    .ExecuteUpdateAsync(s => s.SetProperty(t => t.Redeemed, t => t.Redeemed + 1));
            }
            await tx.CommitAsync();
        }
        var after = await LoadAsync(db, tenantId, code);
        if (won == 0)
        {
            // Lost a race: the same order (a retry in parallel) replays; anything else is refused by the rules on the new state.
            return Replay(after!, orderId)
                ?? new RedemptionResult(View(after!.Coupon, after.Template), 0,
                    CouponRules.Check(spec, State(after.Coupon), attempt) ?? new RedemptionRefusal("expired", "code", "The coupon has expired."));
        }
        await AppendAsync(tenantId,
        [
            new IncomingEvent($"coupon:{code}:redeemed", EventTypes.CouponRedeemed, attempt.At, [], loaded.Coupon.CustomerId, new JsonObject
            {
                ["code"] = code, ["template_id"] = loaded.Template.Id, ["template_name"] = loaded.Template.Name, ["order_id"] = orderId,
                ["amount"] = Yuan(attempt.AmountFen), ["discount"] = Yuan(discount), ["store_id"] = attempt.StoreId,
            }, null, "siyu"),
        ]);
        return new RedemptionResult(View(after!.Coupon, after.Template), discount, null);
    }

    private static RedemptionResult? Replay(Loaded loaded, string orderId) =>
        loaded.Coupon.Status == CouponStatus.Redeemed && loaded.Coupon.OrderId == orderId
            ? new RedemptionResult(View(loaded.Coupon, loaded.Template), loaded.Coupon.DiscountFen ?? 0, null, Replayed: true)
            : null;

    public async Task<IReadOnlyList<CouponView>> ForCustomerAsync(int tenantId, long customerId)
    {
        var canonical = await writer.CanonicalAsync(tenantId, customerId) ?? customerId;
        await using var db = await dbs.CreateDbContextAsync();
        var rows = await (from c in db.Coupons.AsNoTracking()
                          join t in db.CouponTemplates.AsNoTracking() on c.TemplateId equals t.Id
                          where c.TenantId == tenantId && (c.CustomerId == canonical || c.CustomerId == customerId)
                          orderby c.Id descending
                          select new { c, t }).Take(500).ToListAsync();
        return [.. rows.Select(r => View(r.c, r.t))];
    }

    // ---- expiry ----

    /// <summary>Marks issued coupons past their validity as expired and appends <c>coupon.expired</c> for each; answers how many.</summary>
    public async Task<int> ExpireDueAsync(CancellationToken ct = default)
    {
        var total = 0;
        while (!ct.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            await using var db = await dbs.CreateDbContextAsync(ct);
            var due = await db.Coupons.AsNoTracking().Where(c => c.Status == CouponStatus.Issued && c.ValidUntilTicks <= now.UtcTicks)
                .OrderBy(c => c.Id).Take(500).ToListAsync(ct);
            if (due.Count == 0)
            {
                break;
            }
            var expired = new List<CouponRow>();
            foreach (var c in due)
            {
                // Conditional per row: a redemption racing the job keeps its coupon.
                if (await db.Coupons.Where(x => x.Id == c.Id && x.Status == CouponStatus.Issued)
                        .ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, CouponStatus.Expired).SetProperty(x => x.ExpiredAtTicks, now.UtcTicks), ct) == 1)
                {
                    expired.Add(c);
                }
            }
            foreach (var tenant in expired.GroupBy(c => c.TenantId))
            {
                await AppendAsync(tenant.Key, [.. tenant.Select(c => new IncomingEvent($"coupon:{c.Code}:expired", EventTypes.CouponExpired,
                    new DateTimeOffset(c.ValidUntilTicks, TimeSpan.Zero), [], c.CustomerId, new JsonObject { ["code"] = c.Code, ["template_id"] = c.TemplateId }, null, "siyu"))]);
            }
            total += expired.Count;
        }
        return total;
    }

    private async Task AppendAsync(int tenantId, IReadOnlyList<IncomingEvent> events)
    {
        if (events.Count == 0)
        {
            return;
        }
        try
        {
            await writer.AppendAsync(tenantId, events);
        }
        catch (IngestOverloadedException e)
        {
            // The coupon rows are the truth; the events are idempotent by code, so a later append (or replay) can add them.
            LogAppendFailed(logger, e, tenantId, events.Count);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Coupon events of tenant {Tenant} not appended ({Count}); the ingest writer is saturated")]
    private static partial void LogAppendFailed(ILogger logger, Exception e, int tenant, int count);
}

/// <summary>Runs the expiry hourly.</summary>
public sealed partial class CouponExpiry(CouponService coupons, TimeProvider time, ILogger<CouponExpiry> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                if (await coupons.ExpireDueAsync(stoppingToken) is > 0 and var n)
                {
                    LogExpired(logger, n);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Coupon expiry marked {Count} coupons expired")]
    private static partial void LogExpired(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Coupon expiry run failed")]
    private static partial void LogFailed(ILogger logger, Exception e);
}
