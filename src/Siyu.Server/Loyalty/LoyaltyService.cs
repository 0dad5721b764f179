using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Events;
using Siyu.Core.Loyalty;
using Siyu.Server.Compliance;
using Siyu.Server.Data;
using Siyu.Server.Ingest;

namespace Siyu.Server.Loyalty;

public sealed record PointsEntryView(
    long Id, string Kind, long Amount, long BalanceAfter, long Shortfall, string? Reason, string? SourceRef, string IdempotencyKey, DateTimeOffset At, string? Actor);

public sealed record PointsLotView(long Id, long Amount, long Remaining, DateTimeOffset EarnedAt, DateTimeOffset ExpiresAt, string? SourceRef);

public sealed record PointsAccountView(
    long CustomerId, long Balance, string Tier, string TierName, IReadOnlyList<string> Benefits, long RollingEarned, decimal? MemberDayDiscountToday,
    IReadOnlyList<PointsLotView> Lots, IReadOnlyList<PointsEntryView> Ledger, long? NextBefore);

public enum PointsOutcome
{
    Applied,
    /// <summary>The idempotency key was used before for this customer: the first result.</summary>
    Replayed,
    Insufficient,
    /// <summary>The idempotency key was used for another customer.</summary>
    KeyConflict,
}

public sealed record PointsResult(PointsOutcome Outcome, PointsEntryView? Entry, long Balance);

public sealed record LoyaltySettingsView(LoyaltySettings Settings, bool IsDefault, DateTimeOffset? UpdatedAt, string? UpdatedBy);

/// <summary>
/// The points ledger. Every change runs in one transaction that first locks the customer's account row (an UPDATE),
/// sweeps the customer's expired lots, then writes the ledger entry, the lots and the balance; a debit also checks
/// <c>WHERE Balance &gt;= amount</c>, so parallel spends can never overspend. Idempotency keys are unique per tenant:
/// a retry answers the first entry. After the commit a <c>points.changed</c> event goes to the customer's timeline.
/// </summary>
public sealed partial class LoyaltyService(IDbContextFactory<SiyuDb> dbs, IngestWriter writer, TimeProvider time, ILogger<LoyaltyService> logger)
{
    public const int MaxReason = 200;
    public const int MaxKey = 200;
    public const long MaxAmount = 100_000_000;

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    // ---- settings ----

