using System.Collections.Concurrent;

namespace Siyu.Server.Coupons;

/// <summary>
/// Limits failed code lookups (malformed or unknown codes) per caller — an API key or console user — so a store key
/// cannot enumerate codes: after <c>Siyu:Coupons:FailedLookupsPerMinute</c> failures (default 10) within a sliding
/// minute, lookups answer 429 until the oldest failure leaves the window. Successful lookups don't count.
/// </summary>
public sealed class CouponAbuseGuard(IConfiguration configuration, TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly int _limit = configuration.GetValue("Siyu:Coupons:FailedLookupsPerMinute", 10);
    private readonly ConcurrentDictionary<string, Queue<long>> _failures = new(StringComparer.Ordinal);

    /// <summary>How long the caller must wait, or null when it may look up a code now.</summary>
    public TimeSpan? Blocked(string caller)
    {
        if (!_failures.TryGetValue(caller, out var q))
        {
            return null;
        }
        var now = time.GetUtcNow().UtcTicks;
        lock (q)
        {
            Trim(q, now);
            return q.Count >= _limit ? TimeSpan.FromTicks(q.Peek() + Window.Ticks - now) : null;
        }
    }

    public void Failed(string caller)
    {
        var now = time.GetUtcNow().UtcTicks;
        var q = _failures.GetOrAdd(caller, _ => new Queue<long>());
        lock (q)
        {
            Trim(q, now);
            q.Enqueue(now);
        }
    }

    private static void Trim(Queue<long> q, long now)
    {
        while (q.Count > 0 && q.Peek() <= now - Window.Ticks)
        {
            q.Dequeue();
        }
    }
}
