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
}
