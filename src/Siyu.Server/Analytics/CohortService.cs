using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Siyu.Core.Analytics;
using Siyu.Core.Events;
using Siyu.Core.Journeys;
using Siyu.Server.Data;

namespace Siyu.Server.Analytics;

public sealed record CohortQuery(CohortPeriod Period, int Periods, DateOnly From, DateOnly To, bool ByChannel, IReadOnlyList<string> Activity, bool ByFirstSeen = false);

public sealed record CohortView(string Period, DateOnly From, DateOnly To, IReadOnlyList<string> Activity, IReadOnlyList<CohortRow> Rows);

/// <summary>
/// Retention cohorts by the week or month customers were first added on WeCom (their first <c>customer.added</c>),
/// optionally per channel code of that add; retained = any activity event (default: orders, page views, messages from
/// the customer, clicks, group joins, campaign joins, coupon redemptions) in the k-th period.
/// </summary>
public sealed class CohortService(EventStore store, Tenants.TenantDirectory tenants, TimeProvider time)
{
    public static readonly IReadOnlyList<string> DefaultActivity =
        [EventTypes.OrderPaid, "page.viewed", "message.received", EventTypes.MessageClicked, "group.joined", "campaign.joined", "coupon.redeemed"];

    public (CohortQuery? Query, IReadOnlyList<FieldError> Errors) Parse(int tenantId, JsonElement json)
    {
        var errors = new List<FieldError>();
        var period = CohortPeriod.Week;
        if (json.TryGetProperty("period", out var p))
        {
            switch (p.ValueKind == JsonValueKind.String ? p.GetString() : null)
            {
                case "week":
                    break;
                case "month":
                    period = CohortPeriod.Month;
                    break;
                default:
                    errors.Add(new FieldError("period", "week or month."));
                    break;
            }
        }
        var periods = 8;
        if (json.TryGetProperty("periods", out var n) && (!n.TryGetInt32(out periods) || periods is < 1 or > 52))
        {
            errors.Add(new FieldError("periods", "1 to 52."));
        }
        var activity = DefaultActivity;
        if (json.TryGetProperty("activity", out var a) && a.ValueKind != JsonValueKind.Null)
        {
            var list = a.ValueKind == JsonValueKind.Array ? a.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString() : null).ToList() : [];
            if (list.Count is 0 or > 20 || list.Any(t => t is null || !EventTypes.IsValidName(t)))
            {
                errors.Add(new FieldError("activity", "1 to 20 event types that count as activity."));
            }
            else
            {
                activity = list!;
            }
        }
        var byChannel = json.TryGetProperty("breakdown", out var b) && b.ValueKind == JsonValueKind.String && b.GetString() == "channel";
        if (json.TryGetProperty("breakdown", out b) && b.ValueKind != JsonValueKind.Null && !byChannel)
        {
            errors.Add(new FieldError("breakdown", "channel, or leave it out."));
        }
        var byFirstSeen = false;
        if (json.TryGetProperty("by", out var by) && by.ValueKind != JsonValueKind.Null)
        {
            byFirstSeen = by.ValueKind == JsonValueKind.String && by.GetString() == "first_seen";
            if (!byFirstSeen && !(by.ValueKind == JsonValueKind.String && by.GetString() == "added"))
            {
                errors.Add(new FieldError("by", "added (first WeCom add, the default) or first_seen (first event of any kind)."));
            }
            else if (byFirstSeen && byChannel)
            {
                errors.Add(new FieldError("breakdown", "The channel breakdown needs by = added."));
            }
        }
        var today = DateOnly.FromDayNumber(tenants.Today(tenantId, time));
        var to = AnalyticsRequests.Day(json, "to", errors) ?? today;
        // By default as many cohorts as periods are shown: the joining periods that end at "to".
        var from = AnalyticsRequests.Day(json, "from", errors) ?? Cohorts.Next(Cohorts.PeriodStart(to, period), period, -(periods - 1));
        if (from > to || to.DayNumber - from.DayNumber > 730)
        {
            errors.Add(new FieldError("from", "On or before to, at most two years earlier."));
        }
        return errors.Count > 0 ? (null, errors) : (new CohortQuery(period, periods, from, to, byChannel, activity, byFirstSeen), []);
    }

    public CohortView Run(int tenantId, CohortQuery q)
    {
        var zone = tenants.Zone(tenantId);
        var start = JourneyClock.AtLocal(q.From, TimeOnly.MinValue, zone).UtcTicks;
        var end = JourneyClock.AtLocal(q.To.AddDays(1), TimeOnly.MinValue, zone).UtcTicks;
        var members = new Dictionary<long, (long Ticks, string? Group)>();
        if (q.ByFirstSeen)
        {
            using var c = store.OpenReader();
            using var first = c.CreateCommand();
            first.CommandText = "SELECT CustomerId, MIN(TimestampTicks) FROM events WHERE TenantId = @t GROUP BY CustomerId HAVING MIN(TimestampTicks) < @until";
            first.Param("@t", tenantId);
            first.Param("@until", end);
            using var r = first.ExecuteReader();
            while (r.Read())
            {
                members[r.GetInt64(0)] = (r.GetInt64(1), null);
            }
        }
        else
        {
            // The first add ever decides the cohort, so adds before "from" are read too (and then left out).
            foreach (var (id, (ticks, channel)) in FirstAdds.Read(store, tenantId, end))
            {
                members[id] = (ticks, q.ByChannel ? channel : null);
            }
        }
        var inRange = members.Where(m => m.Value.Ticks >= start).ToDictionary(m => m.Key, m => m.Value);
        var activity = new List<(long, long)>();
        foreach (var e in store.ReadOfTypes(tenantId, q.Activity, start, long.MaxValue, EventOrder.Log))
        {
            if (inRange.ContainsKey(e.CustomerId))
            {
                activity.Add((e.CustomerId, e.TimestampTicks));
            }
        }
        var rows = Cohorts.Compute(inRange.Select(m => (m.Key, m.Value.Ticks, m.Value.Group)), activity, q.Period, q.Periods, zone, time.GetUtcNow());
        return new CohortView(q.Period.ToString().ToLowerInvariant(), q.From, q.To, q.Activity, rows);
    }
}
