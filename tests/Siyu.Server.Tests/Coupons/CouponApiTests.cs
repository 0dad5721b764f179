using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Siyu.Core.Coupons;
using Siyu.Server.Coupons;
using Siyu.Server.Data;
using Siyu.Server.Tests.Audiences;

namespace Siyu.Server.Tests.Coupons;

/// <summary>
/// Coupons end to end: templates, issue, redemption by a store API key (scope coupons:redeem), expiry with a movable
/// clock, and the concurrency guarantees (stock, single redemption, per-customer limit) and abuse limits.
/// </summary>
public sealed class CouponApiTests : IAsyncLifetime
{
    // 10:00 China time on 1 Dec 2026.
    private readonly MovableTime _time = new(new DateTimeOffset(2026, 12, 1, 2, 0, 0, TimeSpan.Zero));
    private SiyuFactory _factory = null!;
    private HttpClient _admin = null!;
    private HttpClient _store = null!;
    private int _phones;

    public async Task InitializeAsync()
    {
        _factory = new SiyuFactory(time: _time, settings: new Dictionary<string, string> { ["Siyu:Coupons:FailedLookupsPerMinute"] = "5" });
        _admin = await _factory.AdminClientAsync();
        var created = await _admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "store SH01", scopes = new[] { "coupons:redeem" } });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        _store = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        _store.DefaultRequestHeaders.Add("X-Api-Key", (await created.ReadAsync())["secret"]!.GetValue<string>());
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private async Task<List<long>> CustomersAsync(int n)
    {
        var events = Enumerable.Range(0, n).Select(_ =>
        {
            var phone = $"139{Interlocked.Increment(ref _phones):D8}";
            return new
            {
                id = "add-" + phone, type = "customer.added", timestamp = _time.Now.AddDays(-1).ToString("O"), identifiers = new { phone },
                properties = new { staff_userid = "zhang" }, attributes = new { name = "客户" + phone[^4..] },
            };
        }).ToArray();
        var response = await _factory.ApiClient().PostEventsAsync(new { events });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return [.. (await response.ReadAsync())["results"]!.AsArray().Select(r => r!["customer_id"]!.GetValue<long>())];
    }

    private async Task<long> TemplateAsync(object body)
    {
        var response = await _admin.PostAsJsonAsync("/api/v1/coupon-templates", body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.ReadAsync())["id"]!.GetValue<long>();
    }

    private static object Basic(int stock = 10, int perCustomer = 1, int? dayCap = null) => new
    {
        name = "满100减20", kind = "amount_off", face_value = 20m, min_spend = 100m, valid_days = 7, total_stock = stock, per_customer_limit = perCustomer,
        per_day_issue_cap = dayCap,
    };

    private async Task<JsonArray> IssueAsync(long template, params long[] customers)
    {
        var response = await _admin.PostAsJsonAsync($"/api/v1/coupon-templates/{template}/issue", new { customer_ids = customers });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.ReadAsync())["results"]!.AsArray();
    }

    private async Task<int> CouponRowsAsync(long template)
    {
        await using var db = await _factory.Services.GetRequiredService<IDbContextFactory<SiyuDb>>().CreateDbContextAsync();
        return await db.Coupons.CountAsync(c => c.TemplateId == template);
    }

    private static async Task<JsonNode> TimelineHasAsync(HttpClient admin, long customer, string type) =>
        await Json.EventuallyAsync(() => admin.GetJsonOrNull($"/api/v1/customers/{customer}/events"),
            e => e.ToJsonString().Contains($"\"{type}\"", StringComparison.Ordinal));

    [Fact]
    public async Task Create_issue_verify_redeem_and_expire()
    {
        var customers = await CustomersAsync(2);
        var template = await TemplateAsync(Basic());
        var results = await IssueAsync(template, customers[0], customers[1], 987654321);
        Assert.Equal(["issued", "issued", "unknown_customer"], results.Select(r => r!["outcome"]!.GetValue<string>()));
        var code = results[0]!["code"]!.GetValue<string>();
        var other = results[1]!["code"]!.GetValue<string>();
        Assert.True(CouponCodes.IsWellFormed(code));

        // Verify: 150.00 passes the 100.00 minimum, 20.00 off; 50.00 does not.
        var ok = await _store.GetJsonOrNull($"/api/v1/coupons/{code}?amount=150");
        Assert.True(ok!["valid"]!.GetValue<bool>());
        Assert.Equal(20m, ok["discount"]!.GetValue<decimal>());
        Assert.Equal(130m, ok["payable"]!.GetValue<decimal>());
        var low = await _store.GetJsonOrNull($"/api/v1/coupons/{code.ToLowerInvariant()}?amount=50");
        Assert.Equal("min_spend", low!["reason"]!.GetValue<string>());

        // The default ingest key may not redeem; the store key may not create templates.
        Assert.Equal(HttpStatusCode.Forbidden, (await _factory.ApiClient().PostAsJsonAsync($"/api/v1/coupons/{code}/redeem", new { order_id = "O1", amount = 150m })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _store.PostAsJsonAsync("/api/v1/coupon-templates", Basic())).StatusCode);

        var redeemed = await _store.PostAsJsonAsync($"/api/v1/coupons/{code}/redeem", new { order_id = "O1", amount = 150m, store_id = "SH01", customer_id = customers[0] });
        Assert.Equal(HttpStatusCode.OK, redeemed.StatusCode);
        var body = await redeemed.ReadAsync();
        Assert.Equal(20m, body["discount"]!.GetValue<decimal>());
        Assert.False(body["replayed"]!.GetValue<bool>());
        // The same order again: the same answer, nothing more redeemed.
        var again = await (await _store.PostAsJsonAsync($"/api/v1/coupons/{code}/redeem", new { order_id = "O1", amount = 150m, store_id = "SH01" })).ReadAsync();
        Assert.True(again["replayed"]!.GetValue<bool>());
        var second = await _store.PostAsJsonAsync($"/api/v1/coupons/{code}/redeem", new { order_id = "O2", amount = 150m });
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal("already_redeemed", (await second.ReadAsync())["reason"]!.GetValue<string>());
        // Another customer's coupon is refused for this customer.
        var wrong = await _store.PostAsJsonAsync($"/api/v1/coupons/{other}/redeem", new { order_id = "O3", amount = 150m, customer_id = customers[0] });
        Assert.Equal("customer_id", (await wrong.ReadAsync())["field"]!.GetValue<string>());

        var stats = await _admin.GetJsonOrNull($"/api/v1/coupon-templates/{template}");
        Assert.Equal((8, 2, 1, 0.5), (stats!["remaining"]!.GetValue<int>(), stats["issued"]!.GetValue<int>(), stats["redeemed"]!.GetValue<int>(), stats["redemption_rate"]!.GetValue<double>()));
        await TimelineHasAsync(_admin, customers[0], "coupon.issued");
        await TimelineHasAsync(_admin, customers[0], "coupon.redeemed");

        // Seven days later the unused coupon expires (once), with its event; the redeemed one stays redeemed.
        _time.Now = _time.Now.AddDays(7);
        var service = _factory.Services.GetRequiredService<CouponService>();
        Assert.Equal(1, await service.ExpireDueAsync());
        Assert.Equal(0, await service.ExpireDueAsync());
        var mine = (await _admin.GetJsonOrNull($"/api/v1/customers/{customers[1]}/coupons"))!["items"]!.AsArray();
        Assert.Equal("expired", Assert.Single(mine)!["status"]!.GetValue<string>());
        Assert.Equal("redeemed", (await _admin.GetJsonOrNull($"/api/v1/customers/{customers[0]}/coupons"))!["items"]![0]!["status"]!.GetValue<string>());
        await TimelineHasAsync(_admin, customers[1], "coupon.expired");
        var late = await _store.PostAsJsonAsync($"/api/v1/coupons/{other}/redeem", new { order_id = "O4", amount = 150m });
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Equal("expired", (await late.ReadAsync())["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Hundred_parallel_issues_against_stock_30_issue_exactly_30()
    {
        var customers = await CustomersAsync(100);
        var template = await TemplateAsync(Basic(stock: 30));
        var outcomes = await Task.WhenAll(customers.Select(async c => (await IssueAsync(template, c))[0]!["outcome"]!.GetValue<string>()));
        Assert.Equal(30, outcomes.Count(o => o == "issued"));
        Assert.Equal(70, outcomes.Count(o => o == "out_of_stock"));
        Assert.Equal(30, await CouponRowsAsync(template));
        Assert.Equal(0, (await _admin.GetJsonOrNull($"/api/v1/coupon-templates/{template}"))!["remaining"]!.GetValue<int>());
    }

    [Fact]
    public async Task Twenty_parallel_redemptions_of_one_code_redeem_it_once()
    {
        var customers = await CustomersAsync(1);
        var template = await TemplateAsync(Basic());
        var code = (await IssueAsync(template, customers[0]))[0]!["code"]!.GetValue<string>();
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            _store.PostAsJsonAsync($"/api/v1/coupons/{code}/redeem", new { order_id = $"P{i}", amount = 120m })));
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(19, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        Assert.Equal(1, (await _admin.GetJsonOrNull($"/api/v1/coupon-templates/{template}"))!["redeemed"]!.GetValue<int>());
        await TimelineHasAsync(_admin, customers[0], "coupon.redeemed");
    }

    [Fact]
    public async Task Per_customer_limit_holds_under_parallel_issues()
    {
        var customers = await CustomersAsync(1);
        var template = await TemplateAsync(Basic(stock: 100, perCustomer: 2));
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ => (await IssueAsync(template, customers[0]))[0]!["outcome"]!.GetValue<string>()));
        Assert.Equal(2, outcomes.Count(o => o == "issued"));
        Assert.Equal(18, outcomes.Count(o => o == "customer_limit_reached"));
        Assert.Equal(2, await CouponRowsAsync(template));
        // Refused issues give their stock back.
        Assert.Equal(98, (await _admin.GetJsonOrNull($"/api/v1/coupon-templates/{template}"))!["remaining"]!.GetValue<int>());
    }

    [Fact]
    public async Task Daily_cap_stops_issuing_until_the_next_china_day_and_pause_stops_it()
    {
        var customers = await CustomersAsync(4);
        var template = await TemplateAsync(Basic(stock: 100, dayCap: 2));
        Assert.Equal(["issued", "issued", "daily_cap_reached"], (await IssueAsync(template, customers[0], customers[1], customers[2])).Select(r => r!["outcome"]!.GetValue<string>()));
        // 23:59 China time is still the same day; 00:00 is the next.
        _time.Now = new DateTimeOffset(2026, 12, 1, 15, 59, 0, TimeSpan.Zero);
        Assert.Equal("daily_cap_reached", (await IssueAsync(template, customers[2]))[0]!["outcome"]!.GetValue<string>());
        _time.Now = new DateTimeOffset(2026, 12, 1, 16, 0, 0, TimeSpan.Zero);
        Assert.Equal("issued", (await IssueAsync(template, customers[2]))[0]!["outcome"]!.GetValue<string>());
        var paused = await _admin.PatchAsJsonAsync($"/api/v1/coupon-templates/{template}", new { status = "paused" });
        Assert.Equal("paused", (await paused.ReadAsync())["status"]!.GetValue<string>());
        Assert.Equal("paused", (await IssueAsync(template, customers[3]))[0]!["outcome"]!.GetValue<string>());
    }

    [Fact]
    public async Task Wrong_check_character_is_refused_without_a_lookup_and_failures_are_rate_limited()
    {
        var customers = await CustomersAsync(1);
        var template = await TemplateAsync(Basic());
        var code = (await IssueAsync(template, customers[0]))[0]!["code"]!.GetValue<string>();
        var typo = code[..^1] + CouponCodes.Alphabet.First(c => c != code[^1]);
        var service = _factory.Services.GetRequiredService<CouponService>();
        var lookups = service.CodeLookups;
        var bad = await _store.GetAsync($"/api/v1/coupons/{typo}?amount=150");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.NotNull((await bad.ReadAsync())["errors"]!["code"]);
        var swapped = code[1] != code[0] ? code[1] + code[0].ToString() + code[2..] : null;
        if (swapped is not null)
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await _store.PostAsJsonAsync($"/api/v1/coupons/{swapped}/redeem", new { order_id = "X", amount = 150m })).StatusCode);
        }
        Assert.Equal(lookups, service.CodeLookups);

        // Well-formed but unknown codes: looked up, 404, counted; the 5th failure in a minute blocks the key, even for its real code.
        var failures = swapped is null ? 1 : 2;
        while (failures < 5)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await _store.GetAsync($"/api/v1/coupons/{CouponCodes.Generate()}")).StatusCode);
            failures++;
        }
        var blocked = await _store.GetAsync($"/api/v1/coupons/{code}?amount=150");
        Assert.Equal((HttpStatusCode)429, blocked.StatusCode);
        Assert.Equal("code", (await blocked.ReadAsync())["field"]!.GetValue<string>());
        Assert.NotNull(blocked.Headers.RetryAfter);
        // Other callers are not affected; after a minute the key may look up again.
        Assert.True((await _admin.GetJsonOrNull($"/api/v1/coupons/{code}?amount=150"))!["valid"]!.GetValue<bool>());
        _time.Now = _time.Now.AddSeconds(61);
        Assert.Equal(HttpStatusCode.OK, (await _store.GetAsync($"/api/v1/coupons/{code}?amount=150")).StatusCode);
    }

    [Fact]
    public async Task Invalid_templates_and_requests_name_the_field()
    {
        async Task<string> Field(HttpResponseMessage r)
        {
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            return string.Join(",", (await r.ReadAsync())["errors"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        }
        Assert.Equal("percent_off", await Field(await _admin.PostAsJsonAsync("/api/v1/coupon-templates", new { name = "x", kind = "percent_off", percent_off = 0, valid_days = 3, total_stock = 1 })));
        Assert.Equal("face_value", await Field(await _admin.PostAsJsonAsync("/api/v1/coupon-templates", new { name = "x", kind = "amount_off", face_value = 1.234m, valid_days = 3, total_stock = 1 })));
        Assert.Equal("valid_days", await Field(await _admin.PostAsJsonAsync("/api/v1/coupon-templates", new { name = "x", kind = "gift", gift_name = "帆布袋", total_stock = 1 })));
        var template = await TemplateAsync(Basic());
        Assert.Equal("customer_ids", await Field(await _admin.PostAsJsonAsync($"/api/v1/coupon-templates/{template}/issue", new { customer_ids = Enumerable.Range(1, 1001).ToArray() })));
        Assert.Equal("status", await Field(await _admin.PatchAsJsonAsync($"/api/v1/coupon-templates/{template}", new { status = "deleted" })));
        var code = CouponCodes.Generate();
        Assert.Equal("amount,order_id", await Field(await _store.PostAsJsonAsync($"/api/v1/coupons/{code}/redeem", new { })));
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync("/api/v1/coupon-templates/424242")).StatusCode);
    }
}
