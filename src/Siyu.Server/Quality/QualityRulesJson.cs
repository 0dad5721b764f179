using System.Globalization;
using System.Text.Json.Nodes;
using Siyu.Core.Events;
using Siyu.Core.Quality;

namespace Siyu.Server.Quality;

/// <summary>
/// The API's (and the stored) JSON form of <see cref="QualityRules"/>: days are ISO numbers (1 = Monday … 7 = Sunday),
/// times "HH:mm". A PUT may leave fields out: they keep their current values.
/// </summary>
public static class QualityRulesJson
{
    public static JsonObject ToJson(QualityRules r) => new()
    {
        ["timeout_minutes"] = r.TimeoutMinutes,
        ["working_hours"] = new JsonObject
        {
            ["days"] = new JsonArray([.. r.Hours.Days.Select(Iso).Order().Select(d => (JsonNode)d)]),
            ["start"] = r.Hours.Start.ToString("HH:mm", CultureInfo.InvariantCulture),
            ["end"] = r.Hours.End.ToString("HH:mm", CultureInfo.InvariantCulture),
        },
        ["forbidden_phrases"] = Strings(r.ForbiddenPhrases),
        ["required_phrases"] = Strings(r.RequiredPhrases),
        ["negative_words"] = Strings(r.NegativeWords),
        ["weights"] = new JsonObject
        {
            ["timeout"] = r.Weights.Timeout, ["forbidden"] = r.Weights.Forbidden, ["required_missing"] = r.Weights.RequiredMissing, ["negative_late"] = r.Weights.NegativeLate,
        },
    };

    private static JsonArray Strings(IReadOnlyList<string> items) => new([.. items.Select(s => (JsonNode)s)]);

    private static int Iso(DayOfWeek d) => d == DayOfWeek.Sunday ? 7 : (int)d;

    /// <summary>Applies <paramref name="body"/> over <paramref name="current"/>; shape errors name the field. The result still needs <see cref="QualityRules.Validate"/>.</summary>
    public static QualityRules Merge(QualityRules current, JsonObject body, List<FieldError> errors)
    {
        var timeout = current.TimeoutMinutes;
        if (body["timeout_minutes"] is { } t && !(t is JsonValue tv && tv.TryGetValue(out timeout)))
        {
            errors.Add(new("timeout_minutes", "Expected an integer."));
        }
        var hours = current.Hours;
        if (body["working_hours"] is { } h)
        {
            if (h is not JsonObject ho)
            {
                errors.Add(new("working_hours", "Expected an object {days, start, end}."));
            }
            else
            {
                var days = hours.Days;
                if (ho["days"] is { } d)
                {
                    var set = new HashSet<DayOfWeek>();
                    if (d is not JsonArray da || da.Any(x => !(x is JsonValue xv && xv.TryGetValue<int>(out var n) && n is >= 1 and <= 7 && set.Add((DayOfWeek)(n % 7)))))
                    {
                        errors.Add(new("working_hours.days", "Expected distinct ISO weekday numbers: 1 = Monday … 7 = Sunday."));
                    }
                    days = set;
                }
                hours = new WorkingHours(days, Time(ho, "start", hours.Start, errors), Time(ho, "end", hours.End, errors));
            }
        }
        var weights = current.Weights;
        if (body["weights"] is { } w)
        {
            if (w is not JsonObject wo)
            {
                errors.Add(new("weights", "Expected an object."));
            }
            else
            {
                weights = new QualityWeights(
                    Int(wo, "timeout", weights.Timeout, errors), Int(wo, "forbidden", weights.Forbidden, errors),
                    Int(wo, "required_missing", weights.RequiredMissing, errors), Int(wo, "negative_late", weights.NegativeLate, errors));
            }
        }
        return new QualityRules(timeout, hours,
            List(body, "forbidden_phrases", current.ForbiddenPhrases, errors), List(body, "required_phrases", current.RequiredPhrases, errors),
            List(body, "negative_words", current.NegativeWords, errors), weights);
    }

    private static TimeOnly Time(JsonObject o, string name, TimeOnly current, List<FieldError> errors)
    {
        if (o[name] is not { } node)
        {
            return current;
        }
        if (node is JsonValue v && v.TryGetValue<string>(out var s) && TimeOnly.TryParseExact(s, ["HH:mm", "H:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            return time;
        }
        errors.Add(new("working_hours." + name, "Expected a time of day like 09:00."));
        return current;
    }

    private static int Int(JsonObject o, string name, int current, List<FieldError> errors)
    {
        if (o[name] is not { } node)
        {
            return current;
        }
        if (node is JsonValue v && v.TryGetValue<int>(out var n))
        {
            return n;
        }
        errors.Add(new("weights." + name, "Expected an integer."));
        return current;
    }

    private static IReadOnlyList<string> List(JsonObject o, string name, IReadOnlyList<string> current, List<FieldError> errors)
    {
        if (o[name] is not { } node)
        {
            return current;
        }
        if (node is not JsonArray a)
        {
            errors.Add(new(name, "Expected an array of strings."));
            return current;
        }
        var items = new List<string>(a.Count);
        for (var i = 0; i < a.Count; i++)
        {
            if (a[i] is JsonValue v && v.TryGetValue<string>(out var s))
            {
                items.Add(s.Trim());
            }
            else
            {
                errors.Add(new($"{name}[{i}]", "Expected a string."));
            }
        }
        return items;
    }

    /// <summary>Stored rules (written by <see cref="ToJson"/>, so well-formed); the defaults when absent.</summary>
    public static QualityRules Load(string? json)
    {
        if (string.IsNullOrEmpty(json) || JsonNode.Parse(json) is not JsonObject o)
        {
            return QualityRules.Default;
        }
        return Merge(QualityRules.Default, o, []);
    }
}
