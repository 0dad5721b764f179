using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.CheckIns;
using Siyu.Core.Events;
using Siyu.Core.Loyalty;
using Siyu.Server.Compliance;
using Siyu.Server.Coupons;
using Siyu.Server.Data;
using Siyu.Server.Delivery;
using Siyu.Server.Ingest;
using Siyu.Server.Loyalty;

namespace Siyu.Server.CheckIns;

public sealed record CheckInCampaignView(
    long Id, string Name, string Status, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, string MissedDayRule, int MakeUpsPerMonth, int MakeUpWindowDays,
    IReadOnlyList<CheckInReward> Rewards, string? ReminderTime, string? ReminderText, int Participants, int CheckIns, DateTimeOffset CreatedAt, string CreatedBy);

public sealed record RewardView(long Id, long CustomerId, int RewardIndex, string Name, string Kind, string StreakStart, int Milestone, string Status, string? Ref, DateTimeOffset At);

public sealed record CheckInView(long Id, long CustomerId, string Day, bool MakeUp, int Streak, string StreakStart, DateTimeOffset At);

/// <summary>A check-in request's answer: the check-in with the rewards it earned, or why there was none.</summary>
public sealed record CheckInResult(CheckInView? CheckIn, IReadOnlyList<RewardView> Rewards, string? Refusal, string? Message, bool Replayed = false);

public sealed record StreakView(long CustomerId, int CurrentStreak, int LongestStreak, int TotalDays, bool CheckedInToday, int MakeUpsLeftThisMonth, string Today,
    IReadOnlyList<string> Days, IReadOnlyList<RewardView> Rewards);

public sealed record DayCountView(string Date, int CheckIns, int MakeUps);

public sealed record CheckInResultsView(long CampaignId, int Participants, int CheckIns, int MakeUps, IReadOnlyDictionary<string, int> RewardsByStatus,
    IReadOnlyList<DayCountView> Daily, IReadOnlyList<RewardView> RecentRewards);

public static class CheckInRefusalCodes
{
    public const string NoCampaign = "no_campaign";
    public const string UnknownCustomer = "unknown_customer";
    public const string NotActive = "not_active";
}

