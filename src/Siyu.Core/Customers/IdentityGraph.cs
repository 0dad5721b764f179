namespace Siyu.Core.Customers;

/// <summary>
/// In-memory identity index of one tenant: maps every identifier to one canonical customer and
/// decides creations and merges. Not thread-safe: the ingest writer owns it and serialises calls.
/// Every mutation is returned as data so the caller can persist it in the same transaction as the events.
/// </summary>
public sealed class IdentityGraph
{
    private readonly IdentityOptions _options;
    private readonly IdentifierNormalizer _normalizer;
    private readonly Dictionary<Identifier, long> _index = [];
    private readonly Dictionary<long, Node> _customers = [];
    private readonly Dictionary<long, MergeRecord> _activeMerges = [];
    private long _nextMergeId;
    private long _nextCustomerId = 1;

    private sealed class Node(long id, long createdAtTicks)
    {
        public long Id { get; } = id;
        public long CreatedAtTicks { get; } = createdAtTicks;
        /// <summary>Direct merge target (never path-compressed, so a merge in the middle of a chain can be undone).</summary>
        public long? MergedInto { get; set; }
        public List<Identifier> Identifiers { get; } = [];
    }

    public IdentityGraph(IdentityOptions options, long firstMergeId = 1)
    {
        _options = options;
        _normalizer = new IdentifierNormalizer(options);
        _nextMergeId = firstMergeId;
    }

    public IdentifierNormalizer Normalizer => _normalizer;

    public void Load(IEnumerable<IdentityCustomer> customers, IEnumerable<IdentityLink> links, IEnumerable<MergeRecord> activeMerges, long nextCustomerId)
    {
        _index.Clear();
        _customers.Clear();
        _activeMerges.Clear();
        foreach (var c in customers)
        {
            _customers[c.CustomerId] = new Node(c.CustomerId, c.CreatedAtTicks) { MergedInto = c.MergedInto };
        }
        foreach (var link in links)
        {
            var holder = Canonical(link.CustomerId);
            _index[link.Identifier] = holder;
            NodeOf(holder).Identifiers.Add(link.Identifier);
        }
        foreach (var m in activeMerges)
        {
            _activeMerges[m.MergeId] = m;
            _nextMergeId = Math.Max(_nextMergeId, m.MergeId + 1);
        }
        _nextCustomerId = Math.Max(nextCustomerId, _customers.Count == 0 ? 1 : _customers.Keys.Max() + 1);
    }

    public Resolution Resolve(IReadOnlyList<(IdentifierType Type, string RawValue)> identifiers, long atTicks)
    {
        List<IgnoredIdentifier>? ignored = null;
        var candidates = new List<Candidate>(identifiers.Count);
        for (var i = 0; i < identifiers.Count; i++)
        {
            var (type, raw) = identifiers[i];
            if (!_normalizer.TryNormalize(type, raw, out var value, out var reason))
            {
                (ignored ??= []).Add(new IgnoredIdentifier(type, raw, reason));
                continue;
            }
            var id = new Identifier(type, value);
            if (!ContainsIdentifier(candidates, id))
            {
                candidates.Add(new Candidate(id, raw, i, _index.TryGetValue(id, out var holder) ? holder : null));
            }
        }
        // Priority order; ties keep the order of the request.
        candidates.Sort(static (a, b) => a.Id.Type != b.Id.Type ? a.Id.Type.CompareTo(b.Id.Type) : a.Order.CompareTo(b.Order));

        Plan plan;
        while (!TryPlan(candidates, out plan))
        {
            // Attaching would break a limit: drop the lowest-priority identifier (unknown before known within a type) and retry.
            var drop = candidates.Count - 1;
            for (var i = candidates.Count - 1; i >= 0 && candidates[i].Id.Type == candidates[^1].Id.Type; i--)
            {
                if (candidates[i].Holder is null)
                {
                    drop = i;
                    break;
                }
            }
            var dropped = candidates[drop];
            (ignored ??= []).Add(new IgnoredIdentifier(dropped.Id.Type, dropped.Raw, dropped.Holder is null ? IgnoredReason.LimitExceeded : IgnoredReason.BelongsToOtherCustomer));
            candidates.RemoveAt(drop);
        }
        return Apply(candidates, plan, atTicks, ignored);
    }

