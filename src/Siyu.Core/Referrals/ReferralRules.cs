using Siyu.Core.Events;

namespace Siyu.Core.Referrals;

public static class RewardKinds
{
    /// <summary>A coupon of a template, issued through the coupon service.</summary>
    public const string Coupon = "coupon";
    /// <summary>Points credited to the inviter's ledger (kind referral).</summary>
    public const string Points = "points";
    /// <summary>A message to the inviter through the delivery pipeline.</summary>
    public const string Message = "message";
    /// <summary>A tag on the inviter (e.g. "裂变达人"), which audiences and journeys can pick up.</summary>
    public const string Tag = "tag";

    public static readonly IReadOnlyList<string> All = [Coupon, Points, Message, Tag];
}

/// <summary>Why an add through an inviter's code did or did not count.</summary>
public static class InviteReasons
{
    public const string Counted = "counted";
    public const string CampaignInactive = "campaign_inactive";
    public const string SelfInvite = "self_invite";
    public const string AlreadyInvited = "already_invited";
    public const string ExistingCustomer = "existing_customer";
    public const string InviterIneligible = "inviter_ineligible";
    public const string InviterBlocked = "inviter_blocked";
    public const string SameIdentityAsInviter = "same_identity_as_inviter";
    public const string SameIdentityAsOtherInvitee = "same_identity_as_other_invitee";
    public const string Burst = "burst";
    public const string DailyCap = "daily_cap";
    public const string TotalCap = "total_cap";
    /// <summary>Revocation: the invitee ended the relation within the campaign's window.</summary>
    public const string DeletedWithinWindow = "deleted_within_window";
}

/// <summary>One reward tier: reaching <see cref="Invites"/> valid invites unlocks the reward, once.</summary>
public sealed record ReferralTier(int Invites, string Kind, long? CouponTemplateId = null, long Points = 0, string? Text = null, long? TagId = null, string? Name = null);

/// <summary>
/// A referral campaign's rules (任务宝). Caps count invites that were counted, revoked or not: a revoke does not give
/// a day's slot back, so an add–delete loop cannot farm the cap. 0 disables a cap or a check.
/// </summary>
public sealed record ReferralRules(
    int DailyCap,
    int TotalCap,
    int RevokeWithinDays,
    int BurstLimit,
    int BurstMinutes,
    int RapidDeleteMinutes,
    int BlockAfterRapidDeletes,
    IReadOnlyList<ReferralTier> Tiers)
{
    public const int MaxTiers = 10;

    public static ReferralRules Default(IReadOnlyList<ReferralTier> tiers) => new(5, 0, 7, 10, 10, 30, 3, tiers);

    public IReadOnlyList<FieldError> Validate()
    {
        var errors = new List<FieldError>();
        Range(errors, "daily_cap", DailyCap, 0, 1000);
        Range(errors, "total_cap", TotalCap, 0, 100_000);
        Range(errors, "revoke_within_days", RevokeWithinDays, 0, 365);
        Range(errors, "burst_limit", BurstLimit, 0, 10_000);
        Range(errors, "burst_minutes", BurstMinutes, 1, 24 * 60);
        Range(errors, "rapid_delete_minutes", RapidDeleteMinutes, 0, 24 * 60);
        Range(errors, "block_after_rapid_deletes", BlockAfterRapidDeletes, 0, 1000);
        if (Tiers.Count is 0 or > MaxTiers)
        {
            errors.Add(new("tiers", $"Required: 1 to {MaxTiers} reward tiers."));
        }
        for (var i = 0; i < Tiers.Count; i++)
        {
            var t = Tiers[i];
            var at = $"tiers[{i}]";
            if (t.Invites is < 1 or > 100_000)
            {
                errors.Add(new($"{at}.invites", "Required: 1 to 100,000 invites."));
            }
            else if (Tiers.Take(i).Any(o => o.Invites == t.Invites))
            {
                errors.Add(new($"{at}.invites", "Each tier needs a different number of invites."));
            }
            else if (TotalCap > 0 && t.Invites > TotalCap)
            {
                errors.Add(new($"{at}.invites", $"Unreachable: the total cap is {TotalCap} invites."));
            }
            if (t.Name is { Length: > 60 })
            {
                errors.Add(new($"{at}.name", "At most 60 characters."));
            }
            switch (t.Kind)
            {
                case RewardKinds.Coupon when t.CouponTemplateId is not > 0:
                    errors.Add(new($"{at}.coupon_template_id", "Required for a coupon reward."));
                    break;
                case RewardKinds.Points when t.Points is < 1 or > 10_000_000:
                    errors.Add(new($"{at}.points", "Required for a points reward: 1 to 10,000,000."));
                    break;
                case RewardKinds.Message when string.IsNullOrWhiteSpace(t.Text) || t.Text.Length > 1000:
                    errors.Add(new($"{at}.text", "Required for a message reward: 1 to 1,000 characters."));
                    break;
                case RewardKinds.Tag when t.TagId is not > 0:
                    errors.Add(new($"{at}.tag_id", "Required for a tag reward."));
                    break;
                case RewardKinds.Coupon or RewardKinds.Points or RewardKinds.Message or RewardKinds.Tag:
                    break;
                default:
                    errors.Add(new($"{at}.kind", $"One of {string.Join(", ", RewardKinds.All)}."));
                    break;
            }
        }
        return errors;
    }

    private static void Range(List<FieldError> errors, string field, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            errors.Add(new(field, $"Between {min} and {max}."));
        }
    }
}

