using Xunit;
using Siyu.Core.Referrals;

namespace Siyu.Core.Tests.Referrals;

public sealed class ReferralRulesTests
{
    private static readonly ReferralRules Rules = ReferralRules.Default(
    [
        new ReferralTier(3, RewardKinds.Coupon, CouponTemplateId: 7),
        new ReferralTier(1, RewardKinds.Points, Points: 50),
        new ReferralTier(10, RewardKinds.Message, Text: "恭喜"),
    ]);

    private static AddFacts Facts(
        long inviter = 1, long invitee = 2, bool active = true, bool wasContact = false, bool already = false, bool inviterContact = true, bool blocked = false,
        long[]? shares = null, long[]? others = null, int today = 0, int total = 0, int burst = 0) =>
        new(active, inviter, invitee, wasContact, already, inviterContact, blocked, shares ?? [], others ?? [], today, total, burst);

    [Fact]
    public void A_new_customer_through_an_eligible_inviter_counts()
    {
        Assert.Equal(InviteReasons.Counted, ReferralDecisions.Decide(Rules, Facts()));
    }

    [Theory]
    [InlineData(InviteReasons.CampaignInactive)]
    [InlineData(InviteReasons.SelfInvite)]
    [InlineData(InviteReasons.AlreadyInvited)]
    [InlineData(InviteReasons.ExistingCustomer)]
    [InlineData(InviteReasons.InviterIneligible)]
    [InlineData(InviteReasons.InviterBlocked)]
    [InlineData(InviteReasons.SameIdentityAsInviter)]
    [InlineData(InviteReasons.SameIdentityAsOtherInvitee)]
    [InlineData(InviteReasons.Burst)]
    [InlineData(InviteReasons.TotalCap)]
    [InlineData(InviteReasons.DailyCap)]
    public void Each_check_refuses_with_its_own_reason(string reason)
    {
        var facts = reason switch
        {
            InviteReasons.CampaignInactive => Facts(active: false),
            InviteReasons.SelfInvite => Facts(invitee: 1),
            InviteReasons.AlreadyInvited => Facts(already: true),
            InviteReasons.ExistingCustomer => Facts(wasContact: true),
            InviteReasons.InviterIneligible => Facts(inviterContact: false),
            InviteReasons.InviterBlocked => Facts(blocked: true),
            InviteReasons.SameIdentityAsInviter => Facts(shares: [1]),
            InviteReasons.SameIdentityAsOtherInvitee => Facts(shares: [9], others: [8, 9]),
            InviteReasons.Burst => Facts(burst: 10),
            InviteReasons.TotalCap => Facts(total: 4),
            _ => Facts(today: 5),
        };
        var rules = reason == InviteReasons.TotalCap ? Rules with { TotalCap = 4, Tiers = [new ReferralTier(3, RewardKinds.Points, Points: 1)] } : Rules;
        Assert.Equal(reason, ReferralDecisions.Decide(rules, facts));
    }

    [Fact]
    public void Daily_cap_of_five_lets_the_fifth_through_and_stops_the_sixth()
    {
        Assert.Equal(InviteReasons.Counted, ReferralDecisions.Decide(Rules, Facts(today: 4, total: 4)));
        Assert.Equal(InviteReasons.DailyCap, ReferralDecisions.Decide(Rules, Facts(today: 5, total: 5)));
        // Next day: today's count starts again while the total carries on.
        Assert.Equal(InviteReasons.Counted, ReferralDecisions.Decide(Rules, Facts(today: 0, total: 5)));
        Assert.Equal(InviteReasons.Counted, ReferralDecisions.Decide(Rules with { DailyCap = 0 }, Facts(today: 500)));
    }

    [Fact]
    public void Burst_of_ten_adds_in_the_window_stops_the_eleventh()
    {
        Assert.Equal(InviteReasons.Counted, ReferralDecisions.Decide(Rules, Facts(burst: 9)));
        Assert.Equal(InviteReasons.Burst, ReferralDecisions.Decide(Rules, Facts(burst: 10)));
        Assert.Equal(InviteReasons.Counted, ReferralDecisions.Decide(Rules with { BurstLimit = 0 }, Facts(burst: 10)));
    }