/// <summary>
/// Daily check-in campaigns (群打卡): one check-in per customer and local day (a unique index makes retries and races
/// idempotent), streaks and make-up cards by <see cref="CheckInStreaks"/>, and streak rewards recorded in the same
/// transaction as the check-in under a unique (customer, reward, streak start, milestone) key, then delivered keyed by
/// the reward row (coupons by issuer, points by ledger key), so a retry or a crash in between never issues twice.
/// Reminders go through the delivery pipeline to participants who have not checked in today.
/// </summary>
public sealed class CheckInService(
    IDbContextFactory<SiyuDb> dbs, IngestWriter writer, CouponService coupons, LoyaltyService loyalty, DeliveryService delivery, Tenants.TenantDirectory tenants,
    TimeProvider time, ILogger<CheckInService> logger)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    // ---- campaigns ----

    public async Task<IReadOnlyList<FieldError>> ValidateReferencesAsync(int tenantId, CheckInSpec spec)
    {
        var errors = new List<FieldError>();
        await using var db = await dbs.CreateDbContextAsync();
        for (var i = 0; i < spec.Rewards.Count; i++)
        {
            if (spec.Rewards[i] is { Kind: CheckInRewardKinds.Coupon, CouponTemplateId: { } t } && !await db.CouponTemplates.AnyAsync(x => x.TenantId == tenantId && x.Id == t))
            {
                errors.Add(new($"rewards[{i}].coupon_template_id", "No coupon template with this id."));
            }
        }
        return errors;
    }

    public async Task<CheckInCampaignView> CreateAsync(int tenantId, string actor, CheckInSpec spec)
    {
        var now = time.GetUtcNow().UtcTicks;
        await using var db = await dbs.CreateDbContextAsync();
        var row = new CheckInCampaignRow
        {
            TenantId = tenantId, Name = spec.Name.Trim(), StartsAtTicks = spec.StartsAt?.UtcTicks, EndsAtTicks = spec.EndsAt?.UtcTicks, MissedDayRule = spec.MissedDayRule,
            MakeUpsPerMonth = spec.MissedDayRule == MissedDayRules.MakeUp ? spec.MakeUpsPerMonth : 0,
            MakeUpWindowDays = spec.MissedDayRule == MissedDayRules.MakeUp ? spec.MakeUpWindowDays : 0,
            Rewards = JsonSerializer.Serialize(spec.Rewards.Select(r => r with
            {
                Name = r.Name.Trim(), CouponTemplateId = r.Kind == CheckInRewardKinds.Coupon ? r.CouponTemplateId : null, Points = r.Kind == CheckInRewardKinds.Points ? r.Points : 0,
            }).ToList(), Json),
            ReminderTime = spec.ReminderTime, ReminderText = spec.ReminderText?.Trim(), CreatedAtTicks = now, CreatedBy = actor,
        };
        db.CheckInCampaigns.Add(row);
        await db.SaveChangesAsync();
        AuditLog.Record(db, tenantId, now, actor, "checkin.create", target: $"checkin:{row.Id}", detail: row.Name);
        await db.SaveChangesAsync();
        return (await GetAsync(tenantId, row.Id))!;
    }

    public async Task<IReadOnlyList<CheckInCampaignView>> ListAsync(int tenantId)
    {
        await using var db = await dbs.CreateDbContextAsync();
        return await ViewsAsync(db, db.CheckInCampaigns.AsNoTracking().Where(c => c.TenantId == tenantId).OrderByDescending(c => c.Id).Take(200));
    }

    public async Task<CheckInCampaignView?> GetAsync(int tenantId, long id)
    {
        await using var db = await dbs.CreateDbContextAsync();
        return (await ViewsAsync(db, db.CheckInCampaigns.AsNoTracking().Where(c => c.TenantId == tenantId && c.Id == id))).FirstOrDefault();
    }

    private async Task<IReadOnlyList<CheckInCampaignView>> ViewsAsync(SiyuDb db, IQueryable<CheckInCampaignRow> query)
    {
        var rows = await query.ToListAsync();
        var ids = rows.Select(r => r.Id).ToList();
        var counts = await db.CheckIns.AsNoTracking().Where(c => ids.Contains(c.CampaignId)).GroupBy(c => c.CampaignId)
            .Select(g => new { g.Key, Count = g.Count(), Customers = g.Select(c => c.CustomerId).Distinct().Count() }).ToDictionaryAsync(g => g.Key);
        return [.. rows.Select(r =>
        {
            var c = counts.GetValueOrDefault(r.Id);
            return new CheckInCampaignView(r.Id, r.Name, EffectiveStatus(r), Time(r.StartsAtTicks), Time(r.EndsAtTicks), r.MissedDayRule, r.MakeUpsPerMonth, r.MakeUpWindowDays,
                RewardsOf(r), r.ReminderTime, r.ReminderText, c?.Customers ?? 0, c?.Count ?? 0, new DateTimeOffset(r.CreatedAtTicks, TimeSpan.Zero), r.CreatedBy);
        })];
    }

    internal static IReadOnlyList<CheckInReward> RewardsOf(CheckInCampaignRow r) => JsonSerializer.Deserialize<List<CheckInReward>>(r.Rewards, Json) ?? [];

    private static CheckInSpec SpecOf(CheckInCampaignRow r) =>
        new(r.Name, Time(r.StartsAtTicks), Time(r.EndsAtTicks), r.MissedDayRule, r.MakeUpsPerMonth, r.MakeUpWindowDays, RewardsOf(r), r.ReminderTime, r.ReminderText);

    private string EffectiveStatus(CheckInCampaignRow c) =>
        c.Status == "ended" || (c.EndsAtTicks is { } end && time.GetUtcNow().UtcTicks >= end) ? "ended" : c.Status;

    /// <summary>Pause, resume or end (final). Null when there is no such campaign; Conflict when it has ended.</summary>
    public async Task<(CheckInCampaignView? View, bool Conflict)> SetStatusAsync(int tenantId, long id, string status, string actor)
    {
        var now = time.GetUtcNow().UtcTicks;
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.CheckInCampaigns.FirstOrDefaultAsync(c => c.TenantId == tenantId && c.Id == id);
        if (row is null)
        {
            return (null, false);
        }
        if (EffectiveStatus(row) == "ended")
        {
            return (status == "ended" ? await GetAsync(tenantId, id) : null, status != "ended");
        }
        if (row.Status != status)
        {
            row.Status = status;
            row.EndedAtTicks = status == "ended" ? now : null;
            AuditLog.Record(db, tenantId, now, actor, "checkin." + status switch { "ended" => "end", "paused" => "pause", _ => "resume" }, target: $"checkin:{id}", detail: row.Name);
            await db.SaveChangesAsync();
        }
        return (await GetAsync(tenantId, id), false);
    }

    // ---- checking in ----

    /// <param name="day">A past local day to make up (补签), or null for today.</param>
    public async Task<CheckInResult> CheckInAsync(int tenantId, long campaignId, long requestedCustomer, int? day, string actor)
    {
        if (await writer.CanonicalAsync(tenantId, requestedCustomer) is not { } customerId)
        {
            return new CheckInResult(null, [], CheckInRefusalCodes.UnknownCustomer, "No customer with this id.");
        }
        var zone = tenants.Zone(tenantId);
        var now = time.GetUtcNow();
        var today = CheckInCalendar.Day(now, zone);
        var target = day ?? today;
        CheckInCampaignRow campaign;
        CheckInRow? done = null;
        List<CheckInRewardRow> earned = [];
        await using (var db = await dbs.CreateDbContextAsync())
        {
            if (await db.CheckInCampaigns.AsNoTracking().FirstOrDefaultAsync(c => c.TenantId == tenantId && c.Id == campaignId) is not { } found)
            {
                return new CheckInResult(null, [], CheckInRefusalCodes.NoCampaign, "No check-in campaign with this id.");
            }
            campaign = found;
            if (await db.CheckIns.AsNoTracking().FirstOrDefaultAsync(c => c.TenantId == tenantId && c.CampaignId == campaignId && c.CustomerId == customerId && c.Day == target) is { } earlier)
            {
                return await ReplayAsync(tenantId, campaign, earlier);
            }
            var status = EffectiveStatus(campaign);
            if (status == "paused")
            {
                return new CheckInResult(null, [], CheckInRefusalCodes.NotActive, "The campaign is paused.");
            }
            int? firstDay = campaign.StartsAtTicks is { } s ? CheckInCalendar.Day(new DateTimeOffset(s, TimeSpan.Zero), zone) : null;
            int? lastDay = campaign.EndedAtTicks is { } ended ? CheckInCalendar.Day(new DateTimeOffset(ended, TimeSpan.Zero), zone) - 1
                : campaign.EndsAtTicks is { } e ? CheckInCalendar.Day(new DateTimeOffset(e - 1, TimeSpan.Zero), zone) : null;
            if (status == "ended" && day is null)
            {
                return new CheckInResult(null, [], CheckInRefusals.Ended, "The campaign has ended.");
            }

            await using var tx = await db.Database.BeginTransactionAsync();
            // Take the write lock first (a no-op update) so the days read below include every earlier check-in of this campaign.
            await db.CheckInCampaigns.Where(c => c.Id == campaignId).ExecuteUpdateAsync(u => u.SetProperty(c => c.Status, c => c.Status));
            var rows = await db.CheckIns.AsNoTracking().Where(c => c.TenantId == tenantId && c.CampaignId == campaignId && c.CustomerId == customerId)
                .Select(c => new { c.Day, c.MakeUp }).ToListAsync();
            var days = rows.Select(r => r.Day).ToHashSet();
            var month = CheckInCalendar.Month(target);
            var makeUpsUsed = rows.Count(r => r.MakeUp && CheckInCalendar.Month(r.Day) == month);
            var spec = SpecOf(campaign);
            var decision = CheckInStreaks.Decide(days, today, target, spec, firstDay, lastDay, makeUpsUsed);
            if (decision.Refusal is { } refusal)
            {
                return new CheckInResult(null, [], refusal, RefusalMessage(refusal, campaign));
            }
            if (decision.Already)
            {
                await tx.RollbackAsync();
                var existing = await db.CheckIns.AsNoTracking().FirstAsync(c => c.TenantId == tenantId && c.CampaignId == campaignId && c.CustomerId == customerId && c.Day == target);
                return await ReplayAsync(tenantId, campaign, existing);
            }
            done = new CheckInRow
            {
                TenantId = tenantId, CampaignId = campaignId, CustomerId = customerId, Day = target, MakeUp = decision.MakeUp, StreakStart = decision.Streak.StartDay,
                StreakLength = decision.Streak.Length, AtTicks = now.UtcTicks, Actor = actor,
            };
            db.CheckIns.Add(done);
            await db.SaveChangesAsync();
            var granted = (await db.CheckInRewards.AsNoTracking().Where(r => r.TenantId == tenantId && r.CampaignId == campaignId && r.CustomerId == customerId)
                .Select(r => new { r.RewardIndex, r.StreakStart, r.Milestone }).ToListAsync()).Select(r => (r.RewardIndex, r.StreakStart, r.Milestone)).ToHashSet();
            foreach (var m in decision.Milestones.Where(m => !granted.Contains((m.RewardIndex, m.StreakStart, m.Day))))
            {
                var reward = spec.Rewards[m.RewardIndex];
                var row = new CheckInRewardRow
                {
                    TenantId = tenantId, CampaignId = campaignId, CustomerId = customerId, RewardIndex = m.RewardIndex, StreakStart = m.StreakStart, Milestone = m.Day,
                    Name = reward.Name, Kind = reward.Kind, Status = reward.Kind == CheckInRewardKinds.Gift ? "to_fulfil" : "pending", CheckInId = done.Id, AtTicks = now.UtcTicks,
                };
                db.CheckInRewards.Add(row);
                earned.Add(row);
            }
            try
            {
                await db.SaveChangesAsync();
                await tx.CommitAsync();
            }
            catch (DbUpdateException)
            {
                // A parallel request checked the same day in first: answer with it.
                await tx.RollbackAsync();
                await using var again = await dbs.CreateDbContextAsync();
                var first = await again.CheckIns.AsNoTracking().FirstAsync(c => c.TenantId == tenantId && c.CampaignId == campaignId && c.CustomerId == customerId && c.Day == target);
                return await ReplayAsync(tenantId, campaign, first);
            }
        }
        foreach (var reward in earned)
        {
            await DeliverAsync(tenantId, campaign, reward);
        }
        await AppendAsync(tenantId, campaign, done, earned);
        return new CheckInResult(View(done), [.. earned.Select(View)], null, null);
    }

    private static string RefusalMessage(string refusal, CheckInCampaignRow c) => refusal switch
    {
        CheckInRefusals.NotStarted => "The campaign has not started on that day.",
        CheckInRefusals.Ended => "The campaign has ended.",
        CheckInRefusals.FutureDay => "A day in the future cannot be checked in.",
        CheckInRefusals.MakeUpNotAllowed => "This campaign resets streaks on a missed day; make-up cards (补签) are off.",
        CheckInRefusals.MakeUpTooOld => $"A missed day can be made up within {c.MakeUpWindowDays} days.",
        CheckInRefusals.MakeUpLimit => $"At most {c.MakeUpsPerMonth} make-up cards per calendar month.",
        _ => refusal,
    };

    /// <summary>The same day again: the first check-in, finishing any reward delivery a crash interrupted.</summary>
    private async Task<CheckInResult> ReplayAsync(int tenantId, CheckInCampaignRow campaign, CheckInRow first)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var rewards = await db.CheckInRewards.AsNoTracking().Where(r => r.TenantId == tenantId && r.CheckInId == first.Id).ToListAsync();
        foreach (var pending in rewards.Where(r => r.Status == "pending"))
        {
            await DeliverAsync(tenantId, campaign, pending);
        }
        return new CheckInResult(View(first), [.. rewards.Select(View)], null, null, Replayed: true);
    }

    /// <summary>Issues a pending coupon or points reward and records how it went. Idempotent per reward row.</summary>
    private async Task DeliverAsync(int tenantId, CheckInCampaignRow campaign, CheckInRewardRow reward)
    {
        if (reward.Status != "pending")
        {
            return;
        }
        var spec = RewardsOf(campaign)[reward.RewardIndex];
        var issuer = $"checkin-reward:{reward.Id}";
        string status, reference;
        await using var db = await dbs.CreateDbContextAsync();
        if (reward.Kind == CheckInRewardKinds.Coupon)
        {
            // Keyed by the reward: a retry after a crash between issue and record gets the coupon issued the first time.
            var result = await coupons.IssueOnceAsync(tenantId, spec.CouponTemplateId!.Value, reward.CustomerId, issuer, issuer);
            (status, reference) = result is { Outcome: IssueOutcomes.Issued or IssueOutcomes.AlreadyIssued, Code: { } code }
                ? ("delivered", code) : ("failed", "coupon " + (result?.Outcome ?? "template missing"));
        }
        else
        {
            var credit = await loyalty.CreditAsync(tenantId, reward.CustomerId, spec.Points, $"打卡 {campaign.Name}: {reward.Name}", issuer, issuer, PointsKind.CheckIn);
            (status, reference) = credit.Entry is { } entry ? ("delivered", $"points-entry:{entry.Id}") : ("failed", "points " + credit.Outcome);
        }
        await db.CheckInRewards.Where(r => r.Id == reward.Id && r.Status == "pending").ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, status).SetProperty(r => r.Ref, reference));
        (reward.Status, reward.Ref) = (status, reference);
    }

    private async Task AppendAsync(int tenantId, CheckInCampaignRow campaign, CheckInRow done, IReadOnlyList<CheckInRewardRow> rewards)
    {
        var at = new DateTimeOffset(done.AtTicks, TimeSpan.Zero);
        var events = new List<IncomingEvent>
        {
            new($"checkin:{campaign.Id}:{done.CustomerId}:{done.Day}", EventTypes.CheckInDone, at, [], done.CustomerId, new JsonObject
            {
                ["campaign_id"] = campaign.Id, ["campaign_name"] = campaign.Name, ["day"] = CheckInCalendar.Format(done.Day), ["make_up"] = done.MakeUp, ["streak"] = done.StreakLength,
            }, null, "siyu"),
        };
        events.AddRange(rewards.Select(r => new IncomingEvent($"checkin-reward:{r.Id}", EventTypes.CheckInRewardGranted, at, [], r.CustomerId, new JsonObject
        {
            ["campaign_id"] = campaign.Id, ["campaign_name"] = campaign.Name, ["reward"] = r.Name, ["kind"] = r.Kind, ["milestone"] = r.Milestone, ["status"] = r.Status,
        }, null, "siyu")));
        try
        {
            await writer.AppendAsync(tenantId, events);
        }
        catch (IngestOverloadedException ex)
        {
            // The check-in row is the truth; the events are idempotent by key.
            logger.LogWarning(ex, "check-in events for check-in {CheckIn} not appended", done.Id);
        }
    }

    /// <summary>Staff handed a gift over.</summary>
    public async Task<RewardView?> FulfilAsync(int tenantId, long campaignId, long rewardId, string actor)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var reward = await db.CheckInRewards.FirstOrDefaultAsync(r => r.TenantId == tenantId && r.CampaignId == campaignId && r.Id == rewardId);
        if (reward is null)
        {
            return null;
        }
        if (reward.Status == "to_fulfil")
        {
            (reward.Status, reward.Ref) = ("delivered", "fulfilled by " + actor);
            AuditLog.Record(db, tenantId, time.GetUtcNow().UtcTicks, actor, "checkin.fulfil", target: $"checkin-reward:{rewardId}", detail: $"customer {reward.CustomerId}");
            await db.SaveChangesAsync();
        }
        return View(reward);
    }

    // ---- reading ----

    public async Task<StreakView?> StreakAsync(int tenantId, long campaignId, long requestedCustomer)
    {
        if (await writer.CanonicalAsync(tenantId, requestedCustomer) is not { } customerId)
        {
            return null;
        }
        await using var db = await dbs.CreateDbContextAsync();
        var campaign = await db.CheckInCampaigns.AsNoTracking().FirstOrDefaultAsync(c => c.TenantId == tenantId && c.Id == campaignId);
        if (campaign is null)
        {
            return null;
        }
        var today = CheckInCalendar.Day(time.GetUtcNow(), tenants.Zone(tenantId));
        var rows = await db.CheckIns.AsNoTracking().Where(c => c.TenantId == tenantId && c.CampaignId == campaignId && c.CustomerId == customerId).ToListAsync();
        var days = rows.Select(r => r.Day).ToHashSet();
        var longest = days.Count == 0 ? 0 : days.Max(d => CheckInStreaks.RunContaining(days, d).Length);
        var usedThisMonth = rows.Count(r => r.MakeUp && CheckInCalendar.Month(r.Day) == CheckInCalendar.Month(today));
        var rewards = await db.CheckInRewards.AsNoTracking().Where(r => r.TenantId == tenantId && r.CampaignId == campaignId && r.CustomerId == customerId)
            .OrderBy(r => r.Id).ToListAsync();
        return new StreakView(customerId, CheckInStreaks.Current(days, today).Length, longest, days.Count, days.Contains(today),
            campaign.MissedDayRule == MissedDayRules.MakeUp ? Math.Max(0, campaign.MakeUpsPerMonth - usedThisMonth) : 0, CheckInCalendar.Format(today),
            [.. days.Order().Select(CheckInCalendar.Format)], [.. rewards.Select(View)]);
    }

    public async Task<CheckInResultsView?> ResultsAsync(int tenantId, long campaignId, int days)
    {
        await using var db = await dbs.CreateDbContextAsync();
        if (!await db.CheckInCampaigns.AnyAsync(c => c.TenantId == tenantId && c.Id == campaignId))
        {
            return null;
        }
        days = Math.Clamp(days, 1, 366);
        var today = CheckInCalendar.Day(time.GetUtcNow(), tenants.Zone(tenantId));
        var mine = db.CheckIns.AsNoTracking().Where(c => c.TenantId == tenantId && c.CampaignId == campaignId);
        var participants = await mine.Select(c => c.CustomerId).Distinct().CountAsync();
        var total = await mine.CountAsync();
        var makeUps = await mine.CountAsync(c => c.MakeUp);
        var first = today - days + 1;
        var perDay = await mine.Where(c => c.Day >= first).GroupBy(c => c.Day).Select(g => new { g.Key, Count = g.Count(), MakeUps = g.Count(c => c.MakeUp) }).ToDictionaryAsync(g => g.Key);
        var rewards = db.CheckInRewards.AsNoTracking().Where(r => r.TenantId == tenantId && r.CampaignId == campaignId);
        var byStatus = await rewards.GroupBy(r => r.Status).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count);
        var recent = await rewards.OrderByDescending(r => r.Id).Take(100).ToListAsync();
        return new CheckInResultsView(campaignId, participants, total, makeUps, byStatus,
            [.. Enumerable.Range(first, days).Select(d => new DayCountView(CheckInCalendar.Format(d), perDay.GetValueOrDefault(d)?.Count ?? 0, perDay.GetValueOrDefault(d)?.MakeUps ?? 0))],
            [.. recent.Select(View)]);
    }

    // ---- reminders ----

    /// <summary>
    /// For every active campaign with a reminder whose local time has come today: participants who checked in during the
    /// last 7 days but not today get the reminder through the delivery pipeline (consent, caps, quiet hours apply), keyed
    /// by campaign, customer and day so it goes at most once a day. Returns how many were enqueued.
    /// </summary>
    public async Task<int> RunRemindersAsync(CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var now = time.GetUtcNow();
        var campaigns = await db.CheckInCampaigns.AsNoTracking()
            .Where(c => c.Status == "active" && c.ReminderTime != null && (c.EndsAtTicks == null || c.EndsAtTicks > now.UtcTicks) && (c.StartsAtTicks == null || c.StartsAtTicks <= now.UtcTicks))
            .ToListAsync(ct);
        var sent = 0;
        foreach (var c in campaigns)
        {
            var zone = tenants.Zone(c.TenantId);
            if (!CheckInSpec.TryParseTime(c.ReminderTime, out var at) || CheckInCalendar.TimeOfDay(now, zone) < at)
            {
                continue;
            }
            var today = CheckInCalendar.Day(now, zone);
            var recent = await db.CheckIns.AsNoTracking().Where(x => x.TenantId == c.TenantId && x.CampaignId == c.Id && x.Day >= today - 7)
                .Select(x => new { x.CustomerId, x.Day }).ToListAsync(ct);
            var done = recent.Where(x => x.Day == today).Select(x => x.CustomerId).ToHashSet();
            foreach (var customer in recent.Select(x => x.CustomerId).Distinct().Where(id => !done.Contains(id)).Order())
            {
                var (message, duplicate, _) = await delivery.EnqueueAsync(c.TenantId, new OutboundMessage(
                    $"checkin-remind:{c.Id}:{customer}:{today.ToString(CultureInfo.InvariantCulture)}", customer, "wecom_private", "reminder", c.ReminderText, null, null, $"checkin:{c.Id}"));
                sent += message is not null && !duplicate ? 1 : 0;
            }
        }
        return sent;
    }

    private static CheckInView View(CheckInRow c) =>
        new(c.Id, c.CustomerId, CheckInCalendar.Format(c.Day), c.MakeUp, c.StreakLength, CheckInCalendar.Format(c.StreakStart), new DateTimeOffset(c.AtTicks, TimeSpan.Zero));

    private static RewardView View(CheckInRewardRow r) =>
        new(r.Id, r.CustomerId, r.RewardIndex, r.Name, r.Kind, CheckInCalendar.Format(r.StreakStart), r.Milestone, r.Status, r.Ref, new DateTimeOffset(r.AtTicks, TimeSpan.Zero));

    private static DateTimeOffset? Time(long? ticks) => ticks is { } t ? new DateTimeOffset(t, TimeSpan.Zero) : null;
}
