namespace Siyu.Server.Cluster;

/// <summary>
/// Keeps per-node caches (journey definitions, tag and condition catalogs, delivery settings) in step across a cluster:
/// a node that changes something invalidates its own cache and publishes the change; every node polls the changes
/// each second and drops the same entries. On a single node it only calls the local invalidation.
/// </summary>
public sealed partial class ClusterCaches(IServiceProvider services, IGrainFactory grains, ClusterSettings settings, ILogger<ClusterCaches> logger)
{
    public const string Journeys = "journeys", Tags = "tags", Conditions = "conditions", Delivery = "delivery";

    /// <summary>Drops the tenant's entries of the named cache here and, in a cluster, on every other node.</summary>
    public void Changed(string name, int tenantId)
    {
        Drop(name, tenantId);
        if (settings.Enabled)
        {
            _ = PublishAsync(name, tenantId);
        }
    }

    /// <summary>Drops one tenant's entries (or, for null, all) of the named cache on this node only.</summary>
    internal void Drop(string name, int? tenantId)
    {
        switch (name)
        {
            case Journeys: services.GetRequiredService<Journeys.JourneyCatalog>().DropLocal(tenantId); break;
            case Tags: services.GetRequiredService<Tags.TagCatalog>().DropLocal(tenantId); break;
            case Conditions: services.GetRequiredService<Audiences.ConditionCatalogs>().DropLocal(tenantId); break;
            case Delivery: services.GetRequiredService<Delivery.DeliverySettingsStore>().DropLocal(tenantId); break;
        }
    }

    internal void DropAll()
    {
        foreach (var name in new[] { Journeys, Tags, Conditions, Delivery })
        {
            Drop(name, null);
        }
    }

    private async Task PublishAsync(string name, int tenantId)
    {
        try
        {
            await grains.GetGrain<ICacheBusGrain>(0).Publish(name, tenantId);
        }
        catch (Exception e)
        {
            // The other nodes' caches stay stale until their next full drop (a new bus after a silo loss drops all).
            LogPublishFailed(logger, e, name, tenantId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not tell the cluster that cache {Cache} of tenant {Tenant} changed")]
    private static partial void LogPublishFailed(ILogger logger, Exception e, string cache, int tenant);
}

/// <summary>The cluster's recent cache changes, in order. Held in memory: a new activation starts a new epoch, and nodes then drop everything.</summary>
public interface ICacheBusGrain : IGrainWithIntegerKey
{
    Task Publish(string cache, int tenantId);

    Task<CacheChanges> Since(string epoch, long version);
}

[GenerateSerializer, Immutable]
public sealed record CacheChanges(
    [property: Id(0)] string Epoch,
    [property: Id(1)] long Version,
    [property: Id(2)] bool DropAll,
    [property: Id(3)] string[] Caches,
    [property: Id(4)] int[] Tenants);

public sealed class CacheBusGrain : Grain, ICacheBusGrain
{
    private const int Keep = 10_000;
    private readonly string _epoch = Guid.NewGuid().ToString("N");
    private readonly LinkedList<(long Version, string Cache, int Tenant)> _changes = new();
    private long _version;

    public Task Publish(string cache, int tenantId)
    {
        _changes.AddLast((++_version, cache, tenantId));
        if (_changes.Count > Keep)
        {
            _changes.RemoveFirst();
        }
        return Task.CompletedTask;
    }

    public Task<CacheChanges> Since(string epoch, long version)
    {
        var oldest = _changes.First?.Value.Version ?? _version + 1;
        // Another epoch (this bus is new) or changes already forgotten: the caller cannot know what it missed.
        if (epoch != _epoch || version + 1 < oldest && version < _version)
        {
            return Task.FromResult(new CacheChanges(_epoch, _version, true, [], []));
        }
        var newer = _changes.Where(c => c.Version > version).ToList();
        return Task.FromResult(new CacheChanges(_epoch, _version, false, [.. newer.Select(c => c.Cache)], [.. newer.Select(c => c.Tenant)]));
    }
}

/// <summary>Each node's poll of the cache bus (cluster mode only).</summary>
public sealed partial class ClusterCacheSync(IGrainFactory grains, ClusterCaches caches, TimeProvider time, ILogger<ClusterCacheSync> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        string epoch = "";
        long version = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var changes = await grains.GetGrain<ICacheBusGrain>(0).Since(epoch, version).WaitAsync(TimeSpan.FromSeconds(5), stoppingToken);
                if (changes.DropAll)
                {
                    if (epoch.Length > 0)
                    {
                        caches.DropAll();
                    }
                }
                else
                {
                    for (var i = 0; i < changes.Caches.Length; i++)
                    {
                        caches.Drop(changes.Caches[i], changes.Tenants[i]);
                    }
                }
                (epoch, version) = (changes.Epoch, changes.Version);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogPollFailed(logger, e);
            }
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cache bus unreachable; retrying")]
    private static partial void LogPollFailed(ILogger logger, Exception e);
}
