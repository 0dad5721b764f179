namespace Siyu.Core.Journeys;

/// <summary>
/// A 64-bit hash that is the same in every process, runtime and release (unlike <c>string.GetHashCode</c>, which is
/// seeded per process): FNV-1a over the inputs' bytes and UTF-16 code units, then the MurmurHash3 finaliser so every
/// output bit depends on every input bit. A/B assignments depend on it: changing it reshuffles every running test.
/// </summary>
public static class StableHash
{
    private const ulong Offset = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    /// <summary>The split assignment hash of (journey, split step, customer).</summary>
    public static ulong Of(long journeyId, string stepId, long customerId)
    {
        var h = Offset;
        h = Add(h, (ulong)journeyId);
        h = Add(h, stepId);
        h = Add(h, (ulong)customerId);
        return Finalise(h);
    }

    /// <summary>The hash of two strings, e.g. (node, key) for rendezvous placement.</summary>
    public static ulong Of(string first, string second) => Finalise(Add(Add(Offset, first), second));

    private static ulong Add(ulong h, string text)
    {
        // The length keeps ("ab", 1) and ("a", …) apart whatever follows.
        h = Add(h, (ulong)text.Length);
        foreach (var c in text)
        {
            h = (h ^ (byte)c) * Prime;
            h = (h ^ (byte)(c >> 8)) * Prime;
        }
        return h;
    }

    private static ulong Add(ulong h, ulong value)
    {
        for (var i = 0; i < 8; i++)
        {
            h = (h ^ (byte)(value >> (8 * i))) * Prime;
        }
        return h;
    }

    private static ulong Finalise(ulong h)
    {
        h ^= h >> 33;
        h *= 0xFF51AFD7ED558CCDUL;
        h ^= h >> 33;
        h *= 0xC4CEB9FE1A85EC53UL;
        h ^= h >> 33;
        return h;
    }
}
