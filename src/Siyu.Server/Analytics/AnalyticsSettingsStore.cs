using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Analytics;
using Siyu.Core.Events;
using Siyu.Server.Data;

namespace Siyu.Server.Analytics;

/// <summary>A tenant's analytics settings as the API shows and takes them.</summary>
public sealed record AnalyticsSettings(RfmSettings Rfm, LifecycleRules Lifecycle, string? UpdatedBy = null, DateTimeOffset? UpdatedAt = null)
{
    public static readonly AnalyticsSettings Default = new(RfmSettings.Default, LifecycleRules.Default);
}

/// <summary>
/// Stores and caches each tenant's RFM/RFE and lifecycle settings (defaults until an operator saves some). Partitions
/// read them synchronously from their turn, so reads come from the cache after the first.
/// </summary>
public sealed class AnalyticsSettingsStore(IDbContextFactory<SiyuDb> dbs, TimeProvider time)
{
    /// <summary>snake_case fields and enum names, as the rest of the API.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
    };

    private readonly ConcurrentDictionary<int, AnalyticsSettings> _cache = new();

    public AnalyticsSettings Get(int tenantId) => _cache.GetOrAdd(tenantId, id =>
    {
        using var db = dbs.CreateDbContext();
        var row = db.AnalyticsSettings.AsNoTracking().FirstOrDefault(r => r.TenantId == id);
        return row is null
            ? AnalyticsSettings.Default
            : new AnalyticsSettings(
                JsonSerializer.Deserialize<RfmSettings>(row.Rfm, Json) ?? RfmSettings.Default,
                JsonSerializer.Deserialize<LifecycleRules>(row.Lifecycle, Json) ?? LifecycleRules.Default,
                row.UpdatedBy, new DateTimeOffset(row.UpdatedAtTicks, TimeSpan.Zero));
    });

    /// <summary>Parses a settings body (either part may be omitted: it stays as it is), reporting every field at fault.</summary>
    public (AnalyticsSettings? Settings, IReadOnlyList<FieldError> Errors) Parse(int tenantId, JsonObject body)
    {
        var current = Get(tenantId);
        var errors = new List<FieldError>();
        foreach (var (name, _) in body)
        {
            if (name is not ("rfm" or "lifecycle"))
            {
                errors.Add(new FieldError(name, "Unknown field; the settings are rfm and lifecycle."));
            }
        }
        var rfm = Part(body, "rfm", current.Rfm, errors);
        var lifecycle = Part(body, "lifecycle", current.Lifecycle, errors);
        if (errors.Count == 0)
        {
            errors.AddRange(rfm.Validate().Select(e => e with { Path = "rfm." + e.Path }));
            errors.AddRange(lifecycle.Validate().Select(e => e with { Path = "lifecycle." + e.Path }));
        }
        return errors.Count > 0 ? (null, errors) : (new AnalyticsSettings(rfm, lifecycle), []);
    }

    private static T Part<T>(JsonObject body, string name, T current, List<FieldError> errors) where T : class
    {
        if (!body.TryGetPropertyValue(name, out var node) || node is null)
        {
            return current;
        }
        if (node is not JsonObject)
        {
            errors.Add(new FieldError(name, "An object."));
            return current;
        }
        try
        {
            // Fields the body leaves out keep their current values: merge the body over the current settings.
            var merged = JsonSerializer.SerializeToNode(current, Json)!.AsObject();
            foreach (var (field, value) in node.AsObject())
            {
                if (!merged.ContainsKey(field))
                {
                    errors.Add(new FieldError($"{name}.{field}", "Unknown field."));
                    continue;
                }
                merged[field] = value?.DeepClone();
            }
            return JsonSerializer.Deserialize<T>(merged, Json) ?? current;
        }
        catch (JsonException e)
        {
            errors.Add(new FieldError(e.Path is { Length: > 1 } path ? $"{name}.{path.TrimStart('$', '.')}" : name, "Wrong type or value: " + e.Message.Split(". Path:")[0]));
            return current;
        }
    }

    public async Task<AnalyticsSettings> SaveAsync(int tenantId, string actor, AnalyticsSettings settings)
    {
        var now = time.GetUtcNow();
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.AnalyticsSettings.FirstOrDefaultAsync(r => r.TenantId == tenantId);
        if (row is null)
        {
            db.AnalyticsSettings.Add(row = new AnalyticsSettingsRow { TenantId = tenantId, Rfm = "", Lifecycle = "" });
        }
        (row.Rfm, row.Lifecycle, row.UpdatedBy, row.UpdatedAtTicks) =
            (JsonSerializer.Serialize(settings.Rfm, Json), JsonSerializer.Serialize(settings.Lifecycle, Json), actor, now.UtcTicks);
        Compliance.AuditLog.Record(db, tenantId, now.UtcTicks, actor, "analytics.settings", detail: $"{{\"rfm\":{row.Rfm},\"lifecycle\":{row.Lifecycle}}}");
        await db.SaveChangesAsync();
        return _cache[tenantId] = settings with { UpdatedBy = actor, UpdatedAt = now };
    }
}