    private static bool ContainsIdentifier(List<Candidate> candidates, Identifier id)
    {
        foreach (var c in candidates)
        {
            if (c.Id == id)
            {
                return true;
            }
        }
        return false;
    }

    private readonly record struct Candidate(Identifier Id, string Raw, int Order, long? Holder);

    private sealed record Plan(long? Survivor, List<long> ToMerge, List<MergeConflict> Conflicts, long? Target);

    /// <summary>Decides merges and the target customer without changing anything; false when the unknown identifiers do not fit the target.</summary>
    private bool TryPlan(List<Candidate> candidates, out Plan plan)
    {
        long? firstHolder = null;
        List<long>? holders = null;
        foreach (var c in candidates)
        {
            if (c.Holder is not { } h)
            {
                continue;
            }
            if (firstHolder is null)
            {
                firstHolder = h;
            }
            else if (h != firstHolder && (holders is null || !holders.Contains(h)))
            {
                (holders ??= [firstHolder.Value]).Add(h);
            }
        }

        if (firstHolder is null)
        {
            // A new customer takes the identifiers; extras beyond a limit are dropped by Apply.
            plan = new Plan(null, [], [], null);
            return true;
        }

        var toMerge = new List<long>();
        var conflicts = new List<MergeConflict>();
        var survivor = firstHolder.Value;
        Span<int> counts = stackalloc int[IdentifierTypes.All.Count];
        if (holders is not null)
        {
            holders.Sort((a, b) => CompareAge(NodeOf(a), NodeOf(b)));
            survivor = holders[0];
            Count(NodeOf(survivor), counts);
            var strong = IsStrong(NodeOf(survivor));
            Span<int> other = stackalloc int[counts.Length];
            for (var i = 1; i < holders.Count; i++)
            {
                var node = NodeOf(holders[i]);
                var otherStrong = IsStrong(node);
                if (strong && otherStrong)
                {
                    conflicts.Add(new MergeConflict(survivor, node.Id, ConflictReason.BothStronglyIdentified, SharedLink(candidates, node.Id)));
                    continue;
                }
                other.Clear();
                Count(node, other);
                var fits = true;
                for (var t = 0; t < counts.Length; t++)
                {
                    if (counts[t] + other[t] > Limit((IdentifierType)t))
                    {
                        fits = false;
                        break;
                    }
                }
                if (!fits)
                {
                    conflicts.Add(new MergeConflict(survivor, node.Id, ConflictReason.IdentifierLimitExceeded, SharedLink(candidates, node.Id)));
                    continue;
                }
                for (var t = 0; t < counts.Length; t++)
                {
                    counts[t] += other[t];
                }
                strong |= otherStrong;
                toMerge.Add(node.Id);
            }
        }
        else
        {
            Count(NodeOf(survivor), counts);
        }

        // The event belongs to the holder of its highest-priority known identifier (its survivor if merged).
        var target = toMerge.Contains(firstHolder.Value) ? survivor : firstHolder.Value;
        if (target != survivor)
        {
            counts.Clear();
            Count(NodeOf(target), counts);
        }
        foreach (var c in candidates)
        {
            if (c.Holder is null && ++counts[(int)c.Id.Type] > Limit(c.Id.Type))
            {
                plan = null!;
                return false;
            }
        }
        plan = new Plan(survivor, toMerge, conflicts, target);
        return true;
    }

    private static Identifier? SharedLink(List<Candidate> candidates, long holder)
    {
        foreach (var c in candidates)
        {
            if (c.Holder == holder)
            {
                return c.Id;
            }
        }
        return null;
    }

