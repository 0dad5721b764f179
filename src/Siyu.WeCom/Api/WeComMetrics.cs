using System.Diagnostics.Metrics;

namespace Siyu.WeCom.Api;

/// <summary>
/// WeCom API errors per API and errcode (meter <c>Siyu.WeCom</c>): frequency limits (45009, 45033), token errors,
/// permission errors, and transport failures (recorded as -1, system busy). One count per failed attempt, retries included.
/// </summary>
public static class WeComMetrics
{
    public const string MeterName = "Siyu.WeCom";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Errors = Meter.CreateCounter<long>("siyu.wecom.errors", "{error}",
        "WeCom API answers with a non-zero errcode and failed HTTP attempts, by API path and errcode.");

    internal static void RecordError(string path, int errCode) =>
        Errors.Add(1, new KeyValuePair<string, object?>("api", path), new KeyValuePair<string, object?>("errcode", errCode));
}
