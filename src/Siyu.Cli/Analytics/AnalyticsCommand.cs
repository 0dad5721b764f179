using System.Globalization;
using Siyu.Cli.Import;
using Siyu.Core.Analytics;

namespace Siyu.Cli.Analytics;

/// <summary>
/// <c>siyu analytics markov|heuristic|rfm</c>: attribution and RFM over files, offline (no server). Results go to stdout
/// as CSV, problems to stderr with line numbers. Exit codes: 0 done, 1 bad rows (nothing printed; <c>--skip-bad-rows</c>
/// prints the result of the good rows and exits 0), 2 usage errors.
/// </summary>
public static class AnalyticsCommand
{
    public const string Help = """
        Usage:
          siyu analytics markov    --input FILE [--sep ';'] [--path-sep ' > '] [--order 1] [--skip-bad-rows]
          siyu analytics heuristic --input FILE [--sep ';'] [--path-sep ' > '] [--skip-bad-rows]
          siyu analytics rfm       --orders FILE --as-of YYYY-MM-DD [--sep ','] [--skip-bad-rows]

        markov, heuristic: a CSV with the header columns path, total_conversions and optionally
        total_conversion_value and total_null (other columns are ignored). --sep is the column separator
        (';' by default; ',' is detected when the header uses it); --path-sep separates channels in a path
        (' > '; 'a>b' also splits). markov collapses consecutive repeats (a > a > b is a > b), builds the
        order-k chain (--order 1 to 4) and solves it exactly; it prints
          channel_name,total_conversions,total_conversion_value,removal_effect
        heuristic prints
          channel_name,first_touch_conversions,first_touch_value,last_touch_conversions,last_touch_value,linear_touch_conversions,linear_touch_value
        (linear splits each path's conversions over all its touches, repeats included). Rows are sorted by
        channel name.

        rfm: a CSV with customer_id,order_id,order_date,amount (a negative amount is a refund; order_date is
        YYYY-MM-DD, a time after it is ignored). Prints
          customer_id,recency_days,frequency,monetary,r_score,f_score,m_score,segment
        Recency: days from the last paid order to --as-of; frequency: distinct paid order ids; monetary: net
        of refunds. Scores 1-5 by quintiles of the customers with a paid order (equal values share a score:
        1 + floor(5 x customers strictly worse / customers)); customers without one have empty recency,
        scores 0 and the segment 无购买客户. Orders after --as-of are ignored.

        Exit codes: 0 done; 1 malformed rows (reported on stderr as 'line N: reason', nothing printed)
        unless --skip-bad-rows; 2 usage errors.
        """;

