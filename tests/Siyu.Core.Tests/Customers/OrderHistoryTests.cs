using Xunit;
using System.Text.Json.Nodes;
using Siyu.Core.Customers;

namespace Siyu.Core.Tests.Customers;

public sealed class OrderHistoryTests
{
    private static (string, long, JsonObject?) Paid(string id, decimal amount, long ticks, string? category = null) =>
        ("order.paid", ticks, new JsonObject { ["order_id"] = id, ["amount"] = amount, ["category"] = category });

    private static (string, long, JsonObject?) Refund(string id, decimal amount, long ticks) =>
        ("order.refunded", ticks, new JsonObject { ["order_id"] = id, ["amount"] = amount });

    [Fact]
    public void Payments_and_partial_refunds_fold_into_one_line_per_order_newest_first()
    {
        // Refund events arrive before the payment in the input: folding is by time, not by arrival.
        var lines = OrderHistory.Fold([Refund("A", 30m, 300), Paid("B", 50m, 200, "美妆"), Paid("A", 100m, 100, "母婴"), Refund("A", 20m, 400)]);

        Assert.Equal(["B", "A"], lines.Select(l => l.OrderId));
        var a = lines[1];
        Assert.Equal(100m, a.Amount);
        Assert.Equal(50m, a.Refunded);
        Assert.Equal(50m, a.Net);
        Assert.Equal("母婴", a.Category);
        Assert.Equal(100, a.PaidAtTicks);
        Assert.Equal(400, a.RefundedAtTicks);
        Assert.Null(lines[0].RefundedAtTicks);
    }

    [Fact]
    public void A_refund_without_its_payment_still_shows_and_events_without_order_id_are_skipped()
    {
        var lines = OrderHistory.Fold([Refund("X", 15m, 500), ("order.paid", 600, new JsonObject { ["amount"] = 9 }), ("page.viewed", 700, null)]);

        var x = Assert.Single(lines);
        Assert.Equal(0m, x.Amount);
        Assert.Equal(15m, x.Refunded);
        Assert.Equal(-15m, x.Net);
        Assert.Equal(500, x.PaidAtTicks);
    }
}
