using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Siyu.Bench.Load;

/// <summary>One server sample, every report interval.</summary>
public sealed record ServerSample(double AtSeconds, long? RssBytes, long? WorkingSetBytes, long? GcHeapBytes, double EventsCommitted, double Shed,
    double Pending, double PartitionLag, double CpuSeconds, double LoadAverage1);

public sealed record IngestFigures(long EventsSent, long EventsAcknowledged, long BatchesAcknowledged, double AcknowledgedPerSecond,
    double ServerCommittedDelta, long Verified, long VerifiedDuplicates, long Lost, long Rejected, string Verification);

public sealed record MemoryFigures(string Source, long? AtGrowthStartBytes, double GrowthStartSeconds, long? EndBytes, long? PeakBytes, long? GrowthBytes, double? GrowthPercent);

public sealed record PrefillFigures(int Customers, long Events, double Seconds, double EventsPerSecond, long? RssBytes, long? WorkingSetBytes,
    long? GcHeapBytes, long? DatabaseBytes, long CustomersTotal);

public sealed record MachineFigures(int Cores, string Os, string Runtime, string LoadAverageAtStart, string LoadAverageAtEnd);

public sealed record LoadReport(
    string RunId, DateTimeOffset StartedAt, string Mode, double DurationSeconds, string Url, bool ServerStartedByBench, double TargetEventsPerSecond, int Batch,
    MachineFigures Machine, IReadOnlyList<OperationSummary> Operations, IngestFigures Ingest, MemoryFigures Memory, PrefillFigures? Prefill,
    double ServerCpuCoresUsed, double CommitMsAverage, double PendingMax, double PartitionLagMax, IReadOnlyList<ServerSample> Samples,
    IReadOnlyList<string> Failures)
{
    public bool Passed => Failures.Count == 0;

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>What makes the run fail: any 5xx or transport failure, an acknowledged event not stored, an event rejected.</summary>
    public static List<string> FailuresOf(IReadOnlyList<OperationSummary> operations, IngestFigures ingest)
    {
        var failures = new List<string>();
        foreach (var op in operations)
        {
            foreach (var (status, count) in op.Errors)
            {
                if (status.StartsWith('5') || !char.IsDigit(status[0]))
                {
                    failures.Add($"{op.Name}: {count} × {status}");
                }
            }
        }
        if (ingest.Lost > 0)
        {
            failures.Add($"{ingest.Lost} acknowledged events were not stored (re-posting them did not answer duplicate)");
        }
        if (ingest.Rejected > 0)
        {
            failures.Add($"{ingest.Rejected} generated events were rejected by validation");
        }
        return failures;
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public string ToMarkdown()
    {
        var c = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine(c, $"# Siyu load run {RunId} — {(Passed ? "PASSED" : "FAILED")}");
        s.AppendLine();
        s.AppendLine(c, $"- started {StartedAt:yyyy-MM-dd HH:mm:ss} UTC, {Mode}, {DurationSeconds:F0} s against {Url} ({(ServerStartedByBench ? "server started by the bench: separate process, demo tenant, fresh SQLite data directory" : "existing server")})");
        s.AppendLine(c, $"- machine: {Machine.Cores} cores, {Machine.Os}, {Machine.Runtime}; load average at start {Machine.LoadAverageAtStart}, at end {Machine.LoadAverageAtEnd} (the generator itself runs on the same cores)");
        if (Mode == "open loop")
        {
            s.AppendLine(c, $"- offered: {TargetEventsPerSecond:N0} events/s in batches of {Batch}; latencies are measured from each request's scheduled send time, so a stalled server shows up in them");
        }
        else
        {
            s.AppendLine(c, $"- closed loop: each client sends its next request when the previous one is answered (batches of {Batch}); latencies from the actual send");
        }
        s.AppendLine();
        s.AppendLine("| operation | requests | 2xx | 2xx/s | units/s | p50 ms | p95 ms | p99 ms | max ms | 429 shed | other answers | skipped (client cap) |");
        s.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var o in Operations)
        {
            var errors = o.Errors.Count == 0 ? "—" : string.Join(", ", o.Errors.Select(e => $"{e.Key}: {e.Value}"));
            s.AppendLine(c, $"| {o.Name} | {o.Requests:N0} | {o.Ok:N0} | {o.OkPerSecond:N1} | {o.UnitsPerSecond:N0} | {o.P50Ms:F1} | {o.P95Ms:F1} | {o.P99Ms:F1} | {o.MaxMs:F1} | {o.Shed429:N0} | {errors} | {o.SkippedAtClientCap:N0} |");
        }
        s.AppendLine();
        s.AppendLine("(units: events for ingest, requests otherwise)");
        s.AppendLine();
        s.AppendLine("## Ingest and durability");
        s.AppendLine();
        s.AppendLine(c, $"- events sent {Ingest.EventsSent:N0}, acknowledged {Ingest.EventsAcknowledged:N0} in {Ingest.BatchesAcknowledged:N0} batches ({Ingest.AcknowledgedPerSecond:N0}/s); the server's `siyu_ingest_events_total` grew by {Ingest.ServerCommittedDelta:N0}");
        s.AppendLine(c, $"- verification: {Ingest.Verification}; re-posted {Ingest.Verified:N0}, duplicates {Ingest.VerifiedDuplicates:N0}, **lost {Ingest.Lost:N0}**, rejected {Ingest.Rejected:N0}");
        s.AppendLine(c, $"- server: {ServerCpuCoresUsed:F2} cores busy on average, group commit {CommitMsAverage:F1} ms average, ingest queue max {PendingMax:N0}, partition lag max {PartitionLagMax:N0} events");
        s.AppendLine();
        s.AppendLine("## Memory");
        s.AppendLine();
        s.AppendLine(c, $"- source: {Memory.Source}; at {Memory.GrowthStartSeconds:F0} s {Mb(Memory.AtGrowthStartBytes)}, at the end {Mb(Memory.EndBytes)}, peak {Mb(Memory.PeakBytes)}; growth {Mb(Memory.GrowthBytes)} ({(Memory.GrowthPercent is { } g ? g.ToString("F1", c) + " %" : "n/a")})");
        if (Prefill is { } p)
        {
            s.AppendLine();
            s.AppendLine("## Prefill (sizing)");
            s.AppendLine();
            s.AppendLine(c, $"- {p.Customers:N0} new customers, {p.Events:N0} events in {p.Seconds:F1} s ({p.EventsPerSecond:N0} events/s, batches of 1,000, 2 clients); customers in the tenant afterwards: {p.CustomersTotal:N0}");
            s.AppendLine(c, $"- after the partitions caught up: RSS {Mb(p.RssBytes)}, working set {Mb(p.WorkingSetBytes)}, GC heap {Mb(p.GcHeapBytes)}, SQLite files {Mb(p.DatabaseBytes)}");
        }
        s.AppendLine();
        s.AppendLine("## Over time");
        s.AppendLine();
        s.AppendLine("| t (s) | RSS MiB | GC heap MiB | committed events | shed | queue | lag | load avg |");
        s.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var x in Samples)
        {
            s.AppendLine(c, $"| {x.AtSeconds:F0} | {MbNumber(x.RssBytes ?? x.WorkingSetBytes)} | {MbNumber(x.GcHeapBytes)} | {x.EventsCommitted:N0} | {x.Shed:N0} | {x.Pending:N0} | {x.PartitionLag:N0} | {x.LoadAverage1:F2} |");
        }
        s.AppendLine();
        s.AppendLine(Failures.Count == 0 ? "No 5xx, no transport errors, every acknowledged event stored." : "## Failures\n\n" + string.Join("\n", Failures.Select(f => "- " + f)));
        return s.ToString();
    }

    private static string Mb(long? bytes) => bytes is { } b ? $"{b / 1048576.0:N0} MiB" : "n/a";
    private static string MbNumber(long? bytes) => bytes is { } b ? (b / 1048576.0).ToString("N0", CultureInfo.InvariantCulture) : "—";
}
