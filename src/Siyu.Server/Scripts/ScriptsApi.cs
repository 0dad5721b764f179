using Siyu.Core.Access;
using Siyu.Core.Scripts;
using Siyu.Server.Auth;
using Siyu.Server.Customers;

namespace Siyu.Server.Scripts;

/// <summary>The script and material library (话术库/素材库) over HTTP; rendering for a customer lives under the customer's route, so data scopes apply.</summary>
public static class ScriptsApi
{
    public static RouteGroupBuilder MapScriptsApi(this RouteGroupBuilder api)
    {
        var folders = api.MapGroup("/script-folders").WithTags("Scripts");
        folders.MapGet("", async (HttpContext http, ScriptLibrary library) => TypedResults.Ok(await library.FoldersAsync(http.User.TenantId())))
            .WithName("ListScriptFolders").Requires(Permission.ScriptsRead).WithSummary("Folders with how many scripts each holds");
        folders.MapPost("", (HttpContext http, ScriptLibrary library, FolderRequest body) => SaveFolder(http, library, null, body))
            .WithName("CreateScriptFolder").Requires(Permission.ScriptsWrite);
        folders.MapPatch("/{id:long}", (HttpContext http, ScriptLibrary library, long id, FolderRequest body) => SaveFolder(http, library, id, body))
            .WithName("UpdateScriptFolder").Requires(Permission.ScriptsWrite).WithSummary("Rename or move a folder");
        folders.MapDelete("/{id:long}", DeleteFolder).WithName("DeleteScriptFolder").Requires(Permission.ScriptsWrite).WithSummary("Delete an empty folder");

        var scripts = api.MapGroup("/scripts").WithTags("Scripts");
        scripts.MapGet("", List).WithName("ListScripts").Requires(Permission.ScriptsRead)
            .WithSummary("Scripts and materials, newest first: ?q= (title and text, Chinese substrings), folder_id, kind, tag_id, limit ≤ 500");
        scripts.MapPost("", (HttpContext http, ScriptLibrary library, ScriptInput body) => Save(http, library, null, body))
            .WithName("CreateScript").Requires(Permission.ScriptsWrite)
            .WithSummary("Create a script (text with {{name|您}} placeholders) or material (image, file, link, mini-program card); content review runs before save");
        scripts.MapGet("/{id:long}", Get).WithName("GetScript").Requires(Permission.ScriptsRead);
        scripts.MapPut("/{id:long}", (HttpContext http, ScriptLibrary library, long id, ScriptInput body) => Save(http, library, id, body))
            .WithName("UpdateScript").Requires(Permission.ScriptsWrite);
        scripts.MapDelete("/{id:long}", Delete).WithName("DeleteScript").Requires(Permission.ScriptsWrite);
        scripts.MapGet("/{id:long}/stats", Stats).WithName("ScriptStats").Requires(Permission.ScriptsRead)
            .WithSummary("Uses in total, per staff member and per day over the last ?days=30");
        scripts.MapPost("/{id:long}/use", (HttpContext http, ScriptLibrary library, long id) => Use(http, library, null, id))
            .WithName("UseScript").Requires(Permission.ScriptsRead).WithSummary("Count a use (copied or sent) and answer the script with placeholders at their defaults");
        api.MapPost("/customers/{id:long}/scripts/{scriptId:long}/use", UseFor).WithTags("Scripts").WithName("UseScriptForCustomer")
            .Requires(Permission.CustomersRead).WithSummary("Count a use and answer the script filled in from this customer's profile, ready to send into the chat");
        return api;
    }

    public sealed record FolderRequest(string? Name, long? ParentId);

    private static async Task<IResult> SaveFolder(HttpContext http, ScriptLibrary library, long? id, FolderRequest body)
    {
        var (folder, errors) = await library.SaveFolderAsync(http.User.TenantId(), http.User.Actor(), id, body.Name, body.ParentId);
        return folder is not null
            ? id is null ? TypedResults.Created($"/api/v1/script-folders/{folder.Id}", folder) : TypedResults.Ok(folder)
            : errors.Count > 0 ? Problems.Validation(errors) : Problems.NotFound($"No folder {id}.");
    }

    private static async Task<IResult> DeleteFolder(HttpContext http, ScriptLibrary library, long id) =>
        await library.DeleteFolderAsync(http.User.TenantId(), http.User.Actor(), id) switch
        {
            (false, _) => Problems.NotFound($"No folder {id}."),
            (true, { } conflict) => Problems.Conflict(conflict),
            _ => TypedResults.NoContent(),
        };

    private static async Task<IResult> List(HttpContext http, ScriptLibrary library, string? q, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "folder_id")] long? folderId,
        string? kind, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "tag_id")] long? tagId, int? limit)
    {
        if (kind is not null && !ScriptKinds.All.Contains(kind))
        {
            return Problems.Validation("kind", $"One of {string.Join(", ", ScriptKinds.All)}.");
        }
        if (limit is < 1 or > 500)
        {
            return Problems.Validation("limit", "1–500.");
        }
        if (q is { Length: > 100 })
        {
            return Problems.Validation("q", "At most 100 characters.");
        }
        return TypedResults.Ok(await library.ListAsync(http.User.TenantId(), q, folderId, kind, tagId, limit ?? 200));
    }

    private static async Task<IResult> Get(HttpContext http, ScriptLibrary library, long id) =>
        await library.GetAsync(http.User.TenantId(), id) is { } script ? TypedResults.Ok(script) : Problems.NotFound($"No script {id}.");

    private static async Task<IResult> Save(HttpContext http, ScriptLibrary library, long? id, ScriptInput body)
    {
        var (script, errors, hits, found) = await library.SaveAsync(http.User.TenantId(), http.User.Actor(), id, body);
        if (!found)
        {
            return Problems.NotFound($"No script {id}.");
        }
        if (script is null)
        {
            return Problems.Validation(errors);
        }
        var answer = new { script, review_hits = hits };
        return id is null ? TypedResults.Created($"/api/v1/scripts/{script.Id}", answer) : TypedResults.Ok(answer);
    }

    private static async Task<IResult> Delete(HttpContext http, ScriptLibrary library, long id) =>
        await library.DeleteAsync(http.User.TenantId(), http.User.Actor(), id) ? TypedResults.NoContent() : Problems.NotFound($"No script {id}.");

    private static async Task<IResult> Stats(HttpContext http, ScriptLibrary library, long id, int? days)
    {
        if (days is < 1 or > 366)
        {
            return Problems.Validation("days", "1–366.");
        }
        return await library.StatsAsync(http.User.TenantId(), id, days ?? 30) is { } stats ? TypedResults.Ok(stats) : Problems.NotFound($"No script {id}.");
    }

    private static async Task<IResult> Use(HttpContext http, ScriptLibrary library, Partitions.CustomerView? customer, long id) =>
        await library.UseAsync(http.User.TenantId(), http.User.Actor(), id, customer) is { } rendered ? TypedResults.Ok(rendered) : Problems.NotFound($"No script {id}.");

    private static async Task<IResult> UseFor(HttpContext http, ScriptLibrary library, CustomerReader reader, long id, long scriptId) =>
        await reader.GetAsync(http.User.TenantId(), id) is { } detail ? await Use(http, library, detail.Profile, scriptId) : Problems.NotFound($"No customer {id}.");
}
