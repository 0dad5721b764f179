namespace Siyu.Core.Customers;

/// <summary>
/// In-memory identity index of one tenant: maps every identifier to one canonical customer and
/// decides creations and merges. Not thread-safe: the ingest writer owns it and serialises calls.
/// Every mutation is returned as data so the caller can persist it in the same transaction as the events.
/// </summary>
/// <remarks>
/// Invariants: the index always points at the canonical (never merged) holder of an identifier, and a canonical
/// customer's identifier list is exactly the identifiers the index maps to it. Merge pointers
/// (<see cref="IdentityCustomer.MergedInto"/>) are kept as they were written (never compressed) so that a merge in
/// the middle of a chain can be undone; <see cref="Canonical"/> caches its answers until the next unmerge.
/// The options are read once, at construction.
/// </remarks>
public sealed class IdentityGraph
{
    /// <summary>Reason recorded on merges made by <see cref="Resolve"/>.</summary>
    public const string EventMergeReason = "linked by event";

    private static readonly int TypeCount = IdentifierTypes.All.Count;

    private readonly IdentifierNormalizer _normalizer;
    private readonly Func<IdentifierType, string, string>? _indexValue;
    private readonly int[] _limits;
    private readonly bool[] _strong;
    private readonly Dictionary<Identifier, long> _index = [];
    private readonly Dictionary<long, Node> _customers = [];
    private readonly Dictionary<long, MergeRecord> _activeMerges = [];
    private readonly Comparison<long> _compareAge;
    // Scratch lists reused by Resolve (the graph is single-threaded by contract).
    private readonly List<Candidate> _candidates = [];
    private readonly List<long> _holders = [];
    private long _nextMergeId;
    private long _nextCustomerId = 1;
    // Bumped by every unmerge: invalidates the cached canonical ids (merges only ever extend chains, so they do not).
    private long _epoch;

    private sealed class Node(long id, long createdAtTicks)
    {
        public long Id { get; } = id;
        public long CreatedAtTicks { get; } = createdAtTicks;
        /// <summary>Direct merge target (never path-compressed, so a merge in the middle of a chain can be undone).</summary>
        public long? MergedInto { get; set; }
        public List<Identifier> Identifiers { get; } = [];
        public long CanonicalCache { get; set; }
        public long CacheEpoch { get; set; } = -1;
    }

    /// <param name="options">Limits, strong types and extra blocked values of the tenant.</param>
    /// <param name="firstMergeId">The id the next merge record gets.</param>
    /// <param name="indexValue">
    /// Maps a normalised value to the value the index keys it by (default: itself). Storage passes a keyed hash for
    /// personal identifiers, so neither the index nor the identifiers and merges it returns hold phones in plaintext.
    /// </param>
    public IdentityGraph(IdentityOptions options, long firstMergeId = 1, Func<IdentifierType, string, string>? indexValue = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _normalizer = new IdentifierNormalizer(options);
        _indexValue = indexValue;
        _nextMergeId = firstMergeId;
        _limits = new int[TypeCount];
        _strong = new bool[TypeCount];
        foreach (var type in IdentifierTypes.All)
        {
            _limits[(int)type] = options.LimitPerType.TryGetValue(type, out var limit) ? Math.Max(0, limit) : int.MaxValue;
            _strong[(int)type] = options.StrongTypes.Contains(type);
        }
        _compareAge = (a, b) => CompareAge(NodeOf(a), NodeOf(b));
    }

    /// <summary>The normaliser this graph applies (use it to turn a raw lookup value into an <see cref="Identifier"/>).</summary>
    public IdentifierNormalizer Normalizer => _normalizer;

