using Siyu.Core.Access;
using Siyu.Server.Auth;
using Siyu.Server.Data;

namespace Siyu.Server.Analytics;

/// <summary>REST API for analytics: KPIs, RFM/RFE and settings, lifecycle, funnels, attribution, cohorts, purchase cycles (alerts: AlertsApi); results also as CSV.</summary>
public static class AnalyticsApi
{

    public static RouteGroupBuilder MapAnalyticsApi(this RouteGroupBuilder api)
    {
        // Every result endpoint also answers CSV (?format=csv or Accept: text/csv): see AnalyticsCsv.
        var g = api.MapGroup("/analytics").WithTags("Analytics").AddEndpointFilter(AnalyticsCsv.FilterAsync);
        g.MapGet("/rfm", async (HttpContext http, RfmService rfm) => TypedResults.Ok(await rfm.ViewAsync(http.User.TenantId())))
            .WithName("RfmLayers").Requires(Permission.AnalyticsRead).WithSummary("RFM layering now: cut points, customers per R/F/M score and per layer, net spend per layer");
        g.MapPost("/rfm/refresh", async (HttpContext http, RfmService rfm) => TypedResults.Ok(await rfm.RefreshAsync(http.User.TenantId())))
            .WithName("RefreshRfm").Requires(Permission.AnalyticsWrite).WithSummary("Recompute the tenant's RFM cut points now and rescore every customer (also done daily)");
        g.MapPost("/funnels/query", Funnel).WithName("QueryFunnel").Requires(Permission.AnalyticsRead)
            .WithSummary("A funnel over the event log: steps (event + where), window, loose/strict order, from/to days of the first step, breakdown channel/staff/tag:ID");
        g.MapPost("/funnels/dropoff", DropOff).WithName("SaveFunnelDropOff").Requires(Permission.AnalyticsWrite)
            .WithSummary("Save the customers who reached step N but not N + 1 as a static-list audience");
        g.MapPost("/attribution", Attribution).WithName("Attribution").Requires(Permission.AnalyticsRead)
            .WithSummary("Markov (removal effect), first/last/linear touch attribution of conversions to touchpoint channels, from the event log");
        g.MapPost("/cohorts", Cohorts).WithName("Cohorts").Requires(Permission.AnalyticsRead)
            .WithSummary("Retention by week or month of the first WeCom add (optionally per channel): cohort size and customers active in each later period");
        g.MapGet("/settings", (HttpContext http, AnalyticsSettingsStore store) => TypedResults.Ok(store.Get(http.User.TenantId())))
            .WithName("AnalyticsSettings").Requires(Permission.AnalyticsRead).WithSummary("RFM/RFE scoring (quintiles or fixed cut points, weights, engagement window and events, layers) and lifecycle rules");
        g.MapPut("/settings", SaveSettings).WithName("SaveAnalyticsSettings").Requires(Permission.AnalyticsWrite)
            .WithSummary("Change RFM/RFE or lifecycle settings (omitted parts and fields stay); everyone is rescored at once");
        g.MapGet("/lifecycle", Board).WithName("LifecycleBoard").Requires(Permission.AnalyticsRead)
            .WithSummary("Customers per lifecycle stage (prospect → new → active → loyal → silent → churned) and each stage's latest ?per_stage=20 arrivals");
        api.MapPost("/customers/{id:long}/lifecycle", Move).WithTags("Customers").WithName("MoveLifecycleStage").Requires(Permission.CustomersWrite)
            .WithSummary("Move a customer to a lifecycle stage by hand (held until the rules' own answer changes); in the stage history");
        g.MapGet("/purchase-cycles", PurchaseCyclesAsync).WithName("PurchaseCycles").Requires(Permission.AnalyticsRead)
            .WithSummary("Per category: median and quartile days between a customer's repeat purchases (paid orders in the last ?days=365)");
        g.MapGet("/kpis", Dashboard).WithName("Kpis").Requires(Permission.AnalyticsRead)
            .WithSummary("KPI dashboard for ?from=&to= (tenant-local days, default the last 30) and the previous period of the same length: growth, reach, clicks, orders, GMV decomposition, daily series, staff leaderboard");
        return api;
    }

    private static IResult Dashboard(HttpContext http, KpiService kpis, string? from, string? to)
    {
        var (query, errors) = kpis.Parse(http.User.TenantId(), from, to);
        return query is null ? Problems.Validation(errors) : TypedResults.Ok(kpis.Run(http.User.TenantId(), query));
    }

