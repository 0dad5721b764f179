using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Siyu.Server.Data;
using Siyu.Server.Quality;

namespace Siyu.Server.Tests.Quality;

/// <summary>
/// Quality inspection (质检) end to end: archived messages go in through the sidecar API, the inspection worker's run
/// scores them, and the API's conversations, drill-down and reports are checked against hand-computed values (default
/// rules: 10 minutes within Mon–Fri 09:00–18:00 Asia/Shanghai, forbidden 20, timeout 10, late negative 10). 2026-11-27
/// is a Friday, 11-30 a Monday. Staff zhang talks with customer A, li with B.
/// </summary>
public sealed class QualityInspectionTests : IAsyncLifetime
{
    private const string ExtA = "wmQualityCustomerA";
    private const string ExtB = "wmQualityCustomerB";
    private readonly SiyuFactory _factory = new();
    private HttpClient _admin = null!;
    private HttpClient _sidecar = null!;
    private int _tenant;
    private int _seq;

    public async Task InitializeAsync()
    {
        var dbs = _factory.Services.GetRequiredService<IDbContextFactory<SiyuDb>>();
        await using (var db = await dbs.CreateDbContextAsync())
        {
            _tenant = (await db.Tenants.SingleAsync(t => t.Slug == "demo")).Id;
            db.Staff.AddRange(
                new StaffRow { TenantId = _tenant, UserId = "zhang", Name = "张三", Departments = "1" },
                new StaffRow { TenantId = _tenant, UserId = "li", Name = "李四", Departments = "1" });
            await db.SaveChangesAsync();
        }
        _admin = await _factory.AdminClientAsync();
        var created = await _admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "sidecar", scopes = new[] { "archive:write" } });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        _sidecar = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        _sidecar.DefaultRequestHeaders.Add("X-Api-Key", (await created.ReadAsync())["secret"]!.GetValue<string>());
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private static long At(int month, int day, int hour, int minute) => new DateTimeOffset(2026, month, day, hour, minute, 0, TimeSpan.FromHours(8)).ToUnixTimeMilliseconds();

    private static JsonObject Text(string msgid, string from, string to, string content, long at) => new()
    {
        ["msgid"] = msgid, ["action"] = "send", ["from"] = from, ["tolist"] = new JsonArray(to), ["roomid"] = "", ["msgtime"] = at, ["msgtype"] = "text",
        ["text"] = new JsonObject { ["content"] = content },
    };

    private static JsonObject Recall(string msgid, string from, string to, string recalled, long at) => new()
    {
        ["msgid"] = msgid, ["action"] = "recall", ["from"] = from, ["tolist"] = new JsonArray(to), ["roomid"] = "", ["msgtime"] = at, ["msgtype"] = "revoke",
        ["revoke"] = new JsonObject { ["pre_msgid"] = recalled },
    };

    private async Task PostAsync(params JsonObject[] messages)
    {
        var items = new JsonArray([.. messages.Select(m => (JsonNode)new JsonObject { ["seq"] = ++_seq, ["msgid"] = m["msgid"]!.DeepClone(), ["message"] = m.DeepClone() })]);
        var response = await _sidecar.PostAsJsonAsync("/api/v1/archive/messages", new JsonObject { ["items"] = items });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        Assert.Equal(messages.Length, (await response.ReadAsync())["stored"]!.GetValue<int>());
    }

    private Task<int> InspectAsync() => _factory.Services.GetRequiredService<QualityService>().RunPendingAsync();

    private async Task<Dictionary<(string Staff, string Day), JsonNode>> ConversationsAsync()
    {
        var page = await _admin.GetJsonOrNull("/api/v1/quality/conversations?from=2026-11-27&to=2026-11-30&limit=200");
        Assert.NotNull(page);
        return page!["items"]!.AsArray().ToDictionary(i => (i!["staff"]!["userid"]!.GetValue<string>(), i["day"]!.GetValue<string>()), i => i!);
    }

    private static int Int(JsonNode n, string name) => n[name]!.GetValue<int>();

    /// <summary>The first part of the conversations (before the Monday reply and the recall).</summary>
    private static readonly JsonObject[] FirstBatch =
    [
        Text("a1", ExtA, "zhang", "你好，这个多少钱", At(11, 27, 10, 0)),
        Text("a2", "zhang", ExtA, "您好，199元", At(11, 27, 10, 5)),                  // 5 min: in time
        Text("a3", ExtA, "zhang", "太差了，我要投诉", At(11, 27, 10, 30)),           // negative, starts a run
        Text("a4", ExtA, "zhang", "人呢", At(11, 27, 10, 31)),
        Text("a5", "zhang", ExtA, "这事不归我管", At(11, 27, 10, 45)),              // 15 min after a3: late; forbidden
        Text("a6", ExtA, "zhang", "还在吗", At(11, 27, 17, 55)),                    // open at the end of Friday: due Monday 09:05
        Text("b1", ExtB, "li", "在吗", At(11, 27, 11, 0)),
        Text("b2", "li", ExtB, "在的，有什么可以帮您", At(11, 27, 11, 2)),
        Text("b3", "li", ExtB, "爱 买 不 买", At(11, 27, 11, 3)),                   // forbidden through spaces
        Text("b4", "li", ExtB, "你自己看", At(11, 27, 11, 4)),                      // forbidden, recalled later
        Text("b5", ExtB, "li", "我要投诉", At(11, 28, 10, 0)),                      // Saturday, never answered: due Monday 09:10
    ];

    [Fact]
    public async Task Scores_findings_and_reports_follow_the_messages_incrementally()
    {
        await PostAsync(FirstBatch);
        Assert.Equal(3, await InspectAsync());
        var first = await ConversationsAsync();
        Assert.Equal(3, first.Count);
        // zhang Friday: a3→a5 late (10) with a late negative (10), 不归我管 (20), a6 never answered (10): 50.
        var zhang = first[("zhang", "2026-11-27")];
        Assert.Equal(50, Int(zhang, "score"));
        Assert.Equal(2, Int(zhang, "timeouts"));
        Assert.Equal(1, Int(zhang, "forbidden_hits"));
        Assert.Equal(1, Int(zhang, "negative_messages"));
        Assert.Equal(1, Int(zhang, "negative_late"));
        Assert.Equal("张三", zhang["staff"]!["name"]!.GetValue<string>());
        // li Friday: two forbidden phrases: 60. li Saturday: unanswered (10) with a late negative (10): 80.
        Assert.Equal(60, Int(first[("li", "2026-11-27")], "score"));
        Assert.Equal(80, Int(first[("li", "2026-11-28")], "score"));

        // Monday: zhang answers a6 at 09:20 (5 + 20 working minutes, due 09:05), li recalls b4.
        await PostAsync(Text("a7", "zhang", ExtA, "在的，刚看到", At(11, 30, 9, 20)), Recall("b6", "li", ExtB, "b4", At(11, 27, 11, 5)));
        // zhang Monday (new), li Friday (the recall), and the two days that ended unanswered: zhang Friday (now answered), li Saturday.
        Assert.Equal(4, await InspectAsync());
        var second = await ConversationsAsync();
        Assert.Equal(4, second.Count);
        Assert.Equal(50, Int(second[("zhang", "2026-11-27")], "score"));
        Assert.Equal(100, Int(second[("zhang", "2026-11-30")], "score"));
        Assert.Equal(80, Int(second[("li", "2026-11-27")], "score"));
        Assert.Equal(80, Int(second[("li", "2026-11-28")], "score"));

        // Drill-down: the timeout of a6 now names the reply, with 25 working minutes; the forbidden phrase is marked in a5.
        var detail = await _admin.GetJsonOrNull($"/api/v1/quality/conversations/{second[("zhang", "2026-11-27")]["id"]}");
        Assert.NotNull(detail);
        var messages = detail!["messages"]!.AsArray().ToDictionary(m => m!["msgid"]!.GetValue<string>(), m => m!);
        var ids = messages.ToDictionary(m => m.Value["id"]!.GetValue<long>(), m => m.Key);
        var timeouts = detail["findings"]!.AsArray().Where(f => f!["rule"]!.GetValue<string>() == "timeout").ToList();
        Assert.Equal([["a3", "a5"], ["a6", "a7"]], timeouts.Select(t => t!["message_ids"]!.AsArray().Select(i => ids[i!.GetValue<long>()]).ToList()));
        Assert.Equal([15.0, 25.0], timeouts.Select(t => t!["waited_minutes"]!.GetValue<double>()));
        Assert.Equal("这事不归我管", messages["a5"]["text"]!.GetValue<string>());
        var mark = messages["a5"]["marks"]!.AsArray().Single();
        Assert.Equal(("forbidden", 2, 4, "不归我管"), (mark!["rule"]!.GetValue<string>(), mark["start"]!.GetValue<int>(), mark["length"]!.GetValue<int>(), mark["word"]!.GetValue<string>()));
        var negative = messages["a3"]["marks"]!.AsArray();
        Assert.Equal([("negative", "太差", 0), ("negative", "投诉", 6)], negative.Select(n => (n!["rule"]!.GetValue<string>(), n["word"]!.GetValue<string>(), n["start"]!.GetValue<int>())));
        Assert.True(messages.ContainsKey("a7")); // the reply on Monday is shown because a finding references it

        // No message text in clear in the results table.
        var dbs = _factory.Services.GetRequiredService<IDbContextFactory<SiyuDb>>();
        await using var db = await dbs.CreateDbContextAsync();
        var rows = await db.QualityResults.AsNoTracking().Where(r => r.TenantId == _tenant).ToListAsync();
        Assert.DoesNotContain(rows, r => System.Text.RegularExpressions.Regex.Unescape(r.Findings) is var f && (f.Contains("这事") || f.Contains("多少钱")));
        Assert.Contains(rows, r => System.Text.RegularExpressions.Regex.Unescape(r.Findings).Contains("不归我管")); // rule words are kept

        // Staff report: hand-computed, and equal to a direct computation over the stored rows.
        var staff = (await _admin.GetJsonOrNull("/api/v1/quality/staff?from=2026-11-27&to=2026-11-30"))!["items"]!.AsArray();
        Assert.Equal(["li", "zhang"], staff.Select(s => s!["staff"]!["userid"]!.GetValue<string>()));
        Assert.Equal(80.0, staff[0]!["average_score"]!.GetValue<double>());
        Assert.Equal(75.0, staff[1]!["average_score"]!.GetValue<double>());
        foreach (var s in staff)
        {
            var userid = s!["staff"]!["userid"]!.GetValue<string>();
            var mine = rows.Where(r => r.StaffUserId == userid).ToList();
            Assert.Equal(mine.Count, Int(s, "conversations"));
            Assert.Equal(Math.Round(mine.Average(r => r.Score), 1), s["average_score"]!.GetValue<double>());
            Assert.Equal(mine.Sum(r => r.Timeouts), Int(s, "timeouts"));
            Assert.Equal(mine.Sum(r => r.ForbiddenHits), Int(s, "forbidden_hits"));
            Assert.Equal(mine.Count(r => r.NegativeMessages > 0), Int(s, "negative_conversations"));
            Assert.Null(s["required_rate"]); // no required phrase by default
        }
        Assert.Equal((3, 1, 1), (Int(staff[0]!, "timeouts") + Int(staff[1]!, "timeouts"), Int(staff[0]!, "forbidden_hits"), Int(staff[1]!, "forbidden_hits")));

        // Daily report: Friday 2 conversations averaging (50 + 80) / 2, Saturday 1, Monday 1; and as CSV.
        var daily = (await _admin.GetJsonOrNull("/api/v1/quality/daily?from=2026-11-27&to=2026-11-30"))!["items"]!.AsArray();
        Assert.Equal(["2026-11-27", "2026-11-28", "2026-11-30"], daily.Select(d => d!["day"]!.GetValue<string>()));
        Assert.Equal((2, 65.0, 2, 2), (Int(daily[0]!, "conversations"), daily[0]!["average_score"]!.GetValue<double>(), Int(daily[0]!, "staff"), Int(daily[0]!, "forbidden_hits")));
        var csv = await _admin.GetAsync("/api/v1/quality/daily?from=2026-11-27&to=2026-11-30&format=csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("2026-11-27,2,2,65,", lines[1]);

        // Filters: rule, score bounds, staff.
        Assert.Equal(2, (await _admin.GetJsonOrNull("/api/v1/quality/conversations?from=2026-11-27&to=2026-11-30&rule=forbidden"))!["total"]!.GetValue<int>());
        Assert.Equal(1, (await _admin.GetJsonOrNull("/api/v1/quality/conversations?date=2026-11-27&max_score=50"))!["total"]!.GetValue<int>());
        Assert.Equal(2, (await _admin.GetJsonOrNull("/api/v1/quality/conversations?from=2026-11-27&to=2026-11-30&staff=li&min_score=80"))!["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_rule_change_takes_effect_on_rerun_and_is_audited()
    {
        await PostAsync([.. FirstBatch, Text("a7", "zhang", ExtA, "在的，刚看到", At(11, 30, 9, 20))]);
        await InspectAsync();
        Assert.Equal(50, Int((await ConversationsAsync())[("zhang", "2026-11-27")], "score"));

        var put = await _admin.PutAsJsonAsync("/api/v1/quality/rules", new { timeout_minutes = 60, forbidden_phrases = Array.Empty<string>(), required_phrases = new[] { "双十一" } });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        var rules = await _admin.GetJsonOrNull("/api/v1/quality/rules");
        Assert.Equal(60, Int(rules!, "timeout_minutes"));
        Assert.Equal("09:00", rules!["working_hours"]!["start"]!.GetValue<string>()); // omitted fields keep their values
        Assert.Equal(6, rules["negative_words"]!.AsArray().Count); // the defaults
        // Stored results do not change until a rerun.
        Assert.Equal(50, Int((await ConversationsAsync())[("zhang", "2026-11-27")], "score"));

        var rerun = await _admin.PostAsJsonAsync("/api/v1/quality/rerun", new { from = "2026-11-27", to = "2026-11-30" });
        Assert.True(rerun.IsSuccessStatusCode, await rerun.Content.ReadAsStringAsync());
        Assert.Equal(4, (await rerun.ReadAsync())["inspected"]!.GetValue<int>());
        var after = await ConversationsAsync();
        // 60 minutes: a3→a5 (15) and a6→a7 (5 + 20) are in time; no forbidden phrase; 双十一 never said where zhang/li wrote: −10.
        Assert.Equal(90, Int(after[("zhang", "2026-11-27")], "score"));
        Assert.Equal(90, Int(after[("zhang", "2026-11-30")], "score"));
        Assert.Equal(90, Int(after[("li", "2026-11-27")], "score"));
        // b5 (Saturday 10:00) is due Monday 10:00 and never answered: timeout and late negative; li did not write that day.
        Assert.Equal(80, Int(after[("li", "2026-11-28")], "score"));
        Assert.Equal("n/a", after[("li", "2026-11-28")]["required"]!.GetValue<string>());
        var staff = (await _admin.GetJsonOrNull("/api/v1/quality/staff?from=2026-11-27&to=2026-11-30"))!["items"]!.AsArray();
        Assert.All(staff, s => Assert.Equal(0.0, s!["required_rate"]!.GetValue<double>()));
        Assert.Equal([2, 1], staff.Select(s => Int(s!, "required_applicable")).OrderDescending());

        var dbs = _factory.Services.GetRequiredService<IDbContextFactory<SiyuDb>>();
        await using var db = await dbs.CreateDbContextAsync();
        Assert.True(await db.Audit.AnyAsync(a => a.TenantId == _tenant && a.Action == "quality.rules.changed"));
        Assert.True(await db.Audit.AnyAsync(a => a.TenantId == _tenant && a.Action == "quality.rerun"));
    }

    [Fact]
    public async Task Erasing_a_customer_deletes_their_quality_results()
    {
        await PostAsync(FirstBatch);
        await InspectAsync();
        var customer = (await ConversationsAsync())[("zhang", "2026-11-27")]["customer"]!["id"]!.GetValue<long>();
        var filed = await _admin.PostAsJsonAsync("/api/v1/compliance/requests", new { customer_id = customer, kind = "delete", via = "customer" });
        Assert.Equal(HttpStatusCode.Created, filed.StatusCode);
        var id = (await filed.ReadAsync())["id"]!.GetValue<long>();
        Assert.True((await _admin.PostAsync($"/api/v1/compliance/requests/{id}/process", null)).IsSuccessStatusCode);
        var done = await _admin.PostAsync($"/api/v1/compliance/requests/{id}/complete", null);
        Assert.True(done.IsSuccessStatusCode, await done.Content.ReadAsStringAsync());
        Assert.Equal([("li", "2026-11-27"), ("li", "2026-11-28")], (await ConversationsAsync()).Keys.Order());
    }

    [Theory]
    [InlineData("PUT", "/api/v1/quality/rules", "{\"timeout_minutes\":0}", "timeout_minutes")]
    [InlineData("PUT", "/api/v1/quality/rules", "{\"working_hours\":{\"days\":[1,8]}}", "working_hours.days")]
    [InlineData("PUT", "/api/v1/quality/rules", "{\"working_hours\":{\"start\":\"18:00\",\"end\":\"09:00\"}}", "working_hours.end")]
    [InlineData("PUT", "/api/v1/quality/rules", "{\"working_hours\":{\"start\":\"9点\"}}", "working_hours.start")]
    [InlineData("PUT", "/api/v1/quality/rules", "{\"forbidden_phrases\":[\"好\",\"，，\"]}", "forbidden_phrases[1]")]
    [InlineData("PUT", "/api/v1/quality/rules", "{\"required_phrases\":\"双十一\"}", "required_phrases")]
    [InlineData("PUT", "/api/v1/quality/rules", "{\"weights\":{\"forbidden\":-1}}", "weights.forbidden")]
    [InlineData("GET", "/api/v1/quality/conversations?date=2026-13-01", null, "date")]
    [InlineData("GET", "/api/v1/quality/conversations?min_score=101", null, "min_score")]
    [InlineData("GET", "/api/v1/quality/conversations?min_score=80&max_score=20", null, "max_score")]
    [InlineData("GET", "/api/v1/quality/conversations?rule=rude", null, "rule")]
    [InlineData("GET", "/api/v1/quality/staff?from=2026-11-30&to=2026-11-01", null, "to")]
    [InlineData("GET", "/api/v1/quality/daily?from=2024-01-01&to=2026-11-01", null, "to")]
    [InlineData("GET", "/api/v1/quality/daily?format=xml", null, "format")]
    [InlineData("POST", "/api/v1/quality/rerun", "{\"from\":\"2026-11-01\"}", "to")]
    [InlineData("POST", "/api/v1/quality/rerun", "{\"from\":\"2026-01-01\",\"to\":\"2026-11-01\"}", "to")]
    public async Task Invalid_input_is_a_problem_naming_the_field(string method, string url, string? body, string field)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (body is not null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }
        var response = await _admin.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        Assert.NotNull(JsonNode.Parse(text)!["errors"]![field]);
    }

    [Fact]
    public async Task Staff_cannot_read_quality_and_read_only_roles_cannot_change_rules()
    {
        var staff = await ConsoleClientAsync("staff");
        foreach (var url in new[] { "/api/v1/quality/rules", "/api/v1/quality/conversations", "/api/v1/quality/staff", "/api/v1/quality/daily", "/api/v1/quality/conversations/1" })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await staff.GetAsync(url)).StatusCode);
        }
        Assert.NotEqual(HttpStatusCode.OK, (await staff.GetAsync("/quality")).StatusCode);
        var auditor = await ConsoleClientAsync("auditor");
        Assert.Equal(HttpStatusCode.OK, (await auditor.GetAsync("/api/v1/quality/staff")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await auditor.PutAsJsonAsync("/api/v1/quality/rules", new { timeout_minutes = 5 })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await auditor.PostAsJsonAsync("/api/v1/quality/rerun", new { from = "2026-11-27", to = "2026-11-27" })).StatusCode);
        var operatorClient = await ConsoleClientAsync("operator");
        Assert.Equal(HttpStatusCode.OK, (await operatorClient.PutAsJsonAsync("/api/v1/quality/rules", new { timeout_minutes = 5 })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await operatorClient.GetAsync("/api/v1/quality/conversations/987654")).StatusCode);
    }

    private async Task<HttpClient> ConsoleClientAsync(string role)
    {
        var name = "quality-" + role;
        const string password = "quality-test-密码";
        var dbs = _factory.Services.GetRequiredService<IDbContextFactory<SiyuDb>>();
        await using (var db = await dbs.CreateDbContextAsync())
        {
            var user = new ConsoleUser { TenantId = _tenant, UserName = name, PasswordHash = "", Role = role };
            user.PasswordHash = _factory.Services.GetRequiredService<Siyu.Server.Auth.Passwords>().Hash(user, password);
            db.Users.Add(user);
            await db.SaveChangesAsync();
        }
        using var login = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        var response = await login.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["tenant"] = "demo", ["username"] = name, ["password"] = password, ["returnUrl"] = "/",
        }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        client.DefaultRequestHeaders.Add("Cookie", string.Join("; ", response.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0])));
        return client;
    }
}