    private const int MaxReportedErrors = 100;

    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken)
    {
        if (args.Length == 0 || args.Any(a => a is "-h" or "--help") || args[0] == "help")
        {
            await (args.Length == 0 ? context.Err : context.Out).WriteLineAsync(Help);
            return args.Length == 0 ? RootCommand.UsageError : RootCommand.Success;
        }
        if (!Options.TryParse(args[1..], out var options, out var usage))
        {
            await context.Err.WriteLineAsync($"error: {usage}\nRun 'siyu analytics --help'.");
            return RootCommand.UsageError;
        }
        try
        {
            return args[0] switch
            {
                "markov" or "heuristic" => await AttributionAsync(args[0], options, context, cancellationToken),
                "rfm" => await RfmAsync(options, context, cancellationToken),
                _ => await UsageAsync(context, $"unknown analysis '{args[0]}': markov, heuristic or rfm."),
            };
        }
        catch (FileNotFoundException e)
        {
            return await UsageAsync(context, $"file not found: {e.FileName}");
        }
        catch (DirectoryNotFoundException e)
        {
            return await UsageAsync(context, e.Message);
        }
    }

    private static async Task<int> UsageAsync(CliContext context, string message)
    {
        await context.Err.WriteLineAsync($"error: {message}");
        return RootCommand.UsageError;
    }

    private sealed class Options
    {
        public string? Input;
        public string? Orders;
        public char? Separator;
        public string PathSeparator = " > ";
        public int Order = 1;
        public DateOnly? AsOf;
        public bool SkipBadRows;

        public static bool TryParse(string[] args, out Options options, out string error)
        {
            options = new Options();
            error = "";
            for (var i = 0; i < args.Length; i++)
            {
                var name = args[i];
                if (name == "--skip-bad-rows")
                {
                    options.SkipBadRows = true;
                    continue;
                }
                if (i + 1 >= args.Length)
                {
                    error = $"{name} needs a value.";
                    return false;
                }
                var value = args[++i];
                switch (name)
                {
                    case "--input":
                        options.Input = value;
                        break;
                    case "--orders":
                        options.Orders = value;
                        break;
                    case "--sep":
                        var sep = value == "\\t" ? "\t" : value;
                        if (sep.Length != 1 || sep[0] is '"' or '\r' or '\n')
                        {
                            error = "--sep is one character, such as ';' or ','.";
                            return false;
                        }
                        options.Separator = sep[0];
                        break;
                    case "--path-sep":
                        if (value.Length == 0)
                        {
                            error = "--path-sep must not be empty.";
                            return false;
                        }
                        options.PathSeparator = value;
                        break;
                    case "--order":
                        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out options.Order) || options.Order is < 1 or > MarkovAttribution.MaxOrder)
                        {
                            error = $"--order is 1 to {MarkovAttribution.MaxOrder}.";
                            return false;
                        }
                        break;
                    case "--as-of":
                        if (!DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var asOf))
                        {
                            error = "--as-of is a date YYYY-MM-DD.";
                            return false;
                        }
                        options.AsOf = asOf;
                        break;
                    default:
                        error = $"unknown option {name}.";
                        return false;
                }
            }
            return true;
        }
    }

    private static async Task<int> AttributionAsync(string model, Options options, CliContext context, CancellationToken cancellationToken)
    {
        if (options.Input is null)
        {
            return await UsageAsync(context, "--input FILE is required.");
        }
        if (model == "heuristic" && options.Order != 1)
        {
            return await UsageAsync(context, "--order applies to markov only.");
        }
        var separator = options.Separator ?? DetectSeparator(options.Input, ["path", "total_conversions"], ';');
        var paths = new AttributionPaths();
        var errors = new List<string>();
        using (var reader = CsvReader.OpenFile(options.Input, out _))
        {
            int path = -1, conversions = -1, value = -1, nulls = -1;
            var header = true;
            foreach (var record in ReadRecords(reader, separator, errors))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (header)
                {
                    header = false;
                    var names = record.Fields.Select(f => f.Trim().ToLowerInvariant()).ToList();
                    (path, conversions, value, nulls) = (names.IndexOf("path"), names.IndexOf("total_conversions"), names.IndexOf("total_conversion_value"), names.IndexOf("total_null"));
                    if (path < 0 || conversions < 0)
                    {
                        return await UsageAsync(context,
                            $"the header needs the columns path and total_conversions (found: {string.Join(", ", record.Fields)}; separator '{separator}', set another with --sep).");
                    }
                    continue;
                }
                if (record.IsBlank)
                {
                    continue;
                }
                if (record.Fields.Count <= Math.Max(Math.Max(path, conversions), Math.Max(value, nulls)))
                {
                    errors.Add($"line {record.LineNumber}: expected at least {Math.Max(Math.Max(path, conversions), Math.Max(value, nulls)) + 1} columns, found {record.Fields.Count}.");
                    continue;
                }
                var problems = new List<string>();
                var c = Number(record, conversions, "total_conversions", required: true, problems);
                var v = value >= 0 ? Number(record, value, "total_conversion_value", required: false, problems) : 0;
                var n = nulls >= 0 ? Number(record, nulls, "total_null", required: false, problems) : 0;
                string[]? touches = null;
                try
                {
                    touches = AttributionPaths.Split(record.Fields[path], options.PathSeparator);
                }
                catch (FormatException e)
                {
                    problems.Add($"path: {e.Message}");
                }
                if (problems.Count > 0)
                {
                    errors.Add($"line {record.LineNumber}: {string.Join("; ", problems)}.");
                    continue;
                }
                paths.Add(touches!, c, v, n);
            }
            if (header)
            {
                return await UsageAsync(context, "the file is empty (a header row is required).");
            }
        }
        if (!await ReportAsync(errors, options.SkipBadRows, context))
        {
            return RootCommand.PartialFailure;
        }
        var output = context.Out;
        if (model == "markov")
        {
            var result = MarkovAttribution.Compute(paths, options.Order);
            await output.WriteAsync("channel_name,total_conversions,total_conversion_value,removal_effect\n");
            foreach (var credit in result.Channels)
            {
                await output.WriteAsync($"{CsvWriter.Escape(credit.Channel)},{F(credit.Conversions)},{F(credit.Value)},{F(credit.RemovalEffect)}\n");
            }
        }
        else
        {
            await output.WriteAsync("channel_name,first_touch_conversions,first_touch_value,last_touch_conversions,last_touch_value,linear_touch_conversions,linear_touch_value\n");
            foreach (var c in HeuristicAttribution.Compute(paths))
            {
                await output.WriteAsync($"{CsvWriter.Escape(c.Channel)},{F(c.FirstTouchConversions)},{F(c.FirstTouchValue)},{F(c.LastTouchConversions)},{F(c.LastTouchValue)},{F(c.LinearConversions)},{F(c.LinearValue)}\n");
            }
        }
        await output.FlushAsync(cancellationToken);
        return RootCommand.Success;
    }

    private static async Task<int> RfmAsync(Options options, CliContext context, CancellationToken cancellationToken)
    {
        if (options.Orders is null || options.AsOf is null)
        {
            return await UsageAsync(context, "--orders FILE and --as-of YYYY-MM-DD are required.");
        }
        var separator = options.Separator ?? ',';
        var orders = new RfmOrders(options.AsOf.Value);
        var errors = new List<string>();
        using (var reader = CsvReader.OpenFile(options.Orders, out _))
        {
            int customer = -1, order = -1, date = -1, amount = -1;
            var header = true;
            foreach (var record in ReadRecords(reader, separator, errors))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (header)
                {
                    header = false;
                    var names = record.Fields.Select(f => f.Trim().ToLowerInvariant()).ToList();
                    (customer, order, date, amount) = (names.IndexOf("customer_id"), names.IndexOf("order_id"), names.IndexOf("order_date"), names.IndexOf("amount"));
                    if (customer < 0 || order < 0 || date < 0 || amount < 0)
                    {
                        return await UsageAsync(context, $"the header needs the columns customer_id, order_id, order_date and amount (found: {string.Join(", ", record.Fields)}).");
                    }
                    continue;
                }
                if (record.IsBlank)
                {
                    continue;
                }
                var last = new[] { customer, order, date, amount }.Max();
                if (record.Fields.Count <= last)
                {
                    errors.Add($"line {record.LineNumber}: expected at least {last + 1} columns, found {record.Fields.Count}.");
                    continue;
                }
                var problems = new List<string>();
                var customerId = record.Fields[customer].Trim();
                var orderId = record.Fields[order].Trim();
                if (customerId.Length == 0)
                {
                    problems.Add("customer_id: empty");
                }
                if (orderId.Length == 0)
                {
                    problems.Add("order_id: empty");
                }
                var dateText = record.Fields[date].Trim();
                if (dateText.Length < 10 || !DateOnly.TryParseExact(dateText[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
                    || (dateText.Length > 10 && dateText[10] is not (' ' or 'T')))
                {
                    problems.Add($"order_date: not a date YYYY-MM-DD ('{dateText}')");
                    day = default;
                }
                if (!decimal.TryParse(record.Fields[amount].Trim(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var money))
                {
                    problems.Add($"amount: not a number ('{record.Fields[amount].Trim()}')");
                }
                if (problems.Count > 0)
                {
                    errors.Add($"line {record.LineNumber}: {string.Join("; ", problems)}.");
                    continue;
                }
                orders.Add(customerId, orderId, day, money);
            }
            if (header)
            {
                return await UsageAsync(context, "the file is empty (a header row is required).");
            }
        }
        if (!await ReportAsync(errors, options.SkipBadRows, context))
        {
            return RootCommand.PartialFailure;
        }
        var values = orders.Values();
        var scores = Rfm.Score(values);
        var output = context.Out;
        await output.WriteAsync("customer_id,recency_days,frequency,monetary,r_score,f_score,m_score,segment\n");
        for (var i = 0; i < values.Length; i++)
        {
            var v = values[i];
            var s = scores[i];
            var recency = v.RecencyDays < 0 ? "" : v.RecencyDays.ToString(CultureInfo.InvariantCulture);
            var monetary = (v.MonetaryCents / 100m).ToString("0.00", CultureInfo.InvariantCulture);
            await output.WriteAsync($"{CsvWriter.Escape(orders.Customers[i])},{recency},{v.Frequency},{monetary},{s.R},{s.F},{s.M},{s.Segment}\n");
        }
        await output.FlushAsync(cancellationToken);
        return RootCommand.Success;
    }

    /// <summary>Records, turning a CSV syntax error (an unclosed quote) into a reported error instead of a crash.</summary>
    private static IEnumerable<CsvRecord> ReadRecords(TextReader reader, char separator, List<string> errors)
    {
        using var records = CsvReader.Read(reader, separator).GetEnumerator();
        while (true)
        {
            try
            {
                if (!records.MoveNext())
                {
                    yield break;
                }
            }
            catch (CsvFormatException e)
            {
                errors.Add($"line {e.LineNumber}: {e.Reason}");
                yield break;
            }
            yield return records.Current;
        }
    }

    private static async Task<bool> ReportAsync(List<string> errors, bool skip, CliContext context)
    {
        foreach (var e in errors.Take(MaxReportedErrors))
        {
            await context.Err.WriteLineAsync((skip ? "skipped " : "") + e);
        }
        if (errors.Count > MaxReportedErrors)
        {
            await context.Err.WriteLineAsync($"… and {errors.Count - MaxReportedErrors} more bad rows.");
        }
        if (errors.Count > 0 && !skip)
        {
            await context.Err.WriteLineAsync($"{errors.Count} bad row(s); nothing computed. Fix them, or pass --skip-bad-rows to leave them out.");
            return false;
        }
        return true;
    }

    private static double Number(CsvRecord record, int column, string name, bool required, List<string> problems)
    {
        var text = record.Fields[column].Trim();
        if (text.Length == 0)
        {
            if (required)
            {
                problems.Add($"{name}: empty");
            }
            return 0;
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value < 0)
        {
            problems.Add($"{name}: not a number ≥ 0 ('{text}')");
            return 0;
        }
        return value;
    }

    /// <summary>';' unless the header splits into the needed columns only with ','.</summary>
    private static char DetectSeparator(string file, string[] needed, char fallback)
    {
        using var reader = CsvReader.OpenFile(file, out _);
        var header = (reader.ReadLine() ?? "").TrimStart('\uFEFF').ToLowerInvariant();
        foreach (var candidate in new[] { fallback, ',', '\t' })
        {
            var names = header.Split(candidate).Select(n => n.Trim().Trim('"')).ToHashSet();
            if (needed.All(names.Contains))
            {
                return candidate;
            }
        }
        return fallback;
    }

    /// <summary>Up to 15 decimals, no exponent, invariant culture.</summary>
    private static string F(double value) => (Math.Abs(value) < 5e-16 ? 0 : value).ToString("0.###############", CultureInfo.InvariantCulture);
}
