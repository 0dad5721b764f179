using Siyu.Core.Customers;
using Xunit;
using static Siyu.Core.Tests.Customers.Ids;

namespace Siyu.Core.Tests.Customers;

public sealed class IdentityResolutionTests
{
    private static IdentityGraph NewGraph(IdentityOptions? options = null) => new(options ?? new IdentityOptions());

    [Fact]
    public void Unknown_identifiers_create_a_new_customer_holding_them()
    {
        var graph = NewGraph();
        var r = graph.Resolve(100, Phone("13800138000"), Device("dev-1"));

        Assert.True(r.Created);
        Assert.Equal(1, r.CustomerId);
        Assert.Equal(2, graph.NextCustomerId);
        Assert.Equal([Id(Phone("13800138000")), Id(Device("dev-1"))], r.Attached);
        Assert.Empty(r.Merges);
        Assert.Empty(r.Conflicts);
        Assert.Empty(r.Ignored);
        Assert.Equal(1, graph.Find(Id(Phone("13800138000"))));
        Assert.Equal(Sorted([Id(Phone("13800138000")), Id(Device("dev-1"))]), Sorted(graph.IdentifiersOf(1)));
        Assert.True(graph.Exists(1));
        Assert.Equal(100, graph.Snapshot().Customers.Single().CreatedAtTicks);
    }

    [Fact]
    public void New_customers_get_consecutive_ids_after_the_loaded_next_id()
    {
        var graph = NewGraph();
        graph.Load([], [], [], nextCustomerId: 41);
        Assert.Equal(41, graph.Resolve(1, Phone("13800138000")).CustomerId);
        Assert.Equal(42, graph.Resolve(2, Phone("13900139000")).CustomerId);
        Assert.Equal(43, graph.NextCustomerId);
    }

    [Fact]
    public void Known_identifier_resolves_to_its_customer_without_changes()
    {
        var graph = NewGraph();
        var first = graph.Resolve(1, Phone("13800138000"));
        var again = graph.Resolve(2, Phone("138 0013 8000"));

        Assert.False(again.Created);
        Assert.Equal(first.CustomerId, again.CustomerId);
        Assert.Empty(again.Attached);
        Assert.Empty(again.Merges);
        Assert.Equal(2, graph.NextCustomerId);
    }

    [Fact]
    public void Unknown_identifiers_attach_to_the_customer_of_a_known_one()
    {
        var graph = NewGraph();
        var c = graph.Resolve(1, Device("dev-1")).CustomerId;
        var r = graph.Resolve(2, Device("dev-1"), Email("Li@Example.com"), Phone("+86 138 0013 8000"));

        Assert.False(r.Created);
        Assert.Equal(c, r.CustomerId);
        Assert.Equal([Id(Phone("13800138000")), Id(Email("li@example.com"))], r.Attached); // priority order
        Assert.Equal(c, graph.Find(Id(Email("li@example.com"))));
        Assert.Equal(3, graph.IdentifiersOf(c).Count);
    }

    [Fact]
    public void Phone_spellings_with_country_prefix_match_the_same_customer()
    {
        var graph = NewGraph();
        var c = graph.Resolve(1, Phone("+86 138-0013-8000")).CustomerId;

        Assert.Equal(c, graph.Resolve(2, Phone("13800138000")).CustomerId);
        Assert.Equal(c, graph.Resolve(3, Phone("0086 13800138000")).CustomerId);
        Assert.Equal(c, graph.Find(IdentifierType.Phone, "8613800138000"));
        Assert.Equal([Id(Phone("13800138000"))], graph.IdentifiersOf(c));
    }

    [Theory]
    [InlineData(IdentifierType.Phone, "0")]
    [InlineData(IdentifierType.Phone, "00000000000")]
    [InlineData(IdentifierType.ExternalUserId, "-1")]
    [InlineData(IdentifierType.UnionId, "null")]
    [InlineData(IdentifierType.DeviceId, "anonymous")]
    public void Blocked_values_never_link_two_customers(IdentifierType type, string placeholder)
    {
        var graph = NewGraph();
        var a = graph.Resolve(1, Email("a@example.com"), (type, placeholder));
        var b = graph.Resolve(2, Email("b@example.com"), (type, placeholder));

        Assert.NotEqual(a.CustomerId, b.CustomerId);
        Assert.True(b.Created);
        Assert.Empty(b.Merges);
        var ignored = Assert.Single(b.Ignored);
        Assert.Equal(new IgnoredIdentifier(type, placeholder, IgnoredReason.Blocked), ignored);
        Assert.Equal([Id(Email("b@example.com"))], graph.IdentifiersOf(b.CustomerId));
    }

