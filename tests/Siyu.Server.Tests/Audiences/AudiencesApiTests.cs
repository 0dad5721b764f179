using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Siyu.Server.Tests.Audiences;

public sealed class AudiencesApiTests : IAsyncLifetime
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

    private async Task<long> CustomerAsync(string phone, string name, string? city = null)
    {
        var response = await _api.PostEventsAsync(new { type = "customer.added", identifiers = new { phone }, attributes = new { name, city } });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.ReadAsync())["results"]![0]!["customer_id"]!.GetValue<long>();
    }

    private async Task OrderAsync(string phone, string category, decimal amount, int daysAgo)
    {
        var response = await _api.PostEventsAsync(new
        {
            type = "order.paid", identifiers = new { phone }, timestamp = DateTimeOffset.UtcNow.AddDays(-daysAgo),
            properties = new { order_id = Guid.NewGuid().ToString("N"), category, amount },
        });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private async Task<long> CreateAsync(string url, object body)
    {
        var response = await _admin.PostJsonAsync(url, body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.ReadAsync())["id"]!.GetValue<long>();
    }

    private static JsonNode Condition(string root) => JsonNode.Parse($$"""{"version":1,"root":{{root}}}""")!;

    private async Task<int> PreviewCountAsync(JsonNode condition)
    {
        var response = await _api.PostJsonAsync("/api/v1/audiences/preview", new { condition });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.ReadAsync())["count"]!.GetValue<int>();
    }

    [Fact]
    public async Task Saved_audience_counts_pages_samples_exports_and_explains()
    {
        var group = await CreateAsync("/api/v1/tag-groups", new { name = "客户等级" });
        var vip = await CreateAsync("/api/v1/tags", new { group_id = group, name = "VIP" });
        var mother = await CustomerAsync("13900000001", "王芳", "上海");
        var sporty = await CustomerAsync("13900000002", "李雷", "北京");
        var lapsed = await CustomerAsync("13900000003", "韩梅梅", "上海");
        await OrderAsync("13900000001", "母婴", 320m, 3);
        await OrderAsync("13900000002", "运动", 99m, 1);
        await OrderAsync("13900000003", "母婴", 450m, 60);
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostJsonAsync($"/api/v1/customers/{sporty}/tags", new { add = new[] { vip } })).StatusCode);

        // 母婴 in the last 30 days, OR (VIP AND in 北京).
        var condition = Condition($$"""
            {"type":"any","children":[
              {"type":"behavior","event":"order.paid","where":[{"property":"category","op":"eq","value":"母婴"}],"window":{"last_days":30},"measure":"count","op":"gte","value":1},
              {"type":"all","children":[
                {"type":"tags","op":"has_all","tag_ids":[{{vip}}]},
                {"type":"attribute","name":"city","op":"eq","value":"北京"}]}]}
            """);
        await Json.EventuallyAsync(async () => JsonValue.Create(await PreviewCountAsync(condition)), n => n.GetValue<int>() == 2);

        var id = await CreateAsync("/api/v1/audiences", new { name = "母婴近客或北京VIP", condition });
        var saved = (await _api.GetJsonOrNull($"/api/v1/audiences/{id}"))!;
        Assert.Equal(2, saved["count"]!.GetValue<int>());
        Assert.Equal("母婴近客或北京VIP", saved["name"]!.GetValue<string>());

        var members = (await _api.GetJsonOrNull($"/api/v1/audiences/{id}/members?limit=1"))!;
        Assert.Equal([Math.Min(mother, sporty)], members["ids"]!.AsArray().Select(x => x!.GetValue<long>()));
        var next = (await _api.GetJsonOrNull($"/api/v1/audiences/{id}/members?limit=1&after={members["next_after"]}"))!;
        Assert.Equal([Math.Max(mother, sporty)], next["ids"]!.AsArray().Select(x => x!.GetValue<long>()));

        var sampleResponse = await _api.GetAsync($"/api/v1/audiences/{id}/sample?size=5");
        Assert.True(sampleResponse.IsSuccessStatusCode, await sampleResponse.Content.ReadAsStringAsync());
        var sample = await sampleResponse.ReadAsync();
        Assert.Equal(new[] { mother, sporty }.Order(), sample["customers"]!.AsArray().Select(c => c!["id"]!.GetValue<long>()).Order());

        var csv = await _api.GetStringAsync($"/api/v1/audiences/{id}/export.csv");
        var lines = csv.TrimStart('\uFEFF').Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal("customer_id,name", lines[0]);
        Assert.Equal(new[] { $"{mother},王芳", $"{sporty},李雷" }.Order(), lines.Skip(1).Order());

        // The lapsed buyer is out: the behaviour branch counted 0 in the window, the VIP branch decided nothing.
        var whyOut = (await _api.GetJsonOrNull($"/api/v1/audiences/{id}/explain?customer_id={lapsed}"))!;
        Assert.False(whyOut["result"]!.GetValue<bool>());
        Assert.Contains("count = 0", whyOut["children"]![0]!["detail"]!.GetValue<string>());
        var whyIn = (await _api.GetJsonOrNull($"/api/v1/audiences/{id}/explain?customer_id={sporty}"))!;
        Assert.True(whyIn["result"]!.GetValue<bool>());
        Assert.True(whyIn["children"]![1]!["decisive"]!.GetValue<bool>());
        Assert.Contains("VIP", whyIn["children"]![1]!["children"]![0]!["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task Bad_conditions_point_at_the_node_at_fault()
    {
        var response = await _api.PostJsonAsync("/api/v1/audiences/preview", new
        {
            condition = Condition("""
                {"type":"all","children":[
                  {"type":"tags","op":"has_any","tag_ids":[987654]},
                  {"type":"attribute","name":"points","op":"contains","value":"1"},
                  {"type":"behavior","event":"order.paid","window":{"last_days":9999},"op":"gte","value":1}]}
                """),
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.ReadAsync())["errors"]!.AsObject();
        Assert.Contains("condition.root.children[0].tag_ids[0]", errors.Select(e => e.Key));
        Assert.Contains("condition.root.children[1].op", errors.Select(e => e.Key));
        Assert.Contains("condition.root.children[2].window.last_days", errors.Select(e => e.Key));

        // A reference cycle is refused when it would be created.
        var a = await CreateAsync("/api/v1/audiences", new { name = "甲", condition = Condition("""{"type":"all","children":[]}""") });
        var b = await CreateAsync("/api/v1/audiences", new { name = "乙", condition = Condition($$"""{"type":"audience","audience_id":{{a}}}""") });
        var cycle = await _admin.PatchAsJsonAsync($"/api/v1/audiences/{a}", new { condition = Condition("""{"type":"not","child":{"type":"audience","audience_id":B}}""".Replace("B", b.ToString(System.Globalization.CultureInfo.InvariantCulture))) });
        Assert.Equal(HttpStatusCode.BadRequest, cycle.StatusCode);
        Assert.Contains("condition.root.child.audience_id", (await cycle.ReadAsync())["errors"]!.AsObject().Select(e => e.Key));

        // An audience another one uses can't be deleted.
        Assert.Equal(HttpStatusCode.Conflict, (await _admin.DeleteAsync($"/api/v1/audiences/{a}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/v1/audiences/{b}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/v1/audiences/{a}")).StatusCode);
    }

    [Fact]
    public async Task Rule_tag_backfills_then_follows_events_in_real_time()
    {
        var group = await CreateAsync("/api/v1/tag-groups", new { name = "消费行为" });
        var early = await CustomerAsync("13900000011", "早期买家");
        await OrderAsync("13900000011", "母婴", 200m, 2);
        var later = await CustomerAsync("13900000012", "新买家");
        await Json.EventuallyAsync(async () => JsonValue.Create(await PreviewCountAsync(Condition("""{"type":"all","children":[]}"""))), n => n.GetValue<int>() == 2);

        var rule = Condition("""
            {"type":"behavior","event":"order.paid","where":[{"property":"category","op":"eq","value":"母婴"}],"window":{"last_days":30},"measure":"sum","property":"amount","op":"gte","value":300}
            """);
        var bad = await _admin.PostJsonAsync("/api/v1/tags", new { group_id = group, name = "无规则", kind = "rule" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("rule", (await bad.ReadAsync())["errors"]!.AsObject().Select(e => e.Key));

        var tag = await CreateAsync("/api/v1/tags", new { group_id = group, name = "母婴高消费", kind = "rule", rule });
        async Task<bool> HasTag(long customer) =>
            (await _api.GetJsonOrNull($"/api/v1/customers/{customer}"))!["tags"]!.AsArray().Any(t => t!["id"]!.GetValue<long>() == tag);

        // 200 < 300: not yet. Another 150 → 350: the rule adds the tag, from the event, without any recomputation request.
        Assert.False(await HasTag(early));
        await OrderAsync("13900000011", "母婴", 150m, 1);
        var tagged = await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{early}"),
            c => c["tags"]!.AsArray().Any(t => t!["id"]!.GetValue<long>() == tag));
        Assert.Equal("rule", tagged["tags"]!.AsArray().Single(t => t!["id"]!.GetValue<long>() == tag)!["source"]!.GetValue<string>());
        Assert.False(await HasTag(later));

        // A rule tag is not for hands: manual changes are refused.
        var manual = await _admin.PostJsonAsync($"/api/v1/customers/{later}/tags", new { add = new[] { tag } });
        Assert.Equal(HttpStatusCode.BadRequest, manual.StatusCode);

        // Tightening the rule removes the tag again (re-evaluation on rule change).
        var patch = await _admin.PatchAsJsonAsync($"/api/v1/tags/{tag}", new { rule = Condition("""
            {"type":"behavior","event":"order.paid","window":{"last_days":30},"measure":"sum","property":"amount","op":"gte","value":1000}
            """) });
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{early}"), c => !c["tags"]!.AsArray().Any(t => t!["id"]!.GetValue<long>() == tag));
    }

    [Fact]
    public async Task Merging_two_customers_answers_for_the_merged_profile()
    {
        var group = await CreateAsync("/api/v1/tag-groups", new { name = "客户等级" });
        var vip = await CreateAsync("/api/v1/tags", new { group_id = group, name = "VIP" });
        var byPhone = await CustomerAsync("13900000031", "周杰");
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostJsonAsync($"/api/v1/customers/{byPhone}/tags", new { add = new[] { vip } })).StatusCode);
        var byEmail = (await (await _api.PostEventsAsync(new
        {
            type = "order.paid", identifiers = new { email = "zhoujie@example.com" }, timestamp = DateTimeOffset.UtcNow.AddDays(-1),
            properties = new { order_id = "m-1", category = "母婴", amount = 88 },
        })).ReadAsync())["results"]![0]!["customer_id"]!.GetValue<long>();
        Assert.NotEqual(byPhone, byEmail);
        var condition = Condition($$"""
            {"type":"all","children":[
              {"type":"tags","op":"has_all","tag_ids":[{{vip}}]},
              {"type":"behavior","event":"order.paid","where":[{"property":"category","op":"eq","value":"母婴"}],"window":{"last_days":7},"op":"gte","value":1}]}
            """);
        var everyone = Condition("""{"type":"all","children":[]}""");
        await Json.EventuallyAsync(async () => JsonValue.Create(await PreviewCountAsync(everyone)), n => n.GetValue<int>() == 2);
        Assert.Equal(0, await PreviewCountAsync(condition));

        // One event naming both identifiers merges them: the tag of one and the order of the other are now one customer's.
        Assert.Equal(HttpStatusCode.Accepted, (await _api.PostEventsAsync(new
        {
            type = "page.viewed", identifiers = new { phone = "13900000031", email = "zhoujie@example.com" }, properties = new { page = "/me" },
        })).StatusCode);
        await Json.EventuallyAsync(async () => JsonValue.Create(await PreviewCountAsync(condition)), n => n.GetValue<int>() == 1);
        Assert.Equal(1, await PreviewCountAsync(everyone));
    }
}
