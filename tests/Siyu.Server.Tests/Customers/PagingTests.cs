using System.Net;
using System.Text.Json.Nodes;

namespace Siyu.Server.Tests.Customers;

/// <summary>
/// Paging through the customer list and an audience's members with small pages returns every customer exactly once, in
/// order, across all partitions: checked against the ids the ingest answers returned.
/// </summary>
public sealed class PagingTests : IAsyncLifetime
{
    private readonly SiyuFactory _factory = new();
    private HttpClient _api = null!;

    public Task InitializeAsync()
    {
        _api = _factory.ApiClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Small_pages_walk_every_customer_once_in_order()
    {
        var events = Enumerable.Range(0, 300).Select(i => new
        {
            id = $"paging-{i}", type = "page.viewed", timestamp = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O"),
            identifiers = new { phone = $"1375555{i:D4}" }, attributes = new { name = i % 3 == 0 ? $"王{i}" : $"李{i}" },
        }).ToArray();
        var response = await _api.PostEventsAsync(new { events });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var expected = (await response.ReadAsync())["results"]!.AsArray().Select(r => r!["customer_id"]!.GetValue<long>()).Distinct().Order().ToList();
        Assert.Equal(300, expected.Count);
        await Json.EventuallyAsync(() => _api.GetJsonOrNull("/api/v1/customers?limit=1"), c => c["total"]!.GetValue<int>() == 300);

        // Newest first, 7 at a time; then a name search (王, every third customer), 9 at a time.
        var listed = await WalkAsync(_api, before => $"/api/v1/customers?limit=7{(before is { } b ? $"&before={b}" : "")}", "items", "next_before");
        Assert.Equal(Enumerable.Reverse(expected), listed);
        var wang = await WalkAsync(_api, before => $"/api/v1/customers?limit=9&q={Uri.EscapeDataString("王")}{(before is { } b ? $"&before={b}" : "")}", "items", "next_before");
        Assert.Equal(expected.Where((_, i) => i % 3 == 0).Reverse(), wang);

        // An audience of everyone: oldest first, 13 at a time.
        var condition = JsonNode.Parse("""{"version":1,"root":{"type":"behavior","event":"page.viewed","window":{"last_days":30},"op":"gte","value":1}}""");
        using var admin = await _factory.AdminClientAsync();
        var created = await admin.PostJsonAsync("/api/v1/audiences", new { name = "全部访客", condition });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var id = (await created.ReadAsync())["id"]!.GetValue<long>();
        var members = await WalkAsync(admin, after => $"/api/v1/audiences/{id}/members?limit=13{(after is { } a ? $"&after={a}" : "")}", "ids", "next_after");
        Assert.Equal(expected, members);
    }

    /// <summary>Follows a cursor from page to page and returns the ids in the order the pages gave them.</summary>
    private static async Task<List<long>> WalkAsync(HttpClient client, Func<long?, string> url, string items, string cursor)
    {
        var ids = new List<long>();
        long? next = null;
        do
        {
            var page = (await client.GetJsonOrNull(url(next)))!;
            ids.AddRange(page[items]!.AsArray().Select(x => (x is JsonObject o ? o["id"] : x)!.GetValue<long>()));
            next = page[cursor]?.GetValue<long>();
        }
        while (next is not null);
        return ids;
    }
}
