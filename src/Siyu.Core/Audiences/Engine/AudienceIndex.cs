using System.Text.Json.Nodes;
using Siyu.Core.Audiences.Conditions;
using Siyu.Core.Customers;

namespace Siyu.Core.Audiences.Engine;

/// <summary>
/// Columnar state of one partition for audience queries. Customers get dense ordinals; tags are bitsets;
/// attributes and scores are arrays indexed by ordinal; events within retention are posted per type and local
/// day with their properties as columns; lifetime totals per type are arrays. Single-threaded: the owning
/// partition grain is its only writer and reader (evaluations keep scratch sets and lazily built groupings here).
/// </summary>
public sealed class AudienceIndex(TimeZoneInfo zone)
{
    private readonly List<long> _ids = [];
    private readonly Dictionary<long, int> _ordinals = [];
    private readonly Bitset _alive = new(1024);
    private readonly Dictionary<long, Bitset> _tags = [];
    private readonly Dictionary<string, AttributeColumn> _attributes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double[]> _scores = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ValueBitmapSlot<double>> _scoreBitmaps = new(StringComparer.Ordinal);
    private readonly Dictionary<string, EventColumn> _events = new(StringComparer.Ordinal);

    public TimeZoneInfo Zone => zone;
    public StringPool Strings { get; } = new();

    /// <summary>Ordinals handed out so far (including removed customers); bitsets are this wide.</summary>
    public int Size => _ids.Count;
    public Bitset Alive => _alive;
    public long CustomerId(int ordinal) => _ids[ordinal];
    public bool TryGetOrdinal(long customerId, out int ordinal) => _ordinals.TryGetValue(customerId, out ordinal) && _alive[ordinal];

    public int Ordinal(long customerId)
    {
        if (!_ordinals.TryGetValue(customerId, out var ordinal))
        {
            ordinal = _ids.Count;
            _ids.Add(customerId);
            _ordinals[customerId] = ordinal;
        }
        _alive.Set(ordinal);
        return ordinal;
    }

    /// <summary>
    /// Drops a customer (merged away): it leaves every answer. Its row is retired, not reused: postings can't be taken
    /// back, so should the customer come back (an unmerge) it gets a fresh ordinal.
    /// </summary>
    public void Remove(long customerId)
    {
        if (_ordinals.Remove(customerId, out var ordinal))
        {
            _alive.Clear(ordinal);
            Retired++;
        }
    }

    /// <summary>Rows retired by <see cref="Remove"/> and <see cref="Reload"/>: dead weight until the index is rebuilt.</summary>
    public int Retired { get; private set; }

    /// <summary>
    /// Replaces a customer's row with its whole rebuilt profile (after a merge or unmerge re-pointed its history): the
    /// old row is retired and the profile loaded under a new ordinal, so only this customer is re-read, not the partition.
    /// </summary>
    public int Reload(CustomerProfile p)
    {
        Remove(p.CustomerId);
        return Load(p);
    }

    public Bitset? Tag(long tagId) => _tags.GetValueOrDefault(tagId);

    public void SetTag(int ordinal, long tagId, bool present)
    {
        if (present)
        {
            if (!_tags.TryGetValue(tagId, out var bits))
            {
                _tags[tagId] = bits = new Bitset(Size);
            }
            bits.Set(ordinal);
        }
        else if (_tags.TryGetValue(tagId, out var bits))
        {
            bits.Clear(ordinal);
        }
    }

    public AttributeColumn? Attribute(string name) => _attributes.GetValueOrDefault(name);

    public void SetAttribute(int ordinal, string name, JsonNode? value)
    {
        if (!_attributes.TryGetValue(name, out var column))
        {
            if (value is null)
            {
                return;
            }
            _attributes[name] = column = new AttributeColumn();
        }
        column.Set(ordinal, value, Strings, zone);
    }

    public double[]? Score(string name) => _scores.GetValueOrDefault(name);

    public void SetScore(int ordinal, string name, double value)
    {
        if (!_scores.TryGetValue(name, out var column))
        {
            _scores[name] = column = NewFilled(Math.Max(Size, 1024), double.NaN);
        }
        if (ordinal >= column.Length)
        {
            var grown = NewFilled(Math.Max(ordinal + 1, column.Length * 2), double.NaN);
            column.CopyTo(grown, 0);
            _scores[name] = column = grown;
        }
        if (_scoreBitmaps.TryGetValue(name, out var bitmaps))
        {
            bitmaps.Move(ordinal, column[ordinal], value, Size);
        }
        column[ordinal] = value;
    }

