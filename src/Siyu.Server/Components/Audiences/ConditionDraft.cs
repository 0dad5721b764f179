using System.Globalization;
using System.Text.Json.Nodes;

namespace Siyu.Server.Components.Audiences;

/// <summary>
/// The condition builder's editable tree. It is deliberately loose (text fields hold what the operator typed);
/// the server's parser is the judge, and its error paths map back to nodes through <see cref="Path"/>.
/// </summary>
public sealed class ConditionDraft
{
    public string Type { get; set; } = "all";
    /// <summary>Wraps the node in "not" (排除).</summary>
    public bool Negate { get; set; }
    public List<ConditionDraft> Children { get; set; } = [];
    public string Op { get; set; } = "eq";
    public HashSet<long> TagIds { get; set; } = [];
    public string Name { get; set; } = "";
    public string? Value { get; set; }
    public string? Max { get; set; }
    public int Days { get; set; } = 7;
    public string Event { get; set; } = "order.paid";
    public string? WhereProperty { get; set; }
    public string? WhereValue { get; set; }
    /// <summary>Window in days; 0 means all time.</summary>
    public int LastDays { get; set; } = 30;
    public string Measure { get; set; } = "count";
    public string SumProperty { get; set; } = "amount";
    public long? AudienceId { get; set; }
    public long? StoreId { get; set; }
    public double WithinKm { get; set; } = 3;
    public bool CityFallback { get; set; }
    /// <summary>JSON path of this node as the server reports errors (set by <see cref="ToJson"/>).</summary>
    public string Path { get; private set; } = "";

    public static ConditionDraft Group(string type = "all") => new() { Type = type };

    public static ConditionDraft NewLeaf(string type) => type switch
    {
        "tags" => new ConditionDraft { Type = "tags", Op = "has_any" },
        "attribute" => new ConditionDraft { Type = "attribute", Name = "city", Op = "eq" },
        "behavior" => new ConditionDraft { Type = "behavior", Op = "gte", Value = "1" },
        "score" => new ConditionDraft { Type = "score", Name = "rfm", Op = "gte", Value = "4" },
        "audience" => new ConditionDraft { Type = "audience" },
        "list" => new ConditionDraft { Type = "list", Value = "" },
        "near_store" => new ConditionDraft { Type = "near_store" },
        _ => Group(type),
    };

    public bool IsGroup => Type is "all" or "any";

    public JsonObject ToCondition() => new() { ["version"] = 1, ["root"] = ToJson("condition.root") };

    public JsonNode ToJson(string path)
    {
        if (Negate)
        {
            Path = path + ".child";
            return new JsonObject { ["type"] = "not", ["child"] = Body(Path) };
        }
        Path = path;
        return Body(path);
    }

    private JsonObject Body(string path)
    {
        var o = new JsonObject { ["type"] = Type };
        switch (Type)
        {
            case "all" or "any":
                o["children"] = new JsonArray([.. Children.Select((c, i) => c.ToJson($"{path}.children[{i}]"))]);
                break;
            case "tags":
                o["op"] = Op;
                o["tag_ids"] = new JsonArray([.. TagIds.Order().Select(id => (JsonNode)JsonValue.Create(id))]);
                break;
            case "attribute" or "score":
                o["name"] = Name;
                AddComparison(o);
                break;
            case "behavior":
                o["event"] = Event;
                if (!string.IsNullOrWhiteSpace(WhereProperty))
                {
                    o["where"] = new JsonArray(new JsonObject { ["property"] = WhereProperty.Trim(), ["op"] = "eq", ["value"] = Scalar(WhereValue) });
                }
                o["window"] = LastDays > 0 ? new JsonObject { ["last_days"] = LastDays } : new JsonObject { ["all_time"] = true };
                o["measure"] = Measure;
                if (Measure == "sum")
                {
                    o["property"] = SumProperty;
                }
                AddComparison(o);
                break;
            case "audience":
                o["audience_id"] = AudienceId;
                break;
            case "near_store":
                o["store_id"] = StoreId;
                o["within_km"] = WithinKm;
                o["city_fallback"] = CityFallback;
                break;
            case "list":
                // Pasted or uploaded ids: anything that is not a digit separates them. A non-number is left for the parser to flag.
                o["customer_ids"] = new JsonArray([.. (Value ?? "").Split([',', '，', ' ', '\n', '\r', '\t', ';', '、'], StringSplitOptions.RemoveEmptyEntries)
                    .Select(x => long.TryParse(x, out var id) ? JsonValue.Create(id) : (JsonNode)JsonValue.Create(x))]);
                break;
        }
        return o;
    }