    [Fact]
    public void An_earlier_reason_wins_over_a_later_one()
    {
        // Existing customer and over the cap: the customer is not new, which is what the inviter needs to hear.
        Assert.Equal(InviteReasons.ExistingCustomer, ReferralDecisions.Decide(Rules, Facts(wasContact: true, today: 9)));
        Assert.Equal(InviteReasons.SelfInvite, ReferralDecisions.Decide(Rules, Facts(invitee: 1, wasContact: true)));
    }

    [Fact]
    public void Delete_within_seven_days_revokes_and_after_does_not()
    {
        var added = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
        Assert.True(ReferralDecisions.Revokes(Rules, added, added.AddDays(7).AddSeconds(-1)));
        Assert.False(ReferralDecisions.Revokes(Rules, added, added.AddDays(7)));
        Assert.False(ReferralDecisions.Revokes(Rules with { RevokeWithinDays = 0 }, added, added.AddMinutes(1)));
    }

    [Fact]
    public void Rapid_delete_is_under_thirty_minutes_and_three_block_the_inviter()
    {
        var added = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
        Assert.True(ReferralDecisions.IsRapidDelete(Rules, added, added.AddMinutes(29)));
        Assert.False(ReferralDecisions.IsRapidDelete(Rules, added, added.AddMinutes(30)));
        Assert.False(ReferralDecisions.Blocks(Rules, 2));
        Assert.True(ReferralDecisions.Blocks(Rules, 3));
        Assert.False(ReferralDecisions.Blocks(Rules with { BlockAfterRapidDeletes = 0 }, 100));
    }

    [Fact]
    public void Tiers_are_due_once_in_order_of_invites_and_a_revoke_does_not_grant_again()
    {
        // Tiers: [0] 3 → coupon, [1] 1 → points, [2] 10 → message.
        Assert.Empty(ReferralDecisions.TiersDue(Rules, 0, []));
        Assert.Equal([1], ReferralDecisions.TiersDue(Rules, 1, []));
        Assert.Equal([1, 0], ReferralDecisions.TiersDue(Rules, 3, []));
        Assert.Equal([0], ReferralDecisions.TiersDue(Rules, 3, [1]));
        // 3 granted, a revoke drops to 2, a new invite back to 3: nothing new is due.
        Assert.Empty(ReferralDecisions.TiersDue(Rules, 2, [0, 1]));
        Assert.Empty(ReferralDecisions.TiersDue(Rules, 3, [0, 1]));
        Assert.Equal([2], ReferralDecisions.TiersDue(Rules, 12, [0, 1]));
    }

    [Fact]
    public void Next_tier_says_how_many_invites_are_missing()
    {
        Assert.Equal((1, 1), ReferralDecisions.Next(Rules, 0));
        Assert.Equal((0, 2), ReferralDecisions.Next(Rules, 1));
        Assert.Equal((2, 7), ReferralDecisions.Next(Rules, 3));
        Assert.Null(ReferralDecisions.Next(Rules, 10));
    }

    [Fact]
    public void Validation_names_the_field_at_fault()
    {
        var bad = new ReferralRules(-1, 2, 7, 10, 10, 30, 3,
        [
            new ReferralTier(3, RewardKinds.Coupon),
            new ReferralTier(3, RewardKinds.Points, Points: 0),
            new ReferralTier(1, "cash"),
        ]);
        var paths = bad.Validate().Select(e => e.Path).ToList();
        Assert.Equal(["daily_cap", "tiers[0].invites", "tiers[0].coupon_template_id", "tiers[1].invites", "tiers[1].points", "tiers[2].kind"], paths);
        Assert.Empty(Rules.Validate());
    }

    [Fact]
    public void State_is_short_and_round_trips_the_code()
    {
        var code = ReferralState.NewCode();
        var state = ReferralState.For(code);
        Assert.True(state.Length <= 30);
        Assert.Equal(code, ReferralState.CodeOf(state));
        Assert.Null(ReferralState.CodeOf("ch_0123456789abcdef"));
        Assert.Null(ReferralState.CodeOf("rf_"));
        Assert.Null(ReferralState.CodeOf(null));
    }
}
