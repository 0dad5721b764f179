namespace Siyu.Core.Customers;

/// <summary>
/// In-memory identity index of one tenant: maps every identifier to one canonical customer and
/// decides creations and merges. Not thread-safe: the ingest writer owns it and serialises calls.
/// Every mutation is returned as data so the caller can persist it in the same transaction as the events.
/// </summary>
public sealed class IdentityGraph
{
    public IdentityGraph(IdentityOptions options, long firstMergeId = 1) => throw new NotImplementedException();

    /// <summary>Rebuild from storage. <paramref name="nextCustomerId"/> is the id the next created customer gets.</summary>
    public void Load(IEnumerable<IdentityCustomer> customers, IEnumerable<IdentityLink> links, IEnumerable<MergeRecord> activeMerges, long nextCustomerId) => throw new NotImplementedException();

    /// <summary>Resolve raw identifiers of one event to a customer, creating or merging as the rules allow.</summary>
    public Resolution Resolve(IReadOnlyList<(IdentifierType Type, string RawValue)> identifiers, long atTicks) => throw new NotImplementedException();

    /// <summary>Audited manual merge: allowed even when both are strongly identified and limits would be exceeded.</summary>
    public MergeRecord MergeManually(long customerA, long customerB, string reason, long atTicks) => throw new NotImplementedException();

    /// <summary>Reverse an earlier merge: the merged customer comes back with the identifiers it brought.</summary>
    public UnmergeResult Unmerge(long mergeId, long atTicks) => throw new NotImplementedException();

    /// <summary>Canonical customer of an identifier, if known.</summary>
    public long? Find(Identifier identifier) => throw new NotImplementedException();

    /// <summary>Follows merge pointers to the surviving customer (returns the id itself if never merged).</summary>
    public long Canonical(long customerId) => throw new NotImplementedException();

    public bool Exists(long customerId) => throw new NotImplementedException();

    /// <summary>Identifiers currently held by a (canonical) customer.</summary>
    public IReadOnlyList<Identifier> IdentifiersOf(long customerId) => throw new NotImplementedException();

    public IReadOnlyCollection<MergeRecord> ActiveMerges => throw new NotImplementedException();

    public long NextCustomerId => throw new NotImplementedException();
}
