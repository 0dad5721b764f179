using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Events;
using Siyu.Core.Messaging;
using Siyu.Core.Scripts;
using Siyu.Server.Compliance;
using Siyu.Server.Data;
using Siyu.Server.Partitions;

namespace Siyu.Server.Scripts;

public sealed record ScriptView(
    long Id, long? FolderId, string Kind, string Title, string? Text, string? Url, string? Description, string? FileName,
    string? AppId, string? Page, IReadOnlyList<long> TagIds, IReadOnlyList<string> Intents, int Uses, DateTimeOffset? LastUsedAt, string? CreatedBy, DateTimeOffset UpdatedAt);

public sealed record FolderView(long Id, long? ParentId, string Name, int Scripts);

/// <summary>A script rendered for one customer, ready to paste or send into the chat.</summary>
public sealed record RenderedScript(long ScriptId, string Kind, string Title, string? Text, string? Url, string? Description, string? FileName, string? AppId, string? Page);

public sealed record StaffUses(string Actor, int Uses);

public sealed record DayUses(DateOnly Day, int Uses);

public sealed record ScriptStats(long ScriptId, string Title, int Uses, IReadOnlyList<StaffUses> ByStaff, IReadOnlyList<DayUses> ByDay);

/// <summary>
/// The script and material library (话术库/素材库): folders, scripts with placeholders, content review before save,
/// search (Chinese substrings of title and text), use counted per staff member and day, and rendering for a customer.
/// </summary>
public sealed class ScriptLibrary(IDbContextFactory<SiyuDb> dbs, Delivery.DeliverySettingsStore review, Tenants.TenantDirectory tenants, TimeProvider time)
{
    public const int MaxFolders = 500;

    /// <summary>What a placeholder may name: profile fields and any attribute (attributes.X).</summary>
    private static readonly IReadOnlySet<string> Fields = new PlaceholderFields();

    private sealed class PlaceholderFields : HashSet<string>, IReadOnlySet<string>
    {
        public PlaceholderFields() : base(ProfileTemplateValues.BuiltInFields, StringComparer.Ordinal)
        {
        }

        bool IReadOnlySet<string>.Contains(string item) => Contains(item) || (item.StartsWith(ProfileTemplateValues.AttributePrefix, StringComparison.Ordinal) && item.Length > ProfileTemplateValues.AttributePrefix.Length);
    }

    private static ScriptView View(ScriptRow r) => new(
        r.Id, r.FolderId, r.Kind, r.Title, r.Text, r.Url, r.Description, r.FileName, r.AppId, r.Page,
        JsonSerializer.Deserialize<long[]>(r.TagIds) ?? [], JsonSerializer.Deserialize<string[]>(r.Intents) ?? [], r.Uses,
        r.LastUsedAtTicks is { } t ? new DateTimeOffset(t, TimeSpan.Zero) : null, r.CreatedBy, new DateTimeOffset(r.UpdatedAtTicks, TimeSpan.Zero));

