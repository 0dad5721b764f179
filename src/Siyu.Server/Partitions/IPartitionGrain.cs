using Siyu.Server.Ingest;

namespace Siyu.Server.Partitions;

/// <summary>Owner of one partition of one tenant's customers (key "tenantId/partition").</summary>
public interface IPartitionGrain : IGrainWithStringKey
{
    Task Apply(LogEntry[] entries);
    Task<CustomerSummary[]> Search(CustomerQuery query);
    Task<CustomerSummary[]> GetMany(long[] customerIds, long? tagId = null);
    Task<CustomerView?> Get(long customerId);
    Task<PartitionStats> Stats();
    /// <summary>Of the requested tag changes, those that would change something (adding a tag already there is a no-op).</summary>
    Task<TagChange[]> EffectiveTagChanges(TagChange[] changes);
    /// <summary>How many customers of this partition carry each tag.</summary>
    Task<Dictionary<long, int>> TagCounts();
    Task SaveSnapshot();
}

[GenerateSerializer, Immutable]
public sealed record CustomerQuery(
    [property: Id(0)] string? NameContains,
    [property: Id(1)] long? BeforeId,
    [property: Id(2)] int Limit,
    [property: Id(3)] long? TagId = null);

[GenerateSerializer, Immutable]
public sealed record TagChange(
    [property: Id(0)] long CustomerId,
    [property: Id(1)] long TagId,
    [property: Id(2)] bool Add);

[GenerateSerializer, Immutable]
public sealed record TagView(
    [property: Id(0)] long TagId,
    [property: Id(1)] string Source,
    [property: Id(2)] long AtTicks);

[GenerateSerializer, Immutable]
public sealed record CustomerSummary(
    [property: Id(0)] long Id,
    [property: Id(1)] string? Name,
    [property: Id(2)] int Orders,
    [property: Id(3)] decimal NetSpend,
    [property: Id(4)] long FirstSeenTicks,
    [property: Id(5)] long LastSeenTicks,
    [property: Id(6)] string[] Staff);

[GenerateSerializer, Immutable]
public sealed record CategoryView(
    [property: Id(0)] string Category,
    [property: Id(1)] int Orders,
    [property: Id(2)] decimal Spend,
    [property: Id(3)] long LastOrderTicks);

/// <summary>The full in-memory profile; attributes travel as JSON text.</summary>
[GenerateSerializer, Immutable]
public sealed record CustomerView(
    [property: Id(0)] long Id,
    [property: Id(1)] string? Name,
    [property: Id(2)] string AttributesJson,
    [property: Id(3)] int Orders,
    [property: Id(4)] decimal Spend,
    [property: Id(5)] decimal Refunded,
    [property: Id(6)] long FirstOrderTicks,
    [property: Id(7)] long LastOrderTicks,
    [property: Id(8)] long FirstSeenTicks,
    [property: Id(9)] long LastSeenTicks,
    [property: Id(10)] CategoryView[] Categories,
    [property: Id(11)] Dictionary<string, int> EventCounts,
    [property: Id(12)] Dictionary<string, string?> Staff,
    [property: Id(13)] long LastSeq,
    [property: Id(14)] TagView[] Tags);

[GenerateSerializer, Immutable]
public sealed record PartitionStats(
    [property: Id(0)] int Customers,
    [property: Id(1)] long LastSeq,
    [property: Id(2)] long SnapshotSeq);
