using System.Globalization;

namespace Siyu.WeCom.Callbacks;

/// <summary>
/// Rejects callbacks whose <c>timestamp</c> query parameter is too far from now, so a captured request
/// cannot be replayed later. The signature covers the timestamp, so it cannot be forged fresh.
/// </summary>
public sealed class CallbackFreshness
{
    /// <summary>WeCom retries within seconds; five minutes absorbs clock skew and queueing.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromMinutes(5);

    private readonly TimeProvider _time;

    public CallbackFreshness(TimeProvider time, TimeSpan? window = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        Window = window ?? DefaultWindow;
        if (Window <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(window), "The freshness window must be positive.");
        }
    }

    public TimeSpan Window { get; }

    /// <summary>True when <paramref name="timestamp"/> (Unix seconds) is within the window, in the past or the future.</summary>
    public bool IsFresh(string? timestamp)
    {
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return false;
        }

        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        // Future timestamps are bounded too: a sender clock far ahead would otherwise widen the replay window.
        return Math.Abs(now - seconds) <= (long)Window.TotalSeconds;
    }

    /// <summary>Throws <see cref="WeComCallbackException"/> with <see cref="WeComCallbackError.StaleTimestamp"/> unless fresh.</summary>
    public void EnsureFresh(string? timestamp)
    {
        if (!IsFresh(timestamp))
        {
            throw new WeComCallbackException(WeComCallbackError.StaleTimestamp, "The callback timestamp is outside the accepted window.");
        }
    }
}
