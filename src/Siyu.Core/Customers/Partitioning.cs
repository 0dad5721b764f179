namespace Siyu.Core.Customers;

/// <summary>Stable customer → partition mapping (Fibonacci hashing; never depends on process or runtime hash seeds).</summary>
public static class Partitioning
{
    public static int Of(long customerId, int partitions)
    {
        var h = unchecked((ulong)customerId * 0x9E3779B97F4A7C15UL);
        return (int)((h >> 32) % (ulong)partitions);
    }
}
