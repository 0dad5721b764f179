using System.Net;
using System.Text.Json.Nodes;
using Siyu.Cli.Import;

namespace Siyu.Cli.Tests;

public sealed class ImportClientTests
{
    private static readonly Uri Server = new("http://siyu.test/");

    private readonly List<TimeSpan> _delays = [];
    private readonly List<string> _log = [];

    private ImportClient Client(StubHandler handler, int maxRateLimitAttempts = 10) =>
        new(new HttpClient(handler), Server, "sk_test",
            new RetryPolicy
            {
                MaxRateLimitAttempts = maxRateLimitAttempts,
                // Records the requested waits instead of sleeping, so tests check the policy without timing anything.
                Delay = (wait, _) =>
                {
                    _delays.Add(wait);
                    return Task.CompletedTask;
                },
            },
            TimeProvider.System, _log.Add);

    private static List<JsonObject> Events(int count) =>
        Enumerable.Range(0, count).Select(i => new JsonObject { ["id"] = $"import:orders:{i}:paid", ["type"] = "order.paid" }).ToList();

    private static string AllStored(int count, int firstSeq = 1) =>
        new JsonObject
        {
            ["accepted"] = count,
            ["duplicates"] = 0,
            ["results"] = new JsonArray(Enumerable.Range(0, count).Select(i => (JsonNode)new JsonObject { ["index"] = i, ["seq"] = firstSeq + i, ["customer_id"] = 7, ["duplicate"] = false }).ToArray()),
            ["rejected"] = new JsonArray(),
        }.ToJsonString();

    private static int EventCount(StubHandler.Request request) => JsonNode.Parse(request.Body)!["events"]!.AsArray().Count;

