using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Siyu.Server.Conversations;
using Siyu.Server.Data;

namespace Siyu.Server.Tests.Conversations;

/// <summary>
/// Session archive (会话内容存档) end to end through the API: the sidecar contract (idempotent batches with per-item
/// errors, cursor, RSA random keys by publickey_ver), Chinese search per customer and across the tenant within data
/// scopes, recalls, retention, and contents encrypted at rest. Staff: zhang and li; customers A (zhang), B (li).
/// </summary>
public sealed class ArchiveTests : IAsyncLifetime
{
    private const string Password = "archive-test-密码-123";
    private const string ExtA = "wmAAAAcustomerA";
    private const string ExtB = "wmBBBBcustomerB";
    private readonly SiyuFactory _factory = new();
    private HttpClient _admin = null!;
    private HttpClient _sidecar = null!;
    private readonly Dictionary<string, long> _customers = [];
    private static readonly long Now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public async Task InitializeAsync()
    {
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
        _sidecar = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        _sidecar.DefaultRequestHeaders.Add("X-Api-Key", (await created.ReadAsync())["secret"]!.GetValue<string>());
        var api = _factory.ApiClient();
        foreach (var (name, external, staff) in new[] { ("A", ExtA, "zhang"), ("B", ExtB, "li") })
        {
            var response = await api.PostEventsAsync(new
            {
                events = new[]
                {
                    new
                    {
                        id = "add-" + name, type = "customer.added", timestamp = DateTimeOffset.UtcNow.AddDays(-2).ToString("O"),
                        identifiers = new { external_userid = external }, properties = new { staff_userid = staff }, attributes = new { name = "客户" + name },
                    },
                },
            });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            _customers[name] = (await response.ReadAsync())["results"]![0]!["customer_id"]!.GetValue<long>();
        }
        await Json.EventuallyAsync(() => _admin.GetJsonOrNull("/api/v1/customers?limit=10"), page => page["items"]!.AsArray().Count == 2);
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private static JsonObject Text(string msgid, string from, string to, string content, long at) => Message(msgid, from, to, at, "text", new JsonObject { ["content"] = content });

    private static JsonObject Message(string msgid, string from, string to, long at, string type, JsonObject body, string action = "send") => new()
    {
        ["msgid"] = msgid, ["action"] = action, ["from"] = from, ["tolist"] = new JsonArray(to), ["roomid"] = "", ["msgtime"] = at, ["msgtype"] = type, [type] = body,
    };

    private async Task<JsonNode> PostAsync(params JsonObject[] messages)
    {
        var items = new JsonArray([.. messages.Select((m, i) => (JsonNode)new JsonObject { ["seq"] = i + 1, ["msgid"] = m["msgid"]?.DeepClone(), ["message"] = m.DeepClone() })]);
        var response = await _sidecar.PostAsJsonAsync("/api/v1/archive/messages", new JsonObject { ["items"] = items });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return await response.ReadAsync();
    }

    private static List<string> Statuses(JsonNode result) => [.. result["items"]!.AsArray().Select(i => i!["status"]!.GetValue<string>())];

    private static List<string> MsgIds(JsonNode? page) => [.. page!["items"]!.AsArray().Select(i => i!["message"]!["msgid"]!.GetValue<string>()).Order()];

    [Fact]
    public async Task Archive_batches_are_idempotent_by_msgid_with_per_item_errors_and_texts_reach_the_customer_log()
    {
        var batch = new[]
        {
            Text("m1", ExtA, "zhang", "你好，我想退订这个服务", Now - 60_000),
            Text("m2", "zhang", ExtA, "好的，已经为您处理", Now - 50_000),
            Message("m3", ExtA, "zhang", Now - 40_000, "image", new JsonObject { ["md5sum"] = "x", ["filesize"] = 1, ["sdkfileid"] = "f" }),
            new JsonObject { ["msgid"] = "m4", ["action"] = "send", ["from"] = ExtA, ["tolist"] = new JsonArray("zhang"), ["msgtime"] = Now },
            new JsonObject { ["msgid"] = "m5", ["action"] = "switch", ["time"] = Now, ["user"] = "zhang" },
        };
        var first = await PostAsync(batch);
        Assert.Equal(["stored", "stored", "stored", "error", "ignored"], Statuses(first));
        Assert.Equal("items[3].message.msgtype", first["items"]![3]!["errors"]![0]!["path"]!.GetValue<string>());
        Assert.Equal(_customers["A"], first["items"]![0]!["customer_id"]!.GetValue<long>());

        var again = await PostAsync(batch);
        Assert.Equal(["duplicate", "duplicate", "duplicate", "error", "ignored"], Statuses(again));

        var conversation = await _admin.GetJsonOrNull($"/api/v1/customers/{_customers["A"]}/conversation");
        Assert.Equal(["m1", "m2", "m3"], MsgIds(conversation));
        // One event per text, also after the re-post: message.received carries the text (unsubscribe by reply), the staff's has none.
        var events = await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/customers/{_customers["A"]}/events?limit=50"),
            e => e.AsArray().Any(x => x!["type"]!.GetValue<string>() == "message.sent_by_staff"));
        var types = events.AsArray().Select(e => e!["type"]!.GetValue<string>()).ToList();
        Assert.Equal(1, types.Count(t => t == "message.received"));
        Assert.Equal(1, types.Count(t => t == "message.sent_by_staff"));

        var bad = await _sidecar.PostAsJsonAsync("/api/v1/archive/messages", new { messages = Array.Empty<int>() });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.NotNull((await bad.ReadAsync())["errors"]!["items"]);
        // Console users cannot post as the sidecar, and the default API key (events:write read) cannot either.
        Assert.Equal(HttpStatusCode.Forbidden, (await _factory.ApiClient().PostAsJsonAsync("/api/v1/archive/messages", new { items = Array.Empty<int>() })).StatusCode);
    }

