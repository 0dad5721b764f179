using Siyu.Core.Customers;
using Siyu.Core.Events;
using Siyu.Core.Journeys;
using Siyu.Server.Journeys;

namespace Siyu.Server.Partitions;

/// <summary>
/// Journeys inside the partition: customers enter on their events (or by hand), waits are timers in one due-queue per
/// partition, and every step runs in the partition's turn. Instances live on the profiles, so snapshots carry them and
/// the queue is rebuilt from them at activation; effects go out with idempotency keys (see JourneyEffectRunner).
/// </summary>
public sealed partial class PartitionGrain
{
    private static readonly TimeSpan JourneyTick = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan FreshEvent = TimeSpan.FromHours(24);
    private DueQueue _journeyTimers = new();
    private readonly List<(JourneyEffect Effect, CustomerProfile Profile)> _journeyEffects = [];
    private JourneyCatalog? _journeyCatalog;

    private JourneyCatalog Journeys => _journeyCatalog ??= ServiceProvider.GetRequiredService<JourneyCatalog>();

    private void StartJourneys()
    {
        var entries = new List<DueEntry>();
        foreach (var p in _profiles.Values)
        {
            foreach (var g in p.Journeys.Where(j => j.IsWaiting && j.DueTicks > 0).GroupBy(j => j.JourneyId))
            {
                entries.Add(new DueEntry(g.Min(j => j.DueTicks), p.CustomerId, g.Key));
            }
        }
        _journeyTimers = DueQueue.Build([.. entries]);
        this.RegisterGrainTimer(JourneyTimerTick, new GrainTimerCreationOptions(JourneyTick, JourneyTick) { Interleave = false });
    }

    /// <summary>After an event is applied: waits it ends, then journeys it starts.</summary>
    private void JourneysOnEvent(CustomerProfile profile, ProfileEvent e)
    {
        if (e.Type.StartsWith("journey.", StringComparison.Ordinal) || EventTypes.SystemOnly.Contains(e.Type))
        {
            return; // Siyu's own journey bookkeeping never starts or resumes journeys
        }
        if (profile.HandoffOpen)
        {
            // 转人工: a person is dealing with the customer. Events neither start journeys nor end waits until it is
            // resolved; timed waits that fall due are held (see JourneyTimerTick) and run on resolve.
            return;
        }
        var now = time.GetUtcNow();
        var context = new ProfileJourneyContext(profile, _index.Zone, now);
        for (var i = 0; i < profile.Journeys.Count; i++)
        {
            var instance = profile.Journeys[i];
            if (instance.Status != JourneyStatus.WaitingEvent || Journeys.Get(_tenantId, instance.JourneyId, instance.Version) is not { } definition)
            {
                continue;
            }
            // A timeout due before the event happened wins over the event.
            if (instance.DueTicks > 0 && instance.DueTicks <= e.TimestampTicks)
            {
                instance = Collect(profile, JourneyRunner.OnDue(instance, definition, context, new DateTimeOffset(instance.DueTicks, TimeSpan.Zero)));
                profile.Journeys[i] = instance;
                if (instance.Status != JourneyStatus.WaitingEvent)
                {
                    continue;
                }
            }
            profile.Journeys[i] = Collect(profile, JourneyRunner.OnEvent(instance, definition, e, context, now));
        }
        var entry = JourneyEntry.ForEvent(e);
        // Entered as of the event (not the moment it is processed), so a replay after a crash waits the same.
        var at = new DateTimeOffset(Math.Min(now.UtcTicks, e.TimestampTicks), TimeSpan.Zero);
        foreach (var (definition, since) in Journeys.Active(_tenantId))
        {
            // Only what happens from now on starts a journey: not imported history, not events from before it was switched on.
            if (entry.Fits(definition.Trigger) && e.TimestampTicks >= since && e.TimestampTicks >= now.UtcTicks - FreshEvent.Ticks)
            {
                Enter(profile, definition, entry, new ProfileJourneyContext(profile, _index.Zone, at), at);
            }
        }
        TriggersOnEvent(profile, e, now);
        Reschedule(profile);
    }

    private bool Enter(CustomerProfile profile, JourneyDefinition definition, JourneyEntry entry, IJourneyContext context, DateTimeOffset now)
    {
        if (profile.HandoffOpen)
        {
            return false; // no journey starts for a customer in a handoff (转人工)
        }
        var existing = profile.Journeys.Where(j => j.JourneyId == definition.Id).ToList();
        var decision = JourneyRunner.TryEnter(definition, profile.CustomerId, existing, entry, now);
        if (!decision.Entered)
        {
            return false;
        }
        var instance = Collect(profile, JourneyRunner.Advance(decision.Instance, definition, context, now));
        // Keep running occurrences and only the latest finished one (what re-entry policies look at).
        profile.Journeys.RemoveAll(j => j.JourneyId == definition.Id && !j.IsRunning);
        profile.Journeys.Add(instance);
        return true;
    }

