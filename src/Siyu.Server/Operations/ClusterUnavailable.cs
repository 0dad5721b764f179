using Microsoft.AspNetCore.Diagnostics;

namespace Siyu.Server.Operations;

/// <summary>
/// A partition or the event-log writer that cannot answer right now (its silo died and is not voted out yet, or the
/// node is overloaded past Orleans' response timeout) is an outage of seconds, not a server bug: 503 with Retry-After,
/// so clients retry (ingest is idempotent) instead of treating it as a failure of their request.
/// </summary>
public sealed partial class ClusterUnavailable(ILogger<ClusterUnavailable> logger) : IExceptionHandler
{
    public const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        if (http.Response.HasStarted || !IsUnavailable(exception))
        {
            return false;
        }
        LogUnavailable(logger, http.Request.Path, exception.GetType().Name, exception.Message);
        http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Temporarily unavailable",
            detail: "Part of the cluster is recovering. The request may or may not have taken effect: retry after the given number of seconds (events with ids and other idempotent requests are safe to repeat).")
            .ExecuteAsync(http);
        return true;
    }

    internal static bool IsUnavailable(Exception e) => e switch
    {
        SiloUnavailableException or OrleansMessageRejectionException => true,
        // Orleans' response timeout surfaces as a plain TimeoutException from the grain call.
        TimeoutException => e.StackTrace?.Contains("Orleans", StringComparison.Ordinal) == true || e.Source?.StartsWith("Orleans", StringComparison.Ordinal) == true,
        AggregateException a => a.InnerExceptions.Any(IsUnavailable),
        _ => e.InnerException is { } inner && IsUnavailable(inner),
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Path} answered 503: {Kind} {Message}")]
    private static partial void LogUnavailable(ILogger logger, string path, string kind, string message);
}
