using Siyu.Core.Audiences.Conditions;
using Siyu.Core.Events;

namespace Siyu.Server.Partitions;

/// <summary>
/// The facts the alert rules (<see cref="Siyu.Core.Analytics.Alerts"/>) need about this partition's customers, as
/// tenant-local days; the rules themselves run in <see cref="Analytics.AlertService"/>.
/// </summary>
public sealed partial class PartitionGrain
{
    public Task<AlertFactsView[]> AlertFacts()
    {
        var zone = Zone;
        var facts = new List<AlertFactsView>();
        foreach (var p in _profiles.Values)
        {
            // Every customer rule starts from a paid order (a monetary score, a rhythm, "had paid before").
            if (p.Orders <= 0 || p.LastOrderTicks <= 0)
            {
                continue;
            }
            var deletions = p.Behaviour
                .Where(b => b.Type == EventTypes.CustomerDeleted && b.Text?.GetValueOrDefault("staff_userid") is { Length: > 0 })
                .OrderBy(b => b.Ticks)
                .Select(b => new StaffDeletionView(b.Text!["staff_userid"], Comparisons.LocalDay(b.Ticks, zone), b.Text.GetValueOrDefault("by") == "customer"))
                .ToArray();
            facts.Add(new AlertFactsView(
                p.CustomerId,
                p.DisplayName,
                (int)p.Scores.GetValueOrDefault(ScoreNames.RfmM),
                p.Orders,
                Comparisons.LocalDay(p.FirstOrderTicks > 0 ? p.FirstOrderTicks : p.LastOrderTicks, zone),
                Comparisons.LocalDay(p.LastOrderTicks, zone),
                p.LastEventTicks.TryGetValue(EventTypes.MessageReceived, out var inbound) ? Comparisons.LocalDay(inbound, zone) : null,
                [.. p.Staff.Keys],
                deletions));
        }
        return Task.FromResult(facts.ToArray());
    }
}

/// <summary>One paying customer's alert facts (days are tenant-local day numbers; null = never).</summary>
[GenerateSerializer, Immutable]
public sealed record AlertFactsView(
    [property: Id(0)] long CustomerId,
    [property: Id(1)] string? Name,
    [property: Id(2)] int MonetaryScore,
    [property: Id(3)] int PaidOrders,
    [property: Id(4)] int FirstOrderDay,
    [property: Id(5)] int LastOrderDay,
    [property: Id(6)] int? LastInboundMessageDay,
    [property: Id(7)] string[] Staff,
    [property: Id(8)] StaffDeletionView[] Deletions);

[GenerateSerializer, Immutable]
public sealed record StaffDeletionView(
    [property: Id(0)] string StaffUserId,
    [property: Id(1)] int Day,
    [property: Id(2)] bool ByCustomer);
