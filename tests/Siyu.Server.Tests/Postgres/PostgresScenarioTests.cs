using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Siyu.Server.Tests.Audiences;

namespace Siyu.Server.Tests.Postgres;

/// <summary>
/// Real scenarios end to end on PostgreSQL (a fresh database per test): audiences and tags, erasure, coupons and
/// points under concurrency, journeys on durable timers. Each checks the PostgreSQL tables as well as the API.
/// </summary>
public sealed class PostgresScenarioTests : IAsyncLifetime
{
    private readonly MovableTime _time = new(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.FromHours(8)));
    private readonly PostgresDatabase _pg = new();
    private SiyuFactory? _factory;
    private HttpClient _api = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        if (_pg.Unavailable is null)
        {
            _factory = new SiyuFactory(time: _time, postgres: _pg.ConnectionString);
            _api = _factory.ApiClient();
            _admin = await _factory.AdminClientAsync();
        }
    }

    public async Task DisposeAsync()
    {
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }
        _pg.Dispose();
    }

    private async Task<long> CustomerAsync(string phone, string name, string? city = null)
    {
        var response = await _api.PostEventsAsync(new { type = "customer.added", timestamp = _time.Now.AddDays(-1).ToString("O"), identifiers = new { phone }, attributes = new { name, city } });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.ReadAsync())["results"]![0]!["customer_id"]!.GetValue<long>();
    }

    private async Task<long> CreateAsync(string url, object body)
    {
        var response = await _admin.PostAsJsonAsync(url, body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.ReadAsync())["id"]!.GetValue<long>();
    }

    [SkippableFact]
    public async Task Audiences_and_tags_answer_over_events_stored_in_postgres()
    {
        _pg.Require();
        var vip = await CreateAsync("/api/v1/tags", new { group_id = await CreateAsync("/api/v1/tag-groups", new { name = "客户等级" }), name = "VIP" });
        var mother = await CustomerAsync("13900000001", "王芳", "上海");
        var sporty = await CustomerAsync("13900000002", "李雷", "北京");
        await CustomerAsync("13900000003", "韩梅梅", "上海");
        foreach (var (phone, category, days) in new[] { ("13900000001", "母婴", 3), ("13900000002", "运动", 1), ("13900000003", "母婴", 60) })
        {
            var order = await _api.PostEventsAsync(new
            {
                type = "order.paid", identifiers = new { phone }, timestamp = _time.Now.AddDays(-days).ToString("O"),
                properties = new { order_id = Guid.NewGuid().ToString("N"), category, amount = 100 },
            });
            Assert.Equal(HttpStatusCode.Accepted, order.StatusCode);
        }
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsJsonAsync($"/api/v1/customers/{sporty}/tags", new { add = new[] { vip } })).StatusCode);
        var condition = JsonNode.Parse($$"""
            {"version":1,"root":{"type":"any","children":[
              {"type":"behavior","event":"order.paid","where":[{"property":"category","op":"eq","value":"母婴"}],"window":{"last_days":30},"measure":"count","op":"gte","value":1},
              {"type":"all","children":[{"type":"tags","op":"has_all","tag_ids":[{{vip}}]},{"type":"attribute","name":"city","op":"eq","value":"北京"}]}]} }
            """)!;
        var audience = await CreateAsync("/api/v1/audiences", new { name = "母婴或北京VIP", condition });
        var members = await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/audiences/{audience}/members"),
            m => m["ids"]!.AsArray().Count == 2);
        var ids = members["ids"]!.AsArray().Select(i => i!.GetValue<long>()).ToArray();
        Assert.Equal(new[] { mother, sporty }.Order(), ids);
        // Oracle: the tag change and the orders are in the PostgreSQL log.
        Assert.Equal(1, _pg.Scalar("SELECT COUNT(*) FROM events WHERE type = 'tag.added' AND customerid = @c", ("c", sporty)));
        Assert.Equal(2, _pg.Scalar("SELECT COUNT(*) FROM events WHERE type = 'order.paid' AND (properties::json ->> 'category') = '母婴'"));
        // Chinese search over names decrypted from PostgreSQL.
        var found = (await _admin.GetJsonOrNull("/api/v1/customers?q=王芳"))!["items"]!.AsArray();
        Assert.Contains(found, c => c!["id"]!.GetValue<long>() == mother);
    }

    [SkippableFact]
    public async Task Deletion_erases_the_person_from_the_postgres_tables_and_keeps_the_revenue()
    {
        _pg.Require();
        const string phone = "13512345678", externalId = "wmPgErase001", name = "赵小删";
        var body = await (await _api.PostEventsAsync(new
        {
            events = new object[]
            {
                new { id = "e1", type = "customer.added", timestamp = "2026-11-18T10:00:00+08:00", identifiers = new { external_userid = externalId, phone },
                    attributes = new { name, city = "杭州" }, properties = new { staff_userid = "alice" } },
                new { id = "e2", type = "order.paid", timestamp = "2026-11-18T11:00:00+08:00", identifiers = new { phone }, properties = new { order_id = "ORD-PG-1", amount = 120.5 } },
            },
        })).ReadAsync();
        var id = body["results"]![0]!["customer_id"]!.GetValue<long>();
        await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/customers/{id}"), c => c["orders"]!.GetValue<int>() == 1);
        Assert.Equal(2, _pg.Scalar("SELECT COUNT(*) FROM identifiers WHERE customerid = @c", ("c", id)));

        var filed = await _admin.PostAsJsonAsync("/api/v1/compliance/requests", new { customer_id = id, kind = "delete", via = "customer", note = "注销" });
        Assert.Equal(HttpStatusCode.Created, filed.StatusCode);
        var rid = (await filed.ReadAsync())["id"]!.GetValue<long>();
        (await _admin.PostAsJsonAsync($"/api/v1/compliance/requests/{rid}/process", new { })).EnsureSuccessStatusCode();
        (await _admin.PostAsJsonAsync($"/api/v1/compliance/requests/{rid}/complete", new { })).EnsureSuccessStatusCode();

        Assert.Equal(0, _pg.Scalar("SELECT COUNT(*) FROM identifiers WHERE customerid = @c", ("c", id)));
        Assert.Equal(1, _pg.Scalar("SELECT COUNT(*) FROM customers WHERE id = @c AND erasedatticks IS NOT NULL", ("c", id)));
        Assert.Equal(1, _pg.Scalar("SELECT COUNT(*) FROM events WHERE customerid = @c AND type = 'customer.anonymised'", ("c", id)));
        var stored = string.Join("\n", _pg.Rows("SELECT idempotencykey || ' ' || COALESCE(properties, '') || ' ' || COALESCE(attributes, '') FROM events WHERE customerid = @c", r => r.GetString(0), ("c", id)));
        foreach (var secret in new[] { phone, externalId, name, "ORD-PG-1" })
        {
            Assert.DoesNotContain(secret, stored, StringComparison.Ordinal);
        }
        var customer = (await _admin.GetJsonOrNull($"/api/v1/customers/{id}"))!;
        Assert.True(customer["erased"]!.GetValue<bool>());
        Assert.Equal(120.5m, customer["spend"]!.GetValue<decimal>());
        // The old phone is a stranger now.
        var again = await (await _api.PostEventsAsync(new { id = "back", type = "page.viewed", identifiers = new { phone } })).ReadAsync();
        Assert.NotEqual(id, again["results"]![0]!["customer_id"]!.GetValue<long>());
    }

    [SkippableFact]
    public async Task Coupon_issue_once_under_concurrency_issues_one_coupon_per_key()
    {
        _pg.Require();
        var customer = await CustomerAsync("13700000001", "券客");
        var template = await CreateAsync("/api/v1/coupon-templates", new
        {
            name = "满100减20", kind = "amount_off", face_value = 20m, min_spend = 100m, valid_days = 7, total_stock = 100, per_customer_limit = 5,
        });
        var coupons = _factory!.Services.GetRequiredService<Server.Coupons.CouponService>();
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => coupons.IssueOnceAsync(1, template, customer, "test", "reward:once")));
        Assert.Equal(1, results.Count(r => r!.Outcome == "issued"));
        Assert.Equal(15, results.Count(r => r!.Outcome == "already_issued"));
        Assert.Single(results.Select(r => r!.Code).Distinct());
        Assert.Equal(1, _pg.Scalar("SELECT COUNT(*) FROM coupons WHERE issuekey = 'reward:once'"));
        // Stock taken by the losers went back: exactly one unit is gone.
        Assert.Equal(99, _pg.Scalar("SELECT remaining FROM coupon_templates WHERE id = @t", ("t", template)));

        // Stock 30 against 60 parallel issues to 60 customers: exactly 30.
        var many = new List<long>();
        for (var i = 0; i < 60; i++)
        {
            many.Add(await CustomerAsync($"1370001{i:D4}", "客" + i));
        }
        var limited = await CreateAsync("/api/v1/coupon-templates", new
        {
            name = "限量", kind = "amount_off", face_value = 5m, min_spend = 10m, valid_days = 7, total_stock = 30, per_customer_limit = 1,
        });
        var outcomes = await Task.WhenAll(many.Select(async c =>
        {
            var r = await _admin.PostAsJsonAsync($"/api/v1/coupon-templates/{limited}/issue", new { customer_ids = new[] { c } });
            Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
            return (await r.ReadAsync())["results"]![0]!["outcome"]!.GetValue<string>();
        }));
        Assert.Equal(30, outcomes.Count(o => o == "issued"));
        Assert.Equal(30, _pg.Scalar("SELECT COUNT(*) FROM coupons WHERE templateid = @t", ("t", limited)));
        Assert.Equal(0, _pg.Scalar("SELECT remaining FROM coupon_templates WHERE id = @t", ("t", limited)));
    }

    [SkippableFact]
    public async Task Parallel_point_spends_never_overspend()
    {
        _pg.Require();
        var id = await CustomerAsync("13600000001", "积分客");
        var adjust = await _admin.PostAsJsonAsync($"/api/v1/customers/{id}/points/adjust", new { amount = 1000, reason = "开卡赠送", idempotency_key = "welcome" });
        Assert.Equal(HttpStatusCode.OK, adjust.StatusCode);
        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            _admin.PostAsJsonAsync($"/api/v1/customers/{id}/points/spend", new { amount = 30, reason = "兑换礼品", idempotency_key = $"par-{i}" })));
        Assert.Equal(33, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(17, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        Assert.Equal(10, _pg.Scalar("SELECT balance FROM points_accounts WHERE customerid = @c", ("c", id)));
        Assert.Equal(10, _pg.Scalar("SELECT SUM(amount)::bigint FROM points_ledger WHERE customerid = @c", ("c", id)));
        Assert.Equal(10, _pg.Scalar("SELECT SUM(remaining)::bigint FROM points_lots WHERE customerid = @c", ("c", id)));
        Assert.Equal(33, _pg.Scalar("SELECT COUNT(*) FROM points_ledger WHERE customerid = @c AND kind = 'spend'", ("c", id)));
    }

    [SkippableFact]
    public async Task A_journey_fires_on_an_order_and_its_timer_fires_when_the_clock_passes_it()
    {
        _pg.Require();
        var created = await _admin.PostAsJsonAsync("/api/v1/journeys", new
        {
            definition = new
            {
                version = 1, name = "首单关怀", kind = "journey", trigger = new { type = "event", @event = "order.paid" },
                steps = new object[]
                {
                    new { id = "thanks", send = new { channel = "wecom_private", topic = "service", text = "{{name|亲爱的顾客}}，感谢您的购买！" } },
                    new { id = "pause", wait = new { duration = "1d" } },
                    new { id = "again", send = new { channel = "wecom_private", topic = "service", text = "{{name}}，用得还好吗？" } },
                    new { id = "done", exit = new { } },
                },
            },
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var journey = (await created.ReadAsync())["id"]!.GetValue<long>();
        (await _admin.PostAsJsonAsync($"/api/v1/journeys/{journey}/status", new { status = "active" })).EnsureSuccessStatusCode();
        _time.Now = _time.Now.AddMinutes(1);
        var customer = (await (await _api.PostEventsAsync(new
        {
            type = "order.paid", timestamp = _time.Now.ToString("O"), identifiers = new { phone = "13600136001" }, attributes = new { name = "李雷" },
            properties = new { order_id = "o-1", amount = 99 },
        })).ReadAsync())["results"]![0]!["customer_id"]!.GetValue<long>();

        async Task<JsonArray> Messages(int count) =>
            (await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/delivery/messages?customer_id={customer}"), m => m.AsArray().Count == count, attempts: 200)).AsArray();
        Assert.Equal("李雷，感谢您的购买！", (await Messages(1))[0]!["text"]!.GetValue<string>());
        _time.Now = _time.Now.AddDays(1).AddSeconds(1);
        await Messages(2);
        await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{customer}/events?type=journey.exited"), e => e.AsArray().Count == 1);
        Assert.Equal(2, _pg.Scalar("SELECT COUNT(*) FROM outbound_messages WHERE customerid = @c", ("c", customer)));
        Assert.Equal(1, _pg.Scalar("SELECT COUNT(*) FROM events WHERE customerid = @c AND type = 'journey.exited'", ("c", customer)));
    }
}
