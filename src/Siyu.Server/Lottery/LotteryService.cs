using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Events;
using Siyu.Core.Lottery;
using Siyu.Server.Compliance;
using Siyu.Server.Coupons;
using Siyu.Server.Data;
using Siyu.Server.Ingest;
using Siyu.Server.Loyalty;

namespace Siyu.Server.Lottery;

public sealed record PrizeView(long Id, int Position, string Name, string Kind, double Chance, int Stock, int Remaining, int Won, long? CouponTemplateId, long Points);

public sealed record LotteryView(
    long Id, string Name, string Status, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, long? AudienceId, int DrawsPerDay, int DrawsTotal, long PointsCost,
    string Commitment, int Draws, int Customers, double WinRate, IReadOnlyList<PrizeView> Prizes, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? EndedAt);

public sealed record DrawView(
    long Id, long CustomerId, int DrawNumber, int Ticket, string Outcome, long? PrizeId, string? PrizeName, string? PrizeKind, string RewardStatus, string? RewardRef,
    long PointsPaid, string IdempotencyKey, DateTimeOffset At);

/// <summary>A draw request's answer: the draw, or why there was none (<see cref="Refusal"/> with the field at fault).</summary>
public sealed record DrawResult(DrawView? Draw, string? Refusal, string? Message, bool Replayed = false);

/// <summary>The audit of a lottery: its commitment, and once it has ended the seed and a recomputation of every draw.</summary>
public sealed record LotteryAudit(
    string Commitment, string? Seed, bool SeedMatchesCommitment, int Draws, int Verified, IReadOnlyList<long> Mismatched, string Formula);

public static class DrawRefusals
{
    public const string UnknownCustomer = "unknown_customer";
    public const string NoLottery = "no_lottery";
    public const string NotActive = "not_active";
    public const string NotStarted = "not_started";
    public const string Ended = "ended";
    public const string NotEligible = "not_eligible";
    public const string InsufficientPoints = "insufficient_points";
    public const string DailyLimit = "daily_limit";
    public const string TotalLimit = "total_limit";
    public const string KeyConflict = "key_conflict";
}

