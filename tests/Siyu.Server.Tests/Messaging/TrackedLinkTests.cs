using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Siyu.Server.Messaging;

namespace Siyu.Server.Tests.Messaging;

public sealed class TrackedLinkTests : IAsyncLifetime
{
    private readonly SiyuFactory _factory = new();
    private HttpClient _api = null!;

    public Task InitializeAsync()
    {
        _api = _factory.ApiClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task A_click_on_a_short_link_redirects_and_lands_on_the_customers_timeline()
    {
        var ingest = await (await _api.PostEventsAsync(new
        {
            events = new[] { new { type = "page.viewed", timestamp = "2026-11-01T12:00:00+08:00", identifiers = new { phone = "13800138000" } } },
        })).ReadAsync();
        var customerId = ingest["results"]![0]!["customer_id"]!.GetValue<long>();
        var links = _factory.Services.GetRequiredService<LinkTracker>();

        const string text = "生日快乐！专属券：https://shop.example.com/coupon?id=9，门店地图https://m.example.com/map。";
        var tracked = await links.TrackAsync(1, "journey:1:v1:step2:" + customerId, customerId, text);
        Assert.Equal(2, tracked.Links.Count);
        Assert.Equal("https://shop.example.com/coupon?id=9", tracked.Links[0].Url);
        Assert.Equal("https://m.example.com/map", tracked.Links[1].Url);
        Assert.DoesNotContain("shop.example.com", tracked.Text, StringComparison.Ordinal);
        Assert.EndsWith("。", tracked.Text, StringComparison.Ordinal);
        // Tracking the same message again (a retried step) gives the same codes and stores nothing twice.
        var again = await links.TrackAsync(1, "journey:1:v1:step2:" + customerId, customerId, text);
        Assert.Equal(tracked.Links.Select(l => l.Code), again.Links.Select(l => l.Code));

        var click = await _api.GetAsync(new Uri(tracked.Links[1].ShortUrl).PathAndQuery);
        Assert.Equal(HttpStatusCode.Redirect, click.StatusCode);
        Assert.Equal("https://m.example.com/map", click.Headers.Location!.ToString());
        var events = await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{customerId}/events?type=message.clicked"), e => e.AsArray().Count == 1);
        Assert.Equal("https://m.example.com/map", events[0]!["properties"]!["url"]!.GetValue<string>());
        Assert.Equal(1, events[0]!["properties"]!["link_index"]!.GetValue<int>());

        Assert.Equal(HttpStatusCode.NotFound, (await _api.GetAsync("/l/AAAAAAAAAA")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _api.GetAsync("/l/x")).StatusCode);
    }
}
