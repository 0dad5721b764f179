using Siyu.Core.Access;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Siyu.Core.Analytics;
using Siyu.Server.Auth;
using Siyu.Server.Data;

namespace Siyu.Server.Analytics;

/// <summary>REST API for alerts: the list, acknowledging, running the rules now, and the tenant's alert settings.</summary>
public static class AlertsApi
{

    public static RouteGroupBuilder MapAlertsApi(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/analytics/alerts").WithTags("Analytics");
        g.MapGet("", List).WithName("ListAlerts").Requires(Permission.AnalyticsRead)
            .WithSummary("Alerts newest first; filter by status (open, acknowledged, resolved), kind (silent_high_value, churn_risk, interaction_drop) and customer_id; page with before_id");
        g.MapPost("/run", Run).WithName("RunAlerts").Requires(Permission.AnalyticsWrite)
            .WithSummary("Run the alert rules now (also done daily): new alerts are stored and sent to staff, alerts whose condition is gone are resolved");
        g.MapPost("/{id:long}/acknowledge", Acknowledge).WithName("AcknowledgeAlert").Requires(Permission.AnalyticsWrite).WithSummary("Mark an open alert as seen and being handled");
        g.MapGet("/settings", GetSettings).WithName("GetAlertSettings").Requires(Permission.AnalyticsRead).WithSummary("Which alert rules are on, their thresholds, and the supervisor who gets a copy");
        g.MapPut("/settings", SaveSettings).WithName("SaveAlertSettings").Requires(Permission.AnalyticsWrite);
        return api;
    }

    private static async Task<IResult> List(HttpContext http, AlertService alerts, string? status, string? kind,
        [FromQuery(Name = "customer_id")] long? customerId, [FromQuery(Name = "before_id")] long? beforeId, int? limit)
    {
        if (status is { Length: > 0 } && !AlertStatuses.All.Contains(status))
        {
            return Problems.Validation("status", $"One of {string.Join(", ", AlertStatuses.All)}.");
        }
        if (kind is { Length: > 0 } && !AlertKinds.All.Contains(kind))
        {
            return Problems.Validation("kind", $"One of {string.Join(", ", AlertKinds.All)}.");
        }
        if (limit is < 1 or > 500)
        {
            return Problems.Validation("limit", "1 to 500.");
        }
        return TypedResults.Ok(await alerts.ListAsync(http.User.TenantId(), status, kind, customerId, beforeId, limit ?? 100));
    }

    private static async Task<IResult> Run(HttpContext http, AlertService alerts) => TypedResults.Ok(await alerts.RunAsync(http.User.TenantId()));

    private static async Task<IResult> Acknowledge(HttpContext http, AlertService alerts, long id)
    {
        var (alert, resolved) = await alerts.AcknowledgeAsync(http.User.TenantId(), id, http.User.Actor());
        return alert is null ? Problems.NotFound($"No alert {id}.")
            : resolved ? Problems.Conflict($"Alert {id} is already resolved.")
            : TypedResults.Ok(alert);
    }

    private static async Task<IResult> GetSettings(HttpContext http, AlertService alerts) => TypedResults.Ok(await alerts.GetSettingsAsync(http.User.TenantId()));

    private static async Task<IResult> SaveSettings(HttpContext http, AlertService alerts, JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            return Problems.Validation("body", "A JSON object with silent_high_value, churn_risk, interaction_drop and supervisor_userid.");
        }
        AlertSettings? input;
        try
        {
            input = body.Deserialize<AlertSettings>();
        }
        catch (JsonException e)
        {
            return Problems.Validation(e.Path is { Length: > 1 } path ? path.TrimStart('$', '.') : "body", e.Message);
        }
        var (saved, errors) = await alerts.SaveSettingsAsync(http.User.TenantId(), http.User.Actor(), input!);
        return errors.Count > 0 ? Problems.Validation(errors) : TypedResults.Ok(saved);
    }
}
