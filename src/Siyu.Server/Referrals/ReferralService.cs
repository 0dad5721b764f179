using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Audiences.Conditions;
using Siyu.Core.Events;
using Siyu.Core.Loyalty;
using Siyu.Core.Referrals;
using Siyu.Server.Compliance;
using Siyu.Server.Coupons;
using Siyu.Server.Data;
using Siyu.Server.Ingest;
using Siyu.Server.Loyalty;
using Siyu.Server.WeCom;
using Siyu.WeCom.Api;

namespace Siyu.Server.Referrals;

public sealed record CampaignSpec(
    string Name, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, long ChannelCodeId, string PosterTitle, string PosterColor, ReferralRules Rules);

public sealed record TierView(int Tier, int Invites, string Kind, string? Name, long? CouponTemplateId, long Points, string? Text, long? TagId, int Granted);

public sealed record CampaignView(
    long Id, string Name, string Status, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, long ChannelCodeId, string PosterTitle, string PosterColor,
    int DailyCap, int TotalCap, int RevokeWithinDays, int BurstLimit, int BurstMinutes, int RapidDeleteMinutes, int BlockAfterRapidDeletes,
    IReadOnlyList<TierView> Tiers, int Participants, int Counted, int NotCounted, int Revoked, int Rewards, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? EndedAt);

public sealed record ParticipantView(
    long Id, long CustomerId, string Nickname, string Code, string State, string? ConfigId, string? QrCode, int ValidInvites, int Revoked, int RapidDeletes, bool Blocked,
    int? NextTierInvites, int? Missing, string PosterUrl, DateTimeOffset JoinedAt);

public sealed record InviteView(long Id, long ParticipantId, long InviterId, long InviteeId, string StaffUserId, string Status, string Reason, DateTimeOffset AddedAt, DateTimeOffset? RevokedAt);

public sealed record RewardView(long Id, long ParticipantId, long CustomerId, int Tier, int Invites, string Kind, string Status, string? Ref, DateTimeOffset At);

public sealed record LeaderView(int Rank, long ParticipantId, long CustomerId, string Nickname, int ValidInvites);

