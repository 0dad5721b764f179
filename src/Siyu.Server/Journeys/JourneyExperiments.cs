using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Events;
using Siyu.Core.Experiments;
using Siyu.Core.Journeys;
using Siyu.Server.Data;

namespace Siyu.Server.Journeys;

/// <summary>One split step's experiment: its arms counted from the event log and the significance analysis.</summary>
public sealed record JourneySplitResult(string StepId, string? StepName, string? Goal, int GoalWindowDays, ExperimentResult? Result, IReadOnlyList<ArmCounts> Arms);

/// <summary>
/// A/B results of a journey's split steps, computed from what happened (the event log and the delivery log), never from
/// counters that could drift. Per customer and split step the first assignment counts (journey.variant). An arm's
/// customers were <b>sent</b> a message of this journey after the assignment, <b>clicked</b> one of its tracked links,
/// and <b>converted</b> when the goal event (type and filter) happened within the goal window after the assignment.
/// The baseline is the holdout when the split has one (does the message help at all?), else the first variant.
/// </summary>
public sealed class JourneyExperiments(IDbContextFactory<SiyuDb> dbs, EventStore store, JourneyCatalog catalog)
{
    public const string HoldoutArm = "holdout";

    public async Task<IReadOnlyList<JourneySplitResult>> ResultsAsync(int tenantId, long journeyId, int currentVersion)
    {
        var definition = catalog.Get(tenantId, journeyId, currentVersion);
        var splits = definition?.Steps.OfType<SplitStep>().ToList() ?? [];
        if (definition is null || splits.Count == 0)
        {
            return [];
        }
        // (step, customer) → (arm, assigned at)
        var assignments = new Dictionary<(string Step, long Customer), (string Arm, long At)>();
        foreach (var (customer, at, p) in Read(tenantId, "journey.variant").Where(e => e.Properties?["journey_id"]?.GetValue<long>() == journeyId))
        {
            var step = p?["step"]?.GetValue<string>() ?? "";
            var arm = p?["holdout"]?.GetValue<bool>() == true ? HoldoutArm : p?["variant"]?.GetValue<string>() ?? "?";
            assignments.TryAdd((step, customer), (arm, at));
        }
        var prefix = $"j{journeyId}/";
        await using var db = await dbs.CreateDbContextAsync();
        var sent = (await db.OutboundMessages.AsNoTracking()
                .Where(m => m.TenantId == tenantId && m.Key.StartsWith(prefix) && (m.Status == "sent" || m.Status == "outbox") && m.SentAtTicks != null)
                .Select(m => new { m.CustomerId, m.SentAtTicks }).ToListAsync())
            .GroupBy(m => m.CustomerId).ToDictionary(g => g.Key, g => g.Max(m => m.SentAtTicks!.Value));
        var clicked = Read(tenantId, EventTypes.MessageClicked)
            .Where(c => c.Properties?["message_id"]?.ToString().StartsWith(prefix, StringComparison.Ordinal) == true)
            .GroupBy(c => c.Customer).ToDictionary(g => g.Key, g => g.Max(c => c.At));
        var goal = definition.Goal;
        var conversions = goal is null ? [] : Read(tenantId, goal.Event.EventType)
            .Where(e => goal.Event.Matches(goal.Event.EventType, e.Properties))
            .GroupBy(e => e.Customer).ToDictionary(g => g.Key, g => g.Select(e => e.At).Order().ToList());

        var results = new List<JourneySplitResult>();
        foreach (var split in splits)
        {
            var arms = split.Variants.Select(v => v.Name).ToList();
            if (split.HoldoutBasisPoints > 0)
            {
                arms.Add(HoldoutArm);
            }
            var counts = arms.ToDictionary(a => a, _ => new long[4]);
            foreach (var ((step, customer), (arm, at)) in assignments)
            {
                if (step != split.Id || !counts.TryGetValue(arm, out var c))
                {
                    continue;
                }
                c[0]++;
                c[1] += sent.TryGetValue(customer, out var s) && s >= at ? 1 : 0;
                c[2] += clicked.TryGetValue(customer, out var k) && k >= at ? 1 : 0;
                c[3] += goal is not null && conversions.TryGetValue(customer, out var times) && times.Any(t => t >= at && t <= at + goal.Window.Ticks) ? 1 : 0;
            }
            var armCounts = arms.Select(a => new ArmCounts(a, counts[a][0], counts[a][1], counts[a][2], counts[a][3])).ToList();
            var baseline = split.HoldoutBasisPoints > 0 ? HoldoutArm : arms[0];
            var result = goal is not null && armCounts.Count >= 2 ? Significance.Analyze(armCounts, baseline) : null;
            results.Add(new JourneySplitResult(split.Id, split.Label, goal?.Event.EventType, (int)(goal?.Window.TotalDays ?? 0), result, armCounts));
        }
        return results;
    }

    /// <summary>Events of one type in the tenant, as appended.</summary>
    private List<(long Customer, long At, JsonObject? Properties)> Read(int tenantId, string type) =>
        [.. store.ReadOfTypes(tenantId, [type], long.MinValue, long.MaxValue, EventOrder.Log).Select(e => (e.CustomerId, e.TimestampTicks, e.ParseProperties()))];
}
