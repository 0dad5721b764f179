namespace Siyu.Core.Audiences.Conditions;

/// <summary>
/// Attribute types by convention until attributes get declared schemas: known dates, names ending in
/// _at/_date/_on/_until/生日/日期 are dates, counters and amounts are numbers, everything else is text.
/// </summary>
public static class AttributeTypes
{
    private static readonly Dictionary<string, AttributeType> Known = new(StringComparer.Ordinal)
    {
        ["birthday"] = AttributeType.Date,
        ["registered_at"] = AttributeType.Date,
        ["age"] = AttributeType.Number,
        ["level"] = AttributeType.Number,
        ["points"] = AttributeType.Number,
    };

    public static AttributeType Infer(string name)
    {
        if (Known.TryGetValue(name, out var type))
        {
            return type;
        }
        if (EndsWith(name, "_at", "_date", "_on", "_until", "_expires", "生日", "日期", "到期"))
        {
            return AttributeType.Date;
        }
        return EndsWith(name, "_count", "_sum", "_amount", "_score", "_points", "_level", "金额", "积分", "次数")
            ? AttributeType.Number
            : AttributeType.String;
    }

    private static bool EndsWith(string name, params string[] suffixes) => suffixes.Any(s => name.EndsWith(s, StringComparison.Ordinal));
}

/// <summary>An in-memory catalog: the bench and tests use it directly; the server fills one per tenant from its tables.</summary>
public sealed class ConditionCatalog : IConditionCatalog
{
    public Dictionary<long, TagInfo> Tags { get; init; } = [];
    public HashSet<string> Scores { get; init; } = new(StringComparer.Ordinal);
    public Dictionary<long, string> Audiences { get; init; } = [];
    public Dictionary<string, AttributeType> AttributeOverrides { get; init; } = new(StringComparer.Ordinal);
    public int RetentionDays { get; init; } = ConditionLimits.DefaultRetentionDays;

    public TagInfo? Tag(long id) => Tags.GetValueOrDefault(id);

    public AttributeType AttributeType(string name) => AttributeOverrides.TryGetValue(name, out var t) ? t : AttributeTypes.Infer(name);

    public bool IsScore(string name) => Scores.Contains(name);

    public string? AudienceCondition(long id) => Audiences.GetValueOrDefault(id);

    public Dictionary<long, StoreInfo> Stores { get; init; } = [];

    public StoreInfo? Store(long id) => Stores.GetValueOrDefault(id);
}

/// <summary>
/// Computed scores conditions can use. Analytics writes them onto profiles (<c>CustomerProfile.Scores</c>) under
/// these names; until it does, customers have no score and match no score comparison.
/// </summary>
public static class ScoreNames
{
    public const string Rfm = "rfm";
    public const string Rfe = "rfe";
    /// <summary>The lifecycle stage as its number: 1 潜客 prospect, 2 新客 new, 3 活跃 active, 4 忠诚 loyal, 5 沉默 silent, 6 流失 churned.</summary>
    public const string LifecycleStage = "lifecycle_stage";
    /// <summary>The RFM scores 1–5 (0 = never paid); <see cref="Rfm"/> is their mean.</summary>
    public const string RfmR = "rfm_r";
    public const string RfmF = "rfm_f";
    public const string RfmM = "rfm_m";
    /// <summary>The engagement score 1–5 (interactions in the tenant's window); <see cref="Rfe"/> weighs R, F and it.</summary>
    public const string RfeE = "rfe_e";
    /// <summary>Days from today to the customer's next purchase-due date (negative: overdue); see <c>PurchaseDue</c>.</summary>
    public const string PurchaseDueDays = "purchase_due_days";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { Rfm, Rfe, LifecycleStage, RfmR, RfmF, RfmM, RfeE, PurchaseDueDays };
}
