using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Siyu.Core.Audiences.Conditions;
using Siyu.Core.Events;

namespace Siyu.Core.Journeys;

/// <summary>Parse result: a definition, or every problem found, each at the JSON path of the field at fault.</summary>
public sealed record JourneyParseResult(JourneyDefinition? Definition, IReadOnlyList<FieldError> Errors)
{
    public bool Ok => Definition is not null && Errors.Count == 0;
}

public static class JourneyLimits
{
    public const int MaxSteps = 200;
    public const int MaxVariants = 10;
    public const int MaxHoldoutPercent = 50;
    public const int MaxTextLength = 4_000;
    public const int MaxAttachments = 9; // WeCom's add_msg_template takes at most 9 attachments
    public const int MaxWhereValues = 100;
    /// <summary>Points one step may credit; larger grants are an operator's manual adjustment, not automation.</summary>
    public const long MaxPointsPerStep = 100_000;
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(365);
}

/// <summary>
/// Reads journey JSON (format version 1) and validates it against the tenant's catalog. Strict like the event parser:
/// unknown fields are errors, so a typo never silently changes a journey. Keeps going after an error so the operator
/// sees every mistake at once; paths look like <c>steps[3].wait.duration</c>.
/// <para>
/// Graph rules: step ids are unique; every target exists; every step is reachable from the first (an unreachable step
/// is an error, not a warning: in a builder it is always a mistake, and a draft can be saved without validation); and no
/// loop is made only of instantaneous steps (a duration or time-of-day wait, or a wait_event, must break it), since it
/// would spin forever. A date wait does not break a loop: when its date has passed it does not wait.
/// </para>
/// </summary>
public sealed partial class JourneyParser
{
    private static readonly string[] StepKinds = ["wait", "wait_event", "branch", "split", "send", "tag", "set_attribute", "task", "coupon", "points", "webhook", "exit"];

    /// <summary>Channels of the delivery pipeline a journey may send through.</summary>
    public static readonly IReadOnlySet<string> Channels = new HashSet<string>(StringComparer.Ordinal) { "wecom_private", "wecom_mass", "sms", "app" };

    private static readonly HashSet<string> AttachmentTypes = new(StringComparer.Ordinal) { "image", "link", "miniprogram", "video", "file" };

    private readonly IConditionCatalog _catalog;
    private readonly List<FieldError> _errors = [];
    private Dictionary<string, int> _stepIndex = new(StringComparer.Ordinal);

    private JourneyParser(IConditionCatalog catalog) => _catalog = catalog;

