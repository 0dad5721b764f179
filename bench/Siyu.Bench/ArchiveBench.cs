using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Siyu.Server;
using Siyu.Server.Auth;
using Siyu.Server.Data;

namespace Siyu.Bench;

/// <summary>
/// `archive`: session archive ingestion as a sidecar drives it — sequential batches over HTTP to
/// POST /api/v1/archive/messages, each durable (messages, encrypted contents, n-gram terms, customer events) before
/// its 202 — in messages/s; then tenant-wide search latency for a two-character Chinese word over what was stored.
/// </summary>
public static class ArchiveBench
{
    private static readonly string[] Lines =
    [
        "你好，请问这款面霜现在什么价格？", "我上周买的衣服尺码不对，想申请退款", "快递已经一周了还没到，我要投诉",
        "店庆活动明天开始，全场八折，您之前看的那款包包也参加哦", "请问会员积分怎么兑换？", "已经帮您提交退款申请，预计3个工作日到账。",
        "有没有适合敏感肌的护肤品推荐", "双十一当天全场满300减50", "好的，那我考虑一下", "非常抱歉！我马上帮您查一下物流。",
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        var total = Arg(args, "--messages", 20_000);
        var batch = Arg(args, "--batch", 500);
        var customers = Arg(args, "--customers", 500);
        var data = Path.Combine(Path.GetTempPath(), "siyu-bench", Guid.NewGuid().ToString("N"));
        var builder = WebApplication.CreateBuilder([
            "--urls=http://127.0.0.1:0", $"--Siyu:DataDirectory={data}", "--Siyu:Demo=false", "--Siyu:DemoApiKey=sk_bench_key_000000000",
            "--Siyu:AdminPassword=bench", "--Logging:LogLevel:Default=Warning",
        ]);
        builder.AddSiyu();
        await using var app = builder.Build();
        app.UseSiyu();
        await app.StartAsync();
        var baseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        string secret;
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<SiyuDb>>().CreateDbContextAsync())
        {
            var (row, s) = ApiKeys.Create(1, "bench sidecar", DateTimeOffset.UtcNow.UtcTicks, ApiScopes.ArchiveWrite + " " + ApiScopes.Read);
            db.ApiKeys.Add(row);
            await db.SaveChangesAsync();
            secret = s;
        }
        using var client = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(5) };
        client.DefaultRequestHeaders.Add("X-Api-Key", secret);
        Console.WriteLine($"Siyu archive ingestion benchmark — {Environment.ProcessorCount} cores, {total:N0} messages in batches of {batch} over HTTP, {customers} customers");

        var random = new Random(42);
        var start = DateTimeOffset.UtcNow.AddDays(-10).ToUnixTimeMilliseconds();
        var batches = new List<JsonObject>();
        for (var i = 0; i < total; i += batch)
        {
            var items = new JsonArray();
            for (var j = i; j < Math.Min(total, i + batch); j++)
            {
                var customer = $"wmBench{j % customers:D6}";
                var staff = $"staff{j % customers % 20}";
                var fromCustomer = random.Next(2) == 0;
                var kind = random.Next(10) switch { 0 => "image", 1 => "link", _ => "text" };
                var message = new JsonObject
                {
                    ["msgid"] = $"bench-{j}", ["action"] = "send", ["from"] = fromCustomer ? customer : staff, ["tolist"] = new JsonArray(fromCustomer ? staff : customer),
                    ["roomid"] = "", ["msgtime"] = start + j * 1000L, ["msgtype"] = kind,
                    [kind] = kind switch
                    {
                        "image" => new JsonObject { ["md5sum"] = "x", ["filesize"] = 100, ["sdkfileid"] = "f" + j },
                        "link" => new JsonObject { ["title"] = "新品上市", ["description"] = Lines[j % Lines.Length], ["link_url"] = "https://x.example" },
                        _ => new JsonObject { ["content"] = Lines[random.Next(Lines.Length)] + " #" + j },
                    },
                };
                items.Add(new JsonObject { ["seq"] = j + 1, ["msgid"] = $"bench-{j}", ["message"] = message });
            }
            batches.Add(new JsonObject { ["items"] = items });
        }

        var started = Stopwatch.GetTimestamp();
        foreach (var body in batches)
        {
            var response = await client.PostAsJsonAsync("/api/v1/archive/messages", body);
            response.EnsureSuccessStatusCode();
        }
        var elapsed = Stopwatch.GetElapsedTime(started);
        Console.WriteLine($"archive ingestion: {total / elapsed.TotalSeconds:N0} messages/s ({total:N0} in {elapsed.TotalSeconds:F1} s, durable before each 202)");

        var again = Stopwatch.GetTimestamp();
        foreach (var body in batches.Take(4))
        {
            (await client.PostAsJsonAsync("/api/v1/archive/messages", body)).EnsureSuccessStatusCode();
        }
        var replayed = Math.Min(total, 4 * batch);
        Console.WriteLine($"re-posted (all duplicates): {replayed / Stopwatch.GetElapsedTime(again).TotalSeconds:N0} messages/s");

        var latencies = new List<double>();
        var hits = 0;
        foreach (var q in Enumerable.Repeat(new[] { "退款", "价格", "投诉", "物流", "积分" }, 10).SelectMany(x => x))
        {
            var t = Stopwatch.GetTimestamp();
            var page = await client.GetFromJsonAsync<JsonObject>("/api/v1/conversations/search?limit=50&q=" + Uri.EscapeDataString(q));
            latencies.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            hits += page!["items"]!.AsArray().Count;
        }
        latencies.Sort();
        Console.WriteLine($"tenant search (50 newest hits of a 2-character word): p50 {latencies[latencies.Count / 2]:F1} ms, max {latencies[^1]:F1} ms ({hits} hits over {latencies.Count} queries)");
        await app.StopAsync();
        try
        {
            Directory.Delete(data, recursive: true);
        }
        catch (IOException)
        {
        }
        return 0;
    }

    private static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;
    }
}
