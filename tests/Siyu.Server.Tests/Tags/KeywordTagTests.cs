using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Siyu.Server.Tests.Tags;

/// <summary>
/// Keyword tags (关键词标签): a customer's message containing one of the tag's words adds the tag, with the word and the
/// message as the reason in the tag history; folded variants (full-width, traditional, inserted spaces) count; other
/// messages and other customers are left alone; bad definitions name the field.
/// </summary>
public sealed class KeywordTagTests : IAsyncLifetime
{
    private readonly SiyuFactory _factory = new();
    private HttpClient _admin = null!;
    private long _group;

    public async Task InitializeAsync()
    {
        _admin = await _factory.AdminClientAsync();
        var group = await _admin.PostAsJsonAsync("/api/v1/tag-groups", new { name = "意向" });
        _group = (await group.ReadAsync())["id"]!.GetValue<long>();
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private async Task<long> KeywordTagAsync(string name, params string[] keywords)
    {
        var response = await _admin.PostAsJsonAsync("/api/v1/tags", new { group_id = _group, name, kind = "keyword", keywords });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.ReadAsync())["id"]!.GetValue<long>();
    }

    private async Task SayAsync(string phone, string id, string text) =>
        Assert.Equal(HttpStatusCode.Accepted, (await _factory.ApiClient().PostEventsAsync(new
        {
            id, type = "message.received", timestamp = DateTimeOffset.UtcNow.ToString("O"), identifiers = new { phone }, properties = new { text },
        })).StatusCode);

    private async Task<List<JsonNode>> HistoryAsync(long customer) =>
        [.. (await _admin.GetJsonOrNull($"/api/v1/customers/{customer}/tag-history"))!.AsArray().Select(h => h!)];

    [Fact]
    public async Task A_keyword_in_a_customers_message_adds_the_tag_with_the_message_as_evidence()
    {
        var refund = await KeywordTagAsync("售后-退款", "退款", "退货");
        var price = await KeywordTagAsync("咨询价格", "多少钱", "价格");
        var a = await _factory.AddCustomerAsync(_admin, "13500000001", "zhang", "甲");
        var b = await _factory.AddCustomerAsync(_admin, "13500000002", "zhang", "乙");

        await SayAsync("13500000001", "m1", "你好，我想申请退 款，东西不合适");
        await SayAsync("13500000002", "m2", "今天天气不错");
        var history = await Json.EventuallyAsync(async () => (JsonNode?)new JsonArray([.. (await HistoryAsync(a)).Select(h => h.DeepClone())]),
            h => h.AsArray().Any(x => x!["tag_id"]!.GetValue<long>() == refund));
        var entry = history.AsArray().Single(x => x!["tag_id"]!.GetValue<long>() == refund)!;
        Assert.Equal("keyword", entry["source"]!.GetValue<string>());
        Assert.Contains("退款", entry["reason"]!.GetValue<string>());
        Assert.Contains("东西不合适", entry["reason"]!.GetValue<string>());
        Assert.DoesNotContain(history.AsArray(), x => x!["tag_id"]!.GetValue<long>() == price);

        // Traditional and full-width forms are the same words; a second hit of a tag the customer carries adds nothing.
        await SayAsync("13500000002", "m3", "這個價格是多少錢？");
        await Json.EventuallyAsync(async () => (JsonNode?)new JsonArray([.. (await HistoryAsync(b)).Select(h => h.DeepClone())]),
            h => h.AsArray().Any(x => x!["tag_id"]!.GetValue<long>() == price));
        await SayAsync("13500000001", "m4", "退货怎么寄？还是退款吧");
        await SayAsync("13500000001", "m5", "好的");
        await Task.Delay(500);
        Assert.Single(await HistoryAsync(a), h => h["tag_id"]!.GetValue<long>() == refund);
        Assert.DoesNotContain(await HistoryAsync(b), h => h["tag_id"]!.GetValue<long>() == refund);
    }

    [Fact]
    public async Task Keyword_definitions_are_checked_field_by_field()
    {
        async Task<JsonObject> ErrorsAsync(object body)
        {
            var response = await _admin.PostAsJsonAsync("/api/v1/tags", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            return (await response.ReadAsync())["errors"]!.AsObject();
        }
        Assert.True((await ErrorsAsync(new { group_id = _group, name = "无词", kind = "keyword" })).ContainsKey("keywords"));
        Assert.True((await ErrorsAsync(new { group_id = _group, name = "手工", kind = "manual", keywords = new[] { "退款" } })).ContainsKey("keywords"));
        Assert.True((await ErrorsAsync(new { group_id = _group, name = "空词", kind = "keyword", keywords = new[] { "好", " " } })).ContainsKey("keywords[1]"));
        var tags = (await _admin.GetJsonOrNull("/api/v1/tag-groups"))!.AsArray().Single(g => g!["id"]!.GetValue<long>() == _group)!["tags"]!.AsArray();
        Assert.Empty(tags);
    }
}
