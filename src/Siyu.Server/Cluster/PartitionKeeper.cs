using Siyu.Server.Partitions;
using Siyu.Server.Tenants;

namespace Siyu.Server.Cluster;

/// <summary>
/// Keeps every partition active somewhere (a cluster singleton). Partitions hold journey timers and rule schedules in
/// memory; when their silo dies nothing would call them until the next event, so the keeper touches each one every
/// few seconds and a lost partition comes back (from its snapshot and the log tail) on a surviving silo.
/// </summary>
public sealed partial class PartitionKeeper(IGrainFactory grains, TenantDirectory tenants, ClusterSettings settings, IClusterMembershipService membership,
    TimeProvider time, ILogger<PartitionKeeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var every = TimeSpan.FromSeconds(settings.KeeperSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            foreach (var tenant in tenants.All())
            {
                var touches = Enumerable.Range(0, tenant.Partitions).Select(async p =>
                {
                    try
                    {
                        return await grains.GetGrain<IPartitionGrain>(PartitionDispatcher.GrainKey(tenant.Id, p)).Stats().WaitAsync(every * 5, stoppingToken);
                    }
                    catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                    {
                        LogTouchFailed(logger, e, tenant.Id, p);
                        return null;
                    }
                });
                await RebalanceAsync(tenant.Id, await Task.WhenAll(touches));
            }
            try
            {
                await Task.Delay(every, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>
    /// Moves one partition that is not where placement would put it now (a silo joined, or came back): one per round,
    /// so a join moves partitions over a few seconds rather than pausing all of them at once.
    /// </summary>
    private async Task RebalanceAsync(int tenantId, PartitionStats?[] stats)
    {
        var active = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress).ToList();
        for (var p = 0; p < stats.Length; p++)
        {
            var key = PartitionDispatcher.GrainKey(tenantId, p);
            if (stats[p] is { } s && PartitionPlacementDirector.PreferredSilo(key, active) is { } preferred && s.Silo != preferred.ToString())
            {
                LogRelocating(logger, tenantId, p, s.Silo, preferred.ToString());
                await grains.GetGrain<IPartitionGrain>(key).Relocate(preferred);
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Moving partition {Tenant}/{Partition} from {From} to {To}")]
    private static partial void LogRelocating(ILogger logger, int tenant, int partition, string from, string to);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {Tenant}/{Partition} did not answer the keeper; retrying")]
    private static partial void LogTouchFailed(ILogger logger, Exception e, int tenant, int partition);
}
