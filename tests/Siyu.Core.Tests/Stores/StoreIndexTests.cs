using Siyu.Core.Stores;
using Xunit;

namespace Siyu.Core.Tests.Stores;

public class StoreIndexTests
{
    [Fact]
    public void Haversine_matches_known_distances()
    {
        // Shanghai People's Square → Beijing Tiananmen ≈ 1,067 km; one degree of latitude ≈ 111.2 km.
        var shanghai = new GeoPoint(31.2304, 121.4737);
        var beijing = new GeoPoint(39.9042, 116.4074);
        Assert.InRange(shanghai.DistanceKm(beijing), 1060, 1075);
        Assert.Equal(111.195, new GeoPoint(0, 0).DistanceKm(new GeoPoint(1, 0)), 2);
        Assert.Equal(0, shanghai.DistanceKm(shanghai), 9);
        Assert.Equal(Math.PI * GeoPoint.EarthRadiusKm, new GeoPoint(0, 0).DistanceKm(new GeoPoint(0, 180)), 6);
    }

    public static TheoryData<int, bool> Layouts => new() { { 1, false }, { 7, false }, { 300, false }, { 2000, false }, { 500, true } };

    /// <summary>Against the naive scan of every store, on random stores and points (China, or the whole globe incl. poles and the date line).</summary>
    [Theory]
    [MemberData(nameof(Layouts))]
    public void Queries_agree_with_a_scan_of_every_store(int count, bool global)
    {
        var random = new Random(count * 31 + (global ? 1 : 0));
        GeoPoint Point() => global
            ? new GeoPoint(random.NextDouble() * 180 - 90, random.NextDouble() * 360 - 180)
            : new GeoPoint(22 + random.NextDouble() * 18, 102 + random.NextDouble() * 20);
        var stores = Enumerable.Range(1, count).Select(i => new StoreLocation(i, Point(), random.Next(0, 4) switch { 0 => 1, 1 => 3, 2 => 10, _ => 50 }, Open: random.Next(5) > 0)).ToList();
        if (count > 10)
        {
            stores.Add(stores[3] with { Id = 100_000 }); // two stores at one spot
        }
        var index = new StoreIndex(stores);
        for (var q = 0; q < 200; q++)
        {
            var p = q % 10 == 0 ? stores[random.Next(stores.Count)].Position : Point();
            var radius = new[] { 0.5, 3, 30, 300, 3000 }[q % 5];

            var within = index.Within(p, radius);
            var expected = stores.Where(s => p.DistanceKm(s.Position) <= radius).Select(s => s.Id).Order().ToList();
            Assert.Equal(expected, within.Select(h => h.Store.Id).Order().ToList());
            for (var i = 1; i < within.Count; i++)
            {
                Assert.True(within[i].DistanceKm >= within[i - 1].DistanceKm - 1e-9, "nearest first");
            }

            var serving = index.NearestServing(p);
            var naive = stores.Where(s => s.Open && p.DistanceKm(s.Position) <= s.ServiceRadiusKm).OrderBy(s => p.DistanceKm(s.Position)).FirstOrDefault();
            Assert.Equal(naive is null, serving is null);
            if (naive is not null)
            {
                Assert.Equal(p.DistanceKm(naive.Position), serving!.Value.DistanceKm, 9);
            }
        }
        // Unbounded nearest-first visits every store once, in order.
        var all = index.NearestFirst(Point()).ToList();
        Assert.Equal(stores.Count, all.Select(h => h.Store.Id).Distinct().Count());
    }

    [Fact]
    public void A_closed_store_or_one_too_far_for_its_radius_is_passed_over()
    {
        var customer = new GeoPoint(31.2304, 121.4737);
        var index = new StoreIndex(
        [
            new StoreLocation(1, new GeoPoint(31.2310, 121.4740), 5, Open: false),  // ~0.07 km, closed
            new StoreLocation(2, new GeoPoint(31.2500, 121.4737), 1),               // ~2.2 km, serves 1 km
            new StoreLocation(3, new GeoPoint(31.2600, 121.4737), 5),               // ~3.3 km, serves 5 km
        ]);
        Assert.Equal(3, index.NearestServing(customer)!.Value.Store.Id);
        Assert.Equal([1L, 2L], index.Within(customer, 3).Select(h => h.Store.Id));
        Assert.Null(new StoreIndex([]).NearestServing(customer));
        Assert.Throws<ArgumentException>(() => new StoreIndex([new StoreLocation(9, new GeoPoint(91, 0), 1)]));
    }
}
