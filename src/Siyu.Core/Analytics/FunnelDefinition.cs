using System.Text.Json;
using Siyu.Core.Events;
using Siyu.Core.Journeys;

namespace Siyu.Core.Analytics;

/// <summary>
/// A funnel as operators write it: <c>{"steps": [{"event": "page.viewed", "where": {"page": "course"}}, …],
/// "window": "7d", "order": "loose"}</c> — 2 to 8 steps, each an event type with optional property equalities (an array
/// means any of), the conversion window from the first step (default 7 days), loose (default) or strict order.
/// </summary>
public sealed record FunnelDefinition(IReadOnlyList<EventFilter> Steps, TimeSpan Window, FunnelOrder Order)
{
    public const int MinSteps = 2;
    public const int MaxSteps = 8;

    public Funnel Engine() => new(Steps.Count, Window, Order);

    /// <summary>The steps this event matches, as a bit mask (bit k = step k).</summary>
    public uint Mask(string type, System.Text.Json.Nodes.JsonObject? properties)
    {
        uint mask = 0;
        for (var k = 0; k < Steps.Count; k++)
        {
            if (Steps[k].Matches(type, properties))
            {
                mask |= 1u << k;
            }
        }
        return mask;
    }

    public static (FunnelDefinition? Definition, IReadOnlyList<FieldError> Errors) Parse(JsonElement json, string path = "")
    {
        var errors = new List<FieldError>();
        string At(string field) => path.Length == 0 ? field : $"{path}.{field}";
        if (json.ValueKind != JsonValueKind.Object)
        {
            return (null, [new FieldError(path.Length == 0 ? "funnel" : path, "An object with steps, window and order.")]);
        }
        var steps = new List<EventFilter>();
        if (!json.TryGetProperty("steps", out var stepsJson) || stepsJson.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new FieldError(At("steps"), $"Required: {MinSteps} to {MaxSteps} steps, each {{\"event\": …, \"where\": {{…}}}}."));
        }
        else if (stepsJson.GetArrayLength() is < MinSteps or > MaxSteps)
        {
            errors.Add(new FieldError(At("steps"), $"{MinSteps} to {MaxSteps} steps."));
        }
        else
        {
            var i = 0;
            foreach (var step in stepsJson.EnumerateArray())
            {
                if (JourneyParser.ParseEventFilter(step, $"{At("steps")}[{i}]", errors) is { } filter)
                {
                    steps.Add(filter);
                }
                i++;
            }
        }
        var window = json.TryGetProperty("window", out _)
            ? JourneyParser.ParseDuration(json, "window", At("window"), errors, required: true)
            : TimeSpan.FromDays(7);
        var order = FunnelOrder.Loose;
        if (json.TryGetProperty("order", out var orderJson))
        {
            switch (orderJson.ValueKind == JsonValueKind.String ? orderJson.GetString() : null)
            {
                case "loose":
                    break;
                case "strict":
                    order = FunnelOrder.Strict;
                    break;
                default:
                    errors.Add(new FieldError(At("order"), "loose (other events may come between steps) or strict."));
                    break;
            }
        }
        return errors.Count > 0 || window is null ? (null, errors) : (new FunnelDefinition(steps, window.Value, order), []);
    }
}
