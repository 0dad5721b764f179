using System.Text;
using Siyu.Cli.Import;

namespace Siyu.Cli.Tests;

public sealed class CsvReaderTests
{
    private static List<CsvRecord> Parse(string text) => CsvReader.Read(new StringReader(text)).ToList();

    [Fact]
    public void Plain_fields_and_line_numbers()
    {
        var records = Parse("a,b,c\n1,2,3\n4,5,6\n");

        Assert.Equal(3, records.Count);
        Assert.Equal(["a", "b", "c"], records[0].Fields);
        Assert.Equal(["4", "5", "6"], records[2].Fields);
        Assert.Equal([1, 2, 3], records.Select(r => r.LineNumber));
    }

    [Fact]
    public void Quoted_fields_keep_commas_and_doubled_quotes()
    {
        var records = Parse("name,amount\n\"Zhang, San\",\"¥1,299.00\"\n\"say \"\"hi\"\"\",\"\"\n");

        Assert.Equal(["Zhang, San", "¥1,299.00"], records[1].Fields);
        Assert.Equal(["say \"hi\"", ""], records[2].Fields);
    }

    [Fact]
    public void Newlines_inside_quotes_stay_in_the_field_and_later_records_keep_their_physical_line()
    {
        var records = Parse("id,note\r\n1,\"first\r\nsecond\nthird\"\r\n2,plain\r\n");

        Assert.Equal(3, records.Count);
        Assert.Equal("first\r\nsecond\nthird", records[1].Fields[1]);
        Assert.Equal(2, records[1].LineNumber);
        // The quoted field spans lines 2-4, so the next record starts on line 5.
        Assert.Equal(5, records[2].LineNumber);
    }

    [Theory]
    [InlineData("a,b\r\n1,2\r\n")]
    [InlineData("a,b\n1,2\n")]
    [InlineData("a,b\r1,2\r")]
    [InlineData("a,b\n1,2")]
    public void Line_endings_CRLF_LF_CR_and_no_final_newline(string text)
    {
        var records = Parse(text);

        Assert.Equal(2, records.Count);
        Assert.Equal(["1", "2"], records[1].Fields);
        Assert.Equal(2, records[1].LineNumber);
    }

    [Fact]
    public void Empty_fields_and_blank_lines()
    {
        var records = Parse("a,b,c\n,,\n\nx,,\n");

        Assert.Equal(["", "", ""], records[1].Fields);
        Assert.True(records[2].IsBlank);
        Assert.Equal(3, records[2].LineNumber);
        Assert.Equal(["x", "", ""], records[3].Fields);
        Assert.Equal(4, records[3].LineNumber);
    }

    [Fact]
    public void A_stray_quote_inside_an_unquoted_field_is_kept_literally()
    {
        var records = Parse("a,b\n12\" screen,\"quoted\"tail\n");

        Assert.Equal(["12\" screen", "quotedtail"], records[1].Fields);
    }

    [Fact]
    public void An_unclosed_quote_fails_with_the_line_where_the_record_starts()
    {
        var records = CsvReader.Read(new StringReader("a,b\n1,2\n3,\"never closed\n4,5\n"));

        var error = Assert.Throws<CsvFormatException>(() => records.ToList());
        Assert.Equal(3, error.LineNumber);
    }

    [Fact]
    public void A_byte_order_mark_is_not_part_of_the_first_header()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("bom.csv", "订单号,金额\nA1,5\n", new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        using var reader = CsvReader.OpenFile(path, out var encoding);
        var records = CsvReader.Read(reader).ToList();

        Assert.Equal(Encoding.UTF8.CodePage, encoding.CodePage);
        Assert.Equal("订单号", records[0].Fields[0]);
        Assert.Equal(["A1", "5"], records[1].Fields);
    }

    [Fact]
    public void A_BOM_in_already_decoded_text_is_skipped_too()
    {
        var records = Parse("\uFEFForder_id\nA1\n");

        Assert.Equal("order_id", records[0].Fields[0]);
    }

    [Fact]
    public void UTF8_without_BOM_is_read_as_UTF8()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("plain.csv", "姓名\n张三\n");

        using var reader = CsvReader.OpenFile(path, out var encoding);

        Assert.Equal(Encoding.UTF8.CodePage, encoding.CodePage);
        Assert.Equal("张三", CsvReader.Read(reader).Last().Fields[0]);
    }

    [Fact]
    public void A_file_that_is_not_valid_UTF8_is_read_as_GB18030()
    {
        using var dir = new TempDirectory();
        var gb18030 = CsvReader.Gb18030();
        var path = dir.WriteBytes("excel.csv", gb18030.GetBytes("订单号,姓名,品类\r\nA1,张三,\"护肤, 面霜\"\r\n"));

        using var reader = CsvReader.OpenFile(path, out var encoding);
        var records = CsvReader.Read(reader).ToList();

        Assert.Equal(gb18030.CodePage, encoding.CodePage);
        Assert.Equal(["订单号", "姓名", "品类"], records[0].Fields);
        Assert.Equal(["A1", "张三", "护肤, 面霜"], records[1].Fields);
    }

    [Fact]
    public void A_large_UTF8_file_with_multibyte_characters_across_chunk_boundaries_stays_UTF8()
    {
        using var dir = new TempDirectory();
        var text = new StringBuilder("姓名\n");
        for (var i = 0; i < 30_000; i++)
        {
            text.Append("张三李四\n");
        }
        var path = dir.Write("big.csv", text.ToString());

        Assert.Equal(Encoding.UTF8.CodePage, CsvReader.DetectEncoding(path).CodePage);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    [InlineData("", "")]
    public void Writer_quotes_only_what_needs_it(string field, string expected)
    {
        Assert.Equal(expected, CsvWriter.Escape(field));
    }

    [Fact]
    public void Written_records_read_back_identically()
    {
        var fields = new[] { "A1", "Zhang, \"San\"", "line1\r\nline2", "" };
        var text = new StringWriter();
        new CsvWriter(text).WriteRecord(fields);

        var records = Parse(text.ToString());

        Assert.Equal(fields, Assert.Single(records).Fields);
    }
}
