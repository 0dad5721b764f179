using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Siyu.Server.Data;
using Siyu.Server.Loyalty;
using Siyu.Server.Tests.Audiences;

namespace Siyu.Server.Tests.Loyalty;

/// <summary>
/// Points on a real server (SQLite): order.paid through the events API earns (¥ rounded down), a refund claws back only
/// what is left and records the shortfall, spends take the oldest lots first so expiry on a movable clock is exact,
/// retries with the same key answer the first result, and 50 parallel spends never overspend.
/// </summary>
public sealed class PointsTests : IAsyncLifetime
{
    // Now (customers are added a day back in real time); moved forward for expiry.
    private readonly MovableTime _time = new(DateTimeOffset.UtcNow);
    private SiyuFactory _factory = null!;
    private HttpClient _admin = null!;
    private HttpClient _api = null!;
    private int _n;

    public async Task InitializeAsync()
    {
        // The background poller is slowed right down: the tests drive each pass themselves.
        _factory = new SiyuFactory(time: _time, settings: new Dictionary<string, string> { ["Siyu:LoyaltyPollMs"] = "600000" });
        _admin = await _factory.AdminClientAsync();
        _api = _factory.ApiClient();
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private Task RunAsync() => _factory.Services.GetRequiredService<LoyaltyWorker>().RunOnceAsync();

    private async Task PostAsync(long customer, string type, object properties)
    {
        var response = await _api.PostEventsAsync(new
        {
            id = $"ev-{++_n}", type, timestamp = _time.Now.ToString("O"), customer_id = customer, properties,
        });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var result = (await response.ReadAsync())["results"]![0]!;
        Assert.Equal(customer, result["customer_id"]!.GetValue<long>());
    }

    private async Task<JsonNode> PointsAsync(long customer) => (await _admin.GetJsonOrNull($"/api/v1/customers/{customer}/points?limit=200"))!;

    private async Task<HttpResponseMessage> SpendAsync(long customer, long amount, string key, HttpClient? client = null) =>
        await (client ?? _admin).PostAsJsonAsync($"/api/v1/customers/{customer}/points/spend", new { amount, reason = "兑换礼品", idempotency_key = key });

    /// <summary>Ledger sum == balance == open lots' remaining, read straight from the tables.</summary>
    private async Task<(long Ledger, long Balance, long Lots)> SumsAsync(long customer)
    {
        await using var db = await _factory.Services.GetRequiredService<IDbContextFactory<SiyuDb>>().CreateDbContextAsync();
        var ledger = (await db.PointsLedger.Where(l => l.CustomerId == customer).Select(l => l.Amount).ToListAsync()).Sum();
        var balance = await db.PointsAccounts.Where(a => a.CustomerId == customer).Select(a => a.Balance).SingleAsync();
        var lots = (await db.PointsLots.Where(l => l.CustomerId == customer).Select(l => l.Remaining).ToListAsync()).Sum();
        return (ledger, balance, lots);
    }

    [Fact]
    public async Task Orders_earn_refunds_claw_back_spends_are_idempotent_and_expiry_is_exact()
    {
        var id = await _factory.AddCustomerAsync(_admin, "13900000001", "zhang", "积分甲");

        // ¥99.99 at the default 1 point per yuan → 99; ¥200 → 200.
        await PostAsync(id, "order.paid", new { order_id = "o1", amount = 99.99 });
        await PostAsync(id, "order.paid", new { order_id = "o2", amount = 200.00 });
        await RunAsync();
        await RunAsync(); // a second pass (or a crash and re-read) earns nothing more
        var p = await PointsAsync(id);
        Assert.Equal(299, p["balance"]!.GetValue<long>());
        Assert.Equal("normal", p["tier"]!.GetValue<string>());
        Assert.Equal(2, p["lots"]!.AsArray().Count);
        // Earned when the order was paid, expiring 365 days later (timestamps are stored to the millisecond).
        Assert.InRange(p["lots"]![0]!["expires_at"]!.GetValue<DateTimeOffset>() - _time.Now.AddDays(365), TimeSpan.FromSeconds(-1), TimeSpan.Zero);

        // Spend 250 (all of o1's 99, then 151 of o2's lot); the retry answers the first entry and changes nothing.
        var first = await SpendAsync(id, 250, "redeem-1");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var firstBody = await first.ReadAsync();
        Assert.Equal(49, firstBody["balance"]!.GetValue<long>());
        var retry = await (await SpendAsync(id, 250, "redeem-1")).ReadAsync();
        Assert.True(retry["replayed"]!.GetValue<bool>());
        Assert.Equal(firstBody["entry"]!["id"]!.GetValue<long>(), retry["entry"]!["id"]!.GetValue<long>());
        Assert.Equal(49, (await PointsAsync(id))["balance"]!.GetValue<long>());

        // Full refund of o2: 200 owed, only 49 left → 49 clawed back, 151 recorded as the shortfall, balance 0 (never negative).
        await PostAsync(id, "order.refunded", new { order_id = "o2", amount = 200 });
        await RunAsync();
        p = await PointsAsync(id);
        Assert.Equal(0, p["balance"]!.GetValue<long>());
        var reverse = p["ledger"]!.AsArray().First(e => e!["kind"]!.GetValue<string>() == "reverse")!;
        Assert.Equal(-49, reverse["amount"]!.GetValue<long>());
        Assert.Equal(151, reverse["shortfall"]!.GetValue<long>());

        // Insufficient: 409 problem details naming amount.
        var refused = await SpendAsync(id, 1, "redeem-2");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal("amount", (await refused.ReadAsync())["field"]!.GetValue<string>());

        // Expiry: o3 earns 50 on day 0, o4 earns 30 on day 200; spending 60 takes o3's 50 and 10 of o4.
        var day0 = _time.Now;
        await PostAsync(id, "order.paid", new { order_id = "o3", amount = 50 });
        await RunAsync();
        _time.Now = day0.AddDays(200);
        _admin = await _factory.AdminClientAsync(); // the console session expired with the clock move
        await PostAsync(id, "order.paid", new { order_id = "o4", amount = 30 });
        await RunAsync();
        Assert.Equal(HttpStatusCode.OK, (await SpendAsync(id, 60, "redeem-3")).StatusCode);
        // Day 365: o3's lot expires but nothing is left in it, so nothing expires.
        _time.Now = day0.AddDays(365).AddMinutes(1);
        await RunAsync();
        _admin = await _factory.AdminClientAsync();
        Assert.Equal(20, (await PointsAsync(id))["balance"]!.GetValue<long>());
        // Day 565: o4's remaining 20 expire.
        _time.Now = day0.AddDays(565).AddMinutes(1);
        await RunAsync();
        _admin = await _factory.AdminClientAsync();
        p = await PointsAsync(id);
        Assert.Equal(0, p["balance"]!.GetValue<long>());
        var expire = p["ledger"]!.AsArray().Where(e => e!["kind"]!.GetValue<string>() == "expire").ToList();
        Assert.Equal(-20, Assert.Single(expire)!["amount"]!.GetValue<long>());
        Assert.Empty(p["lots"]!.AsArray());

        // 99 + 200 - 250 - 49 + 50 + 30 - 60 - 20 = 0, everywhere.
        Assert.Equal((0L, 0L, 0L), await SumsAsync(id));

        // Every change is on the customer's timeline.
        await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/customers/{id}/events?limit=100"),
            t => (t as JsonArray ?? t["items"]!.AsArray()).Count(e => e!["type"]?.GetValue<string>() == "points.changed") == 8);
    }