    /// <summary>Per-value bitsets of a score (built on first use), or null when it has none or too many values.</summary>
    internal ValueBitmaps<double>? ScoreBitmaps(string name)
    {
        if (!_scores.TryGetValue(name, out var column))
        {
            return null;
        }
        if (!_scoreBitmaps.TryGetValue(name, out var slot))
        {
            _scoreBitmaps[name] = slot = new ValueBitmapSlot<double>(AttributeColumn.NumberPresent);
        }
        return slot.Get(column, Size);
    }

    /// <summary>Usable shared locations as unit vectors (x, y, z interleaved; NaN: none), for near_store.</summary>
    public double[] Locations => _locations;
    private double[] _locations = NewFilled(3 * 1024, double.NaN);

    public void SetLocation(int ordinal, Stores.GeoPoint? point)
    {
        if (3 * ordinal + 2 >= _locations.Length)
        {
            if (point is null)
            {
                return; // beyond the column is already "no location"
            }
            var grown = NewFilled(Math.Max(3 * (ordinal + 1), _locations.Length * 2), double.NaN);
            _locations.CopyTo(grown, 0);
            _locations = grown;
        }
        var (x, y, z) = point is { } p ? p.ToUnitVector() : (double.NaN, double.NaN, double.NaN);
        (_locations[3 * ordinal], _locations[3 * ordinal + 1], _locations[3 * ordinal + 2]) = (x, y, z);
    }

    public EventColumn? Events(string type) => _events.GetValueOrDefault(type);

    /// <summary>Posts one event under its local day. Lifetime totals are updated too unless the caller sets them.</summary>
    public void AddEvent(int ordinal, BehaviourEvent e, bool updateTotals = true) =>
        EventsOf(e.Type).Add(ordinal, Comparisons.LocalDay(e.Ticks, zone), e, Strings, updateTotals);

    public EventColumn EventsOf(string type)
    {
        if (!_events.TryGetValue(type, out var column))
        {
            _events[type] = column = new EventColumn();
        }
        return column;
    }

    /// <summary>Loads a whole profile (at activation or after a merge reload). Any earlier row for it must be gone.</summary>
    public int Load(CustomerProfile p)
    {
        var ordinal = Ordinal(p.CustomerId);
        SetRow(ordinal, p);
        foreach (var e in p.Behaviour)
        {
            AddEvent(ordinal, e, updateTotals: false);
        }
        foreach (var (type, count) in p.EventCounts)
        {
            var column = EventsOf(type);
            column.SetTotals(ordinal, count, p.LastEventTicks.TryGetValue(type, out var last) ? Comparisons.LocalDay(last, zone) : Comparisons.NoDay);
        }
        foreach (var (key, sum) in p.Sums)
        {
            var bar = key.IndexOf('|', StringComparison.Ordinal);
            EventsOf(key[..bar]).SetSum(ordinal, key[(bar + 1)..], sum);
        }
        return ordinal;
    }

    /// <summary>Re-reads the tags, attributes and scores of a profile whose events were just applied.</summary>
    public void SetRow(int ordinal, CustomerProfile p)
    {
        foreach (var (tagId, mark) in p.Tags)
        {
            SetTag(ordinal, tagId, mark.Present);
        }
        foreach (var (name, value) in p.Attributes)
        {
            SetAttribute(ordinal, name, value.Value);
        }
        foreach (var (name, value) in p.Scores)
        {
            SetScore(ordinal, name, value);
        }
        SetLocation(ordinal, p.UsableLocation);
    }

    /// <summary>Drops event postings before <paramref name="firstDay"/>: no allowed window reaches them any more.</summary>
    public void Prune(int firstDay)
    {
        foreach (var column in _events.Values)
        {
            column.Prune(firstDay);
        }
    }

    private readonly Stack<ulong[]> _scratch = new();

