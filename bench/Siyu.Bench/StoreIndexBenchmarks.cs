using BenchmarkDotNet.Attributes;
using Siyu.Core.Stores;

namespace Siyu.Bench;

/// <summary>LBS routing over 10,000 stores spread over eastern China: the k-d tree against scanning every store.</summary>
[MemoryDiagnoser]
public class StoreIndexBenchmarks
{
    private StoreLocation[] _stores = [];
    private StoreIndex _index = null!;
    private GeoPoint[] _points = [];
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        _stores = [.. Enumerable.Range(1, 10_000).Select(i => new StoreLocation(i, new GeoPoint(22 + random.NextDouble() * 18, 108 + random.NextDouble() * 14), 3 + random.Next(8), random.Next(10) > 0))];
        _index = new StoreIndex(_stores);
        _points = [.. Enumerable.Range(0, 1024).Select(_ => new GeoPoint(22 + random.NextDouble() * 18, 108 + random.NextDouble() * 14))];
    }

    private GeoPoint Next() => _points[_next++ & 1023];

    [Benchmark]
    public StoreHit? NearestServing() => _index.NearestServing(Next());

    [Benchmark]
    public int Within3Km() => _index.Within(Next(), 3).Count;

    [Benchmark(Baseline = true)]
    public StoreLocation? NearestServingScan()
    {
        var p = Next();
        StoreLocation? best = null;
        var bestKm = double.MaxValue;
        foreach (var s in _stores)
        {
            var km = p.DistanceKm(s.Position);
            if (s.Open && km <= s.ServiceRadiusKm && km < bestKm)
            {
                (best, bestKm) = (s, km);
            }
        }
        return best;
    }

    [Benchmark]
    public StoreIndex Build() => new(_stores);
}