    public async Task<LoyaltySettingsView> SettingsAsync(int tenantId)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.LoyaltySettings.AsNoTracking().FirstOrDefaultAsync(s => s.TenantId == tenantId);
        return row is null
            ? new LoyaltySettingsView(LoyaltySettings.Default, true, null, null)
            : new LoyaltySettingsView(JsonSerializer.Deserialize<LoyaltySettings>(row.Json, Json) ?? LoyaltySettings.Default, false,
                new DateTimeOffset(row.UpdatedAtTicks, TimeSpan.Zero), row.UpdatedBy);
    }

    public async Task<(LoyaltySettingsView? View, IReadOnlyList<FieldError> Errors)> SaveSettingsAsync(int tenantId, string actor, LoyaltySettings settings)
    {
        var errors = settings.Validate();
        if (errors.Count > 0)
        {
            return (null, errors);
        }
        var now = time.GetUtcNow().UtcTicks;
        await using (var db = await dbs.CreateDbContextAsync())
        {
            var row = await db.LoyaltySettings.FirstOrDefaultAsync(s => s.TenantId == tenantId);
            if (row is null)
            {
                db.LoyaltySettings.Add(row = new LoyaltySettingsRow { TenantId = tenantId });
            }
            row.Json = JsonSerializer.Serialize(settings, Json);
            row.UpdatedAtTicks = now;
            row.UpdatedBy = actor;
            AuditLog.Record(db, tenantId, now, actor, "loyalty.settings.update", target: "loyalty-settings",
                detail: $"{settings.PointsPerYuan} points per yuan, expiry {settings.ExpiryDays} days, grace {settings.DowngradeGraceDays} days, tiers {string.Join(",", settings.Tiers.Select(t => $"{t.Code}≥{t.Threshold}"))}");
            await db.SaveChangesAsync();
        }
        return (await SettingsAsync(tenantId), []);
    }

    // ---- reads ----

    public async Task<PointsAccountView> AccountAsync(int tenantId, long customerId, long? before, int limit)
    {
        var settings = (await SettingsAsync(tenantId)).Settings;
        var now = time.GetUtcNow();
        await using var db = await dbs.CreateDbContextAsync();
        var account = await db.PointsAccounts.AsNoTracking().FirstOrDefaultAsync(a => a.TenantId == tenantId && a.CustomerId == customerId);
        var lots = await db.PointsLots.AsNoTracking().Where(l => l.TenantId == tenantId && l.CustomerId == customerId && l.Remaining > 0)
            .OrderBy(l => l.ExpiresAtTicks).ThenBy(l => l.Id).ToListAsync();
        var q = db.PointsLedger.AsNoTracking().Where(l => l.TenantId == tenantId && l.CustomerId == customerId);
        if (before is { } b)
        {
            q = q.Where(l => l.Id < b);
        }
        var entries = await q.OrderByDescending(l => l.Id).Take(limit).ToListAsync();
        var rolling = await RollingEarnedAsync(db, tenantId, customerId, now.UtcTicks);
        var tier = settings.Tiers[TierRules.Rank(settings, account?.Tier)];
        var local = DateOnly.FromDateTime(now.ToOffset(TimeSpan.FromHours(8)).DateTime); // member days are China dates
        return new PointsAccountView(customerId, account?.Balance ?? 0, tier.Code, tier.Name, tier.Benefits, rolling,
            TierRules.MemberDayDiscount(settings, tier.Code, local),
            [.. lots.Select(l => new PointsLotView(l.Id, l.Amount, l.Remaining, Ticks(l.EarnedAtTicks), Ticks(l.ExpiresAtTicks), l.SourceRef))],
            [.. entries.Select(View)], entries.Count == limit ? entries[^1].Id : null);
    }

    public async Task<IReadOnlyList<(Tier Tier, int Members)>> TierSummaryAsync(int tenantId)
    {
        var settings = (await SettingsAsync(tenantId)).Settings;
        await using var db = await dbs.CreateDbContextAsync();
        var counts = await db.PointsAccounts.AsNoTracking().Where(a => a.TenantId == tenantId)
            .GroupBy(a => a.Tier).Select(g => new { Tier = g.Key, Count = g.Count() }).ToListAsync();
        var byRank = new int[settings.Tiers.Count];
        foreach (var c in counts)
        {
            byRank[TierRules.Rank(settings, c.Tier)] += c.Count;
        }
        return [.. settings.Tiers.Select((t, i) => (t, byRank[i]))];
    }

    // ---- changes ----

    /// <summary>Spend (or, with <paramref name="kind"/> adjust, deduct) points: refused with Insufficient when the balance is short.</summary>
    public Task<PointsResult> DebitAsync(int tenantId, long customerId, long amount, string? reason, string key, string? actor, string kind = PointsKind.Spend) =>
        ApplyAsync(tenantId, customerId, key, actor, (_, _, balance, _) => Task.FromResult<Plan?>(
            balance < amount ? null : new Plan(kind, -amount, 0, reason, null, null, null, null)));

    /// <summary>Add points as a new lot expiring after the tenant's expiry days (positive adjustments).</summary>
    public Task<PointsResult> CreditAsync(int tenantId, long customerId, long amount, string? reason, string key, string? actor, string kind = PointsKind.Adjust,
        string? sourceRef = null, long? cents = null, long? earnedAtTicks = null) =>
        ApplyAsync(tenantId, customerId, key, actor, (_, _, _, _) => Task.FromResult<Plan?>(
            new Plan(kind, amount, 0, reason, sourceRef, cents, null, earnedAtTicks)));

    /// <summary>A refund of an order: claws back the proportional points, as many as the balance holds; the rest is recorded as the shortfall.</summary>
    public Task<PointsResult> RefundAsync(int tenantId, long customerId, string orderRef, long? refundCents, string key) =>
        ApplyAsync(tenantId, customerId, key, null, async (db, _, balance, _) =>
        {
            var earn = await db.PointsLedger.AsNoTracking()
                .FirstOrDefaultAsync(l => l.TenantId == tenantId && l.CustomerId == customerId && l.SourceRef == orderRef && l.Kind == PointsKind.Earn);
            if (earn is null || earn.AmountCents is not { } paid)
            {
                return new Plan(PointsKind.Reverse, 0, 0, "refund (no points earned for the order)", orderRef, refundCents, null, null);
            }
            var reversed = await db.PointsLedger.AsNoTracking()
                .Where(l => l.TenantId == tenantId && l.CustomerId == customerId && l.SourceRef == orderRef && l.Kind == PointsKind.Reverse)
                .Select(l => -l.Amount + l.Shortfall).ToListAsync();
            var (clawBack, shortfall) = PointsMath.Refund(earn.Amount, reversed.Sum(), paid, refundCents ?? paid, balance);
            var lot = await db.PointsLots.AsNoTracking().Where(l => l.EntryId == earn.Id).Select(l => (long?)l.Id).FirstOrDefaultAsync();
            return new Plan(PointsKind.Reverse, -clawBack, shortfall, "refund", orderRef, refundCents ?? paid, lot, null);
        });

    /// <summary>Writes expire entries for every lot past its expiry (the daily job; each customer's lots expire in that customer's locked transaction).</summary>
    public async Task<int> ExpireDueAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow().UtcTicks;
        List<(int TenantId, long CustomerId)> due;
        await using (var db = await dbs.CreateDbContextAsync(ct))
        {
            due = [.. (await db.PointsLots.AsNoTracking().Where(l => l.ExpiresAtTicks <= now && l.Remaining > 0)
                .Select(l => new { l.TenantId, l.CustomerId }).Distinct().Take(1000).ToListAsync(ct)).Select(x => (x.TenantId, x.CustomerId))];
        }
        foreach (var (tenant, customer) in due)
        {
            await ApplyAsync(tenant, customer, null, null, (_, _, _, _) => Task.FromResult<Plan?>(null));
        }
        return due.Count;
    }

    /// <summary>The periodic tier review: downgrades members below their tier's threshold after the grace period.</summary>
    public async Task ReviewTiersAsync(int tenantId, CancellationToken ct = default)
    {
        var settings = (await SettingsAsync(tenantId)).Settings;
        var now = time.GetUtcNow().UtcTicks;
        await using var db = await dbs.CreateDbContextAsync(ct);
        var accounts = await db.PointsAccounts.Where(a => a.TenantId == tenantId && a.Tier != settings.Tiers[0].Code).ToListAsync(ct);
        foreach (var a in accounts)
        {
            var rolling = await RollingEarnedAsync(db, tenantId, a.CustomerId, now);
            (a.Tier, a.BelowSinceTicks) = TierRules.Review(settings, a.Tier, a.BelowSinceTicks, rolling, now);
        }
        await db.SaveChangesAsync(ct);
    }

    private sealed record Plan(string Kind, long Amount, long Shortfall, string? Reason, string? SourceRef, long? Cents, long? PreferredLot, long? EarnedAtTicks);

    /// <summary>
    /// The one write path. <paramref name="key"/> null: only sweep expired lots. <paramref name="plan"/> sees the locked
    /// balance (after the sweep) and answers the entry to write, or null for "insufficient".
    /// </summary>
    private async Task<PointsResult> ApplyAsync(int tenantId, long customerId, string? key, string? actor, Func<SiyuDb, PointsAccountRow, long, long, Task<Plan?>> plan)
    {
        if (key is not null && await ExistingAsync(tenantId, customerId, key) is { } first)
        {
            return first;
        }
        var settings = (await SettingsAsync(tenantId)).Settings;
        var now = time.GetUtcNow().UtcTicks;
        await EnsureAccountAsync(tenantId, customerId, settings, now);
        var written = new List<PointsLedgerRow>();
        PointsResult result;
        await using (var db = await dbs.CreateDbContextAsync())
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            // Lock the account row first: SQLite takes the write lock (BEGIN IMMEDIATE), PostgreSQL the row lock.
            await db.PointsAccounts.Where(a => a.TenantId == tenantId && a.CustomerId == customerId)
                .ExecuteUpdateAsync(u => u.SetProperty(a => a.UpdatedAtTicks, now));
            if (key is not null && await ExistingAsync(tenantId, customerId, key, db) is { } raced)
            {
                return raced;
            }
            var account = await db.PointsAccounts.AsNoTracking().SingleAsync(a => a.TenantId == tenantId && a.CustomerId == customerId);
            var balance = account.Balance;

            // Expired lots first, so a spend never counts points that expired but have not been swept yet.
            var lots = await db.PointsLots.Where(l => l.TenantId == tenantId && l.CustomerId == customerId && l.Remaining > 0)
                .OrderBy(l => l.ExpiresAtTicks).ThenBy(l => l.Id).ToListAsync();
            foreach (var lot in lots.Where(l => l.ExpiresAtTicks <= now).ToList())
            {
                balance -= lot.Remaining;
                written.Add(Entry(tenantId, customerId, PointsKind.Expire, -lot.Remaining, balance, 0, "expired", $"lot:{lot.Id}", $"expire:lot:{lot.Id}", null, now, null));
                lot.Remaining = 0;
                lots.Remove(lot);
            }

            var p = key is null ? null : await plan(db, account, balance, now);
            if (key is not null && p is null)
            {
                await tx.RollbackAsync();
                return new PointsResult(PointsOutcome.Insufficient, null, balance);
            }
            PointsLotRow? newLot = null;
            if (p is not null && key is not null)
            {
                if (p.Amount < 0)
                {
                    var takes = PointsMath.Consume(lots.Select(l => new PointsLot(l.Id, l.EarnedAtTicks, l.ExpiresAtTicks, l.Amount, l.Remaining)), -p.Amount, now, p.PreferredLot);
                    if (takes is null)
                    {
                        await tx.RollbackAsync();
                        return new PointsResult(PointsOutcome.Insufficient, null, balance);
                    }
                    foreach (var t in takes)
                    {
                        lots.Single(l => l.Id == t.LotId).Remaining -= t.Take;
                    }
                }
                balance += p.Amount;
                var entry = Entry(tenantId, customerId, p.Kind, p.Amount, balance, p.Shortfall, p.Reason, p.SourceRef, key, p.Cents, now, actor);
                written.Add(entry);
                if (p.Amount > 0)
                {
                    var earnedAt = Math.Min(p.EarnedAtTicks ?? now, now);
                    newLot = new PointsLotRow
                    {
                        TenantId = tenantId, CustomerId = customerId, SourceRef = p.SourceRef, EarnedAtTicks = earnedAt,
                        ExpiresAtTicks = earnedAt + TimeSpan.FromDays(settings.ExpiryDays).Ticks, Amount = p.Amount, Remaining = p.Amount,
                    };
                }
            }
            db.PointsLedger.AddRange(written);
            try
            {
                await db.SaveChangesAsync();
            }
            catch (DbUpdateException) when (key is not null)
            {
                // The key was taken between the check and the insert (only possible across customers): answer what holds it.
                await tx.RollbackAsync();
                return await ExistingAsync(tenantId, customerId, key) ?? throw new InvalidOperationException("Ledger write failed.");
            }
            if (newLot is not null)
            {
                newLot.EntryId = written[^1].Id;
                db.PointsLots.Add(newLot);
                await db.SaveChangesAsync();
            }
            var delta = written.Sum(e => e.Amount);
            if (delta != 0)
            {
                // The guard that makes overspending impossible even if the lock above were ever lost.
                var updated = await db.PointsAccounts.Where(a => a.TenantId == tenantId && a.CustomerId == customerId && a.Balance + delta >= 0)
                    .ExecuteUpdateAsync(u => u.SetProperty(a => a.Balance, a => a.Balance + delta));
                if (updated != 1)
                {
                    await tx.RollbackAsync();
                    return new PointsResult(PointsOutcome.Insufficient, null, account.Balance);
                }
            }
            if (p is { Kind: PointsKind.Earn })
            {
                var rolling = await RollingEarnedAsync(db, tenantId, customerId, now);
                var tier = TierRules.Upgrade(settings, account.Tier, rolling);
                if (tier != account.Tier)
                {
                    await db.PointsAccounts.Where(a => a.TenantId == tenantId && a.CustomerId == customerId)
                        .ExecuteUpdateAsync(u => u.SetProperty(a => a.Tier, tier).SetProperty(a => a.BelowSinceTicks, (long?)null));
                }
            }
            await tx.CommitAsync();
            result = new PointsResult(PointsOutcome.Applied, key is null || p is null ? null : View(written[^1]), balance);
        }
        await AnnounceAsync(tenantId, written);
        return result;
    }

    private static PointsLedgerRow Entry(int tenantId, long customerId, string kind, long amount, long balanceAfter, long shortfall, string? reason, string? sourceRef,
        string key, long? cents, long now, string? actor) => new()
    {
        TenantId = tenantId, CustomerId = customerId, Kind = kind, Amount = amount, BalanceAfter = balanceAfter, Shortfall = shortfall, Reason = reason,
        SourceRef = sourceRef, IdempotencyKey = key, AmountCents = cents, AtTicks = now, Actor = actor,
    };

    private async Task<PointsResult?> ExistingAsync(int tenantId, long customerId, string key, SiyuDb? open = null)
    {
        await using var own = open is null ? await dbs.CreateDbContextAsync() : null;
        var db = open ?? own!;
        var row = await db.PointsLedger.AsNoTracking().FirstOrDefaultAsync(l => l.TenantId == tenantId && l.IdempotencyKey == key);
        if (row is null)
        {
            return null;
        }
        return row.CustomerId != customerId ? new PointsResult(PointsOutcome.KeyConflict, null, 0) : new PointsResult(PointsOutcome.Replayed, View(row), row.BalanceAfter);
    }

    private async Task EnsureAccountAsync(int tenantId, long customerId, LoyaltySettings settings, long now)
    {
        await using var db = await dbs.CreateDbContextAsync();
        if (await db.PointsAccounts.AnyAsync(a => a.TenantId == tenantId && a.CustomerId == customerId))
        {
            return;
        }
        db.PointsAccounts.Add(new PointsAccountRow { TenantId = tenantId, CustomerId = customerId, Tier = settings.Tiers[0].Code, UpdatedAtTicks = now });
        try
        {
            await db.SaveChangesAsync();
        }
        catch (DbUpdateException)
        {
            // Created by a parallel request: fine.
        }
    }

    /// <summary>Points earned in the last 12 months net of refunds (the full owed reversal counts, shortfall included): what tiers are measured on.</summary>
    private static async Task<long> RollingEarnedAsync(SiyuDb db, int tenantId, long customerId, long now)
    {
        var from = now - TierRules.Window.Ticks;
        var rows = await db.PointsLedger.AsNoTracking()
            .Where(l => l.TenantId == tenantId && l.CustomerId == customerId && l.AtTicks > from && (l.Kind == PointsKind.Earn || l.Kind == PointsKind.Reverse))
            .Select(l => new { l.Kind, l.Amount, l.Shortfall }).ToListAsync();
        return Math.Max(0, rows.Sum(r => r.Kind == PointsKind.Earn ? r.Amount : r.Amount - r.Shortfall));
    }

    private async Task AnnounceAsync(int tenantId, List<PointsLedgerRow> entries)
    {
        var events = entries.Where(e => e.Amount != 0 || e.Shortfall != 0).Select(e => new IncomingEvent($"points:{e.Id}", EventTypes.PointsChanged, Ticks(e.AtTicks), [], e.CustomerId,
            new JsonObject
            {
                ["entry_id"] = e.Id, ["kind"] = e.Kind, ["amount"] = e.Amount, ["balance"] = e.BalanceAfter, ["shortfall"] = e.Shortfall,
                ["reason"] = e.Reason, ["source_ref"] = e.SourceRef,
            }, null, "siyu")).ToList();
        if (events.Count == 0)
        {
            return;
        }
        try
        {
            await writer.AppendAsync(tenantId, events);
        }
        catch (Exception e) when (e is IngestOverloadedException or ArgumentException)
        {
            LogAnnounceFailed(logger, e, tenantId); // the ledger is the record; the timeline event is a courtesy
        }
    }

    private static PointsEntryView View(PointsLedgerRow r) =>
        new(r.Id, r.Kind, r.Amount, r.BalanceAfter, r.Shortfall, r.Reason, r.SourceRef, r.IdempotencyKey, Ticks(r.AtTicks), r.Actor);

    private static DateTimeOffset Ticks(long ticks) => new(ticks, TimeSpan.Zero);

    [LoggerMessage(Level = LogLevel.Warning, Message = "points.changed event for tenant {TenantId} not appended")]
    private static partial void LogAnnounceFailed(ILogger logger, Exception e, int tenantId);
}
