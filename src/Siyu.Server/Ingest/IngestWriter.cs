using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Siyu.Core.Compliance;
using Siyu.Core.Customers;
using Siyu.Core.Events;
using Siyu.Server.Data;
using Siyu.Server.Partitions;
using Siyu.Server.Tenants;

namespace Siyu.Server.Ingest;

/// <summary>Result of appending one event: its log sequence and customer, or why it was not stored.</summary>
[GenerateSerializer, Immutable]
public readonly record struct IngestOutcome([property: Id(0)] long Seq, [property: Id(1)] long CustomerId, [property: Id(2)] bool Duplicate, [property: Id(3)] string? Error);

/// <summary>Thrown when ingest is saturated; the API answers 429 with Retry-After.</summary>
public sealed class IngestOverloadedException(int retryAfterSeconds) : Exception("Ingest is saturated.")
{
    public int RetryAfterSeconds { get; } = retryAfterSeconds;
}

/// <summary>
/// The single writer of the event log and the identity index. Requests queue in a channel; the loop
/// drains whatever is waiting into one transaction (group commit: one fsync for many requests),
/// resolves identities in memory in the same order, and only completes a request's task after the
/// commit. Committed events then flow to their partition owners.
/// </summary>
public sealed partial class IngestWriter(
    EventStore store,
    TenantDirectory tenants,
    PartitionDispatcher dispatcher,
    IngestOptions options,
    PiiProtector pii,
    Intents.IntentService intents,
    Operations.SiyuMetrics metrics,
    Cluster.EventLogRoute route,
    TimeProvider time,
    ILogger<IngestWriter> logger) : BackgroundService
{
    private readonly Channel<WorkItem> _queue = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<int, IdentityGraph> _graphs = [];
    private readonly GroupCommitCounters _stats = new();
    private readonly IdentifierNormalizer _normalizer = new(options.Identity);
    // Keyed hashes of the personal identifiers of the item being executed, computed on the caller's thread (see AppendItem).
    private Dictionary<(IdentifierType, string), string>? _hashes;
    private long _pendingEvents;

    public long PendingEvents => Interlocked.Read(ref _pendingEvents);

    public GroupCommitStats Stats => _stats.Snapshot();

    /// <summary>Appends to the event log: here on a single node, through the cluster's one writer in cluster mode.</summary>
    public Task<IngestOutcome[]> AppendAsync(int tenantId, IReadOnlyList<IncomingEvent> events) =>
        route.ToCluster ? AppendThroughClusterAsync(tenantId, events) : AppendLocalAsync(tenantId, events);

    private async Task<IngestOutcome[]> AppendThroughClusterAsync(int tenantId, IReadOnlyList<IncomingEvent> events)
    {
        IncomingEvent[] batch = [.. events];
        var waited = Stopwatch.StartNew();
        for (var delay = TimeSpan.FromMilliseconds(200); ; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, WriterRetryMaxDelay.Ticks)))
        {
            try
            {
                var reply = await route.Writer.Append(tenantId, batch);
                return reply.Outcomes ?? throw new IngestOverloadedException(reply.RetryAfterSeconds);
            }
            // The writer's silo died or is unreachable: its activation comes back on a survivor within seconds. Every
            // event carries its idempotency key, so sending the batch again cannot store anything twice. Without this,
            // a background job (delivery, loyalty) would lose the event it was recording, or stop.
            catch (Exception e) when (WriterGone(e) && waited.Elapsed + delay < WriterMoveGrace)
            {
                LogWriterUnavailable(logger, e.GetType().Name, delay.TotalMilliseconds);
                await Task.Delay(delay);
            }
        }
    }

    /// <summary>How long an append waits for the event-log writer to come back after its silo is lost.</summary>
    internal static readonly TimeSpan WriterMoveGrace = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan WriterRetryMaxDelay = TimeSpan.FromSeconds(2);

    // Not Orleans' response timeout: under overload repeating a call that may still be running only adds load.
    private static bool WriterGone(Exception e) => e switch
    {
        SiloUnavailableException or OrleansMessageRejectionException => true,
        AggregateException a => a.InnerExceptions.Any(WriterGone),
        _ => e.InnerException is { } inner && WriterGone(inner),
    };

    public Task<MergeRecord> MergeAsync(int tenantId, long a, long b, string actor, string reason) =>
        route.ToCluster ? route.Writer.Merge(tenantId, a, b, actor, reason) : MergeLocalAsync(tenantId, a, b, actor, reason);

    public Task<UnmergeResult> UnmergeAsync(int tenantId, long mergeId, string actor) =>
        route.ToCluster ? route.Writer.Unmerge(tenantId, mergeId, actor) : UnmergeLocalAsync(tenantId, mergeId, actor);

    /// <summary>Whether a customer id exists (canonical or merged) — answered by the writer so it sees its own writes.</summary>
    public Task<long?> CanonicalAsync(int tenantId, long customerId) =>
        route.ToCluster ? route.Writer.Canonical(tenantId, customerId) : CanonicalLocalAsync(tenantId, customerId);

    public Task<ErasureResult> EraseAsync(int tenantId, long customerId, string actor) =>
        route.ToCluster ? route.Writer.Erase(tenantId, customerId, actor) : EraseLocalAsync(tenantId, customerId, actor);

    /// <summary>Drops what the writer remembers of the log (identity graphs, erased ids, the sequence counter): re-read from storage next.</summary>
    internal Task ForgetAsync()
    {
        var item = new ForgetItem();
        _queue.Writer.TryWrite(item);
        return item.Done.Task;
    }

    private void NewDispatchEpoch() => dispatcher.NewEpoch();

    internal Task<IngestOutcome[]> AppendLocalAsync(int tenantId, IReadOnlyList<IncomingEvent> events)
    {
        // Backlog = queued for the log + committed but not yet applied by partitions: a writer that keeps up while
        // partitions fall behind would otherwise grow the dispatch lanes without bound.
        if (Interlocked.Add(ref _pendingEvents, events.Count) + dispatcher.PendingEntries > options.MaxPendingEvents)
        {
            Interlocked.Add(ref _pendingEvents, -events.Count);
            metrics.EventsShed(tenantId, events.Count);
            throw new IngestOverloadedException(1);
        }
        return Intents.IntentService.NeedsIntent(events) ? EnrichThenAppendAsync(tenantId, events) : Enqueue(tenantId, events);
    }

    // Customer messages get their intent before the append, so the stored event carries it (see IntentService).
    private async Task<IngestOutcome[]> EnrichThenAppendAsync(int tenantId, IReadOnlyList<IncomingEvent> events)
    {
        try
        {
            events = await intents.EnrichAsync(tenantId, events);
        }
        catch
        {
            Interlocked.Add(ref _pendingEvents, -events.Count);
            throw;
        }
        return await Enqueue(tenantId, events);
    }

    private Task<IngestOutcome[]> Enqueue(int tenantId, IReadOnlyList<IncomingEvent> events)
    {
        var item = new AppendItem(tenantId, events, pii, _normalizer);
        _queue.Writer.TryWrite(item);
        return item.Done.Task;
    }

    internal Task<MergeRecord> MergeLocalAsync(int tenantId, long a, long b, string actor, string reason)
    {
        var item = new ManualMergeItem(tenantId, a, b, actor, reason);
        _queue.Writer.TryWrite(item);
        return item.Done.Task;
    }

    internal Task<UnmergeResult> UnmergeLocalAsync(int tenantId, long mergeId, string actor)
    {
        var item = new UnmergeItem(tenantId, mergeId, actor);
        _queue.Writer.TryWrite(item);
        return item.Done.Task;
    }

    internal Task<long?> CanonicalLocalAsync(int tenantId, long customerId)
    {
        var item = new CanonicalItem(tenantId, customerId);
        _queue.Writer.TryWrite(item);
        return item.Done.Task;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var connection = store.Database.Open();
        WriterSql sql;
        if (connection is SqliteConnection sqlite)
        {
            using var pragma = connection.CreateCommand();
            // FULL: the WAL is fsynced at every commit, so an acknowledged event survives power loss, not only a crash.
            pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000; PRAGMA cache_size=-131072; PRAGMA mmap_size=1073741824; PRAGMA temp_store=MEMORY;";
            await pragma.ExecuteNonQueryAsync(stoppingToken);
            sql = new SqliteWriterSql(sqlite, pii, store.Database);
        }
        else
        {
            using var sync = connection.CreateCommand();
            // Acknowledged means committed and flushed: never let a configured-off synchronous_commit weaken that.
            sync.CommandText = "SET synchronous_commit = on";
            await sync.ExecuteNonQueryAsync(stoppingToken);
            sql = new PostgresWriterSql((Npgsql.NpgsqlConnection)connection, pii, store.Database);
        }
        using var owned = sql;
        var batch = new List<WorkItem>();
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
        {
            batch.Clear();
            var events = 0;
            while (events < options.MaxEventsPerCommit && reader.TryRead(out var item))
            {
                batch.Add(item);
                events += item.EventCount;
            }
            Commit(sql, batch);
            Interlocked.Add(ref _pendingEvents, -batch.OfType<AppendItem>().Sum(i => i.EventCount));
        }
    }

    private void Commit(WriterSql sql, List<WorkItem> batch)
    {
        var started = Stopwatch.GetTimestamp();
        using var activity = Operations.SiyuMetrics.Activities.StartActivity("ingest.commit");
        activity?.SetTag("siyu.requests", batch.Count);
        var ctx = new WriterContext(sql, time.GetUtcNow().UtcTicks, this);
        using var tx = sql.Begin();
        try
        {
            sql.Prefetch(batch.SelectMany(i => i.IdempotencyKeys));
            foreach (var item in batch)
            {
                try
                {
                    item.Execute(ctx);
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException && !ctx.MutatedSinceItemStart)
                {
                    item.FailLater(e);
                }
                ctx.MutatedSinceItemStart = false;
            }
            sql.Flush();
            var executed = Stopwatch.GetTimestamp();
            tx.Commit();
            sql.Committed();
            _stats.Record(batch.Count, ctx.Committed.Count, executed - started, Stopwatch.GetTimestamp() - executed);
        }
        catch (Exception e)
        {
            LogCommitFailed(logger, e, batch.Count);
            try
            {
                tx.Rollback();
            }
            catch (Exception rollback)
            {
                LogCommitFailed(logger, rollback, batch.Count);
            }
            // The in-memory identity graphs and the sequence counter may hold changes that were rolled back: rebuild them from storage.
            _graphs.Clear();
            _erased.Clear();
            sql.Reset();
            foreach (var item in batch)
            {
                item.Fail(new InvalidOperationException("The event log could not be written; nothing in this request was stored.", e));
            }
            return;
        }
        foreach (var item in batch)
        {
            item.Complete();
        }
        dispatcher.Dispatch(ctx.Committed);
        activity?.SetTag("siyu.events", ctx.Committed.Count);
        metrics.CommitTook(Stopwatch.GetElapsedTime(started));
        foreach (var tenant in ctx.Committed.GroupBy(e => e.TenantId))
        {
            metrics.EventsAppended(tenant.Key, tenant.Count());
        }
        LogCommitted(logger, batch.Count, ctx.Committed.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    internal IdentityGraph GraphOf(int tenantId, WriterSql sql)
    {
        if (!_graphs.TryGetValue(tenantId, out var graph))
        {
            graph = sql.LoadGraph(tenantId, options.Identity, IndexValue);
            _graphs[tenantId] = graph;
        }
        return graph;
    }

    internal int PartitionsOf(int tenantId) => tenants.Partitions(tenantId);

    /// <summary>What the identity index keys a normalised identifier by; precomputed hashes first, so the writer rarely hashes.</summary>
    internal string IndexValue(IdentifierType type, string normalized) =>
        _hashes is not null && _hashes.TryGetValue((type, normalized), out var hash) ? hash : pii.IndexValue(type, normalized);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event-log writer unreachable ({Kind}); appending again in {DelayMs} ms")]
    private static partial void LogWriterUnavailable(ILogger logger, string kind, double delayMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Group commit of {Items} requests failed")]
    private static partial void LogCommitFailed(ILogger logger, Exception e, int items);

    [LoggerMessage(Level = LogLevel.Trace, Message = "Committed {Items} requests, {Events} log entries in {Ms} ms")]
    private static partial void LogCommitted(ILogger logger, int items, int events, double ms);

    /// <summary>State shared by the work items of one transaction.</summary>
    internal sealed class WriterContext(WriterSql sql, long nowTicks, IngestWriter writer)
    {
        public WriterSql Sql { get; } = sql;
        public long NowTicks { get; } = nowTicks;
        public IngestWriter Writer { get; } = writer;
        public List<LogEntry> Committed { get; } = [];
        public Dictionary<(int, string), IngestOutcome> KeysInBatch { get; } = [];
        public bool MutatedSinceItemStart { get; set; }

        /// <param name="stored">The JSON as it goes to disk (personal fields encrypted); the partitions get the plaintext.</param>
        public long AppendLog(int tenantId, string key, long customerId, string type, long timestampTicks, string? properties, string? attributes, string source,
            (string? Properties, string? Attributes)? stored = null)
        {
            MutatedSinceItemStart = true;
            var partition = Partitioning.Of(customerId, Writer.PartitionsOf(tenantId));
            var (storedProperties, storedAttributes) = stored ?? (properties, attributes);
            var seq = Sql.AppendEvent(tenantId, key, customerId, partition, type, timestampTicks, NowTicks, storedProperties, storedAttributes, source);
            Committed.Add(new LogEntry(tenantId, partition, seq, customerId, type, timestampTicks, properties, attributes));
            return seq;
        }

        public void PersistMerge(int tenantId, MergeRecord merge, string? actor)
        {
            MutatedSinceItemStart = true;
            var partitions = Writer.PartitionsOf(tenantId);
            Sql.ApplyMerge(tenantId, merge, actor, Partitioning.Of(merge.SurvivorId, partitions));
            var props = JsonSerializer.Serialize(new { merge_id = merge.MergeId, survivor_id = merge.SurvivorId, merged_id = merge.MergedId, manual = merge.Manual });
            AppendLog(tenantId, $"sys:merge:{merge.MergeId}:s", merge.SurvivorId, EventTypes.CustomerMerged, NowTicks, props, null, "system");
            if (Partitioning.Of(merge.MergedId, partitions) != Partitioning.Of(merge.SurvivorId, partitions))
            {
                AppendLog(tenantId, $"sys:merge:{merge.MergeId}:m", merge.MergedId, EventTypes.CustomerMerged, NowTicks, props, null, "system");
            }
        }
    }

    internal abstract class WorkItem
    {
        private Exception? _deferredFailure;
        public virtual int EventCount => 0;
        public virtual IEnumerable<(int TenantId, string Key)> IdempotencyKeys => [];
        public abstract void Execute(WriterContext ctx);
        public void FailLater(Exception e) => _deferredFailure = e;

        public void Complete()
        {
            if (_deferredFailure is not null)
            {
                Fail(_deferredFailure);
            }
            else
            {
                Succeed();
            }
        }

        protected abstract void Succeed();
        public abstract void Fail(Exception e);
    }

    /// <summary>
    /// Siyu's own bookkeeping that carries nothing personal (rule tags re-evaluated, a revoke, a lifecycle move) still
    /// reaches an erased customer, so those writers don't retry forever; anything else about them is refused.
    /// </summary>
    private static readonly HashSet<string> ErasedMayReceive = [EventTypes.TagAdded, EventTypes.TagRemoved, EventTypes.ConsentRevoked, EventTypes.LifecycleMoved];

    private sealed class AppendItem(int tenantId, IReadOnlyList<IncomingEvent> events, PiiProtector pii, IdentifierNormalizer normalizer) : WorkItem
    {
        private readonly IngestOutcome[] _outcomes = new IngestOutcome[events.Count];
        // Encrypted and hashed here, on the caller's thread, so the single writer only binds strings and looks up hashes.
        private readonly (string?, string?)[] _stored = [.. events.Select(e => (pii.ProtectJson(e.PropertiesJson), pii.ProtectJson(e.AttributesJson)))];
        private readonly Dictionary<(IdentifierType, string), string>? _hashes = HashPersonal(events, pii, normalizer);

        private static Dictionary<(IdentifierType, string), string>? HashPersonal(IReadOnlyList<IncomingEvent> events, PiiProtector pii, IdentifierNormalizer normalizer)
        {
            Dictionary<(IdentifierType, string), string>? hashes = null;
            foreach (var e in events)
            {
                foreach (var (type, raw) in e.Identifiers)
                {
                    if (PiiProtector.IsPersonal(type) && normalizer.TryNormalize(type, raw, out var value, out _))
                    {
                        (hashes ??= [])[(type, value)] = pii.Hasher.Hash(value);
                    }
                }
            }
            return hashes;
        }

        public TaskCompletionSource<IngestOutcome[]> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public override int EventCount => events.Count;
        public override IEnumerable<(int TenantId, string Key)> IdempotencyKeys => events.Select(e => (tenantId, e.IdempotencyKey));

        public override void Execute(WriterContext ctx)
        {
            var graph = ctx.Writer.GraphOf(tenantId, ctx.Sql);
            ctx.Writer._hashes = _hashes;
            try
            {
                for (var i = 0; i < events.Count; i++)
                {
                    _outcomes[i] = AppendOne(ctx, graph, events[i], i);
                }
            }
            finally
            {
                ctx.Writer._hashes = null;
            }
        }

        /// <summary>The normalised plaintext of an attached personal identifier (the graph only knows its hash).</summary>
        private static string? PlaintextOf(IngestWriter writer, IdentityGraph graph, IncomingEvent e, Identifier attached)
        {
            foreach (var (type, raw) in e.Identifiers)
            {
                if (type == attached.Type && graph.Normalizer.TryNormalize(type, raw, out var value, out _) && writer.IndexValue(type, value) == attached.Value)
                {
                    return value;
                }
            }
            return null;
        }

        private IngestOutcome AppendOne(WriterContext ctx, IdentityGraph graph, IncomingEvent e, int index)
        {
            if (ctx.KeysInBatch.TryGetValue((tenantId, e.IdempotencyKey), out var earlier))
            {
                return earlier with { Duplicate = true };
            }
            var found = ctx.Sql.FindEvent(tenantId, e.IdempotencyKey);
            if (found is { } existing)
            {
                return new IngestOutcome(existing.Seq, graph.Canonical(existing.CustomerId), true, null);
            }

            long customerId;
            if (e.CustomerId is { } given)
            {
                if (!graph.Exists(given))
                {
                    return new IngestOutcome(0, 0, false, $"Unknown customer_id {given}.");
                }
                customerId = graph.Canonical(given);
                if (!ErasedMayReceive.Contains(e.Type) && ctx.Writer.IsErased(tenantId, customerId, ctx.Sql))
                {
                    return new IngestOutcome(0, 0, false, $"Customer {given} was erased; nothing can be recorded for them.");
                }
            }
            else
            {
                var resolution = graph.Resolve(e.Identifiers, e.Timestamp.UtcTicks);
                if (resolution.Created || resolution.Attached.Count > 0 || resolution.Merges.Count > 0 || resolution.Conflicts.Count > 0)
                {
                    ctx.MutatedSinceItemStart = true;
                }
                if (resolution.Created)
                {
                    ctx.Sql.InsertCustomer(tenantId, resolution.CustomerId, e.Timestamp.UtcTicks);
                }
                foreach (var merge in resolution.Merges)
                {
                    ctx.PersistMerge(tenantId, merge, null);
                }
                foreach (var id in resolution.Attached)
                {
                    ctx.Sql.UpsertIdentifier(tenantId, id, resolution.CustomerId, ctx.NowTicks, PiiProtector.IsPersonal(id.Type) ? PlaintextOf(ctx.Writer, graph, e, id) : null);
                }
                foreach (var conflict in resolution.Conflicts)
                {
                    ctx.Sql.InsertConflict(tenantId, conflict, ctx.NowTicks);
                }
                customerId = resolution.CustomerId;
            }

            var seq = ctx.AppendLog(tenantId, e.IdempotencyKey, customerId, e.Type, e.Timestamp.UtcTicks,
                e.PropertiesJson, e.AttributesJson, e.Source, _stored[index]);
            var outcome = new IngestOutcome(seq, customerId, false, null);
            ctx.KeysInBatch[(tenantId, e.IdempotencyKey)] = outcome;
            return outcome;
        }

        protected override void Succeed() => Done.TrySetResult(_outcomes);
        public override void Fail(Exception e) => Done.TrySetException(e);
    }

    private sealed class ManualMergeItem(int tenantId, long a, long b, string actor, string reason) : WorkItem
    {
        private MergeRecord? _result;
        public TaskCompletionSource<MergeRecord> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Execute(WriterContext ctx)
        {
            var graph = ctx.Writer.GraphOf(tenantId, ctx.Sql);
            if (ctx.Writer.IsErased(tenantId, graph.Canonical(a), ctx.Sql) || ctx.Writer.IsErased(tenantId, graph.Canonical(b), ctx.Sql))
            {
                throw new ArgumentException("An erased customer cannot be merged.");
            }
            _result = graph.MergeManually(a, b, reason, ctx.NowTicks);
            ctx.PersistMerge(tenantId, _result, actor);
            ctx.Sql.InsertAudit(tenantId, ctx.NowTicks, actor, "customer.merge", $"merged {_result.MergedId} into {_result.SurvivorId}: {reason}");
            ctx.Sql.ResolveConflicts(tenantId, _result.SurvivorId, _result.MergedId, ctx.NowTicks);
        }

        protected override void Succeed() => Done.TrySetResult(_result!);
        public override void Fail(Exception e) => Done.TrySetException(e);
    }

    private sealed class UnmergeItem(int tenantId, long mergeId, string actor) : WorkItem
    {
        private UnmergeResult? _result;
        public TaskCompletionSource<UnmergeResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Execute(WriterContext ctx)
        {
            var graph = ctx.Writer.GraphOf(tenantId, ctx.Sql);
            if (graph.ActiveMerges.FirstOrDefault(m => m.MergeId == mergeId) is { } m
                && (ctx.Writer.IsErased(tenantId, m.SurvivorId, ctx.Sql) || ctx.Writer.IsErased(tenantId, m.MergedId, ctx.Sql)))
            {
                throw new InvalidOperationException($"Merge {mergeId} belongs to an erased customer and cannot be undone.");
            }
            _result = graph.Unmerge(mergeId, ctx.NowTicks);
            ctx.MutatedSinceItemStart = true;
            var partitions = ctx.Writer.PartitionsOf(tenantId);
            ctx.Sql.ApplyUnmerge(tenantId, mergeId, _result, actor, ctx.NowTicks, Partitioning.Of(_result.RestoredCustomerId, partitions));
            ctx.Sql.InsertAudit(tenantId, ctx.NowTicks, actor, "customer.unmerge", $"restored {_result.RestoredCustomerId} from {_result.SurvivorId} (merge {mergeId})");
            var props = JsonSerializer.Serialize(new { merge_id = mergeId, survivor_id = _result.SurvivorId, restored_id = _result.RestoredCustomerId });
            ctx.AppendLog(tenantId, $"sys:unmerge:{mergeId}:s", _result.SurvivorId, EventTypes.CustomerUnmerged, ctx.NowTicks, props, null, "system");
            ctx.AppendLog(tenantId, $"sys:unmerge:{mergeId}:r", _result.RestoredCustomerId, EventTypes.CustomerUnmerged, ctx.NowTicks, props, null, "system");
        }

        protected override void Succeed() => Done.TrySetResult(_result!);
        public override void Fail(Exception e) => Done.TrySetException(e);
    }

    private sealed class ForgetItem : WorkItem
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Execute(WriterContext ctx)
        {
            ctx.Writer.NewDispatchEpoch();
            ctx.Writer._graphs.Clear();
            ctx.Writer._erased.Clear();
            ctx.Sql.Reset();
        }

        protected override void Succeed() => Done.TrySetResult();
        public override void Fail(Exception e) => Done.TrySetException(e);
    }

    private sealed class CanonicalItem(int tenantId, long customerId) : WorkItem
    {
        private long? _result;
        public TaskCompletionSource<long?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Execute(WriterContext ctx)
        {
            var graph = ctx.Writer.GraphOf(tenantId, ctx.Sql);
            _result = graph.Exists(customerId) ? graph.Canonical(customerId) : null;
        }

        protected override void Succeed() => Done.TrySetResult(_result);
        public override void Fail(Exception e) => Done.TrySetException(e);
    }
}

/// <summary>Cumulative group-commit figures since start: how many requests and log entries each fsync carried.</summary>
public sealed record GroupCommitStats(long Commits, long Requests, long Entries, TimeSpan Execute, TimeSpan Commit)
{
    public double EntriesPerCommit => Commits == 0 ? 0 : (double)Entries / Commits;
    public double MeanCommitMs => Commits == 0 ? 0 : Commit.TotalMilliseconds / Commits;
}

internal sealed class GroupCommitCounters
{
    private long _commits, _requests, _entries, _executeTicks, _commitTicks;

    public void Record(int requests, int entries, long executeTicks, long commitTicks)
    {
        Interlocked.Increment(ref _commits);
        Interlocked.Add(ref _requests, requests);
        Interlocked.Add(ref _entries, entries);
        Interlocked.Add(ref _executeTicks, executeTicks);
        Interlocked.Add(ref _commitTicks, commitTicks);
    }

    public GroupCommitStats Snapshot() => new(Interlocked.Read(ref _commits), Interlocked.Read(ref _requests), Interlocked.Read(ref _entries),
        Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _executeTicks)), Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _commitTicks)));
}

public sealed record IngestOptions
{
    public int MaxEventsPerCommit { get; init; } = 20_000;
    public long MaxPendingEvents { get; init; } = 200_000;
    public IdentityOptions Identity { get; init; } = new();
}

/// <summary>A committed log entry on its way to the partition owner.</summary>
[GenerateSerializer, Immutable]
public sealed record LogEntry(
    [property: Id(0)] int TenantId,
    [property: Id(1)] int Partition,
    [property: Id(2)] long Seq,
    [property: Id(3)] long CustomerId,
    [property: Id(4)] string Type,
    [property: Id(5)] long TimestampTicks,
    [property: Id(6)] string? Properties,
    [property: Id(7)] string? Attributes);
