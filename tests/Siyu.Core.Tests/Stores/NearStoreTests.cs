using System.Text.Json.Nodes;
using Siyu.Core.Audiences.Conditions;
using Siyu.Core.Audiences.Engine;
using Siyu.Core.Customers;
using Siyu.Core.Events;
using Siyu.Core.Stores;
using Xunit;

namespace Siyu.Core.Tests.Stores;

/// <summary>
/// "Customers within N km of store X": the bitset engine and the per-profile evaluator against a naive haversine
/// oracle, location consent (no consent, revoke, a re-grant not reviving an old position), erasure, and city fallback.
/// </summary>
public sealed class NearStoreTests
{
    private static readonly TimeZoneInfo Zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    private static readonly GeoPoint PeoplesSquare = new(31.2304, 121.4737);
    private static readonly ConditionCatalog Catalog = new()
    {
        Stores = new() { [7] = new StoreInfo(7, "人民广场店", PeoplesSquare, "上海") },
    };

    private static ConditionNode Parse(double km, bool fallback = false)
    {
        var json = new JsonObject
        {
            ["version"] = 1,
            ["root"] = new JsonObject { ["type"] = "near_store", ["store_id"] = 7, ["within_km"] = km, ["city_fallback"] = fallback },
        };
        var result = ConditionParser.Parse(json.ToJsonString(), Catalog);
        Assert.True(result.Ok, string.Join("; ", result.Errors.Select(e => e.Path + ": " + e.Message)));
        return result.Condition!.Root;
    }

    private static long _seq;

    private static void Apply(CustomerProfile p, string type, long ticks, JsonObject? props = null, JsonObject? attributes = null) =>
        p.Apply(new ProfileEvent(Interlocked.Increment(ref _seq), p.CustomerId, type, ticks, props, attributes));

    private static void Consent(CustomerProfile p, bool granted, long ticks) =>
        Apply(p, granted ? EventTypes.ConsentGranted : EventTypes.ConsentRevoked, ticks, new JsonObject { ["channel"] = "data", ["topic"] = "location", ["source"] = "h5" });

    private static void Location(CustomerProfile p, GeoPoint at, long ticks) =>
        Apply(p, EventTypes.LocationReported, ticks, new JsonObject { ["lat"] = at.Latitude, ["lng"] = at.Longitude });

    private static bool Bitset(CustomerProfile p, ConditionNode node)
    {
        var index = new AudienceIndex(Zone);
        var ordinal = index.Load(p);
        return new BitsetEvaluator(index, 0).Evaluate(node)[ordinal];
    }

    private static bool Profile(CustomerProfile p, ConditionNode node) => new ProfileEvaluator(Zone, 0).Matches(node, p);

    [Fact]
    public void Both_engines_agree_with_haversine_on_random_customers()
    {
        var random = new Random(20261202);
        var index = new AudienceIndex(Zone);
        var profiles = new List<CustomerProfile>();
        for (var i = 1; i <= 3000; i++)
        {
            var p = new CustomerProfile { CustomerId = i };
            // Around the store, up to ~20 km away, some with consent and some without.
            var at = new GeoPoint(PeoplesSquare.Latitude + (random.NextDouble() - 0.5) * 0.36, PeoplesSquare.Longitude + (random.NextDouble() - 0.5) * 0.42);
            if (i % 5 != 0)
            {
                Consent(p, true, 100);
            }
            Location(p, at, 200);
            profiles.Add(p);
            index.Load(p);
        }
        foreach (var km in new[] { 0.5, 3.0, 8.0 })
        {
            var node = Parse(km);
            var bits = new BitsetEvaluator(index, 0).Evaluate(node);
            var expected = profiles.Where(p => p.CustomerId % 5 != 0 && new GeoPoint(p.Location!.Latitude, p.Location.Longitude).DistanceKm(PeoplesSquare) <= km)
                .Select(p => p.CustomerId).ToHashSet();
            var actual = bits.Ones().Select(index.CustomerId).ToHashSet();
            Assert.Equal(expected.Order(), actual.Order());
            Assert.All(profiles, p => Assert.Equal(expected.Contains(p.CustomerId), Profile(p, node)));
            Assert.NotEmpty(expected);
        }
    }

    [Fact]
    public void A_location_is_used_only_while_consent_stands_and_only_if_shared_after_the_latest_opt_in()
    {
        var node = Parse(3);
        var nearby = new GeoPoint(31.2397, 121.4998); // ~2.7 km from the store
        Assert.InRange(nearby.DistanceKm(PeoplesSquare), 2, 3);

        var p = new CustomerProfile { CustomerId = 1 };
        Location(p, nearby, 100);
        Assert.False(Bitset(p, node)); // shared without consent: not usable

        Consent(p, true, 200);
        Assert.False(Bitset(p, node)); // the position predates the opt-in
        Location(p, nearby, 300);
        Assert.True(Bitset(p, node));
        Assert.True(Profile(p, node));

        Consent(p, false, 400);
        Assert.False(Bitset(p, node));
        Assert.False(Profile(p, node));
        Consent(p, true, 500);
        Assert.False(Bitset(p, node)); // a re-grant does not revive the old position
        Location(p, nearby, 600);
        Assert.True(Bitset(p, node));

        Apply(p, EventTypes.CustomerAnonymised, 700);
        Assert.Null(p.Location);
        Assert.False(Profile(p, node));
    }

