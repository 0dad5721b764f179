using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Siyu.WeCom.Callbacks;
using Siyu.WeComSimulator;

namespace Siyu.WeCom.Tests.Simulator;

/// <summary>A minimal Siyu-like callback endpoint: verify, decrypt, parse, answer "success".</summary>
internal sealed class CallbackReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private CallbackReceiver(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }
    public ConcurrentQueue<WeComCallbackEvent> Events { get; } = new();
    public ConcurrentQueue<WeComCallbackError> Rejections { get; } = new();

    /// <summary>A receiver with the simulator's default Token, EncodingAESKey and corp id.</summary>
    public static Task<CallbackReceiver> StartAsync() =>
        StartAsync(SimulatorOptions.DefaultToken, SimulatorOptions.DefaultEncodingAesKey, SimulatorOptions.DefaultCorpId);

    public static async Task<CallbackReceiver> StartAsync(string token, string aesKey, string corpId)
    {
        var crypto = new WeComCallbackCrypto(token, aesKey, corpId);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        CallbackReceiver? self = null;
        app.MapPost("/wecom/callback", async (HttpRequest request, string msg_signature, string timestamp, string nonce) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            try
            {
                var xml = crypto.DecryptMessage(msg_signature, timestamp, nonce, body);
                self!.Events.Enqueue(CallbackEventParser.Parse(xml, corpId));
                return Results.Text("success");
            }
            catch (WeComCallbackException ex)
            {
                self!.Rejections.Enqueue(ex.Reason);
                return Results.StatusCode(403);
            }
        });
        await app.StartAsync();
        var address = app.Urls.First();
        self = new CallbackReceiver(app, address.TrimEnd('/') + "/wecom/callback");
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
