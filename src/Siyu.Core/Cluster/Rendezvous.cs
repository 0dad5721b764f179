namespace Siyu.Core.Cluster;

/// <summary>
/// Rendezvous (highest-random-weight) hashing: each key goes to the node with the highest hash of (node, key). Every
/// node computes the same owner from the same member list, keys spread evenly, and when a node joins or leaves only the
/// keys it gains or held move (about 1/N of them), which is what partition placement in a cluster wants.
/// </summary>
public static class Rendezvous
{
    /// <summary>The owner of <paramref name="key"/> among <paramref name="nodes"/> (order does not matter); null when there are none.</summary>
    public static string? Owner(string key, IEnumerable<string> nodes)
    {
        string? best = null;
        ulong bestWeight = 0;
        foreach (var node in nodes)
        {
            var weight = Weight(node, key);
            // Ties (practically never) go to the ordinal-smaller name so the answer does not depend on the list's order.
            if (best is null || weight > bestWeight || (weight == bestWeight && string.CompareOrdinal(node, best) < 0))
            {
                (best, bestWeight) = (node, weight);
            }
        }
        return best;
    }

    internal static ulong Weight(string node, string key) => Journeys.StableHash.Of(node, key);
}
