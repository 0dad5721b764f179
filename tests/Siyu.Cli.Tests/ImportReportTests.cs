using Siyu.Cli.Import;

namespace Siyu.Cli.Tests;

public sealed class ImportReportTests
{
    [Fact]
    public void The_errors_file_replaces_an_error_column_from_an_earlier_run_and_pads_short_rows()
    {
        using var dir = new TempDirectory();
        var path = dir.File("failed.csv");
        var report = new ImportReport();
        report.AddInvalid(new CsvRecord(3, ["A-2", "old reason", "abc"]), [new RowError(3, "amount", "not a number ('abc')")]);
        report.AddInvalid(new CsvRecord(2, ["A-1"]), [new RowError(2, "amount", "required"), new RowError(2, "phone", "too long")]);

        report.WriteErrorsFile(path, ["order_id", "error", "amount"]);

        var rows = CsvReader.Read(new StringReader(File.ReadAllText(path))).ToList();
        Assert.Equal(["order_id", "amount", "error"], rows[0].Fields);
        Assert.Equal(["A-1", "", "line 2, amount: required; line 2, phone: too long"], rows[1].Fields);
        Assert.Equal(["A-2", "abc", "line 3, amount: not a number ('abc')"], rows[2].Fields);
        Assert.Equal([0xEF, 0xBB, 0xBF], File.ReadAllBytes(path)[..3]);
    }

    [Fact]
    public void Printed_errors_are_capped_and_point_to_the_errors_file()
    {
        var report = new ImportReport();
        for (var line = 2; line < ImportReport.MaxPrintedErrors + 12; line++)
        {
            report.AddInvalid(new CsvRecord(line, ["x"]), [new RowError(line, "amount", "required")]);
        }
        var output = new StringWriter();

        report.WriteErrors(output);

        Assert.Contains("... and 10 more (use --errors-out", output.ToString());
        Assert.False(report.AllStored);
    }
}
