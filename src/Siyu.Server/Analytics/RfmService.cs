using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Analytics;
using Siyu.Server.Data;
using Siyu.Server.Partitions;

namespace Siyu.Server.Analytics;

/// <summary>A tenant's RFM layering now: when it was computed, from how many customers, and how they fall.</summary>
public sealed record RfmView(
    DateTimeOffset? ComputedAt, int Scored, int Customers, RfmCuts Cuts, IReadOnlyList<RfmSegmentView> Segments,
    IReadOnlyList<int> RScores, IReadOnlyList<int> FScores, IReadOnlyList<int> MScores);

public sealed record RfmSegmentView(string Segment, bool RHigh, bool FHigh, bool MHigh, int Customers, decimal NetSpend);

/// <summary>
/// RFM scores as profile scores (<c>rfm_r</c>, <c>rfm_f</c>, <c>rfm_m</c>, and <c>rfm</c> = their mean) usable in
/// audiences and journeys. A run gathers every partition's values, finds the tenant's quintile cut points
/// (<see cref="RfmCuts"/>) and stores them; each partition then scores its customers with them — all at once after a
/// run, at activation, at local midnight (recency moves on), and one customer whenever their order arrives. Runs happen
/// daily (<see cref="RfmScheduler"/>) and on request.
/// </summary>
public sealed class RfmService(IDbContextFactory<SiyuDb> dbs, IGrainFactory grains, Tenants.TenantDirectory tenants, TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ConcurrentDictionary<int, (RfmCuts Cuts, int AsOfDay, long ComputedAtTicks)> _cache = new();

    /// <summary>The cut points partitions score with (synchronous: partitions call it from their turn).</summary>
    public RfmCuts Cuts(int tenantId) => Load(tenantId).Cuts;

    private (RfmCuts Cuts, int AsOfDay, long ComputedAtTicks) Load(int tenantId) => _cache.GetOrAdd(tenantId, id =>
    {
        using var db = dbs.CreateDbContext();
        var row = db.RfmRuns.AsNoTracking().FirstOrDefault(r => r.TenantId == id);
        return row is null ? (RfmCuts.Empty, 0, 0) : (JsonSerializer.Deserialize<RfmCuts>(row.Cuts, Json) ?? RfmCuts.Empty, row.AsOfDay, row.ComputedAtTicks);
    });

    /// <summary>The local day the last run counted recency to (0 = never run).</summary>
    public int LastRunDay(int tenantId) => Load(tenantId).AsOfDay;

    public async Task<RfmView> RefreshAsync(int tenantId)
    {
        var today = tenants.Today(tenantId, time);
        var partitions = Enumerable.Range(0, tenants.Partitions(tenantId)).Select(p => grains.GetGrain<IPartitionGrain>(PartitionDispatcher.GrainKey(tenantId, p))).ToList();
        var samples = await Task.WhenAll(partitions.Select(p => p.RfmValues(today)));
        var all = new RfmValues[samples.Sum(s => s.Recency.Length)];
        var k = 0;
        foreach (var s in samples)
        {
            for (var i = 0; i < s.Recency.Length; i++)
            {
                all[k++] = new RfmValues(s.Recency[i], s.Frequency[i], s.Monetary[i]);
            }
        }
        var cuts = RfmCuts.Compute(all);
        var now = time.GetUtcNow().UtcTicks;
        await using (var db = await dbs.CreateDbContextAsync())
        {
            var row = await db.RfmRuns.FirstOrDefaultAsync(r => r.TenantId == tenantId);
            if (row is null)
            {
                db.RfmRuns.Add(row = new RfmRunRow { TenantId = tenantId, Cuts = "" });
            }
            (row.Cuts, row.Scored, row.AsOfDay, row.ComputedAtTicks) = (JsonSerializer.Serialize(cuts, Json), cuts.Scored, today, now);
            await db.SaveChangesAsync();
        }
        _cache[tenantId] = (cuts, today, now);
        await Task.WhenAll(partitions.Select(p => p.ApplyRfm()));
        return await ViewAsync(tenantId);
    }

    /// <summary>The audience condition of a layer: each of R, F, M at ≥ 3 (high) or 1–2 (low); 无购买客户 = scored 0.</summary>
    public static string SegmentCondition(string segment)
    {
        object Score(string name, bool high) => new { type = "score", name, op = high ? "gte" : "between", value = high ? (object)Rfm.HighScore : new[] { 1, Rfm.HighScore - 1 } };
        object root = segment == Rfm.NoPurchase
            ? new { type = "score", name = Core.Audiences.Conditions.ScoreNames.RfmR, op = "eq", value = 0 }
            : Rfm.Highs(segment) is var (r, f, m)
                ? new { type = "all", children = new[] { Score(Core.Audiences.Conditions.ScoreNames.RfmR, r), Score(Core.Audiences.Conditions.ScoreNames.RfmF, f), Score(Core.Audiences.Conditions.ScoreNames.RfmM, m) } }
                : throw new ArgumentException(segment);
        return JsonSerializer.Serialize(new { version = 1, root });
    }

    public async Task<RfmView> ViewAsync(int tenantId)
    {
        var (cuts, _, computed) = Load(tenantId);
        var parts = await Task.WhenAll(Enumerable.Range(0, tenants.Partitions(tenantId))
            .Select(p => grains.GetGrain<IPartitionGrain>(PartitionDispatcher.GrainKey(tenantId, p)).RfmDistribution()));
        int[] r = new int[6], f = new int[6], m = new int[6];
        var segments = new Dictionary<string, (int Customers, decimal Spend)>();
        var customers = 0;
        foreach (var d in parts)
        {
            customers += d.Customers;
            for (var i = 0; i < 6; i++)
            {
                (r[i], f[i], m[i]) = (r[i] + d.R[i], f[i] + d.F[i], m[i] + d.M[i]);
            }
            for (var i = 0; i < d.Segments.Length; i++)
            {
                var (c, spend) = segments.GetValueOrDefault(d.Segments[i]);
                segments[d.Segments[i]] = (c + d.SegmentCustomers[i], spend + d.SegmentSpend[i]);
            }
        }
        var views = Rfm.SegmentNames.Select(name =>
        {
            var (rh, fh, mh) = Rfm.Highs(name);
            var (c, spend) = segments.GetValueOrDefault(name);
            return new RfmSegmentView(name, rh, fh, mh, c, spend);
        }).ToList();
        var none = segments.GetValueOrDefault(Rfm.NoPurchase);
        views.Add(new RfmSegmentView(Rfm.NoPurchase, false, false, false, none.Customers, none.Spend));
        return new RfmView(computed > 0 ? new DateTimeOffset(computed, TimeSpan.Zero) : null, cuts.Scored, customers, cuts, views, r[1..], f[1..], m[1..]);
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
