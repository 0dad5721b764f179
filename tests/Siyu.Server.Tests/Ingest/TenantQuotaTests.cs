using System.Net;

namespace Siyu.Server.Tests.Ingest;

/// <summary>A tenant over its events-per-second quota gets 429 with Retry-After, nothing of the refused batch is stored, and it passes once the bucket refills.</summary>
public sealed class TenantQuotaTests : IAsyncLifetime
{
    private SiyuFactory _factory = null!;

    public Task InitializeAsync()
    {
        _factory = new SiyuFactory(settings: new Dictionary<string, string> { ["Siyu:TenantEventsPerSecond"] = "20", ["Siyu:MaxBatch"] = "20" });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private static object Batch(string prefix) => new
    {
        events = Enumerable.Range(0, 20).Select(i => new
        {
            id = $"{prefix}-{i}", type = "page.viewed", timestamp = DateTimeOffset.UtcNow.ToString("O"), identifiers = new { phone = $"1371111{i:D4}" },
        }).ToArray(),
    };

    [Fact]
    public async Task Over_quota_is_429_with_retry_after_and_stores_nothing()
    {
        var api = _factory.ApiClient();
        Assert.Equal(HttpStatusCode.Accepted, (await api.PostEventsAsync(Batch("a"))).StatusCode);

        var refused = await api.PostEventsAsync(Batch("b"));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(int.Parse(refused.Headers.RetryAfter!.ToString(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.Contains("20 events per second", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The bucket refills at 20 per second: the same batch passes later, and none of it was stored the first time.
        HttpResponseMessage retried;
        var attempts = 0;
        do
        {
            await Task.Delay(500);
            retried = await api.PostEventsAsync(Batch("b"));
        }
        while (retried.StatusCode == HttpStatusCode.TooManyRequests && ++attempts < 20);
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        var body = await retried.ReadAsync();
        Assert.Equal((20, 0), (body["accepted"]!.GetValue<int>(), body["duplicates"]!.GetValue<int>()));
    }
}
