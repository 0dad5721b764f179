using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Siyu.Server.Tests.Audiences;
using Microsoft.Extensions.DependencyInjection;

namespace Siyu.Server.Tests.Journeys;

/// <summary>
/// A journey on a real server: an order starts it, the first message goes out personalised through the delivery
/// pipeline, the wait is a durable timer in the partition, and the second message follows when the clock passes it.
/// </summary>
public sealed class JourneyFlowTests : IAsyncLifetime
{
    private readonly MovableTime _time = new(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.FromHours(8)));
    private readonly SiyuFactory _factory;
    private HttpClient _api = null!;
    private HttpClient _admin = null!;

    public JourneyFlowTests() => _factory = new SiyuFactory(time: _time);

    public async Task InitializeAsync()
    {
        _api = _factory.ApiClient();
        _admin = await _factory.AdminClientAsync();
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private static object Definition(string wait) => new
    {
        version = 1, name = "首单关怀", kind = "journey",
        trigger = new { type = "event", @event = "order.paid" },
        steps = new object[]
        {
            new { id = "thanks", send = new { channel = "wecom_private", topic = "service", text = "{{name|亲爱的顾客}}，感谢您的购买！" } },
            new { id = "pause", wait = new { duration = wait } },
            new { id = "coupon", send = new { channel = "wecom_private", topic = "marketing", text = "{{name}}，送您一张复购券：https://shop.example.com/c/88" } },
            new { id = "done", exit = new { } },
        },
    };

    private async Task<long> OrderAsync(string phone, string name, DateTimeOffset at, string orderId)
    {
        var body = await (await _api.PostEventsAsync(new
        {
            events = new[] { new { type = "order.paid", timestamp = at.ToString("O"), identifiers = new { phone }, attributes = new { name }, properties = new { order_id = orderId, amount = 99 } } },
        })).ReadAsync();
        return body["results"]![0]!["customer_id"]!.GetValue<long>();
    }

    private async Task<JsonArray> MessagesAsync(long customer, int count) =>
        (await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/delivery/messages?customer_id={customer}"), m => m.AsArray().Count == count, attempts: 200)).AsArray();

    [Fact]
    public async Task An_order_starts_the_journey_and_the_wait_is_a_timer_that_fires_when_the_clock_passes_it()
    {
        var bad = await _admin.PostAsJsonAsync("/api/v1/journeys", new { definition = Definition("3 days") });
        Assert.True(bad.StatusCode == HttpStatusCode.BadRequest, await bad.Content.ReadAsStringAsync());
        Assert.Contains("definition.steps[1].wait.duration", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var created = await _admin.PostAsJsonAsync("/api/v1/journeys", new { definition = Definition("1d") });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var id = (await created.ReadAsync())["id"]!.GetValue<long>();
        // A draft enters nobody.
        var early = await OrderAsync("13600136000", "早鸟", _time.Now, "o-early");
        _time.Now = _time.Now.AddMinutes(1);
        (await _admin.PostAsJsonAsync($"/api/v1/journeys/{id}/status", new { status = "active" })).EnsureSuccessStatusCode();

        _time.Now = _time.Now.AddMinutes(1);
        var customer = await OrderAsync("13600136001", "李雷", _time.Now, "o-1");
        // History imported now (last year's orders) does not start journeys.
        var imported = await OrderAsync("13600136002", "韩梅梅", _time.Now.AddYears(-1), "o-old");

        var first = await MessagesAsync(customer, 1);
        Assert.Equal("李雷，感谢您的购买！", first[0]!["text"]!.GetValue<string>());
        Assert.Equal("service", first[0]!["topic"]!.GetValue<string>());
        Assert.StartsWith($"j{id}/v1/c{customer}/o1/", first[0]!["key"]!.GetValue<string>(), StringComparison.Ordinal);
        var stats = await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/journeys/{id}/stats"),
            s => s.AsArray().Any(c => c!["step_id"]!.GetValue<string>() == "pause" && c["customers"]!.GetValue<int>() == 1));
        Assert.Equal("waiting", stats.AsArray().Single(c => c!["step_id"]!.GetValue<string>() == "pause")!["status"]!.GetValue<string>());

        // A new version: the customer already inside stays on v1.
        (await _admin.PutAsJsonAsync($"/api/v1/journeys/{id}", new { definition = Definition("2d") })).EnsureSuccessStatusCode();

        // A day later the timer fires: the coupon goes out, with its link made trackable.
        _time.Now = _time.Now.AddDays(1).AddSeconds(1);
        var both = await MessagesAsync(customer, 2);
        var coupon = both.Single(m => m!["key"]!.GetValue<string>().Contains(":coupon/", StringComparison.Ordinal))!;
        Assert.StartsWith("李雷，送您一张复购券：http", coupon["text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("shop.example.com", coupon["text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains(":coupon/", coupon["origin"]!.GetValue<string>() + ":" + coupon["key"]!.GetValue<string>(), StringComparison.Ordinal);
        await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{customer}/events?type=journey.exited"), e => e.AsArray().Count == 1);

        Assert.Empty((await _admin.GetJsonOrNull($"/api/v1/delivery/messages?customer_id={early}"))!.AsArray());
        var importedMessages = (await _admin.GetJsonOrNull($"/api/v1/delivery/messages?customer_id={imported}"))!.AsArray();
        Assert.True(importedMessages.Count == 0, importedMessages.ToJsonString());
    }

    private async Task<long> JourneyAsync(object definition)
    {
        var created = await _admin.PostAsJsonAsync("/api/v1/journeys", new { definition });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var id = (await created.ReadAsync())["id"]!.GetValue<long>();
        (await _admin.PostAsJsonAsync($"/api/v1/journeys/{id}/status", new { status = "active" })).EnsureSuccessStatusCode();
        return id;
    }

    private async Task<long> CustomerAsync(string phone, object attributes)
    {
        var body = await (await _api.PostEventsAsync(new
        {
            events = new[] { new { type = "profile.updated", timestamp = _time.Now.ToString("O"), identifiers = new { phone }, attributes } },
        })).ReadAsync();
        return body["results"]![0]!["customer_id"]!.GetValue<long>();
    }

    private async Task<long> AudienceAsync(string name, object root)
    {
        var created = await _admin.PostAsJsonAsync("/api/v1/audiences", new { name, condition = new { version = 1, root } });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return (await created.ReadAsync())["id"]!.GetValue<long>();
    }

    private static object[] OneMessage(string text) =>
        [new { id = "send", send = new { channel = "app", topic = "service", text } }, new { id = "done", exit = new { } }];

    [Fact]
    public async Task A_birthday_enters_the_customer_three_days_before_at_ten_in_the_tenant_time_zone()
    {
        // Now: 2026-12-01 10:00 Beijing. Birthday 12-05 → entry 12-02 10:00 Beijing; no birthday → never.
        var customer = await CustomerAsync("13700137001", new { name = "王芳", birthday = "1990-12-05" });
        var noBirthday = await CustomerAsync("13700137002", new { name = "张伟" });
        await JourneyAsync(new
        {
            version = 1, name = "生日关怀", kind = "journey",
            trigger = new { type = "date_relative", attribute = "birthday", days_before = 3, at = "10:00", yearly = true },
            re_entry = new { policy = "always", min_interval = "300d" },
            steps = OneMessage("{{name}}，生日快乐！"),
        });

        _time.Now = new DateTimeOffset(2026, 12, 2, 9, 59, 0, TimeSpan.FromHours(8));
        await Task.Delay(2_500); // two journey ticks: nothing is due yet
        Assert.Empty((await _admin.GetJsonOrNull($"/api/v1/delivery/messages?customer_id={customer}"))!.AsArray());

        _time.Now = new DateTimeOffset(2026, 12, 2, 10, 0, 1, TimeSpan.FromHours(8));
        var message = (await MessagesAsync(customer, 1))[0]!;
        Assert.Equal("王芳，生日快乐！", message["text"]!.GetValue<string>());
        var entered = await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{customer}/events?type=journey.entered"), e => e.AsArray().Count == 1);
        Assert.Single(entered.AsArray());

        // A birthday set later (today is 12-02 10:00; 12-04 → entry 12-01, passed → next year) doesn't enter now.
        await CustomerAsync("13700137002", new { birthday = "2000-12-04" });
        await Task.Delay(2_500);
        Assert.Empty((await _admin.GetJsonOrNull($"/api/v1/delivery/messages?customer_id={noBirthday}"))!.AsArray());
        // One a day ahead does, at its instant.
        _time.Now = _time.Now.AddMinutes(1);
        await CustomerAsync("13700137002", new { birthday = "2000-12-06" });
        // The partition applies it before the clock moves on (else the instant would already have passed).
        await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{noBirthday}"), c => c["attributes"]?["birthday"]?.GetValue<string>() == "2000-12-06");
        _time.Now = new DateTimeOffset(2026, 12, 3, 10, 0, 1, TimeSpan.FromHours(8));
        Assert.Equal("张伟，生日快乐！", (await MessagesAsync(noBirthday, 1))[0]!["text"]!.GetValue<string>());
        Assert.Single((await _admin.GetJsonOrNull($"/api/v1/delivery/messages?customer_id={customer}"))!.AsArray());
    }

    [Fact]
    public async Task A_schedule_runs_over_its_audience_and_an_audience_entry_starts_a_journey()
    {
        var vipShanghai = await CustomerAsync("13700137011", new { name = "上海VIP", city = "上海", tier = "普通" });
        var beijing = await CustomerAsync("13700137012", new { name = "北京客户", city = "北京", tier = "普通" });
        var shanghai = await AudienceAsync("上海客户", new { type = "attribute", name = "city", op = "eq", value = "上海" });
        var vip = await AudienceAsync("VIP", new { type = "attribute", name = "tier", op = "eq", value = "VIP" });
        await JourneyAsync(new
        {
            version = 1, name = "每日上海早报", kind = "sop",
            trigger = new { type = "schedule", schedule = "daily 11:00", audience_id = shanghai },
            re_entry = new { policy = "after_exit" },
            steps = OneMessage("{{name}}，上海早报"),
        });
        await JourneyAsync(new
        {
            version = 1, name = "升级VIP礼遇", kind = "journey",
            trigger = new { type = "audience_entry", audience_id = vip },
            steps = OneMessage("{{name}}，欢迎成为 VIP"),
        });

        // 11:00 Beijing: the schedule enters the Shanghai customer only.
        _time.Now = new DateTimeOffset(2026, 12, 1, 11, 0, 1, TimeSpan.FromHours(8));
        Assert.Equal("上海VIP，上海早报", (await MessagesAsync(vipShanghai, 1))[0]!["text"]!.GetValue<string>());

        // Becoming VIP enters the VIP journey (the Beijing customer was never in either).
        await CustomerAsync("13700137011", new { tier = "VIP" });
        var both = await MessagesAsync(vipShanghai, 2);
        Assert.Contains(both, m => m!["text"]!.GetValue<string>() == "上海VIP，欢迎成为 VIP");
        Assert.Empty((await _admin.GetJsonOrNull($"/api/v1/delivery/messages?customer_id={beijing}"))!.AsArray());

        // The next day's run enters again (after_exit: the first run finished).
        _time.Now = new DateTimeOffset(2026, 12, 2, 11, 0, 1, TimeSpan.FromHours(8));
        await MessagesAsync(vipShanghai, 3);
    }

    [Fact]
    public async Task The_experiment_counts_each_arm_from_what_was_sent_and_what_customers_did()
    {
        var id = await JourneyAsync(new
        {
            version = 1, name = "复购文案 A/B", kind = "journey",
            trigger = new { type = "manual" },
            goal = new { @event = "order.paid", window = "7d" },
            steps = new object[]
            {
                new { id = "split", split = new { variants = new object[] { new { name = "A", weight = 1, next = "send_a" }, new { name = "B", weight = 1, next = "send_b" } }, holdout_percent = 20 } },
                new { id = "send_a", send = new { channel = "app", topic = "service", text = "文案A" }, next = "done" },
                new { id = "send_b", send = new { channel = "app", topic = "service", text = "文案B" }, next = "done" },
                new { id = "done", exit = new { } },
            },
        });
        var ingest = await (await _api.PostEventsAsync(new
        {
            events = Enumerable.Range(0, 300).Select(i => new { type = "profile.updated", timestamp = _time.Now.ToString("O"), identifiers = new { phone = $"1350000{i:D4}" }, attributes = new { name = $"客户{i}" } }).ToArray(),
        })).ReadAsync();
        var customers = ingest["results"]!.AsArray().Select(r => r!["customer_id"]!.GetValue<long>()).ToList();
        var entered = await (await _admin.PostAsJsonAsync($"/api/v1/journeys/{id}/enter", new { customer_ids = customers })).ReadAsync();
        Assert.Equal(300, entered["entered"]!.GetValue<int>());

        // The oracle: which text each customer was sent (none = holdout), from the delivery log.
        var log = await Json.EventuallyAsync(() => _admin.GetJsonOrNull("/api/v1/delivery/messages?limit=500"),
            m => m.AsArray().Where(x => x!["origin"]!.GetValue<string>().StartsWith($"journey:{id}:", StringComparison.Ordinal)).ToList() is { Count: >= 200 } mine
                 && mine.All(x => x!["status"]!.GetValue<string>() is "sent" or "outbox"), attempts: 300); // all queued when /enter answered
        var textOf = log.AsArray().Where(m => m!["origin"]!.GetValue<string>().StartsWith($"journey:{id}:", StringComparison.Ordinal))
            .ToDictionary(m => m!["customer_id"]!.GetValue<long>(), m => m!["text"]!.GetValue<string>());
        string ArmOf(long c) => textOf.TryGetValue(c, out var t) ? (t == "文案A" ? "A" : "B") : "holdout";

        // Every third customer buys a day later; customer 1 bought only after the 7-day window (not a conversion).
        _time.Now = _time.Now.AddDays(1);
        var buyers = customers.Where((_, i) => i % 3 == 0).ToList();
        var orders = await _api.PostEventsAsync(new
        {
            events = buyers.Select(c => new { type = "order.paid", timestamp = _time.Now.ToString("O"), customer_id = c, properties = new { order_id = $"ab-{c}", amount = 50 } }).ToArray(),
        });
        Assert.True(orders.StatusCode == HttpStatusCode.Accepted, await orders.Content.ReadAsStringAsync());
        _time.Now = _time.Now.AddDays(8);
        var late = await _api.PostEventsAsync(new
        {
            events = new[] { new { type = "order.paid", timestamp = _time.Now.ToString("O"), customer_id = customers[1], properties = new { order_id = "ab-late", amount = 50 } } },
        });
        Assert.Equal(HttpStatusCode.Accepted, late.StatusCode);

        var results = await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/journeys/{id}/experiment"),
            r => r.AsArray().Count == 1 && r[0]!["arms"]!.AsArray().Sum(a => a!["converted"]!.GetValue<long>()) == buyers.Count);
        var arms = results[0]!["arms"]!.AsArray().ToDictionary(a => a!["arm"]!.GetValue<string>(), a => a!);
        foreach (var arm in new[] { "A", "B", "holdout" })
        {
            var members = customers.Where(c => ArmOf(c) == arm).ToList();
            Assert.Equal(members.Count, arms[arm]["exposed"]!.GetValue<long>());
            Assert.Equal(members.Count(buyers.Contains), arms[arm]["converted"]!.GetValue<long>());
            Assert.Equal(arm == "holdout" ? 0 : members.Count, arms[arm]["sent"]!.GetValue<long>());
        }
        // Roughly 20 % held out (60 expected; binomial, 6 sd ≈ ±41).
        Assert.InRange(arms["holdout"]["exposed"]!.GetValue<long>(), 20, 100);
        var result = results[0]!["result"]!;
        Assert.Equal("holdout", result["baseline"]!.GetValue<string>());
        Assert.Equal(3, result["arms"]!.AsArray().Count);
    }

    [Fact]
    public async Task Coupon_and_points_steps_reward_once_even_when_the_effects_run_again()
    {
        object Rewarding(long template) => new
        {
            version = 1, name = "评价有礼", kind = "journey",
            trigger = new { type = "event", @event = "review.posted" },
            steps = new object[]
            {
                new { id = "give", coupon = new { template_id = template } },
                new { id = "reward", points = new { amount = 50, reason = "评价奖励" } },
            },
        };
        var missing = await _admin.PostAsJsonAsync("/api/v1/journeys", new { definition = Rewarding(999) });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("definition.steps[0].coupon.template_id", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var templateResponse = await _admin.PostAsJsonAsync("/api/v1/coupon-templates", new
        {
            name = "评价券", kind = "amount_off", face_value = 10m, min_spend = 50m, valid_days = 7, total_stock = 100, per_customer_limit = 5,
        });
        Assert.Equal(HttpStatusCode.Created, templateResponse.StatusCode);
        var template = (await templateResponse.ReadAsync())["id"]!.GetValue<long>();
        var journey = await JourneyAsync(Rewarding(template));
        _time.Now = _time.Now.AddMinutes(1);

        var body = await (await _api.PostEventsAsync(new
        {
            events = new[] { new { type = "review.posted", timestamp = _time.Now.ToString("O"), identifiers = new { phone = "13600136077" }, attributes = new { name = "周评" } } },
        })).ReadAsync();
        var customer = body["results"]![0]!["customer_id"]!.GetValue<long>();
        var coupons = await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/customers/{customer}/coupons"), c => c["items"]!.AsArray().Count == 1, attempts: 200);
        var points = await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/customers/{customer}/points"), p => p["balance"]!.GetValue<long>() == 50, attempts: 200);
        Assert.Equal("评价奖励", points["ledger"]![0]!["reason"]!.GetValue<string>());
        await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{customer}/events?type=journey.exited"), e => e.AsArray().Count == 1);

        // A partition replaying after a crash runs the same effects under the same keys: nothing is given twice.
        var runner = _factory.Services.GetRequiredService<Siyu.Server.Journeys.JourneyEffectRunner>();
        var profile = new Siyu.Core.Customers.CustomerProfile { CustomerId = customer };
        var tenant = _factory.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<Siyu.Server.Data.SiyuDb>>().CreateDbContext()
            .Coupons.Single(c => c.CustomerId == customer).TenantId;
        var replay = new Siyu.Core.Journeys.JourneyEffect[]
        {
            new Siyu.Core.Journeys.IssueCoupon(new Siyu.Core.Journeys.EffectKey(journey, 1, customer, 1, 1, "give"), template),
            new Siyu.Core.Journeys.AwardPoints(new Siyu.Core.Journeys.EffectKey(journey, 1, customer, 1, 2, "reward"), 50, "评价奖励"),
        };
        await runner.RunAsync(tenant, [.. replay.Select(e => (e, profile))]);
        await runner.RunAsync(tenant, [.. replay.Select(e => (e, profile))]);
        var after = (await _admin.GetJsonOrNull($"/api/v1/customers/{customer}/coupons"))!["items"]!.AsArray();
        Assert.Equal(coupons["items"]![0]!["code"]!.GetValue<string>(), Assert.Single(after)!["code"]!.GetValue<string>());
        Assert.Equal(50, (await _admin.GetJsonOrNull($"/api/v1/customers/{customer}/points"))!["balance"]!.GetValue<long>());
        var stock = await (await _admin.GetAsync($"/api/v1/coupon-templates/{template}")).ReadAsync();
        Assert.Equal(99, stock["remaining"]!.GetValue<int>());

        // The same template under a different key (another occurrence) is a new coupon.
        await runner.RunAsync(tenant, [(new Siyu.Core.Journeys.IssueCoupon(new Siyu.Core.Journeys.EffectKey(journey, 1, customer, 2, 1, "give"), template), profile)]);
        Assert.Equal(2, (await _admin.GetJsonOrNull($"/api/v1/customers/{customer}/coupons"))!["items"]!.AsArray().Count);
    }
}