    [Fact]
    public async Task Chinese_search_matches_exactly_what_contains_the_query_with_highlights()
    {
        var texts = new Dictionary<string, (string Text, string From, string To)>
        {
            ["s1"] = ("请问这件衣服的价格是多少", ExtA, "zhang"),
            ["s2"] = ("价格已经是最低了", "zhang", ExtA),
            ["s3"] = ("我要退款，退款什么时候到账", ExtB, "li"),
            ["s4"] = ("格价不对", ExtB, "li"), // the same characters in another order: bigram 格价, not 价格
            ["s5"] = ("我要投诉你们的快递 Price", ExtA, "zhang"),
        };
        await PostAsync([.. texts.Select((t, i) => Text(t.Key, t.Value.From, t.Value.To, t.Value.Text, Now - 1000 * (10 - i)))]);
        await PostAsync(Message("s6", "zhang", ExtA, Now, "link", new JsonObject { ["title"] = "价格表", ["description"] = "最新价格", ["link_url"] = "https://x.example" }));
        var corpus = texts.ToDictionary(t => t.Key, t => t.Value.Text);
        corpus["s6"] = "价格表\n最新价格";

        foreach (var q in new[] { "价格", "退款", "款", "投诉", "price", "格价", "价格表", "没有的词" })
        {
            var page = await _admin.GetJsonOrNull("/api/v1/conversations/search?q=" + Uri.EscapeDataString(q));
            var expected = corpus.Where(c => c.Value.Contains(q, StringComparison.OrdinalIgnoreCase)).Select(c => c.Key).Order().ToList();
            Assert.Equal(expected, MsgIds(page));
            foreach (var hit in page!["items"]!.AsArray())
            {
                var text = hit!["message"]!["text"]!.GetValue<string>();
                foreach (var h in hit["highlights"]!.AsArray())
                {
                    Assert.Equal(q, text.Substring(h![0]!.GetValue<int>(), h[1]!.GetValue<int>()), StringComparer.OrdinalIgnoreCase);
                }
                Assert.Equal(CountOf(text, q), hit["highlights"]!.AsArray().Count);
            }
        }
        var perCustomer = await _admin.GetJsonOrNull($"/api/v1/customers/{_customers["B"]}/conversation?q=" + Uri.EscapeDataString("退款"));
        Assert.Equal(["s3"], MsgIds(perCustomer));
        Assert.Equal("客户B", perCustomer!["items"]![0]!["customer"]!["name"]!.GetValue<string>());
        var byStaff = await _admin.GetJsonOrNull("/api/v1/conversations/search?staff=zhang&q=" + Uri.EscapeDataString("价格"));
        Assert.Equal(["s1", "s2", "s6"], MsgIds(byStaff));
        var bad = await _admin.GetAsync("/api/v1/conversations/search?from=yesterday");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.NotNull((await bad.ReadAsync())["errors"]!["from"]);
    }

    private static int CountOf(string text, string q)
    {
        var count = 0;
        for (var i = text.IndexOf(q, StringComparison.OrdinalIgnoreCase); i >= 0; i = text.IndexOf(q, i + q.Length, StringComparison.OrdinalIgnoreCase))
        {
            count++;
        }
        return count;
    }

