using System.Threading.RateLimiting;

namespace Siyu.Server.Ingest;

/// <summary>
/// Per-tenant ingest quota (<c>Siyu:TenantEventsPerSecond</c>; 0 = none): a token bucket per tenant, one token per
/// event, refilled every 100 ms, holding one second's worth (at least one full batch, so any valid batch can pass).
/// A tenant over its quota gets 429 with Retry-After while other tenants go on: one brand's 大促 import cannot starve
/// the others. The global queue limit (<c>Siyu:MaxPendingEvents</c>) still protects the process.
/// </summary>
public sealed class TenantQuota : IDisposable
{
    private readonly PartitionedRateLimiter<int>? _limiter;

    public TenantQuota(Tenants.SiyuOptions options)
    {
        if (options.TenantEventsPerSecond <= 0)
        {
            return;
        }
        var perSecond = options.TenantEventsPerSecond;
        _limiter = PartitionedRateLimiter.Create<int, int>(tenant => RateLimitPartition.GetTokenBucketLimiter(tenant, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(perSecond, options.MaxBatch),
            TokensPerPeriod = Math.Max(1, perSecond / 10),
            ReplenishmentPeriod = TimeSpan.FromMilliseconds(100),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>Takes <paramref name="events"/> tokens, or answers how many seconds to wait (nothing is taken then).</summary>
    public bool TryTake(int tenantId, int events, out int retryAfterSeconds)
    {
        retryAfterSeconds = 0;
        if (_limiter is null || events == 0)
        {
            return true;
        }
        using var lease = _limiter.AttemptAcquire(tenantId, events);
        if (lease.IsAcquired)
        {
            return true;
        }
        retryAfterSeconds = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
        return false;
    }

    public void Dispose() => _limiter?.Dispose();
}
