using Siyu.Core.Access;
using System.Text.Json.Nodes;
using Siyu.Core.Events;
using Siyu.Core.Tags;
using Siyu.Server.Auth;
using Siyu.Server.Customers;
using Siyu.Server.Data;

namespace Siyu.Server.Tags;

/// <summary>Tag groups and tags (definitions), tagging customers one by one or in bulk, and a customer's tag history.</summary>
public static class TagsApi
{

    public static RouteGroupBuilder MapTagsApi(this RouteGroupBuilder api)
    {
        var groups = api.MapGroup("/tag-groups").WithTags("Tags");
        groups.MapGet("/", List).WithName("ListTagGroups").Requires(Permission.TagsRead).WithSummary("Tag groups with their tags and how many customers carry each");
        groups.MapPost("/", CreateGroup).WithName("CreateTagGroup").Requires(Permission.TagsWrite);
        groups.MapPatch("/{id:long}", UpdateGroup).WithName("UpdateTagGroup").Requires(Permission.TagsWrite);
        groups.MapDelete("/{id:long}", DeleteGroup).WithName("DeleteTagGroup").Requires(Permission.TagsWrite).WithSummary("Delete a group and its tags (customers keep their history)");

        var tags = api.MapGroup("/tags").WithTags("Tags");
        tags.MapPost("/", CreateTag).WithName("CreateTag").Requires(Permission.TagsWrite);
        tags.MapPatch("/{id:long}", UpdateTag).WithName("UpdateTag").Requires(Permission.TagsWrite);
        tags.MapDelete("/{id:long}", DeleteTag).WithName("DeleteTag").Requires(Permission.TagsWrite);
        tags.MapPost("/apply", Apply).WithName("ApplyTags").Requires(Permission.TagsWrite)
            .WithSummary($"Add and/or remove tags on up to {TagWriter.MaxCustomersPerRequest:N0} customers; all or nothing, no-ops skipped");

        api.MapPost("/customers/{id:long}/tags", ApplyOne).WithTags("Tags").WithName("TagCustomer").Requires(Permission.CustomersWrite).WithSummary("Add and/or remove tags on one customer");
        api.MapGet("/customers/{id:long}/tag-history", History).WithTags("Tags").WithName("CustomerTagHistory").Requires(Permission.CustomersRead)
            .WithSummary("Every tag change of the customer: who, when, why, from which source");
        return api;
    }

    public sealed record TagDto(long Id, long GroupId, string Name, string Kind, string? Color, string? Description, int Customers, JsonNode? Rule = null, JsonNode? Keywords = null);
    public sealed record TagGroupDto(long Id, string Name, int SortOrder, IReadOnlyList<TagDto> Tags);
    public sealed record GroupRequest(string? Name, int? SortOrder);
    public sealed record TagRequest(long? GroupId, string? Name, string? Kind, string? Color, string? Description, System.Text.Json.JsonElement? Rule = null, IReadOnlyList<string>? Keywords = null);
    public sealed record ApplyRequest(IReadOnlyList<long>? CustomerIds, IReadOnlyList<long>? Add, IReadOnlyList<long>? Remove, string? Reason, string? Source, string? RequestId);
    public sealed record ApplyOneRequest(IReadOnlyList<long>? Add, IReadOnlyList<long>? Remove, string? Reason, string? Source);
    public sealed record ApplyResponse(int Added, int Removed, int Unchanged);

    private static async Task<IResult> List(HttpContext http, TagCatalog catalog, CustomerReader reader)
    {
        var tenant = http.User.TenantId();
        var counts = await reader.TagCountsAsync(tenant);
        return TypedResults.Ok(catalog.Groups(tenant).Select(g => new TagGroupDto(g.Id, g.Name, g.SortOrder,
            [.. g.Tags.Select(t => new TagDto(t.Id, t.GroupId, t.Name, t.Kind, t.Color, t.Description, counts.GetValueOrDefault(t.Id), t.Rule is null ? null : JsonNode.Parse(t.Rule), t.Keywords is null ? null : JsonNode.Parse(t.Keywords)))])).ToList());
    }

    private static IResult Answer<T>(DefinitionResult<T> result, Func<T, IResult> ok, string what) where T : class =>
        result.NotFound ? Problems.NotFound($"No {what}.") : result.Errors.Count > 0 ? Problems.Validation(result.Errors) : ok(result.Value!);

    private static async Task<IResult> CreateGroup(HttpContext http, TagDefinitions definitions, GroupRequest request) =>
        Answer(await definitions.CreateGroupAsync(http.User.TenantId(), http.User.Actor(), new TagGroupInput(request.Name, request.SortOrder)),
            g => TypedResults.Created($"/api/v1/tag-groups/{g.Id}", new TagGroupDto(g.Id, g.Name, g.SortOrder, [])), "tag group");

    private static async Task<IResult> UpdateGroup(HttpContext http, TagDefinitions definitions, long id, GroupRequest request) =>
        Answer(await definitions.UpdateGroupAsync(http.User.TenantId(), http.User.Actor(), id, new TagGroupInput(request.Name, request.SortOrder)),
            g => TypedResults.Ok(new TagGroupDto(g.Id, g.Name, g.SortOrder, [])), $"tag group {id}");

    private static async Task<IResult> DeleteGroup(HttpContext http, TagDefinitions definitions, long id) =>
        await definitions.DeleteGroupAsync(http.User.TenantId(), http.User.Actor(), id) ? TypedResults.NoContent() : Problems.NotFound($"No tag group {id}.");

    private static TagInput Input(TagRequest r) => new(r.GroupId, r.Name, r.Kind, r.Color, r.Description, Audiences.AudienceService.ConditionText(r.Rule), r.Keywords);

    private static TagDto Dto(TagRow t) => new(t.Id, t.GroupId, t.Name, t.Kind, t.Color, t.Description, 0, t.Rule is null ? null : JsonNode.Parse(t.Rule));

    private static async Task<IResult> CreateTag(HttpContext http, TagDefinitions definitions, TagRequest request) =>
        Answer(await definitions.CreateTagAsync(http.User.TenantId(), http.User.Actor(), Input(request)),
            t => TypedResults.Created($"/api/v1/tags/{t.Id}", Dto(t)), "tag");

    private static async Task<IResult> UpdateTag(HttpContext http, TagDefinitions definitions, long id, TagRequest request) =>
        Answer(await definitions.UpdateTagAsync(http.User.TenantId(), http.User.Actor(), id, Input(request)), t => TypedResults.Ok(Dto(t)), $"tag {id}");

    private static async Task<IResult> DeleteTag(HttpContext http, TagDefinitions definitions, long id) =>
        await definitions.DeleteTagAsync(http.User.TenantId(), http.User.Actor(), id) ? TypedResults.NoContent() : Problems.NotFound($"No tag {id}.");

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
            ? TypedResults.Ok(TagHistory.Read(reader, catalog, tenant, canonical))
            : Problems.NotFound($"No customer {id}.");
    }
}
