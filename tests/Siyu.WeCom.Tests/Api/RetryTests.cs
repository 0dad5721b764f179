using System.Net;
using System.Text;
using Siyu.WeCom.Api;

namespace Siyu.WeCom.Tests.Api;

/// <summary>Backoff on frequency limits and server errors, without a server: a scripted handler answers.</summary>
public sealed class RetryTests : IDisposable
{
    private static readonly WeComRetryOptions Fast = new() { MaxAttempts = 4, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(4) };

    private readonly ScriptedHandler _handler = new();
    private readonly HttpClient _http;

    public RetryTests()
    {
        _http = new HttpClient(_handler) { BaseAddress = new Uri("https://qyapi.example/") };
    }

    public void Dispose() => _http.Dispose();

    [Theory]
    [InlineData(45009)]
    [InlineData(45033)]
    [InlineData(-1)]
    public async Task Frequency_limit_and_system_busy_are_retried_until_the_call_succeeds(int errcode)
    {
        _handler.Answer(Error(errcode), Error(errcode), Ok());

        var ids = await Client().GetFollowUserListAsync();

        Assert.Equal(["zhangsan"], ids);
        Assert.Equal(3, _handler.ApiCalls);
    }

    [Fact]
    public async Task Every_failed_attempt_is_counted_by_api_and_errcode()
    {
        var counted = new List<(string Api, int ErrCode)>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == WeComMetrics.MeterName && instrument.Name == "siyu.wecom.errors")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var api = "";
            var errcode = 0;
            foreach (var tag in tags)
            {
                (api, errcode) = tag.Key switch { "api" => ((string)tag.Value!, errcode), "errcode" => (api, (int)tag.Value!), _ => (api, errcode) };
            }
            lock (counted)
            {
                counted.Add((api, errcode));
            }
        });
        listener.Start();
        _handler.Answer(Error(45033), Error(45033), Ok());

        await Client().GetFollowUserListAsync();

        lock (counted)
        {
            Assert.Equal(2, counted.Count(c => c == ("cgi-bin/externalcontact/get_follow_user_list", 45033)));
        }
    }

    [Fact]
    public async Task Http_5xx_is_retried()
    {
        _handler.Answer(Status(HttpStatusCode.BadGateway), Status(HttpStatusCode.ServiceUnavailable), Ok());

        await Client().GetFollowUserListAsync();

        Assert.Equal(3, _handler.ApiCalls);
    }

    [Fact]
    public async Task Attempts_are_bounded_and_the_last_errcode_surfaces()
    {
        _handler.Answer(Enumerable.Repeat<Func<HttpResponseMessage>>(() => Error(45009), 10).ToArray());

        var ex = await Assert.ThrowsAsync<WeComApiException>(() => Client().GetFollowUserListAsync());

        Assert.Equal(WeComErrorCodes.ApiFrequencyLimit, ex.ErrCode);
        Assert.True(ex.IsWeComAnswer);
        Assert.Equal(4, _handler.ApiCalls);
    }

    [Theory]
    [InlineData(40058)]
    [InlineData(60011)]
    [InlineData(41096)] // retryable by the caller, but the welcome code is short-lived: the caller decides
    public async Task Other_errcodes_are_not_retried(int errcode)
    {
        _handler.Answer(Error(errcode), Ok());

        var ex = await Assert.ThrowsAsync<WeComApiException>(() => Client().GetFollowUserListAsync());

        Assert.Equal(errcode, ex.ErrCode);
        Assert.Equal(1, _handler.ApiCalls);
    }

    [Fact]
    public async Task Http_4xx_is_not_retried()
    {
        _handler.Answer(Status(HttpStatusCode.NotFound), Ok());

        var ex = await Assert.ThrowsAsync<WeComApiException>(() => Client().GetFollowUserListAsync());

        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
        Assert.Equal(1, _handler.ApiCalls);
    }

    [Fact]
    public async Task Transport_failures_are_not_retried_because_a_post_may_have_been_executed()
    {
        _handler.Answer(() => throw new HttpRequestException(HttpRequestError.ConnectionError, "reset"), Ok);

        var ex = await Assert.ThrowsAsync<WeComApiException>(() => Client().GetFollowUserListAsync());

        Assert.Equal(WeComErrorCodes.SystemBusy, ex.ErrCode);
        Assert.False(ex.IsWeComAnswer);
        Assert.Equal(1, _handler.ApiCalls);
    }

    [Fact]
    public async Task MaxAttempts_of_one_turns_retrying_off()
    {
        _handler.Answer(Error(45009), Ok());

        await Assert.ThrowsAsync<WeComApiException>(() => Client(new WeComRetryOptions { MaxAttempts = 1 }).GetFollowUserListAsync());

        Assert.Equal(1, _handler.ApiCalls);
    }

    [Fact]
    public async Task Cancellation_during_the_backoff_wait_stops_at_once()
    {
        _handler.Answer(Error(45009), Ok());
        using var cts = new CancellationTokenSource();
        var slow = new WeComRetryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromMinutes(5), MaxDelay = TimeSpan.FromMinutes(5) };

        var call = Client(slow).GetFollowUserListAsync(cts.Token);
        await WaitUntil(() => _handler.ApiCalls == 1);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal(1, _handler.ApiCalls);
    }

    [Fact]
    public async Task Rate_limited_gettoken_is_retried_as_part_of_the_call()
    {
        _handler.Tokens(Error(45009), Token("t1"));
        _handler.Answer(Ok());

        await Client().GetFollowUserListAsync();

        Assert.Equal(2, _handler.TokenCalls);
        Assert.Equal(1, _handler.ApiCalls);
    }

    [Fact]
    public async Task Expired_token_then_frequency_limit_refreshes_once_and_backs_off()
    {
        _handler.Tokens(Token("t1"), Token("t2"), Token("t3"));
        _handler.Answer(Error(42001), Error(45009), Error(42001), Ok());

        // The second 42001 is not refreshed again: one refresh per call, so a bad secret cannot loop.
        var ex = await Assert.ThrowsAsync<WeComApiException>(() => Client().GetFollowUserListAsync());

        Assert.Equal(42001, ex.ErrCode);
        Assert.Equal(2, _handler.TokenCalls);
        Assert.Equal(3, _handler.ApiCalls);
    }

    [Fact]
    public async Task Expired_token_is_refreshed_and_a_later_frequency_limit_still_succeeds()
    {
        _handler.Tokens(Token("t1"), Token("t2"));
        _handler.Answer(Error(42001), Error(45009), Ok());

        await Client().GetFollowUserListAsync();

        Assert.Equal(2, _handler.TokenCalls);
        Assert.Equal(3, _handler.ApiCalls);
        Assert.Equal("t2", _handler.LastToken);
    }

    [Fact]
    public void Delay_doubles_per_retry_is_capped_and_jitter_keeps_at_least_half()
    {
        var options = new WeComRetryOptions { BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(10) };

        Assert.Equal(TimeSpan.FromSeconds(1), options.DelayBefore(1, 1));
        Assert.Equal(TimeSpan.FromSeconds(0.5), options.DelayBefore(1, 0));
        Assert.Equal(TimeSpan.FromSeconds(4), options.DelayBefore(3, 1));
        Assert.Equal(TimeSpan.FromSeconds(10), options.DelayBefore(5, 1));
        Assert.Equal(TimeSpan.FromSeconds(10), options.DelayBefore(60, 1));
        Assert.InRange(options.DelayBefore(2, 0.5), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
    }

    [Fact]
    public void Invalid_retry_options_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Client(new WeComRetryOptions { MaxAttempts = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Client(new WeComRetryOptions { BaseDelay = TimeSpan.FromSeconds(-1) }));
    }

    [Fact]
    public async Task Welcome_codes_already_used_and_busy_are_distinguishable()
    {
        _handler.Answer(Error(41051), Error(41096));
        var client = Client();
        var message = new WeComWelcomeMessage { WelcomeCode = "CODE", Text = new WeComText { Content = "hi" } };

        var used = await Assert.ThrowsAsync<WeComApiException>(() => client.SendWelcomeMessageAsync(message));
        var busy = await Assert.ThrowsAsync<WeComApiException>(() => client.SendWelcomeMessageAsync(message));

        Assert.True(used.IsWelcomeCodeUsed);
        Assert.False(used.IsRetryable);
        Assert.False(used.IsWelcomeMessageBusy);
        Assert.True(busy.IsWelcomeMessageBusy);
        Assert.True(busy.IsRetryable);
        Assert.False(busy.IsWelcomeCodeUsed);
    }

    private WeComApiClient Client(WeComRetryOptions? retry = null) => new(_http, new WeComCredentials("ww1", "secret"), new WeComTokenCache(), retry ?? Fast);

    private static HttpResponseMessage Ok() => Json("""{"errcode":0,"errmsg":"ok","follow_user":["zhangsan"]}""");

    private static HttpResponseMessage Token(string value) => Json($$"""{"errcode":0,"errmsg":"ok","access_token":"{{value}}","expires_in":7200}""");

    private static HttpResponseMessage Error(int errcode) => Json($$"""{"errcode":{{errcode}},"errmsg":"scripted"}""");

    private static HttpResponseMessage Status(HttpStatusCode status) => new(status) { Content = new StringContent("<html>gateway</html>") };

    private static HttpResponseMessage Json(string body) =>
        new(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Condition not reached within 10 s.");
            await Task.Delay(5);
        }
    }

    /// <summary>Answers gettoken and the API from two scripts; gettoken defaults to a fresh token each time.</summary>
    private sealed class ScriptedHandler : HttpMessageHandler
    {
        private readonly Queue<Func<HttpResponseMessage>> _api = new();
        private readonly Queue<Func<HttpResponseMessage>> _tokens = new();
        private int _apiCalls;
        private int _tokenCalls;

        public int ApiCalls => Volatile.Read(ref _apiCalls);
        public int TokenCalls => Volatile.Read(ref _tokenCalls);
        public string? LastToken { get; private set; }

        public void Answer(params Func<HttpResponseMessage>[] responses)
        {
            foreach (var response in responses)
            {
                _api.Enqueue(response);
            }
        }

        public void Answer(params HttpResponseMessage[] responses) => Answer([.. responses.Select(r => (Func<HttpResponseMessage>)(() => r))]);

        public void Tokens(params HttpResponseMessage[] responses)
        {
            foreach (var response in responses)
            {
                _tokens.Enqueue(() => response);
            }
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri!;
            if (uri.AbsolutePath.EndsWith("/gettoken", StringComparison.Ordinal))
            {
                var n = Interlocked.Increment(ref _tokenCalls);
                return Task.FromResult(_tokens.TryDequeue(out var scripted) ? scripted() : Token("auto" + n));
            }

            Interlocked.Increment(ref _apiCalls);
            LastToken = System.Web.HttpUtility.ParseQueryString(uri.Query)["access_token"];
            return Task.FromResult(_api.Dequeue()());
        }
    }
}
