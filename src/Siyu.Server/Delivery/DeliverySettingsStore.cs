using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Delivery;
using Siyu.Core.Events;
using Siyu.Server.Data;
using Siyu.Server.Compliance;

namespace Siyu.Server.Delivery;

/// <summary>
/// Each tenant's delivery settings (frequency caps, quiet hours, industry rule pack, custom review lists), stored as
/// JSON and compiled once per version; tenants that never saved any get the defaults (Asia/Shanghai, 21:00–08:00
/// quiet hours, general advertising-law pack).
/// </summary>
public sealed class DeliverySettingsStore(IDbContextFactory<SiyuDb> dbs, TimeProvider time, Cluster.ClusterCaches cluster)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ConcurrentDictionary<int, (TenantDeliverySettings Settings, CompiledDeliverySettings Compiled)> _cache = new();
    // Bumped by every change to a tenant's settings or rule packs: a compile that started before a change must not
    // put its stale result back into the cache.
    private readonly ConcurrentDictionary<int, long> _generation = new();

    public static TenantDeliverySettings Defaults(int tenantId) => new() { TenantId = tenantId.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    public async Task<TenantDeliverySettings> GetAsync(int tenantId) => (await GetCompiledAsync(tenantId)).Settings;

    public async Task<(TenantDeliverySettings Settings, CompiledDeliverySettings Compiled)> GetCompiledAsync(int tenantId)
    {
        if (_cache.TryGetValue(tenantId, out var cached))
        {
            return cached;
        }
        var generation = _generation.GetValueOrDefault(tenantId);
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.DeliverySettings.AsNoTracking().FirstOrDefaultAsync(s => s.TenantId == tenantId);
        var settings = row is null ? Defaults(tenantId) : JsonSerializer.Deserialize<TenantDeliverySettings>(row.Json, Json)! with { Version = row.Version };
        var entry = (settings, await CompileAsync(db, tenantId, settings));
        if (_generation.GetValueOrDefault(tenantId) == generation)
        {
            _cache[tenantId] = entry;
        }
        return entry;
    }

    /// <summary>A rule pack was created, changed, deleted or switched: the next message is reviewed with the new set.</summary>
    public void Invalidate(int tenantId) => cluster.Changed(Cluster.ClusterCaches.Delivery, tenantId);

    /// <summary>Drops this node's copy (null: every tenant's); <see cref="Invalidate"/> does it on every node.</summary>
    internal void DropLocal(int? tenantId)
    {
        foreach (var t in tenantId is { } one ? [one] : _cache.Keys.ToList())
        {
            _generation.AddOrUpdate(t, 1, (_, g) => g + 1);
            _cache.TryRemove(t, out _);
        }
    }

    /// <summary>The settings compiled with exactly the tenant's enabled rule packs (built-in and custom).</summary>
    private static async Task<CompiledDeliverySettings> CompileAsync(SiyuDb db, int tenantId, TenantDeliverySettings settings)
    {
        TenantDeliverySettings.TryParseIndustry(settings.Industry, out var industry);
        return CompiledDeliverySettings.Compile(settings, await ReviewPacks.EnabledAsync(db, tenantId, industry));
    }

    /// <summary>
    /// The tenant's content review of text about to be saved or sent (mass sends, welcome messages, the console's check).
    /// The compiled review keeps scratch space, so checks of one tenant take turns.
    /// </summary>
    public async Task<ReviewResult> ReviewAsync(int tenantId, DeliveryRequest request)
    {
        var (_, compiled) = await GetCompiledAsync(tenantId);
        lock (compiled.Review)
        {
            return compiled.Review.Review(request);
        }
    }

    /// <summary>
    /// Reviews the texts of a message template about to be saved (journey send steps, welcome messages); each hit's
    /// <see cref="ReviewHit.Field"/> is the path of the text it was found in.
    /// </summary>
    public async Task<ReviewResult> ReviewFieldsAsync(int tenantId, IEnumerable<(string Path, string Text)> fields)
    {
        var (_, compiled) = await GetCompiledAsync(tenantId);
        var hits = new List<ReviewHit>();
        lock (compiled.Review)
        {
            foreach (var (path, text) in fields)
            {
                hits.AddRange(compiled.Review.Review(text, path).Hits);
            }
        }
        if (hits.Count == 0)
        {
            return ReviewResult.Pass;
        }
        return new ReviewResult(hits.Any(h => h.Action == ReviewAction.Block) ? ReviewOutcome.Blocked : ReviewOutcome.NeedsApproval, hits);
    }

    /// <summary>One error per field with a blocking hit: the words found and the rule's reason, so the save can be fixed.</summary>
    public static List<FieldError> BlockingErrors(ReviewResult review) =>
        [.. review.Hits.Where(h => h.Action == ReviewAction.Block).GroupBy(h => h.Field).Select(g => new FieldError(g.Key,
            $"Blocked by content review: {string.Join("、", g.Select(h => h.Matched).Distinct())} ({string.Join("；", g.Select(h => h.Reason).Distinct())})."))];

    /// <summary>Validates and saves; the new version applies to the next message decided.</summary>
    public async Task<(TenantDeliverySettings? Saved, IReadOnlyList<FieldError> Errors)> SaveAsync(int tenantId, string actor, TenantDeliverySettings input)
    {
        var settings = input with { TenantId = tenantId.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        var errors = settings.Validate();
        if (errors.Count > 0)
        {
            return (null, errors);
        }
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.DeliverySettings.FirstOrDefaultAsync(s => s.TenantId == tenantId);
        if (row is null)
        {
            db.DeliverySettings.Add(row = new DeliverySettingsRow { TenantId = tenantId, Json = "{}" });
        }
        row.Version++;
        settings = settings with { Version = row.Version };
        row.Json = JsonSerializer.Serialize(settings, Json);
        row.UpdatedAtTicks = time.GetUtcNow().UtcTicks;
        row.UpdatedBy = actor;
        AuditLog.Record(db, tenantId, row.UpdatedAtTicks, actor, "delivery.settings", detail: $"version {row.Version}");
        await db.SaveChangesAsync();
        Invalidate(tenantId); // compiled again, with the tenant's rule packs, for the next message
        return (settings, []);
    }
}
