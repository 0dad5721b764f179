using System.Text.Json;
using Siyu.Core.Events;
using Siyu.Core.Tags;
using Siyu.Core.Text;

namespace Siyu.Server.Tags;

/// <summary>The compiled keyword tags of a tenant: one matcher over every word, each word's payload its tag.</summary>
public sealed class KeywordTags
{
    public const int MaxWords = 200;
    public const int MaxWordLength = 30;

    private readonly long[] _tagOfPayload;
    private readonly string[] _words;

    private KeywordTags(TextMatcher matcher, long[] tagOfPayload, string[] words) => (Matcher, _tagOfPayload, _words) = (matcher, tagOfPayload, words);

    public TextMatcher Matcher { get; }

    /// <summary>Null when the tenant has no keyword tags.</summary>
    public static KeywordTags? Compile(IEnumerable<(long TagId, string KeywordsJson)> tags)
    {
        var patterns = new List<(string, int)>();
        var tagOf = new List<long>();
        var words = new List<string>();
        foreach (var (tagId, json) in tags)
        {
            foreach (var word in JsonSerializer.Deserialize<string[]>(json) ?? [])
            {
                patterns.Add((word, tagOf.Count));
                tagOf.Add(tagId);
                words.Add(word);
            }
        }
        return patterns.Count == 0 ? null : new KeywordTags(new TextMatcher(patterns), [.. tagOf], [.. words]);
    }

    /// <summary>Each tag hit by the text, with the first word that hit it.</summary>
    public IReadOnlyList<(long TagId, string Word)> Match(string text)
    {
        var hits = new List<(long, string)>();
        foreach (var m in Matcher.FindAll(text))
        {
            var tag = _tagOfPayload[m.Payload];
            if (!hits.Exists(h => h.Item1 == tag))
            {
                hits.Add((tag, _words[m.Payload]));
            }
        }
        return hits;
    }

    /// <summary>Validates the keywords of a tag; answers their JSON to store (null: unchanged / none).</summary>
    public static string? Check(string kind, IReadOnlyList<string>? keywords, bool required, List<FieldError> errors)
    {
        if (kind != TagSource.Keyword)
        {
            if (keywords is not null)
            {
                errors.Add(new FieldError("keywords", "Only keyword tags (kind \"keyword\") have keywords."));
            }
            return null;
        }
        if (keywords is null)
        {
            if (required)
            {
                errors.Add(new FieldError("keywords", $"A keyword tag needs 1–{MaxWords} words that add it when a customer writes them."));
            }
            return null;
        }
        if (keywords.Count is 0 or > MaxWords)
        {
            errors.Add(new FieldError("keywords", $"1–{MaxWords} words."));
            return null;
        }
        var cleaned = new List<string>();
        for (var i = 0; i < keywords.Count; i++)
        {
            var word = keywords[i]?.Trim();
            if (string.IsNullOrEmpty(word) || word.Length > MaxWordLength || word.Any(char.IsControl))
            {
                errors.Add(new FieldError($"keywords[{i}]", $"1–{MaxWordLength} characters, no control characters."));
            }
            else if (!cleaned.Contains(word, StringComparer.Ordinal))
            {
                cleaned.Add(word);
            }
        }
        return JsonSerializer.Serialize(cleaned);
    }
}
