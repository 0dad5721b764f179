using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Siyu.Server.Data;
using Siyu.Server.Tests.Audiences;

namespace Siyu.Server.Tests.Conversations;

/// <summary>
/// Sensitive-topic interception and handoff (转人工) on a real server: an archived customer message with 退費 opens one
/// handoff (a second hit adds to it), the staff member is notified by app message, the customer's journey wait is
/// held and an automated send is excluded with handoff_open while it is open; a restart with a full replay neither
/// reopens nor forgets it; resolving resumes the journey. Staff see only their customers' handoffs.
/// </summary>
public sealed class HandoffTests : IAsyncLifetime
{
    private const string Password = "handoff-test-密码-123";
    private const string ExtA = "wmAAAAhandoffA";
    private const string ExtB = "wmBBBBhandoffB";
    // 22:00 in Shanghai: quiet hours, so the journey's first message waits in the pipeline.
    private readonly MovableTime _time = new(new DateTimeOffset(2026, 12, 1, 22, 0, 0, TimeSpan.FromHours(8)));
    private readonly string _data = Path.Combine(Path.GetTempPath(), "siyu-tests", Guid.NewGuid().ToString("N"));
    private SiyuFactory _factory = null!;
    private HttpClient _admin = null!;
    private HttpClient _sidecar = null!;
    private string _sidecarKey = null!;
    private readonly Dictionary<string, long> _customers = [];
    private int _seq;

