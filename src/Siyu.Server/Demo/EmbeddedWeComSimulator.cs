using Microsoft.AspNetCore.Hosting.Server;
using Siyu.WeComSimulator;

namespace Siyu.Server.Demo;

/// <summary>
/// The built-in WeCom simulator of demo mode: a separate Kestrel app on a loopback port speaking the real
/// WeCom HTTP contract, so demo data arrives through the same client code a real corp would use.
/// </summary>
public sealed partial class EmbeddedWeComSimulator(
    SimulatorSettings settings, Tenants.SiyuOptions siyu, TimeProvider time, IServer server, IHostApplicationLifetime lifetime, ILogger<EmbeddedWeComSimulator> logger) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;
    // Relations dated over the last 300 days (from midnight, so a day's restarts look alike): the analytics have recent adds to show.
    private readonly SimulatorOptions _options = new()
    {
        Urls = settings.Urls, ExternalContactCount = settings.Contacts, TimeProvider = time,
        DemoEpoch = new DateTimeOffset(time.GetUtcNow().UtcDateTime.Date.AddDays(-300), TimeSpan.Zero),
    };

    public Uri? BaseAddress { get; private set; }

    /// <summary>The simulated corp's credentials, which demo mode writes into the demo tenant's WeCom settings.</summary>
    public SimulatorOptions Options => _options;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!settings.Enabled)
        {
            return;
        }
        _app = SimulatorApp.Create(_options);
        await _app.StartAsync(cancellationToken);
        // Callbacks go to the demo tenant's endpoint, whose port is only known once Kestrel listens.
        lifetime.ApplicationStarted.Register(() =>
        {
            var address = server.Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses.FirstOrDefault();
            if (address is not null)
            {
                _options.CallbackUrl = address.TrimEnd('/').Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "127.0.0.1", StringComparison.Ordinal)
                    + WeCom.WeComConnections.CallbackPath(siyu.DemoTenantSlug);
            }
        });
        BaseAddress = SimulatorApp.GetBaseAddress(_app);
        LogStarted(logger, BaseAddress);
        Console.WriteLine($"WeCom simulator: {BaseAddress} (corp {SimulatorOptions.DefaultCorpId})");
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Built-in WeCom simulator listening on {Address}")]
    private static partial void LogStarted(ILogger logger, Uri address);
}

/// <summary><c>Siyu:Simulator</c> settings.</summary>
public sealed class SimulatorSettings
{
    /// <summary>Defaults to on in demo mode.</summary>
    public bool Enabled { get; set; } = true;
    public string Urls { get; set; } = "http://127.0.0.1:0";
    public int Contacts { get; set; } = 60;
}