    /// <summary>
    /// Words for a temporary set over this partition's ordinals (contents undefined). Evaluations borrow them for
    /// intermediate sets instead of allocating a fresh bitset per node; the single-reader rule makes a plain stack safe.
    /// </summary>
    internal ulong[] RentWords()
    {
        var length = Bitset.WordsFor(Size);
        while (_scratch.TryPop(out var words))
        {
            if (words.Length == length)
            {
                return words;
            }
        }
        return new ulong[length];
    }

    internal Bitset RentCopy(Bitset source)
    {
        var words = RentWords();
        var from = source.Words;
        var n = Math.Min(words.Length, from.Length);
        from.AsSpan(0, n).CopyTo(words);
        words.AsSpan(n).Clear();
        return Bitset.Wrap(words);
    }

    internal void Return(ulong[] words)
    {
        // A handful covers the deepest nesting of a realistic condition; sets sized before the partition grew are dropped.
        if (words.Length == Bitset.WordsFor(Size) && _scratch.Count < 8)
        {
            _scratch.Push(words);
        }
    }

    internal void Return(Bitset set) => Return(set.Words);

    internal static T[] NewFilled<T>(int length, T value)
    {
        var a = new T[length];
        Array.Fill(a, value);
        return a;
    }
}

/// <summary>Dictionary encoding for text values (attributes and event properties).</summary>
public sealed class StringPool
{
    private readonly Dictionary<string, int> _codes = new(StringComparer.Ordinal);
    private readonly List<string> _values = [];

    public int Count => _values.Count;
    public string this[int code] => _values[code];

    public int Intern(string value)
    {
        if (!_codes.TryGetValue(value, out var code))
        {
            code = _values.Count;
            _values.Add(value);
            _codes[value] = code;
        }
        return code;
    }

    /// <summary>The code of a value, or -2 when no stored value has it (so it matches nothing; -1 means "not set").</summary>
    public int Find(string value) => _codes.TryGetValue(value, out var code) ? code : -2;
}

/// <summary>One attribute for every ordinal, read three ways: as a text code, a number and a local day.</summary>
public sealed class AttributeColumn
{
    public int[] Codes { get; private set; } = AudienceIndex.NewFilled(1024, -1);
    public double[] Numbers { get; private set; } = AudienceIndex.NewFilled(1024, double.NaN);
    public int[] Days { get; private set; } = AudienceIndex.NewFilled(1024, Comparisons.NoDay);

    internal static readonly Func<double, bool> NumberPresent = v => !double.IsNaN(v);
    private static readonly Func<int, bool> CodePresent = c => c >= 0;

    private readonly ValueBitmapSlot<int> _codeBitmaps = new(CodePresent);
    private readonly ValueBitmapSlot<double> _numberBitmaps = new(NumberPresent);

    public void Set(int ordinal, JsonNode? value, StringPool strings, TimeZoneInfo zone)
    {
        if (ordinal >= Codes.Length)
        {
            var size = Math.Max(ordinal + 1, Codes.Length * 2);
            Codes = Grow(Codes, size, -1);
            Numbers = Grow(Numbers, size, double.NaN);
            Days = Grow(Days, size, Comparisons.NoDay);
        }
        var text = Comparisons.AsText(value);
        var code = text is null ? -1 : strings.Intern(text);
        var number = Comparisons.AsNumber(value);
        _codeBitmaps.Move(ordinal, Codes[ordinal], code, ordinal + 1);
        _numberBitmaps.Move(ordinal, Numbers[ordinal], number, ordinal + 1);
        Codes[ordinal] = code;
        Numbers[ordinal] = number;
        Days[ordinal] = Comparisons.AsDay(value, zone);
    }

    /// <summary>Per-value bitsets of the text codes (built on first use), or null when there are too many values.</summary>
    internal ValueBitmaps<int>? CodeBitmaps(int size) => _codeBitmaps.Get(Codes, size);

    /// <summary>Per-value bitsets of the numbers (built on first use), or null when there are too many values.</summary>
    internal ValueBitmaps<double>? NumberBitmaps(int size) => _numberBitmaps.Get(Numbers, size);

    internal static T[] Grow<T>(T[] a, int size, T fill)
    {
        var grown = AudienceIndex.NewFilled(size, fill);
        a.CopyTo(grown, 0);
        return grown;
    }
}
