using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Siyu.Server.Tests.Durability;

/// <summary>A real SMS webhook on loopback that checks the signature and records every request (key, phone, text).</summary>
public sealed class RecordingSmsProvider : IAsyncDisposable
{
    public const string Secret = "短信-secret";
    private readonly WebApplication _app;
    private int _badSignatures;

    private RecordingSmsProvider(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }
    public ConcurrentQueue<(string Key, string Phone, string Text)> Received { get; } = new();
    public int BadSignatures => Volatile.Read(ref _badSignatures);

    /// <summary>Server arguments that send SMS here.</summary>
    public string[] ServerArgs => [$"--Siyu:Sms:WebhookUrl={Url}", $"--Siyu:Sms:Secret={Secret}"];

    public static async Task<RecordingSmsProvider> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        var port = ServerProcess.FreePort();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var provider = new RecordingSmsProvider(app, $"http://127.0.0.1:{port}/sms");
        app.MapPost("/sms", async (HttpRequest request) =>
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer);
            var signature = "sha256=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Secret), buffer.ToArray()));
            if (request.Headers["X-Siyu-Signature"] != signature)
            {
                Interlocked.Increment(ref provider._badSignatures);
                return Results.Unauthorized();
            }
            var body = JsonSerializer.Deserialize<JsonObject>(buffer.ToArray());
            provider.Received.Enqueue((request.Headers["Idempotency-Key"].ToString(), body!["phone"]!.GetValue<string>(), body["text"]!.GetValue<string>()));
            return Results.Json(new { id = Guid.NewGuid().ToString("N") });
        });
        await app.StartAsync();
        return provider;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
