using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Siyu.Server.Tests.Negative;

/// <summary>
/// The negative suite: every endpoint that takes a body is sent malformed JSON, bodies of the wrong shape, every field
/// of its request schema (from the served OpenAPI document, so new endpoints are covered) with the wrong type and with
/// injection and Unicode edge-case strings; GET endpoints get hostile query strings and impossible ids. Nothing may answer
/// 5xx, oversized bodies get 413, and afterwards the database passes an integrity check, the audit chain verifies, and
/// hostile text that was accepted reads back byte for byte and is escaped in the console's HTML.
/// </summary>
public sealed class HostileInputTests : IAsyncLifetime
{
    private readonly SiyuFactory _factory = new();
    private HttpClient _admin = null!;
    private long _customerCount;

    /// <summary>SQL, script, template and path injection, control and bidi characters, emoji sequences, combining marks, full-width and CJK text, sizes.</summary>
    public static readonly string[] Hostile =
    [
        "' OR '1'='1", "'; DROP TABLE customers; --", "\" OR \"\"=\"", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
        "{{7*7}}${7*7}${jndi:ldap://x/a}", "../../../../etc/passwd", "%00%0d%0aSet-Cookie:x=1", "nul\u0000byte", "\u202Eevil\u202C",
        "👨‍👩‍👧‍👦🇨🇳", "e\u0301\u0301\u0301", "ＡＢＣ１２３", "保本保息 稳赚不赔", "\uFEFF\u200B\u200D", "", "   ", new string('长', 5000),
    ];

