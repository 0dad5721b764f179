using System.Globalization;

namespace Siyu.Cli.Tests;

/// <summary><c>siyu analytics markov|heuristic|rfm</c> in-process, on files, against hand-computed answers.</summary>
public sealed class AnalyticsCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static async Task<(int ExitCode, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var code = await RootCommand.RunAsync(args, new CliContext { Out = output, Err = errors }, CancellationToken.None);
        return (code, output.ToString(), errors.ToString());
    }

    private static Dictionary<string, double[]> Rows(string csv) => csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
        .Select(l => l.Split(','))
        .ToDictionary(f => f[0], f => f[1..].Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray());

    [Fact]
    public async Task Markov_prints_each_channels_conversions_value_and_removal_effect()
    {
        // start→搜索 2/3, start→直播 1/3; 搜索→直播 1/2, 搜索→null 1/2; 直播→conversion. P = 2/3; without 搜索 1/3, without 直播 0.
        var file = _dir.Write("paths.csv", "path;total_conversions;total_conversion_value;total_null\n搜索 > 直播;1;100;0\n搜索 > 搜索;0;0;1\n直播;1;50;0\n");
        var (code, output, errors) = await RunAsync("analytics", "markov", "--input", file);
        Assert.True(code == 0, errors);
        Assert.StartsWith("channel_name,total_conversions,total_conversion_value,removal_effect\n", output, StringComparison.Ordinal);
        var rows = Rows(output);
        Assert.Equal(["搜索", "直播"], rows.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(2.0 / 3, rows["搜索"][0], 12);
        Assert.Equal(50, rows["搜索"][1], 9);
        Assert.Equal(0.5, rows["搜索"][2], 12);
        Assert.Equal(4.0 / 3, rows["直播"][0], 12);
        Assert.Equal(1, rows["直播"][2], 12);
        Assert.Equal(2, rows.Values.Sum(r => r[0]), 12);
    }

    [Fact]
    public async Task Markov_of_order_two_and_a_comma_separated_file_without_the_optional_columns()
    {
        var file = _dir.Write("paths.csv", "path,total_conversions\na > b,1\nc > b,0\nc,0\n");
        // Without a total_null column, paths with no conversions carry no customers: only a > b is in the chain, so a
        // and b are each indispensable and c earns nothing.
        var (code, output, errors) = await RunAsync("analytics", "markov", "--input", file, "--order", "2");
        Assert.True(code == 0, errors);
        var rows = Rows(output);
        Assert.Equal(0.5, rows["a"][0], 12);
        Assert.Equal(0.5, rows["b"][0], 12);
        Assert.Equal(0, rows["c"][0], 12);
    }

    [Fact]
    public async Task Heuristic_prints_first_last_and_linear_touch()
    {
        var file = _dir.Write("paths.csv", "path;total_conversions;total_conversion_value\na > a > b;3;300\nb>c;1;50\n");
        var (code, output, errors) = await RunAsync("analytics", "heuristic", "--input", file);
        Assert.True(code == 0, errors);
        Assert.StartsWith("channel_name,first_touch_conversions,first_touch_value,last_touch_conversions,last_touch_value,linear_touch_conversions,linear_touch_value\n", output, StringComparison.Ordinal);
        var rows = Rows(output);
        Assert.Equal([3, 300, 0, 0, 2, 200], rows["a"]);
        Assert.Equal([1, 50, 3, 300, 1.5, 125], rows["b"]);
        Assert.Equal([0, 0, 1, 50, 0.5, 25], rows["c"]);
    }

    [Fact]
    public async Task Bad_rows_are_reported_by_line_and_nothing_is_printed_unless_skipped()
    {
        var file = _dir.Write("paths.csv", "path;total_conversions;total_null\na > b;2;1\n;1;0\nc;-1;0\nd;1;zwei\n");
        var (code, output, errors) = await RunAsync("analytics", "markov", "--input", file);
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Contains("line 3: path: the path is empty", errors, StringComparison.Ordinal);
        Assert.Contains("line 4: total_conversions", errors, StringComparison.Ordinal);
        Assert.Contains("line 5: total_null", errors, StringComparison.Ordinal);

        (code, output, errors) = await RunAsync("analytics", "markov", "--input", file, "--skip-bad-rows");
        Assert.Equal(0, code);
        Assert.Equal(2, Rows(output).Values.Sum(r => r[0]), 12);
        Assert.Contains("skipped line 3", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Usage_errors_exit_with_two()
    {
        Assert.Equal(2, (await RunAsync("analytics", "markov")).ExitCode);
        Assert.Equal(2, (await RunAsync("analytics", "markov", "--input", _dir.File("missing.csv"))).ExitCode);
        Assert.Equal(2, (await RunAsync("analytics", "markov", "--input", _dir.Write("x.csv", "a;b\n1;2\n"))).ExitCode);
        Assert.Equal(2, (await RunAsync("analytics", "markov", "--input", _dir.Write("y.csv", "path;total_conversions\na;1\n"), "--order", "9")).ExitCode);
        Assert.Equal(2, (await RunAsync("analytics", "rfm", "--orders", _dir.Write("z.csv", "customer_id,order_id,order_date,amount\n"), "--as-of", "2026/11/30")).ExitCode);
        Assert.Equal(2, (await RunAsync("analytics", "funnel")).ExitCode);
        var (code, output, _) = await RunAsync("analytics", "--help");
        Assert.Equal(0, code);
        Assert.Contains("siyu analytics markov", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rfm_scores_customers_by_quintiles_as_of_a_day()
    {
        // Five customers with distinct recency, frequency and spend; one who only has a refund.
        var lines = new List<string> { "customer_id,order_id,order_date,amount" };
        for (var i = 1; i <= 5; i++)
        {
            for (var k = 0; k < i; k++)
            {
                lines.Add($"客户{i},o{i}-{k},2026-11-{20 + i - k:D2},{i * 10}");
            }
        }
        lines.Add("客户1,o1-0,2026-11-22,-5");       // partial refund of its only order
        lines.Add("客户6,o6,2026-11-01,-30");         // a refund without an order
        lines.Add("客户5,o5-late,2026-12-05,999");   // after the as-of day
        var file = _dir.Write("orders.csv", string.Join("\n", lines) + "\n");
        var (code, output, errors) = await RunAsync("analytics", "rfm", "--orders", file, "--as-of", "2026-11-30");
        Assert.True(code == 0, errors);
        var rows = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("customer_id,recency_days,frequency,monetary,r_score,f_score,m_score,segment", rows[0]);
        // 客户i's last order is on 11-(20+i): recency 10 − i; i orders of 10·i yuan.
        Assert.Equal("客户1,9,1,5.00,1,1,1,一般挽留客户", rows[1]);
        Assert.Equal("客户3,7,3,90.00,3,3,3,重要价值客户", rows[3]);
        Assert.Equal("客户5,5,5,250.00,5,5,5,重要价值客户", rows[5]);
        Assert.Equal("客户6,,0,-30.00,0,0,0,无购买客户", rows[6]);
        Assert.Equal(7, rows.Length);
    }
}
