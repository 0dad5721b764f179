using Siyu.Core.Audiences.Conditions;
using Siyu.Core.Audiences.Engine;
using Siyu.Core.Customers;
using Siyu.Core.Journeys;
using Siyu.Core.Tags;

namespace Siyu.Server.Partitions;

/// <summary>
/// The triggers that are not a customer's own event: a date attribute coming round (birthday, course expiry), a
/// schedule over an audience, and entering or leaving an audience. Each partition keeps them for its own customers:
/// date instants as entry timers, the next run of each schedule, and the members of each trigger audience.
/// <para>
/// After a restart, instants of the last 24 hours (not before the journey was switched on) still fire: late rather
/// than lost. Entering at an instant is idempotent: a customer who already entered this journey at or after that
/// instant is not entered again, and a replay after a crash reproduces the same entries with the same effect keys.
/// </para>
/// </summary>
public sealed partial class PartitionGrain
{
    private static readonly TimeSpan TriggerLookback = TimeSpan.FromHours(24);
    private long _triggerCatalogChanges = -1;
    private readonly Dictionary<long, (int Version, long Since)> _triggerJourneys = [];
    private DueQueue _dateEntries = new();
    private readonly Dictionary<long, long> _nextScheduledRun = [];
    private readonly Dictionary<long, HashSet<long>> _audienceMembers = [];

    /// <summary>Picks up journeys switched on, republished or paused since the last look (cheap when nothing changed).</summary>
    private void RefreshTriggers()
    {
        var changes = Journeys.Changes;
        if (changes == _triggerCatalogChanges)
        {
            return;
        }
        _triggerCatalogChanges = changes;
        var now = time.GetUtcNow();
        var active = Journeys.Active(_tenantId).Where(j => j.Definition.Trigger is DateRelativeTrigger or ScheduleTrigger or AudienceTrigger)
            .ToDictionary(j => j.Definition.Id);
        foreach (var gone in _triggerJourneys.Keys.Where(id => !active.ContainsKey(id)).ToList())
        {
            ForgetTrigger(gone);
        }
        foreach (var (id, (definition, since)) in active)
        {
            if (_triggerJourneys.TryGetValue(id, out var known) && known == (definition.Version, since))
            {
                continue;
            }
            ForgetTrigger(id);
            _triggerJourneys[id] = (definition.Version, since);
            var after = new DateTimeOffset(Math.Max(since, (now - TriggerLookback).UtcTicks) - 1, TimeSpan.Zero);
            switch (definition.Trigger)
            {
                case DateRelativeTrigger date:
                    foreach (var profile in _profiles.Values)
                    {
                        ScheduleDateEntry(profile, id, date, after);
                    }
                    break;
                case ScheduleTrigger schedule when JourneyTriggers.NextRun(schedule, _index.Zone, after) is { } next:
                    _nextScheduledRun[id] = next.UtcTicks;
                    break;
                case AudienceTrigger audience when AudienceCondition(audience.AudienceId) is { } condition:
                    // Who is in now is the baseline: only changes from here on enter.
                    var index = Index();
                    var members = new HashSet<long>();
                    foreach (var ordinal in new BitsetEvaluator(index, Today()).Evaluate(condition.Root).Ones())
                    {
                        members.Add(index.CustomerId(ordinal));
                    }
                    _audienceMembers[id] = members;
                    break;
            }
        }
    }

    private void ForgetTrigger(long journeyId)
    {
        _triggerJourneys.Remove(journeyId);
        _nextScheduledRun.Remove(journeyId);
        _audienceMembers.Remove(journeyId);
        foreach (var entry in _dateEntries.Entries().Where(e => e.JourneyId == journeyId).ToList())
        {
            _dateEntries.Cancel(entry.CustomerId, journeyId);
        }
    }

    private void ScheduleDateEntry(CustomerProfile profile, long journeyId, DateRelativeTrigger trigger, DateTimeOffset after)
    {
        var context = new ProfileJourneyContext(profile, _index.Zone, after);
        if (JourneyTriggers.NextEntry(trigger, context, after) is { } at)
        {
            _dateEntries.Schedule(profile.CustomerId, journeyId, at.UtcTicks);
        }
        else
        {
            _dateEntries.Cancel(profile.CustomerId, journeyId);
        }
    }

