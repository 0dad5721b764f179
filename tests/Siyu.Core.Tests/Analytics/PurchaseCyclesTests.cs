using Siyu.Core.Analytics;
using Xunit;

namespace Siyu.Core.Tests.Analytics;

public sealed class PurchaseCyclesTests
{
    private static long D(int day, int hour = 10) => new DateTime(2026, 1, 1, hour, 0, 0, DateTimeKind.Utc).AddDays(day - 1).Ticks;

    [Fact]
    public void Intervals_per_customer_and_category_by_hand()
    {
        var cycles = PurchaseCycles.Compute(
        [
            (1, D(1), "奶粉"), (1, D(31), "奶粉"), (1, D(61), "奶粉"),   // 30, 30
            (2, D(5), "奶粉"), (2, D(5, 15), "奶粉"), (2, D(50), "奶粉"), // same-day split order, then 45 days after the first
            (3, D(10), "奶粉"),                                           // bought once: no interval
            (1, D(2), "尿裤"), (1, D(12), "尿裤"),                        // 10
            (4, D(3), ""),                                                 // no category
        ]);
        var milk = cycles.Single(c => c.Category == "奶粉");
        Assert.Equal(2, milk.Customers);
        Assert.Equal(3, milk.Intervals);
        Assert.Equal(30, milk.MedianDays, 9);       // 30, 30, 45
        Assert.Equal(30, milk.P25Days, 9);
        Assert.Equal(37.5, milk.P75Days, 9);
        Assert.Equal(10, cycles.Single(c => c.Category == "尿裤").MedianDays, 9);
        Assert.Equal(2, cycles.Count);
    }

    [Fact]
    public void Quantiles_interpolate_like_spreadsheets()
    {
        double[] values = [1, 2, 3, 4];
        Assert.Equal(2.5, PurchaseCycles.Quantile(values, 0.5), 12);
        Assert.Equal(1.75, PurchaseCycles.Quantile(values, 0.25), 12); // QUARTILE.INC({1,2,3,4},1)
        Assert.Equal(3.25, PurchaseCycles.Quantile(values, 0.75), 12);
    }
}
