using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Siyu.Core.Analytics;
using Siyu.Core.Events;
using Siyu.Core.Journeys;
using Siyu.Server.Data;

namespace Siyu.Server.Analytics;

/// <summary>One touchpoint kind: events of a type (and filter), named by the event type or by one of its properties.</summary>
public sealed record TouchpointSpec(EventFilter Filter, string? ChannelProperty);

public sealed record AttributionQuery(
    IReadOnlyList<TouchpointSpec> Touchpoints, EventFilter Conversion, string? ValueProperty, TimeSpan Lookback, int Order, DateOnly From, DateOnly To);

public sealed record AttributionChannelView(
    string Channel, double MarkovConversions, double MarkovValue, double RemovalEffect, double FirstTouchConversions, double LastTouchConversions,
    double LinearConversions, double LinearValue);

public sealed record AttributionView(
    DateOnly From, DateOnly To, int Order, long Conversions, double Value, long ConversionsWithoutTouch, long NonConvertingPaths, int DistinctPaths,
    IReadOnlyList<AttributionChannelView> Channels);

/// <summary>
/// Attribution from the event log. Each conversion (an event of the conversion type on the chosen days) gets the path of
/// the customer's touchpoints within the lookback before it and after their previous conversion; touchpoints after a
/// customer's last conversion (on the chosen days) form a path that did not convert. A touchpoint's channel is its
/// event type, or the value of <c>channel_property</c> ("customer.added" by channel code). The paths go to the same
/// Markov and heuristic models as <c>siyu analytics</c>. Conversions with no touchpoint in the lookback are counted
/// separately and left out of the models.
/// </summary>
public sealed class AttributionService(EventStore store, Tenants.TenantDirectory tenants, TimeProvider time)
{
    public (AttributionQuery? Query, IReadOnlyList<FieldError> Errors) Parse(int tenantId, JsonElement json)
    {
        var errors = new List<FieldError>();
        var touchpoints = new List<TouchpointSpec>();
        if (!json.TryGetProperty("touchpoints", out var tp) || tp.ValueKind != JsonValueKind.Array || tp.GetArrayLength() is 0 or > 20)
        {
            errors.Add(new FieldError("touchpoints", "1 to 20 touchpoints: {\"event\": \"message.clicked\", \"where\": {…}, \"channel_property\": \"channel\"}."));
        }
        else
        {
            var i = 0;
            foreach (var t in tp.EnumerateArray())
            {
                var path = $"touchpoints[{i++}]";
                var filter = JourneyParser.ParseEventFilter(t, path, errors);
                string? property = null;
                if (t.ValueKind == JsonValueKind.Object && t.TryGetProperty("channel_property", out var p) && p.ValueKind != JsonValueKind.Null)
                {
                    property = p.ValueKind == JsonValueKind.String && AttributeSchema.IsValidName(p.GetString()!) ? p.GetString() : null;
                    if (property is null)
                    {
                        errors.Add(new FieldError($"{path}.channel_property", "A property name: letters, digits, underscore."));
                    }
                }
                if (filter is not null)
                {
                    touchpoints.Add(new TouchpointSpec(filter, property));
                }
            }
        }
        EventFilter? conversion = null;
        if (json.TryGetProperty("conversion", out var conv))
        {
            conversion = JourneyParser.ParseEventFilter(conv, "conversion", errors);
        }
        else
        {
            conversion = new EventFilter(EventTypes.OrderPaid, []);
        }
        string? valueProperty = "amount";
        if (json.TryGetProperty("value_property", out var vp))
        {
            valueProperty = vp.ValueKind == JsonValueKind.Null ? null : vp.ValueKind == JsonValueKind.String && AttributeSchema.IsValidName(vp.GetString()!) ? vp.GetString() : null;
            if (vp.ValueKind != JsonValueKind.Null && valueProperty is null)
            {
                errors.Add(new FieldError("value_property", "A property name (default amount), or null."));
            }
        }
        var lookback = json.TryGetProperty("lookback", out _) ? JourneyParser.ParseDuration(json, "lookback", "lookback", errors, required: true) : TimeSpan.FromDays(30);
        var order = 1;
        if (json.TryGetProperty("order", out var o) && (!o.TryGetInt32(out order) || order is < 1 or > MarkovAttribution.MaxOrder))
        {
            errors.Add(new FieldError("order", $"1 to {MarkovAttribution.MaxOrder}."));
        }
        var today = DateOnly.FromDayNumber(tenants.Today(tenantId, time));
        var to = AnalyticsRequests.Day(json, "to", errors) ?? today;
        var from = AnalyticsRequests.Day(json, "from", errors) ?? to.AddDays(-29);
        if (from > to || to.DayNumber - from.DayNumber > 366)
        {
            errors.Add(new FieldError("from", "On or before to, at most 366 days earlier."));
        }
        return errors.Count > 0 || lookback is null ? (null, errors) : (new AttributionQuery(touchpoints, conversion!, valueProperty, lookback.Value, order, from, to), []);
    }

