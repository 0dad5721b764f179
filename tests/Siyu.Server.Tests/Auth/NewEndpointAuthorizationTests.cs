using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Siyu.Server.Tests.Auth;

/// <summary>
/// Every endpoint added with journeys, delivery and analytics refuses callers without credentials (401), and the ones
/// that change something refuse the ingest API key (403: it may send events and read, not operate).
/// </summary>
public sealed class NewEndpointAuthorizationTests(NewEndpointAuthorizationTests.Server server) : IClassFixture<NewEndpointAuthorizationTests.Server>
{
    /// <summary>One server for all the cases (they only read or are refused).</summary>
    public sealed class Server : IAsyncLifetime
    {
        public SiyuFactory Factory { get; } = new();

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }

    private readonly HttpClient _anonymous = server.Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
    private readonly HttpClient _ingestKey = server.Factory.ApiClient();

    private static readonly object Funnel = new { steps = new object[] { new { @event = "page.viewed" }, new { @event = "order.paid" } }, step = 1 };

    /// <summary>(method, path, body) of the reads: any signed-in caller.</summary>
    public static TheoryData<string, string> Reads => new()
    {
        { "GET", "/api/v1/analytics/rfm" },
        { "POST", "/api/v1/analytics/funnels/query" },
        { "POST", "/api/v1/analytics/attribution" },
        { "POST", "/api/v1/analytics/cohorts" },
        { "GET", "/api/v1/analytics/purchase-cycles" },
        { "GET", "/api/v1/analytics/kpis" },
        { "GET", "/api/v1/analytics/kpis?format=csv" },
        { "POST", "/api/v1/analytics/cohorts?format=csv" },
        { "GET", "/api/v1/journeys/1/experiment" },
        { "GET", "/api/v1/journeys" },
        { "GET", "/api/v1/delivery/messages" },
    };

    /// <summary>The writes: admins or operators (approvals: admins) only.</summary>
    public static TheoryData<string, string> Writes => new()
    {
        { "POST", "/api/v1/analytics/rfm/refresh" },
        { "POST", "/api/v1/analytics/funnels/dropoff" },
        { "POST", "/api/v1/mass-sends/1/approve" },
        { "POST", "/api/v1/mass-sends/1/reject" },
        { "POST", "/api/v1/journeys" },
        { "POST", "/api/v1/journeys/1/status" },
        { "POST", "/api/v1/journeys/1/enter" },
        { "PUT", "/api/v1/delivery/settings" },
    };

    private static HttpRequestMessage Request(string method, string path) => new(new HttpMethod(method), path)
    {
        Content = method == "GET" ? null : JsonContent.Create(path.Contains("funnels", StringComparison.Ordinal) ? Funnel : new { }),
    };

    [Theory]
    [MemberData(nameof(Reads))]
    [MemberData(nameof(Writes))]
    public async Task Without_credentials_the_answer_is_401(string method, string path) =>
        Assert.Equal(HttpStatusCode.Unauthorized, (await _anonymous.SendAsync(Request(method, path))).StatusCode);

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task The_ingest_key_may_not_operate(string method, string path) =>
        Assert.Equal(HttpStatusCode.Forbidden, (await _ingestKey.SendAsync(Request(method, path))).StatusCode);

    [Theory]
    [MemberData(nameof(Reads))]
    public async Task The_ingest_key_may_read(string method, string path)
    {
        var status = (await _ingestKey.SendAsync(Request(method, path))).StatusCode;
        Assert.True(status is HttpStatusCode.OK or HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"{method} {path}: {status}");
    }
}
