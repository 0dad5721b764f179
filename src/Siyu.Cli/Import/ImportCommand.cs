using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Siyu.Cli.Import;

/// <summary>
/// <c>siyu import orders FILE.csv --tenant T</c>: checks the key's tenant, validates every row, sends the
/// good ones in batches and reports each failed row by line and column. Safe to re-run: event ids are
/// derived from the order id, so rows stored before count as duplicates.
/// </summary>
public static class ImportCommand
{
    public const string Help = """
        Usage: siyu import orders FILE.csv --tenant SLUG [options]

        Imports orders from a CSV file as order.paid / order.refunded events.
        Re-importing a file is safe: every row gets the event id
        import:orders:<order_id>:<paid|refunded>, so rows stored before are counted as
        duplicates and not stored twice.

        Options:
          --tenant SLUG        Required. Must be the tenant of the API key; guards against
                               importing into the wrong tenant.
          --server URL         Siyu server (default: $SIYU_SERVER, else http://127.0.0.1:5080)
          --api-key KEY        Ingest API key (default: $SIYU_API_KEY)
          --batch N            Events per request, 1-1000 (default 500)
          --dry-run            Only read and validate the file; contacts no server
          --errors-out FILE    Write the failed rows plus an 'error' column to FILE (UTF-8 CSV)
          -h, --help           Show this help

        CSV: UTF-8 (BOM optional) or GB18030; first row is the header; names are
        case-insensitive, English or Chinese:
          order_id         订单号, 订单编号     required
          paid_at          支付时间, 付款时间   required: 2026-11-25 10:00:00, 2026/11/25 10:00,
                                               2026-11-25 (China time, +08:00) or ISO-8601
                                               with an offset (2026-11-25T02:00:00Z)
          amount           金额, 实付金额       required: yuan, >= 0, e.g. 1299.00 or ¥1,299.00
          status           状态, 订单状态       paid/已支付 (default) or refunded/已退款
          category         品类
          name             姓名                 stored as the customer's name
          identifiers (at least one per row):
          phone            手机号, 手机号码
          external_userid, unionid, email (邮箱)
          platform_id      e.g. taobao:buyer123
          platform + buyer_id (平台 + 买家ID)    builds platform_id "platform:buyer_id"
        Other columns are ignored.

        Exit codes: 0 every row stored, 1 some rows failed, 2 usage or configuration
        error (nothing was sent).
        """;

    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken)
    {
        if (args.Length == 0 || args.Any(a => a is "-h" or "--help") || args[0] == "help")
        {
            await (args.Length == 0 ? context.Err : context.Out).WriteLineAsync(Help);
            return args.Length == 0 ? RootCommand.UsageError : RootCommand.Success;
        }
        if (args[0] != "orders")
        {
            return await UsageErrorAsync(context, $"unknown import kind '{args[0]}'; only 'orders' can be imported.");
        }
        var options = ImportOptions.Parse(args[1..], context.GetEnvironmentVariable, out var error);
        if (options is null)
        {
            return await UsageErrorAsync(context, error!);
        }
        if (!File.Exists(options.File))
        {
            return await UsageErrorAsync(context, $"file not found: {options.File}");
        }

        using var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.UserAgent.ParseAdd($"siyu-cli/{RootCommand.Version.Split('+')[0]}");
        return await RunAsync(options, http, context, cancellationToken);
    }

    /// <summary>Runs a parsed import with the given HttpClient.</summary>
    public static async Task<int> RunAsync(ImportOptions options, HttpClient http, CliContext context, CancellationToken cancellationToken)
    {
        var output = context.Out;
        var log = context.Err;

        StreamReader reader;
        Encoding encoding;
        try
        {
            reader = CsvReader.OpenFile(options.File, out encoding);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return await UsageErrorAsync(context, $"cannot read {options.File}: {e.Message}");
        }

        using (reader)
        {
            using var records = CsvReader.Read(reader).GetEnumerator();
            OrderRowMapper mapper;
            try
            {
                var header = NextNonBlank(records);
                if (header is null)
                {
                    return await UsageErrorAsync(context, $"{options.File} is empty; a header row is required.");
                }
                mapper = OrderRowMapper.FromHeader(header.Fields, Path.GetFileName(options.File));
            }
            catch (Exception e) when (e is HeaderException or CsvFormatException)
            {
                return await UsageErrorAsync(context, $"{options.File}: {e.Message}");
            }

            if (encoding.CodePage != Encoding.UTF8.CodePage)
            {
                await log.WriteLineAsync($"note: {Path.GetFileName(options.File)} is not UTF-8; reading it as {encoding.WebName}.");
            }
            if (mapper.IgnoredColumns.Count > 0)
            {
                await log.WriteLineAsync($"note: ignoring column(s) {string.Join(", ", mapper.IgnoredColumns.Select(c => $"'{c}'"))}.");
            }

            ImportClient? client = null;
            if (!options.DryRun)
            {
                client = new ImportClient(http, options.Server, options.ApiKey!,
                    new RetryPolicy { Delay = context.Delay }, context.Time, message => log.WriteLine(message));
                TenantInfo tenant;
                try
                {
                    tenant = await client.GetTenantAsync(cancellationToken);
                }
                catch (ServerException e)
                {
                    return await ConfigurationErrorAsync(context, e.Message);
                }
                if (!string.Equals(tenant.Slug, options.Tenant, StringComparison.Ordinal))
                {
                    return await ConfigurationErrorAsync(context,
                        $"the API key belongs to tenant '{tenant.Slug}', not '{options.Tenant}'. Nothing was imported. Use the key of tenant '{options.Tenant}' or pass --tenant {tenant.Slug}.");
                }
                await log.WriteLineAsync($"Importing {Path.GetFileName(options.File)} into tenant '{tenant.Slug}' at {options.Server}");
            }

            var report = new ImportReport();
            await ImportRowsAsync(records, mapper, client, options, report, context, cancellationToken);

            report.WriteErrors(output);
            if (report.StoppedBecause is not null)
            {
                await output.WriteLineAsync($"Import stopped: {report.StoppedBecause}");
                if (report.FirstNotImportedLine is { } line)
                {
                    await output.WriteLineAsync($"Rows from line {line} on were not imported.");
                }
                await output.WriteLineAsync("Running the same command again is safe: rows already stored are counted as duplicates.");
            }
            report.WriteSummary(output, options.DryRun);
            if (options.ErrorsOut is not null)
            {
                // Written even when nothing failed, so a file left from an earlier run never suggests that those rows still fail.
                try
                {
                    report.WriteErrorsFile(options.ErrorsOut, mapper.Header);
                    await output.WriteLineAsync($"{report.Failed.Count + report.NotSent} failed row(s) written to {options.ErrorsOut}");
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    await log.WriteLineAsync($"error: cannot write {options.ErrorsOut}: {e.Message}");
                }
            }
            return report.AllStored ? RootCommand.Success : RootCommand.PartialFailure;
        }
    }

    /// <summary>Reads, validates and (unless a dry run) sends the data rows, booking every row in the report.</summary>
    private static async Task ImportRowsAsync(IEnumerator<CsvRecord> records, OrderRowMapper mapper, ImportClient? client,
        ImportOptions options, ImportReport report, CliContext context, CancellationToken cancellationToken)
    {
        var batch = new List<OrderEvent>(options.BatchSize);
        var batchNumber = 0;
        var rowErrors = new List<RowError>();
        OrderEvent? sample = null;
        try
        {
            while (true)
            {
                CsvRecord? row;
                try
                {
                    row = NextNonBlank(records);
                }
                catch (CsvFormatException e)
                {
                    // Everything after an unclosed quote is swallowed into one field; nothing further can be trusted.
                    report.RowsRead++;
                    report.AddInvalid(new CsvRecord(e.LineNumber, []), [new RowError(e.LineNumber, "row", e.Reason + " The rest of the file was not read")]);
                    break;
                }
                if (row is null)
                {
                    break;
                }
                cancellationToken.ThrowIfCancellationRequested();
                report.RowsRead++;
                rowErrors.Clear();
                var mapped = mapper.Map(row, context.Time.GetUtcNow(), rowErrors);
                if (mapped is null)
                {
                    report.AddInvalid(row, rowErrors.ToArray());
                    continue;
                }
                sample ??= mapped;
                if (client is null)
                {
                    continue;
                }
                batch.Add(mapped);
                if (batch.Count == options.BatchSize)
                {
                    if (!await SendAsync(client, ++batchNumber, batch, mapper, report, context, cancellationToken))
                    {
                        return;
                    }
                    batch.Clear();
                }
            }

            if (client is not null && batch.Count > 0)
            {
                await SendAsync(client, ++batchNumber, batch, mapper, report, context, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            report.StoppedBecause = "cancelled";
            report.AddUnsent(batch.Select(b => b.Row));
            return;
        }

        if (options.DryRun && sample is not null)
        {
            await context.Out.WriteLineAsync($"First event (line {sample.Row.LineNumber}):");
            await context.Out.WriteLineAsync(sample.Json.ToJsonString(SampleJson));
        }
    }

    private static readonly JsonSerializerOptions SampleJson = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Sends one batch and books each outcome against its CSV row. Returns false when the import must stop.</summary>
    private static async Task<bool> SendAsync(ImportClient client, int number, List<OrderEvent> batch, OrderRowMapper mapper,
        ImportReport report, CliContext context, CancellationToken cancellationToken)
    {
        EventOutcome[] outcomes;
        try
        {
            outcomes = await client.SendBatchAsync(batch.Select(e => e.Json).ToList(), cancellationToken);
        }
        catch (Exception e) when (e is ServerException || (e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            report.StoppedBecause = e is ServerException ? e.Message : "cancelled";
            report.AddUnsent(batch.Select(b => b.Row));
            return false;
        }

        report.Sent += batch.Count;
        int accepted = 0, duplicates = 0, rejected = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            switch (outcomes[i])
            {
                case StoredOutcome { Duplicate: true }:
                    duplicates++;
                    break;
                case StoredOutcome:
                    accepted++;
                    break;
                case RejectedOutcome r:
                    rejected++;
                    var line = batch[i].Row.LineNumber;
                    var errors = r.Errors.Count == 0
                        ? [new RowError(line, "row", "rejected by the server without a reason")]
                        : r.Errors.Select(e => new RowError(line, mapper.LabelForEventPath(e.Path), e.Message)).ToArray();
                    report.AddRejected(batch[i].Row, errors);
                    break;
            }
        }
        report.Accepted += accepted;
        report.Duplicates += duplicates;
        await context.Err.WriteLineAsync(
            $"batch {number}: lines {batch[0].Row.LineNumber}-{batch[^1].Row.LineNumber}, {batch.Count} events: {accepted} accepted, {duplicates} duplicates, {rejected} rejected");
        return true;
    }

    private static CsvRecord? NextNonBlank(IEnumerator<CsvRecord> records)
    {
        while (records.MoveNext())
        {
            if (!records.Current.IsBlank)
            {
                return records.Current;
            }
        }
        return null;
    }

    private static async Task<int> UsageErrorAsync(CliContext context, string message)
    {
        await context.Err.WriteLineAsync($"error: {message}");
        await context.Err.WriteLineAsync("Run 'siyu import --help' for usage.");
        return RootCommand.UsageError;
    }

    private static async Task<int> ConfigurationErrorAsync(CliContext context, string message)
    {
        await context.Err.WriteLineAsync($"error: {message}");
        return RootCommand.UsageError;
    }
}
