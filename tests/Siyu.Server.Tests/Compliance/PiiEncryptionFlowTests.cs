using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace Siyu.Server.Tests.Compliance;

/// <summary>
/// Personal data at rest on a real server, checked against the SQLite file itself (a plain connection, not the
/// server's code) and against the keys decrypted by hand with AES-GCM / HMAC from the runtime: no plaintext phone, ID
/// card or address in identifiers, events or snapshots, while search, reveal, restarts and key rotation keep working.
/// </summary>
public sealed class PiiEncryptionFlowTests
{
    private const string Phone = "13912345678";
    private const string IdCard = "110101199001011234";
    private const string Address = "上海市浦东新区世纪大道100号";

    private static string NewDataDirectory() => Path.Combine(Path.GetTempPath(), "siyu-tests", "pii-" + Guid.NewGuid().ToString("N"));

    private static object Profile(string id = "pii-1", string phone = Phone) => new
    {
        events = new[]
        {
            new
            {
                id, type = "profile.updated", timestamp = "2026-11-30T10:00:00+08:00", identifiers = new { phone },
                attributes = new { name = "韩梅梅", id_card = IdCard, 收货地址 = Address, city = "上海" },
            },
        },
    };

    private static async Task<long> IngestAsync(SiyuFactory factory, object body)
    {
        var response = await factory.ApiClient().PostEventsAsync(body);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.ReadAsync())["results"]![0]!["customer_id"]!.GetValue<long>();
    }

    private static async Task<JsonNode> RevealAsync(SiyuFactory factory, long id)
    {
        var admin = await factory.AdminClientAsync();
        await Json.EventuallyAsync(() => admin.GetJsonOrNull($"/api/v1/customers/{id}"), c => c["attributes"]?["city"] is not null);
        var response = await admin.PostAsJsonAsync($"/api/v1/customers/{id}/reveal", new { reason = "核对收货地址" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadAsync();
    }

    private static void AssertRevealed(JsonNode revealed)
    {
        Assert.Equal(Phone, revealed["identifiers"]!.AsArray().Single(i => i!["type"]!.GetValue<string>() == "phone")!["value"]!.GetValue<string>());
        Assert.Equal(IdCard, revealed["attributes"]!["id_card"]!.GetValue<string>());
        Assert.Equal(Address, revealed["attributes"]!["收货地址"]!.GetValue<string>());
    }

    private static SqliteConnection Open(string dataDirectory)
    {
        var c = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "siyu.db")};Pooling=False");
        c.Open();
        return c;
    }

    private static List<string> Texts(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        using var r = cmd.ExecuteReader();
        var list = new List<string>();
        while (r.Read())
        {
            for (var i = 0; i < r.FieldCount; i++)
            {
                if (!r.IsDBNull(i))
                {
                    list.Add(r.GetValue(i) is byte[] b ? Encoding.UTF8.GetString(b) : Convert.ToString(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)!);
                }
            }
        }
        return list;
    }

    private static List<byte[]> Snapshots(SqliteConnection c)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT Data FROM partition_snapshots";
        using var r = cmd.ExecuteReader();
        var list = new List<byte[]>();
        while (r.Read())
        {
            list.Add((byte[])r.GetValue(0));
        }
        return list;
    }

    /// <summary>The key file as JSON, read by the test itself.</summary>
    private static JsonNode KeyFile(string dataDirectory) => JsonNode.Parse(File.ReadAllText(Path.Combine(dataDirectory, "keys", "pii-keys.json")))!;

    /// <summary>Opens a snapshot blob by hand: header <c>enc:v1:{kid}:</c> (also the associated data), 12-byte nonce, ciphertext, 16-byte tag; then brotli.</summary>
    private static string OpenSnapshot(byte[] blob, Func<string, byte[]> keyOf)
    {
        var text = Encoding.ASCII.GetString(blob, 0, Math.Min(blob.Length, 48));
        Assert.StartsWith("enc:v1:", text, StringComparison.Ordinal);
        var headerLength = text.IndexOf(':', 7) + 1;
        var kid = text[7..(headerLength - 1)];
        var body = blob.AsSpan(headerLength);
        var plain = new byte[body.Length - 28];
        using (var aes = new AesGcm(keyOf(kid), 16))
        {
            aes.Decrypt(body[..12], body[12..^16], body[^16..], plain, blob.AsSpan(0, headerLength));
        }
        using var brotli = new BrotliStream(new MemoryStream(plain), CompressionMode.Decompress);
        // Re-written without \u escapes, so Chinese values compare as text.
        return JsonNode.Parse(brotli)!.ToJsonString(Core.Events.JsonStorage.Options);
    }

    [Fact]
    public async Task Stored_data_holds_no_plaintext_while_search_and_reveal_work()
    {
        var dir = NewDataDirectory();
        long id;
        await using (var factory = new SiyuFactory(dir))
        {
            id = await IngestAsync(factory, Profile());
            await IngestAsync(factory, new
            {
                events = new[]
                {
                    new
                    {
                        id = "pii-order", type = "order.paid", timestamp = "2026-11-30T11:00:00+08:00", identifiers = new { phone = Phone },
                        properties = new { order_id = "T1", amount = 99.5, receiver_phone = Phone, shipping_address = Address },
                    },
                },
            });
            AssertRevealed(await RevealAsync(factory, id));
            var admin = await factory.AdminClientAsync();
            foreach (var q in new[] { Phone, "+86 139 1234 5678", "5678", "12345678" })
            {
                var found = await (await admin.GetAsync("/api/v1/customers?q=" + Uri.EscapeDataString(q))).ReadAsync();
                Assert.Contains(id, found["items"]!.AsArray().Select(i => i!["id"]!.GetValue<long>()));
            }
            var miss = await (await admin.GetAsync("/api/v1/customers?q=1234")).ReadAsync();
            Assert.DoesNotContain(id, miss["items"]!.AsArray().Select(i => i!["id"]!.GetValue<long>()));
            // The timeline shows the order's payload decrypted (and masked).
            var timeline = (await (await admin.GetAsync($"/api/v1/customers/{id}/events")).Content.ReadAsStringAsync());
            Assert.Contains("139****5678", timeline, StringComparison.Ordinal);
        } // stopping deactivates the partitions, which write their snapshots

        var keys = KeyFile(dir);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "keys", "pii-keys.json")));
        }
        using var c = Open(dir);
        var stored = Texts(c, "SELECT * FROM identifiers").Concat(Texts(c, "SELECT * FROM events")).Concat(Texts(c, "SELECT * FROM merges")).ToList();
        foreach (var secret in new[] { Phone, IdCard, Address, "世纪大道" })
        {
            Assert.DoesNotContain(stored, s => s.Contains(secret, StringComparison.Ordinal));
        }

        // The phone is keyed by HMAC-SHA256 under the hash key, computed here independently.
        using var hmac = new HMACSHA256(Convert.FromBase64String(keys["hashKey"]!.GetValue<string>()));
        var expectedHash = "h:" + Convert.ToHexStringLower(hmac.ComputeHash(Encoding.UTF8.GetBytes(Phone)));
        Assert.Equal(1L, (long)new SqliteCommand("SELECT COUNT(*) FROM identifiers WHERE Type = 2 AND Value = $v AND Encrypted LIKE 'enc:v1:k1:%'", c)
        {
            Parameters = { new SqliteParameter("$v", expectedHash) },
        }.ExecuteScalar()!);

        // Snapshots: not openable as plain brotli, and the profile is inside once decrypted by hand.
        var snapshots = Snapshots(c);
        Assert.NotEmpty(snapshots);
        var profiles = string.Concat(snapshots.Select(s => OpenSnapshot(s, kid => Convert.FromBase64String(keys["keys"]![kid]!.GetValue<string>()))));
        Assert.Contains(Address, profiles, StringComparison.Ordinal);
        Assert.All(snapshots, s => Assert.DoesNotContain(Address, Encoding.UTF8.GetString(s), StringComparison.Ordinal));

        // Nothing in the database file at all (pages, free pages) holds the values.
        c.Close();
        foreach (var path in new[] { "siyu.db", "siyu.db-wal" }.Select(f => Path.Combine(dir, f)).Where(File.Exists))
        {
            var file = File.ReadAllBytes(path);
            foreach (var secret in new[] { Phone, IdCard, Address })
            {
                Assert.Equal(-1, file.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)));
            }
        }
    }

    [Fact]
    public async Task A_restart_rebuilds_the_partition_from_encrypted_snapshots_and_from_encrypted_events_alone()
    {
        var dir = NewDataDirectory();
        long id;
        await using (var first = new SiyuFactory(dir))
        {
            id = await IngestAsync(first, Profile());
            await RevealAsync(first, id);
        }
        using (var c = Open(dir))
        {
            Assert.NotEmpty(Snapshots(c));
        }
        await using (var fromSnapshot = new SiyuFactory(dir))
        {
            AssertRevealed(await RevealAsync(fromSnapshot, id));
        }
        using (var c = Open(dir))
        {
            new SqliteCommand("DELETE FROM partition_snapshots", c).ExecuteNonQuery();
        }
        await using var fromEvents = new SiyuFactory(dir);
        AssertRevealed(await RevealAsync(fromEvents, id));
    }

    [Fact]
    public async Task Rotation_moves_every_value_to_the_new_key_and_the_old_key_can_then_go()
    {
        var dir = NewDataDirectory();
        var k1 = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var k2 = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var hashKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        Dictionary<string, string> Settings(string active, bool withK1 = true)
        {
            var s = new Dictionary<string, string> { ["Siyu:Pii:Keys:k2"] = k2, ["Siyu:Pii:ActiveKey"] = active, ["Siyu:Pii:HashKey"] = hashKey };
            if (withK1)
            {
                s["Siyu:Pii:Keys:k1"] = k1;
            }
            return s;
        }

        long id;
        await using (var underK1 = new SiyuFactory(dir, settings: Settings("k1")))
        {
            id = await IngestAsync(underK1, Profile());
            await RevealAsync(underK1, id);
        }
        Assert.False(File.Exists(Path.Combine(dir, "keys", "pii-keys.json"))); // configured keys: no generated file
        using (var c = Open(dir))
        {
            Assert.Contains(Texts(c, "SELECT Encrypted FROM identifiers"), s => s.StartsWith("enc:v1:k1:", StringComparison.Ordinal));
        }

        await using (var underK2 = new SiyuFactory(dir, settings: Settings("k2")))
        {
            var admin = await underK2.AdminClientAsync();
            // New writes use the active key; old values still read.
            var other = await IngestAsync(underK2, Profile("pii-2", "13800001111"));
            AssertRevealed(await RevealAsync(underK2, id));
            await RevealAsync(underK2, other);
            var before = await (await admin.GetAsync("/api/v1/compliance/pii/keys")).ReadAsync();
            Assert.Equal("k2", before["active_key"]!.GetValue<string>());
            var k1Before = before["keys"]!.AsArray().Single(k => k!["id"]!.GetValue<string>() == "k1")!;
            Assert.True(k1Before["identifiers"]!.GetValue<long>() >= 1);
            Assert.True(k1Before["event_values"]!.GetValue<long>() >= 2);
            Assert.DoesNotContain(k1, before.ToJsonString(), StringComparison.Ordinal);

            var rotated = await admin.PostAsJsonAsync("/api/v1/compliance/pii/rotate", new { });
            Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
            var result = await rotated.ReadAsync();
            Assert.True(result["identifiers"]!.GetValue<int>() >= 1);
            Assert.True(result["events"]!.GetValue<int>() >= 1);
            Assert.Equal(0, result["remaining_under_other_keys"]!.GetValue<long>());

            var after = await (await admin.GetAsync("/api/v1/compliance/pii/keys")).ReadAsync();
            Assert.Equal(0, after["keys"]!.AsArray().Single(k => k!["id"]!.GetValue<string>() == "k1")!["total"]!.GetValue<long>());
            var audit = await (await admin.GetAsync("/api/v1/audit?action=pii.rotate")).ReadAsync();
            Assert.Equal("key:k2", audit["items"]!.AsArray().Single()!["target"]!.GetValue<string>());
            AssertRevealed(await RevealAsync(underK2, id));
        }

        using (var c = Open(dir))
        {
            var everything = Texts(c, "SELECT * FROM identifiers").Concat(Texts(c, "SELECT * FROM events")).Concat(Snapshots(c).Select(b => Encoding.ASCII.GetString(b, 0, Math.Min(b.Length, 16))));
            Assert.DoesNotContain(everything, s => s.Contains("enc:v1:k1:", StringComparison.Ordinal));
            Assert.Contains(Texts(c, "SELECT Encrypted FROM identifiers"), s => s.StartsWith("enc:v1:k2:", StringComparison.Ordinal));
        }

        // k1 removed from the configuration: everything still reads, the partition rebuilds from what is stored.
        await using var withoutK1 = new SiyuFactory(dir, settings: Settings("k2", withK1: false));
        AssertRevealed(await RevealAsync(withoutK1, id));
    }

    [Fact]
    public async Task A_database_written_in_plaintext_is_encrypted_at_startup()
    {
        var dir = NewDataDirectory();
        long id;
        await using (var first = new SiyuFactory(dir))
        {
            id = await IngestAsync(first, Profile());
            await RevealAsync(first, id);
        }
        // Turn the stored rows back into what a database from before encryption holds.
        using (var c = Open(dir))
        {
            var hash = (string)new SqliteCommand("SELECT Value FROM identifiers WHERE Type = 2", c).ExecuteScalar()!;
            new SqliteCommand($"UPDATE identifiers SET Value = '{Phone}', Encrypted = NULL, SuffixHash = NULL WHERE Value = '{hash}'", c).ExecuteNonQuery();
            using (var update = new SqliteCommand("UPDATE events SET Attributes = $a WHERE Type = 'profile.updated'", c))
            {
                update.Parameters.AddWithValue("$a", new JsonObject { ["name"] = "韩梅梅", ["id_card"] = IdCard, ["收货地址"] = Address, ["city"] = "上海" }.ToJsonString(Core.Events.JsonStorage.Options));
                update.ExecuteNonQuery();
            }
            new SqliteCommand("UPDATE pii_backfill SET Position = 0, Target = (SELECT MAX(Seq) FROM events)", c).ExecuteNonQuery();
            new SqliteCommand("DELETE FROM partition_snapshots", c).ExecuteNonQuery();
            Assert.Contains(Texts(c, "SELECT Attributes FROM events"), s => s.Contains(Address, StringComparison.Ordinal));
        }

        await using (var upgraded = new SiyuFactory(dir))
        {
            AssertRevealed(await RevealAsync(upgraded, id));
            var admin = await upgraded.AdminClientAsync();
            var found = await (await admin.GetAsync("/api/v1/customers?q=" + Phone)).ReadAsync();
            Assert.Equal(id, found["items"]![0]!["id"]!.GetValue<long>());
            var bySuffix = await (await admin.GetAsync("/api/v1/customers?q=5678")).ReadAsync();
            Assert.Contains(id, bySuffix["items"]!.AsArray().Select(i => i!["id"]!.GetValue<long>()));
            // A second event for the same phone resolves to the same customer: the upgraded index matches new hashes.
            Assert.Equal(id, await IngestAsync(upgraded, Profile("pii-again")));
        }
        using (var c = Open(dir))
        {
            var stored = Texts(c, "SELECT * FROM identifiers").Concat(Texts(c, "SELECT * FROM events")).ToList();
            foreach (var secret in new[] { Phone, IdCard, Address })
            {
                Assert.DoesNotContain(stored, s => s.Contains(secret, StringComparison.Ordinal));
            }
            Assert.Equal(0L, (long)new SqliteCommand("SELECT COUNT(*) FROM pii_backfill WHERE Position < Target", c).ExecuteScalar()!);
        }
    }
}
