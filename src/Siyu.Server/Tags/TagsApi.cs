using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Events;
using Siyu.Core.Tags;
using Siyu.Server.Auth;
using Siyu.Server.Customers;
using Siyu.Server.Data;

namespace Siyu.Server.Tags;

/// <summary>Tag groups and tags (definitions), tagging customers one by one or in bulk, and a customer's tag history.</summary>
public static class TagsApi
{
    private static readonly string[] Editors = [Roles.Admin, Roles.Operator];

    public static RouteGroupBuilder MapTagsApi(this RouteGroupBuilder api)
    {
        var groups = api.MapGroup("/tag-groups").WithTags("Tags");
        groups.MapGet("/", List).WithName("ListTagGroups").WithSummary("Tag groups with their tags and how many customers carry each");
        groups.MapPost("/", CreateGroup).WithName("CreateTagGroup").RequireAuthorization(p => p.RequireRole(Editors));
        groups.MapPatch("/{id:long}", UpdateGroup).WithName("UpdateTagGroup").RequireAuthorization(p => p.RequireRole(Editors));
        groups.MapDelete("/{id:long}", DeleteGroup).WithName("DeleteTagGroup").WithSummary("Delete a group and its tags (customers keep their history)")
            .RequireAuthorization(p => p.RequireRole(Editors));

        var tags = api.MapGroup("/tags").WithTags("Tags");
        tags.MapPost("/", CreateTag).WithName("CreateTag").RequireAuthorization(p => p.RequireRole(Editors));
        tags.MapPatch("/{id:long}", UpdateTag).WithName("UpdateTag").RequireAuthorization(p => p.RequireRole(Editors));
        tags.MapDelete("/{id:long}", DeleteTag).WithName("DeleteTag").RequireAuthorization(p => p.RequireRole(Editors));
        tags.MapPost("/apply", Apply).WithName("ApplyTags")
            .WithSummary($"Add and/or remove tags on up to {TagWriter.MaxCustomersPerRequest:N0} customers; all or nothing, no-ops skipped");

        api.MapPost("/customers/{id:long}/tags", ApplyOne).WithTags("Tags").WithName("TagCustomer").WithSummary("Add and/or remove tags on one customer");
        api.MapGet("/customers/{id:long}/tag-history", History).WithTags("Tags").WithName("CustomerTagHistory")
            .WithSummary("Every tag change of the customer: who, when, why, from which source");
        return api;
    }

    public sealed record TagDto(long Id, long GroupId, string Name, string Kind, string? Color, string? Description, int Customers);
    public sealed record TagGroupDto(long Id, string Name, int SortOrder, IReadOnlyList<TagDto> Tags);
    public sealed record GroupRequest(string? Name, int? SortOrder);
    public sealed record TagRequest(long? GroupId, string? Name, string? Kind, string? Color, string? Description);
    public sealed record ApplyRequest(IReadOnlyList<long>? CustomerIds, IReadOnlyList<long>? Add, IReadOnlyList<long>? Remove, string? Reason, string? Source, string? RequestId);
    public sealed record ApplyOneRequest(IReadOnlyList<long>? Add, IReadOnlyList<long>? Remove, string? Reason, string? Source);
    public sealed record ApplyResponse(int Added, int Removed, int Unchanged);
    public sealed record TagHistoryEntry(long Seq, long TagId, string? TagName, string Action, string Source, string? Actor, string? Reason, DateTimeOffset At);

    private static async Task<IResult> List(HttpContext http, TagCatalog catalog, CustomerReader reader)
    {
        var tenant = http.User.TenantId();
        var counts = await reader.TagCountsAsync(tenant);
        return TypedResults.Ok(catalog.Groups(tenant).Select(g => new TagGroupDto(g.Id, g.Name, g.SortOrder,
            [.. g.Tags.Select(t => new TagDto(t.Id, t.GroupId, t.Name, t.Kind, t.Color, t.Description, counts.GetValueOrDefault(t.Id)))])).ToList());
    }

    private static string? CheckName(string? name, string field, List<FieldError> errors)
    {
        var trimmed = name?.Trim();
        if (string.IsNullOrEmpty(trimmed) || trimmed.Length > 30)
        {
            errors.Add(new FieldError(field, "A name of 1–30 characters is required."));
            return null;
        }
        return trimmed;
    }

