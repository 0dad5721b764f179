using Microsoft.EntityFrameworkCore;
using Siyu.Core.Access;
using Siyu.Server.Auth;
using Siyu.Server.Data;
using Siyu.Server.Partitions;
using Siyu.Server.Tenants;

namespace Siyu.Server.Cluster;

/// <summary>What an operator asks of a cluster: which nodes are in it, where each partition lives, who runs the singletons.</summary>
public static class ClusterApi
{
    public sealed record Member(string Address, string Status, string SiloName, string HostName, DateTimeOffset StartedAt, DateTimeOffset AliveAt);

    public sealed record PartitionPlace(int Partition, string Silo, int Customers, long LastSeq);

    public sealed record Job(string Name, string? Holder);

    public sealed record ClusterView(bool Enabled, string ThisNode, string? EventLogWriter, IReadOnlyList<Member> Members, IReadOnlyList<PartitionPlace> Partitions, IReadOnlyList<Job> Singletons);

    private const string Unavailable = "unavailable";

    private static async Task<T?> OrNull<T>(Task<T> call) where T : class?
    {
        try
        {
            return await call.WaitAsync(TimeSpan.FromSeconds(3));
        }
        catch (Exception e) when (e is TimeoutException or OrleansException)
        {
            return null;
        }
    }

    public static void MapClusterApi(RouteGroupBuilder api) =>
        api.MapGet("/cluster", GetAsync).WithName("Cluster").WithTags("Operations").Requires(Permission.SettingsWrite)
            .WithSummary("Cluster members, partition placement and singleton holders");

    private static async Task<IResult> GetAsync(HttpContext http, IGrainFactory grains, IDbContextFactory<SiyuDb> dbs, ClusterSettings settings,
        TenantDirectory tenants, Orleans.Runtime.ILocalSiloDetails silo, IEnumerable<ClusterJob> singletons)
    {
        var tenantId = http.User.TenantId();
        await using var db = await dbs.CreateDbContextAsync();
        var rows = settings.Enabled ? await db.ClusterMembers.AsNoTracking().Where(m => m.ClusterId == settings.ClusterId).ToListAsync() : [];
        var members = rows
            .OrderByDescending(r => r.StartTimeTicks)
            .Select(r => new Member(SiloAddress.New(System.Net.IPAddress.Parse(r.Address), r.Port, r.Generation).ToString(), ((SiloStatus)r.Status).ToString(), r.SiloName, r.HostName,
                new DateTimeOffset(r.StartTimeTicks, TimeSpan.Zero), new DateTimeOffset(r.IAmAliveTicks, TimeSpan.Zero)))
            .ToList();
        // While a dead silo is not yet voted out, calls to what it hosted hang: the view says "unavailable" instead of waiting.
        var stats = await Task.WhenAll(Enumerable.Range(0, tenants.Partitions(tenantId))
            .Select(p => OrNull(grains.GetGrain<IPartitionGrain>(PartitionDispatcher.GrainKey(tenantId, p)).Stats())));
        var partitions = stats.Select((s, p) => new PartitionPlace(p, s?.Silo ?? Unavailable, s?.Customers ?? 0, s?.LastSeq ?? 0)).ToList();
        var jobs = new List<Job>();
        foreach (var name in singletons.Select(j => j.Name))
        {
            jobs.Add(new Job(name, settings.Enabled ? await OrNull(grains.GetGrain<ILeaseGrain>(name).Holder()) : silo.SiloAddress.ToString()));
        }
        var writer = settings.Enabled ? await OrNull(grains.GetGrain<IEventLogGrain>(0).Where()) ?? Unavailable : silo.SiloAddress.ToString();
        return TypedResults.Ok(new ClusterView(settings.Enabled, silo.SiloAddress.ToString(), writer, members, partitions, jobs));
    }
}