    public async Task InitializeAsync()
    {
        _admin = await _factory.AdminClientAsync();
        var api = _factory.ApiClient();
        var events = Enumerable.Range(1, 3).Select(i => new
        {
            id = $"seed-{i}", type = "customer.added", timestamp = DateTimeOffset.UtcNow.AddDays(-i).ToString("O"),
            identifiers = new { phone = $"1380000000{i}" }, properties = new { staff_userid = "zhang" }, attributes = new { name = $"客户{i}" },
        }).ToArray();
        Assert.Equal(HttpStatusCode.Accepted, (await api.PostEventsAsync(new { events })).StatusCode);
        _customerCount = (await Json.EventuallyAsync(() => _admin.GetJsonOrNull("/api/v1/customers"), p => p["total"]!.GetValue<int>() == 3))["total"]!.GetValue<int>();
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private sealed record BodyEndpoint(string Method, string Path, JsonObject? Schema);

    private async Task<(List<BodyEndpoint> Bodies, List<string> Gets)> EndpointsAsync()
    {
        var doc = JsonNode.Parse(await _admin.GetStringAsync("/openapi/v1.json"))!;
        var schemas = doc["components"]?["schemas"]?.AsObject();
        var bodies = new List<BodyEndpoint>();
        var gets = new List<string>();
        foreach (var (path, operations) in doc["paths"]!.AsObject())
        {
            var concrete = System.Text.RegularExpressions.Regex.Replace(path, @"\{[^}]+\}", "1");
            foreach (var (method, operation) in operations!.AsObject())
            {
                if (method == "get")
                {
                    gets.Add(concrete);
                }
                else if (method is "post" or "put" or "patch")
                {
                    var schema = operation?["requestBody"]?["content"]?["application/json"]?["schema"];
                    bodies.Add(new BodyEndpoint(method.ToUpperInvariant(), concrete, Resolve(schema, schemas)));
                }
            }
        }
        Assert.True(bodies.Count > 40, $"only {bodies.Count} body endpoints in the OpenAPI document");
        return (bodies, gets);
    }

    private static JsonObject? Resolve(JsonNode? schema, JsonObject? schemas) =>
        schema?["$ref"]?.GetValue<string>() is { } reference ? schemas?[reference.Split('/').Last()]?.AsObject() : schema as JsonObject;

    /// <summary>Bodies for one endpoint: broken JSON, wrong roots, then per property a wrong type and every hostile string.</summary>
    private static IEnumerable<string> Payloads(JsonObject? schema)
    {
        yield return "{";
        yield return "{\"a\":";
        yield return "[]";
        yield return "\"text\"";
        yield return "12";
        yield return "null";
        yield return "{\"\\ud800\": \"\\udfff\"}";
        var properties = schema?["properties"]?.AsObject().Select(p => p.Key).ToList() ?? [];
        foreach (var property in properties)
        {
            yield return new JsonObject { [property] = 1e308 }.ToJsonString();
            yield return new JsonObject { [property] = new JsonObject { ["nested"] = new JsonArray(1, "x") } }.ToJsonString();
            yield return new JsonObject { [property] = true }.ToJsonString();
            foreach (var text in Hostile)
            {
                yield return new JsonObject { [property] = text }.ToJsonString();
            }
        }
        foreach (var text in Hostile.Take(6))
        {
            var all = new JsonObject();
            foreach (var property in properties)
            {
                all[property] = text;
            }
            yield return all.ToJsonString();
        }
    }

    [Fact]
    public async Task Every_body_endpoint_answers_broken_mistyped_and_hostile_input_without_a_server_error()
    {
        var (bodies, _) = await EndpointsAsync();
        var failures = new List<string>();
        var sent = 0;
        foreach (var endpoint in bodies)
        {
            foreach (var payload in Payloads(endpoint.Schema))
            {
                sent++;
                using var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), endpoint.Path) { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
                var response = await _admin.SendAsync(request);
                if ((int)response.StatusCode >= 500)
                {
                    failures.Add($"{endpoint.Method} {endpoint.Path} {Shorten(payload)} → {(int)response.StatusCode} {Shorten(await response.Content.ReadAsStringAsync())}");
                }
                else if (response.StatusCode == HttpStatusCode.BadRequest && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                {
                    failures.Add($"{endpoint.Method} {endpoint.Path} {Shorten(payload)} → 400 without problem details");
                }
            }
        }
        Assert.True(sent > 2000, $"only {sent} requests");
        Assert.True(failures.Count == 0, $"{failures.Count} server errors:\n" + string.Join('\n', failures));
        await AssertNothingDamagedAsync();
    }

    [Fact]
    public async Task Get_endpoints_answer_hostile_queries_and_impossible_ids_without_a_server_error()
    {
        var (_, gets) = await EndpointsAsync();
        var failures = new List<string>();
        var queries = new[]
        {
            "?limit=-5&before=abc&after=-1&q=" + Uri.EscapeDataString("' OR 1=1 --"),
            "?limit=99999999999999999999&from=2026-13-45&to=yesterday&format=xml",
            "?q=" + Uri.EscapeDataString("<script>alert(1)</script>") + "&status=" + Uri.EscapeDataString("%00") + "&type=" + Uri.EscapeDataString("\u202E"),
            "?days=0&per_stage=-1&customer_id=9223372036854775807&tag=-9223372036854775808",
        };
        foreach (var path in gets)
        {
            var variants = queries.Select(q => path + q)
                .Concat(path.Contains("/1", StringComparison.Ordinal) ? [path.Replace("/1", "/9223372036854775807", StringComparison.Ordinal), path.Replace("/1", "/-1", StringComparison.Ordinal)] : []);
            foreach (var url in variants)
            {
                var response = await _admin.GetAsync(url);
                if ((int)response.StatusCode >= 500)
                {
                    failures.Add($"GET {url} → {(int)response.StatusCode} {Shorten(await response.Content.ReadAsStringAsync())}");
                }
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} server errors:\n" + string.Join('\n', failures));
        await AssertNothingDamagedAsync();
    }

    [Fact]
    public async Task Values_the_binder_cannot_read_name_their_field()
    {
        var group = await _admin.PostAsJsonAsync("/api/v1/tag-groups", new { name = "类型错误" });
        var id = (await group.ReadAsync())["id"]!.GetValue<long>();
        async Task<JsonObject> ErrorsAsync(HttpResponseMessage response)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            return (await response.ReadAsync())["errors"]!.AsObject();
        }
        Assert.True((await ErrorsAsync(await _admin.PatchAsync($"/api/v1/tag-groups/{id}", Json.Body("{\"sort_order\":\"第一\"}")))).ContainsKey("sort_order"));
        Assert.True((await ErrorsAsync(await _admin.GetAsync("/api/v1/customers?limit=abc"))).ContainsKey("limit"));
        Assert.True((await ErrorsAsync(await _admin.GetAsync("/api/v1/customers?before=9999999999999999999999"))).ContainsKey("before"));
        Assert.True((await ErrorsAsync(await _admin.PostAsync("/api/v1/analytics/cohorts", Json.Body("[1,2]")))).ContainsKey("body"));
        Assert.True((await ErrorsAsync(await _admin.PostAsync("/api/v1/tags", Json.Body("{\"name\":")))).ContainsKey("name"));
        var limit = await ErrorsAsync(await _admin.GetAsync("/api/v1/customers?limit=abc"));
        Assert.Equal("Not a valid whole number.", limit["limit"]![0]!.GetValue<string>());
        var unchanged = (await _admin.GetJsonOrNull("/api/v1/tag-groups"))!.AsArray().Single(g => g!["id"]!.GetValue<long>() == id)!;
        Assert.Equal("类型错误", unchanged["name"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("/api/v1/events")]
    [InlineData("/api/v1/users")]
    [InlineData("/api/v1/tags")]
    [InlineData("/api/v1/audiences/preview")]
    public async Task An_oversized_body_is_refused_with_413_and_nothing_is_stored(string path)
    {
        var before = await _factory.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<Data.SiyuDb>>().CreateDbContext().Events.CountAsync();
        // 3.6 MB of UTF-8 for the 1 MiB limit; the ingest API takes batches up to 5 MiB, so it gets 6 MB.
        var huge = "{\"name\":\"" + new string('长', path == "/api/v1/events" ? 2_000_000 : 1_200_000) + "\"}";
        var response = await (path == "/api/v1/events" ? _factory.ApiClient() : _admin).PostAsync(path, new StringContent(huge, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var after = await _factory.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<Data.SiyuDb>>().CreateDbContext().Events.CountAsync();
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Hostile_names_that_are_accepted_read_back_verbatim_and_are_escaped_in_the_console()
    {
        var group = await _admin.PostAsJsonAsync("/api/v1/tag-groups", new { name = "敌意输入" });
        Assert.Equal(HttpStatusCode.Created, group.StatusCode);
        var groupId = (await group.ReadAsync())["id"]!.GetValue<long>();
        var accepted = new List<string>();
        foreach (var text in Hostile)
        {
            var response = await _admin.PostAsJsonAsync("/api/v1/tags", new { group_id = groupId, name = text });
            if (response.StatusCode == HttpStatusCode.Created)
            {
                accepted.Add(text);
            }
            else
            {
                Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
                Assert.True((await response.ReadAsync())["errors"]!.AsObject().ContainsKey("name"), text);
            }
        }
        Assert.Contains("<script>alert(1)</script>", accepted);
        Assert.Contains("'; DROP TABLE customers; --", accepted);
        var names = (await _admin.GetJsonOrNull("/api/v1/tag-groups"))!.AsArray()
            .Single(g => g!["id"]!.GetValue<long>() == groupId)!["tags"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()).ToHashSet();
        Assert.All(accepted, text => Assert.Contains(text, names));

        var html = await _admin.GetStringAsync("/tags");
        Assert.DoesNotContain("<script>alert(1)</script>", html);
        Assert.DoesNotContain("<img src=x onerror=alert(1)>", html);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
        await AssertNothingDamagedAsync();
    }

    /// <summary>The database file is sound, every table is still there with its rows, and the audit chain verifies.</summary>
    private async Task AssertNothingDamagedAsync()
    {
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(_factory.DataDirectory, "siyu.db")};Mode=ReadOnly"))
        {
            await connection.OpenAsync();
            await using var check = connection.CreateCommand();
            check.CommandText = "PRAGMA integrity_check";
            Assert.Equal("ok", (string?)await check.ExecuteScalarAsync());
            check.CommandText = "SELECT COUNT(*) FROM customers WHERE MergedInto IS NULL";
            Assert.True((long)(await check.ExecuteScalarAsync())! >= _customerCount);
        }
        var verify = (await _admin.GetJsonOrNull("/api/v1/audit/verify"))!;
        Assert.True(verify["ok"]!.GetValue<bool>(), verify.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, (await _admin.GetAsync("/api/v1/customers?q=" + Uri.EscapeDataString("客户"))).StatusCode);
    }

    private static string Shorten(string s) => s.Length > 160 ? s[..160] + "…" : s;
}
