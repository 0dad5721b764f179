using Siyu.Server.Ingest;

namespace Siyu.Server.Partitions;

/// <summary>Owner of one partition of one tenant's customers (key "tenantId/partition").</summary>
public interface IPartitionGrain : IGrainWithStringKey
{
    /// <summary>
    /// Applies committed entries in log order. <paramref name="writerEpoch"/> names the writer's tenure: when it differs from
    /// the last one seen, entries the previous writer committed but never delivered may exist, so the partition reads
    /// the log from its last applied entry first.
    /// </summary>
    Task Apply(LogEntry[] entries, string writerEpoch);
    Task<CustomerSummary[]> Search(CustomerQuery query);
    Task<CustomerSummary[]> GetMany(long[] customerIds, long? tagId = null);
    Task<CustomerView?> Get(long customerId);
    Task<PartitionStats> Stats();
    /// <summary>True once this partition has applied the log entry <paramref name="seq"/>, false after the timeout.
    /// Interleaves: it waits while the partition goes on applying.</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<bool> WaitApplied(long seq, TimeSpan timeout);
    /// <summary>Migrates to the silo placement now prefers (cluster rebalancing; see <c>PartitionKeeper</c>).</summary>
    Task Relocate(SiloAddress target);
    /// <summary>Applies whatever the log holds past this partition's last applied entry (a new writer took over).</summary>
    Task CatchUp();
    /// <summary>Of the requested tag changes, those that would change something (adding a tag already there is a no-op).</summary>
    Task<TagChange[]> EffectiveTagChanges(TagChange[] changes);
    /// <summary>How many customers of this partition carry each tag.</summary>
    Task<Dictionary<long, int>> TagCounts();
    Task SaveSnapshot();
    /// <summary>Answers a condition over this partition: the count, a page of ids and a deterministic sample.</summary>
    Task<AudienceAnswer> Query(AudienceQuery query);
    /// <summary>Why one customer of this partition is in or out; null when the customer is not here.</summary>
    Task<ExplanationView?> Explain(string conditionJson, int today, long customerId, bool chinese);
    /// <summary>Re-evaluates every rule tag over the whole partition (rule changed, new day) and writes the differences.</summary>
    Task ReevaluateRules();
    /// <summary>Customers of this partition in a journey, per version, step and status.</summary>
    Task<JourneyTally[]> JourneyStats(long journeyId);
    /// <summary>Enters these customers (of this partition) into a manual-trigger journey; returns how many entered.</summary>
    Task<int> EnterJourney(long journeyId, long[] customerIds);
    /// <summary>Every customer's RFM inputs as of the tenant-local day (for a tenant-wide run).</summary>
    Task<RfmSample> RfmValues(int today);
    /// <summary>Scores every customer with the tenant's current RFM cut points.</summary>
    Task ApplyRfm();
    /// <summary>How this partition's customers fall into RFM scores and layers.</summary>
    Task<RfmDistributionPart> RfmDistribution();
    /// <summary>Customers per lifecycle stage and up to <paramref name="perStage"/> of each, latest arrivals first.</summary>
    Task<LifecycleBoardPart> LifecycleBoard(int perStage);

    // Alerts (PartitionGrain.Alerts.cs)
    /// <summary>The alert rules' facts about every customer of this partition with a paid order.</summary>
    Task<AlertFactsView[]> AlertFacts();
}

[GenerateSerializer, Immutable]
public sealed record RfmSample(
    [property: Id(0)] int[] Recency,
    [property: Id(1)] int[] Frequency,
    [property: Id(2)] long[] Monetary,
    [property: Id(3)] int[] Engagement);

[GenerateSerializer, Immutable]
public sealed record RfmDistributionPart(
    [property: Id(0)] int Customers,
    [property: Id(1)] int[] R,
    [property: Id(2)] int[] F,
    [property: Id(3)] int[] M,
    [property: Id(4)] string[] Segments,
    [property: Id(5)] int[] SegmentCustomers,
    [property: Id(6)] decimal[] SegmentSpend,
    [property: Id(7)] int[] E);

[GenerateSerializer, Immutable]
public sealed record JourneyTally(
    [property: Id(0)] int Version,
    [property: Id(1)] int Step,
    [property: Id(2)] string Status,
    [property: Id(3)] int Customers);

