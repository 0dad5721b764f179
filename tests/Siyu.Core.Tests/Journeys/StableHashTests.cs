using Siyu.Core.Journeys;
using Xunit;

namespace Siyu.Core.Tests.Journeys;

public sealed class StableHashTests
{
    /// <summary>
    /// Values computed outside .NET (a few lines of Python doing FNV-1a over little-endian bytes and UTF-16 code units,
    /// then the MurmurHash3 finaliser). If this test fails, every running A/B test would reshuffle its customers.
    /// </summary>
    [Theory]
    [InlineData(100L, "ab", 1001L, 0xb4a41e353e93b624UL)]
    [InlineData(1L, "拆分", 42L, 0x2cd5d3841d25cbc3UL)]
    [InlineData(0L, "", 0L, 0x716e2a0dc793f89fUL)]
    [InlineData(-5L, "x", -1L, 0x55b53989c5e90a71UL)]
    public void Hash_is_fixed_across_processes_and_releases(long journey, string step, long customer, ulong expected) =>
        Assert.Equal(expected, StableHash.Of(journey, step, customer));

    [Fact]
    public void Neighbouring_customers_spread_over_all_high_and_low_bits()
    {
        // Sequential ids (how customers are numbered) must not cluster: each of the 64 bits is set about half the time.
        var ones = new int[64];
        const int n = 20_000;
        for (var c = 1L; c <= n; c++)
        {
            var h = StableHash.Of(7, "split", c);
            for (var b = 0; b < 64; b++)
            {
                ones[b] += (int)((h >> b) & 1);
            }
        }
        Assert.All(ones, count => Assert.InRange(count, n / 2 - 500, n / 2 + 500));
    }
}
