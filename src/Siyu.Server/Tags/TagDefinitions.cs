using Microsoft.EntityFrameworkCore;
using Siyu.Core.Events;
using Siyu.Core.Tags;
using Siyu.Server.Data;
using Siyu.Server.Compliance;

namespace Siyu.Server.Tags;

/// <summary>Outcome of a definition change: the saved row, or what was wrong (by field), or that the target does not exist.</summary>
public sealed record DefinitionResult<T>(T? Value, IReadOnlyList<FieldError> Errors, bool NotFound = false) where T : class
{
    public static DefinitionResult<T> Missing { get; } = new(null, [], true);
}

public sealed record TagGroupInput(string? Name, int? SortOrder);

public sealed record TagInput(long? GroupId, string? Name, string? Kind, string? Color, string? Description, string? RuleJson = null, IReadOnlyList<string>? Keywords = null);

/// <summary>Creating, renaming and deleting tag groups and tags, for the API and the console alike. Every change is audited.</summary>
public sealed class TagDefinitions(IDbContextFactory<SiyuDb> dbs, TagCatalog catalog, Audiences.ConditionCatalogs conditions, Audiences.AudienceService audiences, TimeProvider time)
{
    public const int MaxNameLength = 30;

    public async Task<DefinitionResult<TagGroupRow>> CreateGroupAsync(int tenantId, string actor, TagGroupInput input)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var errors = new List<FieldError>();
        var name = await CheckGroupNameAsync(db, tenantId, null, input.Name, errors);
        if (errors.Count > 0)
        {
            return new(null, errors);
        }
        var now = time.GetUtcNow().UtcTicks;
        var row = new TagGroupRow { TenantId = tenantId, Name = name!, SortOrder = input.SortOrder ?? 0, CreatedAtTicks = now };
        db.TagGroups.Add(row);
        Audit(db, tenantId, now, actor, "taggroup.create", row.Name);
        await SaveAsync(db, tenantId);
        return new(row, []);
    }

    public async Task<DefinitionResult<TagGroupRow>> UpdateGroupAsync(int tenantId, string actor, long id, TagGroupInput input)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.TagGroups.FirstOrDefaultAsync(g => g.Id == id && g.TenantId == tenantId && g.DeletedAtTicks == null);
        if (row is null)
        {
            return DefinitionResult<TagGroupRow>.Missing;
        }
        var errors = new List<FieldError>();
        var name = input.Name is null ? row.Name : await CheckGroupNameAsync(db, tenantId, id, input.Name, errors);
        if (errors.Count > 0)
        {
            return new(null, errors);
        }
        (row.Name, row.SortOrder) = (name!, input.SortOrder ?? row.SortOrder);
        Audit(db, tenantId, time.GetUtcNow().UtcTicks, actor, "taggroup.update", row.Name);
        await SaveAsync(db, tenantId);
        return new(row, []);
    }

    /// <summary>Deletes the group and its tags. Customers keep their tag history; deleted tags no longer show or match.</summary>
    public async Task<bool> DeleteGroupAsync(int tenantId, string actor, long id)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.TagGroups.FirstOrDefaultAsync(g => g.Id == id && g.TenantId == tenantId && g.DeletedAtTicks == null);
        if (row is null)
        {
            return false;
        }
        var now = time.GetUtcNow().UtcTicks;
        row.DeletedAtTicks = now;
        foreach (var tag in await db.Tags.Where(t => t.TenantId == tenantId && t.GroupId == id && t.DeletedAtTicks == null).ToListAsync())
        {
            tag.DeletedAtTicks = now;
        }
        Audit(db, tenantId, now, actor, "taggroup.delete", row.Name);
        await SaveAsync(db, tenantId);
        return true;
    }

    public async Task<DefinitionResult<TagRow>> CreateTagAsync(int tenantId, string actor, TagInput input)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var errors = new List<FieldError>();
        var kind = input.Kind ?? TagSource.Manual;
        if (!TagSource.IsValid(kind))
        {
            errors.Add(new FieldError("kind", $"Unknown kind '{kind}'; use one of {string.Join(", ", TagSource.All)}."));
        }
        var name = await CheckTagAsync(db, tenantId, null, input.GroupId, input.Name, input, errors);
        CheckRule(tenantId, kind, input.RuleJson, required: true, errors);
        var keywords = KeywordTags.Check(kind, input.Keywords, required: true, errors);
        if (errors.Count > 0)
        {
            return new(null, errors);
        }
        var now = time.GetUtcNow().UtcTicks;
        var row = new TagRow
        {
            TenantId = tenantId, GroupId = input.GroupId!.Value, Name = name!, Kind = kind, Color = input.Color, Description = input.Description,
            Rule = input.RuleJson, Keywords = keywords, CreatedAtTicks = now,
        };
        db.Tags.Add(row);
        Audit(db, tenantId, now, actor, "tag.create", row.Name);
        await SaveAsync(db, tenantId);
        if (row.Rule is not null)
        {
            await audiences.ReevaluateRulesAsync(tenantId); // backfill: everyone who matches now gets the tag now
        }
        return new(row, []);
    }

    public async Task<DefinitionResult<TagRow>> UpdateTagAsync(int tenantId, string actor, long id, TagInput input)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.Tags.FirstOrDefaultAsync(t => t.Id == id && t.TenantId == tenantId && t.DeletedAtTicks == null);
        if (row is null)
        {
            return DefinitionResult<TagRow>.Missing;
        }
        var errors = new List<FieldError>();
        if (input.Kind is not null && input.Kind != row.Kind)
        {
            errors.Add(new FieldError("kind", "A tag's kind is fixed when it is created."));
        }
        var groupId = input.GroupId ?? row.GroupId;
        var name = await CheckTagAsync(db, tenantId, id, groupId, input.Name ?? row.Name, input, errors);
        CheckRule(tenantId, row.Kind, input.RuleJson, required: false, errors);
        var keywords = KeywordTags.Check(row.Kind, input.Keywords, required: false, errors);
        if (errors.Count > 0)
        {
            return new(null, errors);
        }
        (row.GroupId, row.Name, row.Color, row.Description) = (groupId, name!, input.Color ?? row.Color, input.Description ?? row.Description);
        row.Keywords = keywords ?? row.Keywords;
        var ruleChanged = input.RuleJson is not null && input.RuleJson != row.Rule;
        row.Rule = input.RuleJson ?? row.Rule;
        Audit(db, tenantId, time.GetUtcNow().UtcTicks, actor, ruleChanged ? "tag.rule.update" : "tag.update", ruleChanged ? $"{row.Name}: {row.Rule}" : row.Name);
        await SaveAsync(db, tenantId);
        if (ruleChanged)
        {
            await audiences.ReevaluateRulesAsync(tenantId);
        }
        return new(row, []);
    }

    public async Task<bool> DeleteTagAsync(int tenantId, string actor, long id)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.Tags.FirstOrDefaultAsync(t => t.Id == id && t.TenantId == tenantId && t.DeletedAtTicks == null);
        if (row is null)
        {
            return false;
        }
        row.DeletedAtTicks = time.GetUtcNow().UtcTicks;
        Audit(db, tenantId, row.DeletedAtTicks.Value, actor, "tag.delete", row.Name);
        await SaveAsync(db, tenantId);
        return true;
    }

    private void CheckRule(int tenantId, string kind, string? ruleJson, bool required, List<FieldError> errors)
    {
        if (kind != TagSource.Rule)
        {
            if (ruleJson is not null)
            {
                errors.Add(new FieldError("rule", "Only rule tags (kind \"rule\") have a rule."));
            }
            return;
        }
        if (ruleJson is null && !required)
        {
            return;
        }
        errors.AddRange(audiences.ValidateRule(tenantId, ruleJson));
    }

    private static string? CheckName(string? name, List<FieldError> errors)
    {
        var trimmed = name?.Trim();
        if (string.IsNullOrEmpty(trimmed) || trimmed.Length > MaxNameLength)
        {
            errors.Add(new FieldError("name", $"A name of 1–{MaxNameLength} characters is required."));
            return null;
        }
        return trimmed;
    }

    private static async Task<string?> CheckGroupNameAsync(SiyuDb db, int tenantId, long? id, string? name, List<FieldError> errors)
    {
        var checkedName = CheckName(name, errors);
        if (checkedName is not null && await db.TagGroups.AnyAsync(g => g.TenantId == tenantId && g.Id != id && g.Name == checkedName && g.DeletedAtTicks == null))
        {
            errors.Add(new FieldError("name", $"A tag group named '{checkedName}' already exists."));
        }
        return checkedName;
    }

    private static async Task<string?> CheckTagAsync(SiyuDb db, int tenantId, long? id, long? groupId, string? name, TagInput input, List<FieldError> errors)
    {
        var checkedName = CheckName(name, errors);
        if (groupId is null || !await db.TagGroups.AnyAsync(g => g.Id == groupId && g.TenantId == tenantId && g.DeletedAtTicks == null))
        {
            errors.Add(new FieldError("group_id", groupId is null ? "group_id is required." : $"No tag group {groupId}."));
        }
        else if (checkedName is not null && await db.Tags.AnyAsync(t => t.TenantId == tenantId && t.Id != id && t.GroupId == groupId && t.Name == checkedName && t.DeletedAtTicks == null))
        {
            errors.Add(new FieldError("name", $"The group already has a tag named '{checkedName}'."));
        }
        if (input.Color is { } color && !System.Text.RegularExpressions.Regex.IsMatch(color, "^#[0-9a-fA-F]{6}$"))
        {
            errors.Add(new FieldError("color", "Color is #RRGGBB."));
        }
        if (input.Description is { Length: > 200 })
        {
            errors.Add(new FieldError("description", "At most 200 characters."));
        }
        return checkedName;
    }

    private static void Audit(SiyuDb db, int tenantId, long now, string actor, string action, string detail) =>
        AuditLog.Record(db, tenantId, now, actor, action, target: detail);

    private async Task SaveAsync(SiyuDb db, int tenantId)
    {
        await db.SaveChangesAsync();
        catalog.Invalidate(tenantId);
        conditions.Invalidate(tenantId);
    }
}
