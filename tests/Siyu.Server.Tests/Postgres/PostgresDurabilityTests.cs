using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;

namespace Siyu.Server.Tests.Postgres;

/// <summary>
/// The binary COPY append under load and failure, a restart on the same database, and PII key rotation — on PostgreSQL,
/// with the tables as the oracle.
/// </summary>
public sealed class PostgresDurabilityTests : IDisposable
{
    private readonly PostgresDatabase _pg = new();

    public void Dispose() => _pg.Dispose();

    private static object Event(string key, string phone, string type = "page.viewed") => new { id = key, type, identifiers = new { phone }, properties = new { page = key } };

    private sealed record Posted(string[] Keys, HttpStatusCode Status, System.Text.Json.Nodes.JsonNode? Body);

    private static async Task<Posted[]> PostConcurrentlyAsync(HttpClient api, string prefix, int requests, int poisonAt) =>
        await Task.WhenAll(Enumerable.Range(0, requests).Select(async r =>
        {
            var keys = Enumerable.Range(0, 5).Select(i => r == poisonAt && i == 2 ? $"poison-{prefix}{r}" : $"{prefix}{r}-e{i}").ToArray();
            var response = await api.PostEventsAsync(new { events = keys.Select((k, i) => Event(k, $"1380{prefix[0] % 10}{r:D3}{i:D3}")).ToArray() });
            return new Posted(keys, response.StatusCode, response.IsSuccessStatusCode ? await response.ReadAsync() : null);
        }));

    // API keys are stored as id:{id}.
    private Dictionary<string, long> Stored() =>
        _pg.Rows("SELECT idempotencykey, seq FROM events", r => (r.GetString(0), r.GetInt64(1))).ToDictionary(x => x.Item1.StartsWith("id:", StringComparison.Ordinal) ? x.Item1[3..] : x.Item1, x => x.Item2);

    private void AssertAcknowledgedAreStoredInOrder(IEnumerable<Posted> posted)
    {
        var stored = Stored();
        foreach (var (keys, _, body) in posted.Where(r => r.Status == HttpStatusCode.Accepted))
        {
            var seqs = body!["results"]!.AsArray().Select(x => x!["seq"]!.GetValue<long>()).ToArray();
            // Acknowledged = stored, with the sequence the API answered, consecutive in request order.
            Assert.Equal(keys.Select(k => stored[k]), seqs);
            Assert.Equal(Enumerable.Range(0, seqs.Length).Select(i => seqs[0] + i), seqs);
        }
    }

    [SkippableFact]
    public async Task Copy_keeps_the_log_in_commit_order_and_a_failed_batch_stores_nothing()
    {
        _pg.Require();
        await using var factory = new SiyuFactory(postgres: _pg.ConnectionString);
        var api = factory.ApiClient();
        // Many concurrent requests share group commits: each request's events get consecutive numbers, in its order.
        var clean = await PostConcurrentlyAsync(api, "c", 40, poisonAt: -1);
        Assert.All(clean, r => Assert.Equal(HttpStatusCode.Accepted, r.Status));
        AssertAcknowledgedAreStoredInOrder(clean);

        // The database refuses one key: whatever group commit carries it fails as a whole (the COPY runs inside the transaction).
        using (var c = _pg.Open())
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = """
                CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN IF NEW.idempotencykey LIKE 'id:poison%' THEN RAISE EXCEPTION 'poisoned batch'; END IF; RETURN NEW; END $$;
                CREATE TRIGGER refuse_poison BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse_poison();
                """;
            cmd.ExecuteNonQuery();
        }
        var mixed = await PostConcurrentlyAsync(api, "m", 40, poisonAt: 17);
        var stored = Stored();
        var failed = mixed.Where(r => r.Status != HttpStatusCode.Accepted).ToList();
        Assert.Contains(failed, f => f.Keys.Any(k => k.StartsWith("poison", StringComparison.Ordinal)));
        Assert.All(failed, f => Assert.DoesNotContain(f.Keys, stored.ContainsKey)); // rolled back: nothing of theirs
        AssertAcknowledgedAreStoredInOrder(mixed);
        // The writer re-read MAX(Seq) after the rollback: no gaps, no repeats.
        Assert.Equal(Enumerable.Range(1, stored.Count).Select(i => (long)i), stored.Values.Order());

