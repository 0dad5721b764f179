using Siyu.Core.Customers;
using Xunit;
using static Siyu.Core.Tests.Customers.Ids;

namespace Siyu.Core.Tests.Customers;

public sealed class IdentityGraphLoadTests
{
    private static (IdentityGraph Graph, long A, long B, long C, MergeRecord BIntoA) Populated()
    {
        var graph = new IdentityGraph(new IdentityOptions());
        var a = graph.Resolve(1, Ext("wm-a"), Phone("13800000001")).CustomerId;
        var b = graph.Resolve(2, Email("b@example.com"), Device("dev-b")).CustomerId;
        var c = graph.Resolve(3, Ext("wm-c"), Platform("taobao:c")).CustomerId;
        var bIntoA = Assert.Single(graph.Resolve(4, Phone("13800000001"), Email("b@example.com")).Merges);
        graph.Resolve(5, Ext("wm-c"), Phone("13800000001")); // conflict: both strong
        var undone = graph.MergeManually(a, c, "test", 6);
        graph.Unmerge(undone.MergeId, 7);
        return (graph, a, b, c, bIntoA);
    }

    /// <summary>Stores the state the way the server does: as plain rows, through the public API.</summary>
    private static IdentityGraph RoundTrip(IdentityGraph graph)
    {
        var snapshot = graph.Snapshot();
        var customers = snapshot.Customers.Select(c => new IdentityCustomer(c.CustomerId, c.CreatedAtTicks, c.MergedInto)).ToList();
        var links = snapshot.Links.Select(l => new IdentityLink(new Identifier(l.Identifier.Type, l.Identifier.Value), l.CustomerId)).ToList();
        var merges = graph.ActiveMerges.Select(m => m with { MovedIdentifiers = m.MovedIdentifiers.ToList() }).ToList();
        var loaded = new IdentityGraph(new IdentityOptions(), firstMergeId: graph.NextMergeId);
        loaded.Load(customers, links, merges, graph.NextCustomerId);
        return loaded;
    }

    [Fact]
    public void Loaded_graph_gives_the_same_answers()
    {
        var (graph, a, b, c, _) = Populated();
        var loaded = RoundTrip(graph);

        foreach (var link in graph.Snapshot().Links)
        {
            Assert.Equal(graph.Find(link.Identifier), loaded.Find(link.Identifier));
        }
        foreach (var id in new[] { a, b, c })
        {
            Assert.Equal(graph.Canonical(id), loaded.Canonical(id));
            Assert.Equal(Sorted(graph.IdentifiersOf(id)), Sorted(loaded.IdentifiersOf(id)));
            Assert.True(loaded.Exists(id));
        }
        Assert.Equal(graph.NextCustomerId, loaded.NextCustomerId);
        Assert.Equal(graph.NextMergeId, loaded.NextMergeId);
        Assert.Equal(
            graph.ActiveMerges.Select(m => (m.MergeId, m.SurvivorId, m.MergedId, string.Join(",", Sorted(m.MovedIdentifiers)))),
            loaded.ActiveMerges.Select(m => (m.MergeId, m.SurvivorId, m.MergedId, string.Join(",", Sorted(m.MovedIdentifiers)))));

        // Both continue identically.
        (IdentifierType, string)[][] events =
        [
            [Email("b@example.com"), Device("dev-new")],
            [Ext("wm-c"), Email("b@example.com")],
            [Phone("13900000009")],
            [Platform("taobao:c"), Device("dev-b")],
        ];
        var t = 10;
        foreach (var e in events)
        {
            var expected = graph.Resolve(e, t);
            var actual = loaded.Resolve(e, t++);
            Assert.Equal(expected.CustomerId, actual.CustomerId);
            Assert.Equal(expected.Created, actual.Created);
            Assert.Equal(expected.Attached, actual.Attached);
            Assert.Equal(expected.Conflicts, actual.Conflicts);
            Assert.Equal(expected.Ignored, actual.Ignored);
            Assert.Equal(expected.Merges.Select(m => (m.MergeId, m.SurvivorId, m.MergedId)), actual.Merges.Select(m => (m.MergeId, m.SurvivorId, m.MergedId)));
        }
    }

    [Fact]
    public void Active_merges_can_be_undone_after_a_load()
    {
        var (graph, a, b, _, bIntoA) = Populated();
        var loaded = RoundTrip(graph);

        var result = loaded.Unmerge(bIntoA.MergeId, 20);

        Assert.Equal(b, result.RestoredCustomerId);
        Assert.Equal(a, result.SurvivorId);
        Assert.Equal(Sorted([Id(Email("b@example.com")), Id(Device("dev-b"))]), Sorted(result.ReturnedIdentifiers));
        Assert.Equal(b, loaded.Find(Id(Device("dev-b"))));
    }

    [Fact]
    public void Merge_ids_continue_above_the_loaded_merges()
    {
        var loaded = new IdentityGraph(new IdentityOptions());
        loaded.Load(
            [new IdentityCustomer(1, 10, null), new IdentityCustomer(2, 20, 1), new IdentityCustomer(3, 30, null)],
            [new IdentityLink(Id(Phone("13800000001")), 1), new IdentityLink(Id(Email("b@example.com")), 1), new IdentityLink(Id(Device("dev-c")), 3)],
            [new MergeRecord(41, 1, 2, [Id(Email("b@example.com"))], false, "linked by event", 15)],
            nextCustomerId: 4);

        var r = loaded.Resolve(50, Device("dev-c"), Email("b@example.com"));

        Assert.Equal(1, r.CustomerId);
        Assert.Equal(42, Assert.Single(r.Merges).MergeId);
        Assert.Equal(4, loaded.Resolve(51, Phone("13900000000")).CustomerId);
        Assert.Equal(1, loaded.Canonical(2));
    }

    [Fact]
    public void Links_to_merged_customers_are_moved_to_the_canonical_customer()
    {
        var loaded = new IdentityGraph(new IdentityOptions());
        loaded.Load([new IdentityCustomer(1, 10, null), new IdentityCustomer(2, 20, 1)], [new IdentityLink(Id(Device("dev-b")), 2)], [], 3);

        Assert.Equal(1, loaded.Find(Id(Device("dev-b"))));
        Assert.Equal([Id(Device("dev-b"))], loaded.IdentifiersOf(1));
    }

    [Fact]
    public void Snapshot_round_trip_restores_everything()
    {
        var (graph, _, _, _, _) = Populated();
        var loaded = new IdentityGraph(new IdentityOptions());
        loaded.Load(graph.Snapshot());

        Assert.Equal(graph.NextMergeId, loaded.NextMergeId);
        Assert.Equal(graph.NextCustomerId, loaded.NextCustomerId);
        Assert.Equal(
            graph.Snapshot().Links.Select(l => $"{l.Identifier}->{l.CustomerId}").Order(),
            loaded.Snapshot().Links.Select(l => $"{l.Identifier}->{l.CustomerId}").Order());
    }

    [Fact]
    public void Inconsistent_data_is_refused_on_load()
    {
        var graph = new IdentityGraph(new IdentityOptions());
        Assert.Throws<InvalidDataException>(() => graph.Load([new IdentityCustomer(1, 10, 9)], [], [], 2));
        Assert.Throws<InvalidDataException>(() => graph.Load([new IdentityCustomer(1, 10, 2), new IdentityCustomer(2, 10, 1)], [], [], 3));
        Assert.Throws<InvalidDataException>(() => graph.Load([new IdentityCustomer(1, 10, null)], [new IdentityLink(Id(Device("d")), 5)], [], 2));
    }
}
