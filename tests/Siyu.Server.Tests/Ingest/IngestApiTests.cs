using System.Net;
using System.Text.Json.Nodes;

namespace Siyu.Server.Tests.Ingest;

public sealed class IngestApiTests : IAsyncLifetime
{
    private readonly SiyuFactory _factory = new();
    private HttpClient _api = null!;

    public Task InitializeAsync()
    {
        _api = _factory.ApiClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private static object Order(string id, string phone, double amount, string category = "母婴", string? ts = null) => new
    {
        id,
        type = "order.paid",
        timestamp = ts ?? DateTimeOffset.UtcNow.AddMinutes(-5).ToString("O"),
        identifiers = new { phone },
        properties = new { order_id = id, amount, category },
    };

    [Fact]
    public async Task Accepted_orders_show_on_the_customer_profile()
    {
        var response = await _api.PostEventsAsync(new { events = new[] { Order("o-1", "13800138001", 100.5), Order("o-2", "+86 138-0013-8001", 20, "美妆") } });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.ReadAsync();
        Assert.Equal(2, body["accepted"]!.GetValue<int>());
        var customerId = body["results"]![0]!["customer_id"]!.GetValue<long>();
        // Both phone spellings normalise to one identifier, so one customer.
        Assert.Equal(customerId, body["results"]![1]!["customer_id"]!.GetValue<long>());

        var customer = await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{customerId}"), c => c["orders"]!.GetValue<int>() == 2);
        Assert.Equal(120.5m, customer["spend"]!.GetValue<decimal>());
        var categories = customer["categories"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()).ToHashSet();
        Assert.Equal(["母婴", "美妆"], categories.Order());
        Assert.Contains(customer["identifiers"]!.AsArray(), i => i!["type"]!.GetValue<string>() == "phone" && i["value"]!.GetValue<string>() == "138****8001"); // masked

        // The loyalty worker adds points.changed for the orders whenever it runs: the two orders are what was posted.
        var timeline = (await _api.GetJsonOrNull($"/api/v1/customers/{customerId}/events"))!.AsArray();
        var orders = timeline.Where(e => e!["type"]!.GetValue<string>() == "order.paid").Select(e => e!["properties"]!["order_id"]!.GetValue<string>());
        Assert.Equal(["o-1", "o-2"], orders.Order());
    }

    [Fact]
    public async Task A_profile_read_right_after_the_acknowledgement_shows_the_events()
    {
        // Background batches keep the partitions busy, so an acknowledged event is often not applied yet when the read
        // arrives; every read must still show what was acknowledged.
        using var stop = new CancellationTokenSource();
        var flood = Enumerable.Range(0, 3).Select(lane => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var batch = Enumerable.Range(0, 1000).Select(i => new
                {
                    id = $"ryw-flood-{lane}-{n}-{i}", type = "page.viewed", timestamp = DateTimeOffset.UtcNow.ToString("O"),
                    identifiers = new { device_id = $"ryw-{lane}-{n}-{i}" },
                }).ToArray();
                await _api.PostEventsAsync(new { events = batch });
            }
        })).ToList();
        try
        {
            for (var i = 0; i < 40; i++)
            {
                var body = await (await _api.PostEventsAsync(new { events = new[] { Order($"ryw-{i}", $"1361234{i:D4}", 10) } })).ReadAsync();
                var id = body["results"]![0]!["customer_id"]!.GetValue<long>();
                var profile = await _api.GetJsonOrNull($"/api/v1/customers/{id}");
                Assert.True(profile is not null, $"read {i}: 404 right after the acknowledgement");
                Assert.Equal(1, profile["orders"]!.GetValue<int>());
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(flood);
        }
    }

    [Fact]
    public async Task Resending_the_same_batch_creates_nothing_new()
    {
        var batch = new { events = new[] { Order("dup-1", "13900000001", 10), Order("dup-2", "13900000001", 20) } };
        var first = await (await _api.PostEventsAsync(batch)).ReadAsync();
        var second = await (await _api.PostEventsAsync(batch)).ReadAsync();
        Assert.Equal(2, first["accepted"]!.GetValue<int>());
        Assert.Equal(0, second["accepted"]!.GetValue<int>());
        Assert.Equal(2, second["duplicates"]!.GetValue<int>());
        Assert.Equal(first["results"]![0]!["seq"]!.GetValue<long>(), second["results"]![0]!["seq"]!.GetValue<long>());

        // Without a client id, orders dedupe on their order id.
        var noId = new { type = "order.paid", identifiers = new { phone = "13900000001" }, properties = new { order_id = "dup-3", amount = 5 } };
        await _api.PostEventsAsync(noId);
        var again = await (await _api.PostEventsAsync(noId)).ReadAsync();
        Assert.Equal(1, again["duplicates"]!.GetValue<int>());

        var customerId = first["results"]![0]!["customer_id"]!.GetValue<long>();
        var customer = await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{customerId}"), c => c["orders"]!.GetValue<int>() >= 3);
        Assert.Equal(3, customer["orders"]!.GetValue<int>());
        Assert.Equal(35m, customer["spend"]!.GetValue<decimal>());
    }

    [Theory]
    [InlineData("{\"type\": \"order.paid\",", "body")]
    [InlineData("{\"type\": \"page.viewed\", \"identifiers\": {\"phone\": \"13800000000\"}, \"colour\": 1}", "event.colour")]
    [InlineData("{\"type\": \"page.viewed\"}", "event.identifiers")]
    [InlineData("{\"type\": \"page.viewed\", \"identifiers\": {\"qq\": \"1\"}}", "event.identifiers.qq")]
    [InlineData("{\"type\": \"page.viewed\", \"identifiers\": {\"phone\": \"13800000000\"}, \"timestamp\": \"2999-01-01T00:00:00Z\"}", "event.timestamp")]
    [InlineData("{\"type\": \"order.paid\", \"identifiers\": {\"phone\": \"13800000000\"}, \"properties\": {\"order_id\": \"x\", \"amount\": -3}}", "event.properties.amount")]
    [InlineData("{\"type\": \"Order Paid\", \"identifiers\": {\"phone\": \"13800000000\"}}", "event.type")]
    [InlineData("{\"type\": \"customer.merged\", \"identifiers\": {\"phone\": \"13800000000\"}}", "event.type")]
    [InlineData("{\"events\": {}}", "events")]
    [InlineData("{\"events\": [], \"x\": 1}", "x")]
    public async Task Invalid_input_gets_a_problem_naming_the_field(string json, string field)
    {
        var response = await _api.PostAsync("/api/v1/events", Json.Body(json));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadAsync();
        Assert.NotNull(problem["errors"]![field]);
    }

    [Fact]
    public async Task A_batch_with_one_bad_event_stores_nothing_unless_partial()
    {
        var batch = new { events = new object[] { Order("atomic-1", "13700000001", 1), new { type = "page.viewed" } } };
        var atomic = await _api.PostEventsAsync(batch);
        Assert.Equal(HttpStatusCode.BadRequest, atomic.StatusCode);
        Assert.NotNull((await atomic.ReadAsync())["errors"]!["events[1].identifiers"]);
        Assert.Null(await _api.GetJsonOrNull("/api/v1/customers?q=13700000001").ContinueWith(t => t.Result?["items"]?.AsArray().FirstOrDefault()));

        var partial = await _api.PostEventsAsync(batch, "?mode=partial");
        Assert.Equal(HttpStatusCode.Accepted, partial.StatusCode);
        var body = await partial.ReadAsync();
        Assert.Equal(1, body["accepted"]!.GetValue<int>());
        Assert.Equal(1, body["rejected"]![0]!["index"]!.GetValue<int>());
    }

    [Fact]
    public async Task Batches_over_the_limit_and_oversized_bodies_are_refused()
    {
        var tooMany = new { events = Enumerable.Range(0, 1001).Select(i => Order($"big-{i}", "13600000001", 1)).ToArray() };
        var response = await _api.PostEventsAsync(tooMany);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull((await response.ReadAsync())["errors"]!["events"]);

        var huge = new { type = "page.viewed", identifiers = new { phone = "13600000001" }, properties = new { blob = new string('x', 6 * 1024 * 1024) } };
        var tooLarge = await _api.PostEventsAsync(huge);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Equal("body", (await tooLarge.ReadAsync())["field"]!.GetValue<string>());
    }

    [Fact]
    public async Task Wrong_or_missing_api_key_is_401_problem()
    {
        var anonymous = _factory.CreateClient();
        var missing = await anonymous.PostEventsAsync(Order("k-1", "13500000001", 1));
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);

        anonymous.DefaultRequestHeaders.Add("X-Api-Key", "sk_wrong");
        var wrong = await anonymous.PostEventsAsync(Order("k-1", "13500000001", 1));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("application/problem+json", wrong.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Attribute_edits_follow_merge_strategies()
    {
        var first = await (await _api.PostEventsAsync(new
        {
            type = "customer.added", timestamp = "2026-01-01T10:00:00+08:00",
            identifiers = new { external_userid = "wmAttr1" },
            attributes = new { name = "李雷", first_channel = "门店" },
        })).ReadAsync();
        var id = first["results"]![0]!["customer_id"]!.GetValue<long>();
        await _api.PostEventsAsync(new
        {
            type = "profile.updated", timestamp = "2026-02-01T10:00:00+08:00",
            identifiers = new { external_userid = "wmAttr1" },
            attributes = new { name = "", first_channel = "直播", visits_count = 2 },
        });
        // Edits are an operator's act (an API key only reads and ingests: it is refused).
        Assert.Equal(HttpStatusCode.Forbidden, (await _api.PatchAsync($"/api/v1/customers/{id}/attributes", Json.Body(new { attributes = new { city = "杭州" } }))).StatusCode);
        var admin = await _factory.AdminClientAsync();
        var edit = await admin.PatchAsync($"/api/v1/customers/{id}/attributes", Json.Body(new { attributes = new { city = "杭州", visits_count = 3 } }));
        Assert.Equal(HttpStatusCode.OK, edit.StatusCode);

        var customer = await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{id}"),
            c => c["attributes"]!["city"] is not null);
        var attributes = customer["attributes"]!;
        Assert.Equal("李雷", attributes["name"]!.GetValue<string>());          // non-empty: "" never erases
        Assert.Equal("门店", attributes["first_channel"]!.GetValue<string>()); // oldest wins
        Assert.Equal(5m, attributes["visits_count"]!.GetValue<decimal>());      // sum
        Assert.Equal("杭州", attributes["city"]!.GetValue<string>());
    }

    [Fact]
    public async Task Openapi_document_and_reference_page_are_served()
    {
        var client = _factory.CreateClient();
        var doc = await client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, doc.StatusCode);
        Assert.Contains("/api/v1/events", await doc.Content.ReadAsStringAsync());
        var scalar = await client.GetAsync("/scalar");
        Assert.Equal(HttpStatusCode.OK, scalar.StatusCode);
    }
}
