using Microsoft.AspNetCore.Builder;
using Siyu.WeCom.Api;
using Siyu.WeComSimulator;
using Siyu.WeComSimulator.Sim;
using Siyu.WeComSimulator.State;

namespace Siyu.WeCom.Tests.Simulator;

/// <summary>A simulator running in-process on a free loopback port, reached over real HTTP.</summary>
internal sealed class SimulatorHost : IAsyncDisposable
{
    private readonly List<HttpClient> _clients = [];

    private SimulatorHost(WebApplication app, SimulatorOptions options)
    {
        App = app;
        Options = options;
        BaseAddress = SimulatorApp.GetBaseAddress(app);
    }

    public WebApplication App { get; }
    public SimulatorOptions Options { get; }
    public Uri BaseAddress { get; }
    public SimulatedCorp Corp => SimulatorApp.Corp(App);
    public SimulatorControl Control => SimulatorApp.Control(App);

    public static async Task<SimulatorHost> StartAsync(Action<SimulatorOptions>? configure = null)
    {
        var options = new SimulatorOptions { Urls = "http://127.0.0.1:0", CallbackRetries = 0 };
        configure?.Invoke(options);
        var app = SimulatorApp.Create(options);
        await app.StartAsync();
        return new SimulatorHost(app, options);
    }

    /// <summary>Plain HTTP to the simulator, for raw-contract assertions.</summary>
    public HttpClient Http()
    {
        var http = new HttpClient { BaseAddress = BaseAddress };
        _clients.Add(http);
        return http;
    }

    /// <summary>Backoff in milliseconds, so retry tests stay fast.</summary>
    public static WeComRetryOptions FastRetry(int maxAttempts = 4) =>
        new() { MaxAttempts = maxAttempts, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) };

    public WeComApiClient Client(WeComTokenCache? tokens = null, string? secret = null, WeComRetryOptions? retry = null) =>
        new(Http(), new WeComCredentials(Options.CorpId, secret ?? Options.Secrets[0]), tokens, retry ?? FastRetry());

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await App.StopAsync();
        await App.DisposeAsync();
    }
}
