using System.Text.Json.Serialization;
using Siyu.Core.Events;
using Siyu.Core.Text;

namespace Siyu.Core.Intents;

/// <summary>An intent a tenant adds (e.g. 预约试听): recognised by its keywords only, since the model knows the built-in ones.</summary>
public sealed record CustomIntent
{
    [JsonPropertyName("code")] public string? Code { get; init; }
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("keywords")] public IReadOnlyList<string>? Keywords { get; init; }
}

/// <summary>
/// A tenant's intent settings: extra keywords for built-in intents, built-in keywords switched off, custom intents, and
/// the probability below which the model's answer counts as <see cref="IntentCatalog.Other"/>.
/// </summary>
public sealed record IntentSettings
{
    public const int MaxKeywordsPerIntent = 200;
    public const int MaxCustomIntents = 50;
    public const int MaxKeywordLength = 30;
    public const double DefaultThreshold = 0.5;

    [JsonPropertyName("extra_keywords")] public IReadOnlyDictionary<string, IReadOnlyList<string>>? ExtraKeywords { get; init; }
    [JsonPropertyName("disabled_keywords")] public IReadOnlyList<string>? DisabledKeywords { get; init; }
    [JsonPropertyName("custom_intents")] public IReadOnlyList<CustomIntent>? CustomIntents { get; init; }
    [JsonPropertyName("threshold")] public double? Threshold { get; init; }

    public double EffectiveThreshold => Threshold ?? DefaultThreshold;

    public List<FieldError> Validate()
    {
        var errors = new List<FieldError>();
        if (Threshold is { } t && (double.IsNaN(t) || t is < 0 or > 1))
        {
            errors.Add(new("threshold", "A probability from 0 to 1."));
        }
        foreach (var (code, words) in ExtraKeywords ?? new Dictionary<string, IReadOnlyList<string>>())
        {
            if (IntentCatalog.Find(code) is null || code == IntentCatalog.Other)
            {
                errors.Add(new($"extra_keywords.{code}", $"Not a built-in intent with keywords: one of {string.Join(", ", IntentCatalog.Priority)}. Custom intents carry their own keywords."));
                continue;
            }
            CheckWords(words, $"extra_keywords.{code}", errors);
        }
        CheckWords(DisabledKeywords, "disabled_keywords", errors);
        var codes = new HashSet<string>(StringComparer.Ordinal);
        var custom = CustomIntents ?? [];
        if (custom.Count > MaxCustomIntents)
        {
            errors.Add(new("custom_intents", $"At most {MaxCustomIntents}."));
        }
        for (var i = 0; i < custom.Count; i++)
        {
            var path = $"custom_intents[{i}]";
            var intent = custom[i];
            if (intent is null)
            {
                errors.Add(new(path, "An object with code, name and keywords."));
                continue;
            }
            if (!IntentCatalog.IsValidCode(intent.Code))
            {
                errors.Add(new(path + ".code", "Required: lower-case letters, digits and underscores, starting with a letter, at most 40 (e.g. trial_booking)."));
            }
            else if (IntentCatalog.Find(intent.Code!) is not null || !codes.Add(intent.Code!))
            {
                errors.Add(new(path + ".code", $"'{intent.Code}' is already an intent."));
            }
            if (string.IsNullOrWhiteSpace(intent.Name) || intent.Name.Trim().Length > 20)
            {
                errors.Add(new(path + ".name", "Required, at most 20 characters (e.g. 预约试听)."));
            }
            if (intent.Keywords is not { Count: > 0 })
            {
                errors.Add(new(path + ".keywords", "At least one keyword: custom intents are recognised by their keywords."));
            }
            else
            {
                CheckWords(intent.Keywords, path + ".keywords", errors);
            }
        }
        return errors;
    }

    private static void CheckWords(IReadOnlyList<string>? words, string path, List<FieldError> errors)
    {
        if (words is null)
        {
            return;
        }
        if (words.Count > MaxKeywordsPerIntent)
        {
            errors.Add(new(path, $"At most {MaxKeywordsPerIntent} keywords."));
            return;
        }
        for (var i = 0; i < words.Count; i++)
        {
            var word = words[i];
            if (string.IsNullOrWhiteSpace(word) || word.Length > MaxKeywordLength || TextNormalization.Default.Apply(word).Length == 0)
            {
                errors.Add(new($"{path}[{i}]", $"A word of 1–{MaxKeywordLength} characters with at least one letter, digit or Chinese character."));
            }
        }
    }
}
