using Microsoft.EntityFrameworkCore;
using Siyu.Server.Data;

namespace Siyu.Server.Tags;

public sealed record TagInfo(long Id, long GroupId, string GroupName, string Name, string Kind, string? Color, string? Description, bool Deleted, string? Rule = null, string? WeComTagId = null, string? Keywords = null);

public sealed record TagGroupInfo(long Id, string Name, int SortOrder, IReadOnlyList<TagInfo> Tags);

/// <summary>
/// Tag definitions per tenant, cached in memory: every customer view and every tag change needs them, and
/// they change rarely. Writers call <see cref="Invalidate"/> after saving.
/// </summary>
public sealed class TagCatalog(IDbContextFactory<SiyuDb> dbs, Cluster.ClusterCaches cluster)
{
    private readonly Dictionary<int, Snapshot> _cache = [];
    private readonly Lock _lock = new();

    private sealed record Snapshot(IReadOnlyList<TagGroupInfo> Groups, IReadOnlyDictionary<long, TagInfo> ById);

    public IReadOnlyList<TagGroupInfo> Groups(int tenantId) => Get(tenantId).Groups;

    /// <summary>A tag by id, deleted ones included (history still names them); null when it never existed in this tenant.</summary>
    public TagInfo? Find(int tenantId, long tagId) => Get(tenantId).ById.GetValueOrDefault(tagId);

    public void Invalidate(int tenantId) => cluster.Changed(Cluster.ClusterCaches.Tags, tenantId);

    /// <summary>Drops this node's copy (null: every tenant's); <see cref="Invalidate"/> does it on every node.</summary>
    internal void DropLocal(int? tenantId)
    {
        lock (_lock)
        {
            if (tenantId is { } t)
            {
                _cache.Remove(t);
            }
            else
            {
                _cache.Clear();
            }
        }
    }

    private Snapshot Get(int tenantId)
    {
        lock (_lock)
        {
            if (_cache.TryGetValue(tenantId, out var cached))
            {
                return cached;
            }
        }
        using var db = dbs.CreateDbContext();
        var groups = db.TagGroups.AsNoTracking().Where(g => g.TenantId == tenantId).ToList();
        var tags = db.Tags.AsNoTracking().Where(t => t.TenantId == tenantId).ToList();
        var groupNames = groups.ToDictionary(g => g.Id, g => g.Name);
        var infos = tags.Select(t => new TagInfo(t.Id, t.GroupId, groupNames.GetValueOrDefault(t.GroupId, ""), t.Name, t.Kind, t.Color, t.Description,
            t.DeletedAtTicks is not null || groups.Any(g => g.Id == t.GroupId && g.DeletedAtTicks is not null), t.Rule, t.WeComTagId, t.Keywords)).ToList();
        var snapshot = new Snapshot(
            [.. groups.Where(g => g.DeletedAtTicks is null).OrderBy(g => g.SortOrder).ThenBy(g => g.Id)
                .Select(g => new TagGroupInfo(g.Id, g.Name, g.SortOrder, [.. infos.Where(t => t.GroupId == g.Id && !t.Deleted).OrderBy(t => t.Id)]))],
            infos.ToDictionary(t => t.Id));
        lock (_lock)
        {
            _cache[tenantId] = snapshot;
        }
        return snapshot;
    }
}
