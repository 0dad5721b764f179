using Siyu.Core.Customers;
using Xunit;
using static Siyu.Core.Tests.Customers.Ids;

namespace Siyu.Core.Tests.Customers;

public sealed class MergeAndUnmergeTests
{
    [Fact]
    public void Manual_merge_joins_two_strongly_identified_customers_into_the_older()
    {
        var graph = new IdentityGraph(new IdentityOptions(), firstMergeId: 7);
        var a = graph.Resolve(1, Ext("wm-a"), Phone("13800000001")).CustomerId;
        var b = graph.Resolve(2, Ext("wm-b"), Email("b@example.com")).CustomerId;

        var merge = graph.MergeManually(b, a, "same person, checked by staff", 50);

        Assert.Equal(7, merge.MergeId);
        Assert.Equal(8, graph.NextMergeId);
        Assert.Equal(a, merge.SurvivorId);
        Assert.Equal(b, merge.MergedId);
        Assert.True(merge.Manual);
        Assert.Equal("same person, checked by staff", merge.Reason);
        Assert.Equal(50, merge.AtTicks);
        Assert.Equal(Sorted([Id(Ext("wm-b")), Id(Email("b@example.com"))]), Sorted(merge.MovedIdentifiers));
        Assert.Equal(a, graph.Canonical(b));
        Assert.Equal(a, graph.Find(Id(Ext("wm-b"))));
        Assert.Equal(4, graph.IdentifiersOf(a).Count); // two external_userids: manual merges ignore limits
    }

    [Fact]
    public void Manual_merge_canonicalises_both_ids()
    {
        var graph = new IdentityGraph(new IdentityOptions());
        var a = graph.Resolve(1, Phone("13800000001")).CustomerId;
        var b = graph.Resolve(2, Email("b@example.com")).CustomerId;
        var c = graph.Resolve(3, Device("dev-c")).CustomerId;
        graph.Resolve(4, Phone("13800000001"), Email("b@example.com")); // B into A

        var merge = graph.MergeManually(c, b, "support ticket 12", 5);

        Assert.Equal(a, merge.SurvivorId);
        Assert.Equal(c, merge.MergedId);
    }

    [Fact]
    public void Manual_merge_refuses_unknown_customers_and_customers_that_already_are_one()
    {
        var graph = new IdentityGraph(new IdentityOptions());
        var a = graph.Resolve(1, Phone("13800000001")).CustomerId;
        var b = graph.Resolve(2, Email("b@example.com")).CustomerId;

        Assert.Throws<ArgumentException>(() => graph.MergeManually(a, 999, "x", 3));
        Assert.Throws<ArgumentException>(() => graph.MergeManually(999, a, "x", 3));
        Assert.Throws<ArgumentException>(() => graph.MergeManually(a, a, "x", 3));
        graph.MergeManually(a, b, "x", 3);
        Assert.Throws<ArgumentException>(() => graph.MergeManually(b, a, "x", 4));
        Assert.Single(graph.ActiveMerges);
    }

    [Fact]
    public void Unmerge_restores_the_merged_customer_with_its_identifiers_and_later_attached_identifiers_stay()
    {
        var graph = new IdentityGraph(new IdentityOptions());
        var a = graph.Resolve(1, Phone("13800000001")).CustomerId;
        var b = graph.Resolve(2, Email("b@example.com"), Device("dev-b")).CustomerId;
        var merge = Assert.Single(graph.Resolve(3, Phone("13800000001"), Email("b@example.com")).Merges);
        graph.Resolve(4, Email("b@example.com"), Platform("taobao:later")); // attached to the survivor after the merge

        var result = graph.Unmerge(merge.MergeId, 5);

        Assert.Equal(b, result.RestoredCustomerId);
        Assert.Equal(a, result.SurvivorId);
        Assert.Equal(Sorted([Id(Email("b@example.com")), Id(Device("dev-b"))]), Sorted(result.ReturnedIdentifiers));
        Assert.Equal(b, graph.Canonical(b));
        Assert.Equal(b, graph.Find(Id(Email("b@example.com"))));
        Assert.Equal(b, graph.Find(Id(Device("dev-b"))));
        Assert.Equal(a, graph.Find(Id(Platform("taobao:later"))));
        Assert.Equal(Sorted([Id(Phone("13800000001")), Id(Platform("taobao:later"))]), Sorted(graph.IdentifiersOf(a)));
        Assert.Empty(graph.ActiveMerges);
        Assert.Null(graph.Snapshot().Customers.Single(c => c.CustomerId == b).MergedInto);
    }

