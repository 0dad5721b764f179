using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Siyu.WeComSimulator.State;

namespace Siyu.WeComSimulator.Sim;

/// <summary>
/// <c>/sim/...</c>: not part of WeCom. Drives what happens on the WeChat side and lets tests and the demo
/// read what Siyu did (messages sent, callbacks delivered).
/// </summary>
internal static class SimApi
{
    public static IEndpointRouteBuilder MapSimApi(this IEndpointRouteBuilder app)
    {
        var sim = app.MapGroup("/sim");

        sim.MapPost("/contacts/add", async (AddContactRequest request, SimulatorControl control, CancellationToken ct) =>
        {
            if (string.IsNullOrEmpty(request.UserId) || string.IsNullOrEmpty(request.Name))
            {
                return Results.Json(new { error = "userid and name are required" }, SimJson.Options, statusCode: 400);
            }

            var added = await control.AddContactAsync(request.UserId, request.Name, request.State, request.ExternalUserId, ct);
            return added is null
                ? Results.Json(new { error = "unknown userid " + request.UserId }, SimJson.Options, statusCode: 404)
                : Results.Json(new { external_userid = added.ExternalUserId, welcome_code = added.WelcomeCode, callback = added.Callback }, SimJson.Options);
        });

        sim.MapPost("/contacts/delete", async (DeleteContactRequest request, SimulatorControl control, CancellationToken ct) =>
        {
            if (string.IsNullOrEmpty(request.UserId) || string.IsNullOrEmpty(request.ExternalUserId))
            {
                return Results.Json(new { error = "userid and external_userid are required" }, SimJson.Options, statusCode: 400);
            }

            try
            {
                var callback = await control.DeleteContactAsync(request.UserId, request.ExternalUserId, request.By == "customer", ct);
                return Results.Json(new { deleted = true, callback }, SimJson.Options);
            }
            catch (InvalidOperationException ex)
            {
                return Results.Json(new { error = ex.Message }, SimJson.Options, statusCode: 404);
            }
        });

        sim.MapGet("/messages", (string? kind, SimulatedCorp corp) =>
            Results.Json(new { messages = corp.Messages.Where(m => kind is null || m.Kind == kind).ToList() }, SimJson.Options));

        sim.MapGet("/callbacks", (SimulatedCorp corp) => Results.Json(new { callbacks = corp.Callbacks }, SimJson.Options));

        sim.MapGet("/state", (SimulatedCorp corp) => Results.Json(corp.Snapshot(), SimJson.Options));

        sim.MapPost("/tokens/expire", (SimulatedCorp corp) =>
        {
            corp.ExpireAllTokens();
            return Results.Json(new { expired = true }, SimJson.Options);
        });

        return app;
    }

    internal sealed record AddContactRequest(
        [property: System.Text.Json.Serialization.JsonPropertyName("userid")] string? UserId,
        [property: System.Text.Json.Serialization.JsonPropertyName("name")] string? Name,
        [property: System.Text.Json.Serialization.JsonPropertyName("state")] string? State,
        [property: System.Text.Json.Serialization.JsonPropertyName("external_userid")] string? ExternalUserId);

    /// <param name="By"><c>staff</c> (default: del_external_contact) or <c>customer</c> (del_follow_user).</param>
    internal sealed record DeleteContactRequest(
        [property: System.Text.Json.Serialization.JsonPropertyName("userid")] string? UserId,
        [property: System.Text.Json.Serialization.JsonPropertyName("external_userid")] string? ExternalUserId,
        [property: System.Text.Json.Serialization.JsonPropertyName("by")] string? By);
}