    private static async Task<IResult> CreateGroup(HttpContext http, SiyuDb db, TagCatalog catalog, TimeProvider time, GroupRequest request)
    {
        var tenant = http.User.TenantId();
        var errors = new List<FieldError>();
        var name = CheckName(request.Name, "name", errors);
        if (name is not null && await db.TagGroups.AnyAsync(g => g.TenantId == tenant && g.Name == name && g.DeletedAtTicks == null))
        {
            errors.Add(new FieldError("name", $"A tag group named '{name}' already exists."));
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        var now = time.GetUtcNow().UtcTicks;
        var row = new TagGroupRow { TenantId = tenant, Name = name!, SortOrder = request.SortOrder ?? 0, CreatedAtTicks = now };
        db.TagGroups.Add(row);
        db.Audit.Add(new AuditEntry { TenantId = tenant, AtTicks = now, Actor = http.User.Actor(), Action = "taggroup.create", Detail = name! });
        await db.SaveChangesAsync();
        catalog.Invalidate(tenant);
        return TypedResults.Created($"/api/v1/tag-groups/{row.Id}", new TagGroupDto(row.Id, row.Name, row.SortOrder, []));
    }

    private static async Task<IResult> UpdateGroup(HttpContext http, SiyuDb db, TagCatalog catalog, long id, GroupRequest request)
    {
        var tenant = http.User.TenantId();
        var row = await db.TagGroups.FirstOrDefaultAsync(g => g.Id == id && g.TenantId == tenant && g.DeletedAtTicks == null);
        if (row is null)
        {
            return Problems.NotFound($"No tag group {id}.");
        }
        var errors = new List<FieldError>();
        if (request.Name is not null && CheckName(request.Name, "name", errors) is { } name)
        {
            if (await db.TagGroups.AnyAsync(g => g.TenantId == tenant && g.Id != id && g.Name == name && g.DeletedAtTicks == null))
            {
                errors.Add(new FieldError("name", $"A tag group named '{name}' already exists."));
            }
            row.Name = name;
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        row.SortOrder = request.SortOrder ?? row.SortOrder;
        await db.SaveChangesAsync();
        catalog.Invalidate(tenant);
        return TypedResults.Ok(new { id = row.Id, name = row.Name, sort_order = row.SortOrder });
    }

    private static async Task<IResult> DeleteGroup(HttpContext http, SiyuDb db, TagCatalog catalog, TimeProvider time, long id)
    {
        var tenant = http.User.TenantId();
        var row = await db.TagGroups.FirstOrDefaultAsync(g => g.Id == id && g.TenantId == tenant && g.DeletedAtTicks == null);
        if (row is null)
        {
            return Problems.NotFound($"No tag group {id}.");
        }
        var now = time.GetUtcNow().UtcTicks;
        row.DeletedAtTicks = now;
        await db.Tags.Where(t => t.TenantId == tenant && t.GroupId == id && t.DeletedAtTicks == null).ExecuteUpdateAsync(s => s.SetProperty(t => t.DeletedAtTicks, now));
        db.Audit.Add(new AuditEntry { TenantId = tenant, AtTicks = now, Actor = http.User.Actor(), Action = "taggroup.delete", Detail = row.Name });
        await db.SaveChangesAsync();
        catalog.Invalidate(tenant);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> CreateTag(HttpContext http, SiyuDb db, TagCatalog catalog, TimeProvider time, TagRequest request)
    {
        var tenant = http.User.TenantId();
        var errors = new List<FieldError>();
        var name = CheckName(request.Name, "name", errors);
        var kind = request.Kind ?? TagSource.Manual;
        if (!TagSource.IsValid(kind))
        {
            errors.Add(new FieldError("kind", $"Unknown kind '{kind}'; use one of {string.Join(", ", TagSource.All)}."));
        }
        if (request.GroupId is not { } groupId || !await db.TagGroups.AnyAsync(g => g.Id == groupId && g.TenantId == tenant && g.DeletedAtTicks == null))
        {
            errors.Add(new FieldError("group_id", request.GroupId is null ? "group_id is required." : $"No tag group {request.GroupId}."));
        }
        else if (name is not null && await db.Tags.AnyAsync(t => t.TenantId == tenant && t.GroupId == groupId && t.Name == name && t.DeletedAtTicks == null))
        {
            errors.Add(new FieldError("name", $"The group already has a tag named '{name}'."));
        }
        CheckDetails(request, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        var now = time.GetUtcNow().UtcTicks;
        var row = new TagRow { TenantId = tenant, GroupId = request.GroupId!.Value, Name = name!, Kind = kind, Color = request.Color, Description = request.Description, CreatedAtTicks = now };
        db.Tags.Add(row);
        db.Audit.Add(new AuditEntry { TenantId = tenant, AtTicks = now, Actor = http.User.Actor(), Action = "tag.create", Detail = name! });
        await db.SaveChangesAsync();
        catalog.Invalidate(tenant);
        return TypedResults.Created($"/api/v1/tags/{row.Id}", new TagDto(row.Id, row.GroupId, row.Name, row.Kind, row.Color, row.Description, 0));
    }

    private static void CheckDetails(TagRequest request, List<FieldError> errors)
    {
        if (request.Color is { } color && !System.Text.RegularExpressions.Regex.IsMatch(color, "^#[0-9a-fA-F]{6}$"))
        {
            errors.Add(new FieldError("color", "Color is #RRGGBB."));
        }
        if (request.Description is { Length: > 200 })
        {
            errors.Add(new FieldError("description", "At most 200 characters."));
        }
    }

    private static async Task<IResult> UpdateTag(HttpContext http, SiyuDb db, TagCatalog catalog, long id, TagRequest request)
    {
        var tenant = http.User.TenantId();
        var row = await db.Tags.FirstOrDefaultAsync(t => t.Id == id && t.TenantId == tenant && t.DeletedAtTicks == null);
        if (row is null)
        {
            return Problems.NotFound($"No tag {id}.");
        }
        var errors = new List<FieldError>();
        var groupId = request.GroupId ?? row.GroupId;
        if (!await db.TagGroups.AnyAsync(g => g.Id == groupId && g.TenantId == tenant && g.DeletedAtTicks == null))
        {
            errors.Add(new FieldError("group_id", $"No tag group {groupId}."));
        }
        var name = request.Name is null ? row.Name : CheckName(request.Name, "name", errors);
        if (name is not null && await db.Tags.AnyAsync(t => t.TenantId == tenant && t.Id != id && t.GroupId == groupId && t.Name == name && t.DeletedAtTicks == null))
        {
            errors.Add(new FieldError("name", $"The group already has a tag named '{name}'."));
        }
        if (request.Kind is not null && request.Kind != row.Kind)
        {
            errors.Add(new FieldError("kind", "A tag's kind is fixed when it is created."));
        }
        CheckDetails(request, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        (row.GroupId, row.Name, row.Color, row.Description) = (groupId, name!, request.Color ?? row.Color, request.Description ?? row.Description);
        await db.SaveChangesAsync();
        catalog.Invalidate(tenant);
        return TypedResults.Ok(new TagDto(row.Id, row.GroupId, row.Name, row.Kind, row.Color, row.Description, 0));
    }

    private static async Task<IResult> DeleteTag(HttpContext http, SiyuDb db, TagCatalog catalog, TimeProvider time, long id)
    {
        var tenant = http.User.TenantId();
        var row = await db.Tags.FirstOrDefaultAsync(t => t.Id == id && t.TenantId == tenant && t.DeletedAtTicks == null);
        if (row is null)
        {
            return Problems.NotFound($"No tag {id}.");
        }
        row.DeletedAtTicks = time.GetUtcNow().UtcTicks;
        db.Audit.Add(new AuditEntry { TenantId = tenant, AtTicks = row.DeletedAtTicks.Value, Actor = http.User.Actor(), Action = "tag.delete", Detail = row.Name });
        await db.SaveChangesAsync();
        catalog.Invalidate(tenant);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> Apply(HttpContext http, TagWriter writer, ApplyRequest request)
    {
        var result = await writer.ApplyAsync(http.User.TenantId(), new TagChangeRequest(request.CustomerIds ?? [], request.Add ?? [], request.Remove ?? [],
            request.Source ?? TagSource.Manual, http.User.Actor(), request.Reason, request.RequestId));
        return result.Errors.Count > 0 ? Problems.Validation(result.Errors) : TypedResults.Ok(new ApplyResponse(result.Added, result.Removed, result.Unchanged));
    }

    private static async Task<IResult> ApplyOne(HttpContext http, TagWriter writer, CustomerReader reader, long id, ApplyOneRequest request)
    {
        if (reader.Canonical(http.User.TenantId(), id) is null)
        {
            return Problems.NotFound($"No customer {id}.");
        }
        var result = await writer.ApplyAsync(http.User.TenantId(), new TagChangeRequest([id], request.Add ?? [], request.Remove ?? [],
            request.Source ?? TagSource.Manual, http.User.Actor(), request.Reason));
        return result.Errors.Count > 0 ? Problems.Validation(result.Errors) : TypedResults.Ok(new ApplyResponse(result.Added, result.Removed, result.Unchanged));
    }

    private static IResult History(HttpContext http, CustomerReader reader, TagCatalog catalog, long id)
    {
        var tenant = http.User.TenantId();
        return reader.Canonical(tenant, id) is { } canonical
            ? TypedResults.Ok(TagHistory(reader, catalog, tenant, canonical))
            : Problems.NotFound($"No customer {id}.");
    }

    public static List<TagHistoryEntry> TagHistory(CustomerReader reader, TagCatalog catalog, int tenant, long customerId) =>
        [.. reader.Timeline(tenant, customerId, null, 500, EventTypes.TagAdded).Concat(reader.Timeline(tenant, customerId, null, 500, EventTypes.TagRemoved))
            .OrderByDescending(e => e.TimestampTicks).ThenByDescending(e => e.Seq)
            .Select(e =>
            {
                var p = JsonNode.Parse(e.Properties ?? "{}")!.AsObject();
                var tagId = p["tag_id"]!.GetValue<long>();
                return new TagHistoryEntry(e.Seq, tagId, catalog.Find(tenant, tagId)?.Name, e.Type == EventTypes.TagAdded ? "added" : "removed",
                    p["source"]?.GetValue<string>() ?? TagSource.Manual, p["actor"]?.GetValue<string>(), p["reason"]?.GetValue<string>(),
                    new DateTimeOffset(e.TimestampTicks, TimeSpan.Zero));
            })];
}
