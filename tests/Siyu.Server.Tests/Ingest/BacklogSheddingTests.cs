using System.Net;

namespace Siyu.Server.Tests.Ingest;

/// <summary>
/// When the backlog (queued for the log plus not yet applied by partitions) would pass <c>Siyu:MaxPendingEvents</c>, ingest
/// answers 429 with Retry-After and stores nothing of the batch; once the backlog drains the same events are accepted.
/// </summary>
public sealed class BacklogSheddingTests : IAsyncLifetime
{
    private SiyuFactory _factory = null!;

    public Task InitializeAsync()
    {
        _factory = new SiyuFactory(settings: new Dictionary<string, string> { ["Siyu:MaxPendingEvents"] = "30", ["Siyu:MaxBatch"] = "100" });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private static object Batch(IEnumerable<int> numbers) => new
    {
        events = numbers.Select(i => new
        {
            id = $"backlog-{i}", type = "page.viewed", timestamp = DateTimeOffset.UtcNow.ToString("O"), identifiers = new { phone = $"1372222{i:D4}" },
        }).ToArray(),
    };

    private static async Task<HttpResponseMessage> PostUntilAcceptedAsync(HttpClient api, object batch)
    {
        for (var attempt = 0; ; attempt++)
        {
            var response = await api.PostEventsAsync(batch);
            if (response.StatusCode != HttpStatusCode.TooManyRequests || attempt == 100)
            {
                return response;
            }
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task A_batch_that_would_pass_the_backlog_limit_is_429_and_stores_nothing()
    {
        var api = _factory.ApiClient();
        var refused = await api.PostEventsAsync(Batch(Enumerable.Range(0, 40)));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(int.Parse(refused.Headers.RetryAfter!.ToString(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.Contains("saturated", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The same events in batches the limit allows: every one is new, so none of the refused batch was stored.
        foreach (var half in new[] { Enumerable.Range(0, 20), Enumerable.Range(20, 20) })
        {
            var accepted = await PostUntilAcceptedAsync(api, Batch(half));
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            var body = await accepted.ReadAsync();
            Assert.Equal((20, 0), (body["accepted"]!.GetValue<int>(), body["duplicates"]!.GetValue<int>()));
        }
        var metrics = await api.GetStringAsync("/metrics");
        // At least the refused 40; the second half may itself have waited for the first to be applied.
        var shed = System.Text.RegularExpressions.Regex.Match(metrics, @"^siyu_ingest_shed_total\{[^}]*\} (\d+)", System.Text.RegularExpressions.RegexOptions.Multiline);
        Assert.True(shed.Success, metrics);
        Assert.True(int.Parse(shed.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 40, shed.Value);
    }
}
