using System.Text.Json.Serialization;

using Siyu.Core.Text;

namespace Siyu.Core.Delivery;

/// <summary>What a content rule does with a message that contains one of its words. Ordered by strength.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ReviewAction>))]
public enum ReviewAction
{
    /// <summary>Hold for human approval (审核).</summary>
    [JsonStringEnumMemberName("review")] Review = 1,

    /// <summary>Never send (禁用).</summary>
    [JsonStringEnumMemberName("block")] Block = 2,
}

[JsonConverter(typeof(JsonStringEnumConverter<ReviewOutcome>))]
public enum ReviewOutcome
{
    [JsonStringEnumMemberName("pass")] Pass,
    [JsonStringEnumMemberName("needs_approval")] NeedsApproval,
    [JsonStringEnumMemberName("blocked")] Blocked,
}

/// <summary>The tenant's industry, which selects the built-in rule packs (<see cref="BuiltInRulePacks.For"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Industry>))]
public enum Industry
{
    [JsonStringEnumMemberName("general")] General,
    [JsonStringEnumMemberName("retail")] Retail,
    [JsonStringEnumMemberName("education")] Education,
    [JsonStringEnumMemberName("finance")] Finance,
}

/// <summary>Words that share a category, an action and a (Chinese) reason.</summary>
public sealed record ContentRule(IReadOnlyList<string> Words, string Category, ReviewAction Action, string Reason);

/// <summary>A named set of rules plus the phrases that contain a rule word without meaning it (exceptions).</summary>
public sealed record ReviewRulePack(string Id, string Name, IReadOnlyList<ContentRule> Rules, IReadOnlyList<string> Allow);

/// <summary>
/// One rule word found in the content. <see cref="Start"/>/<see cref="Length"/> index the reviewed field's text
/// (UTF-16), and cover separators inside the match ("保 本"); <see cref="Snippet"/> is the surrounding text with the
/// match at <see cref="SnippetStart"/>, so the console can highlight without the full text.
/// </summary>
public sealed record ReviewHit(
    [property: JsonPropertyName("word")] string Word,
    [property: JsonPropertyName("matched")] string Matched,
    [property: JsonPropertyName("category")] string Category,
    [property: JsonPropertyName("action")] ReviewAction Action,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("pack")] string Pack,
    [property: JsonPropertyName("field")] string Field,
    [property: JsonPropertyName("start")] int Start,
    [property: JsonPropertyName("length")] int Length,
    [property: JsonPropertyName("snippet")] string Snippet,
    [property: JsonPropertyName("snippet_start")] int SnippetStart);

/// <summary>The outcome of a review: the strongest action among the hits wins; every hit is listed.</summary>
public sealed record ReviewResult(
    [property: JsonPropertyName("outcome")] ReviewOutcome Outcome,
    [property: JsonPropertyName("hits")] IReadOnlyList<ReviewHit> Hits)
{
    public static ReviewResult Pass { get; } = new(ReviewOutcome.Pass, []);
}

/// <summary>
/// A compiled content review: rule packs, the tenant's extra block/review words and allow-list in one
/// <see cref="TextMatcher"/> (width, case and traditional/simplified folded; evasion separators skipped). Compile
/// once per configuration and share (immutable, thread-safe); <see cref="ForIndustry"/> caches the
/// built-in configurations.
/// </summary>
/// <remarks>
/// An allow-listed phrase suppresses every rule hit that lies inside one of its occurrences: with a rule on 最 and
/// 最新 allowed, "最新款" passes and "最新最好" still hits the second 最. When one word is in several rules, the
/// strongest action is kept (a tenant can raise 翻倍 from review to block; to lower a built-in word, allow it).
/// Latin and digit words only match as whole words ("NO.1" is not found in "NO.10", "top1" not in "desktop1").
/// </remarks>
public sealed class ContentReview
{
    /// <summary>Longest accepted word, in characters; longer phrases are better split.</summary>
    public const int MaxWordLength = 50;

    private const int SnippetRadius = 10;

    private static readonly ContentReview?[] ByIndustry = new ContentReview?[4];

    [ThreadStatic]
    private static List<TextMatch>? _scratch;

    private readonly TextMatcher _matcher;
    private readonly Entry[] _entries;

    private sealed record Entry(string Word, string Category, ReviewAction Action, string Reason, string Pack);

    private ContentReview(TextMatcher matcher, Entry[] entries)
    {
        _matcher = matcher;
        _entries = entries;
    }

    /// <summary>Rule words (distinct once normalised), not counting allow-listed phrases.</summary>
    public int RuleWordCount => _entries.Length;

    /// <summary>Rule words plus allow-listed phrases.</summary>
    public int KeywordCount => _matcher.PatternCount;

    /// <summary>The built-in packs of <paramref name="industry"/>, compiled once per process.</summary>
    public static ContentReview ForIndustry(Industry industry)
    {
        var i = (int)industry;
        if (Volatile.Read(ref ByIndustry[i]) is { } cached)
        {
            return cached;
        }
        // Two threads may both compile on first use; one result is kept and both are equivalent.
        Interlocked.CompareExchange(ref ByIndustry[i], Create(BuiltInRulePacks.For(industry)), null);
        return ByIndustry[i]!;
    }

