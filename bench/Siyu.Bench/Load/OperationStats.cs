namespace Siyu.Bench.Load;

/// <summary>Counters and latency buckets of one kind of request, for the whole run and for the current 10-second interval.</summary>
public sealed class OperationStats(string name)
{
    private readonly Lock _lock = new();
    private readonly LatencyHistogram _total = new();
    private readonly LatencyHistogram _interval = new();
    private readonly SortedDictionary<string, long> _errors = new(StringComparer.Ordinal);
    private long _ok, _shed, _skipped, _intervalOk, _units, _intervalUnits;

    public string Name { get; } = name;

    /// <summary>A 2xx answer; <paramref name="units"/> is what it carried (events for ingest, 1 otherwise).</summary>
    public void Ok(TimeSpan latency, long units = 1)
    {
        lock (_lock)
        {
            _total.Record(latency);
            _interval.Record(latency);
            _ok++;
            _intervalOk++;
            _units += units;
            _intervalUnits += units;
        }
    }

    /// <summary>A 429: the server shed the request (counted apart from errors: shedding is the designed answer to overload).</summary>
    public void Shed()
    {
        lock (_lock)
        {
            _shed++;
        }
    }

    /// <summary>Any other status, or a transport failure named by its exception type.</summary>
    /// <returns>How many of this status so far.</returns>
    public long Error(string status)
    {
        lock (_lock)
        {
            return _errors[status] = _errors.GetValueOrDefault(status) + 1;
        }
    }

    /// <summary>Open loop only: a scheduled request not sent because the client already had its cap in flight.</summary>
    public void Skipped()
    {
        lock (_lock)
        {
            _skipped++;
        }
    }

    public IntervalFigures TakeInterval(TimeSpan length)
    {
        lock (_lock)
        {
            var figures = new IntervalFigures(Name, _intervalOk, _intervalUnits / length.TotalSeconds, _interval.PercentileMs(0.5), _interval.PercentileMs(0.95),
                _interval.PercentileMs(0.99), _interval.MaxMs);
            _interval.Reset();
            _intervalOk = 0;
            _intervalUnits = 0;
            return figures;
        }
    }

    public OperationSummary Summary(TimeSpan duration)
    {
        lock (_lock)
        {
            var errors = new SortedDictionary<string, long>(_errors, StringComparer.Ordinal);
            return new OperationSummary(Name, _ok + _shed + errors.Values.Sum(), _ok, _units, _ok / duration.TotalSeconds, _units / duration.TotalSeconds,
                _total.PercentileMs(0.5), _total.PercentileMs(0.95), _total.PercentileMs(0.99), _total.MaxMs, _shed, errors, _skipped);
        }
    }
}

public sealed record IntervalFigures(string Name, long Ok, double UnitsPerSecond, double P50Ms, double P95Ms, double P99Ms, double MaxMs);

/// <summary>One operation over the run. Requests = ok + shed + errors (each HTTP attempt counts once).</summary>
public sealed record OperationSummary(string Name, long Requests, long Ok, long Units, double OkPerSecond, double UnitsPerSecond,
    double P50Ms, double P95Ms, double P99Ms, double MaxMs, long Shed429, IReadOnlyDictionary<string, long> Errors, long SkippedAtClientCap);
