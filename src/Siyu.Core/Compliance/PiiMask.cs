using System.Text;

namespace Siyu.Core.Compliance;

/// <summary>
/// Masking of personal information for display (API, console, exports): phone <c>138****5678</c>, ID card
/// <c>110***********1234</c>, bank card <c>6222 **** **** 1234</c>, address kept to its first six characters, e-mail
/// <c>z***@example.com</c>. Which attributes are PII is decided by name (<see cref="KindOf"/>), so tenants' own fields
/// such as <c>手机</c> or <c>home_address</c> are masked too.
/// </summary>
public static partial class PiiMask
{
    public enum Kind
    {
        None,
        Phone,
        IdCard,
        BankCard,
        Address,
        Email,
    }

    /// <summary>The kind of an attribute by its name (case-insensitive; Chinese names too).</summary>
    public static Kind KindOf(string name)
    {
        var n = name.ToLowerInvariant();
        if (n.Contains("phone", StringComparison.Ordinal) || n.Contains("mobile", StringComparison.Ordinal) || n.Contains("手机", StringComparison.Ordinal) || n.Contains("电话", StringComparison.Ordinal))
        {
            return Kind.Phone;
        }
        if (n.Contains("id_card", StringComparison.Ordinal) || n.Contains("idcard", StringComparison.Ordinal) || n.Contains("身份证", StringComparison.Ordinal))
        {
            return Kind.IdCard;
        }
        if (n.Contains("bank", StringComparison.Ordinal) || n.Contains("银行卡", StringComparison.Ordinal))
        {
            return Kind.BankCard;
        }
        if (n.Contains("address", StringComparison.Ordinal) || n.Contains("地址", StringComparison.Ordinal))
        {
            return Kind.Address;
        }
        return n.Contains("email", StringComparison.Ordinal) || n.Contains("邮箱", StringComparison.Ordinal) ? Kind.Email : Kind.None;
    }

    /// <summary>The kind of an identifier by its type (phone and e-mail are personal; WeCom and platform ids are not).</summary>
    public static Kind KindOfIdentifier(string type) => type switch
    {
        "phone" => Kind.Phone,
        "email" => Kind.Email,
        _ => Kind.None,
    };

    /// <summary>Masks every string attribute whose name says it is PII; other values stay as they are.</summary>
    public static void MaskAttributes(System.Text.Json.Nodes.JsonObject attributes)
    {
        foreach (var (name, value) in attributes.ToList())
        {
            if (KindOf(name) is var kind && kind != Kind.None && value is System.Text.Json.Nodes.JsonValue v && v.TryGetValue<string>(out var text))
            {
                attributes[name] = Mask(kind, text);
            }
        }
    }

    public static string Mask(Kind kind, string value) => kind switch
    {
        Kind.Phone => Keep(value, 3, 4),
        Kind.IdCard => Keep(value, 3, 4),
        Kind.BankCard => BankCard(value),
        Kind.Address => value.Length <= 6 ? new string('*', value.Length) : string.Concat(value.AsSpan(0, 6), "****"),
        Kind.Email => Email(value),
        _ => value,
    };

    /// <summary>The first <paramref name="head"/> and last <paramref name="tail"/> characters, stars between (all stars when too short to hide anything).</summary>
    private static string Keep(string value, int head, int tail)
    {
        var text = value.Trim();
        if (text.Length <= head + tail)
        {
            return new string('*', text.Length);
        }
        return string.Concat(text.AsSpan(0, head), new string('*', text.Length - head - tail), text.AsSpan(text.Length - tail));
    }

    /// <summary>Digits only, grouped by four: the first four and the last four shown.</summary>
    private static string BankCard(string value)
    {
        var digits = new string([.. value.Where(char.IsAsciiDigit)]);
        if (digits.Length <= 8)
        {
            return new string('*', value.Trim().Length);
        }
        var groups = (digits.Length - 8 + 3) / 4;
        var sb = new StringBuilder(digits[..4]);
        for (var i = 0; i < groups; i++)
        {
            sb.Append(" ****");
        }
        return sb.Append(' ').Append(digits[^4..]).ToString();
    }

    private static string Email(string value)
    {
        var at = value.IndexOf('@', StringComparison.Ordinal);
        return at <= 0 ? Keep(value, 1, 0) : string.Concat(value.AsSpan(0, 1), "***", value.AsSpan(at));
    }

    /// <summary>
    /// Masks what looks like a mainland mobile number, an ID card number or a bank card number anywhere in free text
    /// (log lines, URLs with a search query). Runs of digits are judged whole, so an order id or a timestamp that merely
    /// contains eleven digits in a longer run is left alone; a phone written +86 13812345678 is found after the prefix.
    /// </summary>
    public static string MaskText(string text)
    {
        if (text.Length < 11 || !ContainsDigitRun(text))
        {
            return text;
        }
        return DigitRun().Replace(text, m => m.Value.Length switch
        {
            11 when m.Value[0] == '1' && m.Value[1] is >= '3' and <= '9' => Keep(m.Value, 3, 4),
            18 => Keep(m.Value, 3, 4),
            >= 15 and <= 19 => BankCard(m.Value),
            _ => m.Value,
        });
    }

    private static bool ContainsDigitRun(string text)
    {
        var run = 0;
        foreach (var c in text)
        {
            run = char.IsAsciiDigit(c) || (run >= 17 && c is 'X' or 'x') ? run + 1 : 0;
            if (run >= 11)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>A maximal run of ASCII digits (an ID card may end in X).</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"(?<![0-9])(?:[0-9]{17}[Xx]|[0-9]{11,19})(?![0-9Xx])", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex DigitRun();
}