    private JourneyInstance Collect(CustomerProfile profile, AdvanceResult result)
    {
        foreach (var effect in result.Effects)
        {
            _journeyEffects.Add((effect, profile));
        }
        return result.Instance;
    }

    /// <summary>One timer per customer and journey: the earliest wait among its running occurrences.</summary>
    private void Reschedule(CustomerProfile profile)
    {
        foreach (var journeyId in profile.Journeys.Select(j => j.JourneyId).Distinct().ToList())
        {
            var due = profile.Journeys.Where(j => j.JourneyId == journeyId && j.IsWaiting && j.DueTicks > 0).Select(j => j.DueTicks).DefaultIfEmpty(0).Min();
            if (due > 0)
            {
                _journeyTimers.Schedule(profile.CustomerId, journeyId, due);
            }
            else
            {
                _journeyTimers.Cancel(profile.CustomerId, journeyId);
            }
        }
    }

    private async Task JourneyTimerTick()
    {
        var now = time.GetUtcNow();
        var due = new List<DueEntry>();
        _journeyTimers.PopDue(now.UtcTicks, due);
        foreach (var entry in due)
        {
            metrics.TimerFired(TimeSpan.FromTicks(now.UtcTicks - entry.DueTicks));
            if (!_profiles.TryGetValue(entry.CustomerId, out var profile))
            {
                continue;
            }
            if (profile.HandoffOpen)
            {
                continue; // held: handoff.resolved reschedules the waits (JourneysOnEvent → Reschedule), which are due at once
            }
            var context = new ProfileJourneyContext(profile, _index.Zone, now);
            for (var i = 0; i < profile.Journeys.Count; i++)
            {
                var instance = profile.Journeys[i];
                if (instance.JourneyId != entry.JourneyId || !instance.IsWaiting || instance.DueTicks <= 0 || instance.DueTicks > now.UtcTicks)
                {
                    continue;
                }
                if (Journeys.Get(_tenantId, instance.JourneyId, instance.Version) is not { } definition)
                {
                    continue; // the version no longer parses; left as it is until an operator looks
                }
                profile.Journeys[i] = Collect(profile, JourneyRunner.OnDue(instance, definition, context, now));
            }
            Reschedule(profile);
        }
        RunTriggers(now);
        await FlushJourneyEffectsAsync();
    }

    private async Task FlushJourneyEffectsAsync()
    {
        if (_journeyEffects.Count == 0)
        {
            return;
        }
        var effects = _journeyEffects.ToList();
        _journeyEffects.Clear();
        await ServiceProvider.GetRequiredService<JourneyEffectRunner>().RunAsync(_tenantId, effects);
    }

    public Task<JourneyTally[]> JourneyStats(long journeyId) => Task.FromResult(_profiles.Values
        .SelectMany(p => p.Journeys.Where(j => j.JourneyId == journeyId))
        .GroupBy(j => (j.Version, j.IsRunning ? j.Step : -1, j.Status))
        .Select(g => new JourneyTally(g.Key.Version, g.Key.Item2, g.Key.Status.ToString().ToLowerInvariant(), g.Count()))
        .ToArray());

    public async Task<int> EnterJourney(long journeyId, long[] customerIds)
    {
        if (Journeys.Active(_tenantId).FirstOrDefault(j => j.Definition.Id == journeyId).Definition is not { } definition)
        {
            return 0;
        }
        if (customerIds.Any(id => !_profiles.ContainsKey(id)))
        {
            // Customers ingested a moment ago may not have reached this partition yet: read the log's tail now (the
            // dispatcher's later delivery of the same entries is skipped by sequence number).
            foreach (var e in store.ReadPartitionTail(_tenantId, _partition, _lastSeq))
            {
                ApplyOne(e);
            }
            await EvaluateRulesForTouchedAsync();
        }
        var now = time.GetUtcNow();
        var entered = 0;
        foreach (var id in customerIds)
        {
            if (_profiles.TryGetValue(id, out var profile) && Enter(profile, definition, JourneyEntry.Manual, new ProfileJourneyContext(profile, _index.Zone, now), now))
            {
                Reschedule(profile);
                entered++;
            }
        }
        await FlushJourneyEffectsAsync();
        return entered;
    }
}
