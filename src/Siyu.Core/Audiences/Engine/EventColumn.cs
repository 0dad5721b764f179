using Siyu.Core.Audiences.Conditions;
using Siyu.Core.Customers;

namespace Siyu.Core.Audiences.Engine;

/// <summary>
/// The events of one type in a partition: postings per local day (ordinal + property columns) for windows,
/// and lifetime count / last day / sums per ordinal for all-time measures.
/// </summary>
public sealed class EventColumn
{
    private readonly Dictionary<int, DayBucket> _days = [];
    private int[] _count = new int[1024];
    private int[] _lastDay = AudienceIndex.NewFilled(1024, Comparisons.NoDay);
    private readonly Dictionary<string, double[]> _sums = new(StringComparer.Ordinal);

    public DayBucket? Day(int day) => _days.GetValueOrDefault(day);
    public IEnumerable<int> DaysPosted => _days.Keys;
    public int TotalCount(int ordinal) => ordinal < _count.Length ? _count[ordinal] : 0;
    public int LastDay(int ordinal) => ordinal < _lastDay.Length ? _lastDay[ordinal] : Comparisons.NoDay;
    public double TotalSum(int ordinal, string property) =>
        _sums.TryGetValue(property, out var s) && ordinal < s.Length ? s[ordinal] : 0;

    /// <summary>Drops postings of days before <paramref name="firstDay"/> (outside every allowed window).</summary>
    public void Prune(int firstDay)
    {
        foreach (var day in _days.Keys.Where(d => d < firstDay).ToList())
        {
            _days.Remove(day);
        }
    }

    public void Add(int ordinal, int day, BehaviourEvent e, StringPool strings, bool updateTotals)
    {
        if (!_days.TryGetValue(day, out var bucket))
        {
            _days[day] = bucket = new DayBucket();
        }
        bucket.Add(ordinal, e, strings);
        if (!updateTotals)
        {
            return;
        }
        EnsureTotals(ordinal);
        _count[ordinal]++;
        _lastDay[ordinal] = Math.Max(_lastDay[ordinal], day);
        if (e.Numbers is not null)
        {
            foreach (var (name, value) in e.Numbers)
            {
                Sums(name, ordinal)[ordinal] += value;
            }
        }
    }

    public void SetTotals(int ordinal, int count, int lastDay)
    {
        EnsureTotals(ordinal);
        _count[ordinal] = count;
        _lastDay[ordinal] = lastDay;
    }

    public void SetSum(int ordinal, string property, double sum) => Sums(property, ordinal)[ordinal] = sum;

    private double[] Sums(string property, int ordinal)
    {
        if (!_sums.TryGetValue(property, out var s) || ordinal >= s.Length)
        {
            s = AttributeColumn.Grow(s ?? [], Math.Max(Math.Max(ordinal + 1, 1024), (s?.Length ?? 0) * 2), 0d);
            _sums[property] = s;
        }
        return s;
    }

    private void EnsureTotals(int ordinal)
    {
        if (ordinal >= _count.Length)
        {
            var size = Math.Max(ordinal + 1, _count.Length * 2);
            _count = AttributeColumn.Grow(_count, size, 0);
            _lastDay = AttributeColumn.Grow(_lastDay, size, Comparisons.NoDay);
        }
    }

    public int[] Counts => _count;
    public int[] LastDays => _lastDay;
    public double[]? SumColumn(string property) => _sums.GetValueOrDefault(property);
}

