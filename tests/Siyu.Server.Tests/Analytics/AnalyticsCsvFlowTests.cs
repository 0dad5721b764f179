using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.VisualBasic.FileIO;
using Siyu.Server.Tests.Audiences;

namespace Siyu.Server.Tests.Analytics;

/// <summary>
/// Every analytics result endpoint answers CSV on request, and the CSV (read back with an independent RFC 4180 parser)
/// holds the same figures as the JSON of the same question. Channel, category and staff names carry commas and quotes.
/// </summary>
public sealed class AnalyticsCsvFlowTests(AnalyticsCsvFlowTests.Server server) : IClassFixture<AnalyticsCsvFlowTests.Server>
{
    private const string Live = "直播间,抖音";
    private const string Street = "地推\"门店\"";
    private const string Milk = "奶粉,一段";

    /// <summary>One server with one small history; the tests only read it.</summary>
    public sealed class Server : IAsyncLifetime
    {
        private readonly MovableTime _time = new(new DateTimeOffset(2026, 11, 30, 20, 0, 0, TimeSpan.FromHours(8)));

        public Server() => Factory = new SiyuFactory(time: _time);

        public SiyuFactory Factory { get; }

        public HttpClient Admin { get; private set; } = null!;

        private static string Day(int day) => new DateTimeOffset(2026, 11, day, 10, 0, 0, TimeSpan.FromHours(8)).ToString("O");

        public async Task InitializeAsync()
        {
            Admin = await Factory.AdminClientAsync();
            object E(string id, string type, string phone, int day, object properties) => new { id, type, timestamp = Day(day), identifiers = new { phone }, properties };
            (await Factory.ApiClient().PostEventsAsync(new
            {
                events = new[]
                {
                    E("p1a", "customer.added", "13600000001", 3, new { channel = Live, staff_userid = "店长\"A\", 北京" }),
                    E("p1b", "message.clicked", "13600000001", 4, new { url = "x" }),
                    E("p1c", "order.paid", "13600000001", 5, new { order_id = "o1", amount = 100, category = Milk }),
                    E("p1d", "order.paid", "13600000001", 20, new { order_id = "o2", amount = 120.5, category = Milk }),
                    E("p2a", "customer.added", "13600000002", 6, new { channel = Street, staff_userid = "bob" }),
                    E("p2b", "page.viewed", "13600000002", 7, new { page = "home" }),
                    E("p2c", "order.paid", "13600000002", 8, new { order_id = "o3", amount = 50, category = "玩具" }),
                    E("p3a", "customer.added", "13600000003", 10, new { channel = Live, staff_userid = "店长\"A\", 北京" }),
                    E("p3b", "page.viewed", "13600000003", 11, new { page = "home" }),
                    E("p4a", "order.paid", "13600000004", 12, new { order_id = "o4", amount = 30, category = Milk }),
                    E("p4b", "order.paid", "13600000004", 22, new { order_id = "o5", amount = 30, category = Milk }),
                },
            })).EnsureSuccessStatusCode();
        }

        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }

    private readonly HttpClient _admin = server.Admin;

    private static readonly object FunnelQuery = new
    {
        steps = new object[] { new { @event = "customer.added" }, new { @event = "page.viewed" }, new { @event = "order.paid" } },
        window = "30d", from = "2026-11-01", to = "2026-11-30", breakdown = "channel",
    };

    private static readonly object AttributionQuery = new
    {
        touchpoints = new object[] { new { @event = "customer.added", channel_property = "channel" }, new { @event = "message.clicked" } },
        conversion = new { @event = "order.paid" }, lookback = "30d", from = "2026-11-01", to = "2026-11-30",
    };

    private static readonly object CohortQuery = new { period = "week", periods = 5, from = "2026-11-01", to = "2026-11-30", breakdown = "channel" };

