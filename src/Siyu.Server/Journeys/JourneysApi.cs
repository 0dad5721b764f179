using Siyu.Core.Access;
using System.Text.Json;
using Siyu.Server.Auth;
using Siyu.Server.Data;

namespace Siyu.Server.Journeys;

/// <summary>REST API for journeys and SOPs.</summary>
public static class JourneysApi
{

    public static RouteGroupBuilder MapJourneysApi(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/journeys").WithTags("Journeys");
        g.MapGet("", List).WithName("ListJourneys").Requires(Permission.JourneysRead);
        g.MapPost("/validate", Validate).WithName("ValidateJourney").Requires(Permission.JourneysRead).WithSummary("Check a definition without saving, content review included: every error with its path (steps[2].wait.duration), review words in review_hits");
        g.MapPost("", Create).WithName("CreateJourney").Requires(Permission.JourneysWrite).WithSummary("Create a journey (draft) from a definition, format version 1");
        g.MapGet("/{id:long}", Get).WithName("GetJourney").Requires(Permission.JourneysRead);
        g.MapPut("/{id:long}", Publish).WithName("PublishJourney").Requires(Permission.JourneysWrite).WithSummary("Publish a new version; customers already in it finish on theirs");
        g.MapPost("/{id:long}/status", SetStatus).WithName("SetJourneyStatus").Requires(Permission.JourneysWrite).WithSummary("draft, active (customers enter), paused (no new entries), archived");
        g.MapGet("/{id:long}/stats", Stats).WithName("JourneyStats").Requires(Permission.JourneysRead).WithSummary("Customers at each step now, per version and status");
        g.MapGet("/{id:long}/experiment", Experiment).WithName("JourneyExperiment").Requires(Permission.JourneysRead)
            .WithSummary("A/B results of each split step: customers, sent, clicked, converted per arm, z-tests against the baseline, chi-square, winner");
        g.MapPost("/{id:long}/enter", Enter).WithName("EnterJourney").Requires(Permission.JourneysWrite).WithSummary("Enter customers into an active journey with a manual trigger");
        return api;
    }

    public sealed record DefinitionRequest(JsonElement? Definition);

    public sealed record StatusRequest(string? Status);

    public sealed record EnterRequest(IReadOnlyList<long>? CustomerIds);

    private static string? Json(DefinitionRequest body) => body.Definition is { ValueKind: JsonValueKind.Object } d ? d.GetRawText() : null;

    private static async Task<IResult> List(HttpContext http, JourneyService journeys) => TypedResults.Ok(await journeys.ListAsync(http.User.TenantId()));

    /// <summary>The same checks as a save, content review included (blocked words are errors, words to check are reported).</summary>
    private static async Task<IResult> Validate(HttpContext http, JourneyService journeys, DefinitionRequest body)
    {
        var result = journeys.Validate(http.User.TenantId(), Json(body));
        if (!result.Ok)
        {
            return Problems.Validation(result.Errors);
        }
        var (blocked, hits) = await journeys.ReviewAsync(http.User.TenantId(), result.Definition!);
        return blocked.Count > 0 ? Problems.Validation(blocked) : TypedResults.Ok(new { valid = true, steps = result.Definition!.Steps.Count, review_hits = hits });
    }

    private static async Task<IResult> Create(HttpContext http, JourneyService journeys, DefinitionRequest body)
    {
        var (journey, errors) = await journeys.CreateAsync(http.User.TenantId(), http.User.Actor(), Json(body));
        return errors.Count > 0 ? Problems.Validation(errors) : TypedResults.Created($"/api/v1/journeys/{journey!.Id}", journey);
    }

    private static async Task<IResult> Get(HttpContext http, JourneyService journeys, long id) =>
        await journeys.GetAsync(http.User.TenantId(), id) is { } j ? TypedResults.Ok(j) : Problems.NotFound($"No journey {id}.");

    private static async Task<IResult> Publish(HttpContext http, JourneyService journeys, long id, DefinitionRequest body)
    {
        if (await journeys.GetAsync(http.User.TenantId(), id) is null)
        {
            return Problems.NotFound($"No journey {id}.");
        }
        var (journey, errors) = await journeys.UpdateAsync(http.User.TenantId(), http.User.Actor(), id, Json(body));
        return errors.Count > 0 ? Problems.Validation(errors) : TypedResults.Ok(journey);
    }

    private static async Task<IResult> SetStatus(HttpContext http, JourneyService journeys, long id, StatusRequest body)
    {
        if (await journeys.GetAsync(http.User.TenantId(), id) is null)
        {
            return Problems.NotFound($"No journey {id}.");
        }
        var (journey, errors) = await journeys.SetStatusAsync(http.User.TenantId(), http.User.Actor(), id, body.Status);
        return errors.Count > 0 ? Problems.Validation(errors) : TypedResults.Ok(journey);
    }

    private static async Task<IResult> Stats(HttpContext http, JourneyService journeys, long id) =>
        await journeys.GetAsync(http.User.TenantId(), id) is null ? Problems.NotFound($"No journey {id}.") : TypedResults.Ok(await journeys.StatsAsync(http.User.TenantId(), id));

    private static async Task<IResult> Experiment(HttpContext http, JourneyService journeys, JourneyExperiments experiments, long id) =>
        await journeys.GetAsync(http.User.TenantId(), id) is { } j
            ? TypedResults.Ok(await experiments.ResultsAsync(http.User.TenantId(), id, j.CurrentVersion))
            : Problems.NotFound($"No journey {id}.");

    private static async Task<IResult> Enter(HttpContext http, JourneyService journeys, long id, EnterRequest body)
    {
        var tenant = http.User.TenantId();
        if (await journeys.GetAsync(tenant, id) is not { } journey)
        {
            return Problems.NotFound($"No journey {id}.");
        }
        if (body.CustomerIds is not { Count: > 0 and <= 10_000 })
        {
            return Problems.Validation("customer_ids", "1 to 10,000 customer ids.");
        }
        if (journey.Status != "active")
        {
            return Problems.Conflict($"The journey is {journey.Status}; activate it first.");
        }
        return TypedResults.Ok(new { entered = await journeys.EnterAsync(tenant, id, body.CustomerIds) });
    }
}