    /// <summary>Rebuild from storage. <paramref name="nextCustomerId"/> is the id the next created customer gets.</summary>
    /// <remarks>
    /// Replaces the whole state. Links may point at merged customers (they are moved to the canonical one).
    /// Merge ids continue above the highest loaded active merge (and never below the constructor's firstMergeId).
    /// Throws <see cref="InvalidDataException"/> for inconsistent data: a merge pointer or link to an unknown customer,
    /// or a cycle of merge pointers.
    /// </remarks>
    public void Load(IEnumerable<IdentityCustomer> customers, IEnumerable<IdentityLink> links, IEnumerable<MergeRecord> activeMerges, long nextCustomerId)
    {
        ArgumentNullException.ThrowIfNull(customers);
        ArgumentNullException.ThrowIfNull(links);
        ArgumentNullException.ThrowIfNull(activeMerges);
        _index.Clear();
        _customers.Clear();
        _activeMerges.Clear();
        _epoch++;
        long maxId = 0;
        foreach (var c in customers)
        {
            _customers[c.CustomerId] = new Node(c.CustomerId, c.CreatedAtTicks) { MergedInto = c.MergedInto };
            maxId = Math.Max(maxId, c.CustomerId);
        }
        foreach (var node in _customers.Values)
        {
            CheckChain(node);
        }
        foreach (var link in links)
        {
            if (!_customers.ContainsKey(link.CustomerId))
            {
                throw new InvalidDataException($"Identifier {link.Identifier} points at unknown customer {link.CustomerId}.");
            }
            var holder = NodeOf(Canonical(link.CustomerId));
            if (_index.TryGetValue(link.Identifier, out var previous))
            {
                if (previous == holder.Id)
                {
                    continue;
                }
                NodeOf(previous).Identifiers.Remove(link.Identifier);
            }
            Link(link.Identifier, holder);
        }
        foreach (var m in activeMerges)
        {
            _activeMerges[m.MergeId] = m;
            _nextMergeId = Math.Max(_nextMergeId, m.MergeId + 1);
        }
        _nextCustomerId = Math.Max(nextCustomerId, maxId + 1);
    }

    /// <summary>Rebuild from a <see cref="Snapshot"/>.</summary>
    public void Load(IdentitySnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        Load(snapshot.Customers, snapshot.Links, snapshot.ActiveMerges, snapshot.NextCustomerId);
        _nextMergeId = Math.Max(_nextMergeId, snapshot.NextMergeId);
    }

    /// <summary>The whole state as data (customers with their direct merge pointers, links to canonical holders, active merges).</summary>
    public IdentitySnapshot Snapshot()
    {
        var customers = new List<IdentityCustomer>(_customers.Count);
        var links = new List<IdentityLink>(_index.Count);
        foreach (var node in _customers.Values)
        {
            customers.Add(new IdentityCustomer(node.Id, node.CreatedAtTicks, node.MergedInto));
            foreach (var id in node.Identifiers)
            {
                links.Add(new IdentityLink(id, node.Id));
            }
        }
        return new IdentitySnapshot(customers, links, [.. _activeMerges.Values], _nextCustomerId, _nextMergeId);
    }

    /// <summary>Resolve raw identifiers of one event to a customer, creating or merging as the rules allow.</summary>
    /// <remarks>
    /// An event without any usable identifier gets a new customer without identifiers (the event parser rejects
    /// such events before they get here).
    /// </remarks>
    public Resolution Resolve(IReadOnlyList<(IdentifierType Type, string RawValue)> identifiers, long atTicks)
    {
        ArgumentNullException.ThrowIfNull(identifiers);
        List<IgnoredIdentifier>? ignored = null;
        var candidates = _candidates;
        candidates.Clear();
        try
        {
            for (var i = 0; i < identifiers.Count; i++)
            {
                var (type, raw) = identifiers[i];
                if (!_normalizer.TryNormalize(type, raw, out var value, out var reason))
                {
                    (ignored ??= []).Add(new IgnoredIdentifier(type, raw, reason));
                    continue;
                }
                var id = new Identifier(type, _indexValue is null ? value : _indexValue(type, value));
                if (IndexOf(candidates, id) >= 0)
                {
                    continue;
                }
                var known = _index.TryGetValue(id, out var holder);
                // Insertion keeps priority order, and request order within a type.
                var at = candidates.Count;
                while (at > 0 && candidates[at - 1].Id.Type > type)
                {
                    at--;
                }
                candidates.Insert(at, new Candidate(id, raw, known, holder));
            }

            if (candidates.Count > 0 && AllKnownAndHeldBy(candidates, candidates[0].Holder))
            {
                // The common case: nothing changes.
                return new Resolution(candidates[0].Holder, false, [], [], [], (IReadOnlyList<IgnoredIdentifier>?)ignored ?? []);
            }

            DropUnattachable(candidates, ref ignored);
            Plan plan;
            while (!TryPlan(candidates, out plan, out var drop))
            {
                // Attaching would break a limit: drop the lowest-priority identifier involved and retry.
                var dropped = candidates[drop];
                (ignored ??= []).Add(new IgnoredIdentifier(dropped.Id.Type, dropped.Raw,
                    dropped.Known ? IgnoredReason.BelongsToOtherCustomer : IgnoredReason.LimitExceeded));
                candidates.RemoveAt(drop);
            }
            return Apply(candidates, plan, atTicks, ignored);
        }
        finally
        {
            candidates.Clear();
        }
    }

