using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Siyu.Server;
using Siyu.Server.WeCom;
using Siyu.WeComSimulator;

namespace Siyu.Bench;

/// <summary>
/// `welcome`: a customer scans a channel code → the simulator pushes the encrypted add_external_contact callback →
/// Siyu stores it, acknowledges, looks the customer up, and sends the personalised welcome message. Measures scan →
/// welcome accepted by the (simulated) WeCom API, against the ~20-second life of a welcome code.
/// </summary>
public static class WelcomeBench
{
    private const string Key = "sk_bench_key_000000000";

    public static async Task<int> RunAsync(string[] args)
    {
        var samples = Arg(args, "--samples", 200);
        var burst = Arg(args, "--burst", 300);
        var data = Path.Combine(Path.GetTempPath(), "siyu-bench", Guid.NewGuid().ToString("N"));
        var builder = WebApplication.CreateBuilder([
            "--urls=http://127.0.0.1:0", $"--Siyu:DataDirectory={data}", "--Siyu:Demo=false", $"--Siyu:DemoApiKey={Key}",
            "--Siyu:AdminPassword=bench", "--Logging:LogLevel:Default=Warning",
        ]);
        builder.AddSiyu();
        await using var app = builder.Build();
        app.UseSiyu();
        await app.StartAsync();
        var baseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        var options = new SimulatorOptions { Urls = "http://127.0.0.1:0", CallbackUrl = baseUrl.TrimEnd('/') + WeComConnections.CallbackPath("demo"), ExternalContactCount = 100 };
        await using var simulator = SimulatorApp.Create(options);
        await simulator.StartAsync();
        var simAddress = SimulatorApp.GetBaseAddress(simulator);
        var connections = app.Services.GetRequiredService<WeComConnections>();
        await connections.SaveAsync(1, "bench", new WeComSettingsInput(options.CorpId, options.AgentId, options.Secrets[0], options.Token, options.EncodingAESKey, simAddress.ToString()));
        var (channel, errors) = await app.Services.GetRequiredService<ChannelCodes>().CreateAsync(1, "bench", new ChannelCodeInput(
            "直播间", [new RotationMember("zhangmin")], [], [], null, true, new WelcomeMessage("您好 {nickname}，欢迎！", [new WelcomeAttachment("link", "新人礼包", "https://example.com/gift")])));
        if (channel is null)
        {
            throw new InvalidOperationException(string.Join("; ", errors.Select(e => e.Message)));
        }
        Console.WriteLine($"Siyu welcome-message benchmark — {Environment.ProcessorCount} cores, {samples} scans, one at a time");

        using var sim = new HttpClient { BaseAddress = simAddress };
        var latencies = new List<double>();
        for (var i = 0; i < samples; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var scan = await sim.PostAsJsonAsync("/sim/contacts/add", new { userid = "zhangmin", name = $"顾客{i}", state = channel.State });
            scan.EnsureSuccessStatusCode();
            var code = JsonNode.Parse(await scan.Content.ReadAsStringAsync())!["welcome_code"]!.GetValue<string>();
            while (!(await sim.GetStringAsync("/sim/messages?kind=welcome")).Contains(code, StringComparison.Ordinal))
            {
                if (Stopwatch.GetElapsedTime(started) > TimeSpan.FromSeconds(20))
                {
                    throw new TimeoutException($"No welcome message for scan {i} within the code's life.");
                }
                await Task.Delay(2);
            }
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        latencies.Sort();
        Console.WriteLine($"scan → welcome accepted: p50 {Pct(latencies, 0.5):F1} ms, p90 {Pct(latencies, 0.9):F1} ms, p99 {Pct(latencies, 0.99):F1} ms, max {latencies[^1]:F1} ms " +
            "(includes the simulator's callback delivery and the message poll)");

        // A livestream shows the code: `burst` customers scan within the same moment.
        var welcomed = new System.Collections.Concurrent.ConcurrentDictionary<string, double>();
        var burstStarted = Stopwatch.GetTimestamp();
        var scans = await Task.WhenAll(Enumerable.Range(0, burst).Select(async i =>
        {
            var at = Stopwatch.GetTimestamp();
            var scan = await sim.PostAsJsonAsync("/sim/contacts/add", new { userid = "zhangmin", name = $"直播观众{i}", state = channel.State });
            scan.EnsureSuccessStatusCode();
            return (Code: JsonNode.Parse(await scan.Content.ReadAsStringAsync())!["welcome_code"]!.GetValue<string>(), At: at);
        }));
        while (welcomed.Count < burst)
        {
            if (Stopwatch.GetElapsedTime(burstStarted) > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"Only {welcomed.Count} of {burst} burst welcomes after 60 s.");
            }
            var sent = await sim.GetStringAsync("/sim/messages?kind=welcome");
            foreach (var (code, at) in scans)
            {
                if (!welcomed.ContainsKey(code) && sent.Contains(code, StringComparison.Ordinal))
                {
                    welcomed[code] = Stopwatch.GetElapsedTime(at).TotalMilliseconds;
                }
            }
            await Task.Delay(20);
        }
        var burstLatencies = welcomed.Values.Order().ToList();
        Console.WriteLine($"burst of {burst} simultaneous scans, scan → welcome accepted: p50 {Pct(burstLatencies, 0.5):F0} ms, p90 {Pct(burstLatencies, 0.9):F0} ms, " +
            $"p99 {Pct(burstLatencies, 0.99):F0} ms, max {burstLatencies[^1]:F0} ms; over 20 s: {burstLatencies.Count(l => l > 20_000)}");

        var server = app.Services.GetRequiredService<WelcomeTimings>().Snapshot().Order().ToList();
        Console.WriteLine($"inside Siyu (callback arrived → welcome accepted): p50 {Pct(server, 0.5):F1} ms, p99 {Pct(server, 0.99):F1} ms");
        await simulator.StopAsync();
        await app.StopAsync();
        try
        {
            Directory.Delete(data, true);
        }
        catch (IOException)
        {
        }
        return 0;
    }

    private static double Pct(List<double> sorted, double p) => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    }
}
