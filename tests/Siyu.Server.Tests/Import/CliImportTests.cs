using System.Text;
using Siyu.Cli;

namespace Siyu.Server.Tests.Import;

/// <summary>`siyu import orders` against a real server process over loopback HTTP.</summary>
public sealed class CliImportTests
{
    [Fact]
    public async Task Import_keeps_good_rows_reports_bad_ones_and_is_idempotent()
    {
        var data = Path.Combine(Path.GetTempPath(), "siyu-tests", "import-" + Guid.NewGuid().ToString("N"));
        await using var server = await ServerProcess.StartAsync(data);
        var csv = Path.Combine(data, "orders.csv");
        await File.WriteAllTextAsync(csv, """
            订单号,支付时间,实付金额,品类,手机号,姓名,状态
            TB1001,2026-10-01 10:00:00,"¥1,299.00",母婴,13812345678,赵敏,已支付
            TB1002,2026-10-05 12:30:00,100,美妆,+86 138-1234-5678,,已支付
            TB1003,2026-10-06 09:00:00,abc,美妆,13812345678,,已支付
            TB1002,2026-10-07 08:00:00,100,美妆,13812345678,,已退款
            """, new UTF8Encoding(true));

        var (exit, output) = await RunAsync("import", "orders", csv, "--tenant", "demo", "--server", server.BaseUrl, "--api-key", ServerProcess.ApiKey);
        Assert.Equal(RootCommand.PartialFailure, exit);
        Assert.Contains("line 4", output);

        using var api = server.ApiClient();
        var found = await Json.EventuallyAsync(() => api.GetJsonOrNull("/api/v1/customers?q=13812345678"), r => r["items"]!.AsArray().Count == 1);
        var id = found["items"]![0]!["id"]!.GetValue<long>();
        var customer = await Json.EventuallyAsync(() => api.GetJsonOrNull($"/api/v1/customers/{id}"), c => c["refunded"]!.GetValue<decimal>() == 100m);
        Assert.Equal(2, customer["orders"]!.GetValue<int>());
        Assert.Equal(1399m, customer["spend"]!.GetValue<decimal>());
        Assert.Equal("赵敏", customer["name"]!.GetValue<string>());

        var orders = (await api.GetJsonOrNull($"/api/v1/customers/{id}/orders"))!.AsArray();
        Assert.Equal(["TB1002", "TB1001"], orders.Select(o => o!["order_id"]!.GetValue<string>()));
        Assert.Equal(0m, orders[0]!["net"]!.GetValue<decimal>());
        Assert.Equal(1299m, orders[1]!["amount"]!.GetValue<decimal>());
        Assert.Equal("母婴", orders[1]!["category"]!.GetValue<string>());

        // Importing the same file again stores nothing new. (The timeline also gets what others derive from the orders,
        // e.g. the loyalty worker's points.changed, whenever they run: only the order events are the import's.)
        var (again, report) = await RunAsync("import", "orders", csv, "--tenant", "demo", "--server", server.BaseUrl, "--api-key", ServerProcess.ApiKey);
        Assert.Equal(RootCommand.PartialFailure, again);
        Assert.Matches(@"duplicates\s+3\b", report);
        var timeline = (await api.GetJsonOrNull($"/api/v1/customers/{id}/events"))!.AsArray();
        var orderEvents = timeline.Select(e => e!["type"]!.GetValue<string>()).Where(t => t.StartsWith("order.", StringComparison.Ordinal)).ToList();
        Assert.Equal(["order.paid", "order.paid", "order.refunded"], orderEvents.Order());

        var (wrongTenant, message) = await RunAsync("import", "orders", csv, "--tenant", "other", "--server", server.BaseUrl, "--api-key", ServerProcess.ApiKey);
        Assert.Equal(RootCommand.UsageError, wrongTenant);
        Assert.Contains("demo", message);
    }

    private static async Task<(int Exit, string Output)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var exit = await RootCommand.RunAsync(args, new CliContext { Out = output, Err = output }, CancellationToken.None);
        return (exit, output.ToString());
    }
}
