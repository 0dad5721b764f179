using System.Globalization;

namespace Siyu.Cli.Import;

/// <summary>A row that was not stored, with every reason found for it.</summary>
public sealed record FailedRow(CsvRecord Row, IReadOnlyList<RowError> Errors);

/// <summary>Counts and failed rows of one import run, and how they are shown to the user.</summary>
public sealed class ImportReport
{
    /// <summary>Name of the column added to --errors-out; the importer ignores it, so a fixed errors file can be imported as is.</summary>
    public const string ErrorColumn = "error";

    /// <summary>More errors than this are only counted on screen; --errors-out always has all of them.</summary>
    public const int MaxPrintedErrors = 100;

    private readonly List<FailedRow> _failed = [];
    private readonly List<CsvRecord> _unsent = [];

    /// <summary>Data rows in the file, blank lines not counted.</summary>
    public int RowsRead { get; set; }

    /// <summary>Rows refused before sending (client-side validation).</summary>
    public int Invalid { get; private set; }

    public int Sent { get; set; }
    public int Accepted { get; set; }

    /// <summary>Events the server already had (an earlier import of the same rows).</summary>
    public int Duplicates { get; set; }

    /// <summary>Events the server refused.</summary>
    public int Rejected { get; private set; }

    /// <summary>Valid rows of the batch in flight when the import stopped.</summary>
    public int NotSent => _unsent.Count;

    /// <summary>Why the import stopped early, if it did.</summary>
    public string? StoppedBecause { get; set; }

    public IReadOnlyList<FailedRow> Failed => _failed;

    public bool AllStored => StoppedBecause is null && _failed.Count == 0 && _unsent.Count == 0;

    public void AddInvalid(CsvRecord row, IReadOnlyList<RowError> errors)
    {
        Invalid++;
        _failed.Add(new FailedRow(row, errors));
    }

    public void AddRejected(CsvRecord row, IReadOnlyList<RowError> errors)
    {
        Rejected++;
        _failed.Add(new FailedRow(row, errors));
    }

    /// <summary>Rows that were valid but never reached the server because the import stopped.</summary>
    public void AddUnsent(IEnumerable<CsvRecord> rows)
    {
        _unsent.AddRange(rows);
        FirstNotImportedLine ??= _unsent.Count > 0 ? _unsent[0].LineNumber : null;
    }

    /// <summary>Where a stopped import left off; nothing from this line on was imported.</summary>
    public int? FirstNotImportedLine { get; private set; }

    public void WriteErrors(TextWriter output)
    {
        var errors = _failed.OrderBy(f => f.Row.LineNumber).SelectMany(f => f.Errors).ToList();
        if (errors.Count == 0)
        {
            return;
        }
        output.WriteLine("Errors:");
        foreach (var error in errors.Take(MaxPrintedErrors))
        {
            output.WriteLine($"  {error}");
        }
        if (errors.Count > MaxPrintedErrors)
        {
            output.WriteLine($"  ... and {errors.Count - MaxPrintedErrors} more (use --errors-out FILE.csv to get every failed row).");
        }
    }

    public void WriteSummary(TextWriter output, bool dryRun)
    {
        if (dryRun)
        {
            output.WriteLine("Dry run: nothing was sent.");
            Line(output, "rows read", RowsRead);
            Line(output, "valid", RowsRead - Invalid);
            Line(output, "invalid", Invalid);
            return;
        }
        output.WriteLine("Summary:");
        Line(output, "rows read", RowsRead);
        Line(output, "invalid", Invalid, "found before sending");
        Line(output, "sent", Sent);
        Line(output, "accepted", Accepted);
        Line(output, "duplicates", Duplicates, "already stored by an earlier import");
        Line(output, "rejected", Rejected, "refused by the server");
        if (NotSent > 0)
        {
            Line(output, "not sent", NotSent, "import stopped");
        }
        Line(output, "stored", Accepted + Duplicates, $"of {RowsRead}");
    }

    private static void Line(TextWriter output, string label, int value, string? note = null) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {label,-11} {value,8}{(note is null ? "" : $"  ({note})")}"));

    /// <summary>
    /// The failed rows as they were in the file, in file order, plus an error column. An error column
    /// already in the file (re-importing a fixed errors file) is replaced, not repeated.
    /// </summary>
    public void WriteErrorsFile(string path, IReadOnlyList<string> header)
    {
        var oldErrorColumn = header.ToList().FindIndex(h => OrderRowMapper.NormalizeHeader(h) == ErrorColumn);
        IEnumerable<string> WithoutOldError(IEnumerable<string> fields) => fields.Where((_, i) => i != oldErrorColumn);

        using var csv = CsvWriter.Create(path);
        csv.WriteRecord([.. WithoutOldError(header), ErrorColumn]);
        var rows = _failed.Select(f => (f.Row, Error: string.Join("; ", f.Errors)))
            .Concat(_unsent.Select(r => (Row: r, Error: $"line {r.LineNumber}, row: not sent ({StoppedBecause})")))
            .OrderBy(r => r.Row.LineNumber);
        foreach (var (row, error) in rows)
        {
            // Padding short rows keeps the error in its own column.
            var fields = row.Fields.Concat(Enumerable.Repeat("", Math.Max(0, header.Count - row.Fields.Count)));
            csv.WriteRecord([.. WithoutOldError(fields), error]);
        }
    }
}
