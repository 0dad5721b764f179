using System.Numerics;
using System.Runtime.InteropServices;

namespace Siyu.Core.Audiences.Engine;

/// <summary>
/// A plain dense bitset over a partition's customer ordinals. Ordinals are dense (0..n) inside a partition, so a
/// bitset beats a roaring bitmap here: one bit per customer, word-wise AND/OR/ANDNOT that vectorise, and no
/// container dispatch. Sparse per-day event postings stay plain int arrays (see <see cref="EventColumn"/>): a day's
/// postings touch well under 1% of a partition, the array-container regime of a roaring bitmap, and sorting or
/// de-duplicating them measured no faster than setting bits straight from the arrival-ordered arrays.
/// </summary>
public sealed class Bitset
{
    private ulong[] _words;

    public Bitset(int capacity) => _words = new ulong[WordsFor(capacity)];

    private Bitset(ulong[] words) => _words = words;

    /// <summary>A bitset over existing words, without copying (the evaluator's answers and scratch sets).</summary>
    internal static Bitset Wrap(ulong[] words) => new(words);

    /// <summary>The backing words; bits past them read as zero. Replaced when the bitset grows, so don't keep it across a <see cref="Set"/>.</summary>
    internal ulong[] Words => _words;

    /// <summary>Number of bits addressable without growing.</summary>
    public int Capacity => _words.Length * 64;

    public static int WordsFor(int bits) => (bits + 63) >> 6;

    public bool this[int bit]
    {
        get => (uint)(bit >> 6) < (uint)_words.Length && (_words[bit >> 6] & (1UL << bit)) != 0;
        set
        {
            if (value)
            {
                Set(bit);
            }
            else
            {
                Clear(bit);
            }
        }
    }

    public void Set(int bit)
    {
        EnsureCapacity(bit + 1);
        _words[bit >> 6] |= 1UL << bit;
    }

    public void Clear(int bit)
    {
        if ((uint)(bit >> 6) < (uint)_words.Length)
        {
            _words[bit >> 6] &= ~(1UL << bit);
        }
    }

    public void EnsureCapacity(int bits)
    {
        var needed = WordsFor(bits);
        if (needed > _words.Length)
        {
            Array.Resize(ref _words, Math.Max(needed, _words.Length * 2));
        }
    }

    public Bitset Clone() => new((ulong[])_words.Clone());

    /// <summary>A bitset with the first <paramref name="bits"/> bits set.</summary>
    public static Bitset Full(int bits)
    {
        var b = new Bitset(bits);
        Array.Fill(b._words, ulong.MaxValue);
        if ((bits & 63) != 0)
        {
            b._words[^1] = (1UL << (bits & 63)) - 1;
        }
        return b;
    }

    public int Count()
    {
        var count = 0;
        foreach (var w in _words)
        {
            count += BitOperations.PopCount(w);
        }
        return count;
    }

    public bool IsEmpty()
    {
        foreach (var w in _words)
        {
            if (w != 0)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>this &amp;= other (bits beyond other's capacity are cleared).</summary>
    public void And(Bitset other) => And(other._words);

    /// <summary>this |= other.</summary>
    public void Or(Bitset other)
    {
        EnsureCapacity(other.Capacity);
        Combine(_words.AsSpan(0, other._words.Length), other._words, Op.Or);
    }

    /// <summary>this &amp;= ~other.</summary>
    public void AndNot(Bitset other) => AndNot(other._words);

    /// <summary>this &amp;= words (bits beyond them are cleared): for scratch words the evaluator rents instead of allocating.</summary>
    internal void And(ReadOnlySpan<ulong> words)
    {
        var n = Math.Min(_words.Length, words.Length);
        Combine(_words.AsSpan(0, n), words[..n], Op.And);
        _words.AsSpan(n).Clear();
    }

    internal void AndNot(ReadOnlySpan<ulong> words)
    {
        var n = Math.Min(_words.Length, words.Length);
        Combine(_words.AsSpan(0, n), words[..n], Op.AndNot);
    }

    internal void Clear() => Array.Clear(_words);

    private enum Op { And, Or, AndNot }

    // Vector<ulong> is 4 words on AVX2 machines; the tail is done word by word. One loop per operation keeps the
    // loop body branch-free.
    private static void Combine(Span<ulong> target, ReadOnlySpan<ulong> source, Op op)
    {
        var vt = MemoryMarshal.Cast<ulong, Vector<ulong>>(target);
        var vs = MemoryMarshal.Cast<ulong, Vector<ulong>>(source);
        var tail = vt.Length * Vector<ulong>.Count;
        switch (op)
        {
            case Op.And:
                for (var v = 0; v < vt.Length; v++)
                {
                    vt[v] &= vs[v];
                }
                for (var i = tail; i < target.Length; i++)
                {
                    target[i] &= source[i];
                }
                break;
            case Op.Or:
                for (var v = 0; v < vt.Length; v++)
                {
                    vt[v] |= vs[v];
                }
                for (var i = tail; i < target.Length; i++)
                {
                    target[i] |= source[i];
                }
                break;
            default:
                for (var v = 0; v < vt.Length; v++)
                {
                    vt[v] = Vector.AndNot(vt[v], vs[v]);
                }
                for (var i = tail; i < target.Length; i++)
                {
                    target[i] &= ~source[i];
                }
                break;
        }
    }

    /// <summary>Set bits in ascending order.</summary>
    public IEnumerable<int> Ones()
    {
        for (var w = 0; w < _words.Length; w++)
        {
            var word = _words[w];
            while (word != 0)
            {
                yield return (w << 6) + BitOperations.TrailingZeroCount(word);
                word &= word - 1;
            }
        }
    }
}