[GenerateSerializer, Immutable]
public sealed record AudienceQuery(
    [property: Id(0)] string ConditionJson,
    [property: Id(1)] int Today,
    [property: Id(2)] long AfterId,
    [property: Id(3)] int Limit,
    [property: Id(4)] int SampleSize);

[GenerateSerializer, Immutable]
public sealed record AudienceAnswer(
    [property: Id(0)] int Count,
    [property: Id(1)] long[] Ids,
    [property: Id(2)] long[] Sample);

[GenerateSerializer, Immutable]
public sealed record ExplanationView(
    [property: Id(0)] string Path,
    [property: Id(1)] string Kind,
    [property: Id(2)] bool Result,
    [property: Id(3)] string Detail,
    [property: Id(4)] bool Decisive,
    [property: Id(5)] ExplanationView[] Children)
{
    public static ExplanationView From(Siyu.Core.Audiences.Engine.Explanation e) =>
        new(e.Path, e.Kind, e.Result, e.Detail, e.Decisive, [.. e.Children.Select(From)]);
}

[GenerateSerializer, Immutable]
public sealed record CustomerQuery(
    [property: Id(0)] string? NameContains,
    [property: Id(1)] long? BeforeId,
    [property: Id(2)] int Limit,
    [property: Id(3)] long? TagId = null,
    /// <summary>Only customers related to one of these staff user ids (a data scope); null = everyone.</summary>
    [property: Id(4)] string[]? Staff = null);

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
    [property: Id(6)] string[] Staff,
    /// <summary>Consent keys ("channel/topic") the customer revoked; senders check these before anything goes out.</summary>
    [property: Id(7)] string[] Revoked,
    /// <summary>Erased on the person's request (PIPL): an anonymous id, shown as 已注销用户.</summary>
    [property: Id(8)] bool Erased = false);

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
    [property: Id(14)] TagView[] Tags,
    [property: Id(15)] ConsentView[] Consents,
    [property: Id(16)] Dictionary<string, double> Scores,
    [property: Id(17)] LifecycleView? Lifecycle,
    [property: Id(18)] string? RfmSegment,
    [property: Id(19)] long PurchaseDueTicks,
    [property: Id(20)] bool Erased = false)
{
    /// <summary>Whether a data use (e.g. location) is allowed by the customer's consents, as the profile itself decides it.</summary>
    public bool AllowsDataUse(string use) => Core.Customers.ConsentScopes.AllowsDataUse(Consents.Select(c => (c.Channel, c.Topic, c.Granted, c.AtTicks)), use);
}

[GenerateSerializer, Immutable]
public sealed record LifecycleView(
    [property: Id(0)] string Stage,
    [property: Id(1)] long SinceTicks,
    [property: Id(2)] bool Manual,
    [property: Id(3)] LifecycleChangeView[] History);

[GenerateSerializer, Immutable]
public sealed record LifecycleChangeView(
    [property: Id(0)] string Stage,
    [property: Id(1)] long AtTicks,
    [property: Id(2)] bool Manual,
    [property: Id(3)] string? By,
    [property: Id(4)] string? Reason);

/// <summary>Customers per lifecycle stage (index = stage − 1) and the latest arrivals of each stage.</summary>
[GenerateSerializer, Immutable]
public sealed record LifecycleBoardPart(
    [property: Id(0)] int[] Counts,
    [property: Id(1)] LifecycleCard[] Cards);

[GenerateSerializer, Immutable]
public sealed record LifecycleCard(
    [property: Id(0)] long CustomerId,
    [property: Id(1)] string? Name,
    [property: Id(2)] int Stage,
    [property: Id(3)] long SinceTicks,
    [property: Id(4)] bool Manual,
    [property: Id(5)] int Orders,
    [property: Id(6)] decimal NetSpend,
    [property: Id(7)] long LastOrderTicks,
    [property: Id(8)] string[] Staff);

[GenerateSerializer, Immutable]
public sealed record ConsentView(
    [property: Id(0)] string Channel,
    [property: Id(1)] string Topic,
    [property: Id(2)] bool Granted,
    [property: Id(3)] long AtTicks,
    [property: Id(4)] string? Source);

[GenerateSerializer, Immutable]
public sealed record PartitionStats(
    [property: Id(0)] int Customers,
    [property: Id(1)] long LastSeq,
    [property: Id(2)] long SnapshotSeq,
    [property: Id(3)] string Silo = "");
