using System.Text.Json.Nodes;
using Siyu.Core.Compliance;
using Siyu.Core.Customers;
using Siyu.Core.Events;
using Xunit;

namespace Siyu.Core.Tests.Compliance;

public sealed class DataSubjectErasureTests
{
    private static readonly HashSet<string> Personal = new(StringComparer.Ordinal) { "13912345678", "wmABCDEF" };

    [Fact]
    public void Anonymised_properties_keep_amounts_and_categories_and_drop_text_names_and_identifiers()
    {
        var kept = Erasure.AnonymiseProperties(new JsonObject
        {
            ["amount"] = 120.5, ["category"] = "茶叶", ["order_id"] = "ORD-1", ["text"] = "我家住在文三路", ["nickname"] = "小敏",
            ["phone"] = 13912345678, ["staff_userid"] = "alice", ["state"] = "wmABCDEF-spring", ["url"] = "https://shop.example/p/1?phone=13912345678",
            ["items"] = new JsonArray(1, 2), ["paid"] = true,
        }, Personal)!;
        Assert.Equal(120.5, kept["amount"]!.GetValue<double>());
        Assert.Equal("茶叶", kept["category"]!.GetValue<string>());
        Assert.True(kept["paid"]!.GetValue<bool>());
        Assert.Equal("alice", kept["staff_userid"]!.GetValue<string>());
        Assert.Equal("https://shop.example/p/1", kept["url"]!.GetValue<string>());
        Assert.Equal(Erasure.Digest("ORD-1"), kept["order_id"]!.GetValue<string>());
        Assert.NotEqual("ORD-1", kept["order_id"]!.GetValue<string>());
        foreach (var gone in new[] { "text", "nickname", "phone", "items", "state" })
        {
            Assert.False(kept.ContainsKey(gone), gone);
        }
    }

    [Fact]
    public void A_number_equal_to_an_identifier_goes_whatever_its_name()
    {
        var kept = Erasure.AnonymiseProperties(new JsonObject { ["member_no"] = 13912345678, ["quantity"] = 2 }, Personal)!;
        Assert.False(kept.ContainsKey("member_no"));
        Assert.Equal(2, kept["quantity"]!.GetValue<int>());
    }

    [Fact]
    public void A_shared_location_goes_with_the_person_while_other_numbers_stay()
    {
        var kept = Erasure.AnonymiseProperties(new JsonObject { ["lat"] = 31.2304, ["lng"] = 121.4737, ["Accuracy"] = 30, ["distance_km"] = 2.5, ["source"] = "h5" }, Personal)!;
        Assert.Equal(["distance_km", "source"], kept.Select(p => p.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_workflow_allows_forward_moves_only_and_flags_overdue_until_finished()
    {
        Assert.Null(DsrWorkflow.CheckMove(DsrStatuses.Received, DsrStatuses.InProgress));
        Assert.Null(DsrWorkflow.CheckMove(DsrStatuses.Received, DsrStatuses.Completed));
        Assert.Null(DsrWorkflow.CheckMove(DsrStatuses.InProgress, DsrStatuses.Rejected));
        Assert.NotNull(DsrWorkflow.CheckMove(DsrStatuses.InProgress, DsrStatuses.InProgress));
        Assert.NotNull(DsrWorkflow.CheckMove(DsrStatuses.Completed, DsrStatuses.Rejected));
        Assert.NotNull(DsrWorkflow.CheckMove(DsrStatuses.Rejected, DsrStatuses.InProgress));
        var received = new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
        var due = DsrWorkflow.DueAtTicks(received, 15);
        Assert.Equal(new DateTime(2026, 12, 16, 0, 0, 0, DateTimeKind.Utc).Ticks, due);
        Assert.False(DsrWorkflow.IsOverdue(DsrStatuses.Received, due, due));
        Assert.True(DsrWorkflow.IsOverdue(DsrStatuses.InProgress, due, due + 1));
        Assert.False(DsrWorkflow.IsOverdue(DsrStatuses.Completed, due, due + 1));
    }

    [Fact]
    public void Forgetting_a_person_frees_their_identifiers_for_a_new_customer()
    {
        var graph = new IdentityGraph(new IdentityOptions());
        var first = graph.Resolve([(IdentifierType.Phone, "13912345678"), (IdentifierType.ExternalUserId, "wmABCDEF")], 1).CustomerId;
        var other = graph.Resolve([(IdentifierType.Email, "a@example.com")], 2).CustomerId;
        graph.MergeManually(first, other, "same person", 3);
        var (removed, members) = graph.Forget(other);
        Assert.Equal(3, removed.Count);
        Assert.Equal([first, other], members.Order());
        Assert.Empty(graph.IdentifiersOf(first));
        Assert.Empty(graph.ActiveMerges); // the merge can no longer be undone
        var again = graph.Resolve([(IdentifierType.Phone, "13912345678")], 4);
        Assert.True(again.Created);
        Assert.NotEqual(first, again.CustomerId);
    }

    [Fact]
    public void An_erased_profile_keeps_orders_revokes_consent_and_ignores_later_attributes()
    {
        var p = new CustomerProfile { CustomerId = 7 };
        p.Apply(new ProfileEvent(1, 7, EventTypes.CustomerAdded, 10, new JsonObject { ["staff_userid"] = "alice" }, new JsonObject { ["name"] = "王晓敏" }));
        p.Apply(new ProfileEvent(2, 7, EventTypes.ConsentGranted, 11, new JsonObject { ["channel"] = "sms", ["topic"] = "marketing" }, null));
        p.Apply(new ProfileEvent(3, 7, EventTypes.OrderPaid, 12, new JsonObject { ["amount"] = 80 }, null));
        p.Apply(new ProfileEvent(4, 7, EventTypes.MessageReceived, 13, new JsonObject { ["text"] = "我家住在文三路" }, null));
        p.Apply(new ProfileEvent(5, 7, EventTypes.CustomerAnonymised, 14, null, null));
        p.Apply(new ProfileEvent(6, 7, EventTypes.ProfileUpdated, 15, null, new JsonObject { ["name"] = "又回来了" }));
        Assert.True(p.Erased);
        Assert.Null(p.DisplayName);
        Assert.Empty(p.Attributes);
        Assert.Empty(p.Staff);
        Assert.Equal(1, p.Orders);
        Assert.Equal(80m, p.Spend);
        Assert.All(p.Consents.Values, c => Assert.False(c.Granted));
        Assert.False(p.Consents[CustomerProfile.ConsentKey(ConsentScopes.AllChannels, ConsentScopes.AllTopics)].Granted);
        Assert.All(p.Behaviour, b => Assert.Null(b.Text));
    }
}
