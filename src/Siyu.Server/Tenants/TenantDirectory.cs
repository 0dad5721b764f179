using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Siyu.Server.Data;

namespace Siyu.Server.Tenants;

/// <summary>Cached tenant facts that hot paths need (partition count, slug).</summary>
public sealed class TenantDirectory(IDbContextFactory<SiyuDb> dbFactory)
{
    private readonly ConcurrentDictionary<int, Tenant> _byId = new();

    public Tenant Get(int tenantId) => _byId.GetOrAdd(tenantId, id =>
    {
        using var db = dbFactory.CreateDbContext();
        return db.Tenants.AsNoTracking().Single(t => t.Id == id);
    });

    public int Partitions(int tenantId) => Get(tenantId).Partitions;

    private readonly ConcurrentDictionary<string, int> _bySlug = new(StringComparer.Ordinal);

    /// <summary>The tenant id for a slug (as in callback URLs); null when there is no such tenant.</summary>
    public int? BySlug(string slug)
    {
        if (_bySlug.TryGetValue(slug, out var id))
        {
            return id;
        }
        using var db = dbFactory.CreateDbContext();
        var tenant = db.Tenants.AsNoTracking().FirstOrDefault(t => t.Slug == slug);
        if (tenant is null)
        {
            return null;
        }
        _byId[tenant.Id] = tenant;
        return _bySlug[slug] = tenant.Id;
    }

    public TimeZoneInfo Zone(int tenantId) => TimeZoneInfo.FindSystemTimeZoneById(Get(tenantId).TimeZone);

    /// <summary>The tenant's local day number now; every partition of one query uses the same one.</summary>
    public int Today(int tenantId, TimeProvider time) => Core.Audiences.Conditions.TenantClock.Today(time.GetUtcNow(), Zone(tenantId));

    public IReadOnlyList<Tenant> All()
    {
        using var db = dbFactory.CreateDbContext();
        var tenants = db.Tenants.AsNoTracking().ToList();
        foreach (var t in tenants)
        {
            _byId[t.Id] = t;
        }
        return tenants;
    }
}
