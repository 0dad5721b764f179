using Siyu.Server.Tenants;

namespace Siyu.Server.Partitions;

/// <summary>Activates every partition at start so the first console page does not pay for log replay.</summary>
public sealed class PartitionWarmup(IGrainFactory grains, TenantDirectory tenants, IHostApplicationLifetime lifetime) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using var _ = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken);
        foreach (var tenant in tenants.All())
        {
            await Task.WhenAll(Enumerable.Range(0, tenant.Partitions)
                .Select(p => grains.GetGrain<IPartitionGrain>(PartitionDispatcher.GrainKey(tenant.Id, p)).Stats()));
        }
    }
}
