using System.Net;
using System.Text.Json.Nodes;
using Siyu.Server.Tests.Audiences;

namespace Siyu.Server.Tests.Analytics;

/// <summary>
/// The KPI dashboard on a real server: events in through the ingest API, figures out of
/// <c>GET /api/v1/analytics/kpis</c>, checked against what was counted by hand from the events below.
/// </summary>
public sealed class KpiFlowTests : IAsyncLifetime
{
    private readonly MovableTime _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.FromHours(8)));
    private readonly SiyuFactory _factory;
    private HttpClient _api = null!;
    private HttpClient _admin = null!;

    public KpiFlowTests() => _factory = new SiyuFactory(time: _time);

    public async Task InitializeAsync()
    {
        _api = _factory.ApiClient();
        _admin = await _factory.AdminClientAsync();
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private static string At(int day, int hour = 10, int minute = 0) => new DateTimeOffset(2026, 11, day, hour, minute, 0, TimeSpan.FromHours(8)).ToString("O");

    private static object E(string id, string type, string phone, string at, object? properties = null) =>
        new { id, type, timestamp = at, identifiers = new { phone }, properties = properties ?? new { } };

    /// <summary>This week is 11-15 … 11-21 (Shanghai), the previous one 11-08 … 11-14.</summary>
    private async Task IngestAsync()
    {
        const string a = "13500000001", b = "13500000002", c = "13500000003", d = "13500000004", e = "13500000005", f = "13500000006", g = "13500000007";
        (await _api.PostEventsAsync(new
        {
            events = new[]
            {
                // A: alice's since last week; 100 + 50 this week, 20 of the first refunded; a message, a click.
                E("a1", "customer.added", a, At(10), new { staff_userid = "alice" }),
                E("a2", "order.paid", a, At(16), new { order_id = "o1", amount = 100 }),
                E("a3", "order.paid", a, At(18), new { order_id = "o2", amount = 50 }),
                E("a4", "order.refunded", a, At(19), new { order_id = "o1", amount = 20 }),
                E("a5", "message.sent", a, At(15), new { channel = "wecom_private" }),
                E("a6", "message.clicked", a, At(15, 11), new { url = "https://example.com" }),
                // B: added by bob this week; 200; joined a group; one message handed over, one failed.
                E("b1", "customer.added", b, At(16), new { staff_userid = "bob" }),
                E("b2", "order.paid", b, At(20), new { order_id = "o3", amount = 200 }),
                E("b3", "group.joined", b, At(17), new { group = "VIP 群" }),
                E("b4", "message.sent", b, At(16, 12), new { channel = "wecom_private" }),
                E("b5", "message.failed", b, At(20, 12), new { channel = "sms" }),
                // C: alice's since last week, deleted her this week.
                E("c1", "customer.added", c, At(12), new { staff_userid = "alice" }),
                E("c2", "customer.deleted", c, At(17), new { staff_userid = "alice", by = "customer" }),
                // D: a failed message last week (what Siyu did: not a sign of the customer), a page view late on the last day.
                E("d1", "message.failed", d, At(13), new { channel = "sms" }),
                E("d2", "page.viewed", d, At(21, 23, 50), new { page = "home" }),
                // E: bought last week only.
                E("e1", "order.paid", e, At(9), new { order_id = "o4", amount = 80 }),
                // F: carol's, handed over to dave (a transfer is not growth); 30 after the transfer.
                E("f1", "customer.added", f, At(11), new { staff_userid = "carol" }),
                E("f2", "customer.deleted", f, At(18), new { staff_userid = "carol", by = "transfer" }),
                E("f3", "customer.added", f, At(18, 10, 1), new { staff_userid = "dave", source = "transfer" }),
                E("f4", "order.paid", f, At(19), new { order_id = "o5", amount = 30 }),
                // G: added ten minutes after the week ended.
                E("g1", "customer.added", g, At(22, 0, 10), new { staff_userid = "alice" }),
            },
        })).EnsureSuccessStatusCode();
    }

    private Task<JsonNode?> KpisAsync(string query) => _admin.GetJsonOrNull("/api/v1/analytics/kpis" + query);

    [Fact]
    public async Task The_dashboard_counts_the_week_and_the_week_before_as_by_hand()
    {
        await IngestAsync();
        var report = (await KpisAsync("?from=2026-11-15&to=2026-11-21"))!;
        var now = report["current"]!;
        Assert.Equal("2026-11-15", now["from"]!.GetValue<string>());
        Assert.Equal("2026-11-21", now["to"]!.GetValue<string>());
        Assert.Equal(1, now["adds"]!.GetValue<int>());          // B (F's move to dave is a transfer)
        Assert.Equal(1, now["deletes"]!.GetValue<int>());       // C
        Assert.Equal(0, now["net_growth"]!.GetValue<int>());
        Assert.Equal(1, now["group_joins"]!.GetValue<int>());
        Assert.Equal(2, now["messages_sent"]!.GetValue<int>());
        Assert.Equal(1, now["messages_failed"]!.GetValue<int>());
        Assert.Equal(2.0 / 3, now["delivery_rate"]!.GetValue<double>(), 12);
        Assert.Equal(2, now["customers_reached"]!.GetValue<int>());
        Assert.Equal(1, now["clicks"]!.GetValue<int>());
        Assert.Equal(0.5, now["click_rate"]!.GetValue<double>());
        Assert.Equal(6, now["customers"]!.GetValue<int>());     // A–F; G came after the end
        Assert.Equal(3, now["buyers"]!.GetValue<int>());        // A, B, F
        Assert.Equal(4, now["paid_orders"]!.GetValue<int>());
        Assert.Equal(380m, now["gmv"]!.GetValue<decimal>());    // 100 + 50 + 200 + 30
        Assert.Equal(20m, now["refunds"]!.GetValue<decimal>());
        Assert.Equal(0.5, now["conversion"]!.GetValue<double>());
        Assert.Equal(1.0 / 3, now["repurchase_rate"]!.GetValue<double>(), 12);
        Assert.Equal(95m, now["aov"]!.GetValue<decimal>());
        Assert.Equal(4.0 / 3, now["frequency"]!.GetValue<double>(), 12);
        Assert.Equal(4, now["payers"]!.GetValue<int>());        // A, B, E, F
        Assert.Equal(110m, now["ltv"]!.GetValue<decimal>());    // (130 + 200 + 80 + 30) / 4

        var before = report["previous"]!;
        Assert.Equal("2026-11-08", before["from"]!.GetValue<string>());
        Assert.Equal(3, before["adds"]!.GetValue<int>());       // A, C, F
        Assert.Equal(4, before["customers"]!.GetValue<int>());  // A, C, E, F: D's failed message does not make D known
        Assert.Equal(0.0, before["delivery_rate"]!.GetValue<double>());
        Assert.Null(before["click_rate"]);
        Assert.Equal(80m, before["gmv"]!.GetValue<decimal>());
        Assert.Equal(0.25, before["conversion"]!.GetValue<double>());
        Assert.Equal(80m, before["ltv"]!.GetValue<decimal>());

        var gmv = report["metrics"]!.AsArray().Single(m => m!["key"]!.GetValue<string>() == "gmv")!;
        Assert.Equal(300m, gmv["change"]!.GetValue<decimal>());
        Assert.Equal(3.75, gmv["change_ratio"]!.GetValue<double>());

        var d = report["decomposition"]!;
        Assert.Equal(6, d["customers"]!.GetValue<int>());
        Assert.Equal(380.0, d["customers"]!.GetValue<int>() * d["conversion"]!.GetValue<double>() * (double)d["aov"]!.GetValue<decimal>() * d["frequency"]!.GetValue<double>(), 9);

        var daily = report["daily"]!.AsArray();
        Assert.Equal(7, daily.Count);
        Assert.Equal([0, 1, -1, 0, 0, 0, 0], daily.Select(x => x!["net_growth"]!.GetValue<int>()));
        Assert.Equal([0m, 100m, 0m, 50m, 30m, 200m, 0m], daily.Select(x => x!["gmv"]!.GetValue<decimal>()));

        var staff = report["staff"]!.AsArray().Select(s => (s!["staff"]?.GetValue<string>(), s["adds"]!.GetValue<int>(), s["deletes"]!.GetValue<int>(),
            s["buyers"]!.GetValue<int>(), s["paid_orders"]!.GetValue<int>(), s["gmv"]!.GetValue<decimal>())).ToList();
        Assert.Equal(
        [
            ("bob", 1, 0, 1, 1, 200m),
            ("alice", 0, 1, 1, 2, 150m),  // C deleted her; she still owns A
            ("dave", 0, 0, 1, 1, 30m),    // F since the transfer
        ], staff);
    }

    [Fact]
    public async Task Without_dates_it_is_the_last_30_days()
    {
        var report = (await KpisAsync(""))!;
        Assert.Equal("2026-10-27", report["current"]!["from"]!.GetValue<string>());
        Assert.Equal("2026-11-25", report["current"]!["to"]!.GetValue<string>());
        Assert.Equal("2026-09-27", report["previous"]!["from"]!.GetValue<string>());
        Assert.Equal(30, report["daily"]!.AsArray().Count);
        Assert.Null(report["current"]!["aov"]); // nothing sold: no average, no error
    }

    [Theory]
    [InlineData("?from=2026-11-30&to=2026-11-01", "from")]
    [InlineData("?from=2025-11-01&to=2026-11-02", "from")]     // 367 days
    [InlineData("?from=2026-13-01", "from")]
    [InlineData("?from=2026-11-01&to=21/11/2026", "to")]
    [InlineData("?from=2026-12-01", "from")]                   // after today, to defaulting to today
    [InlineData("?format=xml", "format")]
    [InlineData("?format=csv&table=nope", "table")]
    public async Task Bad_input_is_a_problem_naming_the_field(string query, string field)
    {
        var response = await _admin.GetAsync("/api/v1/analytics/kpis" + query);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull((await response.ReadAsync())["errors"]![field]);
    }

    [Fact]
    public async Task A_year_of_366_days_is_allowed()
    {
        var report = (await KpisAsync("?from=2025-11-01&to=2026-11-01"))!;
        Assert.Equal(366, report["daily"]!.AsArray().Count);
    }
}
