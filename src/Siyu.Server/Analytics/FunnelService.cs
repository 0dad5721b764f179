using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Siyu.Core.Analytics;
using Siyu.Core.Audiences.Conditions;
using Siyu.Core.Events;
using Siyu.Server.Data;

namespace Siyu.Server.Analytics;

public sealed record FunnelStepView(int Step, string Event, long Reached, double StepConversion, double Overall);

public sealed record FunnelGroupView(string Key, long[] Reached);

public sealed record FunnelView(DateOnly From, DateOnly To, string Order, double WindowHours, long EventsRead, IReadOnlyList<FunnelStepView> Steps, IReadOnlyList<FunnelGroupView> Groups);

/// <summary>A funnel question: the funnel, the days its first step may fall on (tenant-local), and an optional breakdown.</summary>
public sealed record FunnelQuery(FunnelDefinition Funnel, DateOnly From, DateOnly To, string? Breakdown);

/// <summary>
/// Funnels over the event log: the events of the steps' types from the first day to the last day plus the window are
/// read in customer and time order, matched to steps, and each customer's depth computed by <see cref="Funnel"/>; a
/// first step must fall within [from, to]. Breakdowns: <c>channel</c> (the channel code of the customer's first WeCom
/// add), <c>staff</c> (their first staff member) or <c>tag:ID</c> (has the tag or not). Drop-offs — customers who
/// reached step k but not k + 1 — can be saved as a static-list audience.
/// </summary>
public sealed class FunnelService(EventStore store, Customers.CustomerReader reader, Tags.TagCatalog tags, Audiences.AudienceService audiences,
    Tenants.TenantDirectory tenants, TimeProvider time)
{
    public (FunnelQuery? Query, IReadOnlyList<FieldError> Errors) Parse(int tenantId, JsonElement json)
    {
        var (funnel, errors) = FunnelDefinition.Parse(json);
        var list = errors.ToList();
        var today = DateOnly.FromDayNumber(tenants.Today(tenantId, time));
        var to = AnalyticsRequests.Day(json, "to", list) ?? today;
        var from = AnalyticsRequests.Day(json, "from", list) ?? to.AddDays(-29);
        if (from > to)
        {
            list.Add(new FieldError("from", "Must not be after to."));
        }
        else if (to.DayNumber - from.DayNumber > 366)
        {
            list.Add(new FieldError("from", "At most 366 days from from to to."));
        }
        string? breakdown = null;
        if (json.TryGetProperty("breakdown", out var b) && b.ValueKind != JsonValueKind.Null)
        {
            breakdown = b.ValueKind == JsonValueKind.String ? b.GetString() : null;
            if (breakdown is not ("channel" or "staff") && !(breakdown?.StartsWith("tag:", StringComparison.Ordinal) == true
                && long.TryParse(breakdown.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out var tagId) && tags.Find(tenantId, tagId) is { Deleted: false }))
            {
                list.Add(new FieldError("breakdown", "channel, staff or tag:ID of an existing tag."));
            }
        }
        return list.Count > 0 ? (null, list) : (new FunnelQuery(funnel!, from, to, breakdown), []);
    }

    /// <summary>Each customer's depth (customers who never started are left out).</summary>
    private (Dictionary<long, int> Depths, long EventsRead) Depths(int tenantId, FunnelQuery q)
    {
        var zone = tenants.Zone(tenantId);
        var start = Core.Journeys.JourneyClock.AtLocal(q.From, TimeOnly.MinValue, zone).UtcTicks;
        var end = Core.Journeys.JourneyClock.AtLocal(q.To.AddDays(1), TimeOnly.MinValue, zone).UtcTicks;
        var types = q.Funnel.Steps.Select(s => s.EventType).Distinct().ToList();
        var engine = q.Funnel.Engine();
        var depths = new Dictionary<long, int>();
        var ticks = new List<long>();
        var masks = new List<uint>();
        long customer = -1, read = 0;
        void Flush()
        {
            if (customer >= 0 && engine.Depth(ticks.ToArray(), masks.ToArray()) is var depth and > 0)
            {
                depths[customer] = depth;
            }
            ticks.Clear();
            masks.Clear();
        }
        foreach (var e in store.ReadOfTypes(tenantId, types, start, end + q.Funnel.Window.Ticks, EventOrder.CustomerThenTime))
        {
            read++;
            if (e.CustomerId != customer)
            {
                Flush();
                customer = e.CustomerId;
            }
            var at = e.TimestampTicks;
            var mask = q.Funnel.Mask(e.Type, e.ParseProperties());
            if (at >= end)
            {
                mask &= ~1u; // the funnel must start within the chosen days
            }
            if (mask != 0)
            {
                ticks.Add(at);
                masks.Add(mask);
            }
        }
        Flush();
        return (depths, read);
    }

    public async Task<FunnelView> RunAsync(int tenantId, FunnelQuery q)
    {
        var (depths, read) = Depths(tenantId, q);
        var steps = q.Funnel.Steps.Count;
        var overall = new FunnelCounts(steps);
        foreach (var d in depths.Values)
        {
            overall.Add(d);
        }
        var groups = new List<FunnelGroupView>();
        if (q.Breakdown is { } breakdown && depths.Count > 0)
        {
            var keys = await GroupKeysAsync(tenantId, breakdown, depths.Keys.ToList());
            foreach (var g in depths.GroupBy(d => keys.GetValueOrDefault(d.Key, "—")).OrderByDescending(g => g.Count()))
            {
                var counts = new FunnelCounts(steps);
                foreach (var (_, d) in g)
                {
                    counts.Add(d);
                }
                groups.Add(new FunnelGroupView(g.Key, counts.Reached));
            }
        }
        var stepViews = Enumerable.Range(0, steps).Select(k => new FunnelStepView(k + 1, q.Funnel.Steps[k].EventType, overall.Reached[k], overall.StepConversion(k),
            overall.Reached[0] == 0 ? 0 : (double)overall.Reached[k] / overall.Reached[0])).ToList();
        return new FunnelView(q.From, q.To, q.Funnel.Order.ToString().ToLowerInvariant(), q.Funnel.Window.TotalHours, read, stepViews, groups);
    }

    private async Task<Dictionary<long, string>> GroupKeysAsync(int tenantId, string breakdown, List<long> customers)
    {
        var keys = new Dictionary<long, string>();
        switch (breakdown)
        {
            case "staff":
                foreach (var chunk in customers.Chunk(2_000))
                {
                    foreach (var s in await reader.SummariesAsync(tenantId, chunk))
                    {
                        keys[s.Id] = s.Staff.FirstOrDefault() ?? "无员工关系";
                    }
                }
                break;
            case "channel":
                foreach (var (id, (_, channel)) in FirstAdds.Read(store, tenantId, long.MaxValue))
                {
                    keys[id] = channel;
                }
                foreach (var id in customers)
                {
                    keys.TryAdd(id, "非企业微信客户");
                }
                break;
            default:
                var tagId = long.Parse(breakdown.AsSpan(4), CultureInfo.InvariantCulture);
                var name = tags.Find(tenantId, tagId)?.Name ?? breakdown;
                var with = new HashSet<long>();
                foreach (var chunk in customers.Chunk(2_000))
                {
                    foreach (var s in await reader.SummariesAsync(tenantId, chunk, tagId))
                    {
                        with.Add(s.Id);
                    }
                }
                foreach (var id in customers)
                {
                    keys[id] = with.Contains(id) ? $"有「{name}」" : $"无「{name}」";
                }
                break;
        }
        return keys;
    }

    /// <summary>Saves the customers who reached <paramref name="step"/> (1-based) but not the next as a static-list audience.</summary>
    public async Task<(long? AudienceId, int Customers, IReadOnlyList<FieldError> Errors)> SaveDropOffAsync(int tenantId, string actor, FunnelQuery q, int step, string? name)
    {
        if (step < 1 || step >= q.Funnel.Steps.Count)
        {
            return (null, 0, [new FieldError("step", $"1 to {q.Funnel.Steps.Count - 1}: the step customers reached before dropping off.")]);
        }
        var (depths, _) = Depths(tenantId, q);
        var ids = depths.Where(d => d.Value == step).Select(d => d.Key).Order().ToArray();
        if (ids.Length == 0)
        {
            return (null, 0, [new FieldError("step", "Nobody dropped off after this step.")]);
        }
        if (ids.Length > ConditionLimits.MaxListIds)
        {
            return (null, 0, [new FieldError("step", $"{ids.Length:N0} customers: a static list holds at most {ConditionLimits.MaxListIds:N0}; narrow the dates.")]);
        }
        var condition = JsonSerializer.Serialize(new { version = 1, root = new { type = "list", customer_ids = ids } });
        var title = string.IsNullOrWhiteSpace(name)
            ? $"流失 {q.From:MMdd}-{q.To:MMdd} · {q.Funnel.Steps[step - 1].EventType} 未到 {q.Funnel.Steps[step].EventType}"
            : name.Trim();
        if (string.IsNullOrWhiteSpace(name) && title.Length > 40)
        {
            title = title[..39] + "…"; // audience names are at most 40 characters
        }
        var result = await audiences.CreateAsync(tenantId, actor, new Audiences.AudienceInput(title, "漏斗流失名单（静态）", condition));
        return result.Value is { } audience ? (audience.Id, ids.Length, []) : (null, 0, result.Errors);
    }
}
