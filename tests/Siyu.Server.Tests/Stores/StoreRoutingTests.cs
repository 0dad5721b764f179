using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Siyu.Server.Tests.Stores;

/// <summary>
/// LBS store routing (门店活码) end to end over real HTTP: stores imported, a customer with location consent routed to
/// the nearest open store serving them and handed that store's channel code, which they scan in the simulator; a
/// customer without consent routed by city with their coordinates neither used nor kept; "within 3 km of store X"
/// audiences reading the recorded locations.
/// </summary>
public sealed class StoreRoutingTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "siyu-tests", Guid.NewGuid().ToString("N"));
    private ServerProcess _server = null!;
    private HttpClient _admin = null!;
    private HttpClient _app = null!;
    private HttpClient _sim = null!;

    // 人民广场 and two points: ~2.7 km east (外滩), ~9 km south-west (徐家汇 is ~5 km; 漕河泾 ~9 km).
    private const double SquareLat = 31.2304, SquareLng = 121.4737;

    public async Task InitializeAsync()
    {
        _server = await ServerProcess.StartAsync(_data, demo: true);
        _admin = await _server.AdminClientAsync();
        _sim = await ServerProcess.SimulatorClientAsync(_admin);
        // Demo mode seeds seven stores (one right at 人民广场); these tests bring their own, so they clear the demo's first.
        var demo = await Json.EventuallyAsync(() => _admin.GetJsonOrNull("/api/v1/stores"), s => s["items"]!.AsArray().Count == 7, attempts: 1200);
        foreach (var store in demo["items"]!.AsArray())
        {
            (await _admin.DeleteAsync($"/api/v1/stores/{store!["id"]}")).EnsureSuccessStatusCode();
        }
        var key = await _admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "门店H5", scopes = new[] { "campaigns:participate" } });
        Assert.True(key.IsSuccessStatusCode, await key.Content.ReadAsStringAsync());
        _app = new HttpClient { BaseAddress = new Uri(_server.BaseUrl) };
        _app.DefaultRequestHeaders.Add("X-Api-Key", (await key.ReadAsync())["secret"]!.GetValue<string>());
    }

    public async Task DisposeAsync()
    {
        _app.Dispose();
        await _server.DisposeAsync();
        try
        {
            Directory.Delete(_data, true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<long> CustomerAsync(string phone, string city)
    {
        var response = await _server.ApiClient().PostEventsAsync(new
        {
            events = new[]
            {
                new
                {
                    id = "lbs-" + phone, type = "customer.added", timestamp = DateTimeOffset.UtcNow.AddMinutes(-5).ToString("O"), identifiers = new { phone },
                    properties = new { staff_userid = "zhaolei" }, attributes = new { name = "门店客户" + phone[^4..], city },
                },
            },
        });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.ReadAsync())["results"]![0]!["customer_id"]!.GetValue<long>();
    }

    private async Task<JsonObject> RouteAsync(object body)
    {
        var response = await _app.PostAsJsonAsync("/api/v1/stores/route", body);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.ReadAsync()).AsObject();
    }

    private async Task<int> NearCountAsync(long store, double km, bool fallback, long customer)
    {
        var condition = new
        {
            version = 1,
            root = new
            {
                type = "all",
                children = new object[]
                {
                    new { type = "near_store", store_id = store, within_km = km, city_fallback = fallback },
                    new { type = "list", customer_ids = new[] { customer } },
                },
            },
        };
        var response = await _admin.PostAsJsonAsync("/api/v1/audiences/preview", new { condition });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.ReadAsync())["count"]!.GetValue<int>();
    }

    private static async Task EventuallyCountAsync(Func<Task<int>> count, int expected)
    {
        var last = -1;
        for (var i = 0; i < 100 && (last = await count()) != expected; i++)
        {
            await Task.Delay(100);
        }
        Assert.Equal(expected, last);
    }

    [Fact]
    public async Task Customers_are_routed_by_consented_location_or_by_city_and_audiences_see_only_consented_locations()
    {
        // The 人民广场 store has its own channel code (门店活码) with 黄婷 (huangting).
        var channel = await _admin.PostAsJsonAsync("/api/v1/wecom/channels", new { name = "人民广场店活码", staff = new object[] { new { userid = "huangting" } } });
        Assert.True(channel.StatusCode == HttpStatusCode.Created, await channel.Content.ReadAsStringAsync());
        var channelView = await channel.ReadAsync();
        var import = await _admin.PostAsJsonAsync("/api/v1/stores/import", new
        {
            stores = new object[]
            {
                new { code = "SH-001", name = "人民广场店", city = "上海", latitude = SquareLat, longitude = SquareLng, service_radius_km = 5, staff_userids = new[] { "huangting" }, channel_code_id = channelView["id"]!.GetValue<long>() },
                new { code = "SH-002", name = "漕河泾店", city = "上海", latitude = 31.1686, longitude = 121.3990, service_radius_km = 3, staff_userids = new[] { "lihua" } },
                new { code = "SH-003", name = "装修中", city = "上海", latitude = 31.2390, longitude = 121.4990, service_radius_km = 5, status = "closed" },
                new { code = "BJ-001", name = "国贸店", city = "北京", latitude = 39.9087, longitude = 116.4605, service_radius_km = 5 },
            },
        });
        Assert.True(import.IsSuccessStatusCode, await import.Content.ReadAsStringAsync());
        Assert.Equal(4, (await import.ReadAsync())["created"]!.GetValue<int>());
        var stores = (await (await _admin.GetAsync("/api/v1/stores")).ReadAsync())["items"]!.AsArray();
        long StoreId(string code) => stores.Single(s => s!["code"]!.GetValue<string>() == code)!["id"]!.GetValue<long>();

        // With consent: 外滩 (~2.7 km from 人民广场, next to the closed store) goes to 人民广场店 and gets its QR code.
        var consenting = await CustomerAsync("13800000101", "北京");
        var grant = await _admin.PutAsJsonAsync($"/api/v1/customers/{consenting}/consents", new { channel = "data", topic = "location", granted = true, source = "h5" });
        Assert.True(grant.IsSuccessStatusCode, await grant.Content.ReadAsStringAsync());
        var routed = await RouteAsync(new { customer_id = consenting, lat = 31.2397, lng = 121.4998 });
        Assert.Equal("location", routed["via"]!.GetValue<string>());
        Assert.Equal("SH-001", routed["store"]!["code"]!.GetValue<string>());
        Assert.InRange(routed["distance_km"]!.GetValue<double>(), 2, 3);
        Assert.True(routed["location_stored"]!.GetValue<bool>());
        Assert.Equal(channelView["qr_code"]!.GetValue<string>(), routed["qr_code"]!.GetValue<string>());

        // The customer scans the store's code in WeCom and lands with 黄婷.
        var scan = await _sim.PostAsJsonAsync("/sim/contacts/add", new { userid = "huangting", name = "外滩客户", state = channelView["state"]!.GetValue<string>() });
        Assert.Equal(HttpStatusCode.OK, scan.StatusCode);

        // The recorded location answers "within 3 km of 人民广场店" (not within 2 km), once the event is applied.
        await EventuallyCountAsync(() => NearCountAsync(StoreId("SH-001"), 3, false, consenting), 1);
        Assert.Equal(0, await NearCountAsync(StoreId("SH-001"), 2, false, consenting));

        // Without consent: the coordinates are ignored (not used, not kept); the chosen city decides.
        var anonymous = await CustomerAsync("13800000102", "上海");
        var byCity = await RouteAsync(new { customer_id = anonymous, lat = 31.2397, lng = 121.4998 });
        Assert.Equal("city", byCity["via"]!.GetValue<string>());
        Assert.Equal("no_location_consent", byCity["location_ignored"]!.GetValue<string>());
        Assert.False(byCity["location_stored"]!.GetValue<bool>());
        Assert.Contains(byCity["store"]!["code"]!.GetValue<string>(), new[] { "SH-001", "SH-002" }); // never the closed store
        var events = (await (await _admin.GetAsync($"/api/v1/customers/{anonymous}/events")).ReadAsync()).AsArray();
        Assert.NotEmpty(events);
        Assert.DoesNotContain(events, e => e!["type"]!.GetValue<string>() == "location.reported");
        Assert.Equal(0, await NearCountAsync(StoreId("SH-001"), 3, false, anonymous));
        Assert.Equal(1, await NearCountAsync(StoreId("SH-001"), 3, true, anonymous)); // city fallback: chose 上海

        // The request's city wins over the profile's; a city without stores routes nowhere.
        Assert.Equal("BJ-001", (await RouteAsync(new { customer_id = anonymous, city = "北京" }))["store"]!["code"]!.GetValue<string>());
        Assert.Equal("none", (await RouteAsync(new { customer_id = anonymous, city = "拉萨" }))["via"]!.GetValue<string>());

        // Consent revoked: the stored location stops counting at once.
        var revoke = await _admin.PutAsJsonAsync($"/api/v1/customers/{consenting}/consents", new { channel = "data", topic = "location", granted = false, source = "h5" });
        Assert.True(revoke.IsSuccessStatusCode);
        await EventuallyCountAsync(() => NearCountAsync(StoreId("SH-001"), 3, false, consenting), 0);

        // Out of every store's radius with consent: falls back to the city (the profile's 北京).
        await _admin.PutAsJsonAsync($"/api/v1/customers/{consenting}/consents", new { channel = "data", topic = "location", granted = true, source = "h5" });
        var far = await RouteAsync(new { customer_id = consenting, lat = 30.5, lng = 114.3 }); // 武汉
        Assert.Equal("city", far["via"]!.GetValue<string>());
        Assert.Equal("BJ-001", far["store"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_locator_answers_open_stores_nearest_first_and_bad_input_names_the_field()
    {
        var import = await _admin.PostAsJsonAsync("/api/v1/stores/import", new
        {
            stores = new object[]
            {
                new { code = "A", name = "近", city = "上海", latitude = SquareLat, longitude = SquareLng, service_radius_km = 3 },
                new { code = "B", name = "远", city = "上海", latitude = 31.1686, longitude = 121.3990, service_radius_km = 3 },
                new { code = "C", name = "夜店", city = "上海", latitude = 31.2310, longitude = 121.4740, service_radius_km = 3, status = "closed" },
            },
        });
        Assert.True(import.IsSuccessStatusCode, await import.Content.ReadAsStringAsync());
        var nearest = (await (await _app.GetAsync($"/api/v1/stores/nearest?lat={SquareLat}&lng={SquareLng}")).ReadAsync())["items"]!.AsArray();
        Assert.Equal(["A", "B"], nearest.Select(n => n!["store"]!["code"]!.GetValue<string>()));

        var bad = await _admin.PostAsJsonAsync("/api/v1/stores/import", new
        {
            stores = new object[]
            {
                new { code = "D", name = "好", city = "上海", latitude = 31.0, longitude = 121.0, service_radius_km = 3 },
                new { code = "E", name = "坏", city = "上海", latitude = 91.0, longitude = 121.0, service_radius_km = 3, opens_at = "10:00" },
            },
        });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.ReadAsync())["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("stores[1].latitude"), errors.ToJsonString());
        Assert.True(errors.ContainsKey("stores[1].closes_at"), errors.ToJsonString());
        // All or nothing: D was not imported either.
        Assert.Equal(3, (await (await _admin.GetAsync("/api/v1/stores")).ReadAsync())["items"]!.AsArray().Count);

        var duplicate = await _admin.PostAsJsonAsync("/api/v1/stores", new { code = "A", name = "重复", city = "上海", latitude = 31.0, longitude = 121.0, service_radius_km = 3 });
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        var noLng = await _app.GetAsync($"/api/v1/stores/nearest?lat={SquareLat}");
        Assert.True((await noLng.ReadAsync())["errors"]!.AsObject().ContainsKey("lng"));
        var route = await _app.PostAsJsonAsync("/api/v1/stores/route", new { lat = 31.0 });
        var routeErrors = (await route.ReadAsync())["errors"]!.AsObject();
        Assert.True(routeErrors.ContainsKey("customer_id") && routeErrors.ContainsKey("lng"), routeErrors.ToJsonString());
        var badAudience = await _admin.PostAsJsonAsync("/api/v1/audiences/preview", new { condition = new { version = 1, root = new { type = "near_store", store_id = 99999, within_km = 3 } } });
        Assert.Equal(HttpStatusCode.BadRequest, badAudience.StatusCode);
    }
}
