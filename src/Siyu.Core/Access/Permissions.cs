namespace Siyu.Core.Access;

/// <summary>
/// What a caller may do. Every API endpoint and console page declares exactly one; roles grant sets of them
/// (<see cref="RolePermissions"/>). Reads end in <c>Read</c>: API keys with the <c>read</c> scope get those.
/// </summary>
public enum Permission
{
    CustomersRead,
    /// <summary>Attributes, consents, tags and lifecycle stage of one customer.</summary>
    CustomersWrite,
    CustomersReveal,
    /// <summary>The merge history and conflicts (they name customers of every staff member).</summary>
    IdentityRead,
    CustomersMerge,
    /// <summary>在职/离职继承: hand customers from one staff member to another.</summary>
    CustomersTransfer,
    TagsRead,
    TagsWrite,
    /// <summary>The script and material library (话术库): every role uses it; it holds no customer data.</summary>
    ScriptsRead,
    ScriptsWrite,
    AudiencesRead,
    AudiencesWrite,
    JourneysRead,
    JourneysWrite,
    MassSendsRead,
    MassSendsWrite,
    MassSendsApprove,
    DeliveryRead,
    DeliverySend,
    DeliveryApprove,
    AnalyticsRead,
    AnalyticsWrite,
    WeComRead,
    WeComWrite,
    /// <summary>Tenant-wide configuration: delivery rules, WeCom connection, review rule packs.</summary>
    SettingsWrite,
    AuditRead,
    /// <summary>Read data-subject requests.</summary>
    ComplianceRead,
    /// <summary>File data-subject requests (export, correct) and start processing them.</summary>
    ComplianceRequest,
    /// <summary>Complete or reject data-subject requests, file deletions, download exports, manage PII keys.</summary>
    ComplianceManage,
    ApiKeysManage,
    UsersManage,
    EventsWrite,
    /// <summary>Read archived conversations (会话存档), filtered by the caller's data scope.</summary>
    ConversationsRead,
    /// <summary>The archive sidecar: post archived messages, read and move the seq cursor, decrypt random keys (API key scope <c>archive:write</c>).</summary>
    ArchiveIngest,
    /// <summary>Work the handoff queue (转人工): claim, note and resolve handoffs raised by sensitive-topic interception; filtered by data scope.</summary>
    HandoffsWork,
    /// <summary>Conversation rules: sensitive-topic interception words, quality-inspection rules, intents.</summary>
    ConversationRulesWrite,
    /// <summary>Quality-inspection (质检) scores, staff reports and drill-down; tenant-wide (they compare staff).</summary>
    QualityRead,
    /// <summary>Coupon templates, their counts, and customers' coupons.</summary>
    CouponsRead,
    /// <summary>Create and pause coupon templates; issue coupons to customers.</summary>
    CouponsWrite,
    /// <summary>Verify and redeem a coupon code at a store or mini-program (API key scope <c>coupons:redeem</c>).</summary>
    CouponsRedeem,
    /// <summary>Points balances, lots and ledgers (per customer, scope-checked), loyalty settings and tier counts.</summary>
    LoyaltyRead,
    /// <summary>Spend and adjust customers' points (audited), change the earn rate, expiry and tiers.</summary>
    LoyaltyWrite,
    /// <summary>Growth campaigns (lotteries, referral, group codes, check-in, stores): their rules and results.</summary>
    CampaignsRead,
    /// <summary>Create, change, pause and end growth campaigns and stores.</summary>
    CampaignsWrite,
    /// <summary>Take part for a customer from an H5 page or mini-program: draw a lottery, route to a store (API key scope <c>campaigns:participate</c>).</summary>
    CampaignsParticipate,
    /// <summary>Any signed-in caller: who am I.</summary>
    SignedIn,
}

/// <summary>The role names stored on console users (and <c>ingest</c> for API keys).</summary>
public static class RoleNames
{
    public const string Admin = "admin";
    public const string Operator = "operator";
    public const string Staff = "staff";
    public const string Auditor = "auditor";
    public const string ReadOnly = "readonly";
    public const string ApiKey = "ingest";

