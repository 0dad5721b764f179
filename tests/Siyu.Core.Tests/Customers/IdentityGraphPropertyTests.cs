using FsCheck;
using FsCheck.Xunit;
using Siyu.Core.Customers;
using Xunit;

namespace Siyu.Core.Tests.Customers;

/// <summary>
/// Without strong types and with limits that are never reached, identity resolution is plain connected components:
/// checked against a union-find oracle over random event sequences.
/// </summary>
public sealed class IdentityGraphPropertyTests
{
    private static readonly IdentityOptions Unguarded = new()
    {
        StrongTypes = new HashSet<IdentifierType>(),
        LimitPerType = IdentifierTypes.All.ToDictionary(t => t, _ => 10_000),
    };

    /// <summary>Simple union-find; each component remembers its earliest customer (ids grow with time here).</summary>
    private sealed class Oracle
    {
        private readonly Dictionary<string, string> _parent = [];
        private readonly Dictionary<string, long> _customerOfRoot = [];
        private long _nextCustomer = 1;

        public bool Knows(string key) => _parent.ContainsKey(key);

        public string Root(string key)
        {
            while (_parent[key] != key)
            {
                key = _parent[key];
            }
            return key;
        }

        /// <summary>Applies one event's identifier keys; returns the customer the event belongs to and whether it was new.</summary>
        public (long Customer, bool Created) Apply(IReadOnlyList<string> keys)
        {
            var known = keys.Where(Knows).ToList();
            if (known.Count == 0)
            {
                var customer = _nextCustomer++;
                if (keys.Count == 0)
                {
                    return (customer, true);
                }
                foreach (var k in keys)
                {
                    _parent[k] = keys[0];
                }
                _customerOfRoot[keys[0]] = customer;
                return (customer, true);
            }
            var root = Root(known[0]);
            foreach (var k in known.Skip(1))
            {
                var other = Root(k);
                if (other != root)
                {
                    var min = Math.Min(_customerOfRoot[root], _customerOfRoot[other]);
                    _parent[other] = root;
                    _customerOfRoot.Remove(other);
                    _customerOfRoot[root] = min;
                }
            }
            foreach (var k in keys.Where(k => !Knows(k)))
            {
                _parent[k] = root;
            }
            return (_customerOfRoot[root], false);
        }

        public long CustomerOf(string key) => _customerOfRoot[Root(key)];

        public IEnumerable<string> Keys => _parent.Keys;

        public long NextCustomer => _nextCustomer;
    }

    /// <summary>An identifier of a small universe, spelled in one of several equivalent ways, or a placeholder.</summary>
    private static (IdentifierType Type, string Raw, string? Key) RandomIdentifier(Random random)
    {
        var n = random.Next(12);
        switch (random.Next(7))
        {
            case 0:
                var phone = $"1380013{n:D4}";
                var spelled = random.Next(4) switch
                {
                    0 => phone,
                    1 => $"+86 {phone[..3]}-{phone[3..7]}-{phone[7..]}",
                    2 => "0086" + phone,
                    _ => $" {phone[..3]} {phone[3..7]} {phone[7..]} ",
                };
                return (IdentifierType.Phone, spelled, "phone:" + phone);
            case 1:
                return (IdentifierType.Email, random.Next(2) == 0 ? $"user{n}@example.com" : $"User{n}@Example.COM", $"email:user{n}@example.com");
            case 2:
                return (IdentifierType.PlatformId, random.Next(2) == 0 ? $"taobao:b{n}" : $"TaoBao:b{n}", $"platform:taobao:b{n}");
            case 3:
                return (IdentifierType.DeviceId, $"dev-{n}", $"device:dev-{n}");
            case 4:
                return (IdentifierType.ExternalUserId, $"wm{n}", $"ext:wm{n}");
            case 5:
                return (IdentifierType.UnionId, $"un{n % 4}", $"union:un{n % 4}");
            default:
                var placeholder = random.Next(5) switch
                {
                    0 => (IdentifierType.Phone, "0"),
                    1 => (IdentifierType.Phone, "00000000000"),
                    2 => (IdentifierType.DeviceId, "anonymous"),
                    3 => (IdentifierType.Email, "NULL"),
                    _ => (IdentifierType.ExternalUserId, "-1"),
                };
                return (placeholder.Item1, placeholder.Item2, null);
        }
    }

