using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Siyu.Core.Customers;
using Siyu.Server;
using Siyu.Server.Partitions;
using Siyu.Server.Tags;

namespace Siyu.Bench;

/// <summary>
/// `ruletags`: how long from POSTing the event that makes a customer match a rule until the rule tag is on the
/// profile — through HTTP, the durable log, the partition's incremental rule evaluation, a second durable append
/// (the tag event) and its application. Background load of page views runs at the same time.
/// </summary>
public static class RuleTagBench
{
    private const string Key = "sk_bench_key_000000000";

    public static async Task<int> RunAsync(string[] args)
    {
        var samples = Arg(args, "--samples", 300);
        var backgroundRate = Arg(args, "--background", 2_000);
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
        var grains = app.Services.GetRequiredService<IGrainFactory>();
        var definitions = app.Services.GetRequiredService<TagDefinitions>();
        var group = (await definitions.CreateGroupAsync(1, "bench", new TagGroupInput("消费行为", 0))).Value!;
        var tag = (await definitions.CreateTagAsync(1, "bench", new TagInput(group.Id, "母婴高消费", Siyu.Core.Tags.TagSource.Rule, null, null, """
            {"version":1,"root":{"type":"behavior","event":"order.paid","where":[{"property":"category","op":"eq","value":"母婴"}],"window":{"last_days":30},"measure":"sum","property":"amount","op":"gte","value":500}}
            """))).Value!;
        var partitions = app.Services.GetRequiredService<Siyu.Server.Tenants.TenantDirectory>().Partitions(1);
        Console.WriteLine($"Siyu rule tag benchmark — {Environment.ProcessorCount} cores, {samples} rule-triggering events, {backgroundRate:N0} background events/s");

        using var client = new HttpClient { BaseAddress = new Uri(baseUrl) };
        client.DefaultRequestHeaders.Add("X-Api-Key", Key);
        using var stop = new CancellationTokenSource();
        var background = BackgroundAsync(client, backgroundRate, stop.Token);

        var latencies = new List<double>();
        for (var i = 0; i < samples; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var response = await client.PostAsJsonAsync("/api/v1/events", new
            {
                type = "order.paid", identifiers = new { phone = $"1380000{i:D4}" },
                properties = new { order_id = $"rule-{i}", category = "母婴", amount = 620.5 },
            });
            response.EnsureSuccessStatusCode();
            var customerId = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["results"]![0]!["customer_id"]!.GetValue<long>();
            var grain = grains.GetGrain<IPartitionGrain>(PartitionDispatcher.GrainKey(1, Partitioning.Of(customerId, partitions)));
            while ((await grain.Get(customerId))?.Tags.Any(t => t.TagId == tag.Id) != true)
            {
                if (Stopwatch.GetElapsedTime(started) > TimeSpan.FromSeconds(10))
                {
                    throw new TimeoutException($"Rule tag never reached customer {customerId}.");
                }
                await Task.Delay(1);
            }
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            await Task.Delay(10);
        }
        await stop.CancelAsync();
        var sent = await background;
        latencies.Sort();
        Console.WriteLine($"rule tag visible: p50 {Percentile(latencies, 0.5):F1} ms, p90 {Percentile(latencies, 0.9):F1} ms, p99 {Percentile(latencies, 0.99):F1} ms, max {latencies[^1]:F1} ms " +
            $"(POST of the matching order → tag on the profile; {sent:N0} background events meanwhile)");
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

    /// <summary>Page views from 5,000 customers in 20-event batches at the given rate, until cancelled.</summary>
    private static async Task<int> BackgroundAsync(HttpClient client, int rate, CancellationToken stop)
    {
        const int perBatch = 20;
        var interval = TimeSpan.FromSeconds(perBatch / (double)Math.Max(rate, 1));
        var sw = Stopwatch.StartNew();
        var next = TimeSpan.Zero;
        var n = 0;
        var pending = new List<Task>();
        while (!stop.IsCancellationRequested && rate > 0)
        {
            var batch = Enumerable.Range(n, perBatch).Select(k => new
            {
                type = "page.viewed", identifiers = new { phone = $"1370000{k % 5000:D4}" }, properties = new { page = "/home", seq = k },
            }).ToArray();
            n += perBatch;
            pending.Add(client.PostAsJsonAsync("/api/v1/events", batch, CancellationToken.None));
            next += interval;
            var wait = next - sw.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, stop);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
        await Task.WhenAll(pending);
        return n;
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    }
}
