using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Siyu.Core.Events;

namespace Siyu.Core.Messaging;

/// <summary>How a placeholder's value is presented; a closed set, so a template can never run code.</summary>
public enum TemplateFormat
{
    None,
    /// <summary><c>|money</c>: a number as yuan, <c>¥1,234.50</c> (two decimals, half away from zero).</summary>
    Money,
    /// <summary><c>|date:MM月dd日</c>: a date or timestamp in a .NET custom format, zh-CN names (星期三, 下午).</summary>
    Date,
    /// <summary><c>|mask</c>: phone numbers keep 3 + 4 digits (138****5678); other text its first and last character (王*明).</summary>
    Mask,
}

/// <summary>One <c>{{…}}</c> of a template, as parsed.</summary>
/// <param name="Offset">Where its <c>{{</c> starts in the template text.</param>
public sealed record TemplatePlaceholder(string Field, TemplateFormat Format, string? FormatArgument, string? Default, int Offset);

/// <summary>The outcome of <see cref="MessageTemplate.Parse"/>: a template, or the errors (never both).</summary>
public sealed record TemplateParseResult(MessageTemplate? Template, IReadOnlyList<FieldError> Errors)
{
    public bool Success => Template is not null;
}

/// <summary>
/// A message with customer placeholders (欢迎语, 群发, SOP content). The language, all of it:
/// <list type="bullet">
/// <item><c>{{name}}</c>, <c>{{attributes.会员等级}}</c>: a field; names are letters of any script, digits and <c>_</c>, dotted.</item>
/// <item><c>{{name|亲爱的顾客}}</c>: a default for a missing or blank value (<c>{{x|default:money}}</c> when the default
/// itself reads like a format). The default is shown as written, never formatted.</item>
/// <item><c>{{spend|money}}</c>, <c>{{birthday|date:MM月dd日}}</c>, <c>{{phone|mask}}</c>: one format per placeholder,
/// combinable with a default in either order: <c>{{spend|money|0元}}</c>. A value the format cannot read
/// (<c>abc</c> for money) counts as missing.</item>
/// <item><c>\{{</c> is a literal <c>{{</c>. Nothing else is special: a lone <c>{</c>, <c>}}</c> or <c>\</c> is text.</item>
/// </list>
/// A default cannot contain <c>|</c> or <c>}}</c>. There are no expressions, loops or member access: a field name is
/// a key handed to <see cref="ITemplateValues"/>, nothing more. Rendering is a single pass over the parsed pieces, so a
/// value that contains <c>{{…}}</c> is printed as it is and never expanded.
/// </summary>
public sealed partial class MessageTemplate
{
    public const int MaxLength = 20_000;
    public const int MaxDateFormatLength = 32;
    public const string DefaultDateFormat = "yyyy年M月d日";

    private static readonly CultureInfo Chinese = CultureInfo.GetCultureInfo("zh-CN");
    private static readonly string[] DateOnlyFormats = ["yyyy-MM-dd", "yyyy/MM/dd", "yyyy.MM.dd", "yyyyMMdd", "yyyy-M-d", "yyyy/M/d", "yyyy年M月d日"];

    // Literal text and placeholders, in order: a string or a TemplatePlaceholder.
    private readonly object[] _pieces;

    private MessageTemplate(string text, object[] pieces)
    {
        Text = text;
        _pieces = pieces;
        Placeholders = [.. pieces.OfType<TemplatePlaceholder>()];
    }

    public string Text { get; }

    public IReadOnlyList<TemplatePlaceholder> Placeholders { get; }