    public async Task<IReadOnlyList<FolderView>> FoldersAsync(int tenantId)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var counts = await db.Scripts.Where(s => s.TenantId == tenantId && s.DeletedAtTicks == null && s.FolderId != null)
            .GroupBy(s => s.FolderId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key!.Value, g => g.Count);
        return [.. (await db.ScriptFolders.AsNoTracking().Where(f => f.TenantId == tenantId && f.DeletedAtTicks == null).OrderBy(f => f.Name).ToListAsync())
            .Select(f => new FolderView(f.Id, f.ParentId, f.Name, counts.GetValueOrDefault(f.Id)))];
    }

    public async Task<(FolderView? Folder, IReadOnlyList<FieldError> Errors)> SaveFolderAsync(int tenantId, string actor, long? id, string? name, long? parentId)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > 60 || name.Any(char.IsControl))
        {
            errors.Add(new FieldError("name", "1–60 characters, no control characters."));
        }
        var folders = await db.ScriptFolders.Where(f => f.TenantId == tenantId && f.DeletedAtTicks == null).ToListAsync();
        if (parentId is { } p && folders.All(f => f.Id != p))
        {
            errors.Add(new FieldError("parent_id", $"No folder {p}."));
        }
        // A folder may not become its own ancestor.
        for (var cursor = parentId; cursor is { } c && id is not null; cursor = folders.FirstOrDefault(f => f.Id == c)?.ParentId)
        {
            if (c == id)
            {
                errors.Add(new FieldError("parent_id", "A folder cannot be moved into itself or one of its sub-folders."));
                break;
            }
        }
        if (id is null && folders.Count >= MaxFolders)
        {
            errors.Add(new FieldError("name", $"At most {MaxFolders} folders."));
        }
        var row = id is { } existing ? folders.FirstOrDefault(f => f.Id == existing) : null;
        if (id is not null && row is null)
        {
            return (null, []);
        }
        if (errors.Count > 0)
        {
            return (null, errors);
        }
        var now = time.GetUtcNow().UtcTicks;
        if (row is null)
        {
            row = new ScriptFolderRow { TenantId = tenantId, Name = name!.Trim(), ParentId = parentId, CreatedAtTicks = now };
            db.ScriptFolders.Add(row);
        }
        else
        {
            (row.Name, row.ParentId) = (name!.Trim(), parentId);
        }
        AuditLog.Record(db, tenantId, now, actor, id is null ? "script_folder.create" : "script_folder.update", target: row.Name);
        await db.SaveChangesAsync();
        return (new FolderView(row.Id, row.ParentId, row.Name, 0), []);
    }

    /// <summary>Deletes an empty folder; false when missing, a conflict message when it still holds scripts or folders.</summary>
    public async Task<(bool Found, string? Conflict)> DeleteFolderAsync(int tenantId, string actor, long id)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.ScriptFolders.FirstOrDefaultAsync(f => f.TenantId == tenantId && f.Id == id && f.DeletedAtTicks == null);
        if (row is null)
        {
            return (false, null);
        }
        if (await db.Scripts.AnyAsync(s => s.TenantId == tenantId && s.FolderId == id && s.DeletedAtTicks == null)
            || await db.ScriptFolders.AnyAsync(f => f.TenantId == tenantId && f.ParentId == id && f.DeletedAtTicks == null))
        {
            return (true, "The folder is not empty: move or delete its scripts and sub-folders first.");
        }
        row.DeletedAtTicks = time.GetUtcNow().UtcTicks;
        AuditLog.Record(db, tenantId, row.DeletedAtTicks.Value, actor, "script_folder.delete", target: row.Name);
        await db.SaveChangesAsync();
        return (true, null);
    }

    /// <summary>Scripts newest first; <paramref name="query"/> matches title and text (Chinese substrings, case-insensitive).</summary>
    public async Task<IReadOnlyList<ScriptView>> ListAsync(int tenantId, string? query = null, long? folderId = null, string? kind = null, long? tagId = null, int limit = 200)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var rows = db.Scripts.AsNoTracking().Where(s => s.TenantId == tenantId && s.DeletedAtTicks == null);
        if (folderId is { } folder)
        {
            rows = rows.Where(s => s.FolderId == folder);
        }
        if (kind is not null)
        {
            rows = rows.Where(s => s.Kind == kind);
        }
        var list = (await rows.OrderByDescending(s => s.UpdatedAtTicks).ToListAsync()).Select(View);
        if (query?.Trim() is { Length: > 0 } q)
        {
            list = list.Where(s => s.Title.Contains(q, StringComparison.OrdinalIgnoreCase) || (s.Text?.Contains(q, StringComparison.OrdinalIgnoreCase) ?? false)
                || (s.Description?.Contains(q, StringComparison.OrdinalIgnoreCase) ?? false));
        }
        if (tagId is { } tag)
        {
            list = list.Where(s => s.TagIds.Contains(tag));
        }
        return [.. list.Take(Math.Clamp(limit, 1, 500))];
    }

    public async Task<ScriptView?> GetAsync(int tenantId, long id)
    {
        await using var db = await dbs.CreateDbContextAsync();
        return await db.Scripts.AsNoTracking().FirstOrDefaultAsync(s => s.TenantId == tenantId && s.Id == id && s.DeletedAtTicks == null) is { } row ? View(row) : null;
    }

    /// <summary>Validates, reviews the texts (a blocking word refuses the save; review words are returned) and saves; null id creates.</summary>
    public async Task<(ScriptView? Script, IReadOnlyList<FieldError> Errors, IReadOnlyList<Core.Delivery.ReviewHit> ReviewHits, bool Found)> SaveAsync(
        int tenantId, string actor, long? id, ScriptInput input)
    {
        var errors = input.Validate(Fields);
        await using var db = await dbs.CreateDbContextAsync();
        if (input.FolderId is { } folder && !await db.ScriptFolders.AnyAsync(f => f.TenantId == tenantId && f.Id == folder && f.DeletedAtTicks == null))
        {
            errors.Add(new FieldError("folder_id", $"No folder {folder}."));
        }
        if (input.TagIds is { Count: > 0 } tagIds)
        {
            var known = await db.Tags.Where(t => t.TenantId == tenantId && t.DeletedAtTicks == null && tagIds.Contains(t.Id)).Select(t => t.Id).ToListAsync();
            for (var i = 0; i < tagIds.Count; i++)
            {
                if (!known.Contains(tagIds[i]))
                {
                    errors.Add(new FieldError($"tag_ids[{i}]", $"No tag {tagIds[i]}."));
                }
            }
        }
        var row = id is { } existing ? await db.Scripts.FirstOrDefaultAsync(s => s.TenantId == tenantId && s.Id == existing && s.DeletedAtTicks == null) : null;
        if (id is not null && row is null)
        {
            return (null, [], [], false);
        }
        if (errors.Count > 0)
        {
            return (null, errors, [], true);
        }
        var texts = new List<(string, string)> { ("title", input.Title!) };
        if (input.Text is { Length: > 0 } text)
        {
            texts.Add(("text", text));
        }
        if (input.Description is { Length: > 0 } description)
        {
            texts.Add(("description", description));
        }
        var reviewed = await review.ReviewFieldsAsync(tenantId, texts);
        if (Delivery.DeliverySettingsStore.BlockingErrors(reviewed) is { Count: > 0 } blocked)
        {
            return (null, blocked, reviewed.Hits, true);
        }
        var now = time.GetUtcNow().UtcTicks;
        if (row is null)
        {
            row = new ScriptRow { TenantId = tenantId, Kind = input.Kind!, Title = input.Title!.Trim(), CreatedBy = actor, CreatedAtTicks = now };
            db.Scripts.Add(row);
        }
        row.FolderId = input.FolderId;
        row.Kind = input.Kind!;
        row.Title = input.Title!.Trim();
        row.Text = string.IsNullOrEmpty(input.Text) ? null : input.Text;
        row.Url = input.Url;
        row.Description = input.Description;
        row.FileName = input.FileName;
        row.AppId = input.AppId;
        row.Page = input.Page;
        row.TagIds = JsonSerializer.Serialize(input.TagIds?.Distinct().ToArray() ?? []);
        row.Intents = JsonSerializer.Serialize(input.Intents?.Distinct(StringComparer.Ordinal).ToArray() ?? []);
        row.UpdatedAtTicks = now;
        AuditLog.Record(db, tenantId, now, actor, id is null ? "script.create" : "script.update", target: row.Title);
        await db.SaveChangesAsync();
        return (View(row), [], reviewed.Hits, true);
    }

    public async Task<bool> DeleteAsync(int tenantId, string actor, long id)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.Scripts.FirstOrDefaultAsync(s => s.TenantId == tenantId && s.Id == id && s.DeletedAtTicks == null);
        if (row is null)
        {
            return false;
        }
        row.DeletedAtTicks = time.GetUtcNow().UtcTicks;
        AuditLog.Record(db, tenantId, row.DeletedAtTicks.Value, actor, "script.delete", target: row.Title);
        await db.SaveChangesAsync();
        return true;
    }

    /// <summary>
    /// The script with its placeholders filled from this customer's profile (null profile: the defaults), and the use
    /// counted for the actor today. Null when the script does not exist.
    /// </summary>
    public async Task<RenderedScript?> UseAsync(int tenantId, string actor, long scriptId, CustomerView? customer)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.Scripts.FirstOrDefaultAsync(s => s.TenantId == tenantId && s.Id == scriptId && s.DeletedAtTicks == null);
        if (row is null)
        {
            return null;
        }
        var now = time.GetUtcNow();
        var day = tenants.Today(tenantId, time);
        row.Uses++;
        row.LastUsedAtTicks = now.UtcTicks;
        var use = await db.ScriptUses.FirstOrDefaultAsync(u => u.TenantId == tenantId && u.ScriptId == scriptId && u.Day == day && u.Actor == actor);
        if (use is null)
        {
            db.ScriptUses.Add(new ScriptUseRow { TenantId = tenantId, ScriptId = scriptId, Day = day, Actor = actor, Count = 1 });
        }
        else
        {
            use.Count++;
        }
        await db.SaveChangesAsync();
        var text = row.Text is { Length: > 0 } t ? Render(t, customer) : row.Text;
        return new RenderedScript(row.Id, row.Kind, row.Title, text, row.Url, row.Description, row.FileName, row.AppId, row.Page);
    }

    /// <summary>A script's text with its placeholders filled from the customer (defaults when there is none).</summary>
    public static string Render(string text, CustomerView? customer) =>
        MessageTemplate.Parse(text, Fields, "text").Template is { } template ? template.Render(Values(customer)) : text;

    public async Task<ScriptStats?> StatsAsync(int tenantId, long scriptId, int days = 30)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.Scripts.AsNoTracking().FirstOrDefaultAsync(s => s.TenantId == tenantId && s.Id == scriptId);
        if (row is null)
        {
            return null;
        }
        var from = tenants.Today(tenantId, time) + 1 - days;
        var uses = await db.ScriptUses.AsNoTracking().Where(u => u.TenantId == tenantId && u.ScriptId == scriptId && u.Day >= from).ToListAsync();
        return new ScriptStats(row.Id, row.Title, row.Uses,
            [.. uses.GroupBy(u => u.Actor).Select(g => new StaffUses(g.Key, g.Sum(u => u.Count))).OrderByDescending(x => x.Uses)],
            [.. uses.GroupBy(u => u.Day).Select(g => new DayUses(DateOnly.FromDayNumber(g.Key), g.Sum(u => u.Count))).OrderBy(x => x.Day)]);
    }

    /// <summary>Profile values for placeholders: name, orders, spend and attributes.</summary>
    private static DictionaryTemplateValues Values(CustomerView? customer)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (customer is null)
        {
            return new DictionaryTemplateValues(values);
        }
        values["name"] = customer.Name;
        values["orders"] = customer.Orders.ToString(CultureInfo.InvariantCulture);
        values["spend"] = customer.Spend.ToString(CultureInfo.InvariantCulture);
        values["net_spend"] = (customer.Spend - customer.Refunded).ToString(CultureInfo.InvariantCulture);
        if (JsonNode.Parse(customer.AttributesJson) is JsonObject attributes)
        {
            foreach (var (name, value) in attributes)
            {
                var text = value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : value?.ToJsonString();
                values[ProfileTemplateValues.AttributePrefix + name] = text;
                values.TryAdd(name, text);
            }
        }
        return new DictionaryTemplateValues(values);
    }
}
