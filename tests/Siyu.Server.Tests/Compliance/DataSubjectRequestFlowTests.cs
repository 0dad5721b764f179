using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Siyu.Server.Partitions;
using Siyu.Server.Tests.Audiences;

namespace Siyu.Server.Tests.Compliance;

/// <summary>
/// Data-subject requests (PIPL) on a real server: filing with a deadline, export, correction, rejection, and erasure
/// checked against the SQLite file itself, the KPI API and a restarted server.
/// </summary>
public sealed class DataSubjectRequestFlowTests : IAsyncLifetime
{
    // Inside the KPI week below; the clock only moves when a test says so.
    private readonly MovableTime _time = new(new DateTimeOffset(2026, 11, 20, 4, 0, 0, TimeSpan.Zero));
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "siyu-tests", "dsr-" + Guid.NewGuid().ToString("N"));
    private SiyuFactory _factory = null!;
    private HttpClient _api = null!;
    private HttpClient _admin = null!;

    private const string Phone = "13987654321";
    private const string Name = "王晓敏";
    private const string ExternalId = "wmDsrPerson0001";
    private const string Secret = "我家住在文三路九十九号三单元";
    private const string MessageText = "晓敏专属暗号ZX8Q7";

    public async Task InitializeAsync() => await StartAsync();

    private async Task StartAsync()
    {
        _factory = new SiyuFactory(_dataDirectory, time: _time);
        _api = _factory.ApiClient();
        _admin = await _factory.AdminClientAsync();
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private async Task<long> SeedPersonAsync()
    {
        var body = await (await _api.PostEventsAsync(new
        {
            events = new object[]
            {
                new
                {
                    id = "p1", type = "customer.added", timestamp = "2026-11-18T10:00:00+08:00",
                    identifiers = new { external_userid = ExternalId, phone = Phone },
                    attributes = new { name = Name, city = "杭州" }, properties = new { staff_userid = "alice", state = "ch-spring" },
                },
                new { id = "p2", type = "message.received", timestamp = "2026-11-18T10:05:00+08:00", identifiers = new { external_userid = ExternalId }, properties = new { text = Secret, staff_userid = "alice" } },
                new { id = "p3", type = "order.paid", timestamp = "2026-11-18T11:00:00+08:00", identifiers = new { phone = Phone }, properties = new { order_id = "ORD-77", amount = 120.5, category = "茶叶" } },
                new { id = "p4", type = "order.paid", timestamp = "2026-11-19T11:00:00+08:00", identifiers = new { phone = Phone }, properties = new { order_id = "ORD-78", amount = 80, category = "茶具" } },
                new { id = "o1", type = "order.paid", timestamp = "2026-11-19T12:00:00+08:00", identifiers = new { phone = "13700000001" }, properties = new { order_id = "ORD-90", amount = 50 } },
            },
        })).ReadAsync();
        var id = body["results"]![0]!["customer_id"]!.GetValue<long>();
        await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/customers/{id}"), c => c["orders"]!.GetValue<int>() == 2);
        return id;
    }

    private async Task<JsonNode> FileAsync(object body)
    {
        var response = await _admin.PostAsJsonAsync("/api/v1/compliance/requests", body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.ReadAsync();
    }

    private async Task<JsonNode> ActAsync(long id, string action, object? body = null)
    {
        var response = await _admin.PostAsJsonAsync($"/api/v1/compliance/requests/{id}/{action}", body ?? new { });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.ReadAsync();
    }

    private async Task<decimal> GmvAsync() =>
        (await _admin.GetJsonOrNull("/api/v1/analytics/kpis?from=2026-11-15&to=2026-11-21"))!["current"]!["gmv"]!.GetValue<decimal>();

    [Fact]
    public async Task Deletion_erases_the_person_everywhere_keeps_the_revenue_and_survives_a_restart()
    {
        var id = await SeedPersonAsync();
        // A message to them, whatever the pipeline decides, is stored with its text.
        (await _admin.PostAsJsonAsync("/api/v1/delivery/messages", new { key = "dsr-m1", customer_id = id, channel = "wecom_private", topic = "service", text = MessageText })).EnsureSuccessStatusCode();
        var gmv = await GmvAsync();
        Assert.Equal(250.5m, gmv);
        // An old snapshot with the person in it must not survive the erasure.
        var partition = Core.Customers.Partitioning.Of(id, 8);
        await _factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IPartitionGrain>(PartitionDispatcher.GrainKey(1, partition)).SaveSnapshot();
        var before = ReadDatabaseText();
        Assert.True(Core.Customers.IdentifierNormalizer.Default.TryNormalize(Core.Customers.IdentifierType.Phone, Phone, out var normalized, out _));
        var phoneHash = Hasher().Hash(normalized);
        foreach (var secret in new[] { Phone, phoneHash, Name, ExternalId, Secret, MessageText, "ORD-77" })
        {
            Assert.Contains(secret, before, StringComparison.Ordinal); // the oracle sees each of them before
        }

        var request = await FileAsync(new { customer_id = id, kind = "delete", via = "customer", note = "客户来电要求注销" });
        Assert.Equal("received", request["status"]!.GetValue<string>());
        Assert.Equal(TimeSpan.FromDays(15), request["due_at"]!.GetValue<DateTimeOffset>() - request["received_at"]!.GetValue<DateTimeOffset>());
        var rid = request["id"]!.GetValue<long>();
        Assert.Equal("in_progress", (await ActAsync(rid, "process"))["status"]!.GetValue<string>());
        var done = await ActAsync(rid, "complete");
        Assert.Equal("completed", done["status"]!.GetValue<string>());
        Assert.Equal("admin", done["handled_by"]!.GetValue<string>());

        var customer = (await _admin.GetJsonOrNull($"/api/v1/customers/{id}"))!;
        Assert.True(customer["erased"]!.GetValue<bool>());
        Assert.Null(customer["name"]);
        Assert.Empty(customer["attributes"]!.AsObject());
        Assert.Empty(customer["identifiers"]!.AsArray());
        Assert.Empty(customer["staff"]!.AsObject());
        Assert.Equal(2, customer["orders"]!.GetValue<int>());
        Assert.Equal(200.5m, customer["spend"]!.GetValue<decimal>());
        Assert.All(customer["consents"]!.AsArray(), c => Assert.False(c!["granted"]!.GetValue<bool>()));
        Assert.Equal(gmv, await GmvAsync());
        // Refunds still net against the (digested) order id.
        var orders = (await _admin.GetJsonOrNull($"/api/v1/customers/{id}/orders"))!.AsArray();
        Assert.Equal(2, orders.Count);
        Assert.All(orders, o => Assert.StartsWith("erased-", o!["order_id"]!.GetValue<string>(), StringComparison.Ordinal));

        // The independent oracle: every table of the SQLite file, snapshots decompressed.
        var text = ReadDatabaseText();
        foreach (var secret in new[] { Phone, phoneHash, Name, ExternalId, Secret, MessageText, "ORD-77" })
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
        Assert.Contains("customer.anonymised", text, StringComparison.Ordinal);

        var audit = (await _admin.GetJsonOrNull("/api/v1/audit?action=dsr"))!["items"]!.AsArray().Select(a => a!["action"]!.GetValue<string>()).ToList();
        Assert.Contains("dsr.create", audit);
        Assert.Contains("dsr.process", audit);
        Assert.Contains("dsr.delete", audit);

        // Nothing can be recorded for the anonymous id, and the old phone is a stranger now.
        var late = await (await _api.PostEventsAsync(new { events = new[] { new { id = "late1", type = "page.viewed", timestamp = "2026-11-20T09:00:00+08:00", customer_id = id } } })).ReadAsync();
        Assert.Contains("erased", late.ToJsonString(), StringComparison.Ordinal);
        var again = await (await _api.PostEventsAsync(new { events = new[] { new { id = "back1", type = "page.viewed", timestamp = "2026-11-20T10:00:00+08:00", identifiers = new { phone = Phone } } } })).ReadAsync();
        var newcomer = again["results"]![0]!["customer_id"]!.GetValue<long>();
        Assert.NotEqual(id, newcomer);
        Assert.Equal(HttpStatusCode.Conflict, (await _admin.PostAsJsonAsync($"/api/v1/compliance/requests/{rid}/complete", new { })).StatusCode);

        // A new server on the same data: the partition rebuilds from snapshot and log, and the person stays erased.
        await _factory.DisposeAsync();
        await StartAsync();
        var restarted = await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/customers/{id}"), c => c["orders"]!.GetValue<int>() == 2);
        Assert.True(restarted["erased"]!.GetValue<bool>());
        Assert.Null(restarted["name"]);
        Assert.Empty(restarted["attributes"]!.AsObject());
        Assert.Equal(gmv, await GmvAsync());
        var list = (await _admin.GetJsonOrNull($"/api/v1/customers?q={Phone}"))!["items"]!.AsArray();
        Assert.All(list, c => Assert.NotEqual(id, c!["id"]!.GetValue<long>()));
    }

    [Fact]
    public async Task Export_is_complete_and_unmasked_correction_is_an_attribute_edit_and_rejection_needs_a_reason()
    {
        var id = await SeedPersonAsync();
        var export = await FileAsync(new { customer_id = id, kind = "export", via = "email" });
        var eid = export["id"]!.GetValue<long>();
        Assert.Null(export["export_url"]);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync($"/api/v1/compliance/requests/{eid}/export")).StatusCode);
        var exported = await ActAsync(eid, "complete");
        Assert.Equal($"/api/v1/compliance/requests/{eid}/export", exported["export_url"]!.GetValue<string>());
        var download = await _admin.GetAsync(exported["export_url"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        var document = JsonNode.Parse(await download.Content.ReadAsStringAsync())!;
        Assert.Equal(id, document["customer_id"]!.GetValue<long>());
        Assert.Equal(Name, document["profile"]!["name"]!.GetValue<string>());
        Assert.Contains(document["identifiers"]!.AsArray(), i => i!["value"]!.GetValue<string>() == Phone); // unmasked: it is theirs
        Assert.Equal(4, document["events"]!.AsArray().Count);
        Assert.Equal(2, document["orders"]!.AsArray().Count);
        Assert.Equal(Secret, document["events"]!.AsArray().Single(e => e!["type"]!.GetValue<string>() == "message.received")!["properties"]!["text"]!.GetValue<string>());
        Assert.Equal("ch-spring", document["wecom"]!["staff"]!["alice"]!.GetValue<string>());

        var correct = await FileAsync(new { customer_id = id, kind = "correct", changes = new { name = "王晓明" } });
        var corrected = await ActAsync(correct["id"]!.GetValue<long>(), "complete");
        Assert.Contains("name", corrected["result"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("王晓明", (await _admin.GetJsonOrNull($"/api/v1/customers/{id}"))!["name"]!.GetValue<string>());
        var edits = (await _admin.GetJsonOrNull($"/api/v1/customers/{id}/events?type=profile.updated"))!.AsArray();
        Assert.Equal("admin", edits.Single()!["properties"]!["edited_by"]!.GetValue<string>());

        var reject = await FileAsync(new { customer_id = id, kind = "export" });
        var noReason = await _admin.PostAsJsonAsync($"/api/v1/compliance/requests/{reject["id"]}/reject", new { reason = "" });
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.NotNull((await noReason.ReadAsync())["errors"]!["reason"]);
        Assert.Equal("rejected", (await ActAsync(reject["id"]!.GetValue<long>(), "reject", new { reason = "无法核实申请人身份" }))["status"]!.GetValue<string>());

        var audit = (await _admin.GetJsonOrNull("/api/v1/audit?action=dsr"))!["items"]!.AsArray();
        var actions = audit.Select(a => a!["action"]!.GetValue<string>()).ToList();
        Assert.Contains("dsr.export", actions);
        Assert.Contains("dsr.export.download", actions);
        Assert.Contains("dsr.correct", actions);
        Assert.Contains("dsr.reject", actions);
        Assert.DoesNotContain("王晓明", audit.ToJsonString(), StringComparison.Ordinal); // names of attributes, not values
    }

    [Fact]
    public async Task Bad_requests_name_the_field_and_overdue_requests_are_flagged()
    {
        var id = await SeedPersonAsync();
        foreach (var (body, field) in new (object, string)[]
        {
            (new { customer_id = id, kind = "forget" }, "kind"),
            (new { customer_id = 987654321L, kind = "export" }, "customer_id"),
            (new { customer_id = id, kind = "correct" }, "changes"),
            (new { customer_id = id, kind = "export", via = "fax" }, "via"),
        })
        {
            var response = await _admin.PostAsJsonAsync("/api/v1/compliance/requests", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.NotNull((await response.ReadAsync())["errors"]![field]);
        }
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.GetAsync("/api/v1/compliance/requests?status=lost")).StatusCode);

        var open = await FileAsync(new { customer_id = id, kind = "export" });
        var finished = await FileAsync(new { customer_id = id, kind = "export" });
        await ActAsync(finished["id"]!.GetValue<long>(), "complete");
        Assert.Empty((await _admin.GetJsonOrNull("/api/v1/compliance/requests?overdue=true"))!["items"]!.AsArray());

        _time.Now += TimeSpan.FromDays(16);
        _admin = await _factory.AdminClientAsync(); // the console session expired with the clock
        var overdue = (await _admin.GetJsonOrNull("/api/v1/compliance/requests?overdue=true"))!["items"]!.AsArray();
        Assert.Equal(open["id"]!.GetValue<long>(), Assert.Single(overdue)!["id"]!.GetValue<long>());
        Assert.True((await _admin.GetJsonOrNull($"/api/v1/compliance/requests/{open["id"]}"))!["overdue"]!.GetValue<bool>());
        Assert.False((await _admin.GetJsonOrNull($"/api/v1/compliance/requests/{finished["id"]}"))!["overdue"]!.GetValue<bool>());
    }

    [Fact]
    public async Task The_deadline_follows_the_configured_days()
    {
        await using var other = new SiyuFactory();
        await using var configured = other.WithWebHostBuilder(b => b.UseSetting("Siyu:Compliance:RequestDueDays", "30"));
        var api = configured.CreateClient();
        api.DefaultRequestHeaders.Add("X-Api-Key", SiyuFactory.ApiKey);
        var seeded = await (await api.PostEventsAsync(new { events = new[] { new { id = "d1", type = "page.viewed", timestamp = "2026-11-18T10:00:00+08:00", identifiers = new { phone = Phone } } } })).ReadAsync();
        var id = seeded["results"]![0]!["customer_id"]!.GetValue<long>();
        var admin = configured.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        Assert.Equal(HttpStatusCode.Redirect, (await admin.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["tenant"] = "demo", ["username"] = "admin", ["password"] = SiyuFactory.AdminPassword, ["returnUrl"] = "/",
        }))).StatusCode);
        var response = await admin.PostAsJsonAsync("/api/v1/compliance/requests", new { customer_id = id, kind = "export" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.ReadAsync();
        Assert.Equal(TimeSpan.FromDays(30), created["due_at"]!.GetValue<DateTimeOffset>() - created["received_at"]!.GetValue<DateTimeOffset>());
        Assert.Equal(30, (await admin.GetJsonOrNull("/api/v1/compliance/requests"))!["due_days"]!.GetValue<int>());
    }

    /// <summary>Every value of every table as text (partition snapshots decompressed), read straight from the file.</summary>
    private string ReadDatabaseText()
    {
        var text = new StringBuilder();
        using var c = new SqliteConnection($"Data Source={Path.Combine(_dataDirectory, "siyu.db")};Mode=ReadOnly;Pooling=False");
        c.Open();
        var tables = new List<string>();
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                tables.Add(r.GetString(0));
            }
        }
        foreach (var table in tables)
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"SELECT * FROM \"{table}\"";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                for (var i = 0; i < r.FieldCount; i++)
                {
                    if (r.IsDBNull(i))
                    {
                        continue;
                    }
                    if (r.GetValue(i) is byte[] bytes)
                    {
                        text.Append(table == "partition_snapshots" ? Decompress(Cipher().DecryptBytes(bytes)) : Encoding.UTF8.GetString(bytes));
                    }
                    else
                    {
                        text.Append(Readable(Decrypted(Convert.ToString(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)!))).Append('\n');
                    }
                }
            }
        }
        return text.ToString();
    }

    /// <summary>
    /// Personal values are encrypted at rest, which is not erasure: the oracle opens every ciphertext with the key file
    /// (and finds hashed identifiers by hashing the values it looks for), so it sees what a key holder would.
    /// </summary>
    private Core.Compliance.PiiCipher Cipher()
    {
        var file = JsonNode.Parse(File.ReadAllText(Path.Combine(_dataDirectory, "keys", "pii-keys.json")))!;
        var keys = file["keys"]!.AsObject().ToDictionary(k => k.Key, k => Convert.FromBase64String(k.Value!.GetValue<string>()));
        return new Core.Compliance.PiiCipher(keys, file["activeKey"]!.GetValue<string>());
    }

    private Core.Compliance.PiiHasher Hasher() =>
        new(Convert.FromBase64String(JsonNode.Parse(File.ReadAllText(Path.Combine(_dataDirectory, "keys", "pii-keys.json")))!["hashKey"]!.GetValue<string>()));

    private string Decrypted(string value) =>
        System.Text.RegularExpressions.Regex.Replace(value, "enc:v1:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+", m => Cipher().Decrypt(m.Value));

    private static string Decompress(byte[] data)
    {
        using var brotli = new BrotliStream(new MemoryStream(data), CompressionMode.Decompress);
        using var reader = new StreamReader(brotli, Encoding.UTF8);
        return Readable(reader.ReadToEnd());
    }

    /// <summary>JSON is often stored with non-ASCII escaped (\uXXXX): re-written unescaped so Chinese names are found.</summary>
    private static string Readable(string value)
    {
        if (value.Length == 0 || value[0] is not ('{' or '['))
        {
            return value;
        }
        try
        {
            return JsonNode.Parse(value)?.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) ?? value;
        }
        catch (System.Text.Json.JsonException)
        {
            return value;
        }
    }
}
