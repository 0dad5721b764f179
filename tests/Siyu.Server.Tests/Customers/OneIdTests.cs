using System.Net;
using System.Text.Json.Nodes;

namespace Siyu.Server.Tests.Customers;

public sealed class OneIdTests : IAsyncLifetime
{
    private readonly SiyuFactory _factory = new();
    private HttpClient _api = null!;

    public Task InitializeAsync()
    {
        _api = _factory.ApiClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private async Task<long> PostAsync(object evt)
    {
        var response = await _api.PostEventsAsync(evt);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.ReadAsync())["results"]![0]!["customer_id"]!.GetValue<long>();
    }

    private static object Order(string orderId, object identifiers, double amount, string ts) => new
    {
        type = "order.paid", timestamp = ts, identifiers, properties = new { order_id = orderId, amount },
    };

    private Task<JsonNode> CustomerWhen(long id, Func<JsonNode, bool> condition) =>
        Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{id}"), condition);

    [Fact]
    public async Task Linking_two_profiles_merges_into_the_oldest_with_history_and_can_be_undone()
    {
        // Find two customers that land in different partitions, so the merge crosses partitions.
        const int partitions = 8;
        var older = await PostAsync(Order("m-1", new { phone = "13811110001" }, 100, "2026-01-01T00:00:00Z"));
        long newer;
        var buyer = 0;
        do
        {
            buyer++;
            newer = await PostAsync(Order($"m-2-{buyer}", new { platform_id = $"taobao:buyer{buyer:D3}" }, 50, "2026-03-01T00:00:00Z"));
        }
        while (Siyu.Core.Customers.Partitioning.Of(newer, partitions) == Siyu.Core.Customers.Partitioning.Of(older, partitions));

        var linked = await PostAsync(Order("m-3", new { phone = "13811110001", platform_id = $"taobao:buyer{buyer:D3}" }, 10, "2026-04-01T00:00:00Z"));
        Assert.Equal(older, linked);

        var merged = await CustomerWhen(older, c => c["orders"]!.GetValue<int>() == 3);
        Assert.Equal(160m, merged["spend"]!.GetValue<decimal>());
        Assert.Equal(2, merged["identifiers"]!.AsArray().Count);
        var merge = merged["merges"]!.AsArray().Single()!;
        Assert.Equal(newer, merge["merged_id"]!.GetValue<long>());
        Assert.False(merge["manual"]!.GetValue<bool>());

        // The merged id answers with its survivor; the merge is in the survivor's timeline.
        var viaOldId = await _api.GetJsonOrNull($"/api/v1/customers/{newer}");
        Assert.Equal(older, viaOldId!["id"]!.GetValue<long>());
        var timeline = (await _api.GetJsonOrNull($"/api/v1/customers/{older}/events"))!.AsArray();
        Assert.Contains(timeline, e => e!["type"]!.GetValue<string>() == "customer.merged");

        var recent = (await _api.GetJsonOrNull("/api/v1/merges"))!.AsArray();
        Assert.Contains(recent, m => m!["id"]!.GetValue<long>() == merge["id"]!.GetValue<long>() && m["undone_at"] is null);

        // Undo (admin only): the merged customer returns with its identifier and its own order.
        var forbidden = await _api.PostAsync($"/api/v1/merges/{merge["id"]}/undo", null);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        var admin = await _factory.AdminClientAsync();
        var undo = await admin.PostAsync($"/api/v1/merges/{merge["id"]}/undo", null);
        Assert.Equal(HttpStatusCode.OK, undo.StatusCode);

        var restored = await CustomerWhen(newer, c => c["id"]!.GetValue<long>() == newer && c["orders"]!.GetValue<int>() == 1);
        Assert.Equal(50m, restored["spend"]!.GetValue<decimal>());
        var survivor = await CustomerWhen(older, c => c["orders"]!.GetValue<int>() == 2);
        Assert.Equal(110m, survivor["spend"]!.GetValue<decimal>());
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsync($"/api/v1/merges/{merge["id"]}/undo", null)).StatusCode);
        recent = (await _api.GetJsonOrNull("/api/v1/merges"))!.AsArray();
        Assert.NotNull(recent.Single(m => m!["id"]!.GetValue<long>() == merge["id"]!.GetValue<long>())!["undone_at"]);
    }

    [Fact]
    public async Task Chains_of_links_end_in_one_customer()
    {
        var a = await PostAsync(Order("c-1", new { phone = "13822220001" }, 1, "2026-01-01T00:00:00Z"));
        var b = await PostAsync(Order("c-2", new { email = "b@example.com" }, 2, "2026-01-02T00:00:00Z"));
        var c = await PostAsync(Order("c-3", new { device_id = "dev-c" }, 4, "2026-01-03T00:00:00Z"));
        await PostAsync(new { type = "page.viewed", identifiers = new { email = "b@example.com", device_id = "dev-c" } });   // B = C
        await PostAsync(new { type = "page.viewed", identifiers = new { phone = "13822220001", email = "B@Example.com" } }); // A = B
        var all = await CustomerWhen(a, x => x["orders"]!.GetValue<int>() == 3);
        Assert.Equal(7m, all["spend"]!.GetValue<decimal>());
        foreach (var id in new[] { b, c })
        {
            Assert.Equal(a, (await _api.GetJsonOrNull($"/api/v1/customers/{id}"))!["id"]!.GetValue<long>());
        }
    }

    [Fact]
    public async Task Strongly_identified_customers_need_an_audited_manual_merge()
    {
        var x = await PostAsync(new { type = "customer.added", identifiers = new { external_userid = "wmStrongA" }, attributes = new { name = "王芳" } });
        var y = await PostAsync(new { type = "customer.added", identifiers = new { external_userid = "wmStrongB", phone = "13833330001" }, attributes = new { name = "王芳" } });
        // A phone that belongs to y, sent with x's external_userid: both strong, so no automatic merge.
        var attributed = await PostAsync(new { type = "page.viewed", identifiers = new { external_userid = "wmStrongA", phone = "13833330001" } });
        Assert.Equal(x, attributed);
        Assert.Equal(y, (await _api.GetJsonOrNull($"/api/v1/customers/{y}"))!["id"]!.GetValue<long>());

        var conflicts = (await _api.GetJsonOrNull("/api/v1/merge-conflicts"))!.AsArray();
        Assert.Contains(conflicts, c => c!["reason"]!.GetValue<string>() == "BothStronglyIdentified");

        var admin = await _factory.AdminClientAsync();
        var noReason = await admin.PostAsync("/api/v1/customers/merge", Json.Body(new { customer_a = x, customer_b = y }));
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.NotNull((await noReason.ReadAsync())["errors"]!["reason"]);
        var ok = await admin.PostAsync("/api/v1/customers/merge", Json.Body(new { customer_a = x, customer_b = y, reason = "同一人，两个微信号" }));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var merged = await CustomerWhen(x, c => c["identifiers"]!.AsArray().Count == 3);
        Assert.True(merged["merges"]![0]!["manual"]!.GetValue<bool>());
        Assert.Empty((await _api.GetJsonOrNull("/api/v1/merge-conflicts"))!.AsArray());
    }

    [Fact]
    public async Task Blocked_identifier_values_never_link_customers()
    {
        var a = await PostAsync(new { type = "page.viewed", identifiers = new { device_id = "dev-blocked-a", phone = "0" } });
        var b = await PostAsync(new { type = "page.viewed", identifiers = new { device_id = "dev-blocked-b", phone = "0" } });
        Assert.NotEqual(a, b);
        var onlyBlocked = await _api.PostEventsAsync(new { type = "page.viewed", identifiers = new { phone = "00000000000", email = "null" } });
        Assert.Equal(HttpStatusCode.BadRequest, onlyBlocked.StatusCode);
        Assert.NotNull((await onlyBlocked.ReadAsync())["errors"]!["event.identifiers"]);
    }

    [Fact]
    public async Task Search_finds_customers_by_chinese_name_and_phone_suffix()
    {
        var id = await PostAsync(new { type = "customer.added", identifiers = new { phone = "13844445678" }, attributes = new { name = "欧阳娜娜" } });
        await PostAsync(new { type = "customer.added", identifiers = new { phone = "13844441111" }, attributes = new { name = "张三" } });
        var byName = await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers?q={Uri.EscapeDataString("欧阳")}"), r => r["items"]!.AsArray().Count > 0);
        Assert.Equal(id, byName["items"]!.AsArray().Single()!["id"]!.GetValue<long>());
        var bySuffix = await _api.GetJsonOrNull("/api/v1/customers?q=5678");
        Assert.Equal(id, bySuffix!["items"]!.AsArray().Single()!["id"]!.GetValue<long>());
        var all = await _api.GetJsonOrNull("/api/v1/customers?limit=1");
        Assert.Single(all!["items"]!.AsArray());
        Assert.NotNull(all["next_before"]);
    }
}
