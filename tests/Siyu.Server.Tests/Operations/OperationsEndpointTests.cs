using System.Globalization;
using System.Text.RegularExpressions;

namespace Siyu.Server.Tests.Operations;

/// <summary>
/// Readiness reports each dependency; /metrics exposes Siyu's instruments in Prometheus format, anonymously. Runs alone:
/// with another host started concurrently in the same process (HardeningTests), the scrape came back without Siyu's
/// meter once — not understood yet, and irrelevant to a deployment (one host per process), so isolated rather than hidden.
/// </summary>
[Collection(nameof(OperationsEndpointTests))]
public sealed partial class OperationsEndpointTests : IAsyncLifetime
{
    private SiyuFactory _factory = null!;
    private HttpClient _anonymous = null!;

    public Task InitializeAsync()
    {
        _factory = new SiyuFactory();
        _anonymous = _factory.CreateClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Readiness_names_the_database_the_silo_and_the_ingest_queue()
    {
        var ready = await Json.EventuallyAsync(() => _anonymous.GetJsonOrNull("/health/ready"), r => r["status"]!.GetValue<string>() == "healthy", attempts: 200);
        foreach (var check in new[] { "database", "silo", "ingest" })
        {
            Assert.Equal("healthy", ready["checks"]![check]!["status"]!.GetValue<string>());
        }
        Assert.Equal("0 events queued, 0 not yet applied by partitions", ready["checks"]!["ingest"]!["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task Metrics_count_committed_events_per_tenant()
    {
        var before = await AppendedAsync();
        var response = await _factory.ApiClient().PostEventsAsync(new
        {
            events = Enumerable.Range(0, 7).Select(i => new
            {
                id = $"m-{i}", type = "page.viewed", timestamp = DateTimeOffset.UtcNow.ToString("O"), identifiers = new { phone = $"1370000{i:D4}" },
            }).ToArray(),
        });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        // The metric is observed at the commit that acknowledged the request; the exporter may cache a scrape briefly.
        var after = before;
        for (var i = 0; i < 100 && after < before + 7; i++)
        {
            await Task.Delay(100);
            after = await AppendedAsync();
        }
        Assert.True(after >= before + 7, $"before {before}, after {after}: " + string.Join("\n", (await _anonymous.GetStringAsync("/metrics")).Split('\n').Where(l => l.StartsWith("siyu", StringComparison.Ordinal))));
        var text = await _anonymous.GetStringAsync("/metrics");
        Assert.Contains("siyu_ingest_pending", text, StringComparison.Ordinal);
        Assert.Contains("siyu_partitions_lag", text, StringComparison.Ordinal);
    }

    private async Task<double> AppendedAsync()
    {
        var text = await _anonymous.GetStringAsync("/metrics");
        return AppendedLine().Matches(text).Sum(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"^siyu_ingest_events_total\{[^}]*\} ([0-9.e+]+)", RegexOptions.Multiline)]
    private static partial Regex AppendedLine();
}

[CollectionDefinition(nameof(OperationsEndpointTests), DisableParallelization = true)]
public sealed class OperationsEndpointCollection;
