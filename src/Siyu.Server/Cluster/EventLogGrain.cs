using System.Text.Json.Nodes;
using Orleans.Concurrency;
using Siyu.Core.Customers;
using Siyu.Core.Events;
using Siyu.Server.Ingest;

namespace Siyu.Server.Cluster;

/// <summary>
/// The one writer of the event log in a cluster. The log's sequence numbers, idempotency check and the identity index
/// are kept by a single writer (see <see cref="IngestWriter"/>); in a cluster that writer is wherever this grain is
/// active, and every node's API sends its appends here. Reentrant: requests from many nodes must reach the writer's
/// queue together so one commit takes them all (group commit), not one commit per request.
/// </summary>
public interface IEventLogGrain : IGrainWithIntegerKey
{
    Task<AppendReply> Append(int tenantId, IncomingEvent[] events);
    Task<MergeRecord> Merge(int tenantId, long a, long b, string actor, string reason);
    Task<UnmergeResult> Unmerge(int tenantId, long mergeId, string actor);
    Task<long?> Canonical(int tenantId, long customerId);
    Task<ErasureResult> Erase(int tenantId, long customerId, string actor);

    /// <summary>The silo this writer is active on.</summary>
    Task<string> Where();
}

/// <summary>Outcomes of an append, or how long to wait when the writer is saturated (nothing stored).</summary>
[GenerateSerializer, Immutable]
public sealed record AppendReply([property: Id(0)] IngestOutcome[]? Outcomes, [property: Id(1)] int RetryAfterSeconds);

