using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Siyu.Server.Data;
using Siyu.Server.Tests.Audiences;

namespace Siyu.Server.Tests.Lottery;

/// <summary>
/// Lotteries end to end: draws by a mini-program API key (scope campaigns:participate), prizes delivered as coupons and
/// points, stock and limits under parallel draws, eligibility by audience, a points cost, idempotent retries, and the
/// commit–reveal audit recomputed here from the revealed seed.
/// </summary>
public sealed class LotteryApiTests : IAsyncLifetime
{
    // 10:00 China time on 1 Dec 2026.
    private readonly MovableTime _time = new(new DateTimeOffset(2026, 12, 1, 2, 0, 0, TimeSpan.Zero));
    private SiyuFactory _factory = null!;
    private HttpClient _admin = null!;
    private HttpClient _app = null!;
    private int _phones;

    public async Task InitializeAsync()
    {
        _factory = new SiyuFactory(time: _time);
        _admin = await _factory.AdminClientAsync();
        var created = await _admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "小程序", scopes = new[] { "campaigns:participate" } });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        _app = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        _app.DefaultRequestHeaders.Add("X-Api-Key", (await created.ReadAsync())["secret"]!.GetValue<string>());
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private async Task<List<long>> CustomersAsync(int n)
    {
        var events = Enumerable.Range(0, n).Select(_ =>
        {
            var phone = $"137{Interlocked.Increment(ref _phones):D8}";
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

    private async Task<long> CouponTemplateAsync(int stock)
    {
        var response = await _admin.PostAsJsonAsync("/api/v1/coupon-templates", new
        {
            name = "抽奖券 减10", kind = "amount_off", face_value = 10m, valid_days = 7, total_stock = stock, per_customer_limit = 5,
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.ReadAsync())["id"]!.GetValue<long>();
    }

    private async Task<JsonObject> LotteryAsync(object body)
    {
        var response = await _admin.PostAsJsonAsync("/api/v1/lotteries", body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.ReadAsync()).AsObject();
    }

    private Task<HttpResponseMessage> DrawAsync(long lottery, long customer, string key) =>
        _app.PostAsJsonAsync($"/api/v1/lotteries/{lottery}/draws", new { customer_id = customer, idempotency_key = key });

    private async Task<JsonObject> DrawOkAsync(long lottery, long customer, string key)
    {
        var response = await DrawAsync(lottery, customer, key);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.ReadAsync())["draw"]!.AsObject();
    }

    private static async Task<string> ReasonAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        return (await response.ReadAsync())["reason"]!.GetValue<string>();
    }

    [Fact]
    public async Task Parallel_draws_never_give_more_prizes_than_stock_and_each_winner_gets_a_real_coupon()
    {
        var template = await CouponTemplateAsync(stock: 100);
        var lottery = (await LotteryAsync(new
        {
            name = "双十二大转盘", draws_per_day = 1, draws_total = 1,
            prizes = new object[] { new { name = "10元券", kind = "coupon", chance = 1.0m, stock = 3, coupon_template_id = template } },
        }))["id"]!.GetValue<long>();
        var customers = await CustomersAsync(16);

        var draws = await Task.WhenAll(customers.Select(c => DrawOkAsync(lottery, c, $"k-{c}")));

        Assert.Equal(3, draws.Count(d => d["outcome"]!.GetValue<string>() == "won"));
        Assert.Equal(13, draws.Count(d => d["outcome"]!.GetValue<string>() == "sold_out"));
        var winners = draws.Where(d => d["outcome"]!.GetValue<string>() == "won").ToList();
        Assert.All(winners, d => Assert.Equal("delivered", d["reward_status"]!.GetValue<string>()));
        await using var db = await _factory.Services.GetRequiredService<IDbContextFactory<SiyuDb>>().CreateDbContextAsync();
        var issued = await db.Coupons.Where(c => c.TemplateId == template).Select(c => new { c.Code, c.CustomerId }).ToListAsync();
        Assert.Equal(
            winners.Select(d => (d["reward_ref"]!.GetValue<string>(), d["customer_id"]!.GetValue<long>())).Order(),
            issued.Select(c => (c.Code, c.CustomerId)).Order());
        var view = await (await _admin.GetAsync($"/api/v1/lotteries/{lottery}")).ReadAsync();
        Assert.Equal(0, view["prizes"]![0]!["remaining"]!.GetValue<int>());
        Assert.Equal(16, view["draws"]!.GetValue<int>());
    }

    [Fact]
    public async Task Limits_per_day_and_in_total_hold_and_a_retry_answers_the_first_draw()
    {
        var lottery = (await LotteryAsync(new
        {
            name = "每日抽奖", draws_per_day = 2, draws_total = 3,
            prizes = new object[] { new { name = "20积分", kind = "points", chance = 0.5m, stock = 1000, points = 20 } },
        }))["id"]!.GetValue<long>();
        var customer = (await CustomersAsync(1))[0];

        var first = await DrawOkAsync(lottery, customer, "a");
        var again = await DrawAsync(lottery, customer, "a");
        var replay = await again.ReadAsync();
        Assert.True(replay["replayed"]!.GetValue<bool>());
        Assert.Equal(first["id"]!.GetValue<long>(), replay["draw"]!["id"]!.GetValue<long>());
        await DrawOkAsync(lottery, customer, "b");
        Assert.Equal("daily_limit", await ReasonAsync(await DrawAsync(lottery, customer, "c")));

        _time.Now = _time.Now.AddDays(1);
        var third = await DrawOkAsync(lottery, customer, "c");
        Assert.Equal(3, third["draw_number"]!.GetValue<int>());
        Assert.Equal("total_limit", await ReasonAsync(await DrawAsync(lottery, customer, "d")));

        // Points prizes land on the ledger, once per won draw (the replay above delivered nothing twice).
        var wonDraws = (await (await _admin.GetAsync($"/api/v1/lotteries/{lottery}/draws?customer_id={customer}&outcome=won")).ReadAsync())["items"]!.AsArray();
        var points = await (await _admin.GetAsync($"/api/v1/customers/{customer}/points")).ReadAsync();
        Assert.Equal(20 * wonDraws.Count, points["balance"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_draw_costs_points_and_is_refused_when_the_balance_is_short()
    {
        var lottery = (await LotteryAsync(new
        {
            name = "积分抽奖", draws_per_day = 5, draws_total = 5, points_cost = 30,
            prizes = new object[] { new { name = "保温杯", kind = "gift", chance = 0.000001m, stock = 1 } },
        }))["id"]!.GetValue<long>();
        var customer = (await CustomersAsync(1))[0];
        Assert.Equal("insufficient_points", await ReasonAsync(await DrawAsync(lottery, customer, "x1")));

        var adjust = await _admin.PostAsJsonAsync($"/api/v1/customers/{customer}/points/adjust", new { amount = 70, reason = "补偿", idempotency_key = "adj-1" });
        Assert.True(adjust.IsSuccessStatusCode, await adjust.Content.ReadAsStringAsync());
        var draw = await DrawOkAsync(lottery, customer, "x2");
        Assert.Equal(30, draw["points_paid"]!.GetValue<long>());
        await DrawOkAsync(lottery, customer, "x3");
        Assert.Equal("insufficient_points", await ReasonAsync(await DrawAsync(lottery, customer, "x4")));
        var points = await (await _admin.GetAsync($"/api/v1/customers/{customer}/points")).ReadAsync();
        Assert.Equal(10, points["balance"]!.GetValue<long>());
    }

    [Fact]
    public async Task Only_customers_in_the_audience_may_draw()
    {
        var customers = await CustomersAsync(2);
        var audience = await _admin.PostAsJsonAsync("/api/v1/audiences", new
        {
            name = "抽奖资格", condition = new { version = 1, root = new { type = "list", customer_ids = new[] { customers[0] } } },
        });
        Assert.True(audience.IsSuccessStatusCode, await audience.Content.ReadAsStringAsync());
        var lottery = (await LotteryAsync(new
        {
            name = "会员抽奖", draws_per_day = 1, draws_total = 1, audience_id = (await audience.ReadAsync())["id"]!.GetValue<long>(),
            prizes = new object[] { new { name = "礼品", kind = "gift", chance = 0.1m, stock = 10 } },
        }))["id"]!.GetValue<long>();

        await DrawOkAsync(lottery, customers[0], "in");
        Assert.Equal("not_eligible", await ReasonAsync(await DrawAsync(lottery, customers[1], "out")));
    }

    [Fact]
    public async Task After_the_end_the_revealed_seed_matches_the_commitment_and_reproduces_every_ticket()
    {
        var created = await LotteryAsync(new
        {
            name = "可审计抽奖", draws_per_day = 3, draws_total = 3,
            prizes = new object[]
            {
                new { name = "一等奖", kind = "gift", chance = 0.2m, stock = 1 },
                new { name = "二等奖", kind = "gift", chance = 0.3m, stock = 100 },
            },
        });
        var lottery = created["id"]!.GetValue<long>();
        var commitment = created["commitment"]!.GetValue<string>();
        var customers = await CustomersAsync(5);
        foreach (var c in customers)
        {
            for (var i = 0; i < 3; i++)
            {
                await DrawOkAsync(lottery, c, $"{c}-{i}");
            }
        }
        var before = await (await _admin.GetAsync($"/api/v1/lotteries/{lottery}/audit")).ReadAsync();
        Assert.Null(before["seed"]);

        var end = await _admin.PatchAsJsonAsync($"/api/v1/lotteries/{lottery}", new { status = "ended" });
        Assert.True(end.IsSuccessStatusCode);
        Assert.Equal("ended", await ReasonAsync(await DrawAsync(lottery, customers[0], "late")));
        var reopen = await _admin.PatchAsJsonAsync($"/api/v1/lotteries/{lottery}", new { status = "active" });
        Assert.Equal(HttpStatusCode.Conflict, reopen.StatusCode);

        var audit = await (await _admin.GetAsync($"/api/v1/lotteries/{lottery}/audit")).ReadAsync();
        var seed = Convert.FromHexString(audit["seed"]!.GetValue<string>());
        Assert.Equal(commitment, Convert.ToHexStringLower(SHA256.HashData(seed)));
        Assert.Equal(15, audit["verified"]!.GetValue<int>());
        // Recompute each ticket here, from the published formula, and the prize it falls on.
        var draws = (await (await _admin.GetAsync($"/api/v1/lotteries/{lottery}/draws?limit=500")).ReadAsync())["items"]!.AsArray();
        var prizes = created["prizes"]!.AsArray();
        Assert.Equal(15, draws.Count);
        foreach (var d in draws)
        {
            var customer = d!["customer_id"]!.GetValue<long>();
            var n = d["draw_number"]!.GetValue<int>();
            var mac = HMACSHA256.HashData(seed, Encoding.ASCII.GetBytes($"{lottery}:{customer}:{n}"));
            var ticket = (int)(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(mac) % 1_000_000);
            Assert.Equal(ticket, d["ticket"]!.GetValue<int>());
            var expectedPrize = ticket < 200_000 ? 0 : ticket < 500_000 ? 1 : -1;
            var outcome = d["outcome"]!.GetValue<string>();
            if (expectedPrize < 0)
            {
                Assert.Equal("no_prize", outcome);
            }
            else
            {
                Assert.Contains(outcome, new[] { "won", "sold_out" });
                if (outcome == "won")
                {
                    Assert.Equal(prizes[expectedPrize]!["id"]!.GetValue<long>(), d["prize_id"]!.GetValue<long>());
                }
            }
        }
        // The first prize had one unit: at most one win of it, and every other ticket on it is sold_out.
        Assert.True(draws.Count(d => d!["prize_id"]?.GetValue<long>() == prizes[0]!["id"]!.GetValue<long>()) <= 1);
    }

    [Fact]
    public async Task Bad_requests_name_the_field()
    {
        var bad = await _admin.PostAsJsonAsync("/api/v1/lotteries", new
        {
            name = "x", draws_per_day = 1, draws_total = 1,
            prizes = new object[] { new { name = "a", kind = "gift", chance = 0.7m, stock = 1 }, new { name = "b", kind = "coupon", chance = 0.4m, stock = 1, coupon_template_id = 999 } },
        });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.ReadAsync())["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("prizes"), errors.ToJsonString());
        var tooFine = await _admin.PostAsJsonAsync("/api/v1/lotteries", new
        {
            name = "x", draws_per_day = 1, draws_total = 1, prizes = new object[] { new { name = "a", kind = "gift", chance = 0.0000001m, stock = 1 } },
        });
        Assert.True((await tooFine.ReadAsync())["errors"]!.AsObject().ContainsKey("prizes[0].chance"));
        var missingTemplate = await _admin.PostAsJsonAsync("/api/v1/lotteries", new
        {
            name = "x", draws_per_day = 1, draws_total = 1, prizes = new object[] { new { name = "b", kind = "coupon", chance = 0.4m, stock = 1, coupon_template_id = 999 } },
        });
        Assert.True((await missingTemplate.ReadAsync())["errors"]!.AsObject().ContainsKey("prizes[0].coupon_template_id"));

        var noKey = await _app.PostAsJsonAsync("/api/v1/lotteries/1/draws", new { customer_id = 1 });
        Assert.True((await noKey.ReadAsync())["errors"]!.AsObject().ContainsKey("idempotency_key"));
        Assert.Equal(HttpStatusCode.NotFound, (await DrawAsync(424242, (await CustomersAsync(1))[0], "k")).StatusCode);
        // The default API key (events:write read) may not draw.
        Assert.Equal(HttpStatusCode.Forbidden, (await _factory.ApiClient().PostAsJsonAsync("/api/v1/lotteries/1/draws", new { customer_id = 1, idempotency_key = "k" })).StatusCode);
    }
}
