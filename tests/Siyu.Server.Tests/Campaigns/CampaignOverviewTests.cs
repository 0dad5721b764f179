using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Siyu.Server.Tests.Audiences;

namespace Siyu.Server.Tests.Campaigns;

/// <summary>The campaigns overview counts what the campaign APIs did, inside its 7-day window only.</summary>
public sealed class CampaignOverviewTests : IAsyncLifetime
{
    private readonly MovableTime _time = new(new DateTimeOffset(2026, 12, 1, 2, 0, 0, TimeSpan.Zero));
    private SiyuFactory _factory = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _factory = new SiyuFactory(time: _time);
        _admin = await _factory.AdminClientAsync();
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private async Task<List<long>> CustomersAsync(params string[] phones)
    {
        var response = await _factory.ApiClient().PostEventsAsync(new
        {
            events = phones.Select(phone => new
            {
                id = "add-" + phone, type = "customer.added", timestamp = _time.Now.AddDays(-1).ToString("O"), identifiers = new { phone },
                properties = new { staff_userid = "zhang" },
            }).ToArray(),
        });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return [.. (await response.ReadAsync())["results"]!.AsArray().Select(r => r!["customer_id"]!.GetValue<long>())];
    }

    private async Task<JsonNode> KindAsync(string kind) =>
        (await (await _admin.GetAsync("/api/v1/campaigns/overview")).ReadAsync())["items"]!.AsArray().Single(k => k!["kind"]!.GetValue<string>() == kind)!;

    private static long Figure(JsonNode kind, string key) => kind["figures"]!.AsArray().Single(f => f!["key"]!.GetValue<string>() == key)!["value"]!.GetValue<long>();

    [Fact]
    public async Task Coupons_and_points_are_counted_in_the_last_seven_days_only()
    {
        var customers = await CustomersAsync("13900000001", "13900000002", "13900000003");
        var template = await _admin.PostAsJsonAsync("/api/v1/coupon-templates", new
        {
            name = "满100减20", kind = "amount_off", face_value = 20m, min_spend = 100m, valid_days = 30, total_stock = 10, per_customer_limit = 1,
        });
        Assert.Equal(HttpStatusCode.Created, template.StatusCode);
        var templateId = (await template.ReadAsync())["id"]!.GetValue<long>();
        (await _admin.PostAsJsonAsync($"/api/v1/coupon-templates/{templateId}/issue", new { customer_ids = customers.Take(2) })).EnsureSuccessStatusCode();
        var adjust = await _admin.PostAsJsonAsync($"/api/v1/customers/{customers[0]}/points/adjust", new { amount = 120, reason = "补偿", idempotency_key = "c1" });
        Assert.True(adjust.IsSuccessStatusCode, await adjust.Content.ReadAsStringAsync());
        (await _admin.PostAsJsonAsync($"/api/v1/customers/{customers[0]}/points/spend", new { amount = 20, reason = "兑换", idempotency_key = "s1" })).EnsureSuccessStatusCode();

        var checkIn = await _admin.PostAsJsonAsync("/api/v1/check-ins", new
        {
            name = "每日打卡", missed_day_rule = "reset", rewards = new object[] { new { name = "首日积分", kind = "points", at_day = 1, points = 5 } },
        });
        Assert.True(checkIn.StatusCode == HttpStatusCode.Created, await checkIn.Content.ReadAsStringAsync());
        var campaign = (await checkIn.ReadAsync())["id"]!.GetValue<long>();
        foreach (var customer in customers.Take(2).Append(customers[0]))
        {
            Assert.True((await _admin.PostAsJsonAsync($"/api/v1/check-ins/{campaign}/check-in", new { customer_id = customer })).IsSuccessStatusCode);
        }
        var checkIns = await KindAsync("check_ins");
        Assert.Equal((1, 1), (checkIns["total"]!.GetValue<int>(), checkIns["active"]!.GetValue<int>()));
        Assert.Equal((2L, 2L, 2L), (Figure(checkIns, "check_ins"), Figure(checkIns, "checkers"), Figure(checkIns, "rewards")));

        var coupons = await KindAsync("coupons");
        Assert.Equal((1, 1, 2L, 0L), (coupons["total"]!.GetValue<int>(), coupons["active"]!.GetValue<int>(), Figure(coupons, "issued"), Figure(coupons, "redeemed")));
        var points = await KindAsync("points");
        Assert.Equal((130L, 20L), (Figure(points, "points_earned"), Figure(points, "points_spent")));
        Assert.Equal(2, points["active"]!.GetValue<int>());

        // Eight days on, the earlier issues are out of the window; a new one is in.
        _time.Now = _time.Now.AddDays(8);
        (await _admin.PostAsJsonAsync($"/api/v1/coupon-templates/{templateId}/issue", new { customer_ids = new[] { customers[2] } })).EnsureSuccessStatusCode();
        coupons = await KindAsync("coupons");
        Assert.Equal(1L, Figure(coupons, "issued"));
        Assert.Equal(0L, Figure(await KindAsync("points"), "points_earned"));
        Assert.Equal(0, (await KindAsync("lotteries"))["total"]!.GetValue<int>());
        Assert.Equal(0L, Figure(await KindAsync("check_ins"), "check_ins"));
    }
}
