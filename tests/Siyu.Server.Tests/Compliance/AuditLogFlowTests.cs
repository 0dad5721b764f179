using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.VisualBasic.FileIO;

namespace Siyu.Server.Tests.Compliance;

/// <summary>
/// The audit log through the real API and database: audited actions chain, the verifier finds a row edited behind the
/// server's back, the CSV export re-verifies with a SHA-256 chain computed here, and filters refuse bad input.
/// </summary>
public sealed class AuditLogFlowTests : IAsyncLifetime
{
    private readonly SiyuFactory _factory = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private async Task FailLoginAsync()
    {
        using var client = _factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var response = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["tenant"] = "demo", ["username"] = "admin", ["password"] = "wrong", ["returnUrl"] = "/",
        }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }

    private static async Task<long> CustomerAsync(HttpClient api, object identifiers)
    {
        var response = await api.PostEventsAsync(new { type = "customer.added", identifiers });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.ReadAsync())["results"]![0]!["customer_id"]!.GetValue<long>();
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task Audited_actions_chain_a_tampered_row_is_found_and_the_export_reverifies()
    {
        await FailLoginAsync();
        using var admin = await _factory.AdminClientAsync();
        // a manual merge is audited by the ingest writer's own SQL, between the context's writes: same chain
        using var api = _factory.ApiClient();
        var x = await CustomerAsync(api, new { external_userid = "wmAuditA" });
        var y = await CustomerAsync(api, new { external_userid = "wmAuditB", phone = "13844440001" });
        var merge = await admin.PostAsync("/api/v1/customers/merge", Siyu.Server.Tests.Json.Body(new { customer_a = x, customer_b = y, reason = "同一人" }));
        Assert.Equal(HttpStatusCode.OK, merge.StatusCode);
        var created = await Json(await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "审计测试" }));
        var keyId = created.GetProperty("id").GetInt32();
        var prefix = created.GetProperty("prefix").GetString();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/api-keys/{keyId}")).StatusCode);

        // 10 concurrent writers: one chain, no fork
        var many = Enumerable.Range(0, 10).Select(i => admin.PostAsJsonAsync("/api/v1/api-keys", new { name = $"并发 {i}" }));
        Assert.All(await Task.WhenAll(many), r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));

        var list = await Json(await admin.GetAsync("/api/v1/audit?limit=500"));
        var items = list.GetProperty("items").EnumerateArray().ToList();
        var actions = items.Select(i => i.GetProperty("action").GetString()).ToList();
        Assert.Contains("login.failed", actions);
        Assert.Contains("login", actions);
        Assert.Equal(11, actions.Count(a => a == "apikey.create"));
        Assert.Single(actions, "apikey.revoke");
        Assert.Single(actions, "customer.merge");
        // newest first, seqs 1..n without gaps
        Assert.Equal(items.Select(i => i.GetProperty("id").GetInt64()).OrderByDescending(x => x), items.Select(i => i.GetProperty("id").GetInt64()));
        Assert.Equal(Enumerable.Range(1, items.Count).Select(x => (long)x), items.Select(i => i.GetProperty("seq").GetInt64()).Order());

        var revoke = await Json(await admin.GetAsync("/api/v1/audit?action=apikey.revoke"));
        var revoked = Assert.Single(revoke.GetProperty("items").EnumerateArray());
        Assert.Equal(prefix, revoked.GetProperty("target").GetString());
        Assert.Equal("admin", revoked.GetProperty("actor").GetString());
        Assert.Equal(12, (await Json(await admin.GetAsync("/api/v1/audit?action=apikey"))).GetProperty("items").GetArrayLength());
        Assert.Equal(0, (await Json(await admin.GetAsync("/api/v1/audit?action=apikey&actor=nobody"))).GetProperty("items").GetArrayLength());

        // paging: 5 newest, then the rest strictly older
        var page1 = await Json(await admin.GetAsync("/api/v1/audit?limit=5"));
        var next = page1.GetProperty("next_before_id").GetInt64();
        var page2 = await Json(await admin.GetAsync($"/api/v1/audit?limit=500&before_id={next}"));
        Assert.Equal(items.Count - 5, page2.GetProperty("items").GetArrayLength());
        Assert.True(page2.GetProperty("next_before_id").ValueKind == JsonValueKind.Null);

        var ok = await Json(await admin.GetAsync("/api/v1/audit/verify"));
        Assert.True(ok.GetProperty("ok").GetBoolean());
        Assert.Equal(items.Count, ok.GetProperty("count").GetInt64());

        // the export (itself audited as its last row) re-verifies with a chain computed here
        var bytes = await (await admin.GetAsync("/api/v1/audit/export")).Content.ReadAsByteArrayAsync();
        var rows = ParseCsv(bytes);
        Assert.Equal(["id", "seq", "tenant_id", "at_ticks", "at_utc", "actor", "action", "target", "detail", "prev_hash", "hash"], rows[0]);
        Assert.Equal(items.Count + 1, rows.Count - 1);
        Assert.Equal("export.audit", rows[^1][6]);
        var prev = new string('0', 64);
        foreach (var r in rows.Skip(1))
        {
            Assert.Equal(prev, r[9]);
            Assert.Equal(IndependentHash(int.Parse(r[2]), long.Parse(r[1]), long.Parse(r[3]), r[5], r[6], r[7], r[8], r[9]), r[10]);
            prev = r[10];
        }
        Assert.Equal(ok.GetProperty("head_hash").GetString(), rows[^2][10]);

        // edit the revoke row behind the server's back (an attacker with the file can drop the trigger)
        var file = Path.Combine(_factory.DataDirectory, "siyu.db");
        var revokedId = revoked.GetProperty("id").GetInt64();
        await using (var connection = new SqliteConnection($"Data Source={file};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var blocked = connection.CreateCommand();
            blocked.CommandText = $"UPDATE audit_log SET Actor = 'someone' WHERE Id = {revokedId}";
            var refused = await Assert.ThrowsAsync<SqliteException>(() => blocked.ExecuteNonQueryAsync());
            Assert.Contains("append-only", refused.Message, StringComparison.Ordinal);
            await using var tamper = connection.CreateCommand();
            tamper.CommandText = $"DROP TRIGGER audit_log_no_update; UPDATE audit_log SET Actor = 'someone' WHERE Id = {revokedId}";
            Assert.Equal(1, await tamper.ExecuteNonQueryAsync());
        }
        var broken = await Json(await admin.GetAsync("/api/v1/audit/verify"));
        Assert.False(broken.GetProperty("ok").GetBoolean());
        Assert.Equal(revokedId, broken.GetProperty("broken").GetProperty("id").GetInt64());
        Assert.Equal("hash_mismatch", broken.GetProperty("broken").GetProperty("reason").GetString());
        Assert.Equal(revoked.GetProperty("seq").GetInt64(), broken.GetProperty("broken").GetProperty("position").GetInt64());
    }

    [Fact]
    public async Task The_context_refuses_to_change_an_entry_and_legacy_entries_are_sealed_once()
    {
        using var admin = await _factory.AdminClientAsync();
        var dbs = _factory.Services.GetRequiredService<IDbContextFactory<Siyu.Server.Data.SiyuDb>>();
        await using (var db = await dbs.CreateDbContextAsync())
        {
            var entry = await db.Audit.FirstAsync();
            entry.Detail = "changed";
            await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync());
            db.ChangeTracker.Clear();
            db.Audit.Remove(await db.Audit.FirstAsync());
            await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync());
        }

        // rows as the AuditChain migration leaves pre-chain entries: numbered, no hash (tenant 99 has no other entries)
        await using (var db = await dbs.CreateDbContextAsync())
        {
            await db.Database.ExecuteSqlRawAsync(
                "INSERT INTO audit_log (TenantId, Seq, AtTicks, Actor, Action, Target, Detail, PrevHash, Hash) VALUES " +
                "(99, 1, 10, 'old', 'tag.create', '会员', NULL, '', ''), (99, 2, 20, 'old', 'tag.delete', '会员', NULL, '', '')");
            Assert.False(Siyu.Server.Compliance.AuditLog.Verify(db, 99).Ok);
            await Siyu.Server.Compliance.AuditLog.SealLegacyAsync(db);
            var sealed_ = Siyu.Server.Compliance.AuditLog.Verify(db, 99);
            Assert.True(sealed_.Ok);
            Assert.Equal(2, sealed_.Count);
            var first = IndependentHash(99, 1, 10, "old", "tag.create", "会员", "", new string('0', 64));
            Assert.Equal(IndependentHash(99, 2, 20, "old", "tag.delete", "会员", "", first), sealed_.HeadHash);
            // once hashed, the trigger refuses updates
            await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => db.Database.ExecuteSqlRawAsync("UPDATE audit_log SET Hash = '' WHERE TenantId = 99"));
            await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => db.Database.ExecuteSqlRawAsync("DELETE FROM audit_log WHERE TenantId = 99"));
        }
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=501", "limit")]
    [InlineData("limit=abc", "limit")]
    [InlineData("before_id=-3", "before_id")]
    [InlineData("from=yesterday", "from")]
    [InlineData("from=2026-12-02&to=2026-12-01", "to")]
    [InlineData("to=2026-13-01", "to")]
    public async Task Bad_filters_are_problem_details_naming_the_field(string query, string field)
    {
        using var admin = await _factory.AdminClientAsync();
        foreach (var path in new[] { "/api/v1/audit?", "/api/v1/audit/export?" })
        {
            var response = await admin.GetAsync(path + query);
            if (path.Contains("export", StringComparison.Ordinal) && field == "limit")
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode); // the export has no limit
                continue;
            }
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{path}{query}: {problem}");
        }
    }

    [Fact]
    public async Task Date_filters_are_tenant_local_days()
    {
        using var admin = await _factory.AdminClientAsync();
        var at = (await Json(await admin.GetAsync("/api/v1/audit?action=login"))).GetProperty("items")[0].GetProperty("at").GetDateTimeOffset();
        var shanghai = at.ToOffset(TimeSpan.FromHours(8));
        var day = shanghai.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var nextDay = shanghai.AddDays(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(1, (await Json(await admin.GetAsync($"/api/v1/audit?action=login&from={day}&to={day}"))).GetProperty("items").GetArrayLength());
        Assert.Equal(0, (await Json(await admin.GetAsync($"/api/v1/audit?action=login&from={nextDay}"))).GetProperty("items").GetArrayLength());
        var instant = Uri.EscapeDataString(at.AddTicks(1).ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0, (await Json(await admin.GetAsync($"/api/v1/audit?action=login&from={instant}"))).GetProperty("items").GetArrayLength());
        Assert.Equal(1, (await Json(await admin.GetAsync($"/api/v1/audit?action=login&to={instant}"))).GetProperty("items").GetArrayLength());
    }

    /// <summary>The chain's definition written out again, independently of Siyu.Core.</summary>
    private static string IndependentHash(int tenant, long seq, long ticks, string actor, string action, string target, string detail, string prev)
    {
        using var stream = new MemoryStream();
        void Bytes(byte[] b)
        {
            stream.Write([(byte)(b.Length >> 24), (byte)(b.Length >> 16), (byte)(b.Length >> 8), (byte)b.Length]);
            stream.Write(b);
        }
        void Number(long v)
        {
            for (var k = 7; k >= 0; k--)
            {
                stream.WriteByte((byte)(v >> (8 * k)));
            }
        }
        Bytes(Encoding.UTF8.GetBytes("siyu.audit.v1"));
        Number(tenant);
        Number(seq);
        Number(ticks);
        Bytes(Encoding.UTF8.GetBytes(actor));
        Bytes(Encoding.UTF8.GetBytes(action));
        Bytes(Encoding.UTF8.GetBytes(target));
        Bytes(Encoding.UTF8.GetBytes(detail));
        Bytes(Convert.FromHexString(prev));
        return Convert.ToHexString(SHA256.HashData(stream.ToArray())).ToLowerInvariant();
    }

    private static List<string[]> ParseCsv(byte[] bytes)
    {
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        using var parser = new TextFieldParser(new StringReader(Encoding.UTF8.GetString(bytes[3..]))) { HasFieldsEnclosedInQuotes = true, TrimWhiteSpace = false };
        parser.SetDelimiters(",");
        var rows = new List<string[]>();
        while (!parser.EndOfData)
        {
            rows.Add(parser.ReadFields()!);
        }
        return rows;
    }
}