[Reentrant]
public sealed partial class EventLogGrain(IngestWriter writer, Tenants.TenantDirectory tenants, ILogger<EventLogGrain> logger) : Grain, IEventLogGrain
{
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // This node may have been the writer before (and the writer elsewhere since): what it remembers of the log and
        // the identity index may be stale, so it reads them again before taking the first request.
        await writer.ForgetAsync();
        // What the previous writer committed but had not delivered reaches the partitions before anything newer does. A
        // partition that does not answer (its silo died and is not voted out yet) reads the whole tail when it activates
        // elsewhere, so it needs no catching up.
        foreach (var tenant in tenants.All())
        {
            await Task.WhenAll(Enumerable.Range(0, tenant.Partitions).Select(async p =>
            {
                try
                {
                    await GrainFactory.GetGrain<Partitions.IPartitionGrain>(Partitions.PartitionDispatcher.GrainKey(tenant.Id, p)).CatchUp()
                        .WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
                }
                catch (Exception e) when (e is TimeoutException or OrleansException)
                {
                    LogCatchUpSkipped(logger, tenant.Id, p, e.Message);
                }
            }));
        }
        LogActivated(logger, this.GetPrimaryKeyLong());
    }

    public async Task<AppendReply> Append(int tenantId, IncomingEvent[] events)
    {
        try
        {
            return new AppendReply(await writer.AppendLocalAsync(tenantId, events), 0);
        }
        catch (IngestOverloadedException e)
        {
            return new AppendReply(null, e.RetryAfterSeconds);
        }
    }

    public Task<MergeRecord> Merge(int tenantId, long a, long b, string actor, string reason) => writer.MergeLocalAsync(tenantId, a, b, actor, reason);

    public Task<UnmergeResult> Unmerge(int tenantId, long mergeId, string actor) => writer.UnmergeLocalAsync(tenantId, mergeId, actor);

    public Task<long?> Canonical(int tenantId, long customerId) => writer.CanonicalLocalAsync(tenantId, customerId);

    public Task<ErasureResult> Erase(int tenantId, long customerId, string actor) => writer.EraseLocalAsync(tenantId, customerId, actor);

    public Task<string> Where() => Task.FromResult(RuntimeIdentity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {Tenant}/{Partition} not caught up by the new writer ({Reason}); it reads the log when it activates")]
    private static partial void LogCatchUpSkipped(ILogger logger, int tenant, int partition, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Event log writer {Key} active on this node")]
    private static partial void LogActivated(ILogger logger, long key);
}

/// <summary>Where appends go: the local writer on a single node, the cluster's one writer grain in cluster mode.</summary>
public sealed class EventLogRoute(IGrainFactory grains, ClusterSettings settings)
{
    public bool ToCluster => settings.Enabled;

    public IEventLogGrain Writer => grains.GetGrain<IEventLogGrain>(0);
}

// Siyu.Core knows nothing of Orleans: its types cross silos through these surrogates.

[GenerateSerializer]
public struct IncomingEventSurrogate
{
    [Id(0)] public string IdempotencyKey;
    [Id(1)] public string Type;
    [Id(2)] public DateTimeOffset Timestamp;
    [Id(3)] public IdentifierType[] IdentifierTypes;
    [Id(4)] public string[] IdentifierValues;
    [Id(5)] public long? CustomerId;
    [Id(6)] public string? Properties;
    [Id(7)] public string? Attributes;
    [Id(8)] public string Source;
}

[RegisterConverter]
public sealed class IncomingEventConverter : IConverter<IncomingEvent, IncomingEventSurrogate>
{
    public IncomingEvent ConvertFromSurrogate(in IncomingEventSurrogate s) => new(
        s.IdempotencyKey, s.Type, s.Timestamp,
        [.. s.IdentifierTypes.Zip(s.IdentifierValues)],
        s.CustomerId,
        s.Properties is null ? [] : (JsonObject)JsonNode.Parse(s.Properties)!,
        s.Attributes is null ? null : (JsonObject)JsonNode.Parse(s.Attributes)!,
        s.Source);

    public IncomingEventSurrogate ConvertToSurrogate(in IncomingEvent e) => new()
    {
        IdempotencyKey = e.IdempotencyKey,
        Type = e.Type,
        Timestamp = e.Timestamp,
        IdentifierTypes = [.. e.Identifiers.Select(i => i.Type)],
        IdentifierValues = [.. e.Identifiers.Select(i => i.RawValue)],
        CustomerId = e.CustomerId,
        Properties = e.PropertiesJson,
        Attributes = e.AttributesJson,
        Source = e.Source,
    };
}

[GenerateSerializer]
public struct IdentifierSurrogate
{
    [Id(0)] public IdentifierType Type;
    [Id(1)] public string Value;
}

[RegisterConverter]
public sealed class IdentifierConverter : IConverter<Identifier, IdentifierSurrogate>
{
    public Identifier ConvertFromSurrogate(in IdentifierSurrogate s) => new(s.Type, s.Value);

    public IdentifierSurrogate ConvertToSurrogate(in Identifier i) => new() { Type = i.Type, Value = i.Value };
}

[GenerateSerializer]
public struct MergeRecordSurrogate
{
    [Id(0)] public long MergeId;
    [Id(1)] public long SurvivorId;
    [Id(2)] public long MergedId;
    [Id(3)] public Identifier[] MovedIdentifiers;
    [Id(4)] public bool Manual;
    [Id(5)] public string Reason;
    [Id(6)] public long AtTicks;
}

[RegisterConverter]
public sealed class MergeRecordConverter : IConverter<MergeRecord, MergeRecordSurrogate>
{
    public MergeRecord ConvertFromSurrogate(in MergeRecordSurrogate s) => new(s.MergeId, s.SurvivorId, s.MergedId, s.MovedIdentifiers, s.Manual, s.Reason, s.AtTicks);

    public MergeRecordSurrogate ConvertToSurrogate(in MergeRecord m) => new()
    {
        MergeId = m.MergeId, SurvivorId = m.SurvivorId, MergedId = m.MergedId, MovedIdentifiers = [.. m.MovedIdentifiers],
        Manual = m.Manual, Reason = m.Reason, AtTicks = m.AtTicks,
    };
}

[GenerateSerializer]
public struct UnmergeResultSurrogate
{
    [Id(0)] public long RestoredCustomerId;
    [Id(1)] public long SurvivorId;
    [Id(2)] public Identifier[] ReturnedIdentifiers;
}

[RegisterConverter]
public sealed class UnmergeResultConverter : IConverter<UnmergeResult, UnmergeResultSurrogate>
{
    public UnmergeResult ConvertFromSurrogate(in UnmergeResultSurrogate s) => new(s.RestoredCustomerId, s.SurvivorId, s.ReturnedIdentifiers);

    public UnmergeResultSurrogate ConvertToSurrogate(in UnmergeResult u) => new()
    {
        RestoredCustomerId = u.RestoredCustomerId, SurvivorId = u.SurvivorId, ReturnedIdentifiers = [.. u.ReturnedIdentifiers],
    };
}