    public async Task InitializeAsync()
    {
        _factory = new SiyuFactory(_data, time: _time);
        var dbs = _factory.Services.GetRequiredService<IDbContextFactory<SiyuDb>>();
        await using (var db = await dbs.CreateDbContextAsync())
        {
            var tenant = (await db.Tenants.SingleAsync(t => t.Slug == "demo")).Id;
            db.Staff.AddRange(
                new StaffRow { TenantId = tenant, UserId = "zhang", Name = "张三", Departments = "1" },
                new StaffRow { TenantId = tenant, UserId = "li", Name = "李四", Departments = "1" });
            await db.SaveChangesAsync();
        }
        _admin = await _factory.AdminClientAsync();
        var created = await _admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "sidecar", scopes = new[] { "archive:write" } });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        _sidecarKey = (await created.ReadAsync())["secret"]!.GetValue<string>();
        _sidecar = Sidecar();
        var api = _factory.ApiClient();
        foreach (var (name, external, staff, phone) in new[] { ("A", ExtA, "zhang", "13800138001"), ("B", ExtB, "li", "13800138002") })
        {
            var response = await api.PostEventsAsync(new
            {
                events = new[]
                {
                    new
                    {
                        id = "add-" + name, type = "customer.added", timestamp = _time.Now.AddDays(-2).ToString("O"),
                        identifiers = new { external_userid = external, phone }, properties = new { staff_userid = staff }, attributes = new { name = "王小" + name },
                    },
                },
            });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            _customers[name] = (await response.ReadAsync())["results"]![0]!["customer_id"]!.GetValue<long>();
        }
        await Json.EventuallyAsync(() => _admin.GetJsonOrNull("/api/v1/customers?limit=10"), page => page["items"]!.AsArray().Count == 2);
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        try
        {
            Directory.Delete(_data, true);
        }
        catch (IOException)
        {
        }
    }

    private HttpClient Sidecar()
    {
        var client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add("X-Api-Key", _sidecarKey);
        return client;
    }

    private async Task ArchiveAsync(string msgid, string from, string to, string content)
    {
        var message = new JsonObject
        {
            ["msgid"] = msgid, ["action"] = "send", ["from"] = from, ["tolist"] = new JsonArray(to), ["roomid"] = "",
            ["msgtime"] = _time.Now.ToUnixTimeMilliseconds(), ["msgtype"] = "text", ["text"] = new JsonObject { ["content"] = content },
        };
        var items = new JsonArray(new JsonObject { ["seq"] = ++_seq, ["msgid"] = msgid, ["message"] = message });
        var response = await _sidecar.PostAsJsonAsync("/api/v1/archive/messages", new JsonObject { ["items"] = items });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
    }

    private async Task<JsonArray> MessagesAsync(long customer, Func<JsonArray, bool> condition) =>
        (await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/delivery/messages?customer_id={customer}"), m => condition(m.AsArray()), attempts: 200)).AsArray();

    private static string Str(JsonNode? node) => node!.GetValue<string>();

    [Fact]
    public async Task A_sensitive_message_opens_one_handoff_pauses_automation_until_resolved_and_survives_a_replay()
    {
        var a = _customers["A"];
        // The demo tenant is "general": switch the education list on (the industry default would be the same for an education tenant).
        var defaults = (await _admin.GetJsonOrNull("/api/v1/conversations/sensitive-topics"))!;
        Assert.True(defaults["is_default"]!.GetValue<bool>());
        Assert.Equal(["general"], defaults["lists"]!.AsArray().Select(Str));
        (await _admin.PutAsJsonAsync("/api/v1/conversations/sensitive-topics", new { enabled = true, lists = new[] { "general", "education" } })).EnsureSuccessStatusCode();
        // A journey: thanks on an order, a one-hour wait, then a follow-up.
        var journey = await _admin.PostAsJsonAsync("/api/v1/journeys", new
        {
            definition = new
            {
                version = 1, name = "下单回访", kind = "journey", trigger = new { type = "event", @event = "order.paid" },
                steps = new object[]
                {
                    new { id = "thanks", send = new { channel = "wecom_private", topic = "service", text = "感谢您的购买" } },
                    new { id = "pause", wait = new { duration = "1h" } },
                    new { id = "follow", send = new { channel = "wecom_private", topic = "service", text = "用得还满意吗" } },
                    new { id = "done", exit = new { } },
                },
            },
        });
        Assert.True(journey.StatusCode == HttpStatusCode.Created, await journey.Content.ReadAsStringAsync());
        var journeyId = (await journey.ReadAsync())["id"]!.GetValue<long>();
        (await _admin.PostAsJsonAsync($"/api/v1/journeys/{journeyId}/status", new { status = "active" })).EnsureSuccessStatusCode();
        _time.Now = _time.Now.AddMinutes(1);
        await _factory.ApiClient().PostEventsAsync(new
        {
            events = new[] { new { type = "order.paid", timestamp = _time.Now.ToString("O"), identifiers = new { external_userid = ExtA }, properties = new { order_id = "o1", amount = 99 } } },
        });
        var first = await MessagesAsync(a, m => m.Count == 1 && Str(m[0]!["status"]) == "deferred");
        Assert.Equal("quiet_hours", Str(first[0]!["decision"]!["code"]));

        // The customer writes 退費 (traditional, spaced) in the chat; the staff member's own message raises nothing.
        _time.Now = _time.Now.AddMinutes(1);
        await ArchiveAsync("h1", "zhang", ExtA, "我们这边可以办理退费的流程");
        await ArchiveAsync("h2", ExtA, "zhang", "课太差了，我要退 費！");
        var list = await Json.EventuallyAsync(() => _admin.GetJsonOrNull("/api/v1/handoffs?status=open"), l => l["items"]!.AsArray().Count == 1);
        var handoff = list["items"]![0]!;
        var id = handoff["id"]!.GetValue<long>();
        Assert.Equal((a, "zhang", "open", "h2"), (handoff["customer_id"]!.GetValue<long>(), Str(handoff["staff_userid"]), Str(handoff["status"]), Str(handoff["trigger_msgid"])));
        Assert.Equal(["退费"], handoff["topics"]!.AsArray().Select(Str));
        Assert.Equal(1, list["open_count"]!.GetValue<int>());

        // A second hit adds to the same handoff.
        await ArchiveAsync("h3", ExtA, "zhang", "不退钱我就投诉到12315");
        handoff = (await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/handoffs/{id}"), h => h["handoff"]!["hits"]!.GetValue<int>() == 2))["handoff"]!;
        Assert.Equal(["退费", "投诉", "12315"], handoff["topics"]!.AsArray().Select(Str).Where(t => t != "不退钱"));
        Assert.Single((await _admin.GetJsonOrNull("/api/v1/handoffs"))!["items"]!.AsArray());

        // The detail: the triggering message with the word highlighted, and the conversation (decrypted).
        var detail = (await _admin.GetJsonOrNull($"/api/v1/handoffs/{id}"))!;
        var text = Str(detail["trigger"]!["text"]);
        Assert.Equal("课太差了，我要退 費！", text);
        var highlight = detail["trigger"]!["highlights"]![0]!;
        Assert.Equal("退 費", text.Substring(highlight["start"]!.GetValue<int>(), highlight["length"]!.GetValue<int>()));
        Assert.Equal(["h1", "h2", "h3"], detail["conversation"]!.AsArray().Select(m => Str(m!["message"]!["msgid"])).Order());

        // The staff member (no WeCom leader known here) gets an app message: masked name, the topic, no phone.
        var notice = await Json.EventuallyAsync(() => _admin.GetJsonOrNull("/api/v1/delivery/messages?limit=200"),
            m => m.AsArray().Any(x => Str(x!["key"]) == $"handoff:{id}:notify:zhang"));
        var appMessage = notice.AsArray().Single(x => Str(x!["key"]) == $"handoff:{id}:notify:zhang")!;
        Assert.Equal(("app", "zhang"), (Str(appMessage["channel"]), Str(appMessage["sender"])));
        Assert.Contains("王**", Str(appMessage["text"]), StringComparison.Ordinal);
        Assert.Contains("退费", Str(appMessage["text"]), StringComparison.Ordinal);
        Assert.DoesNotContain("王小A", Str(appMessage["text"]), StringComparison.Ordinal);
        Assert.DoesNotContain("13800138001", Str(appMessage["text"]), StringComparison.Ordinal);

        // The customer page's API: the open handoff.
        var mine = (await _admin.GetJsonOrNull($"/api/v1/customers/{a}/handoffs"))!["items"]!.AsArray();
        Assert.Equal("open", Str(mine.Single()!["status"]));

        // The wait falls due while open: held. Quiet hours end: the queued journey message is excluded (handoff_open).
        _time.Now = _time.Now.AddHours(1).AddMinutes(1);
        await Task.Delay(TimeSpan.FromSeconds(3));
        _time.Now = new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.FromHours(8));
        var excluded = await MessagesAsync(a, m => m.Count == 1 && Str(m[0]!["status"]) == "denied");
        Assert.Equal("handoff_open", Str(excluded[0]!["decision"]!["code"]));
        await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/customers/{a}/events?type=message.excluded"),
            e => e.ToJsonString().Contains("handoff_open", StringComparison.Ordinal));
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Single((await _admin.GetJsonOrNull($"/api/v1/delivery/messages?customer_id={a}"))!.AsArray()); // the follow-up is held

        // Restart with the whole log replayed (no snapshots): the handoff is neither reopened nor forgotten.
        await _factory.DisposeAsync();
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(_data, "siyu.db")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM partition_snapshots";
            command.ExecuteNonQuery();
        }
        _factory = new SiyuFactory(_data, time: _time);
        _admin = await _factory.AdminClientAsync();
        _sidecar = Sidecar();
        await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/customers/{a}"), c => c["id"] is not null);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var after = (await _admin.GetJsonOrNull("/api/v1/handoffs"))!["items"]!.AsArray();
        Assert.Equal((1, 2), (after.Count, after[0]!["hits"]!.GetValue<int>()));
        _time.Now = _time.Now.AddMinutes(5);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Single((await _admin.GetJsonOrNull($"/api/v1/delivery/messages?customer_id={a}"))!.AsArray()); // still held

        // Claim and resolve (audited): the held follow-up runs.
        var claimed = await _admin.PostAsync($"/api/v1/handoffs/{id}/claim", null);
        Assert.Equal("claimed", Str((await claimed.ReadAsync())["status"]));
        var tooLong = await _admin.PostAsJsonAsync($"/api/v1/handoffs/{id}/resolve", new { note = new string('x', 1001) });
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.NotNull((await tooLong.ReadAsync())["errors"]!["note"]);
        var resolved = await _admin.PostAsJsonAsync($"/api/v1/handoffs/{id}/resolve", new { note = "已电话沟通，同意按规定退费" });
        Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
        Assert.Equal(("resolved", "已电话沟通，同意按规定退费"), (Str((await resolved.ReadAsync())["status"]), Str((await _admin.GetJsonOrNull($"/api/v1/handoffs/{id}"))!["handoff"]!["note"])));
        Assert.Equal(HttpStatusCode.Conflict, (await _admin.PostAsJsonAsync($"/api/v1/handoffs/{id}/resolve", new { note = "again" })).StatusCode);
        var both = await MessagesAsync(a, m => m.Count == 2);
        Assert.Contains(both, m => Str(m!["text"]) == "用得还满意吗");
        var audit = (await _admin.GetJsonOrNull("/api/v1/audit?limit=50"))!.ToJsonString();
        Assert.Contains("handoff.claim", audit, StringComparison.Ordinal);
        Assert.Contains("handoff.resolve", audit, StringComparison.Ordinal);

        // A new hit after resolution opens a new handoff.
        await ArchiveAsync("h4", ExtA, "zhang", "还是想退费");
        await Json.EventuallyAsync(() => _admin.GetJsonOrNull("/api/v1/handoffs"), l => l["items"]!.AsArray().Count == 2);
    }

    [Fact]
    public async Task Staff_see_only_their_customers_handoffs_and_bad_input_names_the_field()
    {
        await ArchiveAsync("b1", ExtB, "li", "我要投诉你们");
        var list = await Json.EventuallyAsync(() => _admin.GetJsonOrNull("/api/v1/handoffs"), l => l["items"]!.AsArray().Count == 1);
        var id = list["items"]![0]!["id"]!.GetValue<long>();
        Assert.Single((await _admin.GetJsonOrNull("/api/v1/handoffs?status=active"))!["items"]!.AsArray());
        Assert.Empty((await _admin.GetJsonOrNull("/api/v1/handoffs?status=resolved"))!["items"]!.AsArray());

        var user = await _admin.PostAsJsonAsync("/api/v1/users", new { user_name = "s-zhang", password = Password, role = "staff", data_scope = "own", staff_user_id = "zhang" });
        Assert.Equal(HttpStatusCode.Created, user.StatusCode);
        var zhang = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        await zhang.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["tenant"] = "demo", ["username"] = "s-zhang", ["password"] = Password, ["returnUrl"] = "/" }));
        var seen = (await zhang.GetJsonOrNull("/api/v1/handoffs"))!;
        Assert.Empty(seen["items"]!.AsArray());
        Assert.Equal(0, seen["open_count"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.NotFound, (await zhang.GetAsync($"/api/v1/handoffs/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await zhang.PostAsync($"/api/v1/handoffs/{id}/claim", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await zhang.PostAsJsonAsync($"/api/v1/handoffs/{id}/resolve", new { note = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await zhang.PutAsJsonAsync("/api/v1/conversations/sensitive-topics", new { enabled = true, lists = new[] { "general" } })).StatusCode);

        var badStatus = await _admin.GetAsync("/api/v1/handoffs?status=closed");
        Assert.Equal(HttpStatusCode.BadRequest, badStatus.StatusCode);
        Assert.NotNull((await badStatus.ReadAsync())["errors"]!["status"]);
        var badSettings = await _admin.PutAsJsonAsync("/api/v1/conversations/sensitive-topics",
            new { enabled = true, lists = new[] { "education", "gaming" }, custom = new[] { "退费", "退費" }, supervisors = new[] { "a b" } });
        Assert.Equal(HttpStatusCode.BadRequest, badSettings.StatusCode);
        var errors = (await badSettings.ReadAsync())["errors"]!.AsObject();
        Assert.Equal(["custom[1]", "lists[1]", "supervisors[0]"], errors.Select(e => e.Key).Order(StringComparer.Ordinal));

        // Settings: custom words and exclusions take effect for the next message; try shows what would hit.
        var put = await _admin.PutAsJsonAsync("/api/v1/conversations/sensitive-topics",
            new { enabled = true, lists = new[] { "general", "education" }, custom = new[] { "差评返现" }, excluded = new[] { "投诉" }, supervisors = new[] { "boss" } });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var settings = (await _admin.GetJsonOrNull("/api/v1/conversations/sensitive-topics"))!;
        Assert.False(settings["is_default"]!.GetValue<bool>());
        Assert.Equal(["差评返现"], settings["custom"]!.AsArray().Select(Str));
        var tried = await (await _admin.PostAsJsonAsync("/api/v1/conversations/sensitive-topics/try", new { text = "我要投诉，还要退 费" })).ReadAsync();
        Assert.Equal(["退费"], tried["topics"]!.AsArray().Select(Str));
        Assert.Contains("sensitive_topics.update", (await _admin.GetJsonOrNull("/api/v1/audit?limit=20"))!.ToJsonString(), StringComparison.Ordinal);
    }
}
