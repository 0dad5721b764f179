using Siyu.Core.Cluster;
using Xunit;

namespace Siyu.Core.Tests.Cluster;

public sealed class RendezvousTests
{
    private static readonly string[] Keys = [.. Enumerable.Range(0, 4000).Select(i => $"{i % 7}/{i}")];

    private static string[] Silos(int n, int generation = 155307000) =>
        [.. Enumerable.Range(0, n).Select(i => $"127.0.0.1:{11111 + i}@{generation + i}")];

    [Fact]
    public void The_owner_does_not_depend_on_the_order_of_the_nodes()
    {
        var silos = Silos(5);
        foreach (var key in Keys.Take(500))
        {
            Assert.Equal(Rendezvous.Owner(key, silos), Rendezvous.Owner(key, silos.Reverse()));
        }
    }

    [Fact]
    public void Keys_spread_evenly()
    {
        var silos = Silos(3);
        var counts = Keys.GroupBy(k => Rendezvous.Owner(k, silos)).ToDictionary(g => g.Key!, g => g.Count());
        Assert.Equal(3, counts.Count);
        // 4000 keys over 3 nodes: 1333 each expected; a fair hash stays within a few percent (binomial sd ≈ 30).
        Assert.All(counts.Values, c => Assert.InRange(c, 1200, 1470));
    }

    [Fact]
    public void A_leaving_node_moves_only_its_own_keys_and_a_joining_node_takes_only_keys_it_now_owns()
    {
        var four = Silos(4);
        var three = four[..3];
        foreach (var key in Keys)
        {
            var before = Rendezvous.Owner(key, four);
            var after = Rendezvous.Owner(key, three);
            // Oracle: with highest-random-weight, removing a node changes exactly the keys it owned.
            if (before != four[3])
            {
                Assert.Equal(before, after);
            }
            else
            {
                Assert.NotEqual(four[3], after);
            }
        }
        var moved = Keys.Count(k => Rendezvous.Owner(k, four) != Rendezvous.Owner(k, three));
        Assert.InRange(moved, 850, 1150); // about a quarter
    }

    [Fact]
    public void No_nodes_no_owner() => Assert.Null(Rendezvous.Owner("1/0", []));
}