    /// <summary>
    /// Compiles <paramref name="packs"/> plus the tenant's extra words. Throws <see cref="ArgumentException"/> for a
    /// word that is empty once normalised (validate settings first: <see cref="ValidateWord"/>).
    /// </summary>
    public static ContentReview Create(
        IEnumerable<ReviewRulePack> packs,
        IEnumerable<string>? extraBlock = null,
        IEnumerable<string>? extraReview = null,
        IEnumerable<string>? allow = null)
    {
        var normalization = TextNormalization.Default;
        var entries = new List<Entry>();
        var byWord = new Dictionary<string, int>(StringComparer.Ordinal);
        var allowWords = new List<string>();

        void Add(string word, string category, ReviewAction action, string reason, string pack)
        {
            var normalized = normalization.Apply(word);
            if (normalized.Length == 0)
            {
                throw new ArgumentException($"Content rule word '{word}' is empty once normalised.", nameof(packs));
            }
            var entry = new Entry(word, category, action, reason, pack);
            if (!byWord.TryGetValue(normalized, out var existing))
            {
                byWord[normalized] = entries.Count;
                entries.Add(entry);
            }
            else if (action > entries[existing].Action)
            {
                entries[existing] = entry;
            }
        }

        foreach (var pack in packs)
        {
            foreach (var rule in pack.Rules)
            {
                foreach (var word in rule.Words)
                {
                    Add(word, rule.Category, rule.Action, rule.Reason, pack.Id);
                }
            }
            allowWords.AddRange(pack.Allow);
        }
        foreach (var word in extraBlock ?? [])
        {
            Add(word, "custom", ReviewAction.Block, "租户自定义禁用词", "custom");
        }
        foreach (var word in extraReview ?? [])
        {
            Add(word, "custom", ReviewAction.Review, "租户自定义审核词", "custom");
        }
        allowWords.AddRange(allow ?? []);

        var keywords = new List<string>(entries.Count + allowWords.Count);
        foreach (var e in entries)
        {
            keywords.Add(e.Word);
        }
        keywords.AddRange(allowWords);
        return new ContentReview(new TextMatcher(keywords, normalization), [.. entries]);
    }

    /// <summary>Why <paramref name="word"/> cannot be a rule or allow word, or null when it can.</summary>
    public static string? ValidateWord(string? word)
    {
        if (string.IsNullOrWhiteSpace(word))
        {
            return "Must not be empty.";
        }
        if (word.Length > MaxWordLength)
        {
            return $"Must be at most {MaxWordLength} characters.";
        }
        return TextNormalization.Default.Apply(word).Length == 0
            ? "Must contain a letter, digit or Chinese character (spaces and punctuation are ignored when matching)."
            : null;
    }

    /// <summary>Reviews the message text and every attachment text (fields <c>text</c>, <c>attachments[i]</c>).</summary>
    public ReviewResult Review(DeliveryRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var result = Review(request.Text, "text");
        if (request.AttachmentTexts.Count == 0)
        {
            return result;
        }
        var hits = new List<ReviewHit>(result.Hits);
        for (var i = 0; i < request.AttachmentTexts.Count; i++)
        {
            hits.AddRange(Review(request.AttachmentTexts[i], $"attachments[{i}]").Hits);
        }
        return hits.Count == 0 ? ReviewResult.Pass : new ReviewResult(OutcomeOf(hits), hits);
    }

    /// <summary>Reviews one text; <paramref name="field"/> names it in the hits.</summary>
    public ReviewResult Review(string text, string field = "text")
    {
        ArgumentNullException.ThrowIfNull(text);
        var matches = _scratch ??= new List<TextMatch>(16);
        matches.Clear();
        if (_matcher.FindAll(text, matches) == 0)
        {
            return ReviewResult.Pass;
        }

        List<ReviewHit>? hits = null;
        foreach (var m in matches)
        {
            if (m.Pattern >= _entries.Length)
            {
                continue; // an allow-listed phrase
            }
            var entry = _entries[m.Pattern];
            if (InsideLongerWord(text, m) || InsideAllowed(matches, m, text))
            {
                continue;
            }
            var from = Math.Max(0, m.Start - SnippetRadius);
            var to = Math.Min(text.Length, m.End + SnippetRadius);
            if (from > 0 && char.IsLowSurrogate(text[from]))
            {
                from--;
            }
            if (to < text.Length && char.IsLowSurrogate(text[to]))
            {
                to++;
            }
            (hits ??= []).Add(new ReviewHit(entry.Word, text.Substring(m.Start, m.Length), entry.Category, entry.Action, entry.Reason,
                entry.Pack, field, m.Start, m.Length, text[from..to], m.Start - from));
        }
        matches.Clear();
        if (hits is null)
        {
            return ReviewResult.Pass;
        }
        hits.Sort(static (a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : b.Length.CompareTo(a.Length));
        return new ReviewResult(OutcomeOf(hits), hits);
    }

    private bool InsideAllowed(List<TextMatch> matches, TextMatch hit, string text)
    {
        foreach (var a in matches)
        {
            if (a.Pattern >= _entries.Length && a.Start <= hit.Start && a.End >= hit.End && !InsideLongerWord(text, a))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Whether a match that starts or ends with a Latin letter or digit continues a longer word or number in the text.
    /// A match's first and last characters are never separators, so they are the word's own edges.
    /// </summary>
    private static bool InsideLongerWord(string text, TextMatch m) =>
        (m.Start > 0 && IsAsciiAlnum(Fold(text[m.Start])) && IsAsciiAlnum(Fold(text[m.Start - 1])))
        || (m.End < text.Length && IsAsciiAlnum(Fold(text[m.End - 1])) && IsAsciiAlnum(Fold(text[m.End])));

    private static ReviewOutcome OutcomeOf(List<ReviewHit> hits)
    {
        var strongest = ReviewAction.Review;
        foreach (var h in hits)
        {
            if (h.Action > strongest)
            {
                strongest = h.Action;
            }
        }
        return strongest == ReviewAction.Block ? ReviewOutcome.Blocked : ReviewOutcome.NeedsApproval;
    }

    private static char Fold(char c) => TextChars.Fold(c, width: true, @case: true);

    private static bool IsAsciiAlnum(char c) => char.IsAsciiLetterOrDigit(c);
}
