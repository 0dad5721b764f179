using System.Net;
using System.Text;

namespace Siyu.Cli.Tests;

/// <summary>Answers HTTP requests from a script, recording each request's method, URL and body.</summary>
public sealed class StubHandler(Func<StubHandler.Request, int, HttpResponseMessage> respond) : HttpMessageHandler
{
    public sealed record Request(HttpMethod Method, Uri Uri, string? ApiKey, string Body);

    public List<Request> Requests { get; } = [];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        var recorded = new Request(request.Method, request.RequestUri!, request.Headers.TryGetValues("X-Api-Key", out var keys) ? keys.Single() : null, body);
        Requests.Add(recorded);
        return respond(recorded, Requests.Count);
    }

    public static HttpResponseMessage Json(HttpStatusCode status, string json, string mediaType = "application/json") =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, mediaType) };
}