    /// <summary>The distinct fields the template reads, in order of first use.</summary>
    public IReadOnlyList<string> Fields => [.. Placeholders.Select(p => p.Field).Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// Parses a template. With <paramref name="knownFields"/>, a field outside it is an error (with a suggestion when a
    /// known name is one or two edits away). Errors carry <paramref name="path"/> (the request field the template came
    /// from) and say where they are as line and column (1-based, in UTF-16 characters).
    /// </summary>
    public static TemplateParseResult Parse(string text, IReadOnlySet<string>? knownFields = null, string path = "template")
    {
        ArgumentNullException.ThrowIfNull(text);
        var errors = new List<FieldError>();
        if (text.Length > MaxLength)
        {
            return new(null, [new FieldError(path, $"At most {MaxLength:N0} characters.")]);
        }
        void Error(int offset, string message)
        {
            var (line, column) = LineAndColumn(text, offset);
            errors.Add(new FieldError(path, $"Line {line}, column {column}: {message}"));
        }

        var pieces = new List<object>();
        var literal = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '\\' && At(text, i + 1, "{{"))
            {
                literal.Append("{{");
                i += 3;
                continue;
            }
            if (!At(text, i, "{{"))
            {
                literal.Append(text[i++]);
                continue;
            }
            var close = text.IndexOf("}}", i + 2, StringComparison.Ordinal);
            var reopen = text.IndexOf("{{", i + 2, StringComparison.Ordinal);
            if (close < 0 || (reopen >= 0 && reopen < close))
            {
                Error(i, "'{{' is not closed by '}}' (write \\{{ for a literal '{{').");
                literal.Append("{{");
                i += 2;
                continue;
            }
            if (ParsePlaceholder(text, i, close, knownFields, Error) is { } placeholder)
            {
                if (literal.Length > 0)
                {
                    pieces.Add(literal.ToString());
                    literal.Clear();
                }
                pieces.Add(placeholder);
            }
            i = close + 2;
        }
        if (literal.Length > 0)
        {
            pieces.Add(literal.ToString());
        }
        return errors.Count > 0 ? new(null, errors) : new(new MessageTemplate(text, [.. pieces]), []);
    }

    private static TemplatePlaceholder? ParsePlaceholder(string text, int open, int close, IReadOnlySet<string>? knownFields, Action<int, string> error)
    {
        // Segments split on '|', each with the offset it starts at (for error positions).
        var segments = new List<(string Value, int Offset)>();
        var start = open + 2;
        for (var j = start; j <= close; j++)
        {
            if (j == close || text[j] == '|')
            {
                var raw = text[start..j];
                var lead = raw.Length - raw.TrimStart().Length;
                segments.Add((raw.Trim(), start + lead));
                start = j + 1;
            }
        }

        var ok = true;
        var (field, fieldOffset) = segments[0];
        if (field.Length == 0)
        {
            error(open, "Empty placeholder: a field name is required, e.g. {{name}}.");
            ok = false;
        }
        else if (!FieldName().IsMatch(field))
        {
            error(fieldOffset, $"'{field}' is not a field name (letters, digits and _, dotted: name, attributes.会员等级).");
            ok = false;
        }
        else if (knownFields is not null && !knownFields.Contains(field))
        {
            var suggestion = Suggest(field, knownFields);
            error(fieldOffset, suggestion is null ? $"Unknown field '{field}'." : $"Unknown field '{field}' (did you mean '{suggestion}'?).");
            ok = false;
        }

        var format = TemplateFormat.None;
        string? argument = null;
        string? fallback = null;
        foreach (var (segment, offset) in segments.Skip(1))
        {
            TemplateFormat found;
            string? foundArgument = null;
            if (segment.Length == 0)
            {
                error(offset, "Nothing after '|': write a format (money, mask, date:…) or a default.");
                ok = false;
                continue;
            }
            if (segment.StartsWith("default:", StringComparison.Ordinal) || FormatLike().Match(segment) is not { Success: true } formatLike)
            {
                if (fallback is not null)
                {
                    error(offset, "A placeholder has at most one default.");
                    ok = false;
                }
                fallback = segment.StartsWith("default:", StringComparison.Ordinal) ? segment["default:".Length..] : segment;
                continue;
            }
            switch (formatLike.Groups["name"].Value)
            {
                case "money" when !formatLike.Groups["argument"].Success:
                    found = TemplateFormat.Money;
                    break;
                case "mask" when !formatLike.Groups["argument"].Success:
                    found = TemplateFormat.Mask;
                    break;
                case "date":
                    found = TemplateFormat.Date;
                    foundArgument = formatLike.Groups["argument"].Success ? formatLike.Groups["argument"].Value : DefaultDateFormat;
                    if (DateFormatProblem(foundArgument) is { } problem)
                    {
                        error(offset, problem);
                        ok = false;
                        continue;
                    }
                    break;
                case "money" or "mask":
                    error(offset, $"'{formatLike.Groups["name"].Value}' takes no argument.");
                    ok = false;
                    continue;
                case var name when formatLike.Groups["argument"].Success:
                    error(offset, $"Unknown format '{name}' (money, mask, date:…; write default:{segment} for a literal default).");
                    ok = false;
                    continue;
                default:
                    // A bare lower-case word that is no format is a default: {{name|guest}}.
                    if (fallback is not null)
                    {
                        error(offset, "A placeholder has at most one default.");
                        ok = false;
                    }
                    fallback = segment;
                    continue;
            }
            if (format != TemplateFormat.None)
            {
                error(offset, "A placeholder has at most one format.");
                ok = false;
                continue;
            }
            format = found;
            argument = foundArgument;
        }
        return ok ? new TemplatePlaceholder(field, format, argument, fallback, open) : null;
    }

    private static string? DateFormatProblem(string format)
    {
        if (format.Length is 0 or > MaxDateFormatLength)
        {
            return $"A date format of 1–{MaxDateFormatLength} characters, e.g. date:MM月dd日.";
        }
        try
        {
            _ = new DateTimeOffset(2026, 5, 20, 13, 45, 30, TimeSpan.FromHours(8)).ToString(format, Chinese);
            return null;
        }
        catch (FormatException)
        {
            return $"'{format}' is not a date format (yyyy 年, MM 月, dd 日, HH:mm, dddd 星期).";
        }
    }

    /// <summary>Renders for one recipient. Never throws for missing or malformed values: they become the default, or nothing.</summary>
    public string Render(ITemplateValues values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var output = new StringBuilder(Text.Length + 32);
        foreach (var piece in _pieces)
        {
            if (piece is string literal)
            {
                output.Append(literal);
                continue;
            }
            var p = (TemplatePlaceholder)piece;
            var value = values.TryGet(p.Field, out var raw) && !string.IsNullOrWhiteSpace(raw) ? Format(raw, p.Format, p.FormatArgument) : null;
            output.Append(value ?? p.Default ?? "");
        }
        return output.ToString();
    }

    /// <summary>A value through a format; null when the format cannot read it.</summary>
    public static string? Format(string value, TemplateFormat format, string? argument = null) => format switch
    {
        TemplateFormat.None => value,
        TemplateFormat.Money => Money(value),
        TemplateFormat.Date => Date(value, argument ?? DefaultDateFormat),
        TemplateFormat.Mask => Mask(value),
        _ => null,
    };

    private static string? Money(string value)
    {
        if (!decimal.TryParse(value.Trim(), NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var amount))
        {
            return null;
        }
        var rounded = Math.Round(amount, 2, MidpointRounding.AwayFromZero);
        var text = "¥" + Math.Abs(rounded).ToString("#,##0.00", CultureInfo.InvariantCulture);
        return rounded < 0 ? "-" + text : text;
    }

    private static string? Date(string value, string format)
    {
        value = value.Trim();
        try
        {
            if (DateOnly.TryParseExact(value, DateOnlyFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                return day.ToDateTime(TimeOnly.MinValue).ToString(format, Chinese);
            }
            // Timestamps print in the offset they carry: the caller hands them in the tenant's time zone.
            if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
            {
                return instant.ToString(format, Chinese);
            }
        }
        catch (FormatException)
        {
            // Parse validated the format; a template built another way still must not throw while sending.
        }
        return null;
    }

    private static string Mask(string value)
    {
        value = value.Trim();
        if (value.Length >= 7 && value.All(char.IsAsciiDigit))
        {
            return value[..3] + new string('*', value.Length - 7) + value[^4..];
        }
        // By text element, so an emoji or a combining mark is one character, never half a surrogate pair.
        var elements = new List<string>();
        var e = StringInfo.GetTextElementEnumerator(value);
        while (e.MoveNext())
        {
            elements.Add(e.GetTextElement());
        }
        return elements.Count switch
        {
            <= 1 => "*",
            2 => elements[0] + "*",
            _ => elements[0] + new string('*', elements.Count - 2) + elements[^1],
        };
    }

    private static bool At(string text, int index, string token) =>
        index + token.Length <= text.Length && string.CompareOrdinal(text, index, token, 0, token.Length) == 0;

    private static (int Line, int Column) LineAndColumn(string text, int offset)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < offset && i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }
        return (line, offset - lineStart + 1);
    }

    /// <summary>The known field closest to a typo, if it is at most two edits away (and unique at that distance).</summary>
    private static string? Suggest(string field, IReadOnlySet<string> knownFields)
    {
        string? best = null;
        var bestDistance = 3;
        var tie = false;
        foreach (var known in knownFields)
        {
            if (Math.Abs(known.Length - field.Length) >= bestDistance)
            {
                continue;
            }
            var d = EditDistance(field, known);
            if (d < bestDistance)
            {
                (best, bestDistance, tie) = (known, d, false);
            }
            else if (d == bestDistance)
            {
                tie = true;
            }
        }
        return tie ? null : best;
    }

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    // Same letters-of-any-script rule as attribute names (AttributeSchema), one name per dotted part.
    [GeneratedRegex(@"^\p{L}[\p{L}\p{N}_]*(\.\p{L}[\p{L}\p{N}_]*)*$")]
    private static partial Regex FieldName();

    // A lower-case ASCII word, optionally with ':' and an argument: what formats look like.
    [GeneratedRegex(@"^(?<name>[a-z_]+)(:(?<argument>.*))?$", RegexOptions.Singleline)]
    private static partial Regex FormatLike();
}
