using System.Globalization;
using System.Text.Json;
using Siyu.Core.Events;

namespace Siyu.Core.Audiences.Conditions;

/// <summary>Parse result: a condition, or every problem found, each with the JSON path of the node at fault.</summary>
public sealed record ConditionParseResult(Condition? Condition, IReadOnlyList<FieldError> Errors)
{
    public bool Ok => Condition is not null && Errors.Count == 0;
}

/// <summary>
/// Reads condition JSON v1 and validates it against the tenant's catalog. Keeps going after an error so the
/// operator sees all mistakes at once; paths look like <c>condition.root.children[1].tag_ids[0]</c>.
/// </summary>
public sealed class ConditionParser
{
    private readonly IConditionCatalog _catalog;
    private readonly List<FieldError> _errors = [];
    private readonly Stack<long> _audiences = new();
    private int _nodes;

    private ConditionParser(IConditionCatalog catalog) => _catalog = catalog;

    public static ConditionParseResult Parse(string json, IConditionCatalog catalog, string path = "condition", long? selfAudienceId = null)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return Parse(doc.RootElement, catalog, path, selfAudienceId);
        }
        catch (JsonException e)
        {
            return new ConditionParseResult(null, [new FieldError(path, $"Not valid JSON: {e.Message}")]);
        }
    }

    /// <param name="selfAudienceId">The audience being saved, so a reference back to it is reported as a cycle.</param>
    public static ConditionParseResult Parse(JsonElement json, IConditionCatalog catalog, string path = "condition", long? selfAudienceId = null)
    {
        var parser = new ConditionParser(catalog);
        if (selfAudienceId is { } self)
        {
            parser._audiences.Push(self);
        }
        var condition = parser.ReadCondition(json, path);
        return new ConditionParseResult(parser._errors.Count == 0 ? condition : null, parser._errors);
    }

    private Condition? ReadCondition(JsonElement json, string path)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            return Fail<Condition>(path, "A condition is an object: {\"version\": 1, \"root\": {…}}.");
        }
        if (!json.TryGetProperty("version", out var version) || version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out var v))
        {
            Error(path + ".version", "Required: the condition language version (1).");
        }
        else if (v != Condition.CurrentVersion)
        {
            Error(path + ".version", $"Version {v} is not supported; this server reads version {Condition.CurrentVersion}.");
        }
        if (!json.TryGetProperty("root", out var root))
        {
            return Fail<Condition>(path + ".root", "Required: the root node.");
        }
        var node = ReadNode(root, path + ".root", 0);
        return node is null ? null : new Condition(Condition.CurrentVersion, node);
    }

    private ConditionNode? ReadNode(JsonElement json, string path, int depth)
    {
        if (++_nodes > ConditionLimits.MaxNodes)
        {
            return _nodes == ConditionLimits.MaxNodes + 1 ? Fail<ConditionNode>(path, $"A condition has at most {ConditionLimits.MaxNodes} nodes.") : null;
        }
        if (depth > ConditionLimits.MaxDepth)
        {
            return Fail<ConditionNode>(path, $"Groups nest at most {ConditionLimits.MaxDepth} levels deep.");
        }
        if (json.ValueKind != JsonValueKind.Object)
        {
            return Fail<ConditionNode>(path, "A node is an object with a \"type\".");
        }
        var type = String(json, "type");
        switch (type)
        {
            case "all":
            case "any":
                var children = new List<ConditionNode>();
                if (!json.TryGetProperty("children", out var list) || list.ValueKind != JsonValueKind.Array)
                {
                    return Fail<ConditionNode>(path + ".children", "Required: an array of nodes (may be empty).");
                }
                var i = 0;
                foreach (var child in list.EnumerateArray())
                {
                    if (ReadNode(child, $"{path}.children[{i++}]", depth + 1) is { } c)
                    {
                        children.Add(c);
                    }
                }
                return type == "all" ? new AllNode(path, children) : new AnyNode(path, children);
            case "not":
                if (!json.TryGetProperty("child", out var inner))
                {
                    return Fail<ConditionNode>(path + ".child", "Required: the node to negate.");
                }
                return ReadNode(inner, path + ".child", depth + 1) is { } negated ? new NotNode(path, negated) : null;
            case "tags":
                return ReadTags(json, path);
            case "attribute":
                return ReadAttribute(json, path);
            case "score":
                return ReadScore(json, path);
            case "behavior":
                return ReadBehavior(json, path);
            case "list":
                return ReadList(json, path);
            case "audience":
                return ReadAudience(json, path, depth);
            case "near_store":
                return ReadNearStore(json, path);
            case null:
                return Fail<ConditionNode>(path + ".type", "Required: one of all, any, not, tags, attribute, score, behavior, list, audience, near_store.");
            default:
                return Fail<ConditionNode>(path + ".type", $"Unknown node type '{type}'; use all, any, not, tags, attribute, score, behavior, list, audience or near_store.");
        }
    }

    private TagsNode? ReadTags(JsonElement json, string path)
    {
        TagMatch? match = String(json, "op") switch
        {
            "has_any" => TagMatch.HasAny,
            "has_all" => TagMatch.HasAll,
            "has_none" => TagMatch.HasNone,
            _ => null,
        };
        if (match is null)
        {
            Error(path + ".op", "Tags compare with has_any, has_all or has_none.");
        }
        var ids = new List<long>();
        if (!json.TryGetProperty("tag_ids", out var array) || array.ValueKind != JsonValueKind.Array)
        {
            Error(path + ".tag_ids", "Required: an array of tag ids.");
        }
        else
        {
            var i = 0;
            foreach (var item in array.EnumerateArray())
            {
                var itemPath = $"{path}.tag_ids[{i++}]";
                if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var id))
                {
                    Error(itemPath, "A tag id is a whole number.");
                }
                else if (_catalog.Tag(id) is null)
                {
                    Error(itemPath, $"Tag {id} does not exist.");
                }
                else
                {
                    ids.Add(id);
                }
            }
        }
        return match is null ? null : new TagsNode(path, match.Value, ids.Distinct().ToList());
    }

    private static readonly Dictionary<string, CompareOp> Ops = new(StringComparer.Ordinal)
    {
        ["eq"] = CompareOp.Eq, ["neq"] = CompareOp.Neq, ["in"] = CompareOp.In, ["contains"] = CompareOp.Contains,
        ["between"] = CompareOp.Between, ["gt"] = CompareOp.Gt, ["gte"] = CompareOp.Gte, ["lt"] = CompareOp.Lt, ["lte"] = CompareOp.Lte,
        ["is_set"] = CompareOp.IsSet, ["not_set"] = CompareOp.NotSet, ["within_next_days"] = CompareOp.WithinNextDays,
        ["within_last_days"] = CompareOp.WithinLastDays, ["anniversary_within_next_days"] = CompareOp.AnniversaryWithinNextDays,
    };

    public static string OpName(CompareOp op) => Ops.First(o => o.Value == op).Key;

    private static readonly Dictionary<AttributeType, CompareOp[]> OpsByType = new()
    {
        [AttributeType.String] = [CompareOp.Eq, CompareOp.Neq, CompareOp.In, CompareOp.Contains, CompareOp.IsSet, CompareOp.NotSet],
        [AttributeType.Number] = [CompareOp.Eq, CompareOp.Neq, CompareOp.In, CompareOp.Between, CompareOp.Gt, CompareOp.Gte, CompareOp.Lt, CompareOp.Lte, CompareOp.IsSet, CompareOp.NotSet],
        [AttributeType.Date] = [CompareOp.Eq, CompareOp.Between, CompareOp.Gt, CompareOp.Gte, CompareOp.Lt, CompareOp.Lte, CompareOp.IsSet, CompareOp.NotSet,
            CompareOp.WithinNextDays, CompareOp.WithinLastDays, CompareOp.AnniversaryWithinNextDays],
    };

    public static IReadOnlyList<CompareOp> OperatorsFor(AttributeType type) => OpsByType[type];

    private AttributeNode? ReadAttribute(JsonElement json, string path)
    {
        var name = String(json, "name");
        if (name is null || !AttributeSchema.IsValidName(name))
        {
            Error(path + ".name", "Required: an attribute name (letters, digits, underscore).");
            return null;
        }
        var type = _catalog.AttributeType(name);
        var op = ReadOp(json, path, type, $"attribute '{name}' ({TypeName(type)})");
        if (op is null)
        {
            return null;
        }
        var operand = ReadOperand(json, path, type, op.Value);
        return operand is null ? null : new AttributeNode(path, name, type, op.Value, operand);
    }

    private ScoreNode? ReadScore(JsonElement json, string path)
    {
        var name = String(json, "name");
        if (name is null || !_catalog.IsScore(name))
        {
            Error(path + ".name", name is null ? "Required: a score name." : $"Unknown score '{name}'.");
            return null;
        }
        var op = ReadOp(json, path, AttributeType.Number, $"score '{name}' (number)");
        if (op is null)
        {
            return null;
        }
        var operand = ReadOperand(json, path, AttributeType.Number, op.Value);
        return operand is null ? null : new ScoreNode(path, name, op.Value, operand);
    }

    private BehaviorNode? ReadBehavior(JsonElement json, string path)
    {
        var eventType = String(json, "event");
        var ok = true;
        if (eventType is null || !EventTypes.IsValidName(eventType) || EventTypes.Reserved.Contains(eventType))
        {
            ok = Error(path + ".event", "Required: an event type such as order.paid.");
        }
        int? lastDays = null;
        if (!json.TryGetProperty("window", out var window) || window.ValueKind != JsonValueKind.Object)
        {
            ok = Error(path + ".window", "Required: {\"last_days\": N} or {\"all_time\": true}.");
        }
        else if (window.TryGetProperty("last_days", out var days))
        {
            if (days.ValueKind != JsonValueKind.Number || !days.TryGetInt32(out var n) || n < 1)
            {
                ok = Error(path + ".window.last_days", "A window is a whole number of days, at least 1.");
            }
            else if (n > _catalog.RetentionDays)
            {
                ok = Error(path + ".window.last_days", $"Windows reach back at most {_catalog.RetentionDays} days (event retention); use all_time for lifetime totals.");
            }
            else
            {
                lastDays = n;
            }
        }
        else if (!(window.TryGetProperty("all_time", out var all) && all.ValueKind == JsonValueKind.True))
        {
            ok = Error(path + ".window", "Use {\"last_days\": N} or {\"all_time\": true}.");
        }

        var filters = new List<PropertyFilter>();
        if (json.TryGetProperty("where", out var where) && where.ValueKind != JsonValueKind.Null)
        {
            if (where.ValueKind != JsonValueKind.Array)
            {
                ok = Error(path + ".where", "An array of property filters.");
            }
            else
            {
                var i = 0;
                foreach (var f in where.EnumerateArray())
                {
                    var fp = $"{path}.where[{i++}]";
                    if (ReadFilter(f, fp) is { } filter)
                    {
                        filters.Add(filter);
                    }
                    else
                    {
                        ok = false;
                    }
                }
                if (filters.Count > 0 && ok && window.ValueKind == JsonValueKind.Object && lastDays is null)
                {
                    ok = Error(path + ".where", $"Lifetime totals can't filter on properties; use a window of up to {_catalog.RetentionDays} days.");
                }
            }
        }

        var measureName = String(json, "measure") ?? "count";
        Measure? measure = measureName switch
        {
            "count" => Measure.Count,
            "sum" => Measure.Sum,
            "days_since_last" => Measure.DaysSinceLast,
            _ => null,
        };
        string? sumProperty = null;
        if (measure is null)
        {
            ok = Error(path + ".measure", "Measure is count, sum or days_since_last.");
        }
        else if (measure == Measure.Sum)
        {
            sumProperty = String(json, "property");
            if (sumProperty is null || !AttributeSchema.IsValidName(sumProperty))
            {
                ok = Error(path + ".property", "A sum needs the numeric property to add up, e.g. amount.");
            }
        }
        var op = ReadOp(json, path, AttributeType.Number, $"a {measureName} (number)", allowSetOps: false);
        var operand = op is null ? null : ReadOperand(json, path, AttributeType.Number, op.Value);
        return ok && op is not null && operand is not null && measure is not null
            ? new BehaviorNode(path, eventType!, filters, lastDays, measure.Value, sumProperty, op.Value, operand)
            : null;
    }

    private PropertyFilter? ReadFilter(JsonElement json, string path)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            return Fail<PropertyFilter>(path, "A filter is {\"property\": …, \"op\": …, \"value\": …}.");
        }
        var property = String(json, "property");
        if (property is null || !AttributeSchema.IsValidName(property))
        {
            return Fail<PropertyFilter>(path + ".property", "Required: a property name.");
        }
        // A property has no declared type: the value given decides (text or number).
        var sample = json.TryGetProperty("value", out var v) ? v
            : json.TryGetProperty("values", out var vs) && vs.ValueKind == JsonValueKind.Array && vs.GetArrayLength() > 0 ? vs[0]
            : json.TryGetProperty("min", out var mn) ? mn : default;
        var type = sample.ValueKind == JsonValueKind.Number ? AttributeType.Number : AttributeType.String;
        var op = ReadOp(json, path, type, $"property '{property}' ({TypeName(type)})");
        if (op is null)
        {
            return null;
        }
        var operand = ReadOperand(json, path, type, op.Value);
        return operand is null ? null : new PropertyFilter(path, property, type, op.Value, operand);
    }

    private ListNode? ReadList(JsonElement json, string path)
    {
        if (!json.TryGetProperty("customer_ids", out var ids) || ids.ValueKind != JsonValueKind.Array)
        {
            return Fail<ListNode>(path + ".customer_ids", "Required: an array of customer ids.");
        }
        if (ids.GetArrayLength() > ConditionLimits.MaxListIds)
        {
            return Fail<ListNode>(path + ".customer_ids", $"A static list holds at most {ConditionLimits.MaxListIds:N0} ids.");
        }
        var set = new HashSet<long>();
        var i = 0;
        foreach (var id in ids.EnumerateArray())
        {
            if (id.ValueKind != JsonValueKind.Number || !id.TryGetInt64(out var value) || value <= 0)
            {
                return Fail<ListNode>($"{path}.customer_ids[{i}]", "A customer id is a positive whole number.");
            }
            set.Add(value);
            i++;
        }
        return new ListNode(path, set);
    }

    private NearStoreNode? ReadNearStore(JsonElement json, string path)
    {
        if (!json.TryGetProperty("store_id", out var idJson) || idJson.ValueKind != JsonValueKind.Number || !idJson.TryGetInt64(out var id))
        {
            return Fail<NearStoreNode>(path + ".store_id", "Required: the id of a store.");
        }
        if (_catalog.Store(id) is not { } store)
        {
            return Fail<NearStoreNode>(path + ".store_id", $"Store {id} does not exist.");
        }
        if (!json.TryGetProperty("within_km", out var kmJson) || kmJson.ValueKind != JsonValueKind.Number || !kmJson.TryGetDouble(out var km)
            || km <= 0 || km > ConditionLimits.MaxNearKm)
        {
            return Fail<NearStoreNode>(path + ".within_km", $"Required: a distance in km above 0 and at most {ConditionLimits.MaxNearKm}.");
        }
        var fallback = false;
        if (json.TryGetProperty("city_fallback", out var fb))
        {
            if (fb.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return Fail<NearStoreNode>(path + ".city_fallback", "true or false.");
            }
            fallback = fb.GetBoolean();
        }
        return new NearStoreNode(path, id, store.Position, store.City, km, fallback);
    }

    private AudienceNode? ReadAudience(JsonElement json, string path, int depth)
    {
        if (!json.TryGetProperty("audience_id", out var idJson) || idJson.ValueKind != JsonValueKind.Number || !idJson.TryGetInt64(out var id))
        {
            return Fail<AudienceNode>(path + ".audience_id", "Required: the id of a saved audience.");
        }
        if (_audiences.Contains(id))
        {
            return Fail<AudienceNode>(path + ".audience_id", $"Audience {id} refers back to itself (cycle: {string.Join(" → ", _audiences.Reverse().Append(id))}).");
        }
        var text = _catalog.AudienceCondition(id);
        if (text is null)
        {
            return Fail<AudienceNode>(path + ".audience_id", $"Audience {id} does not exist.");
        }
        _audiences.Push(id);
        try
        {
            using var doc = JsonDocument.Parse(text);
            var before = _errors.Count;
            var inner = ReadCondition(doc.RootElement, $"audience[{id}]");
            if (_errors.Count > before)
            {
                // Report the problem where the operator can fix it: at the reference.
                var first = _errors[before];
                _errors.RemoveRange(before, _errors.Count - before);
                return Fail<AudienceNode>(path + ".audience_id", $"Audience {id} can't be used: {first.Path}: {first.Message}");
            }
            return inner is null ? null : new AudienceNode(path, id, inner.Root);
        }
        finally
        {
            _audiences.Pop();
        }
    }

    private CompareOp? ReadOp(JsonElement json, string path, AttributeType type, string subject, bool allowSetOps = true)
    {
        var name = String(json, "op");
        if (name is null || !Ops.TryGetValue(name, out var op))
        {
            return Fail<CompareOp?>(path + ".op", $"Required: an operator for {subject}: {string.Join(", ", Allowed(type, allowSetOps).Select(OpName))}.");
        }
        if (!Allowed(type, allowSetOps).Contains(op))
        {
            return Fail<CompareOp?>(path + ".op", $"'{name}' does not apply to {subject}; use one of {string.Join(", ", Allowed(type, allowSetOps).Select(OpName))}.");
        }
        return op;
    }

    private static IEnumerable<CompareOp> Allowed(AttributeType type, bool allowSetOps) =>
        allowSetOps ? OpsByType[type] : OpsByType[type].Where(o => o is not (CompareOp.IsSet or CompareOp.NotSet or CompareOp.In or CompareOp.Neq));

    private Operand? ReadOperand(JsonElement json, string path, AttributeType type, CompareOp op)
    {
        switch (op)
        {
            case CompareOp.IsSet or CompareOp.NotSet:
                return Operand.None;
            case CompareOp.WithinNextDays or CompareOp.WithinLastDays or CompareOp.AnniversaryWithinNextDays:
                if (!json.TryGetProperty("days", out var d) || d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out var days) || days < 0 || days > 3660)
                {
                    return Fail<Operand>(path + ".days", "Required: a number of days from 0 to 3660.");
                }
                return new Operand([], [], days);
            case CompareOp.In:
                if (!json.TryGetProperty("values", out var values) || values.ValueKind != JsonValueKind.Array || values.GetArrayLength() == 0)
                {
                    return Fail<Operand>(path + ".values", "Required: a non-empty array of values.");
                }
                if (values.GetArrayLength() > ConditionLimits.MaxInValues)
                {
                    return Fail<Operand>(path + ".values", $"At most {ConditionLimits.MaxInValues} values.");
                }
                var texts = new List<string>();
                var numbers = new List<double>();
                var i = 0;
                foreach (var item in values.EnumerateArray())
                {
                    if (!ReadScalar(item, $"{path}.values[{i++}]", type, texts, numbers))
                    {
                        return null;
                    }
                }
                return new Operand(texts, numbers, 0);
            case CompareOp.Between:
                var range = new List<double>();
                var rangeTexts = new List<string>();
                foreach (var bound in new[] { "min", "max" })
                {
                    if (!json.TryGetProperty(bound, out var b))
                    {
                        return Fail<Operand>($"{path}.{bound}", $"Required: the {bound}imum (inclusive).");
                    }
                    if (!ReadScalar(b, $"{path}.{bound}", type, rangeTexts, range))
                    {
                        return null;
                    }
                }
                if (range[0] > range[1])
                {
                    return Fail<Operand>(path + ".max", "max is below min.");
                }
                return new Operand([], range, 0);
            default:
                if (!json.TryGetProperty("value", out var value))
                {
                    return Fail<Operand>(path + ".value", "Required: the value to compare with.");
                }
                var t = new List<string>();
                var n = new List<double>();
                if (!ReadScalar(value, path + ".value", type, t, n))
                {
                    return null;
                }
                if (op == CompareOp.Contains && t[0].Length == 0)
                {
                    return Fail<Operand>(path + ".value", "Contains needs at least one character.");
                }
                return new Operand(t, n, 0);
        }
    }

    private bool ReadScalar(JsonElement item, string path, AttributeType type, List<string> texts, List<double> numbers)
    {
        switch (type)
        {
            case AttributeType.String when item.ValueKind == JsonValueKind.String:
                texts.Add(item.GetString()!);
                return true;
            case AttributeType.Number when item.ValueKind == JsonValueKind.Number && double.IsFinite(item.GetDouble()):
                numbers.Add(item.GetDouble());
                return true;
            case AttributeType.Date when item.ValueKind == JsonValueKind.String && DateOnly.TryParseExact(item.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date):
                numbers.Add(date.DayNumber);
                return true;
            default:
                return Error(path, type switch
                {
                    AttributeType.String => "Expected text.",
                    AttributeType.Number => "Expected a number.",
                    _ => "Expected a date as yyyy-MM-dd.",
                });
        }
    }

    private static string TypeName(AttributeType type) => type switch
    {
        AttributeType.String => "text",
        AttributeType.Number => "number",
        _ => "date",
    };

    private static string? String(JsonElement json, string name) =>
        json.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private bool Error(string path, string message)
    {
        _errors.Add(new FieldError(path, message));
        return false;
    }

    private T? Fail<T>(string path, string message)
    {
        _errors.Add(new FieldError(path, message));
        return default;
    }
}