    /// <summary>The roles a console user can be given.</summary>
    public static readonly IReadOnlyList<string> Console = [Admin, Operator, Staff, Auditor, ReadOnly];
}

public static class RolePermissions
{
    private static readonly HashSet<Permission> Reads =
    [
        Permission.CustomersRead, Permission.IdentityRead, Permission.TagsRead, Permission.ScriptsRead, Permission.AudiencesRead, Permission.JourneysRead,
        Permission.MassSendsRead, Permission.DeliveryRead, Permission.AnalyticsRead, Permission.WeComRead, Permission.SignedIn,
        Permission.ConversationsRead, Permission.QualityRead, Permission.CouponsRead, Permission.LoyaltyRead,
        Permission.CampaignsRead,
    ];

    private static readonly Dictionary<string, HashSet<Permission>> ByRole = new(StringComparer.Ordinal)
    {
        [RoleNames.Admin] = [.. Enum.GetValues<Permission>()],
        // Operators run the customer operation; tenant configuration, identity surgery, approvals and compliance are admins'.
        [RoleNames.Operator] =
        [
            .. Reads, Permission.CustomersWrite, Permission.TagsWrite, Permission.ScriptsWrite, Permission.AudiencesWrite, Permission.JourneysWrite,
            Permission.MassSendsWrite, Permission.DeliverySend, Permission.AnalyticsWrite, Permission.WeComWrite, Permission.EventsWrite,
            Permission.ComplianceRequest, Permission.HandoffsWork, Permission.ConversationRulesWrite, Permission.CouponsWrite, Permission.CouponsRedeem, Permission.LoyaltyWrite,
            Permission.CampaignsWrite, Permission.CampaignsParticipate,
        ],
        // Staff (一线员工) work their own customers; no tenant-wide lists or analytics.
        [RoleNames.Staff] = [Permission.CustomersRead, Permission.CustomersWrite, Permission.TagsRead, Permission.ScriptsRead, Permission.SignedIn, Permission.ConversationsRead,
            Permission.HandoffsWork, Permission.LoyaltyRead],
        [RoleNames.Auditor] = [.. Reads, Permission.AuditRead, Permission.ComplianceRead],
        [RoleNames.ReadOnly] = [.. Reads],
        [RoleNames.ApiKey] = [.. Reads, Permission.EventsWrite, Permission.ArchiveIngest, Permission.CouponsRedeem, Permission.CampaignsParticipate],
    };

    /// <summary>
    /// Permissions a caller whose data scope is narrower than "all" may still use: the endpoint either has nothing
    /// customer-specific or filters by the scope. Every other permission needs the "all" scope, so an endpoint cannot
    /// leak other staff's customers by forgetting the filter.
    /// </summary>
    public static readonly IReadOnlySet<Permission> ScopeAware = new HashSet<Permission>
    {
        Permission.CustomersRead, Permission.CustomersWrite, Permission.TagsRead, Permission.ScriptsRead, Permission.SignedIn,
        // Conversation search and the per-customer view filter by the staff member of each message.
        Permission.ConversationsRead,
        // The handoff queue lists and resolves only handoffs of customers in the caller's scope.
        Permission.HandoffsWork,
        // Per-customer points are under /api/v1/customers/{id} (scope-checked); settings hold no customer data; the tier summary is counts only.
        Permission.LoyaltyRead,
    };

    public static bool IsRead(Permission permission) => Reads.Contains(permission);

    public static bool Grants(string role, Permission permission) => ByRole.TryGetValue(role, out var set) && set.Contains(permission);

    public static IReadOnlySet<Permission> Of(string role) => ByRole.TryGetValue(role, out var set) ? set : new HashSet<Permission>();

    public static bool IsKnownRole(string role) => RoleNames.Console.Contains(role);
}
