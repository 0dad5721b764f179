using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Siyu.Server.Tests.Delivery;

/// <summary>
/// Content review rule packs on a real server: the API validates and names fields, switching a pack changes the next
/// review and the next message, and custom packs stop journeys and welcome messages from being saved with their words.
/// </summary>
public sealed class RulePackTests : IAsyncLifetime
{
    private readonly SiyuFactory _factory = new();
    private HttpClient _admin = null!;
    private HttpClient _api = null!;

    public async Task InitializeAsync()
    {
        _admin = await _factory.AdminClientAsync();
        _api = _factory.ApiClient();
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private async Task<string> ReviewOutcomeAsync(string text)
    {
        var response = await _admin.PostAsJsonAsync("/api/v1/delivery/review", new { text });
        response.EnsureSuccessStatusCode();
        return (await response.ReadAsync())["outcome"]!.GetValue<string>();
    }

    private async Task<JsonNode> CreatePackAsync(string name, params object[] rules)
    {
        var response = await _admin.PostAsJsonAsync("/api/v1/delivery/review-packs", new { name, description = "测试", rules });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.ReadAsync();
    }

    private static async Task<Dictionary<string, string[]>> ErrorsAsync(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var errors = (await response.ReadAsync())["errors"]!.AsObject();
        return errors.ToDictionary(e => e.Key, e => e.Value!.AsArray().Select(m => m!.GetValue<string>()).ToArray());
    }

    [Fact]
    public async Task RulePack_api_lists_built_in_packs_and_validates_custom_ones_naming_each_field()
    {
        (await _admin.PutAsJsonAsync("/api/v1/delivery/settings", new { industry = "finance" })).EnsureSuccessStatusCode();
        var list = (await _admin.GetJsonOrNull("/api/v1/delivery/review-packs"))!.AsArray();
        Assert.Equal(["ads_law", "inducement", "medical", "education", "finance", "retail"], list.Select(p => p!["id"]!.GetValue<string>()));
        Assert.Equal(["ads_law", "inducement", "finance"], list.Where(p => p!["enabled"]!.GetValue<bool>()).Select(p => p!["id"]!.GetValue<string>()));
        var finance = list.Single(p => p!["id"]!.GetValue<string>() == "finance")!;
        Assert.True(finance["built_in"]!.GetValue<bool>());
        Assert.True(finance["block_words"]!.GetValue<int>() > 50);

        var detail = (await _admin.GetJsonOrNull("/api/v1/delivery/review-packs/finance"))!;
        var baoben = detail["rules"]!.AsArray().Single(r => r!["word"]!.GetValue<string>() == "保本")!;
        Assert.Equal("block", baoben["action"]!.GetValue<string>());
        Assert.Contains("广告法", baoben["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("不保本", detail["allow"]!.AsArray().Select(a => a!.GetValue<string>()));
        var retail = (await _admin.GetJsonOrNull("/api/v1/delivery/review-packs/retail"))!;
        Assert.Contains(retail["rules"]!.AsArray(), r => r!["word"]!.GetValue<string>() == "全网最低价" && r["action"]!.GetValue<string>() == "block");
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync("/api/v1/delivery/review-packs/custom-999")).StatusCode);

        var bad = await ErrorsAsync(await _admin.PostAsJsonAsync("/api/v1/delivery/review-packs", new
        {
            name = "",
            rules = new object[] { new { word = "稳稳赚", action = "ban" }, new { word = "   ", action = "block" }, new { word = "稳 稳赚", action = "review" } },
            allow = new[] { "。。" },
        }));
        Assert.Equal(["allow[0]", "name", "rules[0].action", "rules[1].word", "rules[2].word"], bad.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("rules", (await ErrorsAsync(await _admin.PostAsync("/api/v1/delivery/review-packs", Json.Body("""{"name":"x","rules":"稳赚"}""")))).Keys);
        Assert.Contains("name", (await ErrorsAsync(await _admin.PostAsJsonAsync("/api/v1/delivery/review-packs", new { name = "金融理财", rules = new[] { new { word = "稳稳赚", action = "block" } } }))).Keys);

        var created = await CreatePackAsync("理财话术", new { word = "稳稳赚", action = "block", reason = "承诺收益" });
        Assert.Equal("custom-", created["id"]!.GetValue<string>()[..7]);
        Assert.True(created["enabled"]!.GetValue<bool>());
        Assert.Equal(["name"], (await ErrorsAsync(await _admin.PostAsJsonAsync("/api/v1/delivery/review-packs", new { name = "理财话术", rules = new[] { new { word = "另一个词", action = "block" } } }))).Keys);
        Assert.Equal(HttpStatusCode.Conflict, (await _admin.PutAsJsonAsync("/api/v1/delivery/review-packs/finance", new { name = "改名", rules = new[] { new { word = "词", action = "block" } } })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await _admin.DeleteAsync("/api/v1/delivery/review-packs/finance")).StatusCode);
        Assert.Equal(["enabled"], (await ErrorsAsync(await _admin.PutAsJsonAsync("/api/v1/delivery/review-packs/finance/enabled", new { }))).Keys);

        // The ingest key reads but may not change packs.
        Assert.Equal(HttpStatusCode.OK, (await _api.GetAsync("/api/v1/delivery/review-packs")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _api.PutAsJsonAsync("/api/v1/delivery/review-packs/finance/enabled", new { enabled = false })).StatusCode);
    }

    [Fact]
    public async Task RulePack_switched_off_stops_保本_blocking_on_the_next_review_and_the_next_message()
    {
        (await _admin.PutAsJsonAsync("/api/v1/delivery/settings", new { industry = "finance" })).EnsureSuccessStatusCode();
        const string text = "这款理财产品保本保息，欢迎咨询";
        Assert.Equal("blocked", await ReviewOutcomeAsync(text));
        var ingest = await (await _api.PostEventsAsync(new
        {
            events = new[] { new { type = "page.viewed", timestamp = "2026-12-01T10:00:00+08:00", identifiers = new { phone = "13700137011" } } },
        })).ReadAsync();
        var customer = ingest["results"]![0]!["customer_id"]!.GetValue<long>();
        async Task<string> SendAsync(string key)
        {
            var sent = await _admin.PostAsJsonAsync("/api/v1/delivery/messages", new { key, customer_id = customer, channel = "wecom_private", topic = "transactional", text });
            Assert.True(sent.StatusCode == HttpStatusCode.Accepted, await sent.Content.ReadAsStringAsync());
            var id = (await sent.ReadAsync())["id"]!.GetValue<long>();
            var settled = await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/delivery/messages/{id}"), m => m["status"]!.GetValue<string>() != "pending");
            return settled["status"]!.GetValue<string>();
        }
        Assert.Equal("blocked", await SendAsync("pack-on"));

        var off = await _admin.PutAsJsonAsync("/api/v1/delivery/review-packs/finance/enabled", new { enabled = false });
        Assert.True(off.StatusCode == HttpStatusCode.OK, await off.Content.ReadAsStringAsync());
        Assert.False((await off.ReadAsync())["enabled"]!.GetValue<bool>());
        Assert.Equal("pass", await ReviewOutcomeAsync(text));

        // The delivery pipeline uses the same compiled review: now the message goes out (to the outbox, no WeCom here).
        Assert.NotEqual("blocked", await SendAsync("pack-off"));

        // Back on: blocked again; the switch stays explicit (it survives an industry change) and is audited.
        (await _admin.PutAsJsonAsync("/api/v1/delivery/review-packs/finance/enabled", new { enabled = true })).EnsureSuccessStatusCode();
        Assert.Equal("blocked", await ReviewOutcomeAsync(text));
        (await _admin.PutAsJsonAsync("/api/v1/delivery/settings", new { industry = "general" })).EnsureSuccessStatusCode();
        Assert.Equal("blocked", await ReviewOutcomeAsync(text));
        var audit = await _admin.GetStringAsync("/api/v1/audit/?action=review_pack");
        Assert.Contains("review_pack.toggle", audit, StringComparison.Ordinal);

        // A retail tenant can switch the (default-off) retail pack on.
        Assert.Equal("pass", await ReviewOutcomeAsync("清仓特卖，全场一折"));
        (await _admin.PutAsJsonAsync("/api/v1/delivery/review-packs/retail/enabled", new { enabled = true })).EnsureSuccessStatusCode();
        Assert.Equal("needs_approval", await ReviewOutcomeAsync("清仓特卖，全场一折"));
    }

    [Fact]
    public async Task RulePack_custom_word_blocks_a_journey_publish_at_the_step_path_and_review_words_are_reported_back()
    {
        object Definition(string text) => new
        {
            version = 1, name = "理财沙龙邀约", kind = "journey",
            trigger = new { type = "event", @event = "order.paid" },
            steps = new object[]
            {
                new { id = "hello", send = new { channel = "wecom_private", topic = "service", text = "您好，感谢报名" } },
                new { id = "pause", wait = new { duration = "1d" } },
                new { id = "invite", send = new { channel = "wecom_private", topic = "marketing", text } },
                new { id = "done", exit = new { } },
            },
        };
        var created = await _admin.PostAsJsonAsync("/api/v1/journeys", new { definition = Definition("周六理财沙龙，稳稳赚的秘诀") });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var createdBody = await created.ReadAsync();
        var journey = createdBody["id"]!.GetValue<long>();
        Assert.Null(createdBody["review_hits"]);

        var pack = await CreatePackAsync("理财话术", new { word = "稳稳赚", action = "block", reason = "承诺收益" }, new { word = "沙龙", action = "review" });

        // Validating without saving gives the same answers as a save.
        var check = await ErrorsAsync(await _admin.PostAsJsonAsync("/api/v1/journeys/validate", new { definition = Definition("周六理财沙龙，稳稳赚的秘诀") }));
        Assert.Contains("稳稳赚", Assert.Single(check["definition.steps[2].send.text"]), StringComparison.Ordinal);
        var validated = await (await _admin.PostAsJsonAsync("/api/v1/journeys/validate", new { definition = Definition("周六理财沙龙，欢迎参加") })).ReadAsync();
        Assert.True(validated["valid"]!.GetValue<bool>());
        Assert.Equal("沙龙", Assert.Single(validated["review_hits"]!.AsArray())!["word"]!.GetValue<string>());

        var refused = await _admin.PutAsJsonAsync($"/api/v1/journeys/{journey}", new { definition = Definition("周六理财沙龙，稳稳赚的秘诀") });
        var errors = await ErrorsAsync(refused);
        var message = Assert.Single(errors["definition.steps[2].send.text"]);
        Assert.Contains("稳稳赚", message, StringComparison.Ordinal);
        Assert.Contains("承诺收益", message, StringComparison.Ordinal);
        Assert.Equal(1, (await _admin.GetJsonOrNull($"/api/v1/journeys/{journey}"))!["current_version"]!.GetValue<int>());

        // Review-level words are saved and reported, with the path of the step they are in.
        var published = await _admin.PutAsJsonAsync($"/api/v1/journeys/{journey}", new { definition = Definition("周六理财沙龙，欢迎参加") });
        Assert.True(published.StatusCode == HttpStatusCode.OK, await published.Content.ReadAsStringAsync());
        var hit = Assert.Single((await published.ReadAsync())["review_hits"]!.AsArray())!;
        Assert.Equal(("沙龙", "definition.steps[2].send.text", pack["id"]!.GetValue<string>()),
            (hit["word"]!.GetValue<string>(), hit["field"]!.GetValue<string>(), hit["pack"]!.GetValue<string>()));

        // Switched off, the pack no longer refuses; deleted, it is gone.
        (await _admin.PutAsJsonAsync($"/api/v1/delivery/review-packs/{pack["id"]}/enabled", new { enabled = false })).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.OK, (await _admin.PutAsJsonAsync($"/api/v1/journeys/{journey}", new { definition = Definition("稳稳赚的秘诀") })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/v1/delivery/review-packs/{pack["id"]}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync($"/api/v1/delivery/review-packs/{pack["id"]}")).StatusCode);
    }

    [Fact]
    public async Task RulePack_custom_word_refuses_a_welcome_message()
    {
        await CreatePackAsync("竞品", new { word = "某宝同款", action = "block", reason = "不得提及竞品平台" });
        var refused = await _admin.PostAsJsonAsync("/api/v1/wecom/channels", new
        {
            name = "门店海报", staff = new object[] { new { userid = "zhangmin", daily_cap = 0 } }, welcome = new { text = "欢迎光临！本店商品均为某宝同款" },
        });
        var errors = await ErrorsAsync(refused);
        var message = Assert.Single(errors["welcome.text"]);
        Assert.Contains("某宝同款", message, StringComparison.Ordinal);
        Assert.Contains("不得提及竞品平台", message, StringComparison.Ordinal);
    }
}
