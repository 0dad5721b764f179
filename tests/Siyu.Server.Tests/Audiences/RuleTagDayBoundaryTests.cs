using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Siyu.Server.Audiences;

namespace Siyu.Server.Tests.Audiences;

/// <summary>A clock the test moves; everything else in the server is real.</summary>
public sealed class MovableTime(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;
}

public sealed class RuleTagDayBoundaryTests : IAsyncLifetime
{
    // 23:59 on 1 Dec in Shanghai (the tenant's zone) is 15:59 UTC the same day.
    private readonly MovableTime _time = new(new DateTimeOffset(2026, 12, 1, 15, 59, 0, TimeSpan.Zero));
    private readonly SiyuFactory _factory;
    private HttpClient _api = null!;
    private HttpClient _admin = null!;

    public RuleTagDayBoundaryTests() => _factory = new SiyuFactory(time: _time);

    public async Task InitializeAsync()
    {
        _api = _factory.ApiClient();
        _admin = await _factory.AdminClientAsync();
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task A_window_slides_out_at_local_midnight_not_at_utc_midnight()
    {
        // Bought on 2 Nov at 10:00 Shanghai time: inside "last 30 days" through 1 Dec, outside from 2 Dec.
        var order = await _api.PostEventsAsync(new
        {
            type = "order.paid", identifiers = new { phone = "13900000021" }, timestamp = "2026-11-02T02:00:00Z",
            properties = new { order_id = "o-1", category = "母婴", amount = 99 },
        });
        Assert.Equal(HttpStatusCode.Accepted, order.StatusCode);
        var customer = (await order.ReadAsync())["results"]![0]!["customer_id"]!.GetValue<long>();
        await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{customer}"), c => c["orders"]?.GetValue<int>() == 1);

        var group = (await (await _admin.PostJsonAsync("/api/v1/tag-groups", new { name = "购买" })).ReadAsync())["id"]!.GetValue<long>();
        var created = await _admin.PostJsonAsync("/api/v1/tags", new
        {
            group_id = group, name = "近30天买家", kind = "rule",
            rule = JsonNode.Parse("""{"version":1,"root":{"type":"behavior","event":"order.paid","window":{"last_days":30},"op":"gte","value":1}}"""),
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var tag = (await created.ReadAsync())["id"]!.GetValue<long>();
        bool Has(JsonNode c) => c["tags"]!.AsArray().Any(t => t!["id"]!.GetValue<long>() == tag);
        await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{customer}"), Has);

        // Past UTC midnight is not a new day in Shanghai… (00:30 UTC on 2 Dec would be; 15:59 → 16:00:30 UTC is.)
        var engine = _factory.Services.GetRequiredService<AudienceService>();
        _time.Now = new DateTimeOffset(2026, 12, 1, 16, 0, 30, TimeSpan.Zero); // 00:00:30 on 2 Dec in Shanghai
        await engine.ReevaluateRulesAsync(1); // what each partition's midnight timer runs
        await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{customer}"), c => !Has(c));

        var history = (await _api.GetJsonOrNull($"/api/v1/customers/{customer}/tag-history"))!.AsArray();
        Assert.Contains(history, h => h!["source"]?.GetValue<string>() == "rule" && h["action"]?.GetValue<string>() is "removed" or "remove");
    }

    [Fact]
    public async Task Before_local_midnight_the_window_still_holds()
    {
        var order = await _api.PostEventsAsync(new
        {
            type = "order.paid", identifiers = new { phone = "13900000022" }, timestamp = "2026-11-02T02:00:00Z",
            properties = new { order_id = "o-2", category = "母婴", amount = 99 },
        });
        var customer = (await order.ReadAsync())["results"]![0]!["customer_id"]!.GetValue<long>();
        await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{customer}"), c => c["orders"]?.GetValue<int>() == 1);
        var condition = JsonNode.Parse("""{"version":1,"root":{"type":"behavior","event":"order.paid","window":{"last_days":30},"op":"gte","value":1}}""");
        async Task<int> Count() => (await (await _api.PostJsonAsync("/api/v1/audiences/preview", new { condition })).ReadAsync())["count"]!.GetValue<int>();

        Assert.Equal(1, await Count());
        _time.Now = new DateTimeOffset(2026, 12, 1, 15, 59, 59, TimeSpan.Zero); // 23:59:59 local
        Assert.Equal(1, await Count());
        _time.Now = new DateTimeOffset(2026, 12, 1, 16, 0, 0, TimeSpan.Zero); // 00:00:00 local on 2 Dec
        Assert.Equal(0, await Count());
    }
}
