namespace Siyu.Bench.Load;

/// <summary>
/// Log-linear latency buckets in microseconds (HdrHistogram's idea, ~3% precision): fixed memory however long the run,
/// unlike keeping every sample. Not thread-safe; <see cref="OperationStats"/> locks around it.
/// </summary>
public sealed class LatencyHistogram
{
    // Values below 64 µs get a bucket each; above, 32 sub-buckets per power of two.
    private const int Linear = 64;
    private const int SubBuckets = 32;
    private readonly long[] _counts = new long[Linear + (64 - 6) * SubBuckets];

    public long Count { get; private set; }
    public long MaxMicros { get; private set; }
    public long MinMicros { get; private set; } = long.MaxValue;

    public void Record(TimeSpan elapsed) => RecordMicros(Math.Max(0, elapsed.Ticks / 10));

    public void RecordMicros(long micros)
    {
        _counts[Index(micros)]++;
        Count++;
        MaxMicros = Math.Max(MaxMicros, micros);
        MinMicros = Math.Min(MinMicros, micros);
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }
        Count += other.Count;
        MaxMicros = Math.Max(MaxMicros, other.MaxMicros);
        MinMicros = Math.Min(MinMicros, other.MinMicros);
    }

    public void Reset()
    {
        Array.Clear(_counts);
        Count = 0;
        MaxMicros = 0;
        MinMicros = long.MaxValue;
    }

    /// <summary>The smallest bucket bound at or above the p-th fraction of samples, never above the exact maximum (so p50 ≤ p95 ≤ p99 ≤ max).</summary>
    public double PercentileMs(double p)
    {
        if (Count == 0)
        {
            return 0;
        }
        var rank = Math.Max(1, (long)Math.Ceiling(p * Count));
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return Math.Min(UpperBound(i), MaxMicros) / 1000.0;
            }
        }
        return MaxMicros / 1000.0;
    }

    public double MaxMs => MaxMicros / 1000.0;

    internal static int Index(long v)
    {
        if (v < Linear)
        {
            return (int)v;
        }
        var msb = 63 - System.Numerics.BitOperations.LeadingZeroCount((ulong)v);
        var shift = msb - 5;
        return Linear + (shift - 1) * SubBuckets + (int)((v >> shift) - SubBuckets);
    }

    internal static long UpperBound(int index)
    {
        if (index < Linear)
        {
            return index;
        }
        var shift = (index - Linear) / SubBuckets + 1;
        var sub = (long)((index - Linear) % SubBuckets + SubBuckets);
        return ((sub + 1) << shift) - 1;
    }
}
