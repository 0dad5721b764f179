using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Audiences.Conditions;
using Siyu.Core.Tags;
using Siyu.Server.Data;
using Siyu.Server.Tags;

namespace Siyu.Server.Audiences;

/// <summary>A tenant's catalog for parsing conditions, with a version that changes whenever tags or audiences do.</summary>
public sealed record TenantCatalog(ConditionCatalog Catalog, long Version, IReadOnlyList<(long TagId, string Rule)> Rules, KeywordTags? Keywords = null);

/// <summary>
/// Builds the condition catalog of a tenant from its tags and saved audiences, cached until either changes.
/// Partition grains key their parsed-condition caches on <see cref="TenantCatalog.Version"/>.
/// </summary>
public sealed class ConditionCatalogs(IDbContextFactory<SiyuDb> dbs, TagCatalog tags, Cluster.ClusterCaches cluster)
{
    private readonly ConcurrentDictionary<int, TenantCatalog> _cache = new();
    private long _version;

    public TenantCatalog Get(int tenantId) => _cache.GetOrAdd(tenantId, Build);

    public void Invalidate(int tenantId) => cluster.Changed(Cluster.ClusterCaches.Conditions, tenantId);

    /// <summary>Drops this node's copy (null: every tenant's); <see cref="Invalidate"/> does it on every node.</summary>
    internal void DropLocal(int? tenantId)
    {
        Interlocked.Increment(ref _version);
        if (tenantId is { } t)
        {
            _cache.TryRemove(t, out _);
        }
        else
        {
            _cache.Clear();
        }
    }

    private TenantCatalog Build(int tenantId)
    {
        var version = Interlocked.Read(ref _version);
        using var db = dbs.CreateDbContext();
        var audiences = db.Audiences.AsNoTracking().Where(a => a.TenantId == tenantId && a.DeletedAtTicks == null)
            .Select(a => new { a.Id, a.Condition }).ToDictionary(a => a.Id, a => a.Condition);
        var rules = db.Tags.AsNoTracking().Where(t => t.TenantId == tenantId && t.DeletedAtTicks == null && t.Kind == TagSource.Rule && t.Rule != null)
            .Select(t => new { t.Id, t.Rule }).ToList();
        var tagInfos = tags.Groups(tenantId).SelectMany(g => g.Tags)
            .ToDictionary(t => t.Id, t => new Core.Audiences.Conditions.TagInfo(t.Id, t.Name, t.Kind == TagSource.Rule));
        var catalog = new ConditionCatalog { Tags = tagInfos, Audiences = audiences, Scores = [.. ScoreNames.All], Stores = Stores.StoreService.CatalogStores(db, tenantId) };
        var keywords = db.Tags.AsNoTracking().Where(t => t.TenantId == tenantId && t.DeletedAtTicks == null && t.Kind == TagSource.Keyword && t.Keywords != null)
            .Select(t => new { t.Id, t.Keywords }).ToList();
        return new TenantCatalog(catalog, version, [.. rules.Select(r => (r.Id, r.Rule!))], KeywordTags.Compile(keywords.Select(k => (k.Id, k.Keywords!))));
    }
}
