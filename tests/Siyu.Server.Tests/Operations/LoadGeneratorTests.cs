using Siyu.Bench.Load;

namespace Siyu.Server.Tests.Operations;

/// <summary>
/// The bench's `load` generator, run briefly against a real server process in demo mode: the report it produces must
/// hold its own invariants. No timing is asserted; the machine may be busy.
/// </summary>
public sealed class LoadGeneratorTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "siyu-tests", Guid.NewGuid().ToString("N"));
    private ServerProcess _server = null!;

    public async Task InitializeAsync() => _server = await ServerProcess.StartAsync(_data, demo: true);

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        try
        {
            Directory.Delete(_data, true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Quick_run_stores_every_acknowledged_event_without_5xx_and_reports_consistent_figures()
    {
        var log = new StringWriter();
        using var generator = new LoadGenerator(new LoadOptions
        {
            BaseUrl = _server.BaseUrl, ApiKey = ServerProcess.ApiKey, AdminPassword = ServerProcess.AdminPassword,
            ServerPid = _server.ProcessId, DataDirectory = _data,
            Duration = TimeSpan.FromSeconds(20), ReportEvery = TimeSpan.FromSeconds(5),
            EventsPerSecond = 400, Batch = 20, ProfilesPerSecond = 10, AudiencesPerSecond = 2, SearchesPerSecond = 2, PagesPerSecond = 1,
            Log = log,
        });

        var report = await generator.RunAsync();

        var why = string.Join("\n", report.Failures) + "\n" + log + "\n" + _server.Output;
        Assert.True(report.Passed, why);
        Assert.Equal(["ingest", "audience preview", "profile read", "customer search", "console page"], report.Operations.Select(o => o.Name));
        foreach (var op in report.Operations)
        {
            Assert.True(op.Ok > 0, $"{op.Name}: no successful request\n{why}");
            Assert.DoesNotContain(op.Errors.Keys, status => status.StartsWith('5'));
            Assert.Equal(op.Requests, op.Ok + op.Shed429 + op.Errors.Values.Sum());
            Assert.True(op.P50Ms <= op.P95Ms && op.P95Ms <= op.P99Ms && op.P99Ms <= op.MaxMs, $"{op.Name}: {op.P50Ms} {op.P95Ms} {op.P99Ms} {op.MaxMs}");
            Assert.True(op.P50Ms > 0);
        }
        // Audience conditions are generated: a validation error would mean the generator, not the server, is wrong.
        Assert.Empty(report.Operations.Single(o => o.Name == "audience preview").Errors);

        var ingest = report.Ingest;
        var batches = report.Operations.Single(o => o.Name == "ingest");
        Assert.Equal(ingest.EventsAcknowledged, batches.Units);
        Assert.Equal(ingest.BatchesAcknowledged, batches.Ok);
        Assert.Equal(ingest.BatchesAcknowledged * 20, ingest.EventsAcknowledged);
        Assert.True(ingest.EventsAcknowledged > 0);
        Assert.Equal(ingest.EventsAcknowledged, ingest.Verified);
        Assert.Equal(ingest.Verified, ingest.VerifiedDuplicates);
        Assert.Equal(0, ingest.Lost);
        Assert.Equal(0, ingest.Rejected);
        Assert.True(ingest.ServerCommittedDelta >= ingest.EventsAcknowledged, $"server committed {ingest.ServerCommittedDelta}, acknowledged {ingest.EventsAcknowledged}");

        Assert.NotEmpty(report.Samples);
        Assert.All(report.Samples, s => Assert.True(s.RssBytes > 0));
        Assert.Contains("PASSED", report.ToMarkdown());
        Assert.Contains("\"lost\": 0", report.ToJson());
    }

    [Fact]
    public void Histogram_percentiles_are_ordered_and_bounded_by_the_maximum()
    {
        var histogram = new LatencyHistogram();
        var random = new Random(7);
        for (var i = 0; i < 10_000; i++)
        {
            histogram.RecordMicros((long)Math.Exp(random.NextDouble() * 16));
        }
        var (p50, p95, p99, max) = (histogram.PercentileMs(0.5), histogram.PercentileMs(0.95), histogram.PercentileMs(0.99), histogram.MaxMs);
        Assert.True(p50 <= p95 && p95 <= p99 && p99 <= max);
        // Log-linear buckets: within ~3% of the exact order statistic.
        var exact = new List<long>();
        random = new Random(7);
        for (var i = 0; i < 10_000; i++)
        {
            exact.Add((long)Math.Exp(random.NextDouble() * 16));
        }
        exact.Sort();
        Assert.InRange(p99 * 1000, exact[9899] * 0.97, exact[9899] * 1.04 + 1);
        Assert.Equal(exact[^1] / 1000.0, max);
    }
}