    [Fact]
    public void Two_events_with_phone_zero_only_do_not_share_a_customer()
    {
        var graph = NewGraph();
        var a = graph.Resolve(1, Phone("0"));
        var b = graph.Resolve(2, Phone("0"));

        Assert.True(a.Created);
        Assert.True(b.Created);
        Assert.NotEqual(a.CustomerId, b.CustomerId);
        Assert.Empty(graph.IdentifiersOf(a.CustomerId));
        Assert.Null(graph.Find(IdentifierType.Phone, "0"));
    }

    [Fact]
    public void Invalid_values_are_reported_and_not_used()
    {
        var graph = NewGraph();
        var r = graph.Resolve(1, Email("not-an-email"), Phone("12"), Device("dev-1"));

        Assert.Equal([Id(Device("dev-1"))], r.Attached);
        Assert.Equal(
            [new IgnoredIdentifier(IdentifierType.Email, "not-an-email", IgnoredReason.Invalid), new IgnoredIdentifier(IdentifierType.Phone, "12", IgnoredReason.Invalid)],
            r.Ignored);
    }

    [Fact]
    public void Duplicate_spellings_in_one_event_count_once()
    {
        var graph = NewGraph();
        var r = graph.Resolve(1, Phone("13800138000"), Phone("+86 138 0013 8000"), Email("A@x.cn"), Email("a@x.cn"));

        Assert.Equal([Id(Phone("13800138000")), Id(Email("a@x.cn"))], r.Attached);
        Assert.Empty(r.Ignored);
    }

    [Fact]
    public void Sixth_phone_of_a_customer_is_ignored_as_limit_exceeded()
    {
        var graph = NewGraph();
        var c = graph.Resolve(1, Phone("13800000001"), Phone("13800000002"), Phone("13800000003")).CustomerId;
        graph.Resolve(2, Phone("13800000001"), Phone("13800000004"), Phone("13800000005"));

        var r = graph.Resolve(3, Phone("13800000001"), Phone("13800000006"));

        Assert.Equal(c, r.CustomerId);
        Assert.Empty(r.Attached);
        Assert.Equal([new IgnoredIdentifier(IdentifierType.Phone, "13800000006", IgnoredReason.LimitExceeded)], r.Ignored);
        Assert.Equal(5, graph.IdentifiersOf(c).Count);
        Assert.Null(graph.Find(IdentifierType.Phone, "13800000006"));
    }

    [Fact]
    public void New_customer_keeps_the_first_identifiers_of_a_type_within_its_limit()
    {
        var graph = NewGraph();
        var r = graph.Resolve(1, Phone("13800000001"), Phone("13800000002"), Phone("13800000003"), Phone("13800000004"),
            Phone("13800000005"), Phone("13800000006"), Ext("wm-1"), Ext("wm-2"));

        Assert.True(r.Created);
        Assert.Equal(6, r.Attached.Count);
        Assert.Equal(Id(Ext("wm-1")), r.Attached[0]);
        Assert.Equal(
            [new IgnoredIdentifier(IdentifierType.ExternalUserId, "wm-2", IgnoredReason.LimitExceeded), new IgnoredIdentifier(IdentifierType.Phone, "13800000006", IgnoredReason.LimitExceeded)],
            r.Ignored);
    }

