using System.Globalization;
using Siyu.Core.Analytics;
using Siyu.Core.Exports;
using Siyu.Server.Auth;

namespace Siyu.Server.Analytics;

/// <summary>
/// CSV for every analytics result: <c>?format=csv</c> (or <c>Accept: text/csv</c>) on a result endpoint answers the
/// same figures as the JSON, one table per file (<c>&amp;table=</c> picks another where a result has several), UTF-8
/// with a BOM, as an attachment. The console's 导出 CSV buttons write the same tables from the result on screen.
/// </summary>
public static class AnalyticsCsv
{
    /// <summary>How one endpoint's result becomes CSV: a file name stem, its tables (the first is the default) and the writer.</summary>
    public sealed record Export(string Stem, IReadOnlyList<string> Tables, Func<object, string, CsvTable?> Write);

    /// <summary>The exportable endpoints, by endpoint name.</summary>
    public static readonly IReadOnlyDictionary<string, Export> Exports = new Dictionary<string, Export>(StringComparer.Ordinal)
    {
        ["RfmLayers"] = new("rfm", ["segments", "scores"], (v, t) => v is RfmView r ? Rfm(r, t) : null),
        ["QueryFunnel"] = new("funnel", ["steps", "groups"], (v, t) => v is FunnelView f ? Funnel(f, t) : null),
        ["Attribution"] = new("attribution", ["channels", "summary"], (v, t) => v is AttributionView a ? Attribution(a, t) : null),
        ["Cohorts"] = new("cohorts", ["cohorts"], (v, _) => v is CohortView c ? Cohorts(c) : null),
        ["PurchaseCycles"] = new("purchase-cycles", ["categories"], (v, _) => v is IReadOnlyList<PurchaseCycle> p ? PurchaseCycles(p) : null),
        ["LifecycleBoard"] = new("lifecycle", ["stages"], (v, _) => v is LifecycleBoard b ? Lifecycle(b) : null),
        ["Kpis"] = new("kpis", ["metrics", "daily", "staff"], (v, t) => v is KpiReport k ? Kpis(k, t) : null),
    };

    /// <summary>A download name: <c>kpis-daily-2026-11-25.csv</c> (the table is left out when there is only one).</summary>
    public static string FileName(Export export, string table, DateOnly day) =>
        $"{export.Stem}{(export.Tables.Count > 1 ? "-" + table : "")}-{day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}.csv";

    /// <summary>Layers with their score ranges (empty for 无购买客户 and 其他), or the customers per R/F/M/E score.</summary>
    public static CsvTable Rfm(RfmView v, string table = "segments")
    {
        if (table == "scores")
        {
            var scores = new CsvTable("score", "r_customers", "f_customers", "m_customers", "e_customers");
            for (var s = 5; s >= 1; s--)
            {
                scores.Add(s, v.RScores[s - 1], v.FScores[s - 1], v.MScores[s - 1], v.EScores[s - 1]);
            }
            return scores;
        }
        var csv = new CsvTable("segment", "r_min", "r_max", "f_min", "f_max", "m_min", "m_max", "customers", "net_spend");
        foreach (var s in v.Segments)
        {
            csv.Add(s.Segment, s.R?[0], s.R?[1], s.F?[0], s.F?[1], s.M?[0], s.M?[1], s.Customers, s.NetSpend);
        }
        return csv;
    }

    /// <summary>Customers per lifecycle stage (the board's cards are a sample, not exported).</summary>
    public static CsvTable Lifecycle(LifecycleBoard board)
    {
        var csv = new CsvTable("stage", "name", "customers");
        foreach (var s in board.Stages)
        {
            csv.Add(s.Stage, s.Name, s.Customers);
        }
        return csv;
    }

    public static CsvTable Funnel(FunnelView v, string table = "steps")
    {
        if (table == "groups")
        {
            var groups = new CsvTable(["group", .. v.Steps.Select(s => $"step_{s.Step}")]);
            foreach (var g in v.Groups)
            {
                groups.Add([g.Key, .. g.Reached.Cast<object?>()]);
            }
            return groups;
        }
        var csv = new CsvTable("step", "event", "reached", "step_conversion", "overall");
        foreach (var s in v.Steps)
        {
            csv.Add(s.Step, s.Event, s.Reached, s.StepConversion, s.Overall);
        }
        return csv;
    }

    public static CsvTable Attribution(AttributionView v, string table = "channels")
    {
        if (table == "summary")
        {
            return new CsvTable("from", "to", "order", "conversions", "value", "conversions_without_touch", "non_converting_paths", "distinct_paths")
                .Add(v.From, v.To, v.Order, v.Conversions, v.Value, v.ConversionsWithoutTouch, v.NonConvertingPaths, v.DistinctPaths);
        }
        var csv = new CsvTable("channel", "markov_conversions", "markov_value", "removal_effect", "first_touch_conversions", "last_touch_conversions",
            "linear_conversions", "linear_value");
        foreach (var c in v.Channels)
        {
            csv.Add(c.Channel, c.MarkovConversions, c.MarkovValue, c.RemovalEffect, c.FirstTouchConversions, c.LastTouchConversions, c.LinearConversions, c.LinearValue);
        }
        return csv;
    }