    /// <param name="journeyId">The journey's id, assigned by the server.</param>
    /// <param name="journeyVersion">The version being published (editing a journey publishes a new version).</param>
    public static JourneyParseResult Parse(string json, IConditionCatalog catalog, long journeyId, int journeyVersion)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return Parse(doc.RootElement, catalog, journeyId, journeyVersion);
        }
        catch (JsonException e)
        {
            return new JourneyParseResult(null, [new FieldError("", $"Not valid JSON: {e.Message}")]);
        }
    }

    public static JourneyParseResult Parse(JsonElement json, IConditionCatalog catalog, long journeyId, int journeyVersion)
    {
        var parser = new JourneyParser(catalog);
        if (journeyId <= 0 || journeyVersion <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(journeyId), "Journey ids and versions are positive.");
        }
        var definition = parser.ReadJourney(json, journeyId, journeyVersion);
        return parser._errors.Count == 0 && definition is not null
            ? new JourneyParseResult(definition, [])
            : new JourneyParseResult(null, parser._errors);
    }

    private JourneyDefinition? ReadJourney(JsonElement json, long id, int version)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            Error("", "A journey is an object: {\"version\": 1, \"name\": …, \"trigger\": {…}, \"steps\": […]}.");
            return null;
        }
        Known(json, "", "version", "name", "description", "kind", "trigger", "steps", "re_entry", "goal");
        if (!json.TryGetProperty("version", out var format) || format.ValueKind != JsonValueKind.Number || !format.TryGetInt32(out var v))
        {
            Error("version", $"Required: the journey format version ({JourneyDefinition.FormatVersion}).");
        }
        else if (v != JourneyDefinition.FormatVersion)
        {
            Error("version", $"Format version {v} is not supported; this server reads version {JourneyDefinition.FormatVersion}.");
        }
        var name = Text(json, "name", "name", required: true, max: 100);
        if (json.TryGetProperty("description", out var description) && description.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
        {
            Error("description", "Text.");
        }
        var kind = JourneyKind.Journey;
        if (json.TryGetProperty("kind", out var kindJson))
        {
            switch (kindJson.ValueKind == JsonValueKind.String ? kindJson.GetString() : null)
            {
                case "journey":
                    break;
                case "sop":
                    kind = JourneyKind.Sop;
                    break;
                default:
                    Error("kind", "Either \"journey\" or \"sop\".");
                    break;
            }
        }
        JourneyTrigger? trigger = null;
        if (!json.TryGetProperty("trigger", out var triggerJson))
        {
            Error("trigger", "Required: what enters customers (event, audience_entry, audience_exit, date_relative, schedule or manual).");
        }
        else
        {
            trigger = ReadTrigger(triggerJson, "trigger");
        }
        var reEntry = json.TryGetProperty("re_entry", out var reEntryJson) ? ReadReEntry(reEntryJson, "re_entry") : ReEntryPolicy.Once;
        ConversionGoal? goal = null;
        if (json.TryGetProperty("goal", out var goalJson) && goalJson.ValueKind != JsonValueKind.Null)
        {
            goal = ReadGoal(goalJson, "goal");
        }
        var steps = ReadSteps(json);
        if (name is null || trigger is null || reEntry is null || steps is null || _errors.Count > 0)
        {
            return null;
        }
        return new JourneyDefinition(id, version, name, kind, trigger, steps, reEntry, goal);
    }

    // ---- triggers, re-entry, goal ----

    private JourneyTrigger? ReadTrigger(JsonElement json, string path)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            return Fail<JourneyTrigger>(path, "A trigger is an object with a \"type\".");
        }
        var type = String(json, "type");
        switch (type)
        {
            case "event":
                Known(json, path, "type", "event", "where");
                return ReadEventFilter(json, path, "event") is { } filter ? new EventTrigger(filter) : null;
            case "audience_entry":
            case "audience_exit":
                Known(json, path, "type", "audience_id");
                return ReadAudienceId(json, path) is { } audience ? new AudienceTrigger(audience, type == "audience_entry") : null;
            case "date_relative":
                return ReadDateRelative(json, path, "type") is { } when ? new DateRelativeTrigger(when) : null;
            case "schedule":
                Known(json, path, "type", "schedule", "audience_id");
                var text = String(json, "schedule");
                JourneySchedule? schedule = null;
                if (text is null)
                {
                    Error(path + ".schedule", "Required: \"daily HH:mm\", \"weekly mon,thu HH:mm\" or a five-field cron expression.");
                }
                else if ((schedule = JourneySchedule.TryParse(text, out var problem)) is null)
                {
                    Error(path + ".schedule", problem!);
                }
                var over = ReadAudienceId(json, path);
                return schedule is not null && over is not null ? new ScheduleTrigger(schedule, over.Value) : null;
            case "manual":
                Known(json, path, "type");
                return new ManualTrigger();
            case null:
                return Fail<JourneyTrigger>(path + ".type", "Required: event, audience_entry, audience_exit, date_relative, schedule or manual.");
            default:
                return Fail<JourneyTrigger>(path + ".type", $"Unknown trigger '{type}'; use event, audience_entry, audience_exit, date_relative, schedule or manual.");
        }
    }

    private long? ReadAudienceId(JsonElement json, string path)
    {
        if (!json.TryGetProperty("audience_id", out var idJson) || idJson.ValueKind != JsonValueKind.Number || !idJson.TryGetInt64(out var id))
        {
            return Fail<long?>(path + ".audience_id", "Required: the id of a saved audience.");
        }
        if (_catalog.AudienceCondition(id) is null)
        {
            return Fail<long?>(path + ".audience_id", $"Audience {id} does not exist.");
        }
        return id;
    }

    /// <summary>{"attribute", "days_before" | "days_after", "at", "yearly"}; <paramref name="extra"/> are fields the caller reads.</summary>
    private DateRelative? ReadDateRelative(JsonElement json, string path, params string[] extra)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            return Fail<DateRelative>(path, "An object: {\"attribute\": \"birthday\", \"days_before\": 3, \"at\": \"10:00\", \"yearly\": true}.");
        }
        Known(json, path, [.. extra, "attribute", "days_before", "days_after", "at", "yearly"]);
        var ok = true;
        var attribute = String(json, "attribute");
        if (attribute is null || !AttributeSchema.IsValidName(attribute))
        {
            ok = Error(path + ".attribute", "Required: the name of a date attribute.");
        }
        else if (_catalog.AttributeType(attribute) != AttributeType.Date)
        {
            ok = Error(path + ".attribute", $"'{attribute}' is not a date attribute.");
        }
        var before = json.TryGetProperty("days_before", out var b);
        var after = json.TryGetProperty("days_after", out var a);
        var offset = 0;
        if (before && after)
        {
            ok = Error(path + ".days_after", "Give days_before or days_after, not both.");
        }
        else if (before || after)
        {
            var field = before ? "days_before" : "days_after";
            var value = before ? b : a;
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var days) || days < 0 || days > 365)
            {
                ok = Error($"{path}.{field}", "A whole number of days from 0 to 365.");
            }
            else
            {
                offset = before ? -days : days;
            }
        }
        var at = ReadTimeOfDay(json, "at", path + ".at", required: true);
        var yearly = false;
        if (json.TryGetProperty("yearly", out var y))
        {
            if (y.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                ok = Error(path + ".yearly", "true for dates that recur every year (birthdays, anniversaries), false for one-off dates.");
            }
            else
            {
                yearly = y.GetBoolean();
            }
        }
        return ok && at is not null ? new DateRelative(attribute!, offset, at.Value, yearly) : null;
    }

    private ReEntryPolicy? ReadReEntry(JsonElement json, string path)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            return Fail<ReEntryPolicy>(path, "An object: {\"policy\": \"once\" | \"after_exit\" | \"always\", \"min_interval\": \"30d\"}.");
        }
        Known(json, path, "policy", "min_interval");
        ReEntryMode? mode = String(json, "policy") switch
        {
            "once" => ReEntryMode.Once,
            "after_exit" => ReEntryMode.AfterExit,
            "always" => ReEntryMode.Always,
            _ => null,
        };
        if (mode is null)
        {
            return Fail<ReEntryPolicy>(path + ".policy", "Required: once, after_exit or always.");
        }
        var interval = TimeSpan.Zero;
        if (json.TryGetProperty("min_interval", out _))
        {
            if (mode != ReEntryMode.Always)
            {
                return Fail<ReEntryPolicy>(path + ".min_interval", "Only the always policy has a minimum interval.");
            }
            if (ReadDuration(json, "min_interval", path + ".min_interval") is not { } d)
            {
                return null;
            }
            interval = d;
        }
        return new ReEntryPolicy(mode.Value, interval);
    }

    private ConversionGoal? ReadGoal(JsonElement json, string path)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            return Fail<ConversionGoal>(path, "An object: {\"event\": \"order.paid\", \"where\": {…}, \"window\": \"7d\"}.");
        }
        Known(json, path, "event", "where", "window");
        var filter = ReadEventFilter(json, path, "event");
        var window = ReadDuration(json, "window", path + ".window", required: true);
        return filter is not null && window is not null ? new ConversionGoal(filter, window.Value) : null;
    }

    /// <summary>An event and property filter (<c>{"event": "order.paid", "where": {...}}</c>) read as journeys read it, for other features (funnels).</summary>
    public static EventFilter? ParseEventFilter(JsonElement json, string path, List<FieldError> errors)
    {
        var parser = new JourneyParser(new ConditionCatalog());
        var filter = json.ValueKind == JsonValueKind.Object ? parser.ReadEventFilter(json, path, "event") : parser.Fail<EventFilter>(path, "An object: {\"event\": \"order.paid\", \"where\": {…}}.");
        errors.AddRange(parser._errors);
        return filter;
    }

    /// <summary>A duration field ("7d", "12h", "1d12h") read as journeys read it.</summary>
    public static TimeSpan? ParseDuration(JsonElement json, string field, string path, List<FieldError> errors, bool required)
    {
        var parser = new JourneyParser(new ConditionCatalog());
        var duration = parser.ReadDuration(json, field, path, required);
        errors.AddRange(parser._errors);
        return duration;
    }

    private EventFilter? ReadEventFilter(JsonElement json, string path, string typeField)
    {
        var type = String(json, typeField);
        var ok = true;
        if (type is null || !EventTypes.IsValidName(type))
        {
            ok = Error($"{path}.{typeField}", "Required: an event type such as order.paid.");
        }
        var where = new List<PropertyMatch>();
        if (json.TryGetProperty("where", out var whereJson) && whereJson.ValueKind != JsonValueKind.Null)
        {
            if (whereJson.ValueKind != JsonValueKind.Object)
            {
                ok = Error(path + ".where", "An object of property values, e.g. {\"channel\": \"直播间\"} (an array means any of).");
            }
            else
            {
                foreach (var property in whereJson.EnumerateObject())
                {
                    var propertyPath = $"{path}.where.{property.Name}";
                    if (!AttributeSchema.IsValidName(property.Name))
                    {
                        ok = Error(propertyPath, "A property name: letters, digits, underscore.");
                        continue;
                    }
                    var texts = new List<string>();
                    var numbers = new List<double>();
                    if (property.Value.ValueKind == JsonValueKind.Array)
                    {
                        var count = property.Value.GetArrayLength();
                        if (count is 0 or > JourneyLimits.MaxWhereValues)
                        {
                            ok = Error(propertyPath, $"From 1 to {JourneyLimits.MaxWhereValues} values.");
                            continue;
                        }
                        var i = 0;
                        foreach (var item in property.Value.EnumerateArray())
                        {
                            ok &= ReadScalar(item, $"{propertyPath}[{i++}]", texts, numbers);
                        }
                    }
                    else
                    {
                        ok &= ReadScalar(property.Value, propertyPath, texts, numbers);
                    }
                    where.Add(new PropertyMatch(property.Name, texts, numbers));
                }
            }
        }
        return ok ? new EventFilter(type!, where) : null;
    }

    private bool ReadScalar(JsonElement item, string path, List<string> texts, List<double> numbers)
    {
        switch (item.ValueKind)
        {
            case JsonValueKind.String:
                texts.Add(item.GetString()!);
                return true;
            case JsonValueKind.True or JsonValueKind.False:
                texts.Add(item.ValueKind == JsonValueKind.True ? "true" : "false");
                return true;
            case JsonValueKind.Number when double.IsFinite(item.GetDouble()):
                numbers.Add(item.GetDouble());
                return true;
            default:
                return Error(path, "A text, number or boolean.");
        }
    }

    // ---- steps ----

    private List<JourneyStep>? ReadSteps(JsonElement json)
    {
        if (!json.TryGetProperty("steps", out var array) || array.ValueKind != JsonValueKind.Array || array.GetArrayLength() == 0)
        {
            Error("steps", "Required: a non-empty array of steps; customers start at the first.");
            return null;
        }
        var count = array.GetArrayLength();
        if (count > JourneyLimits.MaxSteps)
        {
            Error("steps", $"A journey has at most {JourneyLimits.MaxSteps} steps.");
            return null;
        }
        var before = _errors.Count;
        // First the ids, so targets can point forward.
        _stepIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var index = 0;
        foreach (var step in array.EnumerateArray())
        {
            var path = $"steps[{index}]";
            if (step.ValueKind != JsonValueKind.Object)
            {
                Error(path, "A step is an object: {\"id\": …, \"<kind>\": {…}, \"next\": …}.");
            }
            else if (String(step, "id") is not { } id || !StepIdPattern().IsMatch(id))
            {
                Error(path + ".id", "Required: a step id of up to 64 letters, digits, '_' or '-'.");
            }
            else if (!_stepIndex.TryAdd(id, index))
            {
                Error(path + ".id", $"Duplicate step id '{id}' (also steps[{_stepIndex[id]}]).");
            }
            index++;
        }
        var steps = new List<JourneyStep?>();
        var splits = 0;
        index = 0;
        foreach (var step in array.EnumerateArray())
        {
            var s = step.ValueKind == JsonValueKind.Object ? ReadStep(step, index, count, ref splits) : null;
            if (s is not null && Text(step, "name", $"steps[{index}].name", required: false, max: 50) is { Length: > 0 } stepName)
            {
                s = s with { Label = stepName };
            }
            steps.Add(s);
            index++;
        }
        if (_errors.Count > before || steps.Any(s => s is null))
        {
            return null;
        }
        var list = steps.Select(s => s!).ToList();
        CheckGraph(list);
        return _errors.Count > before ? null : list;
    }

    private JourneyStep? ReadStep(JsonElement json, int index, int count, ref int splits)
    {
        var path = $"steps[{index}]";
        var id = String(json, "id") ?? "";
        var kinds = StepKinds.Where(k => json.TryGetProperty(k, out _)).ToList();
        Known(json, path, [.. StepKinds, "id", "name", "next"]);
        if (kinds.Count != 1)
        {
            return Fail<JourneyStep>(path, kinds.Count == 0
                ? $"A step needs one of {string.Join(", ", StepKinds)}."
                : $"A step is one thing; it has {string.Join(" and ", kinds)}.");
        }
        var kind = kinds[0];
        var body = json.GetProperty(kind);
        var bodyPath = $"{path}.{kind}";
        if (kind == "exit" && body.ValueKind is JsonValueKind.True)
        {
            body = default;
        }
        else if (body.ValueKind != JsonValueKind.Object)
        {
            return Fail<JourneyStep>(bodyPath, kind == "exit" ? "An object ({}) or true." : "An object.");
        }
        var hasNext = json.TryGetProperty("next", out _);
        if (hasNext && kind is "branch" or "split" or "exit")
        {
            return Fail<JourneyStep>(path + ".next", kind switch
            {
                "branch" => "A branch continues through yes and no, not next.",
                "split" => "A split continues through each variant's next.",
                _ => "An exit step ends the journey; it has no next.",
            });
        }
        // Without "next", a step continues with the one below it; the last step ends the journey.
        var fallthrough = index + 1 < count ? index + 1 : JourneyStep.End;
        var next = hasNext ? Target(json, "next", path + ".next") : fallthrough;
        switch (kind)
        {
            case "wait":
                return ReadWait(id, body, bodyPath, next);
            case "wait_event":
            {
                Known(body, bodyPath, "event", "where", "timeout", "on_timeout");
                var filter = ReadEventFilter(body, bodyPath, "event");
                var timeout = ReadDuration(body, "timeout", bodyPath + ".timeout", required: true);
                var onTimeout = body.TryGetProperty("on_timeout", out _) ? Target(body, "on_timeout", bodyPath + ".on_timeout") : JourneyStep.End;
                return filter is not null && timeout is not null && next is not null && onTimeout is not null
                    ? new WaitEventStep(id, next.Value, filter, timeout.Value, onTimeout.Value)
                    : null;
            }
            case "branch":
            {
                Known(body, bodyPath, "condition", "yes", "no");
                Condition? condition = null;
                if (!body.TryGetProperty("condition", out var conditionJson))
                {
                    Error(bodyPath + ".condition", "Required: a condition ({\"version\": 1, \"root\": {…}}).");
                }
                else
                {
                    var result = ConditionParser.Parse(conditionJson, _catalog, bodyPath + ".condition");
                    _errors.AddRange(result.Errors);
                    condition = result.Condition;
                }
                var yes = Target(body, "yes", bodyPath + ".yes", required: true);
                var no = Target(body, "no", bodyPath + ".no", required: true);
                return condition is not null && yes is not null && no is not null ? new BranchStep(id, condition, yes.Value, no.Value) : null;
            }
            case "split":
                return ReadSplit(id, body, bodyPath, ref splits);
            case "send":
                return ReadSend(id, body, bodyPath, next);
            case "tag":
                return ReadTag(id, body, bodyPath, next);
            case "set_attribute":
            {
                Known(body, bodyPath, "name", "value");
                var name = String(body, "name");
                var ok = true;
                if (name is null || !AttributeSchema.IsValidName(name))
                {
                    ok = Error(bodyPath + ".name", "Required: an attribute name (letters, digits, underscore).");
                }
                if (!body.TryGetProperty("value", out var value) || value.ValueKind is JsonValueKind.Object or JsonValueKind.Array or JsonValueKind.Undefined)
                {
                    ok = Error(bodyPath + ".value", "Required: a text, number, boolean or null (null clears the attribute).");
                }
                else if (name is not null && _catalog.AttributeType(name) == AttributeType.Date && value.ValueKind == JsonValueKind.String
                    && !DateOnly.TryParseExact(value.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
                    && !DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                {
                    ok = Error(bodyPath + ".value", $"'{name}' is a date attribute: give yyyy-MM-dd.");
                }
                return ok && next is not null ? new SetAttributeStep(id, next.Value, name!, value.Clone()) : null;
            }
            case "task":
            {
                Known(body, bodyPath, "text", "staff_userid");
                var text = Text(body, "text", bodyPath + ".text", required: true, max: JourneyLimits.MaxTextLength);
                var staff = Text(body, "staff_userid", bodyPath + ".staff_userid", required: false, max: 64);
                return text is not null && next is not null ? new TaskStep(id, next.Value, staff, text) : null;
            }
            case "coupon":
            {
                Known(body, bodyPath, "template_id");
                // Whether the template exists is the server's check at publish (templates live in its database).
                if (!body.TryGetProperty("template_id", out var templateJson) || templateJson.ValueKind != JsonValueKind.Number
                    || !templateJson.TryGetInt64(out var templateId) || templateId <= 0)
                {
                    return Fail<JourneyStep>(bodyPath + ".template_id", "Required: the id of a coupon template.");
                }
                return next is not null ? new CouponStep(id, next.Value, templateId) : null;
            }
            case "points":
            {
                Known(body, bodyPath, "amount", "reason");
                var reason = Text(body, "reason", bodyPath + ".reason", required: true, max: 100);
                if (!body.TryGetProperty("amount", out var amountJson) || amountJson.ValueKind != JsonValueKind.Number
                    || !amountJson.TryGetInt64(out var amount) || amount is <= 0 or > JourneyLimits.MaxPointsPerStep)
                {
                    return Fail<JourneyStep>(bodyPath + ".amount", $"Required: whole points from 1 to {JourneyLimits.MaxPointsPerStep}.");
                }
                return reason is not null && next is not null ? new PointsStep(id, next.Value, amount, reason) : null;
            }
            case "webhook":
            {
                Known(body, bodyPath, "url", "payload");
                var url = String(body, "url");
                Uri? uri = null;
                if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out uri) || uri.Scheme is not ("https" or "http"))
                {
                    Error(bodyPath + ".url", "Required: an absolute http(s) URL.");
                }
                string? payload = null;
                if (body.TryGetProperty("payload", out var payloadJson) && payloadJson.ValueKind != JsonValueKind.Null)
                {
                    // Kept as written: a template the executor fills in ({customer_id}, attributes…).
                    payload = payloadJson.ValueKind == JsonValueKind.String ? payloadJson.GetString() : payloadJson.GetRawText();
                }
                return uri is not null && next is not null && uri.Scheme is "https" or "http" ? new WebhookStep(id, next.Value, uri, payload) : null;
            }
            default:
                if (body.ValueKind == JsonValueKind.Object)
                {
                    Known(body, bodyPath);
                }
                return new ExitStep(id);
        }
    }

    private WaitStep? ReadWait(string id, JsonElement body, string path, int? next)
    {
        Known(body, path, "duration", "at", "until_date");
        var hasDuration = body.TryGetProperty("duration", out _);
        var hasAt = body.TryGetProperty("at", out _);
        var hasDate = body.TryGetProperty("until_date", out var dateJson);
        if (hasDate && (hasDuration || hasAt))
        {
            return Fail<WaitStep>(path + ".until_date", "A date wait stands alone; drop duration and at (the date rule has its own at).");
        }
        if (!hasDuration && !hasAt && !hasDate)
        {
            return Fail<WaitStep>(path, "Give a duration (\"3d\"), a time of day (\"at\": \"10:00\"), both, or until_date.");
        }
        var ok = true;
        TimeSpan? duration = null;
        TimeOnly? at = null;
        DateRelative? date = null;
        if (hasDuration)
        {
            ok &= (duration = ReadDuration(body, "duration", path + ".duration")) is not null;
        }
        if (hasAt)
        {
            ok &= (at = ReadTimeOfDay(body, "at", path + ".at", required: true)) is not null;
        }
        if (hasDate)
        {
            ok &= (date = ReadDateRelative(dateJson, path + ".until_date")) is not null;
        }
        return ok && next is not null ? new WaitStep(id, next.Value, duration, at, date) : null;
    }

    private SplitStep? ReadSplit(string id, JsonElement body, string path, ref int splits)
    {
        Known(body, path, "variants", "holdout_percent");
        var ok = true;
        if (++splits > JourneyInstance.MaxSplits)
        {
            ok = Error(path, $"A journey has at most {JourneyInstance.MaxSplits} splits.");
        }
        var holdout = 0;
        if (body.TryGetProperty("holdout_percent", out var h))
        {
            // Hundredths of a percent are the finest grain assignment uses.
            if (h.ValueKind != JsonValueKind.Number || !h.TryGetDecimal(out var percent) || percent < 0 || percent > JourneyLimits.MaxHoldoutPercent
                || decimal.Round(percent, 2) != percent)
            {
                ok = Error(path + ".holdout_percent", $"A percentage from 0 to {JourneyLimits.MaxHoldoutPercent} (up to two decimals).");
            }
            else
            {
                holdout = (int)(percent * 100);
            }
        }
        var variants = new List<SplitVariant>();
        if (!body.TryGetProperty("variants", out var array) || array.ValueKind != JsonValueKind.Array || array.GetArrayLength() == 0)
        {
            return Fail<SplitStep>(path + ".variants", "Required: an array of variants {\"name\", \"weight\", \"next\"}.");
        }
        if (array.GetArrayLength() > JourneyLimits.MaxVariants)
        {
            return Fail<SplitStep>(path + ".variants", $"At most {JourneyLimits.MaxVariants} variants.");
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        var i = 0;
        foreach (var variant in array.EnumerateArray())
        {
            var vp = $"{path}.variants[{i++}]";
            if (variant.ValueKind != JsonValueKind.Object)
            {
                ok = Error(vp, "A variant is {\"name\": \"A\", \"weight\": 50, \"next\": \"step\"}.");
                continue;
            }
            Known(variant, vp, "name", "weight", "next");
            var name = Text(variant, "name", vp + ".name", required: true, max: 50);
            if (name is not null && !names.Add(name))
            {
                ok = Error(vp + ".name", $"Duplicate variant name '{name}'.");
            }
            var weight = 0;
            if (!variant.TryGetProperty("weight", out var w) || w.ValueKind != JsonValueKind.Number || !w.TryGetInt32(out weight) || weight < 1 || weight > 10_000)
            {
                ok = Error(vp + ".weight", "Required: a positive whole weight (up to 10000); shares are weight / total.");
            }
            var next = Target(variant, "next", vp + ".next", required: true);
            if (name is null || next is null)
            {
                ok = false;
                continue;
            }
            variants.Add(new SplitVariant(name, weight, next.Value));
        }
        return ok ? new SplitStep(id, variants, holdout, splits - 1) : null;
    }

    private SendStep? ReadSend(string id, JsonElement body, string path, int? next)
    {
        Known(body, path, "channel", "topic", "text", "template_id", "attachments");
        var ok = true;
        var channel = String(body, "channel");
        if (channel is null || !Channels.Contains(channel))
        {
            ok = Error(path + ".channel", $"Required: one of {string.Join(", ", Channels)}.");
        }
        var topic = Text(body, "topic", path + ".topic", required: true, max: 64);
        if (topic is not null && !Delivery.DeliveryNames.Topics.Contains(topic))
        {
            ok = Error(path + ".topic", $"One of {string.Join(", ", Delivery.DeliveryNames.Topics)}.");
            topic = null;
        }
        var text = Text(body, "text", path + ".text", required: false, max: JourneyLimits.MaxTextLength);
        var template = Text(body, "template_id", path + ".template_id", required: false, max: 64);
        if (text is null && template is null && !body.TryGetProperty("text", out _) && !body.TryGetProperty("template_id", out _))
        {
            ok = Error(path + ".text", "Required: the message text, or a template_id.");
        }
        else if (text is not null && template is not null)
        {
            ok = Error(path + ".template_id", "Give text or template_id, not both.");
        }
        var attachments = new List<MessageAttachment>();
        if (body.TryGetProperty("attachments", out var array) && array.ValueKind != JsonValueKind.Null)
        {
            if (array.ValueKind != JsonValueKind.Array || array.GetArrayLength() > JourneyLimits.MaxAttachments)
            {
                ok = Error(path + ".attachments", $"An array of at most {JourneyLimits.MaxAttachments} attachments.");
            }
            else
            {
                var i = 0;
                foreach (var a in array.EnumerateArray())
                {
                    var ap = $"{path}.attachments[{i++}]";
                    if (a.ValueKind != JsonValueKind.Object)
                    {
                        ok = Error(ap, "An attachment is {\"type\": \"image\" | \"link\" | \"miniprogram\" | \"video\" | \"file\", \"value\": …, \"title\": …}.");
                        continue;
                    }
                    Known(a, ap, "type", "value", "title");
                    var type = String(a, "type");
                    if (type is null || !AttachmentTypes.Contains(type))
                    {
                        ok = Error(ap + ".type", $"One of {string.Join(", ", AttachmentTypes)}.");
                    }
                    var value = Text(a, "value", ap + ".value", required: true, max: 2_000);
                    var title = Text(a, "title", ap + ".title", required: false, max: 128);
                    if (type is not null && value is not null)
                    {
                        attachments.Add(new MessageAttachment(type, value, title));
                    }
                    else
                    {
                        ok = false;
                    }
                }
            }
        }
        return ok && topic is not null && next is not null ? new SendStep(id, next.Value, channel!, topic, text, template, attachments) : null;
    }

    private TagStep? ReadTag(string id, JsonElement body, string path, int? next)
    {
        Known(body, path, "add", "remove");
        var ok = true;
        var lists = new List<long>[2];
        var fields = new[] { "add", "remove" };
        for (var f = 0; f < 2; f++)
        {
            lists[f] = [];
            if (!body.TryGetProperty(fields[f], out var array))
            {
                continue;
            }
            if (array.ValueKind != JsonValueKind.Array)
            {
                ok = Error($"{path}.{fields[f]}", "An array of tag ids.");
                continue;
            }
            var i = 0;
            foreach (var item in array.EnumerateArray())
            {
                var ip = $"{path}.{fields[f]}[{i++}]";
                if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var tagId))
                {
                    ok = Error(ip, "A tag id is a whole number.");
                }
                else if (_catalog.Tag(tagId) is not { } tag)
                {
                    ok = Error(ip, $"Tag {tagId} does not exist.");
                }
                else if (tag.IsRule)
                {
                    // Rule tags follow their rule; a journey setting one would be undone at the next evaluation.
                    ok = Error(ip, $"Tag {tagId} ({tag.Name}) is a rule tag: its rule decides who has it.");
                }
                else if (!lists[f].Contains(tagId))
                {
                    lists[f].Add(tagId);
                }
            }
        }
        if (ok && lists[0].Count == 0 && lists[1].Count == 0)
        {
            ok = Error(path, "Add or remove at least one tag.");
        }
        if (ok && lists[0].Intersect(lists[1]).FirstOrDefault() is var both and not 0)
        {
            ok = Error(path + ".remove", $"Tag {both} is both added and removed.");
        }
        return ok && next is not null ? new TagStep(id, next.Value, lists[0], lists[1]) : null;
    }

    // ---- graph ----

    private void CheckGraph(List<JourneyStep> steps)
    {
        var n = steps.Count;
        var edges = new List<int>[n];
        var instant = new List<int>[n];
        for (var i = 0; i < n; i++)
        {
            var targets = Targets(steps[i]).Where(t => t != JourneyStep.End).Distinct().ToList();
            edges[i] = targets;
            // A step that always waits breaks a loop through it.
            instant[i] = steps[i] is WaitEventStep or WaitStep { AlwaysWaits: true } ? [] : targets;
        }

        var reached = new bool[n];
        var queue = new Queue<int>([0]);
        reached[0] = true;
        while (queue.TryDequeue(out var s))
        {
            foreach (var t in edges[s].Where(t => !reached[t]))
            {
                reached[t] = true;
                queue.Enqueue(t);
            }
        }
        for (var i = 0; i < n; i++)
        {
            if (!reached[i])
            {
                Error($"steps[{i}].id", $"Step '{steps[i].Id}' can't be reached from the first step '{steps[0].Id}'.");
            }
        }

        // Depth-first search for a loop of instantaneous steps (0 = unvisited, 1 = on the current path, 2 = done).
        var state = new byte[n];
        var path = new List<int>();
        bool Visit(int s)
        {
            state[s] = 1;
            path.Add(s);
            foreach (var t in instant[s])
            {
                if (state[t] == 1)
                {
                    var loop = path.Skip(path.IndexOf(t)).Append(t).Select(x => steps[x].Id);
                    Error($"steps[{s}]", $"Steps {string.Join(" → ", loop)} loop without waiting and would run forever; put a wait or wait_event in the loop.");
                    return false;
                }
                if (state[t] == 0 && !Visit(t))
                {
                    return false;
                }
            }
            path.RemoveAt(path.Count - 1);
            state[s] = 2;
            return true;
        }
        for (var i = 0; i < n; i++)
        {
            if (state[i] == 0 && !Visit(i))
            {
                break;
            }
        }
    }

    internal static IEnumerable<int> Targets(JourneyStep step) => step switch
    {
        WaitStep s => [s.Next],
        WaitEventStep s => [s.Next, s.OnTimeout],
        BranchStep s => [s.Yes, s.No],
        SplitStep s => s.Variants.Select(v => v.Next),
        SendStep s => [s.Next],
        TagStep s => [s.Next],
        SetAttributeStep s => [s.Next],
        TaskStep s => [s.Next],
        CouponStep s => [s.Next],
        PointsStep s => [s.Next],
        WebhookStep s => [s.Next],
        _ => [],
    };

    // ---- values ----

    private int? Target(JsonElement json, string field, string path, bool required = false)
    {
        if (!json.TryGetProperty(field, out var value))
        {
            return required ? Fail<int?>(path, "Required: the id of the step to go to.") : null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            return Fail<int?>(path, "The id of a step (text).");
        }
        var id = value.GetString()!;
        return _stepIndex.TryGetValue(id, out var index) ? index : Fail<int?>(path, $"There is no step '{id}'.");
    }

    /// <summary>"3d", "12h", "30m", "45s" or combinations in that order ("1d12h"); positive, at most 365 days.</summary>
    private TimeSpan? ReadDuration(JsonElement json, string field, string path, bool required = true)
    {
        if (!json.TryGetProperty(field, out var value))
        {
            return required ? Fail<TimeSpan?>(path, "Required: a duration such as \"3d\", \"12h\", \"30m\" or \"1d12h\".") : null;
        }
        var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : "";
        var match = DurationPattern().Match(text);
        if (text.Length == 0 || !match.Success)
        {
            return Fail<TimeSpan?>(path, "A duration such as \"3d\", \"12h\", \"30m\", \"45s\" or \"1d12h\".");
        }
        long Part(string name) => match.Groups[name].Success ? long.Parse(match.Groups[name].Value, CultureInfo.InvariantCulture) : 0;
        var seconds = match.Groups.Values.Skip(1).Any(g => g.Success && g.Value.Length > 7)
            ? long.MaxValue
            : Part("d") * 86_400 + Part("h") * 3_600 + Part("m") * 60 + Part("s");
        if (seconds <= 0)
        {
            return Fail<TimeSpan?>(path, "A duration must be positive.");
        }
        if (seconds > (long)JourneyLimits.MaxDuration.TotalSeconds)
        {
            return Fail<TimeSpan?>(path, "At most 365 days.");
        }
        return TimeSpan.FromSeconds(seconds);
    }

    private TimeOnly? ReadTimeOfDay(JsonElement json, string field, string path, bool required)
    {
        if (!json.TryGetProperty(field, out var value))
        {
            return required ? Fail<TimeOnly?>(path, "Required: a local time of day \"HH:mm\".") : null;
        }
        if (value.ValueKind != JsonValueKind.String || !JourneySchedule.TryTime(value.GetString()!, out var h, out var m))
        {
            return Fail<TimeOnly?>(path, "A local time of day \"HH:mm\" from 00:00 to 23:59.");
        }
        return new TimeOnly(h, m);
    }

    private string? Text(JsonElement json, string field, string path, bool required, int max)
    {
        if (!json.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return required ? Fail<string>(path, "Required.") : null;
        }
        if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
        {
            return Fail<string>(path, "Non-empty text.");
        }
        var text = value.GetString()!;
        return text.Length > max ? Fail<string>(path, $"At most {max} characters.") : text;
    }

    private void Known(JsonElement json, string path, params string[] names)
    {
        foreach (var property in json.EnumerateObject())
        {
            if (Array.IndexOf(names, property.Name) < 0)
            {
                Error(path.Length == 0 ? property.Name : $"{path}.{property.Name}", $"Unknown field '{property.Name}'. Allowed: {string.Join(", ", names)}.");
            }
        }
    }

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

    [GeneratedRegex(@"^[\p{L}\p{N}_-]{1,64}$")]
    private static partial Regex StepIdPattern();

    [GeneratedRegex(@"^(?:(?<d>\d+)d)?(?:(?<h>\d+)h)?(?:(?<m>\d+)m)?(?:(?<s>\d+)s)?$")]
    private static partial Regex DurationPattern();
}
