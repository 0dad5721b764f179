using System.Text.Json.Nodes;
using Siyu.Core.Events;

namespace Siyu.Core.Customers;

/// <summary>One order as a customer page shows it: what was paid, and how much of it was refunded.</summary>
public sealed record OrderLine(string OrderId, decimal Amount, string? Category, long PaidAtTicks, decimal Refunded, long? RefundedAtTicks)
{
    public decimal Net => Amount - Refunded;
}

/// <summary>Folds a customer's <c>order.paid</c> / <c>order.refunded</c> events into one line per order id.</summary>
public static class OrderHistory
{
    /// <summary>Lines newest first. A refund whose payment is not in the log still gets a line (amount 0) so no money goes unseen.</summary>
    public static List<OrderLine> Fold(IEnumerable<(string Type, long TimestampTicks, JsonObject? Properties)> events)
    {
        var lines = new Dictionary<string, OrderLine>(StringComparer.Ordinal);
        foreach (var (type, ticks, p) in events.OrderBy(e => e.TimestampTicks))
        {
            if (p is null || CustomerProfile.ReadString(p["order_id"]) is not { Length: > 0 } orderId)
            {
                continue;
            }
            var amount = CustomerProfile.ReadDecimal(p["amount"]);
            var line = lines.GetValueOrDefault(orderId) ?? new OrderLine(orderId, 0, null, 0, 0, null);
            line = type switch
            {
                EventTypes.OrderPaid => line with { Amount = amount, Category = CustomerProfile.ReadString(p["category"]) ?? line.Category, PaidAtTicks = ticks },
                EventTypes.OrderRefunded => line with { Refunded = line.Refunded + amount, RefundedAtTicks = ticks, PaidAtTicks = line.PaidAtTicks == 0 ? ticks : line.PaidAtTicks },
                _ => line,
            };
            lines[orderId] = line;
        }
        return [.. lines.Values.OrderByDescending(l => l.PaidAtTicks).ThenBy(l => l.OrderId, StringComparer.Ordinal)];
    }
}
