using Microsoft.EntityFrameworkCore;
using Siyu.Core.Access;
using Siyu.Core.Loyalty;
using Siyu.Server.Auth;
using Siyu.Server.Data;

namespace Siyu.Server.Campaigns;

/// <summary>One figure of a campaign type; <see cref="Key"/> names it for the console's texts (campaigns.metric.{key}).</summary>
public sealed record CampaignMetric(string Key, long Value);

/// <summary>
/// A campaign type at a glance: how many there are, how many run now, and what happened in the last 7 days.
/// <see cref="Page"/> is the console page with the type's campaigns and their results.
/// </summary>
public sealed record CampaignTypeSummary(string Kind, string Page, int Total, int Active, IReadOnlyList<CampaignMetric> Figures);

/// <summary>The growth campaigns overview (增长活动总览): counts only, so it needs no data scope.</summary>
public sealed class CampaignOverview(IDbContextFactory<SiyuDb> dbs, Tenants.TenantDirectory tenants, TimeProvider time)
{
    public async Task<IReadOnlyList<CampaignTypeSummary>> SummariesAsync(int tenantId)
    {
        var now = time.GetUtcNow().UtcTicks;
        var since = now - TimeSpan.FromDays(7).Ticks;
        await using var db = await dbs.CreateDbContextAsync();

        // Check-ins and group statistics are kept by local day: the last 7 local days, today included.
        var fromDay = Core.CheckIns.CheckInCalendar.Day(time.GetUtcNow(), tenants.Zone(tenantId)) - 6;
        var groupCodes = db.GroupCodes.Where(c => c.TenantId == tenantId);
        var pooled = db.GroupCodeChats.Where(c => c.TenantId == tenantId).Select(c => c.ChatId);
        var dayStats = db.GroupDailyStats.Where(s => s.TenantId == tenantId && s.Day >= fromDay && pooled.Contains(s.ChatId));
        var groupCode = new CampaignTypeSummary("group_codes", "/group-codes",
            await groupCodes.CountAsync(),
            await groupCodes.CountAsync(c => c.Status == "active"),
            [
                new("group_joins", await dayStats.SumAsync(s => (long?)s.Joins) ?? 0),
                new("group_leaves", await dayStats.SumAsync(s => (long?)s.Leaves) ?? 0),
                new("groups", await pooled.Distinct().CountAsync()),
            ]);

        var checkInCampaigns = db.CheckInCampaigns.Where(c => c.TenantId == tenantId);
        var checkIns = db.CheckIns.Where(c => c.TenantId == tenantId && c.Day >= fromDay);
        var checkIn = new CampaignTypeSummary("check_ins", "/check-ins",
            await checkInCampaigns.CountAsync(),
            await checkInCampaigns.CountAsync(c => c.Status == "active" && (c.EndsAtTicks == null || c.EndsAtTicks > now) && (c.StartsAtTicks == null || c.StartsAtTicks <= now)),
            [
                new("check_ins", await checkIns.CountAsync()),
                new("checkers", await checkIns.Select(c => c.CustomerId).Distinct().CountAsync()),
                new("rewards", await db.CheckInRewards.CountAsync(r => r.TenantId == tenantId && r.AtTicks >= since)),
            ]);

        var lotteries = db.Lotteries.Where(l => l.TenantId == tenantId);
        var draws = db.LotteryDraws.Where(d => d.TenantId == tenantId && d.AtTicks >= since);
        var lottery = new CampaignTypeSummary("lotteries", "/lotteries",
            await lotteries.CountAsync(),
            await lotteries.CountAsync(l => l.Status == "active" && (l.EndsAtTicks == null || l.EndsAtTicks > now) && (l.StartsAtTicks == null || l.StartsAtTicks <= now)),
            [
                new("draws", await draws.CountAsync()),
                new("players", await draws.Select(d => d.CustomerId).Distinct().CountAsync()),
                new("prizes_won", await draws.CountAsync(d => d.PrizeId != null)),
            ]);

        var referralCampaigns = db.ReferralCampaigns.Where(c => c.TenantId == tenantId);
        var invites = db.ReferralInvites.Where(i => i.TenantId == tenantId && i.AddedAtTicks >= since);
        var referral = new CampaignTypeSummary("referrals", "/referrals",
            await referralCampaigns.CountAsync(),
            await referralCampaigns.CountAsync(c => c.Status == "active" && (c.EndsAtTicks == null || c.EndsAtTicks > now) && (c.StartsAtTicks == null || c.StartsAtTicks <= now)),
            [
                new("invites_counted", await invites.CountAsync(i => i.Status == "counted")),
                new("invites_refused", await invites.CountAsync(i => i.Status == "not_counted")),
                new("rewards", await db.ReferralRewards.CountAsync(r => r.TenantId == tenantId && r.AtTicks >= since)),
            ]);

        var templates = db.CouponTemplates.Where(t => t.TenantId == tenantId);
        var coupons = db.Coupons.Where(c => c.TenantId == tenantId);
        var coupon = new CampaignTypeSummary("coupons", "/coupons",
            await templates.CountAsync(),
            await templates.CountAsync(t => t.Status == "active" && t.Remaining > 0 && (t.ValidUntilTicks == null || t.ValidUntilTicks > now)),
            [
                new("issued", await coupons.CountAsync(c => c.IssuedAtTicks >= since)),
                new("redeemed", await coupons.CountAsync(c => c.RedeemedAtTicks >= since)),
            ]);

        var ledger = db.PointsLedger.Where(l => l.TenantId == tenantId && l.AtTicks >= since);
        var points = new CampaignTypeSummary("points", "/loyalty",
            await db.PointsAccounts.CountAsync(a => a.TenantId == tenantId),
            await db.PointsAccounts.CountAsync(a => a.TenantId == tenantId && a.Balance > 0),
            [
                new("points_earned", await ledger.Where(l => l.Amount > 0 && l.Kind != PointsKind.Reverse).SumAsync(l => (long?)l.Amount) ?? 0),
                new("points_spent", -(await ledger.Where(l => l.Kind == PointsKind.Spend).SumAsync(l => (long?)l.Amount) ?? 0)),
            ]);

        var stores = db.Stores.Where(s => s.TenantId == tenantId);
        var store = new CampaignTypeSummary("stores", "/stores",
            await stores.CountAsync(),
            await stores.CountAsync(s => s.Status == "open"),
            // Stores are not time-bound campaigns: their figures are current, not the last 7 days'.
            [new("cities", await stores.Select(s => s.City).Distinct().CountAsync()), new("with_channel_code", await stores.CountAsync(s => s.ChannelCodeId != null))]);

        return [referral, groupCode, checkIn, lottery, coupon, points, store];
    }

    public static RouteGroupBuilder MapCampaignsApi(RouteGroupBuilder api)
    {
        api.MapGet("/campaigns/overview", async (HttpContext http, CampaignOverview overview) => TypedResults.Ok(new { items = await overview.SummariesAsync(http.User.TenantId()) }))
            .WithName("CampaignsOverview").WithTags("Campaigns").Requires(Permission.CampaignsRead)
            .WithSummary("Each growth campaign type: how many, how many running, and the last 7 days' participation");
        return api;
    }
}