        // Next batch is fine and continues the numbering.
        var next = await (await api.PostEventsAsync(new { events = new[] { Event("after-1", "13800000002") } })).ReadAsync();
        Assert.Equal(stored.Count + 1, next["results"]![0]!["seq"]!.GetValue<long>());
        Assert.Equal(stored.Count + 1, _pg.Scalar("SELECT MAX(seq) FROM events"));
    }

    [SkippableFact]
    public async Task A_restart_on_the_same_database_keeps_customers_tags_and_rotated_keys()
    {
        _pg.Require();
        var dir = Path.Combine(Path.GetTempPath(), "siyu-tests", Guid.NewGuid().ToString("N"));
        var k1 = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var k2 = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var hashKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        Dictionary<string, string> Keys(string active) => new()
        {
            ["Siyu:Pii:Keys:k1"] = k1, ["Siyu:Pii:Keys:k2"] = k2, ["Siyu:Pii:ActiveKey"] = active, ["Siyu:Pii:HashKey"] = hashKey,
        };

        long id;
        await using (var first = new SiyuFactory(dir, settings: Keys("k1"), postgres: _pg.ConnectionString))
        {
            var admin = await first.AdminClientAsync();
            id = await first.AddCustomerAsync(admin, "13912345678", "zhang", "持久客", new { city = "苏州" });
            var order = await first.ApiClient().PostEventsAsync(new { id = "ord-1", type = "order.paid", customer_id = id, properties = new { order_id = "A1", amount = 88 } });
            Assert.Equal(HttpStatusCode.Accepted, order.StatusCode);
            await Json.EventuallyAsync(() => admin.GetJsonOrNull($"/api/v1/customers/{id}"), c => c["orders"]!.GetValue<int>() == 1);
            // A snapshot, so the restart reads one from PostgreSQL too.
            var partition = Core.Customers.Partitioning.Of(id, 8);
            await first.Services.GetRequiredService<IGrainFactory>().GetGrain<Server.Partitions.IPartitionGrain>(Server.Partitions.PartitionDispatcher.GrainKey(1, partition)).SaveSnapshot();
        }
        Assert.Equal(1, _pg.Scalar("SELECT COUNT(*) FROM partition_snapshots"));
        Assert.True(_pg.Scalar("SELECT COUNT(*) FROM identifiers WHERE encrypted LIKE 'enc:v1:k1:%'") >= 1);

        await using (var second = new SiyuFactory(dir, settings: Keys("k2"), postgres: _pg.ConnectionString))
        {
            var admin = await second.AdminClientAsync();
            var customer = await Json.EventuallyAsync(() => admin.GetJsonOrNull($"/api/v1/customers/{id}"), c => c["orders"]!.GetValue<int>() == 1);
            Assert.Equal("持久客", customer["name"]!.GetValue<string>());
            var found = (await admin.GetJsonOrNull("/api/v1/customers?q=5678"))!["items"]!.AsArray();
            Assert.Contains(found, c => c!["id"]!.GetValue<long>() == id);
            // Idempotency survives the restart: the same key again is a duplicate with the first sequence.
            var retry = await (await second.ApiClient().PostEventsAsync(new { id = "ord-1", type = "order.paid", customer_id = id, properties = new { order_id = "A1", amount = 88 } })).ReadAsync();
            Assert.True(retry["results"]![0]!["duplicate"]!.GetValue<bool>());

            var rotated = await admin.PostAsJsonAsync("/api/v1/compliance/pii/rotate", new { });
            Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
            var result = await rotated.ReadAsync();
            Assert.True(result["identifiers"]!.GetValue<int>() >= 1, result.ToJsonString());
            Assert.True(result["snapshots"]!.GetValue<int>() >= 1, result.ToJsonString());
            Assert.Equal(0, result["remaining_under_other_keys"]!.GetValue<long>());
        }
        Assert.Equal(0, _pg.Scalar("SELECT COUNT(*) FROM identifiers WHERE encrypted LIKE 'enc:v1:k1:%'"));
        Assert.Equal(0, _pg.Scalar("SELECT COUNT(*) FROM events WHERE strpos(COALESCE(properties, '') || COALESCE(attributes, ''), 'enc:v1:k1:') > 0"));
        Assert.Equal(1, _pg.Scalar("SELECT COUNT(*) FROM events WHERE idempotencykey = 'id:ord-1'"));
        Assert.True(_pg.Scalar("SELECT COUNT(*) FROM identifiers WHERE encrypted LIKE 'enc:v1:k2:%'") >= 1);

        // And after rotation, a third start with only the new key reads everything.
        var onlyK2 = new Dictionary<string, string> { ["Siyu:Pii:Keys:k2"] = k2, ["Siyu:Pii:ActiveKey"] = "k2", ["Siyu:Pii:HashKey"] = hashKey };
        await using var third = new SiyuFactory(dir, settings: onlyK2, postgres: _pg.ConnectionString);
        var thirdAdmin = await third.AdminClientAsync();
        var again = await Json.EventuallyAsync(() => thirdAdmin.GetJsonOrNull($"/api/v1/customers/{id}"), c => c["orders"]!.GetValue<int>() == 1);
        Assert.Equal("苏州", again["attributes"]!["city"]!.GetValue<string>());
    }
}