    [Fact]
    public void Event_linking_two_customers_merges_them_into_the_oldest()
    {
        var graph = NewGraph();
        var older = graph.Resolve(10, Phone("13800138000"), Device("d-old")).CustomerId;
        var newer = graph.Resolve(20, Email("li@example.com"), Device("d-new")).CustomerId;

        var r = graph.Resolve(30, Email("li@example.com"), Phone("13800138000"));

        Assert.Equal(older, r.CustomerId);
        var merge = Assert.Single(r.Merges);
        Assert.Equal(older, merge.SurvivorId);
        Assert.Equal(newer, merge.MergedId);
        Assert.False(merge.Manual);
        Assert.Equal("linked by event", merge.Reason);
        Assert.Equal(30, merge.AtTicks);
        Assert.Equal(Sorted([Id(Email("li@example.com")), Id(Device("d-new"))]), Sorted(merge.MovedIdentifiers));
        Assert.Equal(older, graph.Canonical(newer));
        Assert.Equal(older, graph.Find(Id(Device("d-new"))));
        Assert.Equal(4, graph.IdentifiersOf(older).Count);
        Assert.Equal(4, graph.IdentifiersOf(newer).Count); // a merged id answers for its survivor
        Assert.Equal([merge], graph.ActiveMerges);
    }

    [Fact]
    public void Merge_keeps_the_oldest_profile_by_creation_time_not_by_id()
    {
        var graph = NewGraph();
        var late = graph.Resolve(500, Email("late@example.com")).CustomerId;     // id 1, created later (event time)
        var early = graph.Resolve(100, Email("early@example.com")).CustomerId;   // id 2, created earlier

        var r = graph.Resolve(600, Email("late@example.com"), Email("early@example.com"));

        Assert.Equal(early, r.CustomerId);
        Assert.Equal(early, Assert.Single(r.Merges).SurvivorId);
        Assert.Equal(late, r.Merges[0].MergedId);
    }

    [Fact]
    public void Creation_time_ties_keep_the_lowest_id()
    {
        var graph = NewGraph();
        var a = graph.Resolve(100, Email("a@example.com")).CustomerId;
        var b = graph.Resolve(100, Email("b@example.com")).CustomerId;

        var r = graph.Resolve(200, Email("b@example.com"), Email("a@example.com"));

        Assert.Equal(Math.Min(a, b), r.CustomerId);
        Assert.Equal(Math.Max(a, b), Assert.Single(r.Merges).MergedId);
    }

    [Fact]
    public void Event_linking_three_customers_merges_all_into_the_oldest_and_attaches_new_identifiers()
    {
        var graph = NewGraph();
        var a = graph.Resolve(1, Phone("13800000001")).CustomerId;
        var b = graph.Resolve(2, Email("b@example.com")).CustomerId;
        var c = graph.Resolve(3, Device("dev-c")).CustomerId;

        var r = graph.Resolve(4, Device("dev-c"), Email("b@example.com"), Phone("13800000001"), Platform("taobao:t1"));

        Assert.Equal(a, r.CustomerId);
        Assert.Equal([b, c], r.Merges.Select(m => m.MergedId));
        Assert.All(r.Merges, m => Assert.Equal(a, m.SurvivorId));
        Assert.True(r.Merges[1].MergeId > r.Merges[0].MergeId);
        Assert.Equal([Id(Platform("taobao:t1"))], r.Attached);
        Assert.Equal(4, graph.IdentifiersOf(a).Count);
    }

    [Fact]
    public void Two_strongly_identified_customers_linked_by_a_phone_are_not_merged_and_the_conflict_is_reported()
    {
        var graph = NewGraph();
        var a = graph.Resolve(1, Ext("wm-a"), Phone("13800000001")).CustomerId;
        var b = graph.Resolve(2, Ext("wm-b"), Email("b@example.com")).CustomerId;

        var r = graph.Resolve(3, Email("b@example.com"), Phone("13800000001"), Device("dev-new"));

        Assert.Empty(r.Merges);
        var conflict = Assert.Single(r.Conflicts);
        Assert.Equal(new MergeConflict(a, b, ConflictReason.BothStronglyIdentified, Id(Email("b@example.com"))), conflict);
        // The event goes to the holder of its highest-priority identifier (the phone), which gets the new device.
        Assert.Equal(a, r.CustomerId);
        Assert.Equal([Id(Device("dev-new"))], r.Attached);
        Assert.Empty(r.Ignored);
        Assert.Equal(b, graph.Find(Id(Email("b@example.com"))));
        Assert.Equal(b, graph.Canonical(b));
        Assert.Empty(graph.ActiveMerges);
    }