    /// <summary>One row per cohort: its size and the customers retained in period 0, 1, … (empty where the period has not started).</summary>
    public static CsvTable Cohorts(CohortView v)
    {
        var periods = v.Rows.Count == 0 ? 0 : v.Rows.Max(r => r.Retained.Length);
        var csv = new CsvTable(["cohort_start", "group", "size", .. Enumerable.Range(0, periods).Select(k => $"period_{k}")]);
        foreach (var r in v.Rows)
        {
            csv.Add([r.Start, r.Group, r.Size, .. Enumerable.Range(0, periods).Select(k => k < r.Retained.Length ? (object?)r.Retained[k] : null)]);
        }
        return csv;
    }

    public static CsvTable PurchaseCycles(IReadOnlyList<PurchaseCycle> cycles)
    {
        var csv = new CsvTable("category", "customers", "intervals", "median_days", "p25_days", "p75_days");
        foreach (var c in cycles)
        {
            csv.Add(c.Category, c.Customers, c.Intervals, c.MedianDays, c.P25Days, c.P75Days);
        }
        return csv;
    }

    public static CsvTable Kpis(KpiReport k, string table = "metrics")
    {
        switch (table)
        {
            case "daily":
                var daily = new CsvTable("day", "adds", "deletes", "net_growth", "paid_orders", "gmv");
                foreach (var d in k.Daily)
                {
                    daily.Add(d.Day, d.Adds, d.Deletes, d.NetGrowth, d.PaidOrders, d.Gmv);
                }
                return daily;
            case "staff":
                var staff = new CsvTable("staff", "adds", "deletes", "net_growth", "buyers", "paid_orders", "gmv");
                foreach (var s in k.Staff)
                {
                    staff.Add(s.Staff, s.Adds, s.Deletes, s.NetGrowth, s.Buyers, s.PaidOrders, s.Gmv);
                }
                return staff;
            default:
                var metrics = new CsvTable("metric", "current", "previous", "change", "change_ratio", "from", "to", "previous_from", "previous_to");
                foreach (var m in k.Metrics)
                {
                    metrics.Add(m.Key, m.Current, m.Previous, m.Change, m.ChangeRatio, k.Current.From, k.Current.To, k.Previous.From, k.Previous.To);
                }
                return metrics;
        }
    }

    /// <summary>
    /// The route group's filter: JSON unless CSV is asked for; then the endpoint must be exportable and the table one of
    /// its tables (else 400 naming <c>format</c> or <c>table</c>, before anything runs), and a successful result is
    /// written as CSV. Errors stay problem details.
    /// </summary>
    public static async ValueTask<object?> FilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var format = http.Request.Query["format"].ToString();
        var csv = format.ToLowerInvariant() switch
        {
            "" => AcceptsCsv(http.Request),
            "csv" => true,
            "json" => false,
            _ => (bool?)null,
        };
        if (csv is null)
        {
            return Problems.Validation("format", "csv or json.");
        }
        if (csv == false)
        {
            return await next(context);
        }
        var name = http.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName;
        if (name is null || !Exports.TryGetValue(name, out var export))
        {
            return Problems.Validation("format", "This endpoint answers JSON only.");
        }
        var table = http.Request.Query["table"].ToString();
        if (table.Length == 0)
        {
            table = export.Tables[0];
        }
        else if (!export.Tables.Contains(table))
        {
            return Problems.Validation("table", $"One of: {string.Join(", ", export.Tables)}.");
        }
        var result = await next(context);
        if (result is IValueHttpResult { Value: { } value } && result is IStatusCodeHttpResult { StatusCode: null or StatusCodes.Status200OK }
            && export.Write(value, table) is { } written)
        {
            var tenants = http.RequestServices.GetRequiredService<Tenants.TenantDirectory>();
            var clock = http.RequestServices.GetRequiredService<TimeProvider>();
            var today = DateOnly.FromDayNumber(tenants.Today(http.User.TenantId(), clock));
            await Compliance.AuditLog.RecordAsync(http.RequestServices.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<Data.SiyuDb>>(),
                http.User.TenantId(), clock.GetUtcNow().UtcTicks, http.User.Actor(), "export.analytics", target: FileName(export, table, today),
                detail: $"{written.Rows} rows", ct: http.RequestAborted);
            return TypedResults.File(written.ToUtf8(), "text/csv; charset=utf-8", FileName(export, table, today));
        }
        return result;
    }

    /// <summary>An Accept header that lists text/csv at least as high as JSON.</summary>
    private static bool AcceptsCsv(HttpRequest request)
    {
        var accept = request.GetTypedHeaders().Accept;
        double? Quality(string type) => accept.Where(a => a.MediaType.Equals(type, StringComparison.OrdinalIgnoreCase)).Select(a => a.Quality ?? 1).Cast<double?>().Max();
        return Quality("text/csv") is > 0 and var q && !(Quality("application/json") > q);
    }
}