/// <summary>
/// Lotteries (抽奖): prize pools with stock and published chances, eligibility by audience, per-customer limits, an
/// optional points cost, and commit–reveal tickets (<see cref="LotteryDraws"/>). A draw is one transaction that first
/// increments the lottery's draw counter (the write lock that serialises draws of one lottery), counts the customer's
/// draws against the limits, computes the ticket and takes one unit of the prize's stock with a conditional UPDATE, so
/// parallel draws never exceed stock or limits. Prizes go out after the commit: coupons through the coupon service,
/// points through the ledger, both keyed by the draw, so a retried request delivers at most once.
/// </summary>
public sealed class LotteryService(
    IDbContextFactory<SiyuDb> dbs, IngestWriter writer, CouponService coupons, LoyaltyService loyalty, Audiences.AudienceService audiences,
    TimeProvider time, ILogger<LotteryService> logger)
{
    public const string Formula = "ticket = uint64_be(HMAC-SHA256(seed, \"{lottery_id}:{customer_id}:{draw_number}\")[0..8]) mod 1000000; prizes take consecutive ranges of their chance (ppm) in listed order; past the last range: no prize";

    // ---- lotteries ----

    public async Task<IReadOnlyList<FieldError>> ValidateReferencesAsync(int tenantId, LotterySpec spec)
    {
        var errors = new List<FieldError>();
        await using var db = await dbs.CreateDbContextAsync();
        if (spec.AudienceId is { } a && !await db.Audiences.AnyAsync(x => x.TenantId == tenantId && x.Id == a))
        {
            errors.Add(new("audience_id", "No audience with this id."));
        }
        for (var i = 0; i < spec.Prizes.Count; i++)
        {
            if (spec.Prizes[i] is { Kind: PrizeKinds.Coupon, CouponTemplateId: { } t } && !await db.CouponTemplates.AnyAsync(x => x.TenantId == tenantId && x.Id == t))
            {
                errors.Add(new($"prizes[{i}].coupon_template_id", "No coupon template with this id."));
            }
        }
        return errors;
    }

    public async Task<LotteryView> CreateAsync(int tenantId, string actor, LotterySpec spec)
    {
        var now = time.GetUtcNow();
        var seed = LotteryDraws.NewSeed();
        await using var db = await dbs.CreateDbContextAsync();
        var row = new LotteryRow
        {
            TenantId = tenantId, Name = spec.Name.Trim(), StartsAtTicks = spec.StartsAt?.UtcTicks, EndsAtTicks = spec.EndsAt?.UtcTicks, AudienceId = spec.AudienceId,
            DrawsPerDay = spec.DrawsPerDay, DrawsTotal = spec.DrawsTotal, PointsCost = spec.PointsCost, Seed = seed, Commitment = LotteryDraws.Commitment(seed),
            CreatedAtTicks = now.UtcTicks, CreatedBy = actor,
        };
        db.Lotteries.Add(row);
        await db.SaveChangesAsync();
        for (var i = 0; i < spec.Prizes.Count; i++)
        {
            var p = spec.Prizes[i];
            db.LotteryPrizes.Add(new LotteryPrizeRow
            {
                TenantId = tenantId, LotteryId = row.Id, Position = i, Name = p.Name.Trim(), Kind = p.Kind, Chance = p.Chance, Stock = p.Stock, Remaining = p.Stock,
                CouponTemplateId = p.Kind == PrizeKinds.Coupon ? p.CouponTemplateId : null, Points = p.Kind == PrizeKinds.Points ? p.Points : 0,
            });
        }
        AuditLog.Record(db, tenantId, now.UtcTicks, actor, "lottery.create", target: $"lottery:{row.Id}", detail: $"{row.Name} commitment {row.Commitment}");
        await db.SaveChangesAsync();
        return (await GetAsync(tenantId, row.Id))!;
    }

    public async Task<IReadOnlyList<LotteryView>> ListAsync(int tenantId)
    {
        await using var db = await dbs.CreateDbContextAsync();
        return await ViewsAsync(db, db.Lotteries.AsNoTracking().Where(l => l.TenantId == tenantId).OrderByDescending(l => l.Id).Take(200));
    }

    public async Task<LotteryView?> GetAsync(int tenantId, long id)
    {
        await using var db = await dbs.CreateDbContextAsync();
        return await ViewAsync(db, tenantId, id);
    }

    private async Task<LotteryView?> ViewAsync(SiyuDb db, int tenantId, long id) =>
        (await ViewsAsync(db, db.Lotteries.AsNoTracking().Where(l => l.TenantId == tenantId && l.Id == id))).FirstOrDefault();

    /// <summary>The lotteries with their prizes and counts: one query each for prizes, wins and draw totals, whatever the number of lotteries.</summary>
    private async Task<IReadOnlyList<LotteryView>> ViewsAsync(SiyuDb db, IQueryable<LotteryRow> query)
    {
        var lotteries = await query.ToListAsync();
        var ids = lotteries.Select(l => l.Id).ToList();
        var prizes = (await db.LotteryPrizes.AsNoTracking().Where(p => ids.Contains(p.LotteryId)).ToListAsync()).ToLookup(p => p.LotteryId);
        var draws = db.LotteryDraws.AsNoTracking().Where(d => ids.Contains(d.LotteryId));
        var won = await draws.Where(d => d.PrizeId != null).GroupBy(d => d.PrizeId!.Value).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count);
        var totals = await draws.GroupBy(d => d.LotteryId)
            .Select(g => new { g.Key, Draws = g.Count(), Customers = g.Select(d => d.CustomerId).Distinct().Count() }).ToDictionaryAsync(g => g.Key);
        return [.. lotteries.Select(l =>
        {
            var total = totals.TryGetValue(l.Id, out var t) ? t.Draws : 0;
            var ofLottery = prizes[l.Id].OrderBy(p => p.Position).ToList();
            var wins = ofLottery.Sum(p => won.GetValueOrDefault(p.Id));
            return new LotteryView(
                l.Id, l.Name, EffectiveStatus(l), Time(l.StartsAtTicks), Time(l.EndsAtTicks), l.AudienceId, l.DrawsPerDay, l.DrawsTotal, l.PointsCost, l.Commitment, total,
                t?.Customers ?? 0, total == 0 ? 0 : Math.Round(wins / (double)total, 4),
                [.. ofLottery.Select(p => new PrizeView(p.Id, p.Position, p.Name, p.Kind, p.Chance / (double)LotterySpec.Million, p.Stock, p.Remaining, won.GetValueOrDefault(p.Id), p.CouponTemplateId, p.Points))],
                new DateTimeOffset(l.CreatedAtTicks, TimeSpan.Zero), l.CreatedBy, Time(l.EndedAtTicks));
        })];
    }

    /// <summary>Ended once ended by hand or once its end time has passed.</summary>
    private string EffectiveStatus(LotteryRow l) =>
        l.Status == "ended" || (l.EndsAtTicks is { } end && time.GetUtcNow().UtcTicks >= end) ? "ended" : l.Status;

    /// <summary>Pause, resume or end (final). Null when there is no such lottery; Conflict when it has ended.</summary>
    public async Task<(LotteryView? View, bool Conflict)> SetStatusAsync(int tenantId, long id, string status, string actor)
    {
        var now = time.GetUtcNow();
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.Lotteries.FirstOrDefaultAsync(l => l.TenantId == tenantId && l.Id == id);
        if (row is null)
        {
            return (null, false);
        }
        if (EffectiveStatus(row) == "ended")
        {
            return (status == "ended" ? await ViewAsync(db, tenantId, id) : null, status != "ended");
        }
        if (row.Status != status)
        {
            row.Status = status;
            row.EndedAtTicks = status == "ended" ? now.UtcTicks : null;
            AuditLog.Record(db, tenantId, now.UtcTicks, actor, "lottery." + status switch { "ended" => "end", "paused" => "pause", _ => "resume" }, target: $"lottery:{id}", detail: row.Name);
            await db.SaveChangesAsync();
        }
        return (await ViewAsync(db, tenantId, id), false);
    }

    // ---- drawing ----

    public async Task<DrawResult> DrawAsync(int tenantId, long lotteryId, long requestedCustomer, string key, string actor)
    {
        if (await writer.CanonicalAsync(tenantId, requestedCustomer) is not { } customerId)
        {
            return new DrawResult(null, DrawRefusals.UnknownCustomer, "No customer with this id.");
        }
        if (await ReplayAsync(tenantId, lotteryId, customerId, key) is { } replay)
        {
            return replay;
        }
        LotteryRow lottery;
        await using (var db = await dbs.CreateDbContextAsync())
        {
            if (await db.Lotteries.AsNoTracking().FirstOrDefaultAsync(l => l.TenantId == tenantId && l.Id == lotteryId) is not { } found)
            {
                return new DrawResult(null, DrawRefusals.NoLottery, "No lottery with this id.");
            }
            lottery = found;
            var now = time.GetUtcNow();
            if (Closed(lottery, now) is { } closed)
            {
                return closed;
            }
            if (lottery.AudienceId is { } audienceId)
            {
                var audience = await db.Audiences.AsNoTracking().FirstOrDefaultAsync(a => a.TenantId == tenantId && a.Id == audienceId);
                var explanation = audience is null ? null : await audiences.ExplainAsync(tenantId, audience.Condition, customerId);
                if (explanation is not { Result: true })
                {
                    return new DrawResult(null, DrawRefusals.NotEligible, "The customer is not in the lottery's audience.");
                }
            }
            // A cheap look before taking points; the transaction below decides.
            var (total, today) = await CountsAsync(db, tenantId, lotteryId, customerId, CouponService.DayKeyOf(now));
            if (LimitRefusal(lottery, total, today) is { } limited)
            {
                return limited;
            }
        }
        var paid = 0L;
        if (lottery.PointsCost > 0)
        {
            var debit = await loyalty.DebitAsync(tenantId, customerId, lottery.PointsCost, $"抽奖 {lottery.Name}", PointsKey(lotteryId, key), actor);
            if (debit.Outcome == PointsOutcome.Insufficient)
            {
                return new DrawResult(null, DrawRefusals.InsufficientPoints, $"A draw costs {lottery.PointsCost} points; the balance is {debit.Balance}.");
            }
            if (debit.Outcome == PointsOutcome.KeyConflict)
            {
                return new DrawResult(null, DrawRefusals.KeyConflict, "This idempotency key was used for another customer.");
            }
            paid = lottery.PointsCost;
        }
        var (draw, refusal) = await DrawInTransactionAsync(tenantId, lottery, customerId, key, actor, paid);
        if (draw is null)
        {
            if (paid > 0)
            {
                // Refused after paying (a parallel draw took the last allowance): the points go back, keyed so once.
                await loyalty.CreditAsync(tenantId, customerId, paid, $"抽奖退回 {lottery.Name}", PointsKey(lotteryId, key) + ":refund", actor);
            }
            return refusal ?? (await ReplayAsync(tenantId, lotteryId, customerId, key))!;
        }
        await DeliverAsync(tenantId, lottery, draw);
        await AppendAsync(tenantId, lottery, draw);
        return new DrawResult(await DrawViewAsync(tenantId, draw.Id), null, null);
    }

    private static string PointsKey(long lotteryId, string key) => $"lottery:{lotteryId}:{key}";

    private static DrawResult? Closed(LotteryRow lottery, DateTimeOffset now) =>
        lottery.Status == "ended" || (lottery.EndsAtTicks is { } end && now.UtcTicks >= end) ? new DrawResult(null, DrawRefusals.Ended, "The lottery has ended.")
        : lottery.Status != "active" ? new DrawResult(null, DrawRefusals.NotActive, "The lottery is paused.")
        : lottery.StartsAtTicks is { } start && now.UtcTicks < start ? new DrawResult(null, DrawRefusals.NotStarted, "The lottery has not started yet.")
        : null;

    private static DrawResult? LimitRefusal(LotteryRow lottery, int total, int today) =>
        total >= lottery.DrawsTotal ? new DrawResult(null, DrawRefusals.TotalLimit, $"At most {lottery.DrawsTotal} draws per customer.")
        : today >= lottery.DrawsPerDay ? new DrawResult(null, DrawRefusals.DailyLimit, $"At most {lottery.DrawsPerDay} draws per customer per day.")
        : null;

    private static async Task<(int Total, int Today)> CountsAsync(SiyuDb db, int tenantId, long lotteryId, long customerId, int day)
    {
        var mine = db.LotteryDraws.Where(d => d.TenantId == tenantId && d.LotteryId == lotteryId && d.CustomerId == customerId);
        return (await mine.CountAsync(), await mine.CountAsync(d => d.DayKey == day));
    }

    /// <summary>The draw itself; (null, null) when a parallel request with the same key won the race (the caller replays it).</summary>
    private async Task<(LotteryDrawRow? Draw, DrawResult? Refusal)> DrawInTransactionAsync(int tenantId, LotteryRow lottery, long customerId, string key, string actor, long paid)
    {
        var now = time.GetUtcNow();
        var day = CouponService.DayKeyOf(now);
        await using var db = await dbs.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        // Increment first: on SQLite this takes the database write lock, on PostgreSQL the lottery row's lock, so the counts below see every earlier draw.
        var locked = await db.Lotteries.Where(l => l.TenantId == tenantId && l.Id == lottery.Id && l.Status == "active")
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.Draws, l => l.Draws + 1));
        if (locked == 0)
        {
            return (null, new DrawResult(null, DrawRefusals.NotActive, "The lottery is paused or has ended."));
        }
        if (await db.LotteryDraws.AnyAsync(d => d.TenantId == tenantId && d.LotteryId == lottery.Id && d.IdempotencyKey == key))
        {
            return (null, null);
        }
        var (total, today) = await CountsAsync(db, tenantId, lottery.Id, customerId, day);
        if (LimitRefusal(lottery, total, today) is { } limited)
        {
            return (null, limited);
        }
        var drawNumber = total + 1;
        var ticket = LotteryDraws.Ticket(lottery.Seed, lottery.Id, customerId, drawNumber);
        var prizes = await db.LotteryPrizes.AsNoTracking().Where(p => p.TenantId == tenantId && p.LotteryId == lottery.Id).OrderBy(p => p.Position).ToListAsync();
        var index = LotteryDraws.PrizeIndex([.. prizes.Select(p => p.Chance)], ticket);
        var draw = new LotteryDrawRow
        {
            TenantId = tenantId, LotteryId = lottery.Id, CustomerId = customerId, DrawNumber = drawNumber, DayKey = day, Ticket = ticket, Outcome = "no_prize",
            PointsPaid = paid, IdempotencyKey = key, AtTicks = now.UtcTicks, Actor = actor,
        };
        if (index >= 0)
        {
            var prize = prizes[index];
            draw.PrizeId = prize.Id;
            var taken = await db.LotteryPrizes.Where(p => p.Id == prize.Id && p.Remaining > 0).ExecuteUpdateAsync(s => s.SetProperty(p => p.Remaining, p => p.Remaining - 1));
            if (taken == 0)
            {
                (draw.Outcome, draw.PrizeId) = ("sold_out", null);
            }
            else
            {
                draw.Outcome = "won";
                draw.RewardStatus = prize.Kind == PrizeKinds.Gift ? "to_fulfil" : "pending";
            }
        }
        db.LotteryDraws.Add(draw);
        try
        {
            await db.SaveChangesAsync();
            await tx.CommitAsync();
            return (draw, null);
        }
        catch (DbUpdateException)
        {
            // The same key (or the same draw number) committed by a parallel request first.
            await tx.RollbackAsync();
            return (null, null);
        }
    }

    private async Task<DrawResult?> ReplayAsync(int tenantId, long lotteryId, long customerId, string key)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var first = await db.LotteryDraws.AsNoTracking().FirstOrDefaultAsync(d => d.TenantId == tenantId && d.LotteryId == lotteryId && d.IdempotencyKey == key);
        if (first is null)
        {
            return null;
        }
        if (first.CustomerId != customerId)
        {
            return new DrawResult(null, DrawRefusals.KeyConflict, "This idempotency key was used for another customer.");
        }
        if (first.RewardStatus == "pending")
        {
            // The first request stopped between the draw and the prize: finish the delivery now (keyed by the draw, so once).
            var lottery = await db.Lotteries.AsNoTracking().SingleAsync(l => l.Id == lotteryId);
            await DeliverAsync(tenantId, lottery, first);
        }
        return new DrawResult(await DrawViewAsync(tenantId, first.Id), null, null, Replayed: true);
    }

    /// <summary>Sends a won coupon or points prize and records how it went. Idempotent per draw.</summary>
    private async Task DeliverAsync(int tenantId, LotteryRow lottery, LotteryDrawRow draw)
    {
        if (draw.RewardStatus != "pending" || draw.PrizeId is not { } prizeId)
        {
            return;
        }
        await using var db = await dbs.CreateDbContextAsync();
        var prize = await db.LotteryPrizes.AsNoTracking().SingleAsync(p => p.Id == prizeId);
        var issuer = $"lottery-draw:{draw.Id}";
        string status, reference;
        if (prize.Kind == PrizeKinds.Coupon)
        {
            // Keyed by the draw: a retry after a crash gets the coupon issued the first time.
            var result = await coupons.IssueOnceAsync(tenantId, prize.CouponTemplateId!.Value, draw.CustomerId, issuer, issuer);
            (status, reference) = result is { Outcome: IssueOutcomes.Issued or IssueOutcomes.AlreadyIssued, Code: { } code }
                ? ("delivered", code) : ("failed", "coupon " + (result?.Outcome ?? "template missing"));
        }
        else
        {
            var credit = await loyalty.CreditAsync(tenantId, draw.CustomerId, prize.Points, $"抽奖 {lottery.Name}: {prize.Name}", issuer, issuer);
            (status, reference) = credit.Entry is { } entry ? ("delivered", $"points-entry:{entry.Id}") : ("failed", "points " + credit.Outcome);
        }
        await db.LotteryDraws.Where(d => d.Id == draw.Id && d.RewardStatus == "pending")
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.RewardStatus, status).SetProperty(d => d.RewardRef, reference));
        (draw.RewardStatus, draw.RewardRef) = (status, reference);
    }

    private async Task AppendAsync(int tenantId, LotteryRow lottery, LotteryDrawRow draw)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var prize = draw.PrizeId is { } p ? await db.LotteryPrizes.AsNoTracking().SingleAsync(x => x.Id == p) : null;
        var e = new IncomingEvent($"lottery:{lottery.Id}:draw:{draw.Id}", EventTypes.LotteryDrawn, new DateTimeOffset(draw.AtTicks, TimeSpan.Zero), [], draw.CustomerId,
            new JsonObject
            {
                ["lottery_id"] = lottery.Id, ["lottery_name"] = lottery.Name, ["draw_number"] = draw.DrawNumber, ["outcome"] = draw.Outcome,
                ["prize"] = prize?.Name, ["prize_kind"] = prize?.Kind, ["points_paid"] = draw.PointsPaid,
            }, null, "siyu");
        try
        {
            await writer.AppendAsync(tenantId, [e]);
        }
        catch (IngestOverloadedException ex)
        {
            // The draw row is the truth; the event is idempotent by draw id.
            logger.LogWarning(ex, "lottery.drawn event for draw {Draw} not appended", draw.Id);
        }
    }

    /// <summary>Staff handed a gift over.</summary>
    public async Task<DrawView?> FulfilAsync(int tenantId, long lotteryId, long drawId, string actor)
    {
        var now = time.GetUtcNow();
        await using var db = await dbs.CreateDbContextAsync();
        var draw = await db.LotteryDraws.FirstOrDefaultAsync(d => d.TenantId == tenantId && d.LotteryId == lotteryId && d.Id == drawId);
        if (draw is null)
        {
            return null;
        }
        if (draw.RewardStatus == "to_fulfil")
        {
            (draw.RewardStatus, draw.RewardRef) = ("delivered", "fulfilled by " + actor);
            AuditLog.Record(db, tenantId, now.UtcTicks, actor, "lottery.fulfil", target: $"lottery-draw:{drawId}", detail: $"customer {draw.CustomerId}");
            await db.SaveChangesAsync();
        }
        return await DrawViewAsync(tenantId, drawId);
    }

    // ---- reading ----

    public async Task<IReadOnlyList<DrawView>> DrawsAsync(int tenantId, long lotteryId, long? customerId, string? outcome, long? before, int limit)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var q = db.LotteryDraws.AsNoTracking().Where(d => d.TenantId == tenantId && d.LotteryId == lotteryId);
        if (customerId is { } c)
        {
            q = q.Where(d => d.CustomerId == c);
        }
        if (outcome is not null)
        {
            q = q.Where(d => d.Outcome == outcome);
        }
        if (before is { } b)
        {
            q = q.Where(d => d.Id < b);
        }
        var rows = await q.OrderByDescending(d => d.Id).Take(Math.Clamp(limit, 1, 500)).ToListAsync();
        var prizes = await db.LotteryPrizes.AsNoTracking().Where(p => p.TenantId == tenantId && p.LotteryId == lotteryId).ToDictionaryAsync(p => p.Id);
        return [.. rows.Select(d => View(d, d.PrizeId is { } p ? prizes.GetValueOrDefault(p) : null))];
    }

    private async Task<DrawView> DrawViewAsync(int tenantId, long drawId)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var d = await db.LotteryDraws.AsNoTracking().SingleAsync(x => x.TenantId == tenantId && x.Id == drawId);
        var prize = d.PrizeId is { } p ? await db.LotteryPrizes.AsNoTracking().SingleAsync(x => x.Id == p) : null;
        return View(d, prize);
    }

    private static DrawView View(LotteryDrawRow d, LotteryPrizeRow? prize) => new(
        d.Id, d.CustomerId, d.DrawNumber, d.Ticket, d.Outcome, d.PrizeId, prize?.Name, prize?.Kind, d.RewardStatus, d.RewardRef, d.PointsPaid, d.IdempotencyKey,
        new DateTimeOffset(d.AtTicks, TimeSpan.Zero));

    /// <summary>
    /// The commitment always; once the lottery has ended, the seed and a recomputation of every draw's ticket and prize
    /// from it (a draw recorded as sold out must have landed on a prize; a win on exactly the prize its ticket names).
    /// </summary>
    public async Task<LotteryAudit?> AuditAsync(int tenantId, long lotteryId)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var lottery = await db.Lotteries.AsNoTracking().FirstOrDefaultAsync(l => l.TenantId == tenantId && l.Id == lotteryId);
        if (lottery is null)
        {
            return null;
        }
        var count = await db.LotteryDraws.CountAsync(d => d.TenantId == tenantId && d.LotteryId == lotteryId);
        if (EffectiveStatus(lottery) != "ended")
        {
            return new LotteryAudit(lottery.Commitment, null, false, count, 0, [], Formula);
        }
        var prizes = await db.LotteryPrizes.AsNoTracking().Where(p => p.TenantId == tenantId && p.LotteryId == lotteryId).OrderBy(p => p.Position).ToListAsync();
        var chances = prizes.Select(p => p.Chance).ToArray();
        var mismatched = new List<long>();
        var verified = 0;
        await foreach (var d in db.LotteryDraws.AsNoTracking().Where(d => d.TenantId == tenantId && d.LotteryId == lotteryId).OrderBy(d => d.Id).AsAsyncEnumerable())
        {
            var ticket = LotteryDraws.Ticket(lottery.Seed, lotteryId, d.CustomerId, d.DrawNumber);
            var index = LotteryDraws.PrizeIndex(chances, ticket);
            var ok = ticket == d.Ticket && d.Outcome switch
            {
                "won" => index >= 0 && prizes[index].Id == d.PrizeId,
                "sold_out" => index >= 0,
                _ => index < 0,
            };
            if (ok)
            {
                verified++;
            }
            else
            {
                mismatched.Add(d.Id);
            }
        }
        return new LotteryAudit(lottery.Commitment, Convert.ToHexStringLower(lottery.Seed), LotteryDraws.Commitment(lottery.Seed) == lottery.Commitment, count, verified,
            mismatched, Formula);
    }

    private static DateTimeOffset? Time(long? ticks) => ticks is { } t ? new DateTimeOffset(t, TimeSpan.Zero) : null;
}
