using System.Text;

namespace Siyu.Cli.Import;

/// <summary>Writes RFC 4180 CSV, quoting only the fields that need it.</summary>
public sealed class CsvWriter(TextWriter writer) : IDisposable
{
    /// <summary>
    /// UTF-8 with a BOM: without it, Excel on Chinese Windows opens the file as GB18030 and garbles
    /// every Chinese header and name.
    /// </summary>
    public static CsvWriter Create(string path) =>
        new(new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true)));

    public void WriteRecord(IEnumerable<string> fields)
    {
        var first = true;
        foreach (var field in fields)
        {
            if (!first)
            {
                writer.Write(',');
            }
            first = false;
            writer.Write(Escape(field));
        }
        writer.Write("\r\n");
    }

    public static string Escape(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") >= 0 || (field.Length > 0 && (field[0] == ' ' || field[^1] == ' '))
            ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : field;

    public void Flush() => writer.Flush();

    public void Dispose() => writer.Dispose();
}
