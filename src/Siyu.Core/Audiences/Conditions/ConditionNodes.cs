namespace Siyu.Core.Audiences.Conditions;

/// <summary>
/// A parsed, validated condition (JSON v1). Every node keeps the JSON path it came from, so evaluation
/// explanations and errors point at the same place the operator edited.
/// </summary>
public sealed record Condition(int Version, ConditionNode Root)
{
    public const int CurrentVersion = 1;
}

public abstract record ConditionNode(string Path);

/// <summary>All children hold; an empty group holds for everyone.</summary>
public sealed record AllNode(string Path, IReadOnlyList<ConditionNode> Children) : ConditionNode(Path);

/// <summary>At least one child holds; an empty group holds for no one.</summary>
public sealed record AnyNode(string Path, IReadOnlyList<ConditionNode> Children) : ConditionNode(Path);

public sealed record NotNode(string Path, ConditionNode Child) : ConditionNode(Path);

public enum TagMatch { HasAny, HasAll, HasNone }

/// <summary>Has any / all / none of the tags. has_all of an empty list holds for everyone, has_any for no one.</summary>
public sealed record TagsNode(string Path, TagMatch Match, IReadOnlyList<long> TagIds) : ConditionNode(Path);

public enum AttributeType { String, Number, Date }

public enum CompareOp
{
    Eq, Neq, In, Contains, Between, Gt, Gte, Lt, Lte, IsSet, NotSet,
    /// <summary>A date from today to today + N (local days), e.g. "course expires within 30 days".</summary>
    WithinNextDays,
    /// <summary>A date from today − N to today.</summary>
    WithinLastDays,
    /// <summary>The date's month and day fall in the next N days, any year (birthdays, anniversaries).</summary>
    AnniversaryWithinNextDays,
}

/// <summary>
/// The value side of a comparison, already in the attribute's type: strings for String, numbers for Number,
/// day numbers (<see cref="DateOnly.DayNumber"/>) for Date. <see cref="Days"/> is N of the relative date operators.
/// </summary>
public sealed record Operand(IReadOnlyList<string> Texts, IReadOnlyList<double> Numbers, int Days)
{
    public static readonly Operand None = new([], [], 0);
}

public sealed record AttributeNode(string Path, string Name, AttributeType Type, CompareOp Op, Operand Operand) : ConditionNode(Path);

/// <summary>A computed score (RFM, lifecycle stage…), numeric. Customers without a score match no comparison.</summary>
public sealed record ScoreNode(string Path, string Name, CompareOp Op, Operand Operand) : ConditionNode(Path);

public enum Measure { Count, Sum, DaysSinceLast }

/// <summary>A filter on an event property. Type follows the value given: a string compares text, a number compares numbers.</summary>
public sealed record PropertyFilter(string Path, string Property, AttributeType Type, CompareOp Op, Operand Operand);

/// <summary>
/// A behaviour window: events of one type (optionally filtered by properties) in the last N local days including
/// today, or all time; measured as a count, a sum of a numeric property, or days since the last one, and compared.
/// Customers with no such event count 0 and sum 0; they have no "days since last" and match no comparison of it.
/// </summary>
public sealed record BehaviorNode(
    string Path, string EventType, IReadOnlyList<PropertyFilter> Where, int? LastDays, Measure Measure, string? SumProperty,
    CompareOp Op, Operand Operand) : ConditionNode(Path)
{
    public bool AllTime => LastDays is null;
}

/// <summary>A static list of customer ids (uploaded).</summary>
public sealed record ListNode(string Path, IReadOnlySet<long> CustomerIds) : ConditionNode(Path);

/// <summary>Another saved audience, already resolved (references are expanded at parse time; cycles are rejected).</summary>
public sealed record AudienceNode(string Path, long AudienceId, ConditionNode Resolved) : ConditionNode(Path);

/// <summary>
/// Customers within <see cref="WithinKm"/> of a store (LBS), by the last location they shared while location consent
/// stands. With <see cref="CityFallback"/>, customers without a usable location whose chosen <c>city</c> attribute is the
/// store's city match too. The store's position is resolved at parse time.
/// </summary>
public sealed record NearStoreNode(string Path, long StoreId, Stores.GeoPoint Position, string? City, double WithinKm, bool CityFallback) : ConditionNode(Path);

public sealed record TagInfo(long Id, string Name, bool IsRule);

/// <summary>A store as conditions see it.</summary>
public sealed record StoreInfo(long Id, string Name, Stores.GeoPoint Position, string? City);

/// <summary>What the parser checks names against: tags, attribute types, scores and other audiences of the tenant.</summary>
public interface IConditionCatalog
{
    TagInfo? Tag(long id);
    AttributeType AttributeType(string name);
    bool IsScore(string name);
    /// <summary>The condition JSON of a saved audience, or null when there is none with that id.</summary>
    string? AudienceCondition(long id);
    /// <summary>How many local days of events windows can reach back.</summary>
    int RetentionDays { get; }
    /// <summary>A store of the tenant, or null.</summary>
    StoreInfo? Store(long id) => null;
}

public static class ConditionLimits
{
    public const int DefaultRetentionDays = 730;
    public const int MaxDepth = 16;
    public const int MaxNodes = 500;
    public const int MaxListIds = 100_000;
    public const int MaxInValues = 1_000;
    public const double MaxNearKm = 500;
}
