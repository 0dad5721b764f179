using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Audiences.Conditions;
using Siyu.Core.Customers;
using Siyu.Core.Events;
using Siyu.Server.Customers;
using Siyu.Server.Data;
using Siyu.Server.Partitions;
using Siyu.Server.Tags;
using Siyu.Server.Tenants;
using Siyu.Server.Compliance;

namespace Siyu.Server.Audiences;

public sealed record AudienceInput(string? Name, string? Description, string? ConditionJson);

public sealed record QueryOutcome(AudienceAnswer? Answer, IReadOnlyList<FieldError> Errors);

/// <summary>
/// Saved audiences and live condition queries. Queries fan out to every partition of the tenant (each answers from
/// its bitsets) and merge: counts add up, id pages merge in id order, samples keep the smallest hashes.
/// </summary>
public sealed partial class AudienceService(
    IDbContextFactory<SiyuDb> dbs, ConditionCatalogs catalogs, IGrainFactory grains, TenantDirectory tenants,
    CustomerReader reader, TimeProvider time)
{
    public const int MaxNameLength = 40;
    public const int MaxPage = 10_000;

    public ConditionParseResult Validate(int tenantId, string? json, string path = "condition", long? selfId = null) =>
        json is null
            ? new ConditionParseResult(null, [new FieldError(path, "Required: a condition {\"version\": 1, \"root\": {…}}.")])
            : ConditionParser.Parse(json, catalogs.Get(tenantId).Catalog, path, selfId);

    /// <summary>Validates, then counts and samples; what the condition builder calls on every edit.</summary>
    public async Task<QueryOutcome> PreviewAsync(int tenantId, string? json, int sampleSize = 10)
    {
        var parsed = Validate(tenantId, json);
        if (!parsed.Ok)
        {
            return new QueryOutcome(null, parsed.Errors);
        }
        return new QueryOutcome(await QueryAsync(tenantId, json!, 0, 0, sampleSize), []);
    }

    public async Task<AudienceAnswer> QueryAsync(int tenantId, string json, long afterId, int limit, int sampleSize)
    {
        var query = new AudienceQuery(json, tenants.Today(tenantId, time), afterId, Math.Clamp(limit, 0, MaxPage), Math.Clamp(sampleSize, 0, 1000));
        var answers = await Task.WhenAll(Enumerable.Range(0, tenants.Partitions(tenantId))
            .Select(p => grains.GetGrain<IPartitionGrain>(PartitionDispatcher.GrainKey(tenantId, p)).Query(query)));
        return new AudienceAnswer(
            answers.Sum(a => a.Count),
            [.. answers.SelectMany(a => a.Ids).Order().Take(query.Limit)],
            [.. answers.SelectMany(a => a.Sample).OrderBy(PartitionGrain.SampleHash).Take(query.SampleSize)]);
    }

    /// <summary>Every member id in ascending order, fetched page by page (for CSV export).</summary>
    public async IAsyncEnumerable<long> AllMembersAsync(int tenantId, string json)
    {
        long after = 0;
        while (true)
        {
            var page = await QueryAsync(tenantId, json, after, MaxPage, 0);
            foreach (var id in page.Ids)
            {
                yield return id;
            }
            if (page.Ids.Length < MaxPage)
            {
                yield break;
            }
            after = page.Ids[^1];
        }
    }

    /// <summary>Why a customer is in or out (merged ids are followed to the surviving profile); null when no such customer.</summary>
    public async Task<ExplanationView?> ExplainAsync(int tenantId, string json, long customerId, bool chinese = false)
    {
        if (reader.Canonical(tenantId, customerId) is not { } canonical)
        {
            return null;
        }
        var grain = grains.GetGrain<IPartitionGrain>(PartitionDispatcher.GrainKey(tenantId, Partitioning.Of(canonical, tenants.Partitions(tenantId))));
        return await grain.Explain(json, tenants.Today(tenantId, time), canonical, chinese);
    }

    public async Task ReevaluateRulesAsync(int tenantId) =>
        await Task.WhenAll(Enumerable.Range(0, tenants.Partitions(tenantId))
            .Select(p => grains.GetGrain<IPartitionGrain>(PartitionDispatcher.GrainKey(tenantId, p)).ReevaluateRules()));

    /// <summary>A rule for a rule tag: a valid condition that does not read rule tags (directly or through audiences), so rules never chase each other.</summary>
    public IReadOnlyList<FieldError> ValidateRule(int tenantId, string? json, string path = "rule")
    {
        var parsed = Validate(tenantId, json, path);
        if (!parsed.Ok)
        {
            return parsed.Errors;
        }
        var errors = new List<FieldError>();
        var catalog = catalogs.Get(tenantId).Catalog;
        void Walk(ConditionNode node, string reportAt)
        {
            switch (node)
            {
                case AllNode all:
                    foreach (var c in all.Children)
                    {
                        Walk(c, reportAt);
                    }
                    break;
                case AnyNode any:
                    foreach (var c in any.Children)
                    {
                        Walk(c, reportAt);
                    }
                    break;
                case NotNode not:
                    Walk(not.Child, reportAt);
                    break;
                case AudienceNode a:
                    // Inside another audience the operator can only fix the reference, so report it there.
                    Walk(a.Resolved, reportAt == "" ? a.Path + ".audience_id" : reportAt);
                    break;
                case TagsNode t:
                    foreach (var id in t.TagIds.Where(id => catalog.Tag(id)?.IsRule == true))
                    {
                        errors.Add(new FieldError(reportAt == "" ? t.Path : reportAt, $"Tag {id} ({catalog.Tag(id)!.Name}) is itself a rule tag; rules may only read other kinds of tags."));
                    }
                    break;
            }
        }
        Walk(parsed.Condition!.Root, "");
        return errors;
    }

    public async Task<IReadOnlyList<AudienceRow>> ListAsync(int tenantId)
    {
        await using var db = await dbs.CreateDbContextAsync();
        return await db.Audiences.AsNoTracking().Where(a => a.TenantId == tenantId && a.DeletedAtTicks == null).OrderByDescending(a => a.UpdatedAtTicks).ToListAsync();
    }

    public async Task<AudienceRow?> GetAsync(int tenantId, long id)
    {
        await using var db = await dbs.CreateDbContextAsync();
        return await db.Audiences.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id && a.TenantId == tenantId && a.DeletedAtTicks == null);
    }

    public async Task<DefinitionResult<AudienceRow>> CreateAsync(int tenantId, string actor, AudienceInput input)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var errors = new List<FieldError>();
        var name = await CheckNameAsync(db, tenantId, null, input.Name, errors);
        errors.AddRange(Validate(tenantId, input.ConditionJson).Errors);
        CheckDescription(input.Description, errors);
        if (errors.Count > 0)
        {
            return new(null, errors);
        }
        var now = time.GetUtcNow().UtcTicks;
        var row = new AudienceRow
        {
            TenantId = tenantId, Name = name!, Description = input.Description, Condition = input.ConditionJson!, CreatedBy = actor,
            CreatedAtTicks = now, UpdatedAtTicks = now,
        };
        db.Audiences.Add(row);
        Audit(db, tenantId, now, actor, "audience.create", row.Name);
        await db.SaveChangesAsync();
        catalogs.Invalidate(tenantId);
        return new(row, []);
    }

    public async Task<DefinitionResult<AudienceRow>> UpdateAsync(int tenantId, string actor, long id, AudienceInput input)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.Audiences.FirstOrDefaultAsync(a => a.Id == id && a.TenantId == tenantId && a.DeletedAtTicks == null);
        if (row is null)
        {
            return DefinitionResult<AudienceRow>.Missing;
        }
        var errors = new List<FieldError>();
        var name = input.Name is null ? row.Name : await CheckNameAsync(db, tenantId, id, input.Name, errors);
        if (input.ConditionJson is not null)
        {
            errors.AddRange(Validate(tenantId, input.ConditionJson, selfId: id).Errors);
            // Rules and audiences that use this one must still be valid with the new definition.
            errors.AddRange(await ReferrerProblemsAsync(db, tenantId, id, input.ConditionJson));
        }
        CheckDescription(input.Description, errors);
        if (errors.Count > 0)
        {
            return new(null, errors);
        }
        var now = time.GetUtcNow().UtcTicks;
        (row.Name, row.Description, row.Condition, row.UpdatedAtTicks) = (name!, input.Description ?? row.Description, input.ConditionJson ?? row.Condition, now);
        Audit(db, tenantId, now, actor, "audience.update", row.Name);
        await db.SaveChangesAsync();
        catalogs.Invalidate(tenantId);
        if (input.ConditionJson is not null && await UsedByRulesAsync(db, tenantId, id))
        {
            await ReevaluateRulesAsync(tenantId);
        }
        return new(row, []);
    }

    /// <summary>Deletes an audience nothing else refers to; otherwise names the referrers.</summary>
    public async Task<(bool Found, IReadOnlyList<string> UsedBy)> DeleteAsync(int tenantId, string actor, long id)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.Audiences.FirstOrDefaultAsync(a => a.Id == id && a.TenantId == tenantId && a.DeletedAtTicks == null);
        if (row is null)
        {
            return (false, []);
        }
        var usedBy = await ReferrersAsync(db, tenantId, id);
        if (usedBy.Count > 0)
        {
            return (true, usedBy.Select(r => r.Name).ToList());
        }
        row.DeletedAtTicks = time.GetUtcNow().UtcTicks;
        Audit(db, tenantId, row.DeletedAtTicks.Value, actor, "audience.delete", row.Name);
        await db.SaveChangesAsync();
        catalogs.Invalidate(tenantId);
        return (true, []);
    }

    private sealed record Referrer(string Name, long? AudienceId, long? TagId, string Condition);

    private static async Task<List<Referrer>> ReferrersAsync(SiyuDb db, int tenantId, long id)
    {
        var pattern = new Regex($"\"audience_id\"\\s*:\\s*{id}(?![0-9])");
        var audiences = await db.Audiences.AsNoTracking().Where(a => a.TenantId == tenantId && a.DeletedAtTicks == null && a.Id != id).ToListAsync();
        var rules = await db.Tags.AsNoTracking().Where(t => t.TenantId == tenantId && t.DeletedAtTicks == null && t.Rule != null).ToListAsync();
        return
        [
            .. audiences.Where(a => pattern.IsMatch(a.Condition)).Select(a => new Referrer($"人群 {a.Name}", a.Id, null, a.Condition)),
            .. rules.Where(t => pattern.IsMatch(t.Rule!)).Select(t => new Referrer($"规则标签 {t.Name}", null, t.Id, t.Rule!)),
        ];
    }

    private static async Task<bool> UsedByRulesAsync(SiyuDb db, int tenantId, long id) => (await ReferrersAsync(db, tenantId, id)).Any(r => r.TagId is not null);

    private async Task<IEnumerable<FieldError>> ReferrerProblemsAsync(SiyuDb db, int tenantId, long id, string newJson)
    {
        var referrers = await ReferrersAsync(db, tenantId, id);
        if (referrers.Count == 0)
        {
            return [];
        }
        var current = catalogs.Get(tenantId).Catalog;
        var trial = new ConditionCatalog
        {
            Tags = current.Tags, Scores = current.Scores, RetentionDays = current.RetentionDays,
            Audiences = new Dictionary<long, string>(current.Audiences) { [id] = newJson },
        };
        var errors = new List<FieldError>();
        foreach (var r in referrers)
        {
            var result = ConditionParser.Parse(r.Condition, trial, "condition", r.AudienceId);
            if (!result.Ok)
            {
                errors.Add(new FieldError("condition", $"{r.Name} uses this audience and would break: {result.Errors[0].Message}"));
            }
        }
        return errors;
    }

    private static async Task<string?> CheckNameAsync(SiyuDb db, int tenantId, long? id, string? name, List<FieldError> errors)
    {
        var trimmed = name?.Trim();
        if (string.IsNullOrEmpty(trimmed) || trimmed.Length > MaxNameLength)
        {
            errors.Add(new FieldError("name", $"A name of 1–{MaxNameLength} characters is required."));
            return null;
        }
        if (await db.Audiences.AnyAsync(a => a.TenantId == tenantId && a.Id != id && a.Name == trimmed && a.DeletedAtTicks == null))
        {
            errors.Add(new FieldError("name", $"An audience named '{trimmed}' already exists."));
        }
        return trimmed;
    }

    private static void CheckDescription(string? description, List<FieldError> errors)
    {
        if (description is { Length: > 200 })
        {
            errors.Add(new FieldError("description", "At most 200 characters."));
        }
    }

    private static void Audit(SiyuDb db, int tenantId, long now, string actor, string action, string detail) =>
        AuditLog.Record(db, tenantId, now, actor, action, target: detail);

    /// <summary>Canonical JSON text for storage and caching: the request's condition element as compact text.</summary>
    public static string? ConditionText(JsonElement? condition) =>
        condition is { ValueKind: not JsonValueKind.Undefined and not JsonValueKind.Null } c ? JsonSerializer.Serialize(c) : null;
}
