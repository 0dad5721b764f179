using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Siyu.Server.Auth;
using Siyu.Server.Data;
using Siyu.Server.Demo;
using Siyu.Server.Tenants;

namespace Siyu.Server.Conversations;

/// <summary>
/// Demo mode's stand-in for the archive SDK sidecar: pulls the simulator's archive from the stored seq cursor and
/// posts every page to Siyu's own ingestion API over real HTTP with an <c>archive:write</c> key, then moves the cursor,
/// exactly as a production sidecar would (at-least-once: a crash between post and cursor re-posts, msgid dedupes).
/// </summary>
public sealed partial class DemoArchivePuller(
    SiyuOptions options, EmbeddedWeComSimulator simulator, IDbContextFactory<SiyuDb> dbs, IHttpClientFactory httpClients, IServer server,
    IHostApplicationLifetime lifetime, TimeProvider time, ILogger<DemoArchivePuller> logger) : BackgroundService
{
    public const string HttpClientName = "archive-sidecar";
    private const string KeyName = "demo archive sidecar";
    private const int PageSize = 200;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Demo || simulator.BaseAddress is not { } simAddress)
        {
            return;
        }
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }
        var self = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (self is null)
        {
            return; // an in-memory test server: nothing to call over HTTP
        }
        var baseAddress = new Uri(self.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/");
        try
        {
            var secret = await PrepareAsync(stoppingToken);
            if (secret is null)
            {
                return;
            }
            var siyu = httpClients.CreateClient(HttpClientName);
            siyu.BaseAddress = baseAddress;
            siyu.DefaultRequestHeaders.Add("X-Api-Key", secret);
            var sim = httpClients.CreateClient(HttpClientName);
            sim.BaseAddress = simAddress;
            // msgaudit_notify comes at most every 15 s; the demo polls on the same rhythm.
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(15), time);
            do
            {
                await PullAsync(siyu, sim, stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (Exception e) when (e is HttpRequestException or InvalidOperationException or System.Text.Json.JsonException)
        {
            LogFailed(logger, e);
        }
    }

    private async Task PullAsync(HttpClient siyu, HttpClient sim, CancellationToken ct)
    {
        var cursor = (await siyu.GetFromJsonAsync<JsonObject>("api/v1/archive/cursor", ct))?["cursor"]?.GetValue<long>() ?? 0;
        while (true)
        {
            var page = await sim.GetFromJsonAsync<JsonObject>($"sim/archive/chatdata?seq={cursor}&limit={PageSize}", ct);
            if (page?["chatdata"] is not JsonArray { Count: > 0 } chatdata)
            {
                return;
            }
            var posted = await siyu.PostAsJsonAsync("api/v1/archive/messages", new JsonObject { ["items"] = chatdata.DeepClone() }, ct);
            posted.EnsureSuccessStatusCode();
            cursor = chatdata.Max(r => r!["seq"]!.GetValue<long>());
            (await siyu.PutAsJsonAsync("api/v1/archive/cursor", new { cursor }, ct)).EnsureSuccessStatusCode();
            LogPulled(logger, chatdata.Count, cursor);
        }
    }

    /// <summary>Waits for the demo seeder to have started its customers (it seeds only an empty log), then makes this run's key.</summary>
    private async Task<string?> PrepareAsync(CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var tenant = await db.Tenants.AsNoTracking().FirstOrDefaultAsync(t => t.Slug == options.DemoTenantSlug, ct);
        if (tenant is null)
        {
            return null;
        }
        for (var i = 0; i < 240 && !await db.Events.AnyAsync(e => e.TenantId == tenant.Id, ct); i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), time, ct);
        }
        // The secret is shown once and only its hash is kept, so each start revokes the last run's key and makes a new one.
        var now = time.GetUtcNow().UtcTicks;
        await db.ApiKeys.Where(k => k.TenantId == tenant.Id && k.Name == KeyName && k.RevokedAtTicks == null)
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAtTicks, now), ct);
        var (row, secret) = ApiKeys.Create(tenant.Id, KeyName, now, ApiScopes.ArchiveWrite, now + TimeSpan.FromDays(30).Ticks);
        db.ApiKeys.Add(row);
        await db.SaveChangesAsync(ct);
        return secret;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo archive sidecar ingested {Count} messages up to seq {Cursor}")]
    private static partial void LogPulled(ILogger logger, int count, long cursor);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Demo archive sidecar stopped")]
    private static partial void LogFailed(ILogger logger, Exception e);
}
