using System.Globalization;
using System.Text.Json.Nodes;
using Siyu.Core.Analytics;
using Siyu.Core.Events;
using Siyu.Core.Journeys;
using Siyu.Server.Data;

namespace Siyu.Server.Analytics;

/// <summary>A KPI question: the tenant-local days [from, to] (the previous period of the same length comes with it).</summary>
public sealed record KpiQuery(DateOnly From, DateOnly To);

/// <summary>
/// The KPI dashboard from the event log (definitions in <see cref="Kpis"/>): WeCom adds and deletes (a transfer's
/// delete + add pair, <c>by</c>/<c>source</c> = <c>transfer</c>, is not growth), group joins, messages sent / failed /
/// clicked as the delivery pipeline and link tracker record them, paid orders and refunds; customers are those first
/// seen (any event of theirs but Siyu's own delivery outcomes and tag or merge bookkeeping) by the last day, leaving
/// out customers merged into another.
/// </summary>
public sealed class KpiService(EventStore store, Tenants.TenantDirectory tenants, TimeProvider time)
{
    public const int DefaultDays = 30;

    private static readonly string[] History = [EventTypes.CustomerAdded, EventTypes.CustomerDeleted, EventTypes.OrderPaid, EventTypes.OrderRefunded];
    private static readonly string[] InPeriod = [EventTypes.GroupJoined, EventTypes.MessageSent, EventTypes.MessageFailed, EventTypes.MessageClicked];

    /// <summary>Types that do not make someone a known customer (what Siyu did, and bookkeeping).</summary>
    private static readonly string[] NotSeen =
    [
        .. EventTypes.NotCustomerActivity, EventTypes.TagAdded, EventTypes.TagRemoved, EventTypes.CustomerMerged, EventTypes.CustomerUnmerged,
    ];

    /// <summary>Defaults: the last 30 days up to today; at most <see cref="Kpis.MaxDays"/> days.</summary>
    public (KpiQuery? Query, IReadOnlyList<FieldError> Errors) Parse(int tenantId, string? from, string? to)
    {
        var errors = new List<FieldError>();
        var today = DateOnly.FromDayNumber(tenants.Today(tenantId, time));
        var last = AnalyticsRequests.Day(to, "to", errors);
        var first = AnalyticsRequests.Day(from, "from", errors);
        if (errors.Count > 0)
        {
            return (null, errors);
        }
        var end = last ?? today;
        var start = first ?? end.AddDays(-(DefaultDays - 1));
        if (start > end)
        {
            errors.Add(new FieldError("from", last is null ? "Must not be after today (to defaults to today)." : "Must not be after to."));
        }
        else if (end.DayNumber - start.DayNumber + 1 > Kpis.MaxDays)
        {
            errors.Add(new FieldError("from", $"At most {Kpis.MaxDays} days from from to to, both included."));
        }
        return errors.Count > 0 ? (null, errors) : (new KpiQuery(start, end), []);
    }

    public KpiReport Run(int tenantId, KpiQuery q)
    {
        var zone = tenants.Zone(tenantId);
        var (previousFrom, _) = Kpis.PreviousPeriod(q.From, q.To);
        var start = JourneyClock.AtLocal(previousFrom, TimeOnly.MinValue, zone).UtcTicks;
        var end = JourneyClock.AtLocal(q.To.AddDays(1), TimeOnly.MinValue, zone).UtcTicks;
        var events = new List<KpiEvent>();
        // Owners and LTV need the whole history of relations and orders; the rest only the two periods.
        foreach (var e in store.ReadOfTypes(tenantId, History, long.MinValue, end, EventOrder.Time))
        {
            var p = e.ParseProperties();
            events.Add(e.Type switch
            {
                EventTypes.CustomerAdded => new KpiEvent(e.CustomerId, e.TimestampTicks, KpiEventKind.Added, Text(p?["staff_userid"]),
                    Transfer: Text(p?["source"]) == "transfer"),
                EventTypes.CustomerDeleted => new KpiEvent(e.CustomerId, e.TimestampTicks, KpiEventKind.Deleted, Text(p?["staff_userid"]),
                    Transfer: Text(p?["by"]) == "transfer"),
                EventTypes.OrderPaid => new KpiEvent(e.CustomerId, e.TimestampTicks, KpiEventKind.OrderPaid, Amount: Amount(p?["amount"])),
                _ => new KpiEvent(e.CustomerId, e.TimestampTicks, KpiEventKind.OrderRefunded, Amount: Amount(p?["amount"])),
            });
        }
        foreach (var e in store.ReadOfTypes(tenantId, InPeriod, start, end, EventOrder.Log))
        {
            events.Add(new KpiEvent(e.CustomerId, e.TimestampTicks, e.Type switch
            {
                EventTypes.GroupJoined => KpiEventKind.GroupJoined,
                EventTypes.MessageSent => KpiEventKind.MessageSent,
                EventTypes.MessageFailed => KpiEventKind.MessageFailed,
                _ => KpiEventKind.MessageClicked,
            }));
        }
        return Kpis.Compute(events, FirstSeen(tenantId, end), q.From, q.To, zone);
    }

    private List<KpiCustomer> FirstSeen(int tenantId, long untilTicks)
    {
        using var c = store.OpenReader();
        using var cmd = c.CreateCommand();
        var names = NotSeen.Select((_, i) => $"@n{i}").ToList();
        cmd.CommandText = $"""
            SELECT e.CustomerId, MIN(e.TimestampTicks) FROM events e
            WHERE e.TenantId = @t AND e.TimestampTicks < @until AND e.Type NOT IN ({string.Join(", ", names)})
              AND NOT EXISTS (SELECT 1 FROM customers m WHERE m.TenantId = e.TenantId AND m.Id = e.CustomerId AND m.MergedInto IS NOT NULL)
            GROUP BY e.CustomerId
            """;
        cmd.Param("@t", tenantId);
        cmd.Param("@until", untilTicks);
        for (var i = 0; i < NotSeen.Length; i++)
        {
            cmd.Param(names[i], NotSeen[i]);
        }
        using var r = cmd.ExecuteReader();
        var list = new List<KpiCustomer>();
        while (r.Read())
        {
            list.Add(new KpiCustomer(r.GetInt64(0), r.GetInt64(1)));
        }
        return list;
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>A JSON number as decimal, exactly as written (ingest checked that order amounts are numbers).</summary>
    private static decimal Amount(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number
            && decimal.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : 0m;
}
