using Siyu.Core.Text;

namespace Siyu.Core.Intents;

/// <summary>Where an intent came from: a keyword rule, the model, or nothing (empty text).</summary>
public static class IntentSources
{
    public const string Keyword = "keyword";
    public const string Model = "model";
    public const string None = "none";
}

/// <summary>
/// A classified message. <see cref="Keyword"/> is the rule's word when a keyword decided; otherwise
/// <see cref="Evidence"/> holds the model's strongest n-grams. <see cref="Scores"/> are the model's probabilities
/// (also for keyword decisions, so the console can show both).
/// </summary>
public sealed record IntentResult(string Intent, double Confidence, string Source, string? Keyword, IReadOnlyList<string> Evidence, IReadOnlyList<IntentScore> Scores);

/// <summary>
/// Keyword rules first (precise, editable by operators, and the only way custom intents are recognised), then the
/// model; a model answer below the threshold is <see cref="IntentCatalog.Other"/>. Immutable and thread-safe: build
/// one per tenant settings version.
/// </summary>
public sealed class IntentClassifier
{
    public const int MaxTextLength = 2000;
    private readonly IntentModel _model;
    private readonly TextMatcher? _keywords;
    private readonly string[] _intentOfPayload;
    private readonly string[] _wordOfPayload;
    private readonly Dictionary<string, int> _rank;
    private readonly double _threshold;

    public IntentClassifier(IntentModel model, IntentSettings? settings = null)
    {
        _model = model;
        settings ??= new IntentSettings();
        _threshold = settings.EffectiveThreshold;
        var disabled = new HashSet<string>((settings.DisabledKeywords ?? []).Select(TextNormalization.Default.Apply), StringComparer.Ordinal);
        var rules = new List<(string Intent, string Word)>();
        foreach (var intent in IntentCatalog.Priority)
        {
            var extra = settings.ExtraKeywords?.GetValueOrDefault(intent) ?? [];
            foreach (var word in IntentCatalog.BuiltInKeywords[intent].Concat(extra))
            {
                if (!disabled.Contains(TextNormalization.Default.Apply(word)))
                {
                    rules.Add((intent, word.Trim()));
                }
            }
        }
        var custom = settings.CustomIntents ?? [];
        foreach (var intent in custom)
        {
            rules.AddRange((intent.Keywords ?? []).Select(w => (intent.Code!, w.Trim())));
        }
        _rank = IntentCatalog.Priority.Concat(custom.Select(c => c.Code!)).Select((code, i) => (code, i)).ToDictionary(x => x.code, x => x.i, StringComparer.Ordinal);
        _intentOfPayload = [.. rules.Select(r => r.Intent)];
        _wordOfPayload = [.. rules.Select(r => r.Word)];
        _keywords = rules.Count == 0 ? null : new TextMatcher(rules.Select((r, i) => (r.Word, i)).ToList());
        Intents = [.. IntentCatalog.BuiltIn, .. custom.Select(c => new IntentDefinition(c.Code!, c.Name!.Trim(), c.Name!.Trim(), BuiltIn: false))];
    }

    /// <summary>Built-in intents, then the tenant's custom ones.</summary>
    public IReadOnlyList<IntentDefinition> Intents { get; }

    public IntentModel Model => _model;

    public IntentResult Classify(string text)
    {
        if (text.Length > MaxTextLength)
        {
            text = text[..MaxTextLength];
        }
        if (string.IsNullOrWhiteSpace(text))
        {
            return new IntentResult(IntentCatalog.Other, 0, IntentSources.None, null, [], []);
        }
        var prediction = _model.Predict(text);
        if (_keywords is not null)
        {
            // The matching rule of the highest-priority intent; among its words, the first in the text.
            TextMatch? best = null;
            foreach (var match in _keywords.FindAll(text))
            {
                if (best is null || Rank(match.Payload) < Rank(best.Value.Payload) || (Rank(match.Payload) == Rank(best.Value.Payload) && match.Start < best.Value.Start))
                {
                    best = match;
                }
            }
            if (best is { } hit)
            {
                return new IntentResult(_intentOfPayload[hit.Payload], 1, IntentSources.Keyword, _wordOfPayload[hit.Payload], [], prediction.Scores);
            }
        }
        var top = prediction.Top;
        return top.Probability >= _threshold
            ? new IntentResult(top.Intent, top.Probability, IntentSources.Model, null, prediction.Evidence, prediction.Scores)
            : new IntentResult(IntentCatalog.Other, top.Probability, IntentSources.Model, null, [], prediction.Scores);
    }

    private int Rank(int payload) => _rank[_intentOfPayload[payload]];
}
