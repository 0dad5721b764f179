using System.Net;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Siyu.Server.Data;

namespace Siyu.Server.Tests.Postgres;

/// <summary>Ingest, One ID merges and idempotency on PostgreSQL, checked against the PostgreSQL tables.</summary>
public sealed class PostgresIngestTests : IAsyncLifetime
{
    private readonly PostgresDatabase _pg = new();
    private SiyuFactory? _factory;
    private HttpClient _api = null!;

    public Task InitializeAsync()
    {
        if (_pg.Unavailable is null)
        {
            _factory = new SiyuFactory(postgres: _pg.ConnectionString);
            _api = _factory.ApiClient();
        }
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }
        _pg.Dispose();
    }

    private async Task<JsonNode> PostAsync(object body)
    {
        var response = await _api.PostEventsAsync(body);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return await response.ReadAsync();
    }

    private static object Order(string id, string orderId, object identifiers, double amount, string ts) => new
    {
        id, type = "order.paid", timestamp = ts, identifiers, properties = new { order_id = orderId, amount },
    };

    [SkippableFact]
    public void Migrating_an_empty_database_matches_the_model_and_builds_the_log_indexes()
    {
        _pg.Require();
        using (var db = new PostgresSiyuDb(new DbContextOptionsBuilder<PostgresSiyuDb>().UseNpgsql(_pg.ConnectionString).Options))
        {
            db.Database.Migrate();
            Assert.False(db.Database.HasPendingModelChanges());
            Assert.Empty(db.Database.GetPendingMigrations());
        }
        var indexes = _pg.Rows("SELECT indexdef FROM pg_indexes WHERE tablename = 'events'", r => r.GetString(0));
        Assert.Contains(indexes, d => d.Contains("UNIQUE", StringComparison.Ordinal) && d.Contains("(tenantid, idempotencykey)", StringComparison.Ordinal));
        Assert.Contains(indexes, d => d.Contains("(tenantid, partition, seq)", StringComparison.Ordinal));
        var types = _pg.Rows("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'events'", r => (r.GetString(0), r.GetString(1)));
        Assert.Contains(("timestampticks", "bigint"), types);
        Assert.Contains(("seq", "bigint"), types);
        Assert.Contains(("manual", "boolean"),
            _pg.Rows("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'merges'", r => (r.GetString(0), r.GetString(1))));
    }

    // Keys from the API are stored as id:{id} (see EventParser).
    [SkippableFact]
    public async Task Same_key_twice_stores_one_row_and_answers_the_first_sequence()
    {
        _pg.Require();
        var body = new[] { Order("pg-dup-1", "o-1", new { phone = "13900000001" }, 10, "2026-01-01T00:00:00Z"), Order("pg-dup-2", "o-2", new { phone = "13900000001" }, 20, "2026-01-02T00:00:00Z") };
        var first = (await PostAsync(new { events = body }))["results"]!.AsArray();
        var again = (await PostAsync(new { events = body }))["results"]!.AsArray();
        // Concurrent retries of one request often share a group commit: the batch must see its own earlier rows.
        var racing = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => PostAsync(new { events = new[] { Order("pg-dup-3", "o-3", new { phone = "13900000001" }, 5, "2026-01-03T00:00:00Z") } })));

        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(first[i]!["seq"]!.GetValue<long>(), again[i]!["seq"]!.GetValue<long>());
            Assert.True(again[i]!["duplicate"]!.GetValue<bool>());
        }
        Assert.Single(racing.Select(r => r["results"]![0]!["seq"]!.GetValue<long>()).Distinct());
        Assert.Equal(1, _pg.Scalar("SELECT COUNT(*) FROM events WHERE idempotencykey = 'id:pg-dup-1'"));
        Assert.Equal(1, _pg.Scalar("SELECT COUNT(*) FROM events WHERE idempotencykey = 'id:pg-dup-3'"));
        Assert.Equal(1, _pg.Scalar("SELECT COUNT(DISTINCT customerid) FROM events WHERE idempotencykey LIKE 'id:pg-dup-%'"));
        // The phone is stored as a keyed hash with an encrypted copy, never in plain text.
        Assert.Equal(0, _pg.Scalar("SELECT COUNT(*) FROM identifiers WHERE value LIKE '%13900000001%'"));
        Assert.Equal(1, _pg.Scalar("SELECT COUNT(*) FROM identifiers WHERE type = 2 AND encrypted IS NOT NULL AND suffixhash IS NOT NULL"));
    }

    [SkippableFact]
    public async Task Linking_profiles_merges_them_in_the_tables_and_undo_restores_history()
    {
        _pg.Require();
        var older = (await PostAsync(Order("pg-m-1", "m-1", new { phone = "13911110001" }, 100, "2026-01-01T00:00:00Z")))["results"]![0]!["customer_id"]!.GetValue<long>();
        var newer = (await PostAsync(Order("pg-m-2", "m-2", new { platform_id = "taobao:pgbuyer" }, 50, "2026-03-01T00:00:00Z")))["results"]![0]!["customer_id"]!.GetValue<long>();
        Assert.NotEqual(older, newer);
        var linked = (await PostAsync(Order("pg-m-3", "m-3", new { phone = "13911110001", platform_id = "taobao:pgbuyer" }, 10, "2026-04-01T00:00:00Z")))["results"]![0]!["customer_id"]!.GetValue<long>();
        Assert.Equal(older, linked);

        // Oracle: the tables. The merged customer points at the survivor, its events and identifiers moved.
        Assert.Equal(older, _pg.Scalar("SELECT mergedinto FROM customers WHERE id = @id", ("id", newer)));
        Assert.Equal(0, _pg.Scalar("SELECT COUNT(*) FROM events WHERE customerid = @id AND type = 'order.paid'", ("id", newer)));
        Assert.Equal(1, _pg.Scalar("SELECT COUNT(*) FROM events WHERE customerid = @s AND originalcustomerid = @m", ("s", older), ("m", newer)));
        Assert.Equal(2, _pg.Scalar("SELECT COUNT(*) FROM identifiers WHERE customerid = @id", ("id", older)));
        var mergeId = _pg.Scalar("SELECT id FROM merges WHERE survivorid = @s AND mergedid = @m AND NOT manual", ("s", older), ("m", newer));

        var merged = await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{older}"), c => c["orders"]!.GetValue<int>() == 3);
        Assert.Equal(160m, merged["spend"]!.GetValue<decimal>());

        var admin = await _factory!.AdminClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/v1/merges/{mergeId}/undo", null)).StatusCode);
        Assert.Equal(0, _pg.Scalar("SELECT COUNT(*) FROM customers WHERE id = @id AND mergedinto IS NOT NULL", ("id", newer)));
        Assert.Equal(1, _pg.Scalar("SELECT COUNT(*) FROM events WHERE customerid = @id AND type = 'order.paid'", ("id", newer)));
        Assert.Equal(1, _pg.Scalar("SELECT COUNT(*) FROM merges WHERE id = @id AND undoneatticks IS NOT NULL", ("id", mergeId)));
        Assert.Equal(1, _pg.Scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'customer.unmerge'"));
        await Json.EventuallyAsync(() => _api.GetJsonOrNull($"/api/v1/customers/{newer}"), c => c["id"]!.GetValue<long>() == newer && c["orders"]!.GetValue<int>() == 1);

        // The log is numbered without gaps or repeats, in commit order.
        var seqs = _pg.Rows("SELECT seq FROM events ORDER BY seq", r => r.GetInt64(0));
        Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), seqs);
    }

    [SkippableFact]
    public async Task Text_postgres_cannot_hold_is_a_400_naming_it_and_never_fails_other_requests()
    {
        _pg.Require();
        var evil = await _api.PostEventsAsync(new { events = new[] { new { id = "nul\u0000id", type = "page.viewed", identifiers = new { phone = "13900000009" } } } });
        Assert.Equal(HttpStatusCode.BadRequest, evil.StatusCode);
        Assert.Contains("U+0000", await evil.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // In JSON properties it is escaped, so it stores fine.
        var escaped = await PostAsync(new { events = new[] { new { id = "nul-prop", type = "page.viewed", identifiers = new { phone = "13900000009" }, properties = new { note = "a\u0000b" } } } });
        Assert.False(escaped["results"]![0]!["duplicate"]!.GetValue<bool>());
        var admin = await _factory!.AdminClientAsync();
        var group = await admin.PostAsync("/api/v1/tag-groups", Json.Body("{\"name\":\"坏\\u0000组\"}"));
        Assert.Equal(HttpStatusCode.BadRequest, group.StatusCode);
        Assert.Equal(1, _pg.Scalar("SELECT COUNT(*) FROM events WHERE idempotencykey = 'id:nul-prop'"));
    }

    [SkippableFact]
    public async Task Audit_entries_from_the_writer_and_from_ef_interleave_into_one_unbroken_chain()
    {
        _pg.Require();
        var ids = new List<long>();
        for (var i = 0; i < 12; i++)
        {
            ids.Add((await PostAsync(new { events = new[] { new { id = $"aud-{i}", type = "page.viewed", identifiers = new { phone = $"1360000{i:D4}" } } } }))["results"]![0]!["customer_id"]!.GetValue<long>());
        }
        var admin = await _factory!.AdminClientAsync();
        var dbs = _factory.Services.GetRequiredService<IDbContextFactory<SiyuDb>>();
        // Manual merges append their audit entry inside the ingest writer's transaction; RecordAsync through EF. On
        // PostgreSQL nothing serialises the two but the per-tenant advisory lock.
        var merges = Enumerable.Range(0, 6).Select(i => admin.PostAsync("/api/v1/customers/merge", Json.Body(new { customer_a = ids[2 * i], customer_b = ids[2 * i + 1], reason = "同一人" })));
        var records = Enumerable.Range(0, 30).Select(i => Server.Compliance.AuditLog.RecordAsync(dbs, 1, DateTimeOffset.UtcNow.UtcTicks, "test", "test.concurrent", $"t{i}"));
        var responses = await Task.WhenAll(merges);
        await Task.WhenAll(records);
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(6, _pg.Scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'customer.merge'"));
        Assert.Equal(30, _pg.Scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'test.concurrent'"));
        var seqs = _pg.Rows("SELECT seq FROM audit_log WHERE tenantid = 1 ORDER BY seq", r => r.GetInt64(0));
        Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), seqs);
        var verify = await (await admin.GetAsync("/api/v1/audit/verify")).ReadAsync();
        Assert.True(verify["ok"]!.GetValue<bool>(), verify.ToJsonString());
        Assert.Equal(seqs.Count, verify["count"]!.GetValue<long>());
    }
}
