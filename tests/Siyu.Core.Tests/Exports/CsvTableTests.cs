using System.Globalization;
using System.Text;
using Microsoft.VisualBasic.FileIO;
using Siyu.Core.Exports;
using Xunit;

namespace Siyu.Core.Tests.Exports;

public sealed class CsvTableTests
{
    [Fact]
    public void Fields_with_commas_quotes_and_line_breaks_are_quoted_and_chinese_is_kept()
    {
        var csv = new CsvTable("渠道", "客户数", "备注")
            .Add("直播间，抖音", 12, "说\"好\"的")
            .Add("地推,门店", 3, "第一行\n第二行")
            .Add(" 前后空格 ", null, "");
        Assert.Equal(
            "渠道,客户数,备注\r\n" +
            "直播间，抖音,12,\"说\"\"好\"\"的\"\r\n" +   // a full-width comma is not a separator
            "\"地推,门店\",3,\"第一行\n第二行\"\r\n" +
            "\" 前后空格 \",,\r\n",
            csv.ToString());
        Assert.Equal(3, csv.Rows);
    }

    [Fact]
    public void The_file_is_utf8_with_a_bom()
    {
        var bytes = new CsvTable("分层").Add("重要价值客户").ToUtf8();
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        Assert.Equal("分层\r\n重要价值客户\r\n", Encoding.UTF8.GetString(bytes[3..]));
    }

    [Fact]
    public void Numbers_and_dates_are_invariant_whatever_the_culture()
    {
        var saved = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = new CultureInfo("de-DE");
        try
        {
            var csv = new CsvTable("a", "b", "c", "d", "e").Add(1234.5m, 0.25, -3, new DateOnly(2026, 11, 5), true);
            Assert.Equal("a,b,c,d,e\r\n1234.5,0.25,-3,2026-11-05,true\r\n", csv.ToString());
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public void Text_that_excel_would_run_as_a_formula_is_defused()
    {
        var csv = new CsvTable("x").Add("=HYPERLINK(\"http://evil\",\"点我\")").Add("@SUM(A1)").Add("+86").Add("-").Add("a=b");
        Assert.Equal("x\r\n\"'=HYPERLINK(\"\"http://evil\"\",\"\"点我\"\")\"\r\n'@SUM(A1)\r\n'+86\r\n'-\r\na=b\r\n", csv.ToString());
    }

    [Fact]
    public void A_row_of_the_wrong_width_is_refused() =>
        Assert.Throws<ArgumentException>(() => new CsvTable("a", "b").Add("only one"));

    [Fact]
    public void An_independent_rfc_4180_parser_reads_back_what_was_written()
    {
        string[][] rows =
        [
            ["员工", "GMV", "说明"],
            ["张三, 北京", "1,299.00", "他说：\"好的\""],
            ["李四", "", "两行\r\n文字"],
            ["王五 ", "0", "末尾空格"],
        ];
        var csv = new CsvTable(rows[0]);
        foreach (var row in rows.Skip(1))
        {
            csv.Add(row);
        }
        using var parser = new TextFieldParser(new StringReader(csv.ToString())) { HasFieldsEnclosedInQuotes = true, TrimWhiteSpace = false };
        parser.SetDelimiters(",");
        var read = new List<string[]>();
        while (!parser.EndOfData)
        {
            read.Add(parser.ReadFields()!);
        }
        Assert.Equal(rows, read);
    }
}
