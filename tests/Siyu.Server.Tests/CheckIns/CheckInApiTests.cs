using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Siyu.Server.CheckIns;
using Siyu.Server.Data;
using Siyu.Server.Tests.Audiences;

namespace Siyu.Server.Tests.CheckIns;

/// <summary>
/// Check-in campaigns end to end with a moved clock: check-ins by a mini-program API key, streaks in Shanghai local days,
/// the 7th-day coupon exactly once under retries, a missed day resetting or filled by a make-up card, points through the
/// ledger as kind checkin, and reminders only to participants who have not checked in today.
/// </summary>
public sealed class CheckInApiTests : IAsyncLifetime
{
    // 10:00 Shanghai time on 1 Dec 2026.
    private readonly MovableTime _time = new(new DateTimeOffset(2026, 12, 1, 2, 0, 0, TimeSpan.Zero));
    private SiyuFactory _factory = null!;
    private HttpClient _admin = null!;
    private HttpClient _app = null!;
    private int _phones;

    public async Task InitializeAsync()
    {
        _factory = new SiyuFactory(time: _time);
        _admin = await _factory.AdminClientAsync();
        var created = await _admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "打卡小程序", scopes = new[] { "campaigns:participate" } });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        _app = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        _app.DefaultRequestHeaders.Add("X-Api-Key", (await created.ReadAsync())["secret"]!.GetValue<string>());
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private async Task<List<long>> CustomersAsync(int n)
    {
        var events = Enumerable.Range(0, n).Select(_ =>
        {
            var phone = $"136{Interlocked.Increment(ref _phones):D8}";
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

    private async Task<long> CouponTemplateAsync()
    {
        var response = await _admin.PostAsJsonAsync("/api/v1/coupon-templates", new
        {
            name = "打卡券 减5", kind = "amount_off", face_value = 5m, valid_days = 7, total_stock = 100, per_customer_limit = 10,
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.ReadAsync())["id"]!.GetValue<long>();
    }

    private async Task<long> CampaignAsync(object body)
    {
        var response = await _admin.PostAsJsonAsync("/api/v1/check-ins", body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.ReadAsync())["id"]!.GetValue<long>();
    }

    private Task<HttpResponseMessage> CheckInAsync(long campaign, long customer, string? day = null) =>
        _app.PostAsJsonAsync($"/api/v1/check-ins/{campaign}/check-in", new { customer_id = customer, day });

    private async Task<JsonNode> CheckInOkAsync(long campaign, long customer, string? day = null)
    {
        var response = await CheckInAsync(campaign, customer, day);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.ReadAsync();
    }

    private async Task<string> RefusedAsync(long campaign, long customer, string? day = null)
    {
        var response = await CheckInAsync(campaign, customer, day);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        return (await response.ReadAsync())["reason"]!.GetValue<string>();
    }

    /// <summary>Moves to <paramref name="hour"/>:<paramref name="minute"/> Shanghai time on December <paramref name="day"/> 2026.</summary>
    private void At(int day, int hour, int minute = 0) =>
        _time.Now = new DateTimeOffset(2026, 12, day, hour, minute, 0, TimeSpan.FromHours(8)).ToUniversalTime();

    [Fact]
    public async Task Seventh_consecutive_day_issues_the_coupon_exactly_once_even_when_retried()
    {
        var template = await CouponTemplateAsync();
        var campaign = await CampaignAsync(new
        {
            name = "21天打卡", missed_day_rule = "reset",
            rewards = new object[]
            {
                new { name = "7天券", kind = "coupon", every_days = 7, coupon_template_id = template },
                new { name = "3天积分", kind = "points", at_day = 3, points = 30 },
                new { name = "21天礼品", kind = "gift", at_day = 21 },
            },
        });
        var customer = (await CustomersAsync(1))[0];

        // Days 1–6, checking in late at night and just after midnight: each is its own local day.
        for (var d = 1; d <= 6; d++)
        {
            At(d, d % 2 == 0 ? 0 : 23, d % 2 == 0 ? 1 : 59);
            var done = await CheckInOkAsync(campaign, customer);
            Assert.Equal(d, done["check_in"]!["streak"]!.GetValue<int>());
            Assert.Equal($"2026-12-{d:D2}", done["check_in"]!["day"]!.GetValue<string>());
            Assert.Equal(d == 3 ? 1 : 0, done["rewards"]!.AsArray().Count);
        }

        At(7, 9);
        var seventh = await CheckInOkAsync(campaign, customer);
        var retried = await CheckInOkAsync(campaign, customer);
        Assert.False(seventh["replayed"]!.GetValue<bool>());
        Assert.True(retried["replayed"]!.GetValue<bool>());
        Assert.Equal(7, seventh["check_in"]!["streak"]!.GetValue<int>());
        var reward = Assert.Single(seventh["rewards"]!.AsArray())!;
        Assert.Equal(("7天券", "delivered", 7), (reward["name"]!.GetValue<string>(), reward["status"]!.GetValue<string>(), reward["milestone"]!.GetValue<int>()));
        Assert.Equal(reward["ref"]!.GetValue<string>(), Assert.Single(retried["rewards"]!.AsArray())!["ref"]!.GetValue<string>());

        // Parallel retries of day 7 change nothing either.
        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => CheckInOkAsync(campaign, customer)));

        await using var db = await _factory.Services.GetRequiredService<IDbContextFactory<SiyuDb>>().CreateDbContextAsync();
        Assert.Equal(1, await db.Coupons.CountAsync(c => c.CustomerId == customer && c.IssuedBy.StartsWith("checkin-reward:")));
        Assert.Equal(7, await db.CheckIns.CountAsync(c => c.CampaignId == campaign && c.CustomerId == customer));
        var points = await db.PointsLedger.Where(l => l.CustomerId == customer).ToListAsync();
        var credit = Assert.Single(points);
        Assert.Equal(("checkin", 30L), (credit.Kind, credit.Amount));

        var streak = await (await _app.GetAsync($"/api/v1/check-ins/{campaign}/customers/{customer}")).ReadAsync();
        Assert.Equal(7, streak["current_streak"]!.GetValue<int>());
        Assert.True(streak["checked_in_today"]!.GetValue<bool>());
        var results = await (await _admin.GetAsync($"/api/v1/check-ins/{campaign}/results?days=7")).ReadAsync();
        Assert.Equal(1, results["participants"]!.GetValue<int>());
        Assert.Equal(7, results["check_ins"]!.GetValue<int>());
        Assert.Equal(2, results["rewards_by_status"]!["delivered"]!.GetValue<int>());
        Assert.All(results["daily"]!.AsArray(), d => Assert.Equal(1, d!["check_ins"]!.GetValue<int>()));
    }

    [Fact]
    public async Task A_missed_day_resets_the_streak_and_make_ups_are_refused()
    {
        var campaign = await CampaignAsync(new { name = "重置打卡", missed_day_rule = "reset", rewards = Array.Empty<object>() });
        var customer = (await CustomersAsync(1))[0];
        At(1, 10);
        await CheckInOkAsync(campaign, customer);
        At(2, 10);
        Assert.Equal(2, (await CheckInOkAsync(campaign, customer))["check_in"]!["streak"]!.GetValue<int>());
        At(4, 10); // 3 Dec missed
        Assert.Equal(1, (await CheckInOkAsync(campaign, customer))["check_in"]!["streak"]!.GetValue<int>());
        Assert.Equal("make_up_not_allowed", await RefusedAsync(campaign, customer, "2026-12-03"));
        Assert.Equal("future_day", await RefusedAsync(campaign, customer, "2026-12-05"));
    }

    [Fact]
    public async Task A_make_up_card_fills_the_missed_day_once_per_month()
    {
        var campaign = await CampaignAsync(new { name = "补签打卡", missed_day_rule = "make_up", make_ups_per_month = 1, make_up_window_days = 7, rewards = Array.Empty<object>() });
        var customer = (await CustomersAsync(1))[0];
        foreach (var d in new[] { 1, 2, 3, 5 })
        {
            At(d, 12);
            await CheckInOkAsync(campaign, customer);
        }
        At(7, 12); // 4 and 6 Dec missed
        var madeUp = await CheckInOkAsync(campaign, customer, "2026-12-04");
        Assert.True(madeUp["check_in"]!["make_up"]!.GetValue<bool>());
        Assert.Equal(5, madeUp["check_in"]!["streak"]!.GetValue<int>()); // 1–5 Dec
        Assert.Equal("2026-12-01", madeUp["check_in"]!["streak_start"]!.GetValue<string>());
        Assert.Equal("make_up_limit", await RefusedAsync(campaign, customer, "2026-12-06"));
        // Today after the make-up: 6 Dec is still missing, so today starts a new streak.
        Assert.Equal(1, (await CheckInOkAsync(campaign, customer))["check_in"]!["streak"]!.GetValue<int>());
        var streak = await (await _app.GetAsync($"/api/v1/check-ins/{campaign}/customers/{customer}")).ReadAsync();
        Assert.Equal((1, 5, 6, 0), (streak["current_streak"]!.GetValue<int>(), streak["longest_streak"]!.GetValue<int>(),
            streak["total_days"]!.GetValue<int>(), streak["make_ups_left_this_month"]!.GetValue<int>()));
    }

    [Fact]
    public async Task Reminders_go_at_the_local_time_only_to_participants_not_yet_checked_in_today()
    {
        var campaign = await CampaignAsync(new { name = "提醒打卡", rewards = Array.Empty<object>(), reminder_time = "20:00", reminder_text = "今天还没打卡哦" });
        var customers = await CustomersAsync(3);
        At(1, 10);
        await CheckInOkAsync(campaign, customers[0]);
        await CheckInOkAsync(campaign, customers[1]);
        At(2, 9);
        await CheckInOkAsync(campaign, customers[0]); // customers[2] never took part

        var service = _factory.Services.GetRequiredService<CheckInService>();
        At(2, 19, 59);
        Assert.Equal(0, await service.RunRemindersAsync());
        At(2, 20, 1);
        Assert.Equal(1, await service.RunRemindersAsync());
        Assert.Equal(0, await service.RunRemindersAsync()); // once a day

        await using var db = await _factory.Services.GetRequiredService<IDbContextFactory<SiyuDb>>().CreateDbContextAsync();
        var sent = await db.OutboundMessages.Where(m => m.Origin == $"checkin:{campaign}").ToListAsync();
        var message = Assert.Single(sent);
        Assert.Equal((customers[1], "今天还没打卡哦", "reminder"), (message.CustomerId, message.Text, message.Topic));
    }

    [Fact]
    public async Task Bad_campaigns_and_requests_name_the_field()
    {
        var bad = await _admin.PostAsJsonAsync("/api/v1/check-ins", new
        {
            name = "", missed_day_rule = "never", rewards = new object[] { new { name = "券", kind = "coupon", every_days = 7, coupon_template_id = 999999 } },
            reminder_time = "8pm",
        });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var text = await bad.Content.ReadAsStringAsync();
        Assert.Contains("missed_day_rule", text);
        Assert.Contains("reminder_time", text);

        var campaign = await CampaignAsync(new { name = "校验", rewards = Array.Empty<object>() });
        var noCustomer = await CheckInAsync(campaign, 987654321);
        Assert.Equal(HttpStatusCode.BadRequest, noCustomer.StatusCode);
        var badDay = await CheckInAsync(campaign, (await CustomersAsync(1))[0], "3 Dec");
        Assert.Equal(HttpStatusCode.BadRequest, badDay.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await CheckInAsync(campaign + 1000, 1)).StatusCode);
        // The API key may check in but not create campaigns.
        Assert.Equal(HttpStatusCode.Forbidden, (await _app.PostAsJsonAsync("/api/v1/check-ins", new { name = "x" })).StatusCode);
    }
}
