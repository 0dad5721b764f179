using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Siyu.WeCom.Callbacks;
using Siyu.WeComSimulator.Api;
using Siyu.WeComSimulator.Sim;
using Siyu.WeComSimulator.State;

namespace Siyu.WeComSimulator;

/// <summary>
/// Builds the simulator as a <see cref="WebApplication"/> a host can run in-process:
/// <code>
/// var sim = SimulatorApp.Create(new SimulatorOptions { Urls = "http://127.0.0.1:0", CallbackUrl = "..." });
/// await sim.StartAsync();
/// var baseAddress = SimulatorApp.GetBaseAddress(sim); // point WeComApiClient's HttpClient here
/// </code>
/// </summary>
public static class SimulatorApp
{
    /// <param name="args">Command-line style overrides; only <c>--urls</c> is read.</param>
    public static WebApplication Create(SimulatorOptions options, string[]? args = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Fail at startup, not on the first callback, when the key is wrong.
        _ = new WeComCallbackCrypto(options.Token, options.EncodingAESKey, options.CorpId);

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args ?? [],
            // Its own name and environment: embedded in Siyu.Server it must not pick up the server's
            // appsettings, static web assets or Kestrel endpoints.
            ApplicationName = typeof(SimulatorApp).Assembly.GetName().Name,
            EnvironmentName = Environments.Production,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddCommandLine(args ?? []);
        builder.WebHost.UseUrls(builder.Configuration["urls"] ?? options.Urls);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = !options.LogToConsole);

        builder.Logging.ClearProviders();
        if (options.LogToConsole)
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        }

        builder.Logging.SetMinimumLevel(options.MinimumLogLevel);

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(sp => new SimulatedCorp(sp.GetRequiredService<SimulatorOptions>()));
        builder.Services.AddSingleton<CallbackSender>();
        builder.Services.AddSingleton(sp => new SimulatorControl(
            sp.GetRequiredService<SimulatedCorp>(), sp.GetRequiredService<CallbackSender>(), sp.GetRequiredService<SimulatorOptions>()));
        builder.Services.AddHttpClient(CallbackSender.HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan);

        var app = builder.Build();
        app.MapGet("/", () => Results.Text("WeCom simulator: /cgi-bin/... speaks the WeCom API, /sim/... drives it.\n"));
        app.MapCgiBinApi();
        app.MapSimApi();
        return app;
    }

    /// <summary>The first address the started app listens on, with a trailing slash (e.g. <c>http://127.0.0.1:41234/</c>).</summary>
    public static Uri GetBaseAddress(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        var first = addresses?.FirstOrDefault()
            ?? throw new InvalidOperationException("The simulator is not listening yet: call StartAsync first.");
        return new Uri(first.TrimEnd('/') + "/");
    }

    /// <summary>The simulated corp's state, for assertions and for a host's demo mode.</summary>
    public static SimulatedCorp Corp(WebApplication app) => app.Services.GetRequiredService<SimulatedCorp>();

    /// <summary>Simulates WeChat-side actions (customers adding or removing staff) that produce callbacks.</summary>
    public static SimulatorControl Control(WebApplication app) => app.Services.GetRequiredService<SimulatorControl>();
}
