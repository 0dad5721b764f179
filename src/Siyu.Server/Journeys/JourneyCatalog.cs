using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Journeys;
using Siyu.Server.Data;

namespace Siyu.Server.Journeys;

/// <summary>
/// Parsed journey definitions for the partitions: the active journeys of each tenant (current version) and any
/// version a running customer is still on. Read synchronously from grain code, so loads are synchronous and cached.
/// </summary>
public sealed class JourneyCatalog(IDbContextFactory<SiyuDb> dbs, Audiences.ConditionCatalogs conditions, Cluster.ClusterCaches cluster)
{
    private readonly ConcurrentDictionary<int, IReadOnlyList<(JourneyDefinition Definition, long SinceTicks)>> _active = new();
    private readonly ConcurrentDictionary<(int Tenant, long Journey, int Version), JourneyDefinition?> _versions = new();
    private long _changes;

    /// <summary>Goes up whenever a journey is published, activated or paused, so partitions know to look again.</summary>
    public long Changes => Interlocked.Read(ref _changes);

    /// <summary>Active journeys (current version) with the moment they were last switched on or published.</summary>
    public IReadOnlyList<(JourneyDefinition Definition, long SinceTicks)> Active(int tenantId) => _active.GetOrAdd(tenantId, LoadActive);

    public JourneyDefinition? Get(int tenantId, long journeyId, int version) => _versions.GetOrAdd((tenantId, journeyId, version), Load);

    public void Invalidate(int tenantId) => cluster.Changed(Cluster.ClusterCaches.Journeys, tenantId);

    /// <summary>Drops this node's copy (null: every tenant's); <see cref="Invalidate"/> does it on every node.</summary>
    internal void DropLocal(int? tenantId)
    {
        if (tenantId is { } t)
        {
            _active.TryRemove(t, out _);
        }
        else
        {
            _active.Clear();
        }
        Interlocked.Increment(ref _changes);
    }

    private IReadOnlyList<(JourneyDefinition Definition, long SinceTicks)> LoadActive(int tenantId)
    {
        using var db = dbs.CreateDbContext();
        var active = db.Journeys.AsNoTracking().Where(j => j.TenantId == tenantId && j.Status == "active")
            .Select(j => new { j.Id, j.CurrentVersion, j.UpdatedAtTicks }).ToList();
        return [.. active.Select(j => (Definition: Get(tenantId, j.Id, j.CurrentVersion), j.UpdatedAtTicks)).Where(j => j.Definition is not null).Select(j => (j.Definition!, j.UpdatedAtTicks))];
    }

    private JourneyDefinition? Load((int Tenant, long Journey, int Version) key)
    {
        using var db = dbs.CreateDbContext();
        var row = db.JourneyVersions.AsNoTracking().FirstOrDefault(v => v.TenantId == key.Tenant && v.JourneyId == key.Journey && v.Version == key.Version);
        // A version that no longer parses (a tag it names was deleted) stops: its customers are exited by the partition.
        return row is null ? null : JourneyParser.Parse(row.Definition, conditions.Get(key.Tenant).Catalog, key.Journey, key.Version).Definition;
    }
}