    private static async Task<IResult> SaveSettings(HttpContext http, AnalyticsSettingsStore store, RfmService rfm, System.Text.Json.Nodes.JsonObject body)
    {
        var tenant = http.User.TenantId();
        var (settings, errors) = store.Parse(tenant, body);
        return settings is null ? Problems.Validation(errors) : TypedResults.Ok(await rfm.SaveSettingsAsync(tenant, http.User.Actor(), settings));
    }

    private static async Task<IResult> Board(HttpContext http, LifecycleService lifecycle, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "per_stage")] int? perStage)
    {
        if (perStage is < 0 or > 200)
        {
            return Problems.Validation("per_stage", "0 to 200 customers per stage.");
        }
        return TypedResults.Ok(await lifecycle.BoardAsync(http.User.TenantId(), perStage ?? 20));
    }

    private static async Task<IResult> Move(HttpContext http, LifecycleService lifecycle, long id, LifecycleMove body)
    {
        var (seq, errors) = await lifecycle.MoveAsync(http.User.TenantId(), id, body, http.User.Actor());
        return seq is { } s ? TypedResults.Ok(new { seq = s, customer_id = id })
            : errors.Count > 0 ? Problems.Validation(errors) : Problems.NotFound($"No customer {id}.");
    }

    private static IResult PurchaseCyclesAsync(HttpContext http, Data.EventStore store, TimeProvider time, int? days)
    {
        if (days is < 30 or > 1_095)
        {
            return Problems.Validation("days", "30 to 1,095 days of orders.");
        }
        return TypedResults.Ok(ReadPurchaseCycles(store, http.User.TenantId(), time.GetUtcNow().AddDays(-(days ?? 365))));
    }

    /// <summary>Paid orders with a category since a moment, into the per-category repurchase intervals.</summary>
    public static IReadOnlyList<Core.Analytics.PurchaseCycle> ReadPurchaseCycles(Data.EventStore store, int tenantId, DateTimeOffset since)
    {
        using var c = store.OpenReader();
        using var cmd = c.CreateCommand();
        var category = store.Database.JsonField("Properties", "category");
        cmd.CommandText = $"""
            SELECT CustomerId, TimestampTicks, {category} FROM events
            WHERE TenantId = @t AND Type = @y AND TimestampTicks >= @since AND {category} IS NOT NULL
            """;
        cmd.Param("@t", tenantId);
        cmd.Param("@y", Core.Events.EventTypes.OrderPaid);
        cmd.Param("@since", since.UtcTicks);
        using var r = cmd.ExecuteReader();
        var orders = new List<(long, long, string)>();
        while (r.Read())
        {
            orders.Add((r.GetInt64(0), r.GetInt64(1), Convert.ToString(r.GetValue(2), System.Globalization.CultureInfo.InvariantCulture) ?? ""));
        }
        return Core.Analytics.PurchaseCycles.Compute(orders);
    }

    private static IResult Cohorts(HttpContext http, CohortService cohorts, System.Text.Json.JsonElement body)
    {
        var (query, errors) = cohorts.Parse(http.User.TenantId(), body);
        return query is null ? Problems.Validation(errors) : TypedResults.Ok(cohorts.Run(http.User.TenantId(), query));
    }

    private static IResult Attribution(HttpContext http, AttributionService attribution, System.Text.Json.JsonElement body)
    {
        var (query, errors) = attribution.Parse(http.User.TenantId(), body);
        return query is null ? Problems.Validation(errors) : TypedResults.Ok(attribution.Run(http.User.TenantId(), query));
    }

    private static async Task<IResult> Funnel(HttpContext http, FunnelService funnels, System.Text.Json.JsonElement body)
    {
        var (query, errors) = funnels.Parse(http.User.TenantId(), body);
        return query is null ? Problems.Validation(errors) : TypedResults.Ok(await funnels.RunAsync(http.User.TenantId(), query));
    }

    private static async Task<IResult> DropOff(HttpContext http, FunnelService funnels, System.Text.Json.JsonElement body)
    {
        var (query, errors) = funnels.Parse(http.User.TenantId(), body);
        if (query is null)
        {
            return Problems.Validation(errors);
        }
        var step = body.TryGetProperty("step", out var s) && s.TryGetInt32(out var n) ? n : 0;
        var name = body.TryGetProperty("name", out var nm) && nm.ValueKind == System.Text.Json.JsonValueKind.String ? nm.GetString() : null;
        var (audience, customers, saveErrors) = await funnels.SaveDropOffAsync(http.User.TenantId(), http.User.Actor(), query, step, name);
        return audience is null ? Problems.Validation(saveErrors) : TypedResults.Created($"/api/v1/audiences/{audience}", new { audience_id = audience, customers });
    }
}
