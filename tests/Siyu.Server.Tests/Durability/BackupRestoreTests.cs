using System.Net;
using System.Text.Json.Nodes;
using Siyu.Cli;
using Siyu.Cli.Backup;

namespace Siyu.Server.Tests.Durability;

/// <summary>
/// The documented procedure on real processes: <c>siyu backup</c> while the server ingests, <c>siyu restore</c> into a
/// new data directory, a server started on it sees exactly what was stored before the backup — events, profiles with
/// their encrypted personal data readable through the restored keys — and nothing written after it.
/// </summary>
public sealed class BackupRestoreTests
{
    private static async Task<long> AddAsync(HttpClient api, string phone, string name, int orders)
    {
        var events = new List<object> { new { id = "add-" + phone, type = "customer.added", timestamp = "2026-11-01T10:00:00+08:00", identifiers = new { phone }, attributes = new { name } } };
        events.AddRange(Enumerable.Range(0, orders).Select(i => new
        {
            id = $"o-{phone}-{i}", type = "order.paid", timestamp = "2026-11-02T10:00:00+08:00", identifiers = new { phone }, properties = new { order_id = $"{phone}-{i}", amount = 10 + i },
        }));
        var response = await api.PostEventsAsync(new { events });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.ReadAsync())["results"]![0]!["customer_id"]!.GetValue<long>();
    }

    /// <summary>The sequence numbers of the events the test sent (the log also holds Siyu's own, such as points earned).</summary>
    private static IEnumerable<long> Sent(JsonNode events) =>
        events.AsArray().Where(e => e!["source"]!.GetValue<string>() == "api").Select(e => e!["seq"]!.GetValue<long>());

    private static (CliContext Context, StringWriter Out, StringWriter Err) Cli()
    {
        var (o, e) = (new StringWriter(), new StringWriter());
        return (new CliContext { Out = o, Err = e }, o, e);
    }

    [Fact]
    public async Task A_backup_taken_while_running_restores_everything_stored_before_it()
    {
        var root = Path.Combine(Path.GetTempPath(), "siyu-tests", "backup-" + Guid.NewGuid().ToString("N"));
        var (live, backup, restored) = (Path.Combine(root, "live"), Path.Combine(root, "backup"), Path.Combine(root, "restored"));
        long kept, later;
        JsonNode keptEvents;
        await using (var server = await ServerProcess.StartAsync(live))
        {
            var api = server.ApiClient();
            kept = await AddAsync(api, "13812340001", "欧阳娜娜", orders: 3);
            keptEvents = await Json.EventuallyAsync(() => api.GetJsonOrNull($"/api/v1/customers/{kept}/events"), e => Sent(e).Count() == 4);

            var (context, output, errors) = Cli();
            Assert.Equal(RootCommand.Success, await RootCommand.RunAsync(["backup", "--data", live, "--out", backup], context, CancellationToken.None));
            Assert.Contains("customers", output.ToString(), StringComparison.Ordinal);
            Assert.Empty(errors.ToString());
            Assert.True(File.Exists(Path.Combine(backup, "keys", "pii-keys.json")));

            later = await AddAsync(api, "13812340002", "后来者", orders: 1);
        }

        var (restore, _, restoreErrors) = Cli();
        Assert.Equal(RootCommand.Success, await RootCommand.RunAsync(["restore", "--from", backup, "--data", restored], restore, CancellationToken.None));
        Assert.Empty(restoreErrors.ToString());
        // A second restore over it needs --force: a running installation is never replaced by accident.
        var (again, _, againErrors) = Cli();
        Assert.Equal(RootCommand.UsageError, await RootCommand.RunAsync(["restore", "--from", backup, "--data", restored], again, CancellationToken.None));
        Assert.Contains("--force", againErrors.ToString(), StringComparison.Ordinal);

        await using (var server = await ServerProcess.StartAsync(restored))
        {
            var api = server.ApiClient();
            var events = await Json.EventuallyAsync(() => api.GetJsonOrNull($"/api/v1/customers/{kept}/events"), e => Sent(e).Count() == 4);
            Assert.Equal(Sent(keptEvents), Sent(events));
            // The name is stored encrypted: reading it back proves the restored keys match the restored data.
            var profile = await (await (await server.AdminClientAsync()).GetAsync($"/api/v1/customers/{kept}")).ReadAsync();
            Assert.Contains("欧阳娜娜", profile.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/v1/customers/{later}")).StatusCode);
        }
        Directory.Delete(root, true);
    }
}