    [Fact]
    public void Unmerge_refuses_unknown_and_already_undone_merges()
    {
        var graph = new IdentityGraph(new IdentityOptions());
        var a = graph.Resolve(1, Phone("13800000001")).CustomerId;
        var b = graph.Resolve(2, Email("b@example.com")).CustomerId;
        var merge = graph.MergeManually(a, b, "x", 3);

        Assert.Throws<InvalidOperationException>(() => graph.Unmerge(merge.MergeId + 1, 4));
        graph.Unmerge(merge.MergeId, 4);
        Assert.Throws<InvalidOperationException>(() => graph.Unmerge(merge.MergeId, 5));
    }

    [Fact]
    public void Unmerge_after_the_survivor_was_merged_again_takes_identifiers_from_the_current_holder()
    {
        var graph = new IdentityGraph(new IdentityOptions());
        var c = graph.Resolve(1, Device("dev-c")).CustomerId;
        var a = graph.Resolve(2, Phone("13800000001")).CustomerId;
        var b = graph.Resolve(3, Email("b@example.com")).CustomerId;
        var bIntoA = Assert.Single(graph.Resolve(4, Phone("13800000001"), Email("b@example.com")).Merges);
        var aIntoC = Assert.Single(graph.Resolve(5, Phone("13800000001"), Device("dev-c")).Merges);
        Assert.Equal(c, aIntoC.SurvivorId);

        var result = graph.Unmerge(bIntoA.MergeId, 6);

        Assert.Equal(b, result.RestoredCustomerId);
        Assert.Equal(c, result.SurvivorId);
        Assert.Equal([Id(Email("b@example.com"))], result.ReturnedIdentifiers);
        Assert.Equal(b, graph.Find(Id(Email("b@example.com"))));
        Assert.Equal(b, graph.Canonical(b));
        Assert.Equal(c, graph.Canonical(a));
        Assert.Equal(Sorted([Id(Device("dev-c")), Id(Phone("13800000001"))]), Sorted(graph.IdentifiersOf(c)));

        // Undoing the outer merge now gives A back its phone only; B's email is no longer held by C.
        var outer = graph.Unmerge(aIntoC.MergeId, 7);
        Assert.Equal([Id(Phone("13800000001"))], outer.ReturnedIdentifiers);
        Assert.Equal(a, graph.Canonical(a));
        Assert.Equal(a, graph.Find(Id(Phone("13800000001"))));
        Assert.Equal(b, graph.Find(Id(Email("b@example.com"))));
        Assert.Equal([Id(Device("dev-c"))], graph.IdentifiersOf(c));
    }

    [Fact]
    public void Undoing_the_outer_merge_of_a_chain_first_keeps_the_inner_merge()
    {
        var graph = new IdentityGraph(new IdentityOptions());
        var c = graph.Resolve(1, Device("dev-c")).CustomerId;
        var a = graph.Resolve(2, Phone("13800000001")).CustomerId;
        var b = graph.Resolve(3, Email("b@example.com")).CustomerId;
        var bIntoA = Assert.Single(graph.Resolve(4, Phone("13800000001"), Email("b@example.com")).Merges);
        var aIntoC = Assert.Single(graph.Resolve(5, Phone("13800000001"), Device("dev-c")).Merges);
        Assert.Equal(c, graph.Canonical(b)); // cached through the chain

        var outer = graph.Unmerge(aIntoC.MergeId, 6);

        Assert.Equal(Sorted([Id(Phone("13800000001")), Id(Email("b@example.com"))]), Sorted(outer.ReturnedIdentifiers));
        Assert.Equal(a, graph.Canonical(b)); // the cached answer was invalidated
        Assert.Equal(a, graph.Find(Id(Email("b@example.com"))));
        Assert.Equal([bIntoA], graph.ActiveMerges);
    }

    [Fact]
    public void Merged_customer_can_be_merged_again_after_an_unmerge()
    {
        var graph = new IdentityGraph(new IdentityOptions());
        var a = graph.Resolve(1, Phone("13800000001")).CustomerId;
        var b = graph.Resolve(2, Email("b@example.com")).CustomerId;
        var first = graph.MergeManually(a, b, "x", 3);
        graph.Unmerge(first.MergeId, 4);

        var again = Assert.Single(graph.Resolve(5, Email("b@example.com"), Phone("13800000001")).Merges);

        Assert.NotEqual(first.MergeId, again.MergeId);
        Assert.Equal(a, graph.Canonical(b));
    }
}
