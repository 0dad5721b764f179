using System.Text.Json;
using System.Text.Json.Nodes;
using Siyu.Core.Access;
using Siyu.Core.Delivery;
using Siyu.Server.Auth;

namespace Siyu.Server.Delivery;

/// <summary>REST API for content review rule packs: built-in packs read-only, custom packs editable, any pack switchable.</summary>
public static class ReviewPacksApi
{
    public static RouteGroupBuilder MapReviewPacksApi(this RouteGroupBuilder delivery)
    {
        var g = delivery.MapGroup("/review-packs").WithTags("Delivery");
        g.MapGet("", List).WithName("ListReviewPacks").Requires(Permission.DeliveryRead)
            .WithSummary("Built-in and custom rule packs with their enabled state and word counts");
        g.MapGet("/{id}", Get).WithName("GetReviewPack").Requires(Permission.DeliveryRead).WithSummary("One pack with every word, its action and reason, and the allow-list");
        g.MapPost("", Create).WithName("CreateReviewPack").Requires(Permission.SettingsWrite)
            .WithSummary("Create a custom pack: name, description, rules [{word, action: block|review, reason, category}], allow");
        g.MapPut("/{id}", Update).WithName("UpdateReviewPack").Requires(Permission.SettingsWrite).WithSummary("Replace a custom pack; built-in packs are read-only");
        g.MapDelete("/{id}", Delete).WithName("DeleteReviewPack").Requires(Permission.SettingsWrite);
        g.MapPut("/{id}/enabled", SetEnabled).WithName("SwitchReviewPack").Requires(Permission.SettingsWrite)
            .WithSummary("Switch any pack on or off; the next message is reviewed with the new set");
        return delivery;
    }

    public sealed record EnabledRequest(bool? Enabled);

    private static async Task<IResult> List(HttpContext http, ReviewPacks packs) => TypedResults.Ok(await packs.ListAsync(http.User.TenantId()));

    private static async Task<IResult> Get(HttpContext http, ReviewPacks packs, string id) =>
        await packs.GetAsync(http.User.TenantId(), id) is { } pack ? TypedResults.Ok(pack) : Problems.NotFound($"No rule pack {id}.");

    private static async Task<IResult> Create(HttpContext http, ReviewPacks packs, JsonObject body)
    {
        if (!TryRead(body, out var input, out var problem))
        {
            return problem;
        }
        var (pack, errors) = await packs.CreateAsync(http.User.TenantId(), http.User.Actor(), input);
        return errors.Count > 0 ? Problems.Validation(errors) : TypedResults.Created($"/api/v1/delivery/review-packs/{pack!.Id}", pack);
    }

    private static async Task<IResult> Update(HttpContext http, ReviewPacks packs, string id, JsonObject body)
    {
        if (ReviewPackSelection.BuiltIn(id) is not null)
        {
            return Problems.Conflict($"'{id}' is a built-in pack and read-only: switch it off, or add a custom pack with the words you want.");
        }
        if (!ReviewPackSelection.TryParseCustomId(id, out var customId))
        {
            return Problems.NotFound($"No rule pack {id}.");
        }
        if (!TryRead(body, out var input, out var problem))
        {
            return problem;
        }
        var (pack, errors) = await packs.UpdateAsync(http.User.TenantId(), http.User.Actor(), customId, input);
        return errors.Count > 0 ? Problems.Validation(errors) : pack is null ? Problems.NotFound($"No rule pack {id}.") : TypedResults.Ok(pack);
    }

    private static async Task<IResult> Delete(HttpContext http, ReviewPacks packs, string id)
    {
        if (ReviewPackSelection.BuiltIn(id) is not null)
        {
            return Problems.Conflict($"'{id}' is a built-in pack and cannot be deleted; switch it off instead.");
        }
        return ReviewPackSelection.TryParseCustomId(id, out var customId) && await packs.DeleteAsync(http.User.TenantId(), http.User.Actor(), customId)
            ? TypedResults.NoContent()
            : Problems.NotFound($"No rule pack {id}.");
    }

    private static async Task<IResult> SetEnabled(HttpContext http, ReviewPacks packs, string id, EnabledRequest body)
    {
        if (body.Enabled is not { } enabled)
        {
            return Problems.Validation("enabled", "Required: true or false.");
        }
        return await packs.SetEnabledAsync(http.User.TenantId(), http.User.Actor(), id, enabled)
            ? TypedResults.Ok(await packs.GetAsync(http.User.TenantId(), id))
            : Problems.NotFound($"No rule pack {id}.");
    }

    /// <summary>Reads the body as a pack; a value of the wrong JSON type is a problem at its path (rules[0].word), not a bare 400.</summary>
    private static bool TryRead(JsonObject body, out CustomReviewPackInput input, out IResult problem)
    {
        try
        {
            input = body.Deserialize<CustomReviewPackInput>()!;
            problem = null!;
            return true;
        }
        catch (JsonException e)
        {
            input = null!;
            problem = Problems.Validation(e.Path is { Length: > 1 } path ? path.TrimStart('$', '.') : "body", "Wrong JSON type: " + e.Message);
            return false;
        }
    }
}
