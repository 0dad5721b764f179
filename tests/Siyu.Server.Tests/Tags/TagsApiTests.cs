using System.Net;
using System.Text.Json.Nodes;

namespace Siyu.Server.Tests.Tags;

public sealed class TagsApiTests : IAsyncLifetime
{
    private readonly SiyuFactory _factory = new();
    private HttpClient _api = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _api = _factory.ApiClient();
        _admin = await _factory.AdminClientAsync();
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private async Task<long> CustomerAsync(object identifiers, string? name = null)
    {
        var response = await _api.PostEventsAsync(new { type = "customer.added", identifiers, attributes = new { name } });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.ReadAsync())["results"]![0]!["customer_id"]!.GetValue<long>();
    }

    private async Task<long> CreateAsync(string url, object body)
    {
        var response = await _admin.PostJsonAsync(url, body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.ReadAsync())["id"]!.GetValue<long>();
    }

    private async Task<(long Group, long Vip, long Potential)> TagsAsync()
    {
        var group = await CreateAsync("/api/v1/tag-groups", new { name = "客户等级" });
        var vip = await CreateAsync("/api/v1/tags", new { group_id = group, name = "VIP", color = "#E53935" });
        var potential = await CreateAsync("/api/v1/tags", new { group_id = group, name = "高潜客户" });
        return (group, vip, potential);
    }

    private Task<JsonNode> CustomerWhen(long id, Func<JsonNode, bool> condition) =>
        Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{id}"), condition);

    private static long[] TagIds(JsonNode customer) => [.. customer["tags"]!.AsArray().Select(t => t!["id"]!.GetValue<long>()).Order()];

    [Fact]
    public async Task Tagging_one_customer_shows_on_the_profile_in_counts_in_search_and_in_history()
    {
        var (_, vip, potential) = await TagsAsync();
        var id = await CustomerAsync(new { phone = "13900000001" }, "李雷");

        var add = await _admin.PostJsonAsync($"/api/v1/customers/{id}/tags", new { add = new[] { vip, potential }, reason = "门店消费满一万" });
        Assert.Equal(HttpStatusCode.OK, add.StatusCode);
        Assert.Equal(2, (await add.ReadAsync())["added"]!.GetValue<int>());

        var customer = await CustomerWhen(id, c => c["tags"]!.AsArray().Count == 2);
        var vipTag = customer["tags"]!.AsArray().Single(t => t!["id"]!.GetValue<long>() == vip)!;
        Assert.Equal("VIP", vipTag["name"]!.GetValue<string>());
        Assert.Equal("客户等级", vipTag["group"]!.GetValue<string>());
        Assert.Equal("manual", vipTag["source"]!.GetValue<string>());

        // Adding a tag the customer has is a no-op, not a second history entry.
        var again = await (await _admin.PostJsonAsync($"/api/v1/customers/{id}/tags", new { add = new[] { vip } })).ReadAsync();
        Assert.Equal(1, again["unchanged"]!.GetValue<int>());
        Assert.Equal(0, again["added"]!.GetValue<int>());

        var remove = await _admin.PostJsonAsync($"/api/v1/customers/{id}/tags", new { remove = new[] { potential }, reason = "复核", source = "import" });
        Assert.Equal(1, (await remove.ReadAsync())["removed"]!.GetValue<int>());
        customer = await CustomerWhen(id, c => c["tags"]!.AsArray().Count == 1);
        Assert.Equal([vip], TagIds(customer));

        var groups = (await _api.GetJsonOrNull("/api/v1/tag-groups"))!.AsArray();
        var tags = groups.Single()!["tags"]!.AsArray();
        Assert.Equal(1, tags.Single(t => t!["id"]!.GetValue<long>() == vip)!["customers"]!.GetValue<int>());
        Assert.Equal(0, tags.Single(t => t!["id"]!.GetValue<long>() == potential)!["customers"]!.GetValue<int>());

        var withVip = (await _api.GetJsonOrNull($"/api/v1/customers?tag={vip}"))!;
        Assert.Equal([id], withVip["items"]!.AsArray().Select(c => c!["id"]!.GetValue<long>()));
        Assert.Empty((await _api.GetJsonOrNull($"/api/v1/customers?tag={potential}"))!["items"]!.AsArray());

        var history = (await _api.GetJsonOrNull($"/api/v1/customers/{id}/tag-history"))!.AsArray();
        Assert.Equal(3, history.Count);
        Assert.Equal(("removed", "高潜客户", "import", "复核"), (history[0]!["action"]!.GetValue<string>(), history[0]!["tag_name"]!.GetValue<string>(),
            history[0]!["source"]!.GetValue<string>(), history[0]!["reason"]!.GetValue<string>()));
        Assert.All(history.Skip(1), h => Assert.Equal(("added", "admin", "门店消费满一万"),
            (h!["action"]!.GetValue<string>(), h["actor"]!.GetValue<string>(), h["reason"]!.GetValue<string>())));
    }

    [Fact]
    public async Task Bulk_tagging_is_all_or_nothing()
    {
        var (_, vip, _) = await TagsAsync();
        var ids = new List<long>();
        for (var i = 0; i < 25; i++)
        {
            ids.Add(await CustomerAsync(new { phone = $"1390000{i + 100:D4}" }));
        }

        var bad = await _admin.PostJsonAsync("/api/v1/tags/apply", new { customer_ids = ids.Append(999_999).ToArray(), add = new[] { vip } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.NotNull((await bad.ReadAsync())["errors"]!["customer_ids[25]"]);
        var unknownTag = await _admin.PostJsonAsync("/api/v1/tags/apply", new { customer_ids = ids, add = new[] { vip, 424242L } });
        Assert.NotNull((await unknownTag.ReadAsync())["errors"]!["add[1]"]);
        var both = await _admin.PostJsonAsync("/api/v1/tags/apply", new { customer_ids = ids, add = new[] { vip }, remove = new[] { vip } });
        Assert.NotNull((await both.ReadAsync())["errors"]!["remove"]);
        var badSource = await _admin.PostJsonAsync("/api/v1/tags/apply", new { customer_ids = ids, add = new[] { vip }, source = "magic" });
        Assert.NotNull((await badSource.ReadAsync())["errors"]!["source"]);
        Assert.Empty((await _api.GetJsonOrNull($"/api/v1/customers?tag={vip}"))!["items"]!.AsArray());

        var ok = await (await _admin.PostJsonAsync("/api/v1/tags/apply", new { customer_ids = ids, add = new[] { vip }, reason = "双十一活动" })).ReadAsync();
        Assert.Equal(25, ok["added"]!.GetValue<int>());
        var listed = await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers?tag={vip}&limit=100"), l => l["total"]!.GetValue<int>() == 25);
        Assert.Equal(ids.Order(), listed["items"]!.AsArray().Select(c => c!["id"]!.GetValue<long>()).Order());
    }

    [Fact]
    public async Task Merging_customers_keeps_the_tags_of_both()
    {
        var (_, vip, potential) = await TagsAsync();
        var a = await CustomerAsync(new { phone = "13900000201" });
        var b = await CustomerAsync(new { platform_id = "taobao:tagged_b" });
        await _admin.PostJsonAsync($"/api/v1/customers/{a}/tags", new { add = new[] { vip } });
        await _admin.PostJsonAsync($"/api/v1/customers/{b}/tags", new { add = new[] { potential } });
        await CustomerWhen(b, c => c["tags"]!.AsArray().Count == 1);

        await CustomerAsync(new { phone = "13900000201", platform_id = "taobao:tagged_b" });
        var merged = await CustomerWhen(a, c => c["tags"]!.AsArray().Count == 2);
        Assert.Equal(new[] { vip, potential }.Order(), TagIds(merged));
    }

    [Fact]
    public async Task Definitions_are_validated_and_deleted_tags_disappear()
    {
        var (group, vip, _) = await TagsAsync();
        var duplicate = await _admin.PostJsonAsync("/api/v1/tags", new { group_id = group, name = "VIP" });
        Assert.Equal(HttpStatusCode.BadRequest, duplicate.StatusCode);
        Assert.NotNull((await duplicate.ReadAsync())["errors"]!["name"]);
        var badColor = await _admin.PostJsonAsync("/api/v1/tags", new { group_id = group, name = "新客", color = "red" });
        Assert.NotNull((await badColor.ReadAsync())["errors"]!["color"]);
        var noGroup = await _admin.PostJsonAsync("/api/v1/tags", new { group_id = 9999, name = "新客" });
        Assert.NotNull((await noGroup.ReadAsync())["errors"]!["group_id"]);
        Assert.Equal(HttpStatusCode.Forbidden, (await _api.PostJsonAsync("/api/v1/tag-groups", new { name = "用API密钥" })).StatusCode);

        var id = await CustomerAsync(new { phone = "13900000301" });
        await _admin.PostJsonAsync($"/api/v1/customers/{id}/tags", new { add = new[] { vip } });
        await CustomerWhen(id, c => c["tags"]!.AsArray().Count == 1);
        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/v1/tags/{vip}")).StatusCode);
        Assert.Empty((await _api.GetJsonOrNull($"/api/v1/customers/{id}"))!["tags"]!.AsArray());
        var reuse = await _admin.PostJsonAsync($"/api/v1/customers/{id}/tags", new { add = new[] { vip } });
        Assert.NotNull((await reuse.ReadAsync())["errors"]!["add[0]"]);
        // The name is free again once the tag is deleted.
        Assert.Equal(HttpStatusCode.Created, (await _admin.PostJsonAsync("/api/v1/tags", new { group_id = group, name = "VIP" })).StatusCode);
    }

    [Fact]
    public async Task Clients_cannot_send_tag_events_through_ingest()
    {
        var response = await _api.PostEventsAsync(new { type = "tag.added", identifiers = new { phone = "13900000401" }, properties = new { tag_id = 1 } });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull((await response.ReadAsync())["errors"]!["event.type"]);
    }
}
