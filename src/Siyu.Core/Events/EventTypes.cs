using System.Text.RegularExpressions;

namespace Siyu.Core.Events;

/// <summary>Standard event types; any other name matching <see cref="IsValidName"/> is a custom type.</summary>
public static partial class EventTypes
{
    public const string OrderPaid = "order.paid";
    public const string OrderRefunded = "order.refunded";
    public const string PageViewed = "page.viewed";
    public const string MessageReceived = "message.received";
    public const string MessageSent = "message.sent";
    /// <summary>A staff member wrote to the customer in WeCom (from the session archive); not something Siyu sent.</summary>
    public const string MessageSentByStaff = "message.sent_by_staff";
    public const string CustomerAdded = "customer.added";
    public const string CustomerDeleted = "customer.deleted";
    public const string GroupJoined = "group.joined";
    public const string CouponRedeemed = "coupon.redeemed";
    /// <summary>Siyu issued a coupon to the customer (properties: code, template_id, template_name, valid_until).</summary>
    public const string CouponIssued = "coupon.issued";
    /// <summary>An issued coupon passed its validity unused (properties: code, template_id).</summary>
    public const string CouponExpired = "coupon.expired";
    public const string CampaignJoined = "campaign.joined";
    /// <summary>Attribute edits (console, API, import) travel through the log like every other change.</summary>
    public const string ProfileUpdated = "profile.updated";
    /// <summary>Written by Siyu itself when identities merge or a merge is undone; clients cannot send them.</summary>
    public const string CustomerMerged = "customer.merged";
    public const string CustomerUnmerged = "customer.unmerged";
    /// <summary>Tag changes, written by the tags API, rules and sync (which check the tag exists); clients use the tags API.</summary>
    public const string TagAdded = "tag.added";
    public const string TagRemoved = "tag.removed";
    /// <summary>Consent changes per channel and topic, written by the consents API (unsubscribe, opt-in).</summary>
    public const string ConsentGranted = "consent.granted";
    public const string ConsentRevoked = "consent.revoked";
    /// <summary>Delivery outcomes Siyu records for messages it sent or held back.</summary>
    public const string MessageFailed = "message.failed";
    public const string MessageExcluded = "message.excluded";
    public const string MessageDeferred = "message.deferred";
    /// <summary>A customer opened a tracked link in a message (a customer action, unlike the delivery outcomes).</summary>
    public const string MessageClicked = "message.clicked";
    /// <summary>An operator moved a customer to a lifecycle stage (properties: stage, by, reason); written by the lifecycle API.</summary>
    public const string LifecycleMoved = "lifecycle.moved";
    /// <summary>The customer was erased (PIPL deletion): the profile drops everything personal and refuses to learn it again.</summary>
    public const string CustomerAnonymised = "customer.anonymised";
    /// <summary>A sensitive topic in the customer's message raised a handoff (转人工; properties: handoff_id, topics, message_seq, msgid, staff_userid): automation pauses.</summary>
    public const string HandoffOpened = "handoff.opened";
    /// <summary>The handoff was resolved (properties: handoff_id, by): automation resumes.</summary>
    public const string HandoffResolved = "handoff.resolved";

    /// <summary>A points ledger entry (properties: entry_id, kind, amount, balance, shortfall, reason, source_ref); written by the loyalty ledger.</summary>
    public const string PointsChanged = "points.changed";

    /// <summary>The customer drew a lottery (properties: lottery_id, lottery_name, draw_number, outcome, prize, prize_kind, points_paid); written by the lottery.</summary>
    public const string LotteryDrawn = "lottery.drawn";

    /// <summary>The customer shared a precise location (properties: lat, lng, source); written by store routing only after a location-consent check.</summary>
    public const string LocationReported = "location.reported";

    /// <summary>A new customer the inviter brought in through their referral code counted (on the inviter; properties: campaign_id, invitee_id, invite_id); written by referral campaigns.</summary>
    public const string ReferralInvited = "referral.invited";
    /// <summary>A counted invitation was revoked (the invitee deleted within the campaign's window, or anti-fraud; properties: campaign_id, invitee_id, invite_id, reason).</summary>
    public const string ReferralRevoked = "referral.revoked";
    /// <summary>The inviter reached a reward tier (properties: campaign_id, tier, invites, reward_kind, reward_ref).</summary>
    public const string ReferralRewardGranted = "referral.reward_granted";
    /// <summary>The customer checked in (properties: campaign_id, day, streak, total_days).</summary>
    public const string CheckInDone = "checkin.done";
    /// <summary>A check-in streak reached a reward tier (properties: campaign_id, streak, reward_kind, reward_ref).</summary>
    public const string CheckInRewardGranted = "checkin.reward_granted";
    /// <summary>A customer left a customer group (properties: chat_id, ...); written by group sync.</summary>
    public const string GroupLeft = "group.left";

    public static readonly IReadOnlySet<string> Standard = new HashSet<string>
    {
        OrderPaid, OrderRefunded, PageViewed, MessageReceived, MessageSent, CustomerAdded, CustomerDeleted,
        GroupJoined, CouponRedeemed, CampaignJoined, ProfileUpdated,
    };

    /// <summary>Identity markers: they change which history belongs to whom, not the profile itself.</summary>
    public static readonly IReadOnlySet<string> SystemOnly = new HashSet<string> { CustomerMerged, CustomerUnmerged };

    /// <summary>Types only Siyu itself appends; the ingest API refuses them.</summary>
    public static readonly IReadOnlySet<string> Reserved = new HashSet<string> { CustomerMerged, CustomerUnmerged, TagAdded, TagRemoved, ConsentGranted, ConsentRevoked, LifecycleMoved, CustomerAnonymised, HandoffOpened, HandoffResolved, CouponIssued, CouponExpired, PointsChanged, LotteryDrawn, LocationReported,
        ReferralInvited, ReferralRevoked, ReferralRewardGranted, CheckInDone, CheckInRewardGranted };

    /// <summary>What Siyu did to a customer, not what the customer did: these don't move first/last seen.</summary>
    public static readonly IReadOnlySet<string> NotCustomerActivity = new HashSet<string> { MessageSent, MessageSentByStaff, MessageFailed, MessageExcluded, MessageDeferred, LifecycleMoved, CustomerAnonymised, HandoffOpened, HandoffResolved, CouponIssued, CouponExpired, PointsChanged,
        ReferralInvited, ReferralRevoked, ReferralRewardGranted, CheckInRewardGranted };

    public static bool IsValidName(string type) => type.Length <= 64 && NamePattern().IsMatch(type);

    [GeneratedRegex("^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*$")]
    private static partial Regex NamePattern();
}