    private static string Key(Identifier id) => id.Type switch
    {
        IdentifierType.Phone => "phone:",
        IdentifierType.Email => "email:",
        IdentifierType.PlatformId => "platform:",
        IdentifierType.DeviceId => "device:",
        IdentifierType.ExternalUserId => "ext:",
        IdentifierType.UnionId => "union:",
        _ => throw new ArgumentOutOfRangeException(nameof(id)),
    } + id.Value;

    private static void CheckAgainstOracle(int seed, int events)
    {
        var random = new Random(seed);
        var graph = new IdentityGraph(Unguarded);
        var oracle = new Oracle();
        for (var step = 0; step < events; step++)
        {
            var identifiers = new (IdentifierType, string)[1 + random.Next(4)];
            var keys = new List<string>();
            for (var i = 0; i < identifiers.Length; i++)
            {
                var (type, raw, key) = RandomIdentifier(random);
                identifiers[i] = (type, raw);
                if (key is not null && !keys.Contains(key))
                {
                    keys.Add(key);
                }
            }
            // Creation times grow with the step, occasionally staying equal (ties fall back to the lower id).
            var r = graph.Resolve(identifiers, step / 3);
            var expected = oracle.Apply(keys);

            Assert.True(expected.Customer == r.CustomerId, $"seed {seed}, step {step}: expected customer {expected.Customer}, got {r.CustomerId}");
            Assert.Equal(expected.Created, r.Created);
            Assert.Empty(r.Conflicts);
            Assert.All(r.Ignored, ig => Assert.Equal(IgnoredReason.Blocked, ig.Reason));
        }

        Assert.Equal(oracle.NextCustomer, graph.NextCustomerId);
        // Same partition: each identifier's canonical customer is the earliest customer of its component.
        foreach (var key in oracle.Keys)
        {
            var customer = oracle.CustomerOf(key);
            Assert.Equal(customer, graph.Canonical(customer));
            Assert.Contains(key, graph.IdentifiersOf(customer).Select(Key));
        }
        var snapshot = graph.Snapshot();
        Assert.Equal(oracle.Keys.Count(), snapshot.Links.Count);
        foreach (var link in snapshot.Links)
        {
            Assert.Equal(oracle.CustomerOf(Key(link.Identifier)), link.CustomerId);
        }
        foreach (var c in snapshot.Customers)
        {
            Assert.Equal(c.MergedInto is null, graph.Canonical(c.CustomerId) == c.CustomerId);
        }
    }

    [Property(MaxTest = 200)]
    public void Resolution_without_guards_equals_connected_components(int seed, PositiveInt length) =>
        CheckAgainstOracle(seed, 1 + length.Get % 120);

    [Fact]
    public void Long_random_sequence_equals_connected_components() => CheckAgainstOracle(20261125, 3000);

    [Property(MaxTest = 100)]
    public void Snapshot_and_load_give_a_graph_that_answers_the_same(int seed)
    {
        var random = new Random(seed);
        var graph = new IdentityGraph(new IdentityOptions());
        var t = 0L;
        (IdentifierType, string)[] NextEvent()
        {
            var e = new (IdentifierType, string)[1 + random.Next(3)];
            for (var i = 0; i < e.Length; i++)
            {
                var (type, raw, _) = RandomIdentifier(random);
                e[i] = (type, raw);
            }
            return e;
        }
        for (var i = 0; i < 60; i++)
        {
            graph.Resolve(NextEvent(), t++);
            if (random.Next(10) == 0 && graph.ActiveMerges.Count > 0)
            {
                graph.Unmerge(graph.ActiveMerges.ElementAt(random.Next(graph.ActiveMerges.Count)).MergeId, t++);
            }
        }

        var loaded = new IdentityGraph(new IdentityOptions());
        loaded.Load(graph.Snapshot());

        for (var i = 0; i < 30; i++)
        {
            var e = NextEvent();
            var expected = graph.Resolve(e, t);
            var actual = loaded.Resolve(e, t++);
            Assert.Equal(expected.CustomerId, actual.CustomerId);
            Assert.Equal(expected.Attached, actual.Attached);
            Assert.Equal(expected.Conflicts, actual.Conflicts);
            Assert.Equal(expected.Ignored, actual.Ignored);
            Assert.Equal(expected.Merges.Count, actual.Merges.Count);
        }
        if (graph.ActiveMerges.Count > 0)
        {
            var id = graph.ActiveMerges.First().MergeId;
            var expected = graph.Unmerge(id, t);
            var actual = loaded.Unmerge(id, t);
            Assert.Equal(expected.RestoredCustomerId, actual.RestoredCustomerId);
            Assert.Equal(expected.ReturnedIdentifiers, actual.ReturnedIdentifiers);
        }
    }
}