    private Condition? AudienceCondition(long audienceId)
    {
        if (!ServiceProvider.GetRequiredService<Audiences.ConditionCatalogs>().Get(_tenantId).Catalog.Audiences.TryGetValue(audienceId, out var json))
        {
            return null; // deleted: the journey no longer parses either and is left alone
        }
        try
        {
            return Parse(json);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>A profile date the partition itself moved (not through an event): journeys triggered by it re-plan this customer's entry.</summary>
    private void RescheduleDateTrigger(CustomerProfile profile, string attribute)
    {
        if (_triggerJourneys.Count == 0)
        {
            return;
        }
        var now = time.GetUtcNow();
        foreach (var (definition, _) in Journeys.Active(_tenantId))
        {
            if (_triggerJourneys.ContainsKey(definition.Id) && definition.Trigger is DateRelativeTrigger date && date.When.Attribute == attribute)
            {
                ScheduleDateEntry(profile, definition.Id, date, now);
            }
        }
    }

    /// <summary>After one of the customer's events: a changed date attribute moves its entry timer; audience membership may have changed.</summary>
    private void TriggersOnEvent(CustomerProfile profile, ProfileEvent e, DateTimeOffset now)
    {
        if (_triggerJourneys.Count == 0)
        {
            return;
        }
        List<(JourneyDefinition, JourneyEntry)>? entries = null;
        ProfileEvaluator? evaluator = null;
        foreach (var (definition, _) in Journeys.Active(_tenantId))
        {
            if (!_triggerJourneys.ContainsKey(definition.Id))
            {
                continue;
            }
            switch (definition.Trigger)
            {
                case DateRelativeTrigger date when e.Attributes?.ContainsKey(date.When.Attribute) == true
                                                   || ProfileJourneyContext.BuiltInDates.Contains(date.When.Attribute):
                    ScheduleDateEntry(profile, definition.Id, date, now);
                    break;
                case AudienceTrigger audience when _audienceMembers.TryGetValue(definition.Id, out var members) && AudienceCondition(audience.AudienceId) is { } condition:
                    evaluator ??= new ProfileEvaluator(_index.Zone, Today());
                    var inside = evaluator.Matches(condition.Root, profile);
                    if (inside != members.Contains(profile.CustomerId))
                    {
                        _ = inside ? members.Add(profile.CustomerId) : members.Remove(profile.CustomerId);
                        (entries ??= []).Add((definition, inside ? JourneyEntry.AudienceEntered(audience.AudienceId) : JourneyEntry.AudienceExited(audience.AudienceId)));
                    }
                    break;
            }
        }
        foreach (var (definition, entry) in entries ?? [])
        {
            Enter(profile, definition, entry, new ProfileJourneyContext(profile, _index.Zone, now), now);
        }
    }

    /// <summary>From the 1-second journey tick: due date entries and schedule runs.</summary>
    private void RunTriggers(DateTimeOffset now)
    {
        RefreshTriggers();
        if (_triggerJourneys.Count == 0)
        {
            return;
        }
        var active = Journeys.Active(_tenantId).ToDictionary(j => j.Definition.Id, j => j.Definition);
        var due = new List<DueEntry>();
        _dateEntries.PopDue(now.UtcTicks, due);
        foreach (var entry in due)
        {
            if (active.GetValueOrDefault(entry.JourneyId) is not { Trigger: DateRelativeTrigger trigger } definition
                || !_profiles.TryGetValue(entry.CustomerId, out var profile))
            {
                continue;
            }
            var at = new DateTimeOffset(entry.DueTicks, TimeSpan.Zero);
            EnterAt(profile, definition, JourneyEntry.DateReached, at);
            ScheduleDateEntry(profile, definition.Id, trigger, at);
        }
        foreach (var (journeyId, nextTicks) in _nextScheduledRun.ToList())
        {
            if (nextTicks > now.UtcTicks || active.GetValueOrDefault(journeyId) is not { Trigger: ScheduleTrigger schedule } definition)
            {
                continue;
            }
            // Runs missed while the partition was down collapse into the latest one.
            var run = new DateTimeOffset(nextTicks, TimeSpan.Zero);
            while (JourneyTriggers.NextRun(schedule, _index.Zone, run) is { } later && later <= now)
            {
                run = later;
            }
            if (AudienceCondition(schedule.AudienceId) is { } condition)
            {
                var index = Index();
                var entry = JourneyEntry.Scheduled(schedule.AudienceId);
                foreach (var ordinal in new BitsetEvaluator(index, TenantClock.Today(run, _index.Zone)).Evaluate(condition.Root).Ones())
                {
                    if (_profiles.TryGetValue(index.CustomerId(ordinal), out var profile))
                    {
                        EnterAt(profile, definition, entry, run);
                    }
                }
            }
            if (JourneyTriggers.NextRun(schedule, _index.Zone, run) is { } next)
            {
                _nextScheduledRun[journeyId] = next.UtcTicks;
            }
            else
            {
                _nextScheduledRun.Remove(journeyId);
            }
        }
    }

    /// <summary>Enters as of <paramref name="at"/> (so waits count from the instant, and a replay computes the same), once per instant.</summary>
    private void EnterAt(CustomerProfile profile, JourneyDefinition definition, JourneyEntry entry, DateTimeOffset at)
    {
        if (profile.Journeys.Any(j => j.JourneyId == definition.Id && j.EnteredTicks >= at.UtcTicks))
        {
            return;
        }
        if (Enter(profile, definition, entry, new ProfileJourneyContext(profile, _index.Zone, at), at))
        {
            Reschedule(profile);
        }
    }

    /// <summary>At local midnight (with the rule tags): memberships that changed only because the day turned.</summary>
    private void ReevaluateAudienceTriggers()
    {
        if (_audienceMembers.Count == 0)
        {
            return;
        }
        var now = time.GetUtcNow();
        var index = Index();
        foreach (var (definition, _) in Journeys.Active(_tenantId))
        {
            if (definition.Trigger is not AudienceTrigger audience || !_audienceMembers.TryGetValue(definition.Id, out var members)
                || AudienceCondition(audience.AudienceId) is not { } condition)
            {
                continue;
            }
            var current = new HashSet<long>();
            foreach (var ordinal in new BitsetEvaluator(index, Today()).Evaluate(condition.Root).Ones())
            {
                current.Add(index.CustomerId(ordinal));
            }
            var entered = current.Where(id => !members.Contains(id)).ToList();
            var left = members.Where(id => !current.Contains(id)).ToList();
            _audienceMembers[definition.Id] = current;
            foreach (var (ids, entry) in new[] { (entered, JourneyEntry.AudienceEntered(audience.AudienceId)), (left, JourneyEntry.AudienceExited(audience.AudienceId)) })
            {
                foreach (var id in ids)
                {
                    if (_profiles.TryGetValue(id, out var profile) && Enter(profile, definition, entry, new ProfileJourneyContext(profile, _index.Zone, now), now))
                    {
                        Reschedule(profile);
                    }
                }
            }
        }
    }
}