    /// <summary>The CSV answer: checks the file's shape (type, attachment name, BOM) and parses it independently.</summary>
    private static async Task<List<string[]>> ReadCsvAsync(HttpResponseMessage response, string fileStart)
    {
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        var disposition = response.Content.Headers.ContentDisposition;
        Assert.Equal("attachment", disposition?.DispositionType);
        Assert.StartsWith(fileStart, disposition?.FileName?.Trim('"'), StringComparison.Ordinal);
        Assert.EndsWith(".csv", disposition?.FileName?.Trim('"'), StringComparison.Ordinal);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        using var parser = new TextFieldParser(new StringReader(Encoding.UTF8.GetString(bytes[3..]))) { HasFieldsEnclosedInQuotes = true, TrimWhiteSpace = false };
        parser.SetDelimiters(",");
        var rows = new List<string[]>();
        while (!parser.EndOfData)
        {
            rows.Add(parser.ReadFields()!);
        }
        Assert.All(rows, r => Assert.Equal(rows[0].Length, r.Length));
        return rows;
    }

    /// <summary>A CSV field against the JSON value: numbers by value, null as an empty field, text exactly.</summary>
    private static void Same(JsonNode? json, string field, string where)
    {
        switch (json)
        {
            case null:
                Assert.True(field.Length == 0, $"{where}: expected empty, got {field}");
                break;
            case JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.Number:
                var expected = v.GetValue<double>();
                var actual = double.Parse(field, NumberStyles.Float, CultureInfo.InvariantCulture);
                Assert.True(Math.Abs(expected - actual) <= 1e-12 * Math.Max(1, Math.Abs(expected)), $"{where}: {expected} vs {field}");
                break;
            case JsonValue v when v.GetValueKind() is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False:
                Assert.Equal(v.GetValue<bool>() ? "true" : "false", field);
                break;
            default:
                Assert.Equal(json.GetValue<string>(), field);
                break;
        }
    }

    /// <summary>Row i of the CSV is item i of the JSON array, column by column (a column named like the JSON property, or renamed).</summary>
    private static void RowsMatch(List<string[]> csv, JsonArray json, IReadOnlyDictionary<string, string>? renamed = null)
    {
        Assert.True(json.Count > 0, "nothing to compare");
        Assert.Equal(json.Count, csv.Count - 1);
        var header = csv[0];
        for (var i = 0; i < json.Count; i++)
        {
            for (var c = 0; c < header.Length; c++)
            {
                var name = renamed?.GetValueOrDefault(header[c]) ?? header[c];
                Assert.True(json[i]!.AsObject().ContainsKey(name), $"JSON has no {name}");
                Same(json[i]![name], csv[i + 1][c], $"row {i} {name}");
            }
        }
    }

