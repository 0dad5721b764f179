using System.Collections.Concurrent;

namespace Siyu.WeCom.Api;

/// <summary>An access token and how long WeCom says it lives (expires_in, normally 7200 s).</summary>
public readonly record struct WeComAccessToken(string Value, TimeSpan ExpiresIn);

/// <summary>
/// Access tokens cached per (corp, secret), refreshed before they expire, with one fetch in flight per
/// key however many callers ask at once. WeCom limits gettoken calls and invalidates older tokens
/// unpredictably, so a thundering herd of refreshes is both wasteful and self-defeating.
/// Share one instance per process (it is thread-safe).
/// </summary>
public sealed class WeComTokenCache
{
    /// <summary>Refresh this long before expiry so a token never dies mid-request.</summary>
    public static readonly TimeSpan DefaultRefreshBefore = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<(string CorpId, string Secret), Entry> _entries = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _refreshBefore;

    public WeComTokenCache(TimeProvider? time = null, TimeSpan? refreshBefore = null)
    {
        _time = time ?? TimeProvider.System;
        _refreshBefore = refreshBefore ?? DefaultRefreshBefore;
    }

    /// <summary>Returns the cached token, fetching it (once, for all concurrent callers) when missing or due.</summary>
    public async ValueTask<string> GetAsync(
        WeComCredentials credentials,
        Func<CancellationToken, Task<WeComAccessToken>> fetch,
        CancellationToken cancellationToken = default)
    {
        var entry = EntryFor(credentials);
        var current = entry.Current;
        if (current is not null && _time.GetUtcNow() < current.RefreshAt)
        {
            return current.Value;
        }

        await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Whoever held the gate before us may have fetched already.
            current = entry.Current;
            if (current is not null && _time.GetUtcNow() < current.RefreshAt)
            {
                return current.Value;
            }

            return await FetchAndStoreAsync(entry, fetch, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>
    /// Called after WeCom rejected <paramref name="staleToken"/> (40001/40014/42001/42009): fetches a new
    /// token unless a concurrent caller has already replaced it, in which case that one is returned.
    /// </summary>
    public async Task<string> RefreshAsync(
        WeComCredentials credentials,
        string? staleToken,
        Func<CancellationToken, Task<WeComAccessToken>> fetch,
        CancellationToken cancellationToken = default)
    {
        var entry = EntryFor(credentials);
        await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = entry.Current;
            if (current is not null && current.Value != staleToken && _time.GetUtcNow() < current.RefreshAt)
            {
                return current.Value;
            }

            return await FetchAndStoreAsync(entry, fetch, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>Forgets the token, e.g. after the secret was rotated.</summary>
    public void Invalidate(WeComCredentials credentials)
    {
        if (_entries.TryGetValue((credentials.CorpId, credentials.Secret), out var entry))
        {
            entry.Current = null;
        }
    }

    private async Task<string> FetchAndStoreAsync(
        Entry entry,
        Func<CancellationToken, Task<WeComAccessToken>> fetch,
        CancellationToken cancellationToken)
    {
        var requestedAt = _time.GetUtcNow();
        var token = await fetch(cancellationToken).ConfigureAwait(false);
        var lifetime = token.ExpiresIn > TimeSpan.Zero ? token.ExpiresIn : TimeSpan.FromSeconds(7200);
        // Measured from the request, not the response: the token's clock started on WeCom's side before we saw it.
        // A short-lived token refreshes at half its life instead of never being served.
        var margin = _refreshBefore < lifetime / 2 ? _refreshBefore : lifetime / 2;
        entry.Current = new Cached(token.Value, requestedAt + lifetime - margin);
        return token.Value;
    }

    private Entry EntryFor(WeComCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        return _entries.GetOrAdd((credentials.CorpId, credentials.Secret), static _ => new Entry());
    }

    private sealed record Cached(string Value, DateTimeOffset RefreshAt);

    private sealed class Entry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        // Read without the gate on the fast path; a reference write is atomic and volatile makes it visible.
        private volatile Cached? _current;

        public Cached? Current
        {
            get => _current;
            set => _current = value;
        }
    }
}
