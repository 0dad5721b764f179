namespace Siyu.Core.Tags;

/// <summary>Where a tag on a customer came from. Stored as the lower-case name in <c>tag.added</c> events.</summary>
public static class TagSource
{
    public const string Manual = "manual";
    public const string Rule = "rule";
    public const string Keyword = "keyword";
    public const string Channel = "channel";
    public const string Import = "import";
    public const string WeCom = "wecom";

    public static readonly IReadOnlyList<string> All = [Manual, Rule, Keyword, Channel, Import, WeCom];

    public static bool IsValid(string source) => All.Contains(source);
}

/// <summary>The latest change of one tag on one customer; the tag is on the customer when <see cref="Present"/>.</summary>
public sealed class TagMark
{
    public bool Present { get; set; }
    public long Ticks { get; set; }
    public string Source { get; set; } = TagSource.Manual;
}
