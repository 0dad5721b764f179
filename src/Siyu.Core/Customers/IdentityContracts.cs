namespace Siyu.Core.Customers;

/// <summary>Guard rails for identity resolution (per tenant).</summary>
public sealed record IdentityOptions
{
    /// <summary>Maximum identifiers of each type one customer may hold.</summary>
    public IReadOnlyDictionary<IdentifierType, int> LimitPerType { get; init; } = new Dictionary<IdentifierType, int>
    {
        [IdentifierType.ExternalUserId] = 1,
        [IdentifierType.UnionId] = 1,
        [IdentifierType.Phone] = 5,
        [IdentifierType.Email] = 5,
        [IdentifierType.PlatformId] = 10,
        [IdentifierType.DeviceId] = 20,
    };

    /// <summary>Types whose presence makes a customer "strongly identified"; two such customers never merge automatically.</summary>
    public IReadOnlySet<IdentifierType> StrongTypes { get; init; } = new HashSet<IdentifierType> { IdentifierType.ExternalUserId, IdentifierType.UnionId };

    /// <summary>Extra blocked values (case-insensitive) on top of the built-in list.</summary>
    public IReadOnlySet<string> ExtraBlockedValues { get; init; } = new HashSet<string>();
}

/// <summary>A customer as the identity graph knows it (used to load the graph from storage).</summary>
public sealed record IdentityCustomer(long CustomerId, long CreatedAtTicks, long? MergedInto);

/// <summary>Where an identifier points (used to load the graph from storage).</summary>
public sealed record IdentityLink(Identifier Identifier, long CustomerId);

/// <summary>One merge of <see cref="MergedId"/> into <see cref="SurvivorId"/>; keeps what is needed to reverse it.</summary>
public sealed record MergeRecord(
    long MergeId,
    long SurvivorId,
    long MergedId,
    IReadOnlyList<Identifier> MovedIdentifiers,
    bool Manual,
    string Reason,
    long AtTicks);

public enum ConflictReason
{
    BothStronglyIdentified,
    IdentifierLimitExceeded,
}

/// <summary>Two customers an event linked but that were not merged automatically (candidates for an audited manual merge).</summary>
public sealed record MergeConflict(long CustomerA, long CustomerB, ConflictReason Reason, Identifier? Identifier);

public enum IgnoredReason
{
    Blocked,
    Invalid,
    LimitExceeded,
    BelongsToOtherCustomer,
}

public sealed record IgnoredIdentifier(IdentifierType Type, string RawValue, IgnoredReason Reason);

/// <summary>Outcome of resolving the identifiers of one event.</summary>
public sealed record Resolution(
    long CustomerId,
    bool Created,
    IReadOnlyList<Identifier> Attached,
    IReadOnlyList<MergeRecord> Merges,
    IReadOnlyList<MergeConflict> Conflicts,
    IReadOnlyList<IgnoredIdentifier> Ignored);

/// <summary>Outcome of reversing a merge.</summary>
public sealed record UnmergeResult(long RestoredCustomerId, long SurvivorId, IReadOnlyList<Identifier> ReturnedIdentifiers);

/// <summary>
/// The whole state of an <see cref="IdentityGraph"/> as data (<see cref="IdentityGraph.Snapshot"/>); loading it into a
/// new graph (<see cref="IdentityGraph.Load(IdentitySnapshot)"/>) gives a graph that answers exactly the same.
/// </summary>
public sealed record IdentitySnapshot(
    IReadOnlyList<IdentityCustomer> Customers,
    IReadOnlyList<IdentityLink> Links,
    IReadOnlyList<MergeRecord> ActiveMerges,
    long NextCustomerId,
    long NextMergeId);