    [Fact]
    public void Events_in_any_order_give_the_same_location()
    {
        var a = new CustomerProfile { CustomerId = 1 };
        var b = new CustomerProfile { CustomerId = 1 };
        Location(a, new GeoPoint(31, 121), 100);
        Location(a, new GeoPoint(32, 122), 200);
        Location(b, new GeoPoint(32, 122), 200);
        Location(b, new GeoPoint(31, 121), 100);
        Assert.Equal((a.Location!.Latitude, a.Location.Ticks), (b.Location!.Latitude, b.Location.Ticks));
        Assert.Equal(32, a.Location.Latitude);
    }

    [Fact]
    public void Without_a_usable_location_the_city_decides_when_asked_to()
    {
        var shanghai = new CustomerProfile { CustomerId = 1 };
        Apply(shanghai, EventTypes.ProfileUpdated, 100, attributes: new JsonObject { ["city"] = "上海" });
        var beijing = new CustomerProfile { CustomerId = 2 };
        Apply(beijing, EventTypes.ProfileUpdated, 100, attributes: new JsonObject { ["city"] = "北京" });
        // Far away but with consent: the location decides, not the city.
        var far = new CustomerProfile { CustomerId = 3 };
        Apply(far, EventTypes.ProfileUpdated, 100, attributes: new JsonObject { ["city"] = "上海" });
        Consent(far, true, 100);
        Location(far, new GeoPoint(39.9042, 116.4074), 200);

        Assert.True(Bitset(shanghai, Parse(3, fallback: true)));
        Assert.True(Profile(shanghai, Parse(3, fallback: true)));
        Assert.False(Bitset(shanghai, Parse(3)));
        Assert.False(Bitset(beijing, Parse(3, fallback: true)));
        Assert.False(Bitset(far, Parse(3, fallback: true)));
        Assert.False(Profile(far, Parse(3, fallback: true)));
    }

    [Theory]
    [InlineData("""{"type":"near_store","store_id":8,"within_km":3}""", "condition.root.store_id")]
    [InlineData("""{"type":"near_store","within_km":3}""", "condition.root.store_id")]
    [InlineData("""{"type":"near_store","store_id":7,"within_km":0}""", "condition.root.within_km")]
    [InlineData("""{"type":"near_store","store_id":7,"within_km":900}""", "condition.root.within_km")]
    [InlineData("""{"type":"near_store","store_id":7,"within_km":3,"city_fallback":"yes"}""", "condition.root.city_fallback")]
    public void Bad_near_store_nodes_name_the_field(string node, string path)
    {
        var result = ConditionParser.Parse("{\"version\":1,\"root\":" + node + "}", Catalog);
        Assert.Contains(result.Errors, e => e.Path == path);
    }

    [Theory]
    [InlineData(600, 1320, 599, false)]
    [InlineData(600, 1320, 600, true)]
    [InlineData(600, 1320, 1319, true)]
    [InlineData(600, 1320, 1320, false)]
    [InlineData(1320, 120, 1400, true)] // 22:00–02:00, open overnight
    [InlineData(1320, 120, 60, true)]
    [InlineData(1320, 120, 120, false)]
    [InlineData(1320, 120, 600, false)]
    public void Opening_hours(int opens, int closes, int minute, bool open) => Assert.Equal(open, OpeningHours.IsOpen(opens, closes, minute));

    [Fact]
    public void Opening_hours_parse_and_no_hours_mean_always_open()
    {
        Assert.Equal(600, OpeningHours.Parse("10:00"));
        Assert.Equal(1439, OpeningHours.Parse("23:59"));
        Assert.Null(OpeningHours.Parse("24:00"));
        Assert.Null(OpeningHours.Parse("9:00"));
        Assert.Null(OpeningHours.Parse("10:60"));
        Assert.True(OpeningHours.IsOpen(null, null, 3));
    }

    [Fact]
    public void City_routing_is_stable_per_customer_and_spreads_customers_evenly()
    {
        string[] stores = ["A", "B", "C", "D"];
        var counts = new Dictionary<string, int>();
        for (long id = 1; id <= 40_000; id++)
        {
            var pick = CityRouting.Pick(stores, id)!;
            Assert.Equal(pick, CityRouting.Pick(stores, id));
            counts[pick] = counts.GetValueOrDefault(pick) + 1;
        }
        Assert.All(stores, s => Assert.InRange(counts[s], 9_500, 10_500));
        Assert.Null(CityRouting.Pick(Array.Empty<string>(), 1));
    }
}