    [Fact]
    public async Task Kpis_as_csv_are_the_json_metrics_daily_series_and_leaderboard()
    {
        const string url = "/api/v1/analytics/kpis?from=2026-11-01&to=2026-11-30";
        var json = (await _admin.GetJsonOrNull(url))!;
        var metrics = await ReadCsvAsync(await _admin.GetAsync(url + "&format=csv"), "kpis-metrics-");
        Assert.Equal(["metric", "current", "previous", "change", "change_ratio", "from", "to", "previous_from", "previous_to"], metrics[0]);
        var m = json["metrics"]!.AsArray();
        Assert.Equal(m.Count, metrics.Count - 1);
        for (var i = 0; i < m.Count; i++)
        {
            Assert.Equal(m[i]!["key"]!.GetValue<string>(), metrics[i + 1][0]);
            foreach (var (column, c) in new[] { ("current", 1), ("previous", 2), ("change", 3), ("change_ratio", 4) })
            {
                Same(m[i]![column], metrics[i + 1][c], $"{metrics[i + 1][0]} {column}");
            }
            Assert.Equal(["2026-11-01", "2026-11-30", "2026-10-02", "2026-10-31"], metrics[i + 1][5..]);
        }
        Assert.Equal("330.5", metrics.Single(r => r[0] == "gmv")[1]); // 100 + 120.5 + 50 + 30 + 30

        RowsMatch(await ReadCsvAsync(await _admin.GetAsync(url + "&format=csv&table=daily"), "kpis-daily-"), json["daily"]!.AsArray());
        var staff = await ReadCsvAsync(await _admin.GetAsync(url + "&format=csv&table=staff"), "kpis-staff-");
        RowsMatch(staff, json["staff"]!.AsArray());
        Assert.Contains(staff, r => r[0] == "店长\"A\", 北京");

        // Accept: text/csv is the same file as ?format=csv; ?format=json wins over the header.
        var accept = new HttpRequestMessage(HttpMethod.Get, url);
        accept.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        var byHeader = await _admin.SendAsync(accept);
        Assert.Equal(await (await _admin.GetAsync(url + "&format=csv")).Content.ReadAsByteArrayAsync(), await byHeader.Content.ReadAsByteArrayAsync());
        var forced = new HttpRequestMessage(HttpMethod.Get, url + "&format=json");
        forced.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        Assert.Equal("application/json", (await _admin.SendAsync(forced)).Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Funnels_as_csv_are_the_json_steps_and_groups()
    {
        var json = await Json.EventuallyAsync(async () => await (await _admin.PostAsJsonAsync("/api/v1/analytics/funnels/query", FunnelQuery)).ReadAsync(),
            f => f["steps"]![0]!["reached"]!.GetValue<long>() == 3);
        RowsMatch(await ReadCsvAsync(await _admin.PostAsJsonAsync("/api/v1/analytics/funnels/query?format=csv", FunnelQuery), "funnel-steps-"), json["steps"]!.AsArray());

        var groups = await ReadCsvAsync(await _admin.PostAsJsonAsync("/api/v1/analytics/funnels/query?format=csv&table=groups", FunnelQuery), "funnel-groups-");
        Assert.Equal(["group", "step_1", "step_2", "step_3"], groups[0]);
        var expected = json["groups"]!.AsArray().Select(g => (string[])[g!["key"]!.GetValue<string>(), .. g["reached"]!.AsArray().Select(n => n!.GetValue<long>().ToString(CultureInfo.InvariantCulture))]);
        Assert.Equal(expected, groups.Skip(1));
        Assert.Contains(groups, g => g[0] == Live && g[1] == "2");
    }

    [Fact]
    public async Task Attribution_as_csv_is_the_json_channels_and_summary()
    {
        var json = await Json.EventuallyAsync(async () => await (await _admin.PostAsJsonAsync("/api/v1/analytics/attribution", AttributionQuery)).ReadAsync(),
            a => a["channels"]!.AsArray().Count == 3);
        var channels = await ReadCsvAsync(await _admin.PostAsJsonAsync("/api/v1/analytics/attribution?format=csv", AttributionQuery), "attribution-channels-");
        RowsMatch(channels, json["channels"]!.AsArray());
        Assert.Contains(channels, c => c[0] == Street);
        var summary = await ReadCsvAsync(await _admin.PostAsJsonAsync("/api/v1/analytics/attribution?format=csv&table=summary", AttributionQuery), "attribution-summary-");
        RowsMatch(summary, new JsonArray(json.DeepClone()));
    }

    [Fact]
    public async Task Cohorts_as_csv_are_the_json_rows()
    {
        var json = await Json.EventuallyAsync(async () => await (await _admin.PostAsJsonAsync("/api/v1/analytics/cohorts", CohortQuery)).ReadAsync(),
            c => c["rows"]!.AsArray().Count > 0);
        var rows = await ReadCsvAsync(await _admin.PostAsJsonAsync("/api/v1/analytics/cohorts?format=csv", CohortQuery), "cohorts-");
        var periods = json["rows"]!.AsArray().Max(r => r!["retained"]!.AsArray().Count);
        Assert.Equal(["cohort_start", "group", "size", .. Enumerable.Range(0, periods).Select(k => $"period_{k}")], rows[0]);
        var expected = json["rows"]!.AsArray().Select(r => (string[])
        [
            r!["start"]!.GetValue<string>(), r["group"]!.GetValue<string>(), r["size"]!.GetValue<int>().ToString(CultureInfo.InvariantCulture),
            .. Enumerable.Range(0, periods).Select(k => k < r["retained"]!.AsArray().Count ? r["retained"]![k]!.GetValue<int>().ToString(CultureInfo.InvariantCulture) : ""),
        ]);
        Assert.Equal(expected, rows.Skip(1));
        Assert.Contains(rows, r => r[1] == Street);
    }

    [Fact]
    public async Task Purchase_cycles_as_csv_are_the_json_categories()
    {
        var json = await Json.EventuallyAsync(() => _admin.GetJsonOrNull("/api/v1/analytics/purchase-cycles"), c => c.AsArray().Count == 1);
        var rows = await ReadCsvAsync(await _admin.GetAsync("/api/v1/analytics/purchase-cycles?format=csv"), "purchase-cycles-");
        RowsMatch(rows, json.AsArray());
        Assert.Equal(Milk, rows[1][0]);
    }

    [Fact]
    public async Task Rfm_as_csv_is_the_json_layers_and_score_histograms()
    {
        await Json.EventuallyAsync(async () => await (await _admin.PostAsync("/api/v1/analytics/rfm/refresh", null)).ReadAsync(), r => r["scored"]!.GetValue<int>() == 3);
        var json = (await _admin.GetJsonOrNull("/api/v1/analytics/rfm"))!;
        var layers = await ReadCsvAsync(await _admin.GetAsync("/api/v1/analytics/rfm?format=csv"), "rfm-segments-");
        Assert.Equal(["segment", "r_min", "r_max", "f_min", "f_max", "m_min", "m_max", "customers", "net_spend"], layers[0]);
        var segments = json["segments"]!.AsArray();
        Assert.Equal(segments.Count, layers.Count - 1);
        for (var i = 0; i < segments.Count; i++)
        {
            var s = segments[i]!;
            var row = layers[i + 1];
            Assert.Equal(s["segment"]!.GetValue<string>(), row[0]);
            foreach (var (name, c) in new[] { ("r", 1), ("f", 3), ("m", 5) })
            {
                Same(s[name]?[0], row[c], $"{row[0]} {name} min");
                Same(s[name]?[1], row[c + 1], $"{row[0]} {name} max");
            }
            Same(s["customers"], row[7], $"{row[0]} customers");
            Same(s["net_spend"], row[8], $"{row[0]} net_spend");
        }
        Assert.Equal(3, layers.Skip(1).Sum(r => int.Parse(r[7], CultureInfo.InvariantCulture)) - int.Parse(layers.Single(r => r[0] == "无购买客户")[7], CultureInfo.InvariantCulture));

        var scores = await ReadCsvAsync(await _admin.GetAsync("/api/v1/analytics/rfm?format=csv&table=scores"), "rfm-scores-");
        Assert.Equal(["score", "r_customers", "f_customers", "m_customers", "e_customers"], scores[0]);
        for (var s = 5; s >= 1; s--)
        {
            var row = scores[6 - s];
            Assert.Equal(s.ToString(CultureInfo.InvariantCulture), row[0]);
            foreach (var (name, c) in new[] { ("r_scores", 1), ("f_scores", 2), ("m_scores", 3), ("e_scores", 4) })
            {
                Same(json[name]![s - 1], row[c], $"{name}[{s}]");
            }
        }
    }

    [Fact]
    public async Task The_lifecycle_board_as_csv_is_the_json_stages()
    {
        var json = await Json.EventuallyAsync(() => _admin.GetJsonOrNull("/api/v1/analytics/lifecycle"), b => b["customers"]!.GetValue<int>() == 4);
        var rows = await ReadCsvAsync(await _admin.GetAsync("/api/v1/analytics/lifecycle?format=csv"), "lifecycle-");
        Assert.Equal(["stage", "name", "customers"], rows[0]);
        RowsMatch(rows, json["stages"]!.AsArray());
    }

    [Fact]
    public async Task Csv_is_refused_by_name_where_there_is_no_table()
    {
        // Refused before anything runs: the refresh does not happen.
        var refresh = await _admin.PostAsync("/api/v1/analytics/rfm/refresh?format=csv", null);
        Assert.Equal(HttpStatusCode.BadRequest, refresh.StatusCode);
        Assert.NotNull((await refresh.ReadAsync())["errors"]!["format"]);
        var bad = await _admin.PostAsJsonAsync("/api/v1/analytics/cohorts?format=csv&table=rows", CohortQuery);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.NotNull((await bad.ReadAsync())["errors"]!["table"]);
        // A bad question is still a JSON problem naming its field, CSV asked or not.
        var invalid = await _admin.PostAsJsonAsync("/api/v1/analytics/cohorts?format=csv", new { period = "day" });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.NotNull((await invalid.ReadAsync())["errors"]!["period"]);
    }
}