    [Fact]
    public void Weak_customer_merges_into_a_strong_one_and_then_the_survivor_counts_as_strong()
    {
        var graph = NewGraph();
        var strongOld = graph.Resolve(1, Union("u-1"), Phone("13800000001")).CustomerId;
        var weak = graph.Resolve(2, Email("w@example.com")).CustomerId;
        var strongNew = graph.Resolve(3, Ext("wm-3"), Device("dev-3")).CustomerId;

        var r = graph.Resolve(4, Phone("13800000001"), Email("w@example.com"), Device("dev-3"));

        Assert.Equal(strongOld, r.CustomerId);
        Assert.Equal(weak, Assert.Single(r.Merges).MergedId);
        Assert.Equal(new MergeConflict(strongOld, strongNew, ConflictReason.BothStronglyIdentified, Id(Device("dev-3"))), Assert.Single(r.Conflicts));
    }

    [Fact]
    public void Merge_that_would_exceed_a_limit_is_refused_as_a_conflict()
    {
        var graph = NewGraph(new IdentityOptions { LimitPerType = new Dictionary<IdentifierType, int> { [IdentifierType.Phone] = 2 } });
        var a = graph.Resolve(1, Phone("13800000001"), Phone("13800000002")).CustomerId;
        var b = graph.Resolve(2, Phone("13800000003"), Device("dev-b")).CustomerId;

        var r = graph.Resolve(3, Device("dev-b"), Phone("13800000001"));

        Assert.Empty(r.Merges);
        Assert.Equal(new MergeConflict(a, b, ConflictReason.IdentifierLimitExceeded, Id(Device("dev-b"))), Assert.Single(r.Conflicts));
        Assert.Equal(a, r.CustomerId);
        Assert.Equal(b, graph.Find(Id(Device("dev-b"))));
    }

    [Fact]
    public void New_external_userid_with_a_phone_of_another_strong_customer_makes_a_new_customer()
    {
        // Customer A holds external_userid X1 and phone P. An event {X2, P}: X2 cannot join A (limit 1 external_userid),
        // so the lower-priority phone is dropped and the event resolves to a new customer holding X2 only.
        var graph = NewGraph();
        var a = graph.Resolve(1, Ext("X1"), Phone("13800138000")).CustomerId;

        var r = graph.Resolve(2, Ext("X2"), Phone("13800138000"));

        Assert.True(r.Created);
        Assert.NotEqual(a, r.CustomerId);
        Assert.Equal([Id(Ext("X2"))], r.Attached);
        Assert.Equal([new IgnoredIdentifier(IdentifierType.Phone, "13800138000", IgnoredReason.BelongsToOtherCustomer)], r.Ignored);
        Assert.Equal(a, graph.Find(Id(Phone("13800138000"))));
        Assert.Equal(Sorted([Id(Ext("X1")), Id(Phone("13800138000"))]), Sorted(graph.IdentifiersOf(a)));
        Assert.Equal([Id(Ext("X2"))], graph.IdentifiersOf(r.CustomerId));

        // Later events with X2 go to the new customer.
        Assert.Equal(r.CustomerId, graph.Resolve(3, Ext("X2")).CustomerId);
    }

    [Fact]
    public void Drop_and_retry_keeps_unrelated_new_identifiers_of_the_event()
    {
        var graph = NewGraph();
        var a = graph.Resolve(1, Ext("X1"), Phone("13800138000")).CustomerId;

        var r = graph.Resolve(2, Ext("X2"), Phone("13800138000"), Device("dev-2"));

        Assert.True(r.Created);
        Assert.Equal([Id(Ext("X2")), Id(Device("dev-2"))], r.Attached);
        Assert.Equal([new IgnoredIdentifier(IdentifierType.Phone, "13800138000", IgnoredReason.BelongsToOtherCustomer)], r.Ignored);
        Assert.Equal(a, graph.Find(Id(Phone("13800138000"))));
    }

    [Fact]
    public void Second_external_userid_on_an_event_of_a_known_external_userid_is_ignored()
    {
        var graph = NewGraph();
        var a = graph.Resolve(1, Ext("X1")).CustomerId;

        var r = graph.Resolve(2, Ext("X1"), Ext("X2"), Phone("13800138000"));

        Assert.Equal(a, r.CustomerId);
        Assert.Equal([Id(Phone("13800138000"))], r.Attached);
        Assert.Equal([new IgnoredIdentifier(IdentifierType.ExternalUserId, "X2", IgnoredReason.LimitExceeded)], r.Ignored);
        Assert.Null(graph.Find(Id(Ext("X2"))));
    }