/// <summary>
/// Referral campaigns (任务宝/裂变). Each participant gets a personal WeCom contact way cloned from the campaign's channel
/// code (same staff, verification, tags and welcome; state <c>rf_{code}</c>), so <see cref="ChannelCodes"/> still tags,
/// welcomes and counts adds through it. <see cref="InboxProcessor"/> hands every add and delete to this service after
/// appending the customer event; the callbacks are processed one at a time in arrival order, which also serialises the
/// cap counts. Decisions are <see cref="ReferralDecisions"/>; the add callback's key makes a retried callback a no-op,
/// and rewards are unique per campaign, inviter and tier, delivered with keys derived from the reward row.
/// </summary>
public sealed partial class ReferralService(
    IDbContextFactory<SiyuDb> dbs, IngestWriter writer, Customers.CustomerReader reader, WeComConnections connections, CouponService coupons,
    LoyaltyService loyalty, Delivery.DeliveryService delivery, Tags.TagWriter tags, Tenants.TenantDirectory tenants, IHttpClientFactory http,
    ReferralPosters posters, TimeProvider time, ILogger<ReferralService> logger)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static ReferralRules RulesOf(ReferralCampaignRow c) => JsonSerializer.Deserialize<ReferralRules>(c.Rules, Json)!;

    // ---- campaigns ----

    public async Task<IReadOnlyList<FieldError>> ValidateReferencesAsync(int tenantId, CampaignSpec spec)
    {
        var errors = new List<FieldError>();
        await using var db = await dbs.CreateDbContextAsync();
        if (!await db.ChannelCodes.AnyAsync(c => c.TenantId == tenantId && c.Id == spec.ChannelCodeId && c.DeletedAtTicks == null))
        {
            errors.Add(new("channel_code_id", "No channel code with this id."));
        }
        for (var i = 0; i < spec.Rules.Tiers.Count; i++)
        {
            if (spec.Rules.Tiers[i] is { Kind: RewardKinds.Coupon, CouponTemplateId: { } t } && !await db.CouponTemplates.AnyAsync(x => x.TenantId == tenantId && x.Id == t))
            {
                errors.Add(new($"tiers[{i}].coupon_template_id", "No coupon template with this id."));
            }
        }
        return errors;
    }

    public async Task<CampaignView> CreateAsync(int tenantId, string actor, CampaignSpec spec)
    {
        var now = time.GetUtcNow();
        await using var db = await dbs.CreateDbContextAsync();
        var row = new ReferralCampaignRow
        {
            TenantId = tenantId, Name = spec.Name.Trim(), StartsAtTicks = spec.StartsAt?.UtcTicks, EndsAtTicks = spec.EndsAt?.UtcTicks, ChannelCodeId = spec.ChannelCodeId,
            Rules = JsonSerializer.Serialize(spec.Rules, Json), PosterTitle = spec.PosterTitle.Trim(), PosterColor = spec.PosterColor, CreatedAtTicks = now.UtcTicks, CreatedBy = actor,
        };
        db.ReferralCampaigns.Add(row);
        await db.SaveChangesAsync();
        AuditLog.Record(db, tenantId, now.UtcTicks, actor, "referral.create", target: $"referral:{row.Id}", detail: row.Name);
        await db.SaveChangesAsync();
        return (await GetAsync(tenantId, row.Id))!;
    }

    /// <summary>Replaces the rules of a campaign that has not ended; granted rewards stay granted.</summary>
    public async Task<(CampaignView? View, bool Conflict)> UpdateAsync(int tenantId, long id, string actor, CampaignSpec spec)
    {
        var now = time.GetUtcNow();
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.ReferralCampaigns.FirstOrDefaultAsync(c => c.TenantId == tenantId && c.Id == id);
        if (row is null)
        {
            return (null, false);
        }
        if (EffectiveStatus(row) == "ended")
        {
            return (null, true);
        }
        (row.Name, row.StartsAtTicks, row.EndsAtTicks, row.ChannelCodeId) = (spec.Name.Trim(), spec.StartsAt?.UtcTicks, spec.EndsAt?.UtcTicks, spec.ChannelCodeId);
        (row.Rules, row.PosterTitle, row.PosterColor) = (JsonSerializer.Serialize(spec.Rules, Json), spec.PosterTitle.Trim(), spec.PosterColor);
        AuditLog.Record(db, tenantId, now.UtcTicks, actor, "referral.update", target: $"referral:{id}", detail: row.Name);
        await db.SaveChangesAsync();
        return (await GetAsync(tenantId, id), false);
    }

    public async Task<(CampaignView? View, bool Conflict)> SetStatusAsync(int tenantId, long id, string status, string actor)
    {
        var now = time.GetUtcNow();
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.ReferralCampaigns.FirstOrDefaultAsync(c => c.TenantId == tenantId && c.Id == id);
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
            row.EndedAtTicks = status == "ended" ? now.UtcTicks : null;
            AuditLog.Record(db, tenantId, now.UtcTicks, actor, "referral." + status switch { "ended" => "end", "paused" => "pause", _ => "resume" }, target: $"referral:{id}", detail: row.Name);
            await db.SaveChangesAsync();
        }
        return (await GetAsync(tenantId, id), false);
    }

    private string EffectiveStatus(ReferralCampaignRow c) =>
        c.Status == "ended" || (c.EndsAtTicks is { } end && time.GetUtcNow().UtcTicks >= end) ? "ended" : c.Status;

    private static bool ActiveAt(ReferralCampaignRow c, DateTimeOffset at) =>
        c.Status == "active" && (c.StartsAtTicks is not { } s || at.UtcTicks >= s) && (c.EndsAtTicks is not { } e || at.UtcTicks < e);

    public async Task<IReadOnlyList<CampaignView>> ListAsync(int tenantId)
    {
        await using var db = await dbs.CreateDbContextAsync();
        return await ViewsAsync(db, db.ReferralCampaigns.AsNoTracking().Where(c => c.TenantId == tenantId).OrderByDescending(c => c.Id).Take(200));
    }

    public async Task<CampaignView?> GetAsync(int tenantId, long id)
    {
        await using var db = await dbs.CreateDbContextAsync();
        return (await ViewsAsync(db, db.ReferralCampaigns.AsNoTracking().Where(c => c.TenantId == tenantId && c.Id == id))).FirstOrDefault();
    }

    /// <summary>Campaigns with their counts: one grouped query per kind of count, whatever the number of campaigns.</summary>
    private async Task<IReadOnlyList<CampaignView>> ViewsAsync(SiyuDb db, IQueryable<ReferralCampaignRow> query)
    {
        var rows = await query.ToListAsync();
        var ids = rows.Select(r => r.Id).ToList();
        var participants = await db.ReferralParticipants.AsNoTracking().Where(p => ids.Contains(p.CampaignId)).GroupBy(p => p.CampaignId)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count);
        var invites = await db.ReferralInvites.AsNoTracking().Where(i => ids.Contains(i.CampaignId)).GroupBy(i => new { i.CampaignId, i.Status })
            .Select(g => new { g.Key.CampaignId, g.Key.Status, Count = g.Count() }).ToListAsync();
        var rewards = await db.ReferralRewards.AsNoTracking().Where(r => ids.Contains(r.CampaignId)).GroupBy(r => new { r.CampaignId, r.Tier })
            .Select(g => new { g.Key.CampaignId, g.Key.Tier, Count = g.Count() }).ToListAsync();
        return [.. rows.Select(c =>
        {
            var rules = RulesOf(c);
            int Count(string status) => invites.Where(i => i.CampaignId == c.Id && i.Status == status).Sum(i => i.Count);
            return new CampaignView(
                c.Id, c.Name, EffectiveStatus(c), Time(c.StartsAtTicks), Time(c.EndsAtTicks), c.ChannelCodeId, c.PosterTitle, c.PosterColor,
                rules.DailyCap, rules.TotalCap, rules.RevokeWithinDays, rules.BurstLimit, rules.BurstMinutes, rules.RapidDeleteMinutes, rules.BlockAfterRapidDeletes,
                [.. rules.Tiers.Select((t, i) => new TierView(i, t.Invites, t.Kind, t.Name, t.CouponTemplateId, t.Points, t.Text, t.TagId,
                    rewards.Where(r => r.CampaignId == c.Id && r.Tier == i).Sum(r => r.Count)))],
                participants.GetValueOrDefault(c.Id), Count("counted"), Count("not_counted"), Count("revoked"),
                rewards.Where(r => r.CampaignId == c.Id).Sum(r => r.Count), new DateTimeOffset(c.CreatedAtTicks, TimeSpan.Zero), c.CreatedBy, Time(c.EndedAtTicks));
        })];
    }

    // ---- participation ----

    /// <summary>How a join went: the participant, or why not (<see cref="Refusal"/>: no_campaign, unknown_customer, not_active, wecom).</summary>
    public sealed record JoinResult(ParticipantView? Participant, string? Refusal, string? Message, bool Existing = false);

    /// <summary>
    /// The customer's personal code and poster for the campaign, creating their WeCom contact way on the first call;
    /// later calls answer the same participant.
    /// </summary>
    public async Task<JoinResult> JoinAsync(int tenantId, long campaignId, long requestedCustomer, CancellationToken cancellationToken = default)
    {
        if (await writer.CanonicalAsync(tenantId, requestedCustomer) is not { } customerId)
        {
            return new JoinResult(null, "unknown_customer", "No customer with this id.");
        }
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        if (await db.ReferralCampaigns.AsNoTracking().FirstOrDefaultAsync(c => c.TenantId == tenantId && c.Id == campaignId, cancellationToken) is not { } campaign)
        {
            return new JoinResult(null, "no_campaign", "No referral campaign with this id.");
        }
        if (await db.ReferralParticipants.AsNoTracking().FirstOrDefaultAsync(p => p.TenantId == tenantId && p.CampaignId == campaignId && p.CustomerId == customerId, cancellationToken) is { } existing)
        {
            return new JoinResult(await ParticipantViewAsync(db, campaign, existing), null, null, Existing: true);
        }
        if (!ActiveAt(campaign, time.GetUtcNow()))
        {
            return new JoinResult(null, "not_active", "The campaign is not running (paused, ended or not started).");
        }
        var channel = await db.ChannelCodes.AsNoTracking().FirstOrDefaultAsync(c => c.TenantId == tenantId && c.Id == campaign.ChannelCodeId && c.DeletedAtTicks == null, cancellationToken);
        if (channel is null || connections.Get(tenantId) is not { CanCallApi: true } connection)
        {
            return new JoinResult(null, "wecom", "The campaign's channel code is gone or WeCom is not connected.");
        }
        var profile = await reader.GetAsync(tenantId, customerId);
        var code = ReferralState.NewCode();
        var staff = JsonSerializer.Deserialize<List<string>>(channel.ActiveStaff, Json) is { Count: > 0 } active ? active : ChannelCodes.ActiveStaff(channel, new Dictionary<string, int>());
        WeComContactWayCreated created;
        try
        {
            created = await connections.Client(connection).AddContactWayAsync(new WeComContactWay
            {
                Type = staff.Count == 1 ? 1 : 2, Scene = 2, State = ReferralState.For(code), SkipVerify = channel.SkipVerify, User = staff,
                Remark = string.Concat(campaign.Name.EnumerateRunes().Take(30).Select(r => r.ToString())),
            }, cancellationToken);
        }
        catch (WeComApiException e)
        {
            return new JoinResult(null, "wecom", $"WeCom refused the contact way: {e.ErrCode} {e.ErrMsg}");
        }
        var row = new ReferralParticipantRow
        {
            TenantId = tenantId, CampaignId = campaignId, CustomerId = customerId, Code = code, ConfigId = created.ConfigId, QrCode = created.QrCode,
            Nickname = profile?.Profile.Name is { Length: > 0 } name ? string.Concat(name.EnumerateRunes().Take(30).Select(r => r.ToString())) : $"客户{customerId}",
            JoinedAtTicks = time.GetUtcNow().UtcTicks,
        };
        db.ReferralParticipants.Add(row);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // A parallel join of the same customer won: theirs is the participant, this contact way goes.
            await TryDeleteWayAsync(connection, created.ConfigId);
            await using var again = await dbs.CreateDbContextAsync(cancellationToken);
            var winner = await again.ReferralParticipants.AsNoTracking().FirstAsync(p => p.TenantId == tenantId && p.CampaignId == campaignId && p.CustomerId == customerId, cancellationToken);
            return new JoinResult(await ParticipantViewAsync(again, campaign, winner), null, null, Existing: true);
        }
        return new JoinResult(await ParticipantViewAsync(db, campaign, row), null, null);
    }

    private async Task TryDeleteWayAsync(WeComConnection connection, string configId)
    {
        try
        {
            await connections.Client(connection).DeleteContactWayAsync(configId);
        }
        catch (WeComApiException e)
        {
            LogWayLeft(logger, e, configId);
        }
    }

    /// <summary>The participant's poster PNG; null when there is no such participant. The QR image is fetched once and kept.</summary>
    public async Task<byte[]?> PosterAsync(int tenantId, long participantId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var p = await db.ReferralParticipants.FirstOrDefaultAsync(x => x.TenantId == tenantId && x.Id == participantId, cancellationToken);
        if (p is null)
        {
            return null;
        }
        var campaign = await db.ReferralCampaigns.AsNoTracking().SingleAsync(c => c.Id == p.CampaignId, cancellationToken);
        if (p.QrImage is null && p.QrCode is { } url)
        {
            try
            {
                using var client = http.CreateClient();
                client.Timeout = TimeSpan.FromSeconds(10);
                p.QrImage = await client.GetByteArrayAsync(url, cancellationToken);
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException)
            {
                LogQrFetchFailed(logger, e, participantId);
            }
        }
        var valid = await db.ReferralInvites.CountAsync(i => i.ParticipantId == p.Id && i.Status == "counted", cancellationToken);
        var next = ReferralDecisions.Next(RulesOf(campaign), valid);
        var subtitle = next is { } n ? $"已邀请 {valid} 位好友，再邀 {n.Missing} 位解锁奖励" : $"已邀请 {valid} 位好友";
        return posters.Render(campaign.PosterTitle.Length > 0 ? campaign.PosterTitle : campaign.Name, campaign.PosterColor, p.Nickname, subtitle, p.QrImage);
    }

    // ---- adds and deletes (from the WeCom inbox) ----

    /// <summary>
    /// A customer was added with <paramref name="state"/>: when it is a referral code, records the invite (counted or
    /// with the reason it is not), writes referral.invited on the inviter and grants the tiers it reaches.
    /// </summary>
    public async Task OnAddedAsync(int tenantId, string? state, string eventKey, long inviteeId, long addSeq, string staffUserId, DateTimeOffset at)
    {
        if (ReferralState.CodeOf(state) is not { } code)
        {
            return;
        }
        await using var db = await dbs.CreateDbContextAsync();
        var participant = await db.ReferralParticipants.AsNoTracking().FirstOrDefaultAsync(p => p.TenantId == tenantId && p.Code == code);
        if (participant is null)
        {
            return;
        }
        var campaign = await db.ReferralCampaigns.AsNoTracking().SingleAsync(c => c.Id == participant.CampaignId);
        if (await db.ReferralInvites.AsNoTracking().FirstOrDefaultAsync(i => i.TenantId == tenantId && i.EventKey == eventKey) is { } seen)
        {
            // A retried callback: the decision stands; finish what may not have finished (rewards are keyed).
            if (seen.Status == "counted")
            {
                await GrantDueAsync(tenantId, campaign, participant.Id);
            }
            return;
        }
        var rules = RulesOf(campaign);
        var inviterId = reader.Canonical(tenantId, participant.CustomerId) ?? participant.CustomerId;
        var inviter = await reader.GetAsync(tenantId, inviterId);
        var day = TenantClock.Today(at, tenants.Zone(tenantId));
        var mine = db.ReferralInvites.AsNoTracking().Where(i => i.TenantId == tenantId && i.ParticipantId == participant.Id);
        var burstSince = at.UtcTicks - TimeSpan.FromMinutes(rules.BurstMinutes).Ticks;
        var facts = new AddFacts(
            CampaignActive: ActiveAt(campaign, at),
            InviterId: inviterId,
            InviteeId: inviteeId,
            InviteeWasContact: reader.Timeline(tenantId, inviteeId, addSeq, 1, EventTypes.CustomerAdded).Count > 0,
            InviteeAlreadyInvited: await db.ReferralInvites.AnyAsync(i => i.TenantId == tenantId && i.CampaignId == campaign.Id && i.InviteeId == inviteeId && i.Status != "not_counted"),
            InviterIsContact: inviter is { Profile.Staff.Count: > 0 },
            InviterBlocked: participant.Blocked,
            InviteeSharesIdentityWith: reader.SharesIdentityWith(tenantId, inviteeId),
            OtherInviteesOfInviter: await mine.Where(i => i.Status != "not_counted").Select(i => i.InviteeId).ToListAsync(),
            CountedToday: await mine.CountAsync(i => i.Day == day && i.Status != "not_counted"),
            CountedTotal: await mine.CountAsync(i => i.Status != "not_counted"),
            AddsInBurstWindow: await mine.CountAsync(i => i.AddedAtTicks > burstSince && i.AddedAtTicks <= at.UtcTicks));
        var reason = ReferralDecisions.Decide(rules, facts);
        var invite = new ReferralInviteRow
        {
            TenantId = tenantId, CampaignId = campaign.Id, ParticipantId = participant.Id, InviterId = inviterId, InviteeId = inviteeId, StaffUserId = staffUserId,
            Status = reason == InviteReasons.Counted ? "counted" : "not_counted", Reason = reason, EventKey = eventKey, AddedAtTicks = at.UtcTicks, Day = day,
        };
        db.ReferralInvites.Add(invite);
        try
        {
            await db.SaveChangesAsync();
        }
        catch (DbUpdateException)
        {
            return;
        }
        await AppendAsync(tenantId, $"referral:invite:{invite.Id}", EventTypes.ReferralInvited, at, inviterId, new JsonObject
        {
            ["campaign_id"] = campaign.Id, ["campaign_name"] = campaign.Name, ["invitee_id"] = inviteeId, ["counted"] = invite.Status == "counted", ["reason"] = reason,
        });
        if (invite.Status == "counted")
        {
            await GrantDueAsync(tenantId, campaign, participant.Id);
        }
    }

    /// <summary>
    /// A customer ended a relation with <paramref name="staffUserId"/>: a counted invite through that staff member is
    /// revoked inside the window, and a delete within minutes counts against the inviter (enough of them block them).
    /// </summary>
    public async Task OnDeletedAsync(int tenantId, long inviteeId, string staffUserId, DateTimeOffset at)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var invites = await db.ReferralInvites.Where(i => i.TenantId == tenantId && i.InviteeId == inviteeId && i.StaffUserId == staffUserId && i.DeletedAtTicks == null).ToListAsync();
        foreach (var invite in invites)
        {
            var campaign = await db.ReferralCampaigns.AsNoTracking().SingleAsync(c => c.Id == invite.CampaignId);
            var rules = RulesOf(campaign);
            var added = new DateTimeOffset(invite.AddedAtTicks, TimeSpan.Zero);
            invite.DeletedAtTicks = at.UtcTicks;
            var revoked = invite.Status == "counted" && ReferralDecisions.Revokes(rules, added, at);
            if (revoked)
            {
                (invite.Status, invite.Reason, invite.RevokedAtTicks) = ("revoked", InviteReasons.DeletedWithinWindow, at.UtcTicks);
            }
            if (ReferralDecisions.IsRapidDelete(rules, added, at))
            {
                var participant = await db.ReferralParticipants.SingleAsync(p => p.Id == invite.ParticipantId);
                participant.RapidDeletes++;
                participant.Blocked |= ReferralDecisions.Blocks(rules, participant.RapidDeletes);
            }
            await db.SaveChangesAsync();
            if (revoked)
            {
                await AppendAsync(tenantId, $"referral:revoke:{invite.Id}", EventTypes.ReferralRevoked, at, invite.InviterId, new JsonObject
                {
                    ["campaign_id"] = campaign.Id, ["campaign_name"] = campaign.Name, ["invitee_id"] = inviteeId, ["reason"] = invite.Reason,
                });
            }
        }
    }

    /// <summary>Creates the reward rows of every tier reached and not granted yet, then delivers what is pending.</summary>
    private async Task GrantDueAsync(int tenantId, ReferralCampaignRow campaign, long participantId)
    {
        var rules = RulesOf(campaign);
        await using var db = await dbs.CreateDbContextAsync();
        var participant = await db.ReferralParticipants.AsNoTracking().SingleAsync(p => p.Id == participantId);
        var valid = await db.ReferralInvites.CountAsync(i => i.ParticipantId == participantId && i.Status == "counted");
        var granted = await db.ReferralRewards.Where(r => r.ParticipantId == participantId).Select(r => r.Tier).ToListAsync();
        foreach (var tier in ReferralDecisions.TiersDue(rules, valid, granted))
        {
            db.ReferralRewards.Add(new ReferralRewardRow
            {
                TenantId = tenantId, CampaignId = campaign.Id, ParticipantId = participantId, CustomerId = participant.CustomerId, Tier = tier, Invites = rules.Tiers[tier].Invites,
                Kind = rules.Tiers[tier].Kind, AtTicks = time.GetUtcNow().UtcTicks,
            });
            try
            {
                await db.SaveChangesAsync();
            }
            catch (DbUpdateException)
            {
                // Granted by a parallel call: the unique index keeps it once.
                db.ChangeTracker.Clear();
            }
        }
        foreach (var reward in await db.ReferralRewards.AsNoTracking().Where(r => r.ParticipantId == participantId && r.Status == "pending").ToListAsync())
        {
            if (reward.Tier >= rules.Tiers.Count)
            {
                // The rules were edited down after this tier was granted; it stays granted but has nothing left to deliver.
                continue;
            }
            await DeliverAsync(tenantId, campaign, rules.Tiers[reward.Tier], reward);
        }
    }

    /// <summary>Delivers one reward, keyed by the reward row so a retry delivers at most once.</summary>
    private async Task DeliverAsync(int tenantId, ReferralCampaignRow campaign, ReferralTier tier, ReferralRewardRow reward)
    {
        var key = $"referral-reward:{reward.Id}";
        var label = $"任务宝 {campaign.Name}: 邀请 {tier.Invites} 位好友";
        string status, reference;
        await using var db = await dbs.CreateDbContextAsync();
        switch (tier.Kind)
        {
            case RewardKinds.Coupon:
                // Keyed by the reward: a retry after a crash gets the coupon issued the first time.
                var issued = await coupons.IssueOnceAsync(tenantId, tier.CouponTemplateId!.Value, reward.CustomerId, key, key);
                (status, reference) = issued is { Outcome: IssueOutcomes.Issued or IssueOutcomes.AlreadyIssued, Code: { } code }
                    ? ("delivered", code) : ("failed", "coupon " + (issued?.Outcome ?? "template missing"));
                break;
            case RewardKinds.Points:
                var credit = await loyalty.CreditAsync(tenantId, reward.CustomerId, tier.Points, label, key, key, PointsKind.Referral, sourceRef: $"referral:{campaign.Id}");
                (status, reference) = credit.Entry is { } entry ? ("delivered", $"points-entry:{entry.Id}") : ("failed", "points " + credit.Outcome);
                break;
            case RewardKinds.Message:
                var (message, _, errors) = await delivery.EnqueueAsync(tenantId,
                    new Delivery.OutboundMessage(key, reward.CustomerId, "wecom_private", "service", tier.Text, null, null, $"referral:{campaign.Id}"));
                (status, reference) = message is not null ? ("delivered", $"outbound:{message.Id}") : ("failed", "message " + string.Join("; ", errors.Select(e => e.Message)));
                break;
            default:
                var tagged = await tags.ApplyAsync(tenantId, new Tags.TagChangeRequest([reward.CustomerId], [tier.TagId!.Value], [], Core.Tags.TagSource.Manual, "referral",
                    label, key));
                (status, reference) = tagged.Errors.Count == 0 ? ("delivered", $"tag:{tier.TagId}") : ("failed", "tag " + tagged.Errors[0].Message);
                break;
        }
        if (reference.Length > 200)
        {
            reference = reference[..200];
        }
        var changed = await db.ReferralRewards.Where(r => r.Id == reward.Id && r.Status == "pending")
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, status).SetProperty(r => r.Ref, reference));
        if (changed > 0)
        {
            await AppendAsync(tenantId, key, EventTypes.ReferralRewardGranted, time.GetUtcNow(), reward.CustomerId, new JsonObject
            {
                ["campaign_id"] = campaign.Id, ["campaign_name"] = campaign.Name, ["tier"] = reward.Tier, ["invites"] = tier.Invites, ["kind"] = tier.Kind,
                ["status"] = status, ["ref"] = status == "delivered" && tier.Kind == RewardKinds.Coupon ? null : reference,
            });
        }
    }

    private async Task AppendAsync(int tenantId, string key, string type, DateTimeOffset at, long customerId, JsonObject properties)
    {
        try
        {
            await writer.AppendAsync(tenantId, [new IncomingEvent(key, type, at, [], customerId, properties, null, "siyu")]);
        }
        catch (IngestOverloadedException e)
        {
            // The rows are the truth; the event is idempotent by its key.
            LogEventNotAppended(logger, e, type, key);
        }
    }

    // ---- reading ----

    public async Task<IReadOnlyList<ParticipantView>?> ParticipantsAsync(int tenantId, long campaignId, int limit)
    {
        await using var db = await dbs.CreateDbContextAsync();
        if (await db.ReferralCampaigns.AsNoTracking().FirstOrDefaultAsync(c => c.TenantId == tenantId && c.Id == campaignId) is not { } campaign)
        {
            return null;
        }
        var rows = await db.ReferralParticipants.AsNoTracking().Where(p => p.TenantId == tenantId && p.CampaignId == campaignId).OrderByDescending(p => p.Id)
            .Take(Math.Clamp(limit, 1, 500)).ToListAsync();
        var counts = await CountsAsync(db, campaignId);
        return [.. rows.Select(p => ParticipantView(campaign, p, counts.GetValueOrDefault((p.Id, "counted")), counts.GetValueOrDefault((p.Id, "revoked"))))];
    }

    public async Task<IReadOnlyList<LeaderView>?> LeaderboardAsync(int tenantId, long campaignId, int limit)
    {
        await using var db = await dbs.CreateDbContextAsync();
        if (!await db.ReferralCampaigns.AnyAsync(c => c.TenantId == tenantId && c.Id == campaignId))
        {
            return null;
        }
        // Ties go to whoever got there first (the earlier last counted invite).
        var top = await db.ReferralInvites.AsNoTracking().Where(i => i.TenantId == tenantId && i.CampaignId == campaignId && i.Status == "counted")
            .GroupBy(i => i.ParticipantId).Select(g => new { ParticipantId = g.Key, Valid = g.Count(), Last = g.Max(i => i.Id) })
            .OrderByDescending(g => g.Valid).ThenBy(g => g.Last).Take(Math.Clamp(limit, 1, 100)).ToListAsync();
        var ids = top.Select(t => t.ParticipantId).ToList();
        var people = await db.ReferralParticipants.AsNoTracking().Where(p => ids.Contains(p.Id)).ToDictionaryAsync(p => p.Id);
        return [.. top.Select((t, i) => new LeaderView(i + 1, t.ParticipantId, people[t.ParticipantId].CustomerId, people[t.ParticipantId].Nickname, t.Valid))];
    }

    public async Task<IReadOnlyList<InviteView>?> InvitesAsync(int tenantId, long campaignId, string? status, long? participantId, long? before, int limit)
    {
        await using var db = await dbs.CreateDbContextAsync();
        if (!await db.ReferralCampaigns.AnyAsync(c => c.TenantId == tenantId && c.Id == campaignId))
        {
            return null;
        }
        var q = db.ReferralInvites.AsNoTracking().Where(i => i.TenantId == tenantId && i.CampaignId == campaignId);
        if (status is not null)
        {
            q = q.Where(i => i.Status == status);
        }
        if (participantId is { } p)
        {
            q = q.Where(i => i.ParticipantId == p);
        }
        if (before is { } b)
        {
            q = q.Where(i => i.Id < b);
        }
        return [.. (await q.OrderByDescending(i => i.Id).Take(Math.Clamp(limit, 1, 500)).ToListAsync())
            .Select(i => new InviteView(i.Id, i.ParticipantId, i.InviterId, i.InviteeId, i.StaffUserId, i.Status, i.Reason, new DateTimeOffset(i.AddedAtTicks, TimeSpan.Zero), Time(i.RevokedAtTicks)))];
    }

    public async Task<IReadOnlyList<RewardView>?> RewardsAsync(int tenantId, long campaignId, int limit)
    {
        await using var db = await dbs.CreateDbContextAsync();
        if (!await db.ReferralCampaigns.AnyAsync(c => c.TenantId == tenantId && c.Id == campaignId))
        {
            return null;
        }
        return [.. (await db.ReferralRewards.AsNoTracking().Where(r => r.TenantId == tenantId && r.CampaignId == campaignId).OrderByDescending(r => r.Id)
            .Take(Math.Clamp(limit, 1, 500)).ToListAsync())
            .Select(r => new RewardView(r.Id, r.ParticipantId, r.CustomerId, r.Tier, r.Invites, r.Kind, r.Status, r.Ref, new DateTimeOffset(r.AtTicks, TimeSpan.Zero)))];
    }

    private static async Task<Dictionary<(long, string), int>> CountsAsync(SiyuDb db, long campaignId) =>
        (await db.ReferralInvites.AsNoTracking().Where(i => i.CampaignId == campaignId).GroupBy(i => new { i.ParticipantId, i.Status })
            .Select(g => new { g.Key.ParticipantId, g.Key.Status, Count = g.Count() }).ToListAsync()).ToDictionary(g => (g.ParticipantId, g.Status), g => g.Count);

    private static async Task<ParticipantView> ParticipantViewAsync(SiyuDb db, ReferralCampaignRow campaign, ReferralParticipantRow p)
    {
        var valid = await db.ReferralInvites.CountAsync(i => i.ParticipantId == p.Id && i.Status == "counted");
        var revoked = await db.ReferralInvites.CountAsync(i => i.ParticipantId == p.Id && i.Status == "revoked");
        return ParticipantView(campaign, p, valid, revoked);
    }

    private static ParticipantView ParticipantView(ReferralCampaignRow campaign, ReferralParticipantRow p, int valid, int revoked)
    {
        var rules = RulesOf(campaign);
        var next = ReferralDecisions.Next(rules, valid);
        return new ParticipantView(p.Id, p.CustomerId, p.Nickname, p.Code, ReferralState.For(p.Code), p.ConfigId, p.QrCode, valid, revoked, p.RapidDeletes, p.Blocked,
            next is { } n ? rules.Tiers[n.Tier].Invites : null, next?.Missing, $"/api/v1/referrals/posters/{p.Id}.png", new DateTimeOffset(p.JoinedAtTicks, TimeSpan.Zero));
    }

    private static DateTimeOffset? Time(long? ticks) => ticks is { } t ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Contact way {ConfigId} of a lost join race could not be deleted")]
    private static partial void LogWayLeft(ILogger logger, Exception e, string configId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "QR image of referral participant {Participant} could not be fetched; the poster has none")]
    private static partial void LogQrFetchFailed(ILogger logger, Exception e, long participant);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Type} event {Key} not appended")]
    private static partial void LogEventNotAppended(ILogger logger, Exception e, string type, string key);
}