    private void AddComparison(JsonObject o)
    {
        o["op"] = Op;
        switch (Op)
        {
            case "is_set" or "not_set":
                break;
            case "within_next_days" or "within_last_days" or "anniversary_within_next_days":
                o["days"] = Days;
                break;
            case "between":
                o["min"] = Scalar(Value);
                o["max"] = Scalar(Max);
                break;
            case "in":
                o["values"] = new JsonArray([.. (Value ?? "").Split([',', '，', '、'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Scalar)]);
                break;
            default:
                o["value"] = Scalar(Value);
                break;
        }
    }

    /// <summary>Numbers typed as digits go as numbers, everything else as text; the parser says if the type is wrong.</summary>
    private static JsonNode? Scalar(string? text)
    {
        if (text is null)
        {
            return null;
        }
        // "0571…" is a code, not a number.
        var leadingZero = text.Length > 1 && text[0] == '0' && char.IsAsciiDigit(text[1]);
        return !leadingZero && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? JsonValue.Create(d) : JsonValue.Create(text);
    }

    public static ConditionDraft FromCondition(JsonNode? condition) => condition?["root"] is { } root ? FromJson(root) : Group();

    public static ConditionDraft FromJson(JsonNode node)
    {
        var type = node["type"]?.GetValue<string>() ?? "all";
        if (type == "not" && node["child"] is { } child)
        {
            var inner = FromJson(child);
            inner.Negate = !inner.Negate;
            return inner;
        }
        var d = new ConditionDraft { Type = type, Op = node["op"]?.GetValue<string>() ?? "eq" };
        switch (type)
        {
            case "all" or "any":
                d.Children = [.. (node["children"]?.AsArray() ?? []).Where(c => c is not null).Select(c => FromJson(c!))];
                break;
            case "tags":
                d.TagIds = [.. (node["tag_ids"]?.AsArray() ?? []).Select(t => t!.GetValue<long>())];
                break;
            case "attribute" or "score":
                d.Name = node["name"]?.GetValue<string>() ?? "";
                ReadComparison(d, node);
                break;
            case "behavior":
                d.Event = node["event"]?.GetValue<string>() ?? "";
                if (node["where"]?.AsArray().FirstOrDefault() is { } where)
                {
                    d.WhereProperty = where["property"]?.GetValue<string>();
                    d.WhereValue = Text(where["value"]);
                }
                d.LastDays = node["window"]?["last_days"]?.GetValue<int>() ?? 0;
                d.Measure = node["measure"]?.GetValue<string>() ?? "count";
                d.SumProperty = node["property"]?.GetValue<string>() ?? "amount";
                ReadComparison(d, node);
                break;
            case "audience":
                d.AudienceId = node["audience_id"]?.GetValue<long>();
                break;
            case "near_store":
                d.StoreId = node["store_id"]?.GetValue<long>();
                d.WithinKm = node["within_km"]?.GetValue<double>() ?? 3;
                d.CityFallback = node["city_fallback"]?.GetValue<bool>() ?? false;
                break;
            case "list":
                d.Value = string.Join("\n", (node["customer_ids"]?.AsArray() ?? []).Select(x => x?.ToJsonString()));
                break;
        }
        return d;
    }

    private static void ReadComparison(ConditionDraft d, JsonNode node)
    {
        d.Value = node["values"] is JsonArray values ? string.Join(",", values.Select(Text)) : Text(node["value"] ?? node["min"]);
        d.Max = Text(node["max"]);
        d.Days = node["days"]?.GetValue<int>() ?? d.Days;
    }

    private static string? Text(JsonNode? node) => node?.ToJsonString() is { } s && s.StartsWith('"') ? node.GetValue<string>() : node?.ToJsonString();
}
