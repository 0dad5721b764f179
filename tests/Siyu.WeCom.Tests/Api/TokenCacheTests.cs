using Microsoft.Extensions.Time.Testing;
using Siyu.WeCom.Api;

namespace Siyu.WeCom.Tests.Api;

/// <summary>The token cache on its own: expiry, early refresh and single flight, without HTTP.</summary>
public sealed class TokenCacheTests
{
    private static readonly WeComCredentials Credentials = new("ww1", "secret");

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 11, 25, 10, 0, 0, TimeSpan.FromHours(8)));
    private int _fetches;

    [Fact]
    public async Task Token_is_fetched_once_and_served_from_cache_until_shortly_before_expiry()
    {
        var cache = new WeComTokenCache(_time, refreshBefore: TimeSpan.FromMinutes(5));

        Assert.Equal("t1", await cache.GetAsync(Credentials, Fetch));
        _time.Advance(TimeSpan.FromSeconds(7200 - 301));
        Assert.Equal("t1", await cache.GetAsync(Credentials, Fetch));
        Assert.Equal(1, _fetches);

        _time.Advance(TimeSpan.FromSeconds(1)); // now 5 minutes before expiry
        Assert.Equal("t2", await cache.GetAsync(Credentials, Fetch));
        Assert.Equal(2, _fetches);
    }

    [Fact]
    public async Task Short_lived_token_refreshes_at_half_its_life()
    {
        var cache = new WeComTokenCache(_time, refreshBefore: TimeSpan.FromMinutes(5));
        Task<WeComAccessToken> ShortLived(CancellationToken _) =>
            Task.FromResult(new WeComAccessToken("s" + Interlocked.Increment(ref _fetches), TimeSpan.FromSeconds(120)));

        await cache.GetAsync(Credentials, ShortLived);
        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal("s1", await cache.GetAsync(Credentials, ShortLived));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("s2", await cache.GetAsync(Credentials, ShortLived));
    }

    [Fact]
    public async Task Concurrent_callers_share_one_fetch()
    {
        var cache = new WeComTokenCache(_time);
        var release = new TaskCompletionSource();
        async Task<WeComAccessToken> SlowFetch(CancellationToken _)
        {
            Interlocked.Increment(ref _fetches);
            await release.Task;
            return new WeComAccessToken("shared", TimeSpan.FromSeconds(7200));
        }

        var callers = Enumerable.Range(0, 32).Select(_ => Task.Run(() => cache.GetAsync(Credentials, SlowFetch).AsTask())).ToList();
        await WaitUntil(() => Volatile.Read(ref _fetches) == 1);
        release.SetResult();
        var tokens = await Task.WhenAll(callers);

        Assert.All(tokens, t => Assert.Equal("shared", t));
        Assert.Equal(1, _fetches);
    }

    [Fact]
    public async Task Concurrent_callers_after_the_refresh_point_share_one_refresh()
    {
        var cache = new WeComTokenCache(_time);
        await cache.GetAsync(Credentials, Fetch);
        _time.Advance(TimeSpan.FromSeconds(7200 - 299)); // inside the early-refresh window
        var release = new TaskCompletionSource();
        async Task<WeComAccessToken> SlowFetch(CancellationToken _)
        {
            Interlocked.Increment(ref _fetches);
            await release.Task;
            return new WeComAccessToken("refreshed", TimeSpan.FromSeconds(7200));
        }

        var callers = Enumerable.Range(0, 16).Select(_ => Task.Run(() => cache.GetAsync(Credentials, SlowFetch).AsTask())).ToList();
        await WaitUntil(() => Volatile.Read(ref _fetches) == 2);
        release.SetResult();
        var tokens = await Task.WhenAll(callers);

        Assert.All(tokens, t => Assert.Equal("refreshed", t));
        Assert.Equal(2, _fetches);
    }

    [Fact]
    public async Task A_caller_cancelled_while_waiting_for_the_fetch_does_not_break_it_for_the_others()
    {
        var cache = new WeComTokenCache(_time);
        var release = new TaskCompletionSource();
        async Task<WeComAccessToken> SlowFetch(CancellationToken _)
        {
            Interlocked.Increment(ref _fetches);
            await release.Task;
            return new WeComAccessToken("shared", TimeSpan.FromSeconds(7200));
        }

        var first = cache.GetAsync(Credentials, SlowFetch).AsTask();
        await WaitUntil(() => Volatile.Read(ref _fetches) == 1);
        using var cts = new CancellationTokenSource();
        var impatient = cache.GetAsync(Credentials, SlowFetch, cts.Token).AsTask();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => impatient);
        release.SetResult();

        Assert.Equal("shared", await first);
        Assert.Equal("shared", await cache.GetAsync(Credentials, SlowFetch));
        Assert.Equal(1, _fetches);
    }

    [Fact]
    public async Task Tokens_are_cached_per_corp_and_secret()
    {
        var cache = new WeComTokenCache(_time);

        var a = await cache.GetAsync(new WeComCredentials("ww1", "app-secret"), Fetch);
        var b = await cache.GetAsync(new WeComCredentials("ww1", "contact-secret"), Fetch);
        var c = await cache.GetAsync(new WeComCredentials("ww2", "app-secret"), Fetch);
        var again = await cache.GetAsync(new WeComCredentials("ww1", "app-secret"), Fetch);

        Assert.Equal(3, new[] { a, b, c }.Distinct().Count());
        Assert.Equal(a, again);
        Assert.Equal(3, _fetches);
    }

    [Fact]
    public async Task Refresh_after_rejection_fetches_a_new_token_but_only_once_for_concurrent_rejections()
    {
        var cache = new WeComTokenCache(_time);
        var stale = await cache.GetAsync(Credentials, Fetch);

        // Two requests failed with the same stale token; only the first refresh goes to WeCom.
        var first = await cache.RefreshAsync(Credentials, stale, Fetch);
        var second = await cache.RefreshAsync(Credentials, stale, Fetch);

        Assert.NotEqual(stale, first);
        Assert.Equal(first, second);
        Assert.Equal(2, _fetches);
    }

    [Fact]
    public async Task Failed_fetch_is_not_cached()
    {
        var cache = new WeComTokenCache(_time);

        await Assert.ThrowsAsync<WeComApiException>(() =>
            cache.GetAsync(Credentials, _ => throw new WeComApiException(40001, "invalid credential", "cgi-bin/gettoken")).AsTask());

        Assert.Equal("t1", await cache.GetAsync(Credentials, Fetch));
    }

    [Fact]
    public void Credentials_do_not_print_the_secret()
    {
        Assert.DoesNotContain("secret", new WeComCredentials("ww1", "secret").ToString().Replace("Secret", "", StringComparison.Ordinal));
    }

    private Task<WeComAccessToken> Fetch(CancellationToken _) =>
        Task.FromResult(new WeComAccessToken("t" + Interlocked.Increment(ref _fetches), TimeSpan.FromSeconds(7200)));

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Condition not reached within 10 s.");
            await Task.Delay(5);
        }
    }
}