    [Fact]
    public async Task Tenant_is_read_with_the_api_key()
    {
        var handler = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.OK, """{"id":3,"slug":"demo","name":"Demo","partitions":4}"""));

        var tenant = await Client(handler).GetTenantAsync(CancellationToken.None);

        Assert.Equal(new TenantInfo(3, "demo", "Demo"), tenant);
        var request = Assert.Single(handler.Requests);
        Assert.Equal("http://siyu.test/api/v1/tenant", request.Uri.ToString());
        Assert.Equal("sk_test", request.ApiKey);
    }

    [Fact]
    public async Task A_rejected_key_is_a_clear_error()
    {
        var handler = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.Unauthorized, """{"title":"Authentication required"}""", "application/problem+json"));

        var error = await Assert.ThrowsAsync<ServerException>(() => Client(handler).GetTenantAsync(CancellationToken.None));

        Assert.Contains("401", error.Message);
        Assert.Contains("SIYU_API_KEY", error.Message);
    }

    [Fact]
    public async Task A_401_whose_body_is_cut_off_still_reports_the_rejected_key()
    {
        // Seen on a real server: the 401 headers arrive, then the connection drops mid-body.
        var handler = new StubHandler((_, _) => new HttpResponseMessage(HttpStatusCode.Unauthorized) { Content = new StreamContent(new BrokenStream()) });

        var error = await Assert.ThrowsAsync<ServerException>(() => Client(handler).GetTenantAsync(CancellationToken.None));

        Assert.Contains("401", error.Message);
        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task An_accepted_answer_cut_off_mid_body_is_retried()
    {
        var handler = new StubHandler((_, n) => n == 1
            ? new HttpResponseMessage(HttpStatusCode.Accepted) { Content = new StreamContent(new BrokenStream()) }
            : StubHandler.Json(HttpStatusCode.Accepted, AllStored(1)));

        var outcomes = await Client(handler).SendBatchAsync(Events(1), CancellationToken.None);

        Assert.IsType<StoredOutcome>(Assert.Single(outcomes));
        Assert.Equal(2, handler.Requests.Count);
    }

    private sealed class BrokenStream : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => 0; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new IOException("The response ended prematurely.");
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public async Task A_batch_is_posted_in_partial_mode_and_outcomes_come_back_per_index()
    {
        var handler = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.Accepted, """
            {"accepted":1,"duplicates":1,
             "results":[{"index":0,"seq":10,"customer_id":5,"duplicate":false},{"index":2,"seq":4,"customer_id":6,"duplicate":true}],
             "rejected":[{"index":1,"errors":[{"path":"events[1].properties.amount","message":"Orders need properties.amount."}]}]}
            """));

        var outcomes = await Client(handler).SendBatchAsync(Events(3), CancellationToken.None);

        Assert.Equal(new StoredOutcome(10, 5, false), outcomes[0]);
        var rejected = Assert.IsType<RejectedOutcome>(outcomes[1]);
        Assert.Equal(new ServerFieldError("properties.amount", "Orders need properties.amount."), Assert.Single(rejected.Errors));
        Assert.Equal(new StoredOutcome(4, 6, true), outcomes[2]);
        var request = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("http://siyu.test/api/v1/events?mode=partial", request.Uri.ToString());
        Assert.Equal(3, EventCount(request));
    }

    [Fact]
    public void The_body_is_the_events_wrapper_with_readable_Chinese()
    {
        var body = System.Text.Encoding.UTF8.GetString(ImportClient.SerializeBatch([new JsonObject { ["name"] = "张三" }]));

        Assert.Equal("""{"events":[{"name":"张三"}]}""", body);
    }

    [Fact]
    public async Task Rate_limiting_honours_Retry_After_and_then_succeeds()
    {
        var handler = new StubHandler((_, n) =>
        {
            if (n <= 2)
            {
                var busy = StubHandler.Json(HttpStatusCode.TooManyRequests, """{"title":"Ingest is saturated"}""", "application/problem+json");
                busy.Headers.Add("Retry-After", n == 1 ? "3" : "7");
                return busy;
            }
            return StubHandler.Json(HttpStatusCode.Accepted, AllStored(2));
        });

        var outcomes = await Client(handler).SendBatchAsync(Events(2), CancellationToken.None);

        Assert.All(outcomes, o => Assert.IsType<StoredOutcome>(o));
        Assert.Equal([TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(7)], _delays);
        Assert.Equal(3, handler.Requests.Count);
        // Every retry sends the very same events, which is what makes retrying safe.
        Assert.Single(handler.Requests.Select(r => r.Body).Distinct());
    }

    [Fact]
    public async Task Rate_limit_retries_are_bounded()
    {
        var handler = new StubHandler((_, _) =>
        {
            var busy = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
            busy.Headers.Add("Retry-After", "1");
            return busy;
        });

        var error = await Assert.ThrowsAsync<ServerException>(() => Client(handler, maxRateLimitAttempts: 4).SendBatchAsync(Events(1), CancellationToken.None));

        Assert.Contains("429", error.Message);
        Assert.Equal(4, handler.Requests.Count);
        Assert.Equal(3, _delays.Count);
    }

    [Fact]
    public async Task Network_errors_and_5xx_are_retried_with_growing_backoff()
    {
        var handler = new StubHandler((_, n) => n switch
        {
            1 => throw new HttpRequestException("Connection refused"),
            2 => new HttpResponseMessage(HttpStatusCode.BadGateway),
            _ => StubHandler.Json(HttpStatusCode.Accepted, AllStored(1)),
        });

        var outcomes = await Client(handler).SendBatchAsync(Events(1), CancellationToken.None);

        Assert.IsType<StoredOutcome>(Assert.Single(outcomes));
        Assert.Equal(2, _delays.Count);
        Assert.True(_delays[1] > _delays[0]);
        Assert.Contains(_log, l => l.Contains("Connection refused"));
    }

    [Fact]
    public async Task Network_retries_are_bounded()
    {
        var handler = new StubHandler((_, _) => throw new HttpRequestException("Connection refused"));

        var error = await Assert.ThrowsAsync<ServerException>(() => Client(handler).SendBatchAsync(Events(1), CancellationToken.None));

        Assert.Contains("no usable answer", error.Message);
        Assert.Equal(new RetryPolicy().MaxFailureAttempts, handler.Requests.Count);
    }

    [Fact]
    public async Task A_validation_problem_is_mapped_to_the_events_it_names()
    {
        var handler = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.BadRequest, """
            {"title":"One or more fields are invalid.","detail":"No event of this batch was stored.",
             "errors":{"events[0].timestamp":["Is more than 5 minutes in the future."],"events[1].identifiers.phone":["Must be 1–256 characters."]}}
            """, "application/problem+json"));

        var outcomes = await Client(handler).SendBatchAsync(Events(3), CancellationToken.None);

        Assert.Equal("timestamp", Assert.Single(Assert.IsType<RejectedOutcome>(outcomes[0]).Errors).Path);
        Assert.Equal("identifiers.phone", Assert.Single(Assert.IsType<RejectedOutcome>(outcomes[1]).Errors).Path);
        // Nothing of a 400 batch is stored, so the event without an error of its own fails with the batch.
        Assert.IsType<RejectedOutcome>(outcomes[2]);
    }

    [Fact]
    public async Task A_batch_level_validation_problem_fails_every_event_with_its_message()
    {
        var handler = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.BadRequest, """
            {"title":"One or more fields are invalid.","errors":{"events":["A batch holds 1–100 events; this one has 2."]}}
            """, "application/problem+json"));

        var outcomes = await Client(handler).SendBatchAsync(Events(2), CancellationToken.None);

        Assert.All(outcomes, o => Assert.Contains("A batch holds", Assert.Single(Assert.IsType<RejectedOutcome>(o).Errors).Message));
    }

    [Fact]
    public async Task A_batch_too_large_for_the_server_is_split_until_it_fits()
    {
        var handler = new StubHandler((request, _) =>
        {
            var count = EventCount(request);
            return count > 2
                ? StubHandler.Json(HttpStatusCode.RequestEntityTooLarge, """{"title":"Request body too large"}""", "application/problem+json")
                : StubHandler.Json(HttpStatusCode.Accepted, AllStored(count));
        });

        var outcomes = await Client(handler).SendBatchAsync(Events(5), CancellationToken.None);

        Assert.Equal(5, outcomes.Length);
        Assert.All(outcomes, o => Assert.IsType<StoredOutcome>(o));
        var sentIds = handler.Requests.Where(r => EventCount(r) <= 2)
            .SelectMany(r => JsonNode.Parse(r.Body)!["events"]!.AsArray().Select(e => (string)e!["id"]!)).ToList();
        Assert.Equal(Events(5).Select(e => (string)e["id"]!), sentIds);
    }

    [Fact]
    public async Task Other_errors_stop_the_import_with_the_problem_detail()
    {
        var handler = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.Forbidden, """{"title":"Forbidden","detail":"Your role does not allow this."}""", "application/problem+json"));

        var error = await Assert.ThrowsAsync<ServerException>(() => Client(handler).SendBatchAsync(Events(1), CancellationToken.None));

        Assert.Contains("403", error.Message);
        Assert.Contains("Your role does not allow this.", error.Message);
    }
}