    [Fact]
    public async Task Parallel_spends_never_overspend()
    {
        var id = await _factory.AddCustomerAsync(_admin, "13900000002", "zhang", "积分乙");
        var adjust = await _admin.PostAsJsonAsync($"/api/v1/customers/{id}/points/adjust", new { amount = 1000, reason = "开卡赠送", idempotency_key = "welcome" });
        Assert.Equal(HttpStatusCode.OK, adjust.StatusCode);

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => SpendAsync(id, 30, $"par-{i}")));

        Assert.Equal(33, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(17, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        Assert.Equal(10, (await PointsAsync(id))["balance"]!.GetValue<long>());
        Assert.Equal((10L, 10L, 10L), await SumsAsync(id));
        await using var db = await _factory.Services.GetRequiredService<IDbContextFactory<SiyuDb>>().CreateDbContextAsync();
        Assert.Equal(33, await db.PointsLedger.CountAsync(l => l.CustomerId == id && l.Kind == "spend"));

        // Retrying all 50 changes nothing: the 33 answer their first result, the 17 are still refused.
        var retries = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => SpendAsync(id, 30, $"par-{i}")));
        Assert.Equal(33, retries.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal((10L, 10L, 10L), await SumsAsync(id));
    }

    [Fact]
    public async Task Settings_tiers_and_permissions()
    {
        var id = await _factory.AddCustomerAsync(_admin, "13900000003", "zhang", "积分丙");
        var bad = await _admin.PutAsJsonAsync("/api/v1/loyalty/settings", new { points_per_yuan = 1, expiry_days = 0, tiers = new[] { new { code = "a", name = "A", threshold = 5 } } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.ReadAsync())["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("expiry_days") && errors.ContainsKey("tiers[0].threshold"), errors.ToJsonString());

        var put = await _admin.PutAsJsonAsync("/api/v1/loyalty/settings", new
        {
            points_per_yuan = 2, expiry_days = 30, downgrade_grace_days = 10,
            tiers = new object[]
            {
                new { code = "basic", name = "普通", threshold = 0 },
                new { code = "vip", name = "VIP", threshold = 100, benefits = new[] { "会员日9.5折" }, member_day = new { day_of_month = 8, discount = 0.95 } },
            },
        });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());

        // ¥60 at 2 points per yuan = 120 ≥ 100: upgraded at once.
        await PostAsync(id, "order.paid", new { order_id = "t1", amount = 60 });
        await RunAsync();
        var p = await PointsAsync(id);
        Assert.Equal(120, p["balance"]!.GetValue<long>());
        Assert.Equal("vip", p["tier"]!.GetValue<string>());
        var summary = await _admin.GetJsonOrNull("/api/v1/loyalty/tiers/summary");
        Assert.Equal(1, summary!["items"]!.AsArray().Single(t => t!["code"]!.GetValue<string>() == "vip")!["members"]!.GetValue<int>());

        var audit = await _admin.GetJsonOrNull("/api/v1/audit/?limit=50");
        Assert.Contains("loyalty.settings.update", audit!.ToJsonString());
    }
}