    private readonly record struct Candidate(Identifier Id, string Raw, bool Known, long Holder);

    private readonly record struct Plan(bool NewCustomer, long Survivor, List<long>? Merged, List<MergeConflict>? Conflicts, long Target);

    private static int IndexOf(List<Candidate> candidates, Identifier id)
    {
        for (var i = 0; i < candidates.Count; i++)
        {
            if (candidates[i].Id == id)
            {
                return i;
            }
        }
        return -1;
    }

    private static bool AllKnownAndHeldBy(List<Candidate> candidates, long holder)
    {
        foreach (var c in candidates)
        {
            if (!c.Known || c.Holder != holder)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Unknown identifiers of a type beyond its limit fit no customer at all: the later ones are dropped.</summary>
    private void DropUnattachable(List<Candidate> candidates, ref List<IgnoredIdentifier>? ignored)
    {
        Span<int> counts = stackalloc int[TypeCount];
        for (var i = 0; i < candidates.Count; i++)
        {
            var c = candidates[i];
            if (!c.Known && ++counts[(int)c.Id.Type] > _limits[(int)c.Id.Type])
            {
                (ignored ??= []).Add(new IgnoredIdentifier(c.Id.Type, c.Raw, IgnoredReason.LimitExceeded));
                candidates.RemoveAt(i--);
            }
        }
    }

    /// <summary>
    /// Decides merges and the target customer without changing anything. False when the unknown identifiers do not fit
    /// the target; <paramref name="drop"/> is then the lowest-priority identifier involved (an offending unknown one, or a
    /// known one that ties the event to the target), unknown before known within one type.
    /// </summary>
    private bool TryPlan(List<Candidate> candidates, out Plan plan, out int drop)
    {
        drop = -1;
        var holders = _holders;
        holders.Clear();
        foreach (var c in candidates)
        {
            if (c.Known && !holders.Contains(c.Holder))
            {
                holders.Add(c.Holder);
            }
        }
        if (holders.Count == 0)
        {
            plan = new Plan(true, 0, null, null, 0);
            return true;
        }

        // Candidates are in priority order, so the first holder is the holder of the highest-priority known identifier.
        var first = holders[0];
        Span<int> counts = stackalloc int[TypeCount];
        List<long>? merged = null;
        List<MergeConflict>? conflicts = null;
        var survivor = first;
        if (holders.Count == 1)
        {
            Count(NodeOf(survivor), counts);
        }
        else
        {
            holders.Sort(_compareAge);
            survivor = holders[0];
            var survivorNode = NodeOf(survivor);
            Count(survivorNode, counts);
            var strong = IsStrong(survivorNode);
            Span<int> other = stackalloc int[TypeCount];
            for (var i = 1; i < holders.Count; i++)
            {
                var node = NodeOf(holders[i]);
                var otherStrong = IsStrong(node);
                if (strong && otherStrong)
                {
                    (conflicts ??= []).Add(new MergeConflict(survivor, node.Id, ConflictReason.BothStronglyIdentified, SharedIdentifier(candidates, node.Id)));
                    continue;
                }
                other.Clear();
                Count(node, other);
                if (!Fits(counts, other))
                {
                    (conflicts ??= []).Add(new MergeConflict(survivor, node.Id, ConflictReason.IdentifierLimitExceeded, SharedIdentifier(candidates, node.Id)));
                    continue;
                }
                for (var t = 0; t < counts.Length; t++)
                {
                    counts[t] += other[t];
                }
                strong |= otherStrong;
                (merged ??= []).Add(node.Id);
            }
        }

        // The event belongs to the canonical holder of its highest-priority known identifier after the merges.
        var target = first == survivor || (merged is not null && merged.Contains(first)) ? survivor : first;
        if (target != survivor)
        {
            counts.Clear();
            Count(NodeOf(target), counts);
        }

        Span<bool> involved = candidates.Count <= 64 ? stackalloc bool[candidates.Count] : new bool[candidates.Count];
        var violated = false;
        for (var i = 0; i < candidates.Count; i++)
        {
            var c = candidates[i];
            if (!c.Known)
            {
                if (++counts[(int)c.Id.Type] > _limits[(int)c.Id.Type])
                {
                    involved[i] = violated = true;
                }
            }
            else if (c.Holder == target || (target == survivor && merged is not null && merged.Contains(c.Holder)))
            {
                involved[i] = true;
            }
        }
        if (violated)
        {
            plan = default;
            drop = LowestPriorityInvolved(candidates, involved);
            return false;
        }
        plan = new Plan(false, survivor, merged, conflicts, target);
        return true;
    }

    private static int LowestPriorityInvolved(List<Candidate> candidates, ReadOnlySpan<bool> involved)
    {
        var worst = -1;
        for (var i = 0; i < candidates.Count; i++)
        {
            if (involved[i])
            {
                worst = Math.Max(worst, (int)candidates[i].Id.Type);
            }
        }
        var lastKnown = -1;
        for (var i = candidates.Count - 1; i >= 0; i--)
        {
            if (involved[i] && (int)candidates[i].Id.Type == worst)
            {
                if (!candidates[i].Known)
                {
                    return i;
                }
                if (lastKnown < 0)
                {
                    lastKnown = i;
                }
            }
        }
        return lastKnown;
    }

    private bool Fits(ReadOnlySpan<int> counts, ReadOnlySpan<int> other)
    {
        for (var t = 0; t < counts.Length; t++)
        {
            if (other[t] > 0 && (long)counts[t] + other[t] > _limits[t])
            {
                return false;
            }
        }
        return true;
    }

    private static Identifier? SharedIdentifier(List<Candidate> candidates, long holder)
    {
        foreach (var c in candidates)
        {
            if (c.Known && c.Holder == holder)
            {
                return c.Id;
            }
        }
        return null;
    }

    private Resolution Apply(List<Candidate> candidates, Plan plan, long atTicks, List<IgnoredIdentifier>? ignored)
    {
        var ignoredList = (IReadOnlyList<IgnoredIdentifier>?)ignored ?? [];
        if (plan.NewCustomer)
        {
            var node = new Node(_nextCustomerId++, atTicks);
            _customers.Add(node.Id, node);
            var created = new Identifier[candidates.Count];
            for (var i = 0; i < candidates.Count; i++)
            {
                created[i] = candidates[i].Id;
                Link(created[i], node);
            }
            return new Resolution(node.Id, true, created, [], [], ignoredList);
        }

        IReadOnlyList<MergeRecord> merges = [];
        if (plan.Merged is { } toMerge)
        {
            var records = new MergeRecord[toMerge.Count];
            var survivor = NodeOf(plan.Survivor);
            for (var i = 0; i < toMerge.Count; i++)
            {
                records[i] = Merge(survivor, NodeOf(toMerge[i]), manual: false, EventMergeReason, atTicks);
            }
            merges = records;
        }
        var target = NodeOf(plan.Target);
        List<Identifier>? attached = null;
        foreach (var c in candidates)
        {
            if (!c.Known)
            {
                Link(c.Id, target);
                (attached ??= []).Add(c.Id);
            }
        }
        return new Resolution(target.Id, false, (IReadOnlyList<Identifier>?)attached ?? [], merges,
            (IReadOnlyList<MergeConflict>?)plan.Conflicts ?? [], ignoredList);
    }

    /// <summary>Audited manual merge: allowed even when both are strongly identified and limits would be exceeded.</summary>
    /// <remarks>The older customer (creation time, then lower id) survives. Throws <see cref="ArgumentException"/>
    /// for unknown customers and for two ids that already are one customer.</remarks>
    public MergeRecord MergeManually(long customerA, long customerB, string reason, long atTicks)
    {
        if (!_customers.ContainsKey(customerA))
        {
            throw new ArgumentException($"Unknown customer {customerA}.", nameof(customerA));
        }
        if (!_customers.ContainsKey(customerB))
        {
            throw new ArgumentException($"Unknown customer {customerB}.", nameof(customerB));
        }
        var a = NodeOf(Canonical(customerA));
        var b = NodeOf(Canonical(customerB));
        if (a == b)
        {
            throw new ArgumentException($"Customers {customerA} and {customerB} are already one customer ({a.Id}).", nameof(customerB));
        }
        var (survivor, merged) = CompareAge(a, b) <= 0 ? (a, b) : (b, a);
        return Merge(survivor, merged, manual: true, reason ?? "", atTicks);
    }

    private MergeRecord Merge(Node survivor, Node merged, bool manual, string reason, long atTicks)
    {
        var moved = merged.Identifiers.ToArray();
        foreach (var id in moved)
        {
            _index[id] = survivor.Id;
        }
        survivor.Identifiers.AddRange(moved);
        merged.Identifiers.Clear();
        merged.MergedInto = survivor.Id;
        var record = new MergeRecord(_nextMergeId++, survivor.Id, merged.Id, moved, manual, reason, atTicks);
        _activeMerges.Add(record.MergeId, record);
        return record;
    }

    /// <summary>Reverse an earlier merge: the merged customer comes back with the identifiers it brought.</summary>
    /// <remarks>
    /// Only identifiers the survivor's canonical customer still holds go back; identifiers attached after the merge
    /// stay. Throws <see cref="InvalidOperationException"/> for an unknown or already undone merge.
    /// </remarks>
    public UnmergeResult Unmerge(long mergeId, long atTicks)
    {
        if (!_activeMerges.TryGetValue(mergeId, out var record))
        {
            throw new InvalidOperationException($"Merge {mergeId} is unknown or already undone.");
        }
        if (!_customers.TryGetValue(record.MergedId, out var restored) || !_customers.ContainsKey(record.SurvivorId))
        {
            throw new InvalidOperationException($"Merge {mergeId} refers to an unknown customer.");
        }
        _activeMerges.Remove(mergeId);
        var holder = NodeOf(Canonical(record.SurvivorId));
        restored.MergedInto = null;
        _epoch++;

        var returned = new List<Identifier>(record.MovedIdentifiers.Count);
        foreach (var id in record.MovedIdentifiers)
        {
            if (_index.TryGetValue(id, out var h) && h == holder.Id && !returned.Contains(id))
            {
                returned.Add(id);
            }
        }
        if (returned.Count > 0)
        {
            var set = new HashSet<Identifier>(returned);
            holder.Identifiers.RemoveAll(set.Contains);
            foreach (var id in returned)
            {
                Link(id, restored);
            }
        }
        return new UnmergeResult(restored.Id, holder.Id, returned);
    }

    /// <summary>
    /// Erasure (PIPL deletion): the customer keeps its id but loses every identifier, so a later event carrying one of
    /// them resolves to a new customer. Returns the removed identifiers and every id that is this person (the
    /// canonical one and those merged into it), which callers mark as erased. The person's merges can no longer be
    /// undone (the identifiers they moved are gone), so they leave the active list.
    /// </summary>
    public (IReadOnlyList<Identifier> Removed, IReadOnlyList<long> Members) Forget(long customerId)
    {
        if (!_customers.ContainsKey(customerId))
        {
            throw new ArgumentException($"Unknown customer {customerId}.", nameof(customerId));
        }
        var holder = NodeOf(Canonical(customerId));
        var removed = holder.Identifiers.ToArray();
        foreach (var id in removed)
        {
            _index.Remove(id);
        }
        holder.Identifiers.Clear();
        var members = _customers.Values.Where(n => Canonical(n.Id) == holder.Id).Select(n => n.Id).OrderBy(id => id).ToList();
        foreach (var merge in _activeMerges.Values.Where(m => members.Contains(m.SurvivorId) || members.Contains(m.MergedId)).ToList())
        {
            _activeMerges.Remove(merge.MergeId);
        }
        return (removed, members);
    }

    /// <summary>Canonical customer of an identifier, if known.</summary>
    /// <remarks>The identifier must be normalised (see <see cref="Normalizer"/> or <see cref="Find(IdentifierType, string)"/>).</remarks>
    public long? Find(Identifier identifier) => _index.TryGetValue(identifier, out var holder) ? holder : null;

    /// <summary>Canonical customer of a raw identifier value, if it is usable and known.</summary>
    public long? Find(IdentifierType type, string rawValue) =>
        _normalizer.TryNormalize(type, rawValue, out var value, out _) ? Find(new Identifier(type, _indexValue is null ? value : _indexValue(type, value))) : null;

    /// <summary>Follows merge pointers to the surviving customer (returns the id itself if never merged).</summary>
    public long Canonical(long customerId)
    {
        if (!_customers.TryGetValue(customerId, out var node))
        {
            return customerId;
        }
        if (node.MergedInto is null)
        {
            return customerId;
        }
        var current = node.CacheEpoch == _epoch && _customers.TryGetValue(node.CanonicalCache, out var cached) ? cached : node;
        for (var hops = 0; current.MergedInto is { } next && _customers.TryGetValue(next, out var parent); hops++)
        {
            if (hops > _customers.Count)
            {
                throw new InvalidOperationException($"Merge pointers of customer {customerId} form a cycle.");
            }
            current = parent;
        }
        node.CanonicalCache = current.Id;
        node.CacheEpoch = _epoch;
        return current.Id;
    }

    /// <summary>True for every customer ever created or loaded, merged ones included.</summary>
    public bool Exists(long customerId) => _customers.ContainsKey(customerId);

    /// <summary>Identifiers currently held by a (canonical) customer.</summary>
    /// <remarks>A merged customer's id answers for its canonical customer; an unknown id gives an empty list.</remarks>
    public IReadOnlyList<Identifier> IdentifiersOf(long customerId) =>
        _customers.TryGetValue(Canonical(customerId), out var node) ? node.Identifiers.ToArray() : [];

    /// <summary>Merges that can still be undone (a live view: copy it before mutating the graph while enumerating).</summary>
    public IReadOnlyCollection<MergeRecord> ActiveMerges => _activeMerges.Values;

    public long NextCustomerId => _nextCustomerId;

    /// <summary>The id the next merge record gets.</summary>
    public long NextMergeId => _nextMergeId;

    private void CheckChain(Node start)
    {
        var current = start;
        for (var hops = 0; current.MergedInto is { } next; hops++)
        {
            if (!_customers.TryGetValue(next, out var parent))
            {
                throw new InvalidDataException($"Customer {current.Id} is merged into unknown customer {next}.");
            }
            if (hops > _customers.Count)
            {
                throw new InvalidDataException($"Merge pointers of customer {start.Id} form a cycle.");
            }
            current = parent;
        }
    }

    private void Link(Identifier id, Node node)
    {
        _index[id] = node.Id;
        node.Identifiers.Add(id);
    }

    private Node NodeOf(long id) => _customers[id];

    private bool IsStrong(Node node)
    {
        foreach (var id in node.Identifiers)
        {
            if (_strong[(int)id.Type])
            {
                return true;
            }
        }
        return false;
    }

    private static void Count(Node node, Span<int> counts)
    {
        foreach (var id in node.Identifiers)
        {
            counts[(int)id.Type]++;
        }
    }

    /// <summary>Older first; equal creation times fall back to the lower id, so the choice is deterministic.</summary>
    private static int CompareAge(Node a, Node b) => a.CreatedAtTicks != b.CreatedAtTicks ? a.CreatedAtTicks.CompareTo(b.CreatedAtTicks) : a.Id.CompareTo(b.Id);
}