    private Resolution Apply(List<Candidate> candidates, Plan plan, long atTicks, List<IgnoredIdentifier>? ignored)
    {
        var attached = new List<Identifier>();
        if (plan.Target is null)
        {
            var node = new Node(_nextCustomerId++, atTicks);
            _customers[node.Id] = node;
            Span<int> counts = stackalloc int[IdentifierTypes.All.Count];
            foreach (var c in candidates)
            {
                if (++counts[(int)c.Id.Type] > Limit(c.Id.Type))
                {
                    (ignored ??= []).Add(new IgnoredIdentifier(c.Id.Type, c.Raw, IgnoredReason.LimitExceeded));
                    continue;
                }
                Link(c.Id, node);
                attached.Add(c.Id);
            }
            return new Resolution(node.Id, true, attached, [], [], (IReadOnlyList<IgnoredIdentifier>?)ignored ?? []);
        }

        var merges = new List<MergeRecord>(plan.ToMerge.Count);
        foreach (var other in plan.ToMerge)
        {
            merges.Add(Merge(NodeOf(plan.Survivor!.Value), NodeOf(other), manual: false, "linked by event", atTicks));
        }
        var target = NodeOf(plan.Target.Value);
        foreach (var c in candidates)
        {
            if (c.Holder is null)
            {
                Link(c.Id, target);
                attached.Add(c.Id);
            }
        }
        return new Resolution(target.Id, false, attached, merges, plan.Conflicts, (IReadOnlyList<IgnoredIdentifier>?)ignored ?? []);
    }

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
        return Merge(survivor, merged, manual: true, reason, atTicks);
    }

    private MergeRecord Merge(Node survivor, Node merged, bool manual, string reason, long atTicks)
    {
        var moved = merged.Identifiers.ToList();
        foreach (var id in moved)
        {
            _index[id] = survivor.Id;
            survivor.Identifiers.Add(id);
        }
        merged.Identifiers.Clear();
        merged.MergedInto = survivor.Id;
        var record = new MergeRecord(_nextMergeId++, survivor.Id, merged.Id, moved, manual, reason, atTicks);
        _activeMerges[record.MergeId] = record;
        return record;
    }

    public UnmergeResult Unmerge(long mergeId, long atTicks)
    {
        if (!_activeMerges.Remove(mergeId, out var record))
        {
            throw new InvalidOperationException($"Merge {mergeId} is unknown or already undone.");
        }
        var restored = NodeOf(record.MergedId);
        var holder = NodeOf(Canonical(record.SurvivorId));
        restored.MergedInto = null;
        var returned = new List<Identifier>();
        foreach (var id in record.MovedIdentifiers)
        {
            if (_index.TryGetValue(id, out var h) && h == holder.Id)
            {
                holder.Identifiers.Remove(id);
                Link(id, restored);
                returned.Add(id);
            }
        }
        return new UnmergeResult(restored.Id, holder.Id, returned);
    }

    public long? Find(Identifier identifier) => _index.TryGetValue(identifier, out var holder) ? holder : null;

    public long Canonical(long customerId)
    {
        var id = customerId;
        for (var hops = 0; hops < 10_000 && _customers.TryGetValue(id, out var node) && node.MergedInto is { } next; hops++)
        {
            id = next;
        }
        return id;
    }

    public bool Exists(long customerId) => _customers.ContainsKey(customerId);

    public IReadOnlyList<Identifier> IdentifiersOf(long customerId) =>
        _customers.TryGetValue(Canonical(customerId), out var node) ? node.Identifiers.ToList() : [];

    public IReadOnlyCollection<MergeRecord> ActiveMerges => _activeMerges.Values;

    public long NextCustomerId => _nextCustomerId;

    private void Link(Identifier id, Node node)
    {
        _index[id] = node.Id;
        node.Identifiers.Add(id);
    }

    private Node NodeOf(long id) => _customers[id];

    private int Limit(IdentifierType type) => _options.LimitPerType.TryGetValue(type, out var limit) ? limit : int.MaxValue;

    private bool IsStrong(Node node)
    {
        foreach (var id in node.Identifiers)
        {
            if (_options.StrongTypes.Contains(id.Type))
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
