using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Siyu.Cli.Tests;

/// <summary>
/// A stand-in for the Siyu ingest API on a loopback port: answers the tenant check, records every
/// posted batch, remembers event ids like the real server (so a re-import shows duplicates), and
/// rejects the events whose order id is in <see cref="RejectOrderIds"/>.
/// </summary>
public sealed class FakeSiyuServer : IAsyncDisposable
{
    public const string ApiKey = "sk_test_key";

    private readonly WebApplication _app;
    private readonly HashSet<string> _storedIds = [];
    private long _seq;

    public List<(string Query, string? ApiKey, JsonObject Body)> Batches { get; } = [];

    public HashSet<string> RejectOrderIds { get; } = [];

    public string TenantSlug { get; set; } = "demo";

    /// <summary>When set, every POST after this many answers 500, as if the server broke mid-import.</summary>
    public int? FailAfterBatches { get; set; }

    public string Url { get; private set; } = "";

    private FakeSiyuServer()
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0"]);
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapGet("/api/v1/tenant", (HttpContext http) =>
            http.Request.Headers["X-Api-Key"] == ApiKey
                ? Results.Json(new { id = 1, slug = TenantSlug, name = "Demo", partitions = 4, time_zone = "Asia/Shanghai", actor = "apikey:sk_test" })
                : Results.Problem(statusCode: 401, title: "Authentication required"));
        // The cast picks the minimal-API overload, so the returned IResult is written to the response.
        _app.MapPost("/api/v1/events", (Delegate)Ingest);
    }

    public static async Task<FakeSiyuServer> StartAsync()
    {
        var server = new FakeSiyuServer();
        await server._app.StartAsync();
        server.Url = server._app.Urls.Single();
        return server;
    }

    private async Task<IResult> Ingest(HttpContext http)
    {
        var body = (await JsonNode.ParseAsync(http.Request.Body))!.AsObject();
        // Kestrel runs requests on the thread pool; the CLI sends one batch at a time, but be safe.
        lock (Batches)
        {
            if (Batches.Count >= FailAfterBatches)
            {
                return Results.Problem(statusCode: 500, title: "The event log could not be written");
            }
            Batches.Add((http.Request.QueryString.Value ?? "", http.Request.Headers["X-Api-Key"], body));
            var results = new JsonArray();
            var rejected = new JsonArray();
            var events = body["events"]!.AsArray();
            for (var i = 0; i < events.Count; i++)
            {
                var e = events[i]!;
                if (RejectOrderIds.Contains((string)e["properties"]!["order_id"]!))
                {
                    rejected.Add(new JsonObject
                    {
                        ["index"] = i,
                        ["errors"] = new JsonArray(new JsonObject { ["path"] = $"events[{i}].properties.amount", ["message"] = "Orders need properties.amount, a non-negative number in yuan." }),
                    });
                    continue;
                }
                var duplicate = !_storedIds.Add((string)e["id"]!);
                results.Add(new JsonObject { ["index"] = i, ["seq"] = ++_seq, ["customer_id"] = 100 + i, ["duplicate"] = duplicate });
            }
            var duplicates = results.Count(r => (bool)r!["duplicate"]!);
            return Results.Json(new JsonObject
            {
                ["accepted"] = results.Count - duplicates,
                ["duplicates"] = duplicates,
                ["results"] = results,
                ["rejected"] = rejected,
            }, statusCode: 202);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
