using System.Text.Json.Serialization;
using Siyu.Core.Events;

using Siyu.Core.Text;

namespace Siyu.Core.Delivery;

/// <summary>
/// Which rule packs a tenant's content review uses. Built-in packs default to what the industry selects
/// (<see cref="BuiltInRulePacks.For"/>); an explicit switch in the console overrides the default and keeps doing so when
/// the industry changes later (the admin's choice is the newer one). Custom packs carry their own switch.
/// </summary>
public static class ReviewPackSelection
{
    /// <summary>Custom pack ids are <c>custom-{n}</c>, so they can never collide with a built-in id.</summary>
    public const string CustomPrefix = "custom-";

    public static string CustomId(long id) => CustomPrefix + id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static bool TryParseCustomId(string? id, out long value)
    {
        value = 0;
        return id is not null && id.StartsWith(CustomPrefix, StringComparison.Ordinal)
            && long.TryParse(id.AsSpan(CustomPrefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out value)
            && value > 0;
    }

    public static ReviewRulePack? BuiltIn(string? id)
    {
        foreach (var pack in BuiltInRulePacks.All)
        {
            if (pack.Id == id)
            {
                return pack;
            }
        }
        return null;
    }

    /// <summary>Whether the industry turns a built-in pack on when the tenant has not switched it.</summary>
    public static bool DefaultEnabled(Industry industry, string builtInId)
    {
        foreach (var pack in BuiltInRulePacks.For(industry))
        {
            if (pack.Id == builtInId)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The enabled packs: built-ins in <see cref="BuiltInRulePacks.All"/> order (default or switched), then the enabled
    /// custom packs in the order given. Unknown ids in <paramref name="builtInSwitches"/> are ignored (a pack retired
    /// from the code base leaves a harmless row behind).
    /// </summary>
    public static IReadOnlyList<ReviewRulePack> Enabled(Industry industry, IReadOnlyDictionary<string, bool> builtInSwitches, IEnumerable<ReviewRulePack> enabledCustom)
    {
        ArgumentNullException.ThrowIfNull(builtInSwitches);
        ArgumentNullException.ThrowIfNull(enabledCustom);
        var packs = new List<ReviewRulePack>();
        foreach (var pack in BuiltInRulePacks.All)
        {
            if (builtInSwitches.TryGetValue(pack.Id, out var on) ? on : DefaultEnabled(industry, pack.Id))
            {
                packs.Add(pack);
            }
        }
        packs.AddRange(enabledCustom);
        return packs;
    }

    /// <summary>Whether <paramref name="packs"/> are exactly the industry's defaults (then the shared compiled review serves).</summary>
    public static bool IsIndustryDefault(Industry industry, IReadOnlyList<ReviewRulePack> packs)
    {
        var defaults = BuiltInRulePacks.For(industry);
        if (defaults.Count != packs.Count)
        {
            return false;
        }
        for (var i = 0; i < defaults.Count; i++)
        {
            if (!ReferenceEquals(defaults[i], packs[i]))
            {
                return false;
            }
        }
        return true;
    }
}

/// <summary>One word of a custom pack as the console and API send it.</summary>
public sealed record CustomReviewRuleInput
{
    [JsonPropertyName("word")] public string? Word { get; init; }

    /// <summary><c>block</c> or <c>review</c>.</summary>
    [JsonPropertyName("action")] public string? Action { get; init; }

    /// <summary>Shown to whoever hits the word; defaults to one naming the pack.</summary>
    [JsonPropertyName("reason")] public string? Reason { get; init; }

    /// <summary>Groups words in the hit list (e.g. <c>price</c>, <c>competitor</c>); defaults to <c>custom</c>.</summary>
    [JsonPropertyName("category")] public string? Category { get; init; }
}

/// <summary>A tenant's own rule pack (finance desk wording, competitor names, campaign-specific bans…).</summary>
public sealed record CustomReviewPackInput
{
    public const int MaxNameLength = 30;
    public const int MaxDescriptionLength = 200;
    public const int MaxRules = 2000;
    public const int MaxAllow = 500;
    public const int MaxReasonLength = 100;
    public const int MaxCategoryLength = 30;

    [JsonPropertyName("name")] public string? Name { get; init; }

    [JsonPropertyName("description")] public string? Description { get; init; }

    [JsonPropertyName("rules")] public IReadOnlyList<CustomReviewRuleInput?>? Rules { get; init; } = [];

    /// <summary>Phrases that contain a rule word without meaning it; they apply to every enabled pack (as the built-in ones do).</summary>
    [JsonPropertyName("allow")] public IReadOnlyList<string?>? Allow { get; init; } = [];

    /// <summary>Every problem, named by its JSON path (<c>rules[3].word</c>); empty when valid. Name clashes are the caller's to check.</summary>
    public IReadOnlyList<FieldError> Validate()
    {
        var errors = new List<FieldError>();
        var name = Name?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            errors.Add(new FieldError("name", "Required."));
        }
        else if (name.Length > MaxNameLength)
        {
            errors.Add(new FieldError("name", $"At most {MaxNameLength} characters."));
        }
        if (Description is { Length: > MaxDescriptionLength })
        {
            errors.Add(new FieldError("description", $"At most {MaxDescriptionLength} characters."));
        }

        var rules = Rules ?? [];
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        if (rules.Count == 0)
        {
            errors.Add(new FieldError("rules", "Add at least one word."));
        }
        else if (rules.Count > MaxRules)
        {
            errors.Add(new FieldError("rules", $"At most {MaxRules} words."));
        }
        else
        {
            for (var i = 0; i < rules.Count; i++)
            {
                var path = $"rules[{i}]";
                var rule = rules[i];
                if (rule is null)
                {
                    errors.Add(new FieldError(path, "Must be an object: {\"word\": …, \"action\": \"block\" | \"review\"}."));
                    continue;
                }
                if (ContentReview.ValidateWord(rule.Word) is { } problem)
                {
                    errors.Add(new FieldError($"{path}.word", problem));
                }
                else if (!seen.TryAdd(TextNormalization.Default.Apply(rule.Word!), i))
                {
                    errors.Add(new FieldError($"{path}.word", $"'{rule.Word}' is listed twice (also rules[{seen[TextNormalization.Default.Apply(rule.Word!)]}])."));
                }
                if (!TryParseAction(rule.Action, out _))
                {
                    errors.Add(new FieldError($"{path}.action", "Must be block or review."));
                }
                if (rule.Reason is { Length: > MaxReasonLength })
                {
                    errors.Add(new FieldError($"{path}.reason", $"At most {MaxReasonLength} characters."));
                }
                if (rule.Category is { Length: > MaxCategoryLength })
                {
                    errors.Add(new FieldError($"{path}.category", $"At most {MaxCategoryLength} characters."));
                }
            }
        }

        var allow = Allow ?? [];
        if (allow.Count > MaxAllow)
        {
            errors.Add(new FieldError("allow", $"At most {MaxAllow} phrases."));
            return errors;
        }
        var seenAllow = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < allow.Count; i++)
        {
            if (ContentReview.ValidateWord(allow[i]) is { } problem)
            {
                errors.Add(new FieldError($"allow[{i}]", problem));
                continue;
            }
            var normalized = TextNormalization.Default.Apply(allow[i]!);
            // An exception equal to a rule word would switch the rule off without saying so.
            if (seen.ContainsKey(normalized))
            {
                errors.Add(new FieldError($"allow[{i}]", $"'{allow[i]}' is also a rule word of this pack; remove one of them."));
            }
            else if (!seenAllow.Add(normalized))
            {
                errors.Add(new FieldError($"allow[{i}]", $"'{allow[i]}' is listed twice."));
            }
        }
        return errors;
    }

    /// <summary>The pack as the review compiles it (valid input only): one rule per (category, action, reason).</summary>
    public ReviewRulePack ToPack(string id)
    {
        var name = Name!.Trim();
        var rules = new List<ContentRule>();
        foreach (var group in (Rules ?? []).OfType<CustomReviewRuleInput>()
            .Select(r =>
            {
                TryParseAction(r.Action, out var action);
                var category = string.IsNullOrWhiteSpace(r.Category) ? "custom" : r.Category.Trim();
                var reason = string.IsNullOrWhiteSpace(r.Reason)
                    ? (action == ReviewAction.Block ? $"规则包「{name}」禁用词" : $"规则包「{name}」审核词")
                    : r.Reason.Trim();
                return (Word: r.Word!.Trim(), category, action, reason);
            })
            .GroupBy(r => (r.category, r.action, r.reason)))
        {
            rules.Add(new ContentRule([.. group.Select(g => g.Word)], group.Key.category, group.Key.action, group.Key.reason));
        }
        return new ReviewRulePack(id, name, rules, [.. (Allow ?? []).OfType<string>().Select(a => a.Trim())]);
    }

    public static bool TryParseAction(string? value, out ReviewAction action)
    {
        (var ok, action) = value switch
        {
            "block" => (true, ReviewAction.Block),
            "review" => (true, ReviewAction.Review),
            _ => (false, ReviewAction.Review),
        };
        return ok;
    }
}
