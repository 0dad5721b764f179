namespace Siyu.Core.Audiences.Engine;

/// <summary>
/// For a column with few distinct values (RFM 1–5, gender, lifecycle stage): one bitset of ordinals per present
/// value, kept current as values change. A comparison then costs a few word-wise passes over small bitsets instead
/// of reading the column, whose 8-byte values at 10M customers are far bigger than the caches. Missing values
/// (NaN, no text) are in no bitset. Built on first use by an evaluation, then maintained by every write.
/// </summary>
internal sealed class ValueBitmaps<TKey> where TKey : notnull
{
    /// <summary>Up to this many values the bitsets take at most 4 bytes per customer, the size of a code column.</summary>
    public const int MaxValues = 32;

    private readonly Dictionary<TKey, Bitset> _sets = [];

    private ValueBitmaps()
    {
    }

    public IReadOnlyDictionary<TKey, Bitset> Sets => _sets;

    /// <summary>Bitsets for <paramref name="values"/>[0..size), or null when there are more than <see cref="MaxValues"/> values.</summary>
    public static ValueBitmaps<TKey>? Build(ReadOnlySpan<TKey> values, int size, Func<TKey, bool> present)
    {
        var bitmaps = new ValueBitmaps<TKey>();
        var n = Math.Min(size, values.Length);
        for (var i = 0; i < n; i++)
        {
            if (present(values[i]) && !bitmaps.Add(i, values[i], size))
            {
                return null;
            }
        }
        return bitmaps;
    }

    /// <summary>Moves an ordinal from its old value's bitset to its new one; false when that makes too many values.</summary>
    public bool Move(int ordinal, TKey old, bool oldPresent, TKey now, bool nowPresent, int size)
    {
        if (oldPresent && _sets.TryGetValue(old, out var previous))
        {
            previous.Clear(ordinal);
        }
        return !nowPresent || Add(ordinal, now, size);
    }

    private bool Add(int ordinal, TKey value, int size)
    {
        if (!_sets.TryGetValue(value, out var set))
        {
            if (_sets.Count == MaxValues)
            {
                return false;
            }
            _sets[value] = set = new Bitset(size);
        }
        set.Set(ordinal);
        return true;
    }
}

/// <summary>
/// The lazily built <see cref="ValueBitmaps{TKey}"/> of one column and whether the column turned out to have too
/// many values for them (then it is scanned from then on, and writes pay nothing).
/// </summary>
internal sealed class ValueBitmapSlot<TKey>(Func<TKey, bool> present) where TKey : notnull
{
    private ValueBitmaps<TKey>? _bitmaps;
    private bool _tooMany;

    public ValueBitmaps<TKey>? Get(ReadOnlySpan<TKey> values, int size)
    {
        if (_bitmaps is null && !_tooMany)
        {
            _bitmaps = ValueBitmaps<TKey>.Build(values, size, present);
            _tooMany = _bitmaps is null;
        }
        return _bitmaps;
    }

    /// <summary>Call on every write of the column, before or after storing the new value.</summary>
    public void Move(int ordinal, TKey old, TKey now, int size)
    {
        if (_bitmaps is not null && !_bitmaps.Move(ordinal, old, present(old), now, present(now), size))
        {
            _bitmaps = null;
            _tooMany = true;
        }
    }
}
