using System.Globalization;
using System.Text;

namespace Siyu.Core.Exports;

/// <summary>
/// One table as RFC 4180 CSV: a header, then rows of the same width, CRLF line ends; a field is quoted when it holds a
/// comma, a quote (doubled), a line break or edge spaces. Numbers and dates are written invariantly (<c>1234.5</c>,
/// <c>2026-11-25</c>); null is an empty field. A text field that Excel would run as a formula (starting with
/// <c>= + - @</c>, tab or CR) gets a leading apostrophe. <see cref="ToUtf8"/> starts with a BOM so Excel reads Chinese
/// as UTF-8 instead of the system code page.
/// </summary>
public sealed class CsvTable
{
    private static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];
    private readonly StringBuilder _text = new();

    public CsvTable(params IReadOnlyList<string> header)
    {
        ArgumentOutOfRangeException.ThrowIfZero(header.Count);
        Columns = header.Count;
        Append(header);
    }

    public int Columns { get; }

    /// <summary>Rows after the header.</summary>
    public int Rows { get; private set; }

    public CsvTable Add(params IReadOnlyList<object?> cells)
    {
        if (cells.Count != Columns)
        {
            throw new ArgumentException($"{cells.Count} cells in a table of {Columns} columns.", nameof(cells));
        }
        Append(cells);
        Rows++;
        return this;
    }

    public override string ToString() => _text.ToString();

    /// <summary>The file's bytes: UTF-8 with a byte order mark.</summary>
    public byte[] ToUtf8() => [.. Bom, .. Encoding.UTF8.GetBytes(_text.ToString())];

    /// <summary>A value as one CSV field, quoted when needed.</summary>
    public static string Field(object? value) => value switch
    {
        null => "",
        string s => Quote(Defuse(s)),
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        DateOnly day => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTimeOffset at => at.ToString("O", CultureInfo.InvariantCulture),
        IFormattable x => Quote(x.ToString(null, CultureInfo.InvariantCulture)),
        _ => Quote(Defuse(value.ToString() ?? "")),
    };

    private void Append<T>(IReadOnlyList<T> cells)
    {
        for (var i = 0; i < cells.Count; i++)
        {
            if (i > 0)
            {
                _text.Append(',');
            }
            _text.Append(Field(cells[i]));
        }
        _text.Append("\r\n");
    }

    private static string Defuse(string s) => s.Length > 0 && s[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + s : s;

    private static string Quote(string s) =>
        s.AsSpan().IndexOfAny(",\"\r\n") >= 0 || (s.Length > 0 && (s[0] == ' ' || s[^1] == ' '))
            ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : s;
}