    public AttributionView Run(int tenantId, AttributionQuery q)
    {
        var zone = tenants.Zone(tenantId);
        var start = JourneyClock.AtLocal(q.From, TimeOnly.MinValue, zone).UtcTicks;
        var end = JourneyClock.AtLocal(q.To.AddDays(1), TimeOnly.MinValue, zone).UtcTicks;
        var types = q.Touchpoints.Select(t => t.Filter.EventType).Append(q.Conversion.EventType).Distinct().ToList();
        var paths = new Dictionary<string, (double Conversions, double Value, double Nulls)>(StringComparer.Ordinal);
        long conversions = 0, withoutTouch = 0, nonConverting = 0;
        double totalValue = 0;
        var touches = new List<(long At, string Channel)>();
        long customer = -1;
        void Add(IEnumerable<string> channels, double conv, double value, double nulls)
        {
            var key = string.Join(" > ", channels);
            var (c0, v0, n0) = paths.GetValueOrDefault(key);
            paths[key] = (c0 + conv, v0 + value, n0 + nulls);
        }
        void EndCustomer()
        {
            var inPeriod = touches.Where(t => t.At >= start).ToList();
            if (inPeriod.Count > 0)
            {
                Add(inPeriod.Select(t => t.Channel), 0, 0, 1);
                nonConverting++;
            }
            touches.Clear();
        }
        foreach (var e in store.ReadOfTypes(tenantId, types, start - q.Lookback.Ticks, end, EventOrder.CustomerThenTime))
        {
            if (e.CustomerId != customer)
            {
                EndCustomer();
                customer = e.CustomerId;
            }
            var (at, type, properties) = (e.TimestampTicks, e.Type, e.ParseProperties());
            if (at >= start && q.Conversion.Matches(type, properties))
            {
                var path = touches.Where(t => t.At >= at - q.Lookback.Ticks).Select(t => t.Channel).ToList();
                var value = q.ValueProperty is { } vp && properties?[vp] is JsonValue v && double.TryParse(v.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var x) ? x : 0;
                conversions++;
                totalValue += value;
                if (path.Count == 0)
                {
                    withoutTouch++;
                }
                else
                {
                    Add(path, 1, value, 0);
                }
                touches.Clear();
                continue;
            }
            foreach (var t in q.Touchpoints)
            {
                if (t.Filter.Matches(type, properties))
                {
                    var channel = t.ChannelProperty is { } cp && properties?[cp] is JsonValue cv && cv.ToString() is { Length: > 0 } named ? named : type;
                    touches.Add((at, channel));
                    break;
                }
            }
        }
        EndCustomer();

        var model = new AttributionPaths();
        foreach (var (key, (conv, value, nulls)) in paths)
        {
            model.Add(key.Split(" > "), conv, value, nulls);
        }
        var markov = MarkovAttribution.Compute(model, q.Order).Channels.ToDictionary(x => x.Channel);
        var channels = HeuristicAttribution.Compute(model).Select(h =>
        {
            var m = markov[h.Channel];
            return new AttributionChannelView(h.Channel, m.Conversions, m.Value, m.RemovalEffect, h.FirstTouchConversions, h.LastTouchConversions, h.LinearConversions, h.LinearValue);
        }).OrderByDescending(x => x.MarkovConversions).ToList();
        return new AttributionView(q.From, q.To, q.Order, conversions, totalValue, withoutTouch, nonConverting, paths.Count, channels);
    }
}
