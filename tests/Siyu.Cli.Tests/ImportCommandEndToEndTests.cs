using System.Text;
using System.Text.Json.Nodes;
using Siyu.Cli.Import;

namespace Siyu.Cli.Tests;

/// <summary>Runs <c>siyu import orders</c> in-process against <see cref="FakeSiyuServer"/> over real HTTP.</summary>
public sealed class ImportCommandEndToEndTests : IAsyncLifetime
{
    private const string Orders = """
        订单号,支付时间,实付金额,状态,手机号,姓名,备注
        A-1,2026-11-20 10:00:00,"¥1,299.00",已支付,13800138000,张三,first
        A-2,2026/11/20 11:05,abc,已支付,13800138001,李四,bad amount
        A-3,2026-11-20T03:00:00Z,12.5,已退款,13800138002,,"note with
        a newline"
        A-4,2026-11-21 09:00:00,88,,13800138003,王五,server rejects this one
        A-5,2026-11-21 10:00:00,0,paid,13800138004,,
        A-6,2026-11-22 10:00:00,5,refunded,13800138005,,
        """;

    private readonly TempDirectory _dir = new();
    private FakeSiyuServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeSiyuServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    private async Task<(int ExitCode, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var context = new CliContext
        {
            Out = output,
            Err = errors,
            GetEnvironmentVariable = name => name == "SIYU_API_KEY" ? FakeSiyuServer.ApiKey : null,
            Delay = (_, _) => Task.CompletedTask,
            Time = new FixedTime(new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero)),
        };
        var exitCode = await RootCommand.RunAsync(args, context, CancellationToken.None);
        return (exitCode, output.ToString(), errors.ToString());
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static int Count(string summary, string label)
    {
        var line = summary.Split('\n').Single(l => l.TrimStart().StartsWith(label + " ", StringComparison.Ordinal));
        return int.Parse(line.Trim()[label.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Imports_the_good_rows_in_batches_and_reports_client_and_server_errors_by_line()
    {
        var file = _dir.Write("orders.csv", Orders + "\n", new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        var errorsOut = _dir.File("failed.csv");
        _server.RejectOrderIds.Add("A-4");

        var (exitCode, output, log) = await RunAsync("import", "orders", file, "--tenant", "demo", "--server", _server.Url, "--batch", "2", "--errors-out", errorsOut);

        Assert.Equal(1, exitCode);

        // Five valid rows in batches of two, each posted in partial mode with the key.
        Assert.Equal([2, 2, 1], _server.Batches.Select(b => b.Body["events"]!.AsArray().Count));
        Assert.All(_server.Batches, b => Assert.Equal("?mode=partial", b.Query));
        Assert.All(_server.Batches, b => Assert.Equal(FakeSiyuServer.ApiKey, b.ApiKey));
        var sent = _server.Batches.SelectMany(b => b.Body["events"]!.AsArray()).Select(e => e!.AsObject()).ToList();
        Assert.Equal(
            ["import:orders:A-1:paid", "import:orders:A-3:refunded", "import:orders:A-4:paid", "import:orders:A-5:paid", "import:orders:A-6:refunded"],
            sent.Select(e => (string)e["id"]!));

        var first = JsonNode.Parse("""
            {"id":"import:orders:A-1:paid","type":"order.paid","timestamp":"2026-11-20T10:00:00+08:00",
             "identifiers":{"phone":"13800138000"},
             "properties":{"order_id":"A-1","amount":1299.00,"source_file":"orders.csv"},
             "attributes":{"name":"张三"}}
            """);
        Assert.True(JsonNode.DeepEquals(first, sent[0]), sent[0].ToJsonString());

        Assert.Contains("line 3, amount (实付金额): not a number ('abc')", output);
        Assert.Contains("line 6, amount (实付金额): Orders need properties.amount, a non-negative number in yuan.", output);
        Assert.Equal(6, Count(output, "rows read"));
        Assert.Equal(1, Count(output, "invalid"));
        Assert.Equal(5, Count(output, "sent"));
        Assert.Equal(4, Count(output, "accepted"));
        Assert.Equal(0, Count(output, "duplicates"));
        Assert.Equal(1, Count(output, "rejected"));
        Assert.Contains("ignoring column(s) '备注'", log);

        // The errors file has the failed rows as written, in file order, plus the reason.
        var failed = CsvReader.Read(new StringReader(File.ReadAllText(errorsOut))).ToList();
        Assert.Equal(["订单号", "支付时间", "实付金额", "状态", "手机号", "姓名", "备注", "error"], failed[0].Fields);
        Assert.Equal(3, failed.Count);
        Assert.Equal(["A-2", "2026/11/20 11:05", "abc", "已支付", "13800138001", "李四", "bad amount", "line 3, amount (实付金额): not a number ('abc')"], failed[1].Fields);
        Assert.Equal("A-4", failed[2].Fields[0]);
        Assert.StartsWith("line 6, amount (实付金额): Orders need", failed[2].Fields[^1]);
    }

    [Fact]
    public async Task Importing_the_same_file_again_stores_nothing_twice()
    {
        var file = _dir.Write("orders.csv", Orders);
        string[] args = ["import", "orders", file, "--tenant", "demo", "--server", _server.Url];

        await RunAsync(args);
        var (exitCode, output, _) = await RunAsync(args);

        Assert.Equal(1, exitCode);
        Assert.Equal(0, Count(output, "accepted"));
        Assert.Equal(5, Count(output, "duplicates"));
        Assert.Equal(5, Count(output, "stored"));
    }

    [Fact]
    public async Task A_clean_file_exits_zero()
    {
        var file = _dir.Write("clean.csv", "order_id,paid_at,amount,phone\nC-1,2026-11-20 10:00:00,1,138\nC-2,2026-11-20 10:00:00,2,139\n");

        var (exitCode, output, _) = await RunAsync("import", "orders", file, "--tenant", "demo", "--server", _server.Url);

        Assert.Equal(0, exitCode);
        Assert.Equal(2, Count(output, "accepted"));
        Assert.DoesNotContain("Errors:", output);
    }

    [Fact]
    public async Task A_server_failing_mid_import_stops_with_what_was_stored_and_where_to_resume()
    {
        var file = _dir.Write("orders.csv", Orders);
        var errorsOut = _dir.File("failed.csv");
        _server.FailAfterBatches = 1;

        var (exitCode, output, log) = await RunAsync("import", "orders", file, "--tenant", "demo", "--server", _server.Url, "--batch", "2", "--errors-out", errorsOut);

        Assert.Equal(1, exitCode);
        Assert.Single(_server.Batches);
        Assert.Contains("Import stopped: POST /api/v1/events: no usable answer", output);
        Assert.Contains("Rows from line 6 on were not imported.", output);
        Assert.Contains("500", log);
        // went out in the first batch; A-2 was invalid; were in the failing batch; A-6 was never read.
        Assert.Equal(5, Count(output, "rows read"));
        Assert.Equal(2, Count(output, "accepted"));
        Assert.Equal(2, Count(output, "not sent"));
        var failed = CsvReader.Read(new StringReader(File.ReadAllText(errorsOut))).Skip(1).ToList();
        Assert.Equal(["A-2", "A-4", "A-5"], failed.Select(r => r.Fields[0]));
        Assert.StartsWith("line 6, row: not sent", failed[1].Fields[^1]);
    }

    [Fact]
    public async Task A_key_of_another_tenant_stops_before_anything_is_sent()
    {
        var file = _dir.Write("orders.csv", Orders);
        _server.TenantSlug = "acme";

        var (exitCode, _, log) = await RunAsync("import", "orders", file, "--tenant", "demo", "--server", _server.Url);

        Assert.Equal(2, exitCode);
        Assert.Contains("belongs to tenant 'acme', not 'demo'", log);
        Assert.Empty(_server.Batches);
    }

    [Fact]
    public async Task A_wrong_key_is_a_configuration_error()
    {
        var file = _dir.Write("orders.csv", Orders);

        var (exitCode, _, log) = await RunAsync("import", "orders", file, "--tenant", "demo", "--server", _server.Url, "--api-key", "sk_wrong");

        Assert.Equal(2, exitCode);
        Assert.Contains("401", log);
        Assert.Empty(_server.Batches);
    }

    [Fact]
    public async Task A_dry_run_validates_without_sending()
    {
        var file = _dir.Write("orders.csv", Orders);

        var (exitCode, output, _) = await RunAsync("import", "orders", file, "--tenant", "demo", "--server", _server.Url, "--dry-run");

        Assert.Equal(1, exitCode);
        Assert.Empty(_server.Batches);
        Assert.Contains("Dry run: nothing was sent.", output);
        Assert.Equal(5, Count(output, "valid"));
        Assert.Contains("\"id\": \"import:orders:A-1:paid\"", output);
    }

    [Fact]
    public async Task A_file_without_the_required_columns_is_a_usage_error()
    {
        var file = _dir.Write("bad.csv", "foo,bar\n1,2\n");

        var (exitCode, _, log) = await RunAsync("import", "orders", file, "--tenant", "demo", "--server", _server.Url);

        Assert.Equal(2, exitCode);
        Assert.Contains("header row is required", log);
        Assert.Empty(_server.Batches);
    }

    [Fact]
    public async Task Help_and_version()
    {
        var (rootExit, rootHelp, _) = await RunAsync("--help");
        var (importExit, importHelp, _) = await RunAsync("import", "--help");
        var (versionExit, version, _) = await RunAsync("version");
        var (unknownExit, _, unknown) = await RunAsync("frobnicate");

        Assert.Equal(0, rootExit);
        Assert.Contains("siyu import orders FILE.csv --tenant SLUG", rootHelp);
        Assert.Equal(0, importExit);
        Assert.Contains("--errors-out FILE", importHelp);
        Assert.Contains("实付金额", importHelp);
        Assert.Equal(0, versionExit);
        Assert.StartsWith("siyu ", version);
        Assert.Equal(2, unknownExit);
        Assert.Contains("unknown command 'frobnicate'", unknown);
    }
}
