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

/// <summary>
/// The <c>near_store</c> audience condition over 1,000,000 customers, 60 % of them with a consented location (a third of
/// those in and around Shanghai, the rest over eastern China): the bitset engine's dot-product scan against a haversine
/// scan of the same positions.
/// </summary>
[MemoryDiagnoser]
public class NearStoreAudienceBenchmarks
{
    private const int Customers = 1_000_000;
    private static readonly GeoPoint Store = new(31.2304, 121.4737);
    private Siyu.Core.Audiences.Engine.AudienceIndex _index = null!;
    private Siyu.Core.Audiences.Conditions.ConditionNode _within3Km = null!;
    private Siyu.Core.Audiences.Conditions.ConditionNode _tagAndWithin3Km = null!;
    private GeoPoint?[] _positions = [];

    [GlobalSetup]
    public void Setup()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        var random = new Random(11);
        _index = new Siyu.Core.Audiences.Engine.AudienceIndex(zone);
        _positions = new GeoPoint?[Customers];
        for (var i = 0; i < Customers; i++)
        {
            var profile = new Siyu.Core.Customers.CustomerProfile { CustomerId = i + 1 };
            if (i % 7 == 0)
            {
                profile.Tags[1] = new Siyu.Core.Tags.TagMark { Present = true, Ticks = 1 };
            }
            var ordinal = _index.Load(profile);
            GeoPoint? at = random.Next(10) switch
            {
                < 2 => new GeoPoint(Store.Latitude + (random.NextDouble() - 0.5) * 0.5, Store.Longitude + (random.NextDouble() - 0.5) * 0.6),
                < 6 => new GeoPoint(22 + random.NextDouble() * 18, 108 + random.NextDouble() * 14),
                _ => null,
            };
            _index.SetLocation(ordinal, at);
            _positions[ordinal] = at;
        }
        var catalog = new Siyu.Core.Audiences.Conditions.ConditionCatalog
        {
            Stores = new() { [7] = new Siyu.Core.Audiences.Conditions.StoreInfo(7, "人民广场店", Store, "上海") },
            Tags = new() { [1] = new Siyu.Core.Audiences.Conditions.TagInfo(1, "高价值", false) },
        };
        _within3Km = Parse("""{"type":"near_store","store_id":7,"within_km":3}""", catalog);
        _tagAndWithin3Km = Parse("""{"type":"all","children":[{"type":"tags","op":"has_any","tag_ids":[1]},{"type":"near_store","store_id":7,"within_km":3}]}""", catalog);
    }

    private static Siyu.Core.Audiences.Conditions.ConditionNode Parse(string root, Siyu.Core.Audiences.Conditions.ConditionCatalog catalog)
    {
        var result = Siyu.Core.Audiences.Conditions.ConditionParser.Parse($$"""{"version":1,"root":{{root}}}""", catalog);
        return result.Condition?.Root ?? throw new InvalidOperationException(string.Join("; ", result.Errors.Select(e => e.Path + ": " + e.Message)));
    }

    [Benchmark]
    public int Within3Km() => new Siyu.Core.Audiences.Engine.BitsetEvaluator(_index, 0).Evaluate(_within3Km).Count();

    [Benchmark]
    public int TaggedAndWithin3Km() => new Siyu.Core.Audiences.Engine.BitsetEvaluator(_index, 0).Evaluate(_tagAndWithin3Km).Count();

    [Benchmark(Baseline = true)]
    public int HaversineScan()
    {
        var count = 0;
        foreach (var p in _positions)
        {
            if (p is { } at && at.DistanceKm(Store) <= 3)
            {
                count++;
            }
        }
        return count;
    }
}
