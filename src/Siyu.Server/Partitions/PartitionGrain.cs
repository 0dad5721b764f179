using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Data.Common;
using Siyu.Core.Customers;
using Siyu.Core.Events;
using Siyu.Server.Data;
using Siyu.Server.Ingest;

namespace Siyu.Server.Partitions;

/// <summary>
/// Keeps the profiles of one partition in memory, applies committed events in log order, and rebuilds
/// from its last snapshot plus the log tail when it activates. Thin: profile logic is in Siyu.Core.
/// </summary>
[Cluster.PartitionPlacement]
public sealed partial class PartitionGrain(EventStore store, Tenants.SiyuOptions options, Operations.SiyuMetrics metrics, TimeProvider time, ILogger<PartitionGrain> logger) : Grain, IPartitionGrain
{
    private readonly Dictionary<long, CustomerProfile> _profiles = [];
    private int _tenantId;
    private int _partition;
    private long _lastSeq;
    private long _snapshotSeq;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var key = this.GetPrimaryKeyString().Split('/');
        _tenantId = int.Parse(key[0], System.Globalization.CultureInfo.InvariantCulture);
        _partition = int.Parse(key[1], System.Globalization.CultureInfo.InvariantCulture);
        LoadSnapshot();
        BuildIndex();
        // Trigger state from the snapshot first, so the replay below sees audience changes and moved dates.
        RefreshTriggers();
        var replayed = 0;
        foreach (var e in store.ReadPartitionTail(_tenantId, _partition, _lastSeq))
        {
            ApplyOne(e);
            replayed++;
        }
        LogActivated(logger, _tenantId, _partition, _profiles.Count, _snapshotSeq, replayed);
        // Partitions start their snapshot cycles at different moments so they don't all pause together.
        _nextSnapshotAt = time.GetUtcNow() + SnapshotInterval * Random.Shared.NextDouble();
        this.RegisterGrainTimer(SnapshotTick, new GrainTimerCreationOptions(SliceInterval, SliceInterval) { Interleave = false });
        RescoreAll(); // the tenant's cut points and settings may be newer than the snapshot
        StartRuleSchedule();
        StartJourneys();
        // Replayed events may have moved journeys on: their effects carry the same keys as before a crash, so re-running them is safe.
        await FlushJourneyEffectsAsync();
        // Messages of the replayed tail whose handoff may not have been written before a crash (idempotent).
        await RaiseHandoffsAsync();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => SaveSnapshot();

    private string? _writerEpoch;

    public Task Apply(LogEntry[] entries, string writerEpoch)
    {
        if (writerEpoch != _writerEpoch)
        {
            _writerEpoch = writerEpoch;
            // Everything up to these entries is committed: the log holds them and whatever a previous writer left undelivered.
            return ApplyAndReactAsync(store.ReadPartitionTail(_tenantId, _partition, _lastSeq).ToList());
        }
        return ApplyAndReactAsync(entries
        .Where(entry => entry.Seq > _lastSeq) // already applied (replayed at activation or a retried delivery)
        .Select(entry => new ProfileEvent(entry.Seq, entry.CustomerId, entry.Type, entry.TimestampTicks,
            entry.Properties is null ? null : JsonNode.Parse(entry.Properties) as JsonObject,
            entry.Attributes is null ? null : JsonNode.Parse(entry.Attributes) as JsonObject)));
    }

    private async Task ApplyAndReactAsync(IEnumerable<ProfileEvent> events)
    {
        ApplyNew(events);
        ReleaseSeqWaiters();
        await ReactAsync();
    }

    /// <summary>Readers waiting for an entry to be applied (<see cref="WaitApplied"/>), released as the log is applied.</summary>
    private readonly List<(long Seq, TaskCompletionSource Applied)> _seqWaiters = [];

