using System.Text.RegularExpressions;

namespace Siyu.Core.Events;

/// <summary>How an attribute's value is chosen when several events (or merged profiles) set it.</summary>
public enum MergeStrategy
{
    /// <summary>The value from the event with the latest timestamp wins (default).</summary>
    MostRecent,
    /// <summary>The non-empty value from the event with the earliest timestamp wins (e.g. first channel).</summary>
    Oldest,
    /// <summary>The latest non-empty value wins; empty strings and nulls never erase (e.g. name, birthday).</summary>
    NonEmpty,
    /// <summary>Numeric values add up (names ending in <c>_sum</c> or <c>_count</c>).</summary>
    Sum,
}

/// <summary>Built-in attribute merge strategies; unknown attributes are <see cref="MergeStrategy.MostRecent"/>.</summary>
public static partial class AttributeSchema
{
    private static readonly Dictionary<string, MergeStrategy> BuiltIn = new(StringComparer.Ordinal)
    {
        ["name"] = MergeStrategy.NonEmpty,
        ["gender"] = MergeStrategy.NonEmpty,
        ["birthday"] = MergeStrategy.NonEmpty,
        ["city"] = MergeStrategy.NonEmpty,
        ["province"] = MergeStrategy.NonEmpty,
        ["avatar"] = MergeStrategy.NonEmpty,
        ["company"] = MergeStrategy.NonEmpty,
        ["first_channel"] = MergeStrategy.Oldest,
        ["first_source"] = MergeStrategy.Oldest,
        ["registered_at"] = MergeStrategy.Oldest,
    };

    public static IReadOnlyDictionary<string, MergeStrategy> Documented => BuiltIn;

    public static MergeStrategy StrategyOf(string name) =>
        BuiltIn.TryGetValue(name, out var s) ? s
        : name.EndsWith("_sum", StringComparison.Ordinal) || name.EndsWith("_count", StringComparison.Ordinal) ? MergeStrategy.Sum
        : MergeStrategy.MostRecent;

    public static bool IsValidName(string name) => name.Length <= 64 && NamePattern().IsMatch(name);

    // Letters of any script: operators name their own attributes in Chinese (会员等级, 宝宝生日).
    [GeneratedRegex(@"^\p{L}[\p{L}\p{N}_]*$")]
    private static partial Regex NamePattern();
}
