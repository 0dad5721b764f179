using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Siyu.Server.Data;
using Siyu.Server.Groups;
using Siyu.Server.Tests.Audiences;

namespace Siyu.Server.Tests.Groups;

/// <summary>
/// Group codes in-process (no WeCom connected, so join ways wait with a sync error): tier routing by total spend at the
/// 5000 boundary, group SOP tasks at the local time once a day, and validation naming the field.
/// </summary>
public sealed class GroupCodeApiTests : IAsyncLifetime
{
    // 08:00 Shanghai time on 3 Dec 2026.
    private readonly MovableTime _time = new(new DateTimeOffset(2026, 12, 3, 0, 0, 0, TimeSpan.Zero));
    private SiyuFactory _factory = null!;
    private HttpClient _admin = null!;
    private HttpClient _api = null!;

    public async Task InitializeAsync()
    {
        _factory = new SiyuFactory(time: _time);
        _admin = await _factory.AdminClientAsync();
        _api = _factory.ApiClient();
        await using var db = await _factory.Services.GetRequiredService<IDbContextFactory<SiyuDb>>().CreateDbContextAsync();
        var tenant = await db.Tenants.Select(t => t.Id).FirstAsync();
        db.CustomerGroups.AddRange(
            new CustomerGroupRow { TenantId = tenant, ChatId = "wrNORMAL1", Name = "普通群1", Owner = "zhang", Members = 120 },
            new CustomerGroupRow { TenantId = tenant, ChatId = "wrNORMAL2", Name = "普通群2", Owner = "li", Members = 3 },
            new CustomerGroupRow { TenantId = tenant, ChatId = "wrVIP1", Name = "VIP群1", Owner = "zhang", Members = 40 });
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private async Task<JsonNode> CodeAsync()
    {
        var response = await _admin.PostAsJsonAsync("/api/v1/group-codes", new
        {
            name = "会员分层群",
            tiers = new object[]
            {
                new { name = "普通群", rank = 0, chat_ids = new[] { "wrNORMAL1", "wrNORMAL2" } },
                new
                {
                    name = "VIP群", rank = 10, chat_ids = new[] { "wrVIP1" },
                    condition = JsonNode.Parse("""{"version":1,"root":{"type":"behavior","event":"order.paid","window":{"all_time":true},"measure":"sum","property":"amount","op":"gte","value":5000}}"""),
                },
            },
        });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.ReadAsync();
    }

    private async Task<long> BuyerAsync(string phone, params double[] amounts)
    {
        long customer = 0;
        for (var i = 0; i < amounts.Length; i++)
        {
            var order = await _api.PostEventsAsync(new
            {
                type = "order.paid", identifiers = new { phone }, timestamp = _time.Now.AddDays(-1).ToString("O"),
                properties = new { order_id = $"{phone}-{i}", amount = amounts[i] },
            });
            Assert.Equal(HttpStatusCode.Accepted, order.StatusCode);
            customer = (await order.ReadAsync())["results"]![0]!["customer_id"]!.GetValue<long>();
        }
        await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{customer}"), c => c["orders"]?.GetValue<int>() == amounts.Length);
        return customer;
    }

    private async Task<JsonNode> RouteAsync(long code, long customer)
    {
        var response = await _admin.PostAsJsonAsync($"/api/v1/group-codes/{code}/route", new { customer_id = customer });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.ReadAsync();
    }

    [Fact]
    public async Task Vip_tier_takes_customers_who_spent_at_least_5000_and_everyone_else_gets_the_normal_tier()
    {
        var code = await CodeAsync();
        var id = code["id"]!.GetValue<long>();
        Assert.Equal(["VIP群", "普通群"], code["tiers"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()));
        Assert.Equal("WeCom is not connected", code["tiers"]![0]!["sync_error"]!.GetValue<string>());

        var below = await BuyerAsync("13800000101", 4000, 999);  // 4999 in total
        var exactly = await BuyerAsync("13800000102", 3000, 2000); // 5000 in total
        var nothing = await BuyerAsync("13800000103", 10);

        var routedBelow = await RouteAsync(id, below);
        Assert.Equal("普通群", routedBelow["tier_name"]!.GetValue<string>());
        Assert.Contains("does not meet", routedBelow["reasons"]![0]!.GetValue<string>());
        var routedExactly = await RouteAsync(id, exactly);
        Assert.Equal("VIP群", routedExactly["tier_name"]!.GetValue<string>());
        Assert.Single(routedExactly["reasons"]!.AsArray());
        Assert.Equal("普通群", (await RouteAsync(id, nothing))["tier_name"]!.GetValue<string>());

        // Paused codes route nobody.
        Assert.Equal(HttpStatusCode.OK, (await _admin.PatchAsJsonAsync($"/api/v1/group-codes/{id}", new { status = "paused" })).StatusCode);
        Assert.Null((await RouteAsync(id, exactly))["tier_id"]);
        var unknown = await _admin.PostAsJsonAsync($"/api/v1/group-codes/{id}/route", new { customer_id = 987654321 });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
    }

    [Fact]
    public async Task Group_sop_gives_each_group_owner_one_task_a_day_at_the_local_time()
    {
        var id = (await CodeAsync())["id"]!.GetValue<long>();
        var sop = await _admin.PostAsJsonAsync($"/api/v1/group-codes/{id}/sops", new { name = "早安打卡", text = "早上好！今天打卡了吗？", time = "09:00" });
        Assert.Equal(HttpStatusCode.Created, sop.StatusCode);
        var service = _factory.Services.GetRequiredService<GroupCodeService>();

        _time.Now = new DateTimeOffset(2026, 12, 3, 8, 59, 0, TimeSpan.FromHours(8));
        Assert.Equal(0, await service.RunDueSopsAsync());
        _time.Now = new DateTimeOffset(2026, 12, 3, 9, 1, 0, TimeSpan.FromHours(8));
        Assert.Equal(3, await service.RunDueSopsAsync());
        Assert.Equal(0, await service.RunDueSopsAsync());
        _time.Now = new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.FromHours(8));
        Assert.Equal(3, await service.RunDueSopsAsync());

        await using var db = await _factory.Services.GetRequiredService<IDbContextFactory<SiyuDb>>().CreateDbContextAsync();
        var tasks = await db.OutboundMessages.Where(m => m.Origin == "group-sop").ToListAsync();
        Assert.Equal(6, tasks.Count);
        Assert.All(tasks, t => Assert.Equal(("app", 0L), (t.Channel, t.CustomerId)));
        Assert.Equal(4, tasks.Count(t => t.Sender == "zhang"));
        Assert.Contains(tasks, t => t.Sender == "li" && t.Text.Contains("普通群2") && t.Text.Contains("早上好"));

        var paused = await _admin.PatchAsJsonAsync($"/api/v1/group-codes/{id}/sops/{(await sop.ReadAsync())["id"]}", new { status = "paused" });
        Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        _time.Now = new DateTimeOffset(2026, 12, 5, 9, 0, 0, TimeSpan.FromHours(8));
        Assert.Equal(0, await service.RunDueSopsAsync());
    }

    [Fact]
    public async Task Bad_codes_name_the_field()
    {
        var response = await _admin.PostAsJsonAsync("/api/v1/group-codes", new
        {
            name = "", tiers = new object[]
            {
                new { name = "A", rank = 1, chat_ids = new[] { "wrNOPE" } },
                new { name = "B", rank = 1, chat_ids = new[] { "wrVIP1" }, condition = new { version = 1, root = new { type = "nope" } } },
            },
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"name\"", text);
        Assert.Contains("tiers[0].chat_ids[0]", text);
        Assert.Contains("tiers[1].rank", text);
        Assert.Contains("tiers[1].condition", text);
        var sop = await _admin.PostAsJsonAsync($"/api/v1/group-codes/{(await CodeAsync())["id"]}/sops", new { name = "x", text = "y", time = "9am" });
        Assert.Equal(HttpStatusCode.BadRequest, sop.StatusCode);
        Assert.Contains("time", await sop.Content.ReadAsStringAsync());
    }
}
