using Siyu.Core.Events;
using Siyu.Core.Text;

namespace Siyu.Core.Quality;

/// <summary>Points a conversation loses per finding (its score starts at 100 and stays within 0–100).</summary>
/// <param name="Timeout">Per customer message run answered late (or never) by the staff member.</param>
/// <param name="Forbidden">Per occurrence of a forbidden phrase in a staff message.</param>
/// <param name="RequiredMissing">Once per conversation in which the staff member wrote but said none of the required phrases.</param>
/// <param name="NegativeLate">Per customer message with a negative-emotion word that was answered late (0: negative words only flag).</param>
public sealed record QualityWeights(int Timeout = 10, int Forbidden = 20, int RequiredMissing = 10, int NegativeLate = 10);

/// <summary>
/// Quality-inspection (质检) rules of a tenant. Phrases are matched with <see cref="TextMatcher"/> (width, case,
/// traditional/simplified folding, separators inserted between characters are skipped).
/// </summary>
public sealed record QualityRules(
    int TimeoutMinutes,
    WorkingHours Hours,
    IReadOnlyList<string> ForbiddenPhrases,
    IReadOnlyList<string> RequiredPhrases,
    IReadOnlyList<string> NegativeWords,
    QualityWeights Weights)
{
    public const int MaxTimeoutMinutes = 24 * 60;
    public const int MaxPhrases = 500;
    public const int MaxPhraseLength = 50;

    /// <summary>10 minutes within Mon–Fri 09:00–18:00, a few forbidden phrases, no required phrase, common complaint words.</summary>
    public static QualityRules Default { get; } = new(
        10, WorkingHours.Default,
        ["不归我管", "爱买不买", "你自己看"],
        [],
        ["投诉", "垃圾", "骗子", "太差", "失望", "差评"],
        new QualityWeights());

    /// <summary>Field errors (snake_case paths as the API names them); empty when the rules are usable.</summary>
    public IReadOnlyList<FieldError> Validate()
    {
        var errors = new List<FieldError>();
        if (TimeoutMinutes is < 1 or > MaxTimeoutMinutes)
        {
            errors.Add(new("timeout_minutes", $"1 to {MaxTimeoutMinutes} minutes of working time."));
        }
        if (Hours.Days.Count == 0)
        {
            errors.Add(new("working_hours.days", "At least one working day (1 = Monday … 7 = Sunday)."));
        }
        if (Hours.End <= Hours.Start)
        {
            errors.Add(new("working_hours.end", "Must be after working_hours.start (hours within one day)."));
        }
        Phrases("forbidden_phrases", ForbiddenPhrases, errors);
        Phrases("required_phrases", RequiredPhrases, errors);
        Phrases("negative_words", NegativeWords, errors);
        foreach (var (name, value) in new[] { ("timeout", Weights.Timeout), ("forbidden", Weights.Forbidden), ("required_missing", Weights.RequiredMissing), ("negative_late", Weights.NegativeLate) })
        {
            if (value is < 0 or > 100)
            {
                errors.Add(new("weights." + name, "0 to 100 points."));
            }
        }
        return errors;
    }

    private static void Phrases(string field, IReadOnlyList<string> phrases, List<FieldError> errors)
    {
        if (phrases.Count > MaxPhrases)
        {
            errors.Add(new(field, $"At most {MaxPhrases} phrases."));
            return;
        }
        for (var i = 0; i < phrases.Count; i++)
        {
            var p = phrases[i];
            if (string.IsNullOrWhiteSpace(p) || p.Length > MaxPhraseLength)
            {
                errors.Add(new($"{field}[{i}]", $"1 to {MaxPhraseLength} characters."));
            }
            else if (TextNormalization.Default.Apply(p).Length == 0)
            {
                errors.Add(new($"{field}[{i}]", "Only punctuation or spaces: it would match everywhere."));
            }
        }
    }
}
