using Siyu.Server.Auth;
using Siyu.Server.Data;

namespace Siyu.Server.Analytics;

/// <summary>REST API for analytics: RFM layering so far.</summary>
public static class AnalyticsApi
{
    private static readonly string[] Editors = [Roles.Admin, Roles.Operator];

    public static RouteGroupBuilder MapAnalyticsApi(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/analytics").WithTags("Analytics");
        g.MapGet("/rfm", async (HttpContext http, RfmService rfm) => TypedResults.Ok(await rfm.ViewAsync(http.User.TenantId())))
            .WithName("RfmLayers").WithSummary("RFM layering now: cut points, customers per R/F/M score and per layer, net spend per layer");
        g.MapPost("/rfm/refresh", async (HttpContext http, RfmService rfm) => TypedResults.Ok(await rfm.RefreshAsync(http.User.TenantId())))
            .WithName("RefreshRfm").WithSummary("Recompute the tenant's RFM cut points now and rescore every customer (also done daily)")
            .RequireAuthorization(p => p.RequireRole(Editors));
        return api;
    }
}
