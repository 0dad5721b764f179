using System.Text;

namespace Siyu.Cli.Import;

/// <summary>One CSV record and the physical line it starts on (line 1 is the header).</summary>
public sealed record CsvRecord(int LineNumber, IReadOnlyList<string> Fields)
{
    /// <summary>Blank lines (one empty field) carry no data; spreadsheets often leave them at the end.</summary>
    public bool IsBlank => Fields.Count == 1 && Fields[0].Length == 0;
}

/// <summary>The file cannot be read as CSV at all from this point on (e.g. a quote is never closed).</summary>
public sealed class CsvFormatException(int lineNumber, string reason) : Exception($"line {lineNumber}: {reason}")
{
    public int LineNumber { get; } = lineNumber;

    /// <summary>The problem without the line number.</summary>
    public string Reason { get; } = reason;
}

/// <summary>
/// A streaming RFC 4180 reader: comma separated, fields optionally in double quotes, a doubled quote
/// inside quotes is a literal quote, and quoted fields may contain commas and line breaks. Accepts
/// CRLF, LF or CR line ends. Lenient where exports from Chinese shops are sloppy: a quote in the
/// middle of an unquoted field is kept literally instead of failing the whole file.
/// </summary>
public static class CsvReader
{
    private static readonly Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// UTF-8 (with or without BOM) or UTF-16 with a BOM; anything that is not valid UTF-8 is read as
    /// GB18030, which is what Excel on Chinese Windows writes when "CSV" is chosen.
    /// </summary>
    public static Encoding DetectEncoding(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> bom = stackalloc byte[3];
        var read = stream.ReadAtLeast(bom, 3, throwOnEndOfStream: false);
        if (read >= 3 && bom[0] == 0xEF && bom[1] == 0xBB && bom[2] == 0xBF)
        {
            return StrictUtf8;
        }
        if (read >= 2 && ((bom[0] == 0xFF && bom[1] == 0xFE) || (bom[0] == 0xFE && bom[1] == 0xFF)))
        {
            return bom[0] == 0xFF ? Encoding.Unicode : Encoding.BigEndianUnicode;
        }
        stream.Position = 0;
        return IsValidUtf8(stream) ? StrictUtf8 : Gb18030();
    }

    public static Encoding Gb18030()
    {
        // The code-page encodings ship with .NET but are only reachable once the provider is registered.
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        return Encoding.GetEncoding("GB18030");
    }

    /// <summary>Checks the whole stream in chunks so a huge file never has to fit in memory.</summary>
    private static bool IsValidUtf8(Stream stream)
    {
        var decoder = StrictUtf8.GetDecoder();
        var bytes = new byte[64 * 1024];
        var chars = new char[StrictUtf8.GetMaxCharCount(bytes.Length)];
        try
        {
            int n;
            while ((n = stream.Read(bytes, 0, bytes.Length)) > 0)
            {
                decoder.GetChars(bytes, 0, n, chars, 0, flush: false);
            }
            // Flushing catches a multi-byte sequence cut off at the end of the file.
            decoder.GetChars(bytes, 0, 0, chars, 0, flush: true);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>Opens a file with its detected encoding; the BOM, if any, is skipped.</summary>
    public static StreamReader OpenFile(string path, out Encoding encoding)
    {
        encoding = DetectEncoding(path);
        // Detection is strict, reading is not: a stray bad byte after a UTF-8 BOM shows up as U+FFFD in
        // its own row instead of aborting the whole import halfway.
        var reading = encoding.CodePage == Encoding.UTF8.CodePage ? new UTF8Encoding(encoderShouldEmitUTF8Identifier: false) : encoding;
        return new StreamReader(path, reading, detectEncodingFromByteOrderMarks: false, new FileStreamOptions { BufferSize = 64 * 1024 });
    }

    public static IEnumerable<CsvRecord> Read(TextReader reader, char separator = ',')
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var line = 1;
        var recordLine = 1;
        var inQuotes = false;
        var fieldWasQuoted = false;
        var atRecordStart = true;
        var first = true;

        while (true)
        {
            var c = reader.Read();
            if (first)
            {
                first = false;
                // A BOM decoded as text (e.g. UTF-8 with BOM read through a reader that kept it) is not data.
                if (c == '\uFEFF')
                {
                    c = reader.Read();
                }
            }

            if (c == -1)
            {
                if (inQuotes)
                {
                    throw new CsvFormatException(recordLine, "a quoted field is never closed (missing '\"').");
                }
                if (!atRecordStart)
                {
                    fields.Add(field.ToString());
                    yield return new CsvRecord(recordLine, fields.ToArray());
                }
                yield break;
            }

            if (atRecordStart)
            {
                atRecordStart = false;
                recordLine = line;
            }

            if (inQuotes)
            {
                if (c == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        reader.Read();
                        field.Append('"');
                    }
                    else
                    {
                        inQuotes = false;
                    }
                }
                else
                {
                    if (c == '\n' || (c == '\r' && reader.Peek() != '\n'))
                    {
                        line++;
                    }
                    field.Append((char)c);
                }
                continue;
            }

            if (c == separator)
            {
                fields.Add(field.ToString());
                field.Clear();
                fieldWasQuoted = false;
                continue;
            }

            switch (c)
            {
                case '"' when field.Length == 0 && !fieldWasQuoted:
                    inQuotes = true;
                    fieldWasQuoted = true;
                    break;
                case '\r' or '\n':
                    if (c == '\r' && reader.Peek() == '\n')
                    {
                        reader.Read();
                    }
                    line++;
                    fields.Add(field.ToString());
                    field.Clear();
                    fieldWasQuoted = false;
                    yield return new CsvRecord(recordLine, fields.ToArray());
                    fields.Clear();
                    atRecordStart = true;
                    break;
                default:
                    // Text after a closing quote ("abc"x) or a stray quote in an unquoted field is kept as written.
                    field.Append((char)c);
                    break;
            }
        }
    }
}
