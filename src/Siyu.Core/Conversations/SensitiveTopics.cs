using Siyu.Core.Text;

namespace Siyu.Core.Conversations;

/// <summary>One built-in list of sensitive topics (inbound: what a customer says that needs a person).</summary>
public sealed record SensitiveTopicList(string Id, string NameZh, string NameEn, IReadOnlyList<string> Words);

/// <summary>
/// Built-in sensitive-topic lists per industry, for inbound customer messages (转人工). They are not the content review
/// packs (those ban words in what Siyu sends); a hit here hands the conversation to a person.
/// </summary>
public static class SensitiveTopicLists
{
    public const string General = "general";

    public static readonly IReadOnlyList<SensitiveTopicList> All =
    [
        new(General, "通用：投诉举报", "General: complaints",
            ["投诉", "举报", "12315", "12345", "消协", "消费者协会", "曝光", "媒体", "律师", "起诉", "法院", "报警", "维权", "工商局", "市场监管局", "差评", "骗子", "诈骗"]),
        new("education", "教育：退费与教学事故", "Education: refunds and incidents",
            ["退费", "退款", "教学事故", "退课", "退学费", "老师体罚", "体罚", "虚假宣传", "不退钱", "教育局"]),
        new("finance", "金融：保本与理赔纠纷", "Finance: guarantees and claim disputes",
            ["保本", "理赔纠纷", "拒赔", "理赔不赔", "亏损赔偿", "银保监", "金融监管局", "骗保", "误导销售", "退保"]),
        new("retail", "零售：退换货与质量问题", "Retail: returns and quality",
            ["退货", "退款", "假货", "质量问题", "过敏", "食物中毒", "赔偿", "假一赔十", "三无产品", "过期"]),
    ];

    public static SensitiveTopicList? Get(string id) => All.FirstOrDefault(l => l.Id == id);

    /// <summary>The lists on when a tenant has not chosen: general plus the tenant's industry (if it has one).</summary>
    public static IReadOnlyList<string> DefaultFor(string? industry) =>
        industry is not null && industry != General && Get(industry) is not null ? [General, industry] : [General];
}

/// <summary>A tenant's sensitive-topic settings: which built-in lists, its own words, words never to intercept, who is notified.</summary>
public sealed record SensitiveTopicSettings(
    bool Enabled, IReadOnlyList<string> Lists, IReadOnlyList<string> Custom, IReadOnlyList<string> Excluded, IReadOnlyList<string> Supervisors)
{
    public const int MaxWords = 500;
    public const int MaxWordLength = 30;
    public const int MaxSupervisors = 20;

    public static SensitiveTopicSettings Default(string? industry) => new(true, SensitiveTopicLists.DefaultFor(industry), [], [], []);

    /// <summary>Field errors (path, message); empty when valid.</summary>
    public IReadOnlyList<(string Path, string Message)> Validate()
    {
        var errors = new List<(string, string)>();
        for (var i = 0; i < Lists.Count; i++)
        {
            if (SensitiveTopicLists.Get(Lists[i]) is null)
            {
                errors.Add(($"lists[{i}]", $"Unknown list '{Lists[i]}'; one of {string.Join(", ", SensitiveTopicLists.All.Select(l => l.Id))}."));
            }
        }
        Words("custom", Custom, errors);
        Words("excluded", Excluded, errors);
        if (Supervisors.Count > MaxSupervisors)
        {
            errors.Add(("supervisors", $"At most {MaxSupervisors} userids."));
        }
        for (var i = 0; i < Supervisors.Count; i++)
        {
            var s = Supervisors[i];
            if (string.IsNullOrWhiteSpace(s) || s.Length > 64 || s.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            {
                errors.Add(($"supervisors[{i}]", "A WeCom userid: 1 to 64 characters without spaces."));
            }
        }
        return errors;
    }

    private static void Words(string name, IReadOnlyList<string> words, List<(string, string)> errors)
    {
        if (words.Count > MaxWords)
        {
            errors.Add((name, $"At most {MaxWords} words."));
            return;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < words.Count; i++)
        {
            var w = words[i];
            var folded = w is null ? "" : TextNormalization.Default.Apply(w);
            if (string.IsNullOrWhiteSpace(w) || folded.Length == 0)
            {
                errors.Add(($"{name}[{i}]", "A word with at least one letter, digit or Chinese character."));
            }
            else if (w.Length > MaxWordLength)
            {
                errors.Add(($"{name}[{i}]", $"At most {MaxWordLength} characters."));
            }
            else if (!seen.Add(folded))
            {
                errors.Add(($"{name}[{i}]", $"'{w}' is listed twice (after folding width, case and traditional characters)."));
            }
        }
    }
}

/// <summary>One sensitive word found in a message: the word as listed, where it came from, and its span in the original text.</summary>
public readonly record struct SensitiveTopicHit(string Word, string Source, int Start, int Length);

/// <summary>
/// The compiled sensitive-topic matcher of one tenant: the enabled built-in lists plus custom words, minus excluded
/// words (compared after normalisation), in one <see cref="TextMatcher"/> (width, case, traditional→simplified and
/// separators inserted between characters are folded). Immutable; safe to share.
/// </summary>
public sealed class SensitiveTopicMatcher
{
    public const string CustomSource = "custom";

    private readonly TextMatcher? _matcher;
    private readonly string[] _words;
    private readonly string[] _sources;

    private SensitiveTopicMatcher(TextMatcher? matcher, string[] words, string[] sources) => (_matcher, _words, _sources) = (matcher, words, sources);

    public static SensitiveTopicMatcher Empty { get; } = new(null, [], []);

    /// <summary>The distinct words compiled (after exclusions), each with the list it came from (first list wins).</summary>
    public IReadOnlyList<(string Word, string Source)> Words => [.. _words.Zip(_sources)];

    public static SensitiveTopicMatcher Compile(SensitiveTopicSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!settings.Enabled)
        {
            return Empty;
        }
        var norm = TextNormalization.Default;
        var excluded = settings.Excluded.Where(w => !string.IsNullOrWhiteSpace(w)).Select(norm.Apply).ToHashSet(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var words = new List<string>();
        var sources = new List<string>();
        void Add(string word, string source)
        {
            var folded = string.IsNullOrWhiteSpace(word) ? "" : norm.Apply(word);
            if (folded.Length > 0 && !excluded.Contains(folded) && seen.Add(folded))
            {
                words.Add(word.Trim());
                sources.Add(source);
            }
        }
        foreach (var id in settings.Lists.Distinct())
        {
            foreach (var w in SensitiveTopicLists.Get(id)?.Words ?? [])
            {
                Add(w, id);
            }
        }
        foreach (var w in settings.Custom)
        {
            Add(w, CustomSource);
        }
        return words.Count == 0 ? Empty : new SensitiveTopicMatcher(new TextMatcher([.. words.Select((w, i) => (w, i))], norm), [.. words], [.. sources]);
    }

    /// <summary>Every occurrence, in text order (overlaps included).</summary>
    public IReadOnlyList<SensitiveTopicHit> Find(string? text)
    {
        if (_matcher is null || string.IsNullOrEmpty(text))
        {
            return [];
        }
        return [.. _matcher.FindAll(text).OrderBy(m => m.Start).ThenByDescending(m => m.Length)
            .Select(m => new SensitiveTopicHit(_words[m.Payload], _sources[m.Payload], m.Start, m.Length))];
    }

    /// <summary>The distinct words hit, in order of first occurrence.</summary>
    public IReadOnlyList<string> Topics(string? text) => [.. Find(text).Select(h => h.Word).Distinct()];
}