    [Fact]
    public async Task A_staff_user_searches_only_conversations_of_staff_in_their_scope()
    {
        await PostAsync(Text("a1", ExtA, "zhang", "我想问一下价格", Now - 2000), Text("b1", ExtB, "li", "价格太贵了", Now - 1000));
        var user = await _admin.PostAsJsonAsync("/api/v1/users", new { user_name = "s-zhang", password = Password, role = "staff", data_scope = "own", staff_user_id = "zhang" });
        Assert.Equal(HttpStatusCode.Created, user.StatusCode);
        var zhang = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        await zhang.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["tenant"] = "demo", ["username"] = "s-zhang", ["password"] = Password, ["returnUrl"] = "/" }));

        Assert.Equal(["a1"], MsgIds(await zhang.GetJsonOrNull("/api/v1/conversations/search?q=" + Uri.EscapeDataString("价格"))));
        Assert.Equal(["a1"], MsgIds(await zhang.GetJsonOrNull("/api/v1/conversations/search")));
        Assert.Equal(HttpStatusCode.NotFound, (await zhang.GetAsync($"/api/v1/customers/{_customers["B"]}/conversation")).StatusCode);
        Assert.Equal(["a1", "b1"], MsgIds(await _admin.GetJsonOrNull("/api/v1/conversations/search?q=" + Uri.EscapeDataString("价格"))));
    }

    [Fact]
    public async Task A_recall_marks_the_original_whichever_arrives_first()
    {
        await PostAsync(Text("r1", "zhang", ExtA, "这条说错了", Now - 5000));
        await PostAsync(Message("r2", "zhang", ExtA, Now - 4000, "revoke", new JsonObject { ["pre_msgid"] = "r1" }, "recall"));
        await PostAsync(Message("r4", "zhang", ExtA, Now - 2000, "revoke", new JsonObject { ["pre_msgid"] = "r3" }, "recall"));
        await PostAsync(Text("r3", "zhang", ExtA, "这条也说错了", Now - 3000));
        var page = await _admin.GetJsonOrNull($"/api/v1/customers/{_customers["A"]}/conversation");
        var revoked = page!["items"]!.AsArray().ToDictionary(i => i!["message"]!["msgid"]!.GetValue<string>(), i => i!["message"]!["revoked"]!.GetValue<bool>());
        Assert.Equal(new Dictionary<string, bool> { ["r1"] = true, ["r3"] = true }, revoked);
    }

    [Fact]
    public async Task The_random_key_decrypts_with_the_private_key_of_its_version_and_other_versions_fail_per_item()
    {
        using var rsa = RSA.Create(2048);
        using var other = RSA.Create(2048);
        var put = await _admin.PutAsJsonAsync("/api/v1/archive/keys/3", new { private_key = rsa.ExportRSAPrivateKeyPem() });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        var randomKey = "8e3f7a9c1b2d4e6f8a0b1c2d3e4f5a6b";
        string Encrypt(RSA key) => Convert.ToBase64String(key.Encrypt(Encoding.UTF8.GetBytes(randomKey), RSAEncryptionPadding.Pkcs1));

        var response = await _sidecar.PostAsJsonAsync("/api/v1/archive/random-keys", new
        {
            items = new object[]
            {
                new { msgid = "k1", publickey_ver = 3, encrypt_random_key = Encrypt(rsa) },
                new { msgid = "k2", publickey_ver = 4, encrypt_random_key = Encrypt(rsa) },
                new { msgid = "k3", publickey_ver = 3, encrypt_random_key = Encrypt(other) },
                new { msgid = "k4", publickey_ver = 3, encrypt_random_key = "not base64!" },
            },
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = (await response.ReadAsync())["items"]!.AsArray();
        Assert.Equal(randomKey, items[0]!["random_key"]!.GetValue<string>());
        Assert.All(items.Skip(1), i => Assert.Equal($"items[{i!["index"]}].encrypt_random_key", i!["error"]!["path"]!.GetValue<string>()));
        Assert.Contains("publickey_ver 4", items[1]!["error"]!["message"]!.GetValue<string>());

        var listed = await _admin.GetStringAsync("/api/v1/archive/keys");
        Assert.DoesNotContain("PRIVATE", listed);
        var invalid = await _admin.PutAsJsonAsync("/api/v1/archive/keys/5", new { private_key = rsa.ExportSubjectPublicKeyInfoPem() });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.NotNull((await invalid.ReadAsync())["errors"]!["private_key"]);
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.PutAsJsonAsync("/api/v1/archive/keys/v1", new { private_key = rsa.ExportRSAPrivateKeyPem() })).StatusCode);

        await using var db = await _factory.Services.GetRequiredService<IDbContextFactory<SiyuDb>>().CreateDbContextAsync();
        var stored = await db.ArchiveKeys.SingleAsync();
        Assert.DoesNotContain("PRIVATE KEY", Encoding.UTF8.GetString(stored.PrivateKey));
        Assert.Single(await db.Audit.Where(a => a.Action == "archive.key.added" && a.Target == "publickey_ver:3").ToListAsync());
    }

    [Fact]
    public async Task Contents_are_encrypted_at_rest_and_retention_deletes_older_messages_with_their_terms()
    {
        await PostAsync(Text("old", ExtA, "zhang", "四十天前的投诉记录", Now - 40L * 86_400_000), Text("new", ExtA, "zhang", "今天的投诉记录", Now - 1000));
        await using (var db = await _factory.Services.GetRequiredService<IDbContextFactory<SiyuDb>>().CreateDbContextAsync())
        {
            foreach (var row in await db.ArchiveMessages.ToListAsync())
            {
                Assert.DoesNotContain("投诉", Encoding.UTF8.GetString(row.Content));
            }
        }
        var bad = await _admin.PutAsJsonAsync("/api/v1/archive/settings", new { retention_days = -1 });
        Assert.NotNull((await bad.ReadAsync())["errors"]!["retention_days"]);
        Assert.True((await _admin.PutAsJsonAsync("/api/v1/archive/settings", new { retention_days = 30 })).IsSuccessStatusCode);
        Assert.Equal(30, (await _admin.GetJsonOrNull("/api/v1/archive/settings"))!["retention_days"]!.GetValue<int>());

        Assert.Equal(1, await _factory.Services.GetRequiredService<ArchiveRetention>().PurgeAsync());
        Assert.Equal(["new"], MsgIds(await _admin.GetJsonOrNull("/api/v1/conversations/search?q=" + Uri.EscapeDataString("投诉"))));
        await using var after = await _factory.Services.GetRequiredService<IDbContextFactory<SiyuDb>>().CreateDbContextAsync();
        var live = await after.ArchiveMessages.Select(m => m.Id).ToListAsync();
        Assert.All(await after.ArchiveTerms.Select(t => t.MessageId).Distinct().ToListAsync(), id => Assert.Contains(id, live));
        Assert.Single(await after.Audit.Where(a => a.Action == "archive.settings.changed").ToListAsync());
    }

    [Fact]
    public async Task The_cursor_is_stored_for_the_sidecar()
    {
        Assert.Equal(0, (await _sidecar.GetJsonOrNull("/api/v1/archive/cursor"))!["cursor"]!.GetValue<long>());
        Assert.True((await _sidecar.PutAsJsonAsync("/api/v1/archive/cursor", new { cursor = 196 })).IsSuccessStatusCode);
        Assert.Equal(196, (await _sidecar.GetJsonOrNull("/api/v1/archive/cursor"))!["cursor"]!.GetValue<long>());
        var bad = await _sidecar.PutAsJsonAsync("/api/v1/archive/cursor", new { cursor = -5 });
        Assert.NotNull((await bad.ReadAsync())["errors"]!["cursor"]);
    }
    [Fact]
    public async Task Erasing_a_customer_deletes_their_archived_messages()
    {
        await PostAsync(Text("e1", ExtA, "zhang", "请删除我的聊天记录", Now - 2000), Text("e2", ExtB, "li", "保留这条聊天记录", Now - 1000));
        var filed = await _admin.PostAsJsonAsync("/api/v1/compliance/requests", new { customer_id = _customers["A"], kind = "delete", via = "customer" });
        Assert.Equal(HttpStatusCode.Created, filed.StatusCode);
        var id = (await filed.ReadAsync())["id"]!.GetValue<long>();
        Assert.True((await _admin.PostAsync($"/api/v1/compliance/requests/{id}/process", null)).IsSuccessStatusCode);
        var done = await _admin.PostAsync($"/api/v1/compliance/requests/{id}/complete", null);
        Assert.True(done.IsSuccessStatusCode, await done.Content.ReadAsStringAsync());
        Assert.Equal(["e2"], MsgIds(await _admin.GetJsonOrNull("/api/v1/conversations/search?q=" + Uri.EscapeDataString("聊天记录"))));
        await using var db = await _factory.Services.GetRequiredService<IDbContextFactory<SiyuDb>>().CreateDbContextAsync();
        Assert.Equal(["e2"], await db.ArchiveMessages.Select(m => m.MsgId).ToListAsync());
    }
}
