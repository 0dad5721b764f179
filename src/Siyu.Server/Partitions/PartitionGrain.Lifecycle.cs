using Siyu.Core.Analytics;
using Siyu.Core.Audiences.Conditions;
using Siyu.Core.Customers;
using Siyu.Core.Events;
using Siyu.Core.Journeys;
using Siyu.Server.Analytics;

namespace Siyu.Server.Partitions;

/// <summary>
/// Lifecycle stages (score <c>lifecycle_stage</c>) from the tenant's rules, with operators' moves and history, and
/// purchase-due dates (<c>purchase_due_at</c> for journeys, score <c>purchase_due_days</c>) from the tenant's
/// per-category purchase cycles.
/// </summary>
public sealed partial class PartitionGrain
{
    private void UpdateLifecycle(CustomerProfile p, AnalyticsSettings settings, int today, long nowTicks)
    {
        var zone = _index.Zone;
        int? DaysSince(long ticks) => ticks is > 0 and < long.MaxValue ? today - Comparisons.LocalDay(ticks, zone) : null;
        var lastInteraction = 0L;
        foreach (var type in settings.Rfm.EngagementEvents)
        {
            lastInteraction = Math.Max(lastInteraction, p.LastEventTicks.GetValueOrDefault(type));
        }
        var facts = new LifecycleFacts(p.Orders, p.Orders > 0 ? DaysSince(p.FirstOrderTicks) : null, p.Orders > 0 ? DaysSince(p.LastOrderTicks) : null,
            DaysSince(lastInteraction), p.EventCounts.GetValueOrDefault(EventTypes.CustomerAdded) > 0 && p.Staff.Count == 0);
        var stage = Lifecycle.Evaluate(facts, settings.Lifecycle);
        // A first evaluation dates the stage from the history (a customer silent for months didn't turn silent today).
        var since = p.Lifecycle.History.Count == 0 ? nowTicks - Lifecycle.DaysInStage(facts, settings.Lifecycle, stage) * TimeSpan.TicksPerDay : nowTicks;
        p.Lifecycle.Update(stage, since);
        if (p.Scores.GetValueOrDefault(ScoreNames.LifecycleStage) != (int)p.Lifecycle.Stage)
        {
            SetScore(p, ScoreNames.LifecycleStage, (int)p.Lifecycle.Stage);
        }
    }

    /// <summary>
    /// The next date the customer is expected to buy again: per category they bought that has a purchase cycle, the
    /// last order of the category plus the cycle (median days); the earliest such date from today on, else (all
    /// overdue) the latest one. Unset without a category with a cycle.
    /// </summary>
    private void UpdatePurchaseDue(CustomerProfile p, int today)
    {
        var cycles = RfmRuns.Cycles(_tenantId);
        long upcoming = long.MaxValue, overdue = 0;
        if (cycles.Count > 0)
        {
            foreach (var (category, stats) in p.Categories)
            {
                if (stats.LastOrderTicks > 0 && cycles.TryGetValue(category, out var days))
                {
                    var due = stats.LastOrderTicks + (long)Math.Round(days) * TimeSpan.TicksPerDay;
                    if (Comparisons.LocalDay(due, _index.Zone) >= today)
                    {
                        upcoming = Math.Min(upcoming, due);
                    }
                    else
                    {
                        overdue = Math.Max(overdue, due);
                    }
                }
            }
        }
        var dueTicks = upcoming != long.MaxValue ? upcoming : overdue;
        if (dueTicks == p.PurchaseDueTicks)
        {
            return;
        }
        p.PurchaseDueTicks = dueTicks;
        if (dueTicks == 0)
        {
            p.Scores.Remove(ScoreNames.PurchaseDueDays);
        }
        else
        {
            SetScore(p, ScoreNames.PurchaseDueDays, Comparisons.LocalDay(dueTicks, _index.Zone) - today);
        }
        RescheduleDateTrigger(p, ProfileJourneyContext.PurchaseDueAt);
    }

    public Task<LifecycleBoardPart> LifecycleBoard(int perStage)
    {
        var counts = new int[Lifecycle.Stages.Count];
        var cards = new List<LifecycleCard>();
        foreach (var group in _profiles.Values.GroupBy(p => p.Lifecycle.Stage))
        {
            if (group.Key == 0)
            {
                continue;
            }
            counts[(int)group.Key - 1] = group.Count();
            cards.AddRange(group.OrderByDescending(p => p.Lifecycle.SinceTicks).ThenBy(p => p.CustomerId).Take(perStage).Select(p => new LifecycleCard(
                p.CustomerId, p.DisplayName, (int)group.Key, p.Lifecycle.SinceTicks, p.Lifecycle.ManualOver is not null,
                p.Orders, p.NetSpend, p.LastOrderTicks, [.. p.Staff.Keys])));
        }
        return Task.FromResult(new LifecycleBoardPart(counts, [.. cards]));
    }
}