    public async Task<bool> WaitApplied(long seq, TimeSpan timeout)
    {
        if (_lastSeq >= seq)
        {
            return true;
        }
        var waiter = (seq, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        _seqWaiters.Add(waiter);
        try
        {
            await waiter.Item2.Task.WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        finally
        {
            _seqWaiters.Remove(waiter);
        }
    }

    private void ReleaseSeqWaiters()
    {
        foreach (var (seq, applied) in _seqWaiters)
        {
            if (seq <= _lastSeq)
            {
                applied.TrySetResult();
            }
        }
    }

    /// <summary>Applies the events this partition has not applied yet (sequence above the last applied one).</summary>
    private void ApplyNew(IEnumerable<ProfileEvent> events)
    {
        foreach (var e in events)
        {
            if (e.Seq > _lastSeq)
            {
                ApplyOne(e);
            }
        }
    }

    /// <summary>What applied events set off: rule and keyword tags, handoffs, journey steps.</summary>
    private async Task ReactAsync()
    {
        await EvaluateRulesForTouchedAsync();
        await WriteKeywordTagsAsync();
        await RaiseHandoffsAsync();
        await FlushJourneyEffectsAsync();
    }

    private void ApplyOne(ProfileEvent e)
    {
        _lastSeq = Math.Max(_lastSeq, e.Seq);
        _appliedSinceSnapshot++;
        switch (e.Type)
        {
            case EventTypes.CustomerMerged:
                var merged = e.Properties!["merged_id"]!.GetValue<long>();
                var survivor = e.Properties!["survivor_id"]!.GetValue<long>();
                if (Owns(merged))
                {
                    _profiles.Remove(merged);
                    _index.Remove(merged);
                }
                if (Owns(survivor))
                {
                    Reload(survivor, e.Seq);
                }
                return;
            case EventTypes.CustomerUnmerged:
                foreach (var name in new[] { "survivor_id", "restored_id" })
                {
                    var id = e.Properties![name]!.GetValue<long>();
                    if (Owns(id))
                    {
                        Reload(id, e.Seq);
                    }
                }
                return;
        }
        if (!_profiles.TryGetValue(e.CustomerId, out var profile))
        {
            _profiles[e.CustomerId] = profile = new CustomerProfile { CustomerId = e.CustomerId };
        }
        else if (e.Seq <= profile.LastSeq)
        {
            return; // already in this profile: it was written to the snapshot after the snapshot's start (see SnapshotTick)
        }
        profile.Apply(e);
        if (e.Type == EventTypes.CustomerAnonymised)
        {
            // The index can't un-post the attributes the erasure removed; rebuild it before the next query.
            _indexStale = true;
        }
        IndexApplied(profile, e);
        KeywordsOnEvent(profile, e);
        HandoffsOnEvent(profile, e);
        RescoreOnEvent(profile, e);
        JourneysOnEvent(profile, e);
    }

    private bool Owns(long customerId) => Partitioning.Of(customerId, PartitionCount()) == _partition;

    private int _partitionCount;

    private int PartitionCount()
    {
        if (_partitionCount == 0)
        {
            _partitionCount = ServiceProvider.GetRequiredService<Tenants.TenantDirectory>().Partitions(_tenantId);
        }
        return _partitionCount;
    }

    /// <summary>Rebuilds one profile from its (re-pointed) history as it stood at <paramref name="upToSeq"/>.</summary>
    private void Reload(long customerId, long upToSeq)
    {
        var profile = new CustomerProfile { CustomerId = customerId };
        var any = false;
        foreach (var e in store.ReadCustomerEvents(_tenantId, customerId, upToSeq))
        {
            if (EventTypes.SystemOnly.Contains(e.Type))
            {
                continue;
            }
            profile.Apply(e);
            any = true;
        }
        profile.LastSeq = upToSeq;
        if (_profiles.TryGetValue(customerId, out var before))
        {
            profile.Journeys = before.Journeys; // journey runs belong to the person, not to the rebuilt projection
        }
        if (any)
        {
            _profiles[customerId] = profile;
        }
        else
        {
            _profiles.Remove(customerId);
        }
        if (_indexStale)
        {
            return;
        }
        // The index can't un-post the old history: the customer gets a fresh row. Merges are frequent (an anonymous
        // visitor turning into a buyer), so rebuilding the partition's index for each made audience queries grow with
        // the partition; it is rebuilt only when retired rows reach a quarter of it.
        if (any)
        {
            _index.Reload(profile);
        }
        else
        {
            _index.Remove(customerId);
        }
        _indexStale = _index.Retired > 1024 && _index.Retired > _index.Size / 4;
    }

    public Task<CustomerSummary[]> Search(CustomerQuery query)
    {
        if (query.Limit <= 0)
        {
            return Task.FromResult<CustomerSummary[]>([]);
        }
        // The newest Limit matches by id in a min-heap: a list page over a large partition summarises and sorts only
        // what it returns, not every match (a common surname or an unfiltered list matches most of the partition).
        var newest = new PriorityQueue<CustomerProfile, long>(query.Limit + 1);
        foreach (var p in _profiles.Values)
        {
            if (query.BeforeId is { } before && p.CustomerId >= before)
            {
                continue;
            }
            if (query.TagId is { } tag && !p.HasTag(tag))
            {
                continue;
            }
            if (query.Staff is { } staff && !staff.Any(p.Staff.ContainsKey))
            {
                continue;
            }
            if (query.NameContains is { Length: > 0 } text && (p.DisplayName is null || !p.DisplayName.Contains(text, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }
            KeepHighest(newest, p, p.CustomerId, query.Limit);
        }
        var results = newest.UnorderedItems.Select(x => Summarize(x.Element)).ToArray();
        Array.Sort(results, (a, b) => b.Id.CompareTo(a.Id));
        return Task.FromResult(results);
    }

    /// <summary>Offers an element to a heap that keeps the <paramref name="limit"/> highest priorities seen (its minimum on top).</summary>
    private static void KeepHighest<T>(PriorityQueue<T, long> heap, T element, long priority, int limit)
    {
        if (heap.Count < limit)
        {
            heap.Enqueue(element, priority);
        }
        else if (heap.TryPeek(out _, out var lowest) && priority > lowest)
        {
            heap.EnqueueDequeue(element, priority);
        }
    }

    public Task<CustomerSummary[]> GetMany(long[] customerIds, long? tagId = null) =>
        Task.FromResult(customerIds.Where(id => _profiles.TryGetValue(id, out var p) && (tagId is null || p.HasTag(tagId.Value)))
            .Select(id => Summarize(_profiles[id])).ToArray());

    public Task<CustomerView?> Get(long customerId)
    {
        if (!_profiles.TryGetValue(customerId, out var p))
        {
            return Task.FromResult<CustomerView?>(null);
        }
        var attributes = new JsonObject();
        foreach (var (name, value) in p.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            attributes[name] = value.Value?.DeepClone();
        }
        return Task.FromResult<CustomerView?>(new CustomerView(
            p.CustomerId, p.DisplayName, attributes.ToJsonString(), p.Orders, p.Spend, p.Refunded, p.FirstOrderTicks, p.LastOrderTicks,
            p.FirstSeenTicks, p.LastSeenTicks,
            [.. p.Categories.Select(c => new CategoryView(c.Key, c.Value.Orders, c.Value.Spend, c.Value.LastOrderTicks)).OrderByDescending(c => c.Spend)],
            new Dictionary<string, int>(p.EventCounts), new Dictionary<string, string?>(p.Staff), p.LastSeq,
            [.. p.Tags.Where(t => t.Value.Present).Select(t => new TagView(t.Key, t.Value.Source, t.Value.Ticks)).OrderBy(t => t.AtTicks)],
            [.. p.Consents.Select(c => (Parts: c.Key.Split('/', 2), Mark: c.Value))
                .Select(c => new ConsentView(c.Parts[0], c.Parts.Length > 1 ? c.Parts[1] : "*", c.Mark.Granted, c.Mark.Ticks, c.Mark.Source))
                .OrderBy(c => c.Channel, StringComparer.Ordinal).ThenBy(c => c.Topic, StringComparer.Ordinal)],
            new Dictionary<string, double>(p.Scores),
            p.Lifecycle.Stage == 0 ? null : new LifecycleView(Core.Analytics.Lifecycle.WireName(p.Lifecycle.Stage), p.Lifecycle.SinceTicks, p.Lifecycle.ManualOver is not null,
                [.. p.Lifecycle.History.Select(h => new LifecycleChangeView(Core.Analytics.Lifecycle.WireName(h.Stage), h.Ticks, h.Manual, h.By, h.Reason))]),
            RfmSegment(p), p.PurchaseDueTicks, p.Erased));
    }

    public Task<TagChange[]> EffectiveTagChanges(TagChange[] changes) =>
        Task.FromResult(changes.Where(c => _profiles.TryGetValue(c.CustomerId, out var p) ? p.HasTag(c.TagId) != c.Add : c.Add).ToArray());

    public Task<Dictionary<long, int>> TagCounts()
    {
        var counts = new Dictionary<long, int>();
        foreach (var p in _profiles.Values)
        {
            foreach (var tag in p.TagIds)
            {
                counts[tag] = counts.GetValueOrDefault(tag) + 1;
            }
        }
        return Task.FromResult(counts);
    }

    /// <summary>
    /// Reads and applies what the log holds beyond what this partition has seen. A new event-log writer calls this on
    /// every partition before its first commit: entries the previous writer committed but had not delivered yet (it
    /// died, or moved) would otherwise be skipped once later entries with higher sequence numbers arrive.
    /// </summary>
    public Task CatchUp()
    {
        var tail = store.ReadPartitionTail(_tenantId, _partition, _lastSeq).ToList();
        if (tail.Count == 0)
        {
            return Task.CompletedTask;
        }
        LogCaughtUp(logger, _tenantId, _partition, tail.Count);
        ApplyNew(tail);
        // The reactions (rule tags, journeys) append to the log, and the new writer is waiting for this call to return
        // before it takes appends: they run in the next turn of this grain, not in this one.
        this.RegisterGrainTimer(_ => ReactAsync(), new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan) { Interleave = false });
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Partition {Tenant}/{Partition} caught up {Count} undelivered log entries")]
    private static partial void LogCaughtUp(ILogger logger, int tenant, int partition, int count);

    /// <summary>Deactivates (snapshot first) so the next call activates the partition where placement now puts it.</summary>
    public Task Relocate(SiloAddress target)
    {
        // Migration, not deactivation: the directory moves the grain in one step, so calls still routed here (the log
        // writer dispatches constantly) are forwarded; a plain deactivation let them re-create it on this silo, and the
        // keeper moved the same partition over and over. The new activation loads from its snapshot and the log.
        RequestContext.Set(Orleans.Runtime.Placement.IPlacementDirector.PlacementHintKey, target);
        this.MigrateOnIdle();
        return Task.CompletedTask;
    }

    public Task<PartitionStats> Stats() => Task.FromResult(new PartitionStats(_profiles.Count, _lastSeq, _snapshotSeq, RuntimeIdentity));

    private static CustomerSummary Summarize(CustomerProfile p) =>
        new(p.CustomerId, p.DisplayName, p.Orders, p.NetSpend, p.FirstSeenTicks, p.LastSeenTicks, [.. p.Staff.Keys],
            [.. p.Consents.Where(c => !c.Value.Granted).Select(c => c.Key)], p.Erased);

    /// <summary>A snapshot bounds the replay at activation: after SnapshotEveryEvents events, or this long after any change.</summary>
    private static readonly TimeSpan SnapshotInterval = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan SliceInterval = TimeSpan.FromMilliseconds(100);
    private DateTimeOffset _nextSnapshotAt;
    private int _appliedSinceSnapshot;
    private SnapshotWriter? _snapshot;

    /// <summary>Writes a whole snapshot now (deactivation, tests, admin): the grain pauses for its length.</summary>
    public Task SaveSnapshot()
    {
        if (_lastSeq == _snapshotSeq && _snapshot is null)
        {
            return Task.CompletedTask;
        }
        _snapshot?.Dispose();
        _snapshot = new SnapshotWriter(_lastSeq, [.. _profiles.Keys]);
        while (!_snapshot.WriteSlice(_profiles, int.MaxValue))
        {
        }
        Store(_snapshot);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Snapshots are written a slice of profiles at a time (a few ms each) instead of all at once, which paused the
    /// partition — and event visibility — for hundreds of milliseconds. The snapshot is therefore "fuzzy": it records
    /// the log position at its start, and a profile written later may already hold newer events. Replay from that
    /// position skips events a profile already has (its LastSeq), so the result is exact.
    /// </summary>
    private Task SnapshotTick()
    {
        if (_snapshot is null)
        {
            if (_lastSeq == _snapshotSeq || (_appliedSinceSnapshot < options.SnapshotEveryEvents && time.GetUtcNow() < _nextSnapshotAt))
            {
                return Task.CompletedTask;
            }
            _appliedSinceSnapshot = 0;
            _snapshot = new SnapshotWriter(_lastSeq, [.. _profiles.Keys]);
        }
        if (_snapshot.WriteSlice(_profiles, Math.Max(1, options.SnapshotSliceProfiles)))
        {
            Store(_snapshot);
            _nextSnapshotAt = time.GetUtcNow() + SnapshotInterval;
        }
        return Task.CompletedTask;
    }

    private void Store(SnapshotWriter snapshot)
    {
        // Profiles hold attributes such as phone and address: the blob is encrypted whole.
        var data = store.Pii.ProtectBlob(snapshot.Finish());
        using var c = store.OpenReader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            INSERT INTO partition_snapshots (TenantId, Partition, LastSeq, TakenAtTicks, Data) VALUES (@t, @p, @s, @n, @d)
            ON CONFLICT (TenantId, Partition) DO UPDATE SET LastSeq = excluded.LastSeq, TakenAtTicks = excluded.TakenAtTicks, Data = excluded.Data
            """;
        cmd.Param("@t", _tenantId);
        cmd.Param("@p", _partition);
        cmd.Param("@s", snapshot.StartSeq);
        cmd.Param("@n", time.GetUtcNow().UtcTicks);
        cmd.Param("@d", data);
        cmd.ExecuteNonQuery();
        _snapshotSeq = snapshot.StartSeq;
        snapshot.Dispose();
        _snapshot = null;
    }

    /// <summary>A snapshot being written: brotli-compressed JSON array of the profiles that existed at its start.</summary>
    private sealed class SnapshotWriter(long startSeq, long[] customerIds) : IDisposable
    {
        private readonly MemoryStream _buffer = new();
        private BrotliStream? _brotli;
        private Utf8JsonWriter? _json;
        private int _next;

        public long StartSeq { get; } = startSeq;

        /// <summary>Writes up to <paramref name="max"/> more profiles; true when all are written.</summary>
        public bool WriteSlice(Dictionary<long, CustomerProfile> profiles, int max)
        {
            if (_json is null)
            {
                _brotli = new BrotliStream(_buffer, CompressionLevel.Fastest, leaveOpen: true);
                _json = new Utf8JsonWriter(_brotli);
                _json.WriteStartArray();
            }
            for (var written = 0; _next < customerIds.Length && written < max; _next++)
            {
                // Profiles merged away since the start are gone; replay of the merge event handles them either way.
                if (profiles.TryGetValue(customerIds[_next], out var profile))
                {
                    JsonSerializer.Serialize(_json, profile);
                    written++;
                }
            }
            _json.Flush();
            return _next == customerIds.Length;
        }

        public byte[] Finish()
        {
            _json!.WriteEndArray();
            _json.Dispose(); // flushes into brotli, which must still be open
            _json = null;
            _brotli!.Dispose();
            _brotli = null;
            return _buffer.ToArray();
        }

        public void Dispose()
        {
            _json?.Dispose();
            _brotli?.Dispose();
            _buffer.Dispose();
        }
    }

    private void LoadSnapshot()
    {
        using var c = store.OpenReader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT LastSeq, Data FROM partition_snapshots WHERE TenantId = @t AND Partition = @p";
        cmd.Param("@t", _tenantId);
        cmd.Param("@p", _partition);
        using var r = cmd.ExecuteReader();
        if (!r.Read())
        {
            return;
        }
        _lastSeq = _snapshotSeq = r.GetInt64(0);
        using var data = new MemoryStream(store.Pii.UnprotectBlob((byte[])r.GetValue(1)));
        using var brotli = new BrotliStream(data, CompressionMode.Decompress);
        foreach (var p in JsonSerializer.Deserialize<List<CustomerProfile>>(brotli) ?? [])
        {
            _profiles[p.CustomerId] = p;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Partition {Tenant}/{Partition} active: {Customers} customers, snapshot at {SnapshotSeq}, {Replayed} events replayed")]
    private static partial void LogActivated(ILogger logger, int tenant, int partition, int customers, long snapshotSeq, int replayed);
}
