using Siyu.WeComSimulator;

namespace Siyu.Server.Demo;

/// <summary>
/// The built-in WeCom simulator of demo mode: a separate Kestrel app on a loopback port speaking the real
/// WeCom HTTP contract, so demo data arrives through the same client code a real corp would use.
/// </summary>
public sealed partial class EmbeddedWeComSimulator(SimulatorSettings settings, ILogger<EmbeddedWeComSimulator> logger) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    public Uri? BaseAddress { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!settings.Enabled)
        {
            return;
        }
        _app = SimulatorApp.Create(new SimulatorOptions { Urls = settings.Urls, ExternalContactCount = settings.Contacts });
        await _app.StartAsync(cancellationToken);
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
