using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Analytics;
using Siyu.Core.Audiences.Conditions;
using Siyu.Server.Data;
using Siyu.Server.Partitions;

namespace Siyu.Server.Analytics;

/// <summary>A tenant's RFM layering now: when it was computed, from how many customers, and how they fall.</summary>
public sealed record RfmView(
    DateTimeOffset? ComputedAt, int Scored, int Customers, RfmMode Mode, RfmCuts Cuts, IReadOnlyList<RfmSegmentView> Segments,
    IReadOnlyList<int> RScores, IReadOnlyList<int> FScores, IReadOnlyList<int> MScores, IReadOnlyList<int> EScores);

/// <summary>
/// A layer: its score ranges [min, max] (null for 无购买客户 and 其他), customers and their net spend, and the audience
/// condition that selects exactly its customers (null for 其他).
/// </summary>
public sealed record RfmSegmentView(string Segment, int[]? R, int[]? F, int[]? M, int Customers, decimal NetSpend, System.Text.Json.Nodes.JsonNode? Condition);

/// <summary>
/// RFM/RFE scores as profile scores (<c>rfm_r</c>, <c>rfm_f</c>, <c>rfm_m</c>, <c>rfe_e</c> and the weighted
/// <c>rfm</c>, <c>rfe</c>) usable in audiences and journeys. A run gathers every partition's values, finds the
/// tenant's quintile cut points (<see cref="RfmCuts"/>; in fixed mode the tenant's own thresholds are the cut points)
/// and the per-category purchase cycles, and stores them; each partition then scores its customers — all at once after
/// a run, at activation, at local midnight (recency moves on), and one customer whenever their order or interaction
/// arrives. Runs happen daily (<see cref="RfmScheduler"/>), on request, and when the settings change.
/// </summary>
public sealed class RfmService(IDbContextFactory<SiyuDb> dbs, IGrainFactory grains, Tenants.TenantDirectory tenants, AnalyticsSettingsStore settings,
    EventStore events, TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ConcurrentDictionary<int, Run> _cache = new();

    private sealed record Run(RfmCuts Cuts, int AsOfDay, long ComputedAtTicks, IReadOnlyDictionary<string, double> Cycles);

    /// <summary>The cut points partitions score with (synchronous: partitions call it from their turn).</summary>
    public RfmCuts Cuts(int tenantId)
    {
        var run = Load(tenantId);
        return settings.Get(tenantId).Rfm is { Mode: RfmMode.Fixed } rfm
            ? RfmCuts.FromFixed(rfm.Fixed, run.Cuts.Scored)
            : run.Cuts;
    }

    /// <summary>Median repurchase days per category as of the last run (empty before it).</summary>
    public IReadOnlyDictionary<string, double> Cycles(int tenantId) => Load(tenantId).Cycles;

    private Run Load(int tenantId) => _cache.GetOrAdd(tenantId, id =>
    {
        using var db = dbs.CreateDbContext();
        var row = db.RfmRuns.AsNoTracking().FirstOrDefault(r => r.TenantId == id);
        return row is null
            ? new Run(RfmCuts.Empty, 0, 0, new Dictionary<string, double>())
            : new Run(JsonSerializer.Deserialize<RfmCuts>(row.Cuts, Json) ?? RfmCuts.Empty, row.AsOfDay, row.ComputedAtTicks,
                (row.Cycles is null ? null : JsonSerializer.Deserialize<Dictionary<string, double>>(row.Cycles, Json)) ?? new Dictionary<string, double>());
    });

    /// <summary>The local day the last run counted recency to (0 = never run).</summary>
    public int LastRunDay(int tenantId) => Load(tenantId).AsOfDay;

    private List<IPartitionGrain> Partitions(int tenantId) =>
        [.. Enumerable.Range(0, tenants.Partitions(tenantId)).Select(p => grains.GetGrain<IPartitionGrain>(PartitionDispatcher.GrainKey(tenantId, p)))];

    public async Task<RfmView> RefreshAsync(int tenantId)
    {
        var today = tenants.Today(tenantId, time);
        var partitions = Partitions(tenantId);
        var samples = await Task.WhenAll(partitions.Select(p => p.RfmValues(today)));
        var all = new RfmValues[samples.Sum(s => s.Recency.Length)];
        var k = 0;
        foreach (var s in samples)
        {
            for (var i = 0; i < s.Recency.Length; i++)
            {
                all[k++] = new RfmValues(s.Recency[i], s.Frequency[i], s.Monetary[i], s.Engagement[i]);
            }
        }
        var cuts = RfmCuts.Compute(all);
        var cycles = AnalyticsApi.ReadPurchaseCycles(events, tenantId, time.GetUtcNow().AddDays(-365)).ToDictionary(c => c.Category, c => c.MedianDays, StringComparer.Ordinal);
        var now = time.GetUtcNow().UtcTicks;
        await using (var db = await dbs.CreateDbContextAsync())
        {
            var row = await db.RfmRuns.FirstOrDefaultAsync(r => r.TenantId == tenantId);
            if (row is null)
            {
                db.RfmRuns.Add(row = new RfmRunRow { TenantId = tenantId, Cuts = "" });
            }
            (row.Cuts, row.Scored, row.AsOfDay, row.ComputedAtTicks, row.Cycles) = (JsonSerializer.Serialize(cuts, Json), cuts.Scored, today, now, JsonSerializer.Serialize(cycles, Json));
            await db.SaveChangesAsync();
        }
        _cache[tenantId] = new Run(cuts, today, now, cycles);
        await Task.WhenAll(partitions.Select(p => p.ApplyRfm()));
        return await ViewAsync(tenantId);
    }

    /// <summary>The audience condition of a layer: R, F and M within the layer's ranges; 无购买客户 = scored 0.</summary>
    public string? SegmentCondition(int tenantId, string segment)
    {
        object Range(string name, int min, int max) => min == max
            ? new { type = "score", name, op = "eq", value = (object)min }
            : new { type = "score", name, op = "between", min = (object)min, max = (object)max };
        if (segment == Rfm.NoPurchase)
        {
            return JsonSerializer.Serialize(new { version = 1, root = Range(ScoreNames.RfmR, 0, 0) });
        }
        // Earlier layers win: the layer's own ranges, and not in any layer listed before it.
        var layers = settings.Get(tenantId).Rfm.Layers;
        var index = Array.FindIndex(layers, l => l.Name == segment);
        if (index < 0)
        {
            return null;
        }
        object Ranges(RfmLayer l) => new
        {
            type = "all",
            children = new[] { Range(ScoreNames.RfmR, l.RMin, l.RMax), Range(ScoreNames.RfmF, l.FMin, l.FMax), Range(ScoreNames.RfmM, l.MMin, l.MMax) },
        };
        var children = new List<object> { Ranges(layers[index]) };
        children.AddRange(layers.Take(index).Select(earlier => (object)new { type = "not", child = Ranges(earlier) }));
        return JsonSerializer.Serialize(new { version = 1, root = new { type = "all", children } });
    }

    private System.Text.Json.Nodes.JsonNode? ConditionNode(int tenantId, string segment) =>
        SegmentCondition(tenantId, segment) is { } json ? System.Text.Json.Nodes.JsonNode.Parse(json) : null;

    public async Task<RfmView> ViewAsync(int tenantId)
    {
        var run = Load(tenantId);
        var rfm = settings.Get(tenantId).Rfm;
        var parts = await Task.WhenAll(Partitions(tenantId).Select(p => p.RfmDistribution()));
        int[] r = new int[6], f = new int[6], m = new int[6], e = new int[6];
        var segments = new Dictionary<string, (int Customers, decimal Spend)>();
        var customers = 0;
        foreach (var d in parts)
        {
            customers += d.Customers;
            for (var i = 0; i < 6; i++)
            {
                (r[i], f[i], m[i], e[i]) = (r[i] + d.R[i], f[i] + d.F[i], m[i] + d.M[i], e[i] + d.E[i]);
            }
            for (var i = 0; i < d.Segments.Length; i++)
            {
                var (c, spend) = segments.GetValueOrDefault(d.Segments[i]);
                segments[d.Segments[i]] = (c + d.SegmentCustomers[i], spend + d.SegmentSpend[i]);
            }
        }
        var views = rfm.Layers.Select(l =>
        {
            var (c, spend) = segments.GetValueOrDefault(l.Name);
            return new RfmSegmentView(l.Name, [l.RMin, l.RMax], [l.FMin, l.FMax], [l.MMin, l.MMax], c, spend, ConditionNode(tenantId, l.Name));
        }).ToList();
        foreach (var name in new[] { Rfm.Unlayered, Rfm.NoPurchase })
        {
            var (c, spend) = segments.GetValueOrDefault(name);
            if (c > 0 || name == Rfm.NoPurchase)
            {
                views.Add(new RfmSegmentView(name, null, null, null, c, spend, ConditionNode(tenantId, name)));
            }
        }
        var cuts = Cuts(tenantId);
        return new RfmView(run.ComputedAtTicks > 0 ? new DateTimeOffset(run.ComputedAtTicks, TimeSpan.Zero) : null, cuts.Scored, customers, rfm.Mode, cuts,
            views, r[1..], f[1..], m[1..], e[1..]);
    }

    /// <summary>Saves new settings and rescores everyone with them (a fresh run: engagement windows may have changed).</summary>
    public async Task<AnalyticsSettings> SaveSettingsAsync(int tenantId, string actor, AnalyticsSettings next)
    {
        var saved = await settings.SaveAsync(tenantId, actor, next);
        await RefreshAsync(tenantId);
        return saved;
    }
}

/// <summary>Runs RFM for every tenant once a (tenant-local) day, shortly after start and after each midnight.</summary>
public sealed partial class RfmScheduler(RfmService rfm, Tenants.TenantDirectory tenants, TimeProvider time, ILogger<RfmScheduler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(20), time, stoppingToken); // let partitions load and demo data arrive
            while (!stoppingToken.IsCancellationRequested)
            {
                foreach (var tenant in tenants.All())
                {
                    if (rfm.LastRunDay(tenant.Id) < tenants.Today(tenant.Id, time))
                    {
                        try
                        {
                            var view = await rfm.RefreshAsync(tenant.Id);
                            LogRan(logger, tenant.Id, view.Scored);
                        }
                        catch (Exception e) when (e is not OperationCanceledException)
                        {
                            LogFailed(logger, e, tenant.Id);
                        }
                    }
                }
                await Task.Delay(TimeSpan.FromMinutes(5), time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "RFM run for tenant {Tenant}: {Scored} customers scored")]
    private static partial void LogRan(ILogger logger, int tenant, int scored);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RFM run for tenant {Tenant} failed; retried in 5 minutes")]
    private static partial void LogFailed(ILogger logger, Exception e, int tenant);
}
