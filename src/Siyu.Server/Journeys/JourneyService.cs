using System.Text.Json;
using System.Text.Json.Serialization;
using Siyu.Core.Delivery;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Events;
using Siyu.Core.Journeys;
using Siyu.Server.Data;
using Siyu.Server.Partitions;
using Siyu.Server.Compliance;

namespace Siyu.Server.Journeys;

/// <summary>A journey; <see cref="ReviewHits"/> only when it was just saved and content review flagged words to check (not blocking).</summary>
public sealed record JourneyView(
    long Id, string Name, string Kind, string Status, int CurrentVersion, string Definition, string? CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ReviewHit>? ReviewHits = null);

/// <summary>Customers at each step of a journey right now, over every version they are on.</summary>
public sealed record JourneyStepCount(int Version, string StepId, string Status, int Customers);

/// <summary>
/// Journeys and SOPs: definitions are validated with the journey parser (errors point at the step and field), every
/// edit publishes a new version, and the partitions pick up activations, pauses and new versions at once.
/// </summary>
public sealed class JourneyService(IDbContextFactory<SiyuDb> dbs, JourneyCatalog catalog, Audiences.ConditionCatalogs conditions,
    IGrainFactory grains, Tenants.TenantDirectory tenants, Delivery.DeliverySettingsStore deliverySettings, TimeProvider time)
{
    public static readonly IReadOnlyList<string> Statuses = ["draft", "active", "paused", "archived"];

    public JourneyParseResult Validate(int tenantId, string? json, long id = 0, int version = 1)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return new JourneyParseResult(null, [new FieldError("definition", "Required: the journey definition (JSON, format version 1).")]);
        }
        // Before it is saved a journey has no id yet; validation doesn't depend on it.
        var result = JourneyParser.Parse(json, conditions.Get(tenantId).Catalog, Math.Max(id, 1), version);
        // Paths of the definition are relative to it.
        return result with { Errors = [.. result.Errors.Select(e => e with { Path = "definition." + e.Path })] };
    }

    /// <summary>
    /// The delivery pipeline's content review of every send step's text (and attachment titles), before the definition
    /// is saved: a blocked word is an error at the step's path; words to check are reported back, not refused (each
    /// message is reviewed again when it is sent, and held for approval then).
    /// </summary>
    public async Task<(List<FieldError> Errors, IReadOnlyList<ReviewHit> Hits)> ReviewAsync(int tenantId, JourneyDefinition definition)
    {
        var fields = new List<(string, string)>();
        for (var i = 0; i < definition.Steps.Count; i++)
        {
            if (definition.Steps[i] is not SendStep send)
            {
                continue;
            }
            // Same paths as the parser's errors (definition.steps[2].send.text): steps keep their order in the definition.
            if (!string.IsNullOrEmpty(send.Text))
            {
                fields.Add(($"definition.steps[{i}].send.text", send.Text));
            }
            for (var a = 0; a < send.Attachments.Count; a++)
            {
                if (!string.IsNullOrEmpty(send.Attachments[a].Title))
                {
                    fields.Add(($"definition.steps[{i}].send.attachments[{a}].title", send.Attachments[a].Title!));
                }
            }
        }
        var review = await deliverySettings.ReviewFieldsAsync(tenantId, fields);
        return (Delivery.DeliverySettingsStore.BlockingErrors(review), review.Hits);
    }

    /// <summary>Coupon steps must name a template of the tenant (templates are paused, never deleted, so this holds later).</summary>
    private async Task<List<FieldError>> MissingCouponTemplatesAsync(int tenantId, JourneyDefinition definition)
    {
        var steps = definition.Steps.Select((s, i) => (Step: s as CouponStep, Index: i)).Where(s => s.Step is not null).ToList();
        if (steps.Count == 0)
        {
            return [];
        }
        var ids = steps.Select(s => s.Step!.TemplateId).Distinct().ToList();
        await using var db = await dbs.CreateDbContextAsync();
        var known = await db.CouponTemplates.Where(t => t.TenantId == tenantId && ids.Contains(t.Id)).Select(t => t.Id).ToListAsync();
        return [.. steps.Where(s => !known.Contains(s.Step!.TemplateId))
            .Select(s => new FieldError($"definition.steps[{s.Index}].coupon.template_id", $"Coupon template {s.Step!.TemplateId} does not exist."))];
    }

    public async Task<(JourneyView? Journey, IReadOnlyList<FieldError> Errors)> CreateAsync(int tenantId, string actor, string? json)
    {
        var parsed = Validate(tenantId, json);
        if (!parsed.Ok)
        {
            return (null, parsed.Errors);
        }
        var (blocked, hits) = await ReviewAsync(tenantId, parsed.Definition!);
        blocked.AddRange(await MissingCouponTemplatesAsync(tenantId, parsed.Definition!));
        if (blocked.Count > 0)
        {
            return (null, blocked);
        }
        var now = time.GetUtcNow().UtcTicks;
        await using var db = await dbs.CreateDbContextAsync();
        var row = new JourneyRow
        {
            TenantId = tenantId, Name = parsed.Definition!.Name, Kind = parsed.Definition.Kind == JourneyKind.Sop ? "sop" : "journey", Status = "draft",
            CurrentVersion = 1, CreatedBy = actor, CreatedAtTicks = now, UpdatedAtTicks = now,
        };
        db.Journeys.Add(row);
        await db.SaveChangesAsync();
        db.JourneyVersions.Add(new JourneyVersionRow { TenantId = tenantId, JourneyId = row.Id, Version = 1, Definition = json!, CreatedBy = actor, CreatedAtTicks = now });
        AuditLog.Record(db, tenantId, now, actor, "journey.create", target: row.Name);
        await db.SaveChangesAsync();
        return (View(row, json!) with { ReviewHits = hits.Count > 0 ? hits : null }, []);
    }

    /// <summary>Publishes a new version; customers already in the journey finish on the version they entered.</summary>
    public async Task<(JourneyView? Journey, IReadOnlyList<FieldError> Errors)> UpdateAsync(int tenantId, string actor, long id, string? json)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.Journeys.FirstOrDefaultAsync(j => j.TenantId == tenantId && j.Id == id);
        if (row is null)
        {
            return (null, [new FieldError("id", $"No journey {id}.")]);
        }
        var parsed = Validate(tenantId, json, id, row.CurrentVersion + 1);
        if (!parsed.Ok)
        {
            return (null, parsed.Errors);
        }
        var (blocked, hits) = await ReviewAsync(tenantId, parsed.Definition!);
        blocked.AddRange(await MissingCouponTemplatesAsync(tenantId, parsed.Definition!));
        if (blocked.Count > 0)
        {
            return (null, blocked);
        }
        var now = time.GetUtcNow().UtcTicks;
        row.CurrentVersion++;
        row.Name = parsed.Definition!.Name;
        row.UpdatedAtTicks = now;
        db.JourneyVersions.Add(new JourneyVersionRow { TenantId = tenantId, JourneyId = id, Version = row.CurrentVersion, Definition = json!, CreatedBy = actor, CreatedAtTicks = now });
        AuditLog.Record(db, tenantId, now, actor, "journey.publish", target: $"{row.Name} v{row.CurrentVersion}");
        await db.SaveChangesAsync();
        catalog.Invalidate(tenantId);
        return (View(row, json!) with { ReviewHits = hits.Count > 0 ? hits : null }, []);
    }

    public async Task<(JourneyView? Journey, IReadOnlyList<FieldError> Errors)> SetStatusAsync(int tenantId, string actor, long id, string? status)
    {
        if (status is null || !Statuses.Contains(status))
        {
            return (null, [new FieldError("status", $"One of {string.Join(", ", Statuses)}.")]);
        }
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.Journeys.FirstOrDefaultAsync(j => j.TenantId == tenantId && j.Id == id);
        if (row is null)
        {
            return (null, [new FieldError("id", $"No journey {id}.")]);
        }
        row.Status = status;
        row.UpdatedAtTicks = time.GetUtcNow().UtcTicks;
        AuditLog.Record(db, tenantId, row.UpdatedAtTicks, actor, "journey." + status, target: row.Name);
        await db.SaveChangesAsync();
        catalog.Invalidate(tenantId);
        var json = (await db.JourneyVersions.AsNoTracking().FirstAsync(v => v.TenantId == tenantId && v.JourneyId == id && v.Version == row.CurrentVersion)).Definition;
        return (View(row, json), []);
    }

    public async Task<IReadOnlyList<JourneyView>> ListAsync(int tenantId)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var rows = await db.Journeys.AsNoTracking().Where(j => j.TenantId == tenantId && j.Status != "archived").OrderByDescending(j => j.Id).ToListAsync();
        var ids = rows.Select(r => r.Id).ToList();
        var versions = await db.JourneyVersions.AsNoTracking().Where(v => v.TenantId == tenantId && ids.Contains(v.JourneyId)).ToListAsync();
        return [.. rows.Select(r => View(r, versions.First(v => v.JourneyId == r.Id && v.Version == r.CurrentVersion).Definition))];
    }

    public async Task<JourneyView?> GetAsync(int tenantId, long id)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.Journeys.AsNoTracking().FirstOrDefaultAsync(j => j.TenantId == tenantId && j.Id == id);
        if (row is null)
        {
            return null;
        }
        var json = (await db.JourneyVersions.AsNoTracking().FirstAsync(v => v.TenantId == tenantId && v.JourneyId == id && v.Version == row.CurrentVersion)).Definition;
        return View(row, json);
    }

    /// <summary>How many customers are where, from every partition.</summary>
    public async Task<IReadOnlyList<JourneyStepCount>> StatsAsync(int tenantId, long id)
    {
        var parts = await Task.WhenAll(Enumerable.Range(0, tenants.Partitions(tenantId))
            .Select(p => grains.GetGrain<IPartitionGrain>(PartitionDispatcher.GrainKey(tenantId, p)).JourneyStats(id)));
        var counts = new List<JourneyStepCount>();
        foreach (var group in parts.SelectMany(p => p).GroupBy(c => (c.Version, c.Step, c.Status)))
        {
            var definition = catalog.Get(tenantId, id, group.Key.Version);
            var stepId = definition is not null && group.Key.Step >= 0 && group.Key.Step < definition.Steps.Count ? definition.Steps[group.Key.Step].Id : "end";
            counts.Add(new JourneyStepCount(group.Key.Version, stepId, group.Key.Status, group.Sum(c => c.Customers)));
        }
        return [.. counts.OrderBy(c => c.Version).ThenBy(c => c.StepId, StringComparer.Ordinal)];
    }

    /// <summary>Manual entry (journeys with a manual trigger): each customer's partition enters them now.</summary>
    public async Task<int> EnterAsync(int tenantId, long id, IReadOnlyList<long> customerIds)
    {
        var partitions = tenants.Partitions(tenantId);
        var entered = await Task.WhenAll(customerIds.GroupBy(c => Siyu.Core.Customers.Partitioning.Of(c, partitions))
            .Select(g => grains.GetGrain<IPartitionGrain>(PartitionDispatcher.GrainKey(tenantId, g.Key)).EnterJourney(id, [.. g])));
        return entered.Sum();
    }

    private static JourneyView View(JourneyRow r, string json) => new(r.Id, r.Name, r.Kind, r.Status, r.CurrentVersion, json, r.CreatedBy,
        new DateTimeOffset(r.CreatedAtTicks, TimeSpan.Zero), new DateTimeOffset(r.UpdatedAtTicks, TimeSpan.Zero));
}
