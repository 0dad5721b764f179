namespace Siyu.WeCom.Api;

/// <summary>
/// How <see cref="WeComApiClient"/> backs off when WeCom answers "too often" (45009), "too many concurrent
/// calls" (45033), "system busy" (-1) or HTTP 5xx: those requests were not carried out, so repeating them is
/// safe. Transport failures and timeouts are not retried here: a POST may have been executed, and the
/// caller's durable job decides.
/// </summary>
public sealed class WeComRetryOptions
{
    /// <summary>Attempts in all, the first included; 1 turns retrying off.</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>The delay before the first retry; it doubles for each further one.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>No single wait is longer than this, however many retries came before.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// The wait before retry number <paramref name="retry"/> (1-based): the capped exponential delay, half
    /// of it fixed and half random ("equal jitter"), so that many clients throttled together do not come
    /// back together, yet none retries immediately.
    /// </summary>
    /// <param name="random">A sample in [0, 1).</param>
    public TimeSpan DelayBefore(int retry, double random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retry, 1);
        var exponential = BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(retry - 1, 30));
        var capped = Math.Min(exponential, MaxDelay.TotalMilliseconds);
        var jittered = (capped / 2) + (capped / 2 * Math.Clamp(random, 0, 1));
        return TimeSpan.FromMilliseconds(Math.Max(0, jittered));
    }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAttempts, 1, nameof(MaxAttempts));
        ArgumentOutOfRangeException.ThrowIfLessThan(BaseDelay, TimeSpan.Zero, nameof(BaseDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDelay, TimeSpan.Zero, nameof(MaxDelay));
    }
}