/// <summary>One day's events of one type: who (ordinal) and each property as a column (text code or number).</summary>
public sealed class DayBucket
{
    public int Count { get; private set; }
    public int[] Ordinals { get; private set; } = new int[16];
    public Dictionary<string, int[]> Text { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, double[]> Numbers { get; } = new(StringComparer.Ordinal);

    public void Add(int ordinal, BehaviourEvent e, StringPool strings)
    {
        if (Count == Ordinals.Length)
        {
            var size = Count * 2;
            Ordinals = AttributeColumn.Grow(Ordinals, size, 0);
            foreach (var key in Text.Keys.ToList())
            {
                Text[key] = AttributeColumn.Grow(Text[key], size, -1);
            }
            foreach (var key in Numbers.Keys.ToList())
            {
                Numbers[key] = AttributeColumn.Grow(Numbers[key], size, double.NaN);
            }
        }
        Ordinals[Count] = ordinal;
        if (e.Text is not null)
        {
            foreach (var (name, value) in e.Text)
            {
                if (!Text.TryGetValue(name, out var column))
                {
                    Text[name] = column = AudienceIndex.NewFilled(Ordinals.Length, -1);
                }
                column[Count] = strings.Intern(value);
            }
        }
        if (e.Numbers is not null)
        {
            foreach (var (name, value) in e.Numbers)
            {
                if (!Numbers.TryGetValue(name, out var column))
                {
                    Numbers[name] = column = AudienceIndex.NewFilled(Ordinals.Length, double.NaN);
                }
                column[Count] = value;
            }
        }
        Count++;
    }

    private Dictionary<string, ValueGroups>? _groups;

    /// <summary>
    /// This day's events grouped by the text value of <paramref name="property"/> (see <see cref="ValueGroups"/>), or
    /// null when the property has so many distinct values that grouping saves nothing. Built on first use and rebuilt
    /// once a quarter more events have arrived; the events since the last build are read from the columns. Lazily
    /// mutating is fine because the index has a single reader and writer (its partition).
    /// </summary>
    internal ValueGroups? GroupsOf(string property)
    {
        _groups ??= new(StringComparer.Ordinal);
        if (!_groups.TryGetValue(property, out var groups)
            || (groups.Useful ? Count - groups.Covered > groups.Covered / 4 : Count >= 2 * groups.Covered))
        {
            _groups[property] = groups = ValueGroups.Build(this, property);
        }
        return groups.Useful ? groups : null;
    }
}

/// <summary>
/// One day's events of one type grouped by a text property: for each value code, the distinct ordinals with such an
/// event, ascending. "Bought 母婴 in the last 30 days" then sets one bit per buyer and day from a short list instead
/// of reading every order's category; duplicates (a customer's several orders that day) are gone and the writes go
/// in ascending order. Covers the bucket's first <see cref="Covered"/> events only.
/// </summary>
internal sealed class ValueGroups
{
    /// <summary>Below this many events per distinct value on average, scanning the codes is as cheap as the groups.</summary>
    private const int MinGroupSize = 8;

    public int Covered { get; private init; }
    public bool Useful { get; private init; }
    /// <summary>Distinct codes, ascending; -1 stands for events without the property.</summary>
    public int[] Codes { get; private init; } = [];
    /// <summary>Group g is <c>Ordinals[Starts[g]..Starts[g + 1]]</c>.</summary>
    public int[] Starts { get; private init; } = [];
    public int[] Ordinals { get; private init; } = [];

    public static ValueGroups Build(DayBucket bucket, string property)
    {
        var count = bucket.Count;
        var codes = bucket.Text.GetValueOrDefault(property);
        var ordinals = bucket.Ordinals;
        // (code, ordinal) in one sortable key: sorting groups by code and orders ordinals within a group.
        var keys = new long[count];
        for (var e = 0; e < count; e++)
        {
            keys[e] = ((long)(codes is null ? -1 : codes[e]) << 32) | (uint)ordinals[e];
        }
        Array.Sort(keys);
        var distinct = 1;
        for (var k = 1; k < count; k++)
        {
            if (keys[k] >> 32 != keys[k - 1] >> 32)
            {
                distinct++;
            }
        }
        if (distinct * MinGroupSize > count)
        {
            return new ValueGroups { Covered = count };
        }
        var groupCodes = new int[distinct];
        var starts = new int[distinct + 1];
        var members = new List<int>(count);
        var g = -1;
        for (var k = 0; k < count; k++)
        {
            if (k > 0 && keys[k] == keys[k - 1])
            {
                continue;
            }
            var code = (int)(keys[k] >> 32);
            if (g < 0 || groupCodes[g] != code)
            {
                groupCodes[++g] = code;
                starts[g] = members.Count;
            }
            members.Add((int)keys[k]);
        }
        starts[distinct] = members.Count;
        return new ValueGroups { Covered = count, Useful = true, Codes = groupCodes, Starts = starts, Ordinals = [.. members] };
    }
}