    [Fact]
    public void Lower_priority_link_is_dropped_when_a_higher_priority_new_identifier_does_not_fit()
    {
        var options = new IdentityOptions { LimitPerType = new Dictionary<IdentifierType, int> { [IdentifierType.Phone] = 1 } };
        var graph = NewGraph(options);
        var a = graph.Resolve(1, Phone("13800000001"), Device("dev-a")).CustomerId;

        var r = graph.Resolve(2, Device("dev-a"), Phone("13800000002"));

        Assert.True(r.Created);
        Assert.Equal([Id(Phone("13800000002"))], r.Attached);
        Assert.Equal([new IgnoredIdentifier(IdentifierType.DeviceId, "dev-a", IgnoredReason.BelongsToOtherCustomer)], r.Ignored);
        Assert.Equal(a, graph.Find(Id(Device("dev-a"))));
    }

    [Theory]
    [InlineData(new[] { 0, 1 })]
    [InlineData(new[] { 1, 0 })]
    public void Chain_of_links_ends_in_one_customer_whatever_the_order(int[] order)
    {
        var graph = NewGraph();
        var a = graph.Resolve(1, Phone("13800000001")).CustomerId;
        var b = graph.Resolve(2, Email("b@example.com")).CustomerId;
        var c = graph.Resolve(3, Device("dev-c")).CustomerId;
        (IdentifierType, string)[][] links =
        [
            [Phone("13800000001"), Email("b@example.com")], // A = B
            [Email("b@example.com"), Device("dev-c")],      // B = C
        ];

        foreach (var i in order)
        {
            var r = graph.Resolve(10 + i, links[i]);
            Assert.Single(r.Merges);
            Assert.Equal(r.CustomerId, graph.Canonical(r.CustomerId));
        }

        Assert.Equal(a, graph.Canonical(a));
        Assert.Equal(a, graph.Canonical(b));
        Assert.Equal(a, graph.Canonical(c));
        Assert.Equal(a, graph.Find(Id(Device("dev-c"))));
        Assert.Equal(3, graph.IdentifiersOf(c).Count);
        Assert.Equal(2, graph.ActiveMerges.Count);
    }

    [Fact]
    public void Chain_through_a_merged_survivor_follows_merge_pointers()
    {
        var graph = NewGraph();
        var c = graph.Resolve(1, Device("dev-c")).CustomerId;   // oldest
        var a = graph.Resolve(2, Phone("13800000001")).CustomerId;
        var b = graph.Resolve(3, Email("b@example.com")).CustomerId;

        graph.Resolve(4, Phone("13800000001"), Email("b@example.com")); // B into A
        var r = graph.Resolve(5, Email("b@example.com"), Device("dev-c")); // A (with B) into C

        Assert.Equal(c, r.CustomerId);
        Assert.Equal(a, Assert.Single(r.Merges).MergedId);
        Assert.Equal(c, graph.Canonical(b));
        Assert.Equal(c, graph.Canonical(a));
        Assert.Equal(c, graph.Resolve(6, Phone("13800000001")).CustomerId);
        var snapshot = graph.Snapshot();
        Assert.Equal(a, snapshot.Customers.Single(x => x.CustomerId == b).MergedInto); // pointers stay as written
    }

    [Fact]
    public void Event_goes_to_the_holder_of_its_highest_priority_identifier()
    {
        var graph = NewGraph();
        var a = graph.Resolve(1, Ext("wm-a"), Device("dev-a")).CustomerId;
        var b = graph.Resolve(2, Union("u-b"), Email("b@example.com")).CustomerId;

        Assert.Equal(b, graph.Resolve(3, Device("dev-a"), Union("u-b")).CustomerId);
        Assert.Equal(a, graph.Resolve(4, Email("b@example.com"), Ext("wm-a")).CustomerId);
        Assert.Equal(b, graph.Resolve(5, Email("b@example.com"), Device("dev-a")).CustomerId);
        Assert.Empty(graph.ActiveMerges);
    }
}