/// <summary>
/// What is known when a customer is added through an inviter's code. Identity links come from One ID: customers the
/// invitee shares a phone, unionid or device with (a merge the identity graph refused, or a merge into the inviter).
/// </summary>
public sealed record AddFacts(
    bool CampaignActive,
    long InviterId,
    long InviteeId,
    bool InviteeWasContact,
    bool InviteeAlreadyInvited,
    bool InviterIsContact,
    bool InviterBlocked,
    IReadOnlyCollection<long> InviteeSharesIdentityWith,
    IReadOnlyCollection<long> OtherInviteesOfInviter,
    int CountedToday,
    int CountedTotal,
    int AddsInBurstWindow);

/// <summary>The pure decisions of a referral campaign: does an add count, is it revoked, which tiers are due.</summary>
public static class ReferralDecisions
{
    /// <summary>The first reason that stops the add from counting, in a fixed order, or <see cref="InviteReasons.Counted"/>.</summary>
    public static string Decide(ReferralRules rules, AddFacts f)
    {
        if (!f.CampaignActive)
        {
            return InviteReasons.CampaignInactive;
        }
        if (f.InviteeId == f.InviterId)
        {
            return InviteReasons.SelfInvite;
        }
        if (f.InviteeAlreadyInvited)
        {
            return InviteReasons.AlreadyInvited;
        }
        if (f.InviteeWasContact)
        {
            return InviteReasons.ExistingCustomer;
        }
        if (!f.InviterIsContact)
        {
            return InviteReasons.InviterIneligible;
        }
        if (f.InviterBlocked)
        {
            return InviteReasons.InviterBlocked;
        }
        if (f.InviteeSharesIdentityWith.Contains(f.InviterId))
        {
            return InviteReasons.SameIdentityAsInviter;
        }
        if (f.InviteeSharesIdentityWith.Any(f.OtherInviteesOfInviter.Contains))
        {
            return InviteReasons.SameIdentityAsOtherInvitee;
        }
        if (rules.BurstLimit > 0 && f.AddsInBurstWindow >= rules.BurstLimit)
        {
            return InviteReasons.Burst;
        }
        if (rules.TotalCap > 0 && f.CountedTotal >= rules.TotalCap)
        {
            return InviteReasons.TotalCap;
        }
        if (rules.DailyCap > 0 && f.CountedToday >= rules.DailyCap)
        {
            return InviteReasons.DailyCap;
        }
        return InviteReasons.Counted;
    }

    /// <summary>A counted invite is revoked when the invitee ends the relation less than the window after the add.</summary>
    public static bool Revokes(ReferralRules rules, DateTimeOffset addedAt, DateTimeOffset deletedAt) =>
        rules.RevokeWithinDays > 0 && deletedAt >= addedAt && deletedAt - addedAt < TimeSpan.FromDays(rules.RevokeWithinDays);

    /// <summary>An add then delete within minutes: a fraud signal on the inviter, whether or not the invite counted.</summary>
    public static bool IsRapidDelete(ReferralRules rules, DateTimeOffset addedAt, DateTimeOffset deletedAt) =>
        rules.RapidDeleteMinutes > 0 && deletedAt >= addedAt && deletedAt - addedAt < TimeSpan.FromMinutes(rules.RapidDeleteMinutes);

    /// <summary>Inviters with this many rapid add–deletes stop earning (their further adds count as <see cref="InviteReasons.InviterBlocked"/>).</summary>
    public static bool Blocks(ReferralRules rules, int rapidDeletes) => rules.BlockAfterRapidDeletes > 0 && rapidDeletes >= rules.BlockAfterRapidDeletes;

    /// <summary>
    /// Tiers (by index) that <paramref name="validInvites"/> reaches and that were not granted yet. A granted tier stays
    /// granted: a later revoke does not claw it back, and re-earning it does not grant it again.
    /// </summary>
    public static IReadOnlyList<int> TiersDue(ReferralRules rules, int validInvites, IReadOnlyCollection<int> granted) =>
        [.. Enumerable.Range(0, rules.Tiers.Count).Where(i => rules.Tiers[i].Invites <= validInvites && !granted.Contains(i)).OrderBy(i => rules.Tiers[i].Invites)];

    /// <summary>The next tier not reached yet and how many valid invites it still needs, for the poster and the H5 page.</summary>
    public static (int Tier, int Missing)? Next(ReferralRules rules, int validInvites)
    {
        var next = Enumerable.Range(0, rules.Tiers.Count).Where(i => rules.Tiers[i].Invites > validInvites).OrderBy(i => rules.Tiers[i].Invites).ToList();
        return next.Count == 0 ? null : (next[0], rules.Tiers[next[0]].Invites - validInvites);
    }
}

/// <summary>
/// Channel <c>state</c> of an inviter's personal code: "rf" and the participant's short code (WeCom limits state to 30
/// characters, so the campaign and inviter are found through the code, not spelled out).
/// </summary>
public static class ReferralState
{
    public const string Prefix = "rf_";
    private const string Alphabet = "abcdefghijkmnpqrstuvwxyz23456789";

    public static string For(string code) => Prefix + code;

    public static string? CodeOf(string? state) =>
        state is { Length: > 3 and <= 30 } && state.StartsWith(Prefix, StringComparison.Ordinal) ? state[Prefix.Length..] : null;

    /// <summary>A random code of <paramref name="length"/> characters from an unambiguous alphabet (no 0/o, 1/l).</summary>
    public static string NewCode(int length = 12)
    {
        Span<byte> bytes = stackalloc byte[length];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = Alphabet[bytes[i] % Alphabet.Length];
        }
        return new string(chars);
    }
}
