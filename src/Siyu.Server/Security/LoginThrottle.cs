namespace Siyu.Server.Security;

/// <summary>
/// Locks an account (user name within a tenant) for <see cref="SecurityOptions.LoginLockout"/> after
/// <see cref="SecurityOptions.LoginMaxFailures"/> failed sign-ins within <see cref="SecurityOptions.LoginFailureWindow"/>.
/// State is in memory: right for one silo, forgotten on restart (which at worst ends a lockout early); a cluster
/// counts per node, so the effective limit is N × nodes until this moves to shared storage.
/// </summary>
public sealed class LoginThrottle(SecurityOptions options, TimeProvider time)
{
    private const int PruneAbove = 10_000;
    private readonly Dictionary<string, Account> _accounts = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    private sealed class Account
    {
        public readonly Queue<DateTimeOffset> Failures = new();
        public DateTimeOffset LockedUntil;
    }

    /// <summary>The account key: user names compare case-insensitively, as the login lookup may on other databases.</summary>
    public static string Key(string tenant, string userName) => tenant + "\n" + userName.Trim().ToLowerInvariant();

    /// <summary>How long the account stays locked, or null when it may try.</summary>
    public TimeSpan? LockedFor(string key)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            return _accounts.TryGetValue(key, out var account) && account.LockedUntil > now ? account.LockedUntil - now : null;
        }
    }

    /// <summary>Counts a failure; returns the lockout when this failure started one.</summary>
    public TimeSpan? Failed(string key)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (_accounts.Count > PruneAbove)
            {
                Prune(now);
            }
            if (!_accounts.TryGetValue(key, out var account))
            {
                _accounts[key] = account = new Account();
            }
            while (account.Failures.TryPeek(out var oldest) && oldest <= now - options.LoginFailureWindow)
            {
                account.Failures.Dequeue();
            }
            account.Failures.Enqueue(now);
            if (account.Failures.Count < options.LoginMaxFailures)
            {
                return null;
            }
            account.Failures.Clear();
            account.LockedUntil = now + options.LoginLockout;
            return options.LoginLockout;
        }
    }

    /// <summary>An admin lifted the lockout: failures and lock are forgotten; returns whether it was locked.</summary>
    public bool Unlock(string key)
    {
        lock (_gate)
        {
            var locked = _accounts.TryGetValue(key, out var account) && account.LockedUntil > time.GetUtcNow();
            _accounts.Remove(key);
            return locked;
        }
    }

    public void Succeeded(string key)
    {
        lock (_gate)
        {
            _accounts.Remove(key);
        }
    }

    /// <summary>Forgets accounts whose failures are all outside the window and that are not locked (bounds memory under a spray).</summary>
    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, account) in _accounts)
        {
            if (account.LockedUntil <= now && (account.Failures.Count == 0 || account.Failures.Last() <= now - options.LoginFailureWindow))
            {
                _accounts.Remove(key);
            }
        }
    }

    /// <summary>
    /// The answer to a locked or rate-limited sign-in: browsers (form posts accept HTML) go back to the login page with
    /// the reason; other callers get 429 with Retry-After and a problem naming the field.
    /// </summary>
    public static Task RefuseAsync(HttpContext http, string reason, TimeSpan retryAfter, string? returnUrl = null)
    {
        var seconds = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds));
        if (http.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase))
        {
            var minutes = (seconds + 59) / 60;
            var url = $"/login?error={reason}&retry={minutes}";
            if (!string.IsNullOrEmpty(returnUrl))
            {
                url += "&returnUrl=" + Uri.EscapeDataString(returnUrl);
            }
            http.Response.Redirect(url);
            return Task.CompletedTask;
        }
        http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests,
            title: reason == "locked" ? "Account temporarily locked" : "Too many sign-in attempts",
            detail: reason == "locked"
                ? $"Too many failed sign-ins for this user; try again in {seconds} seconds."
                : $"Too many sign-in attempts from this address; try again in {seconds} seconds.",
            extensions: new Dictionary<string, object?> { ["field"] = reason == "locked" ? "username" : "client", ["retry_after_seconds"] = seconds })
            .ExecuteAsync(http);
    }
}
