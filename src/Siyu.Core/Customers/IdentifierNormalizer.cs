namespace Siyu.Core.Customers;

/// <summary>
/// Normalises identifier values so that spellings of one value match, and refuses values that must never
/// be used for matching (placeholders like <c>0</c> or <c>anonymous</c> would otherwise merge strangers).
/// Immutable after construction and safe to share between threads.
/// </summary>
public sealed class IdentifierNormalizer
{
    /// <summary>Placeholder values that are never used for matching (compared case-insensitively, after trimming).</summary>
    public static readonly IReadOnlyList<string> BuiltInBlockedValues =
        ["", "0", "-1", "null", "undefined", "none", "nil", "anonymous", "unknown", "n/a"];

    /// <summary>Maximum length of an external_userid, unionid, device id or platform id.</summary>
    public const int MaxIdLength = 128;

    private const int MaxEmailLength = 254;

    /// <summary>A normaliser with the built-in blocked values only.</summary>
    public static IdentifierNormalizer Default { get; } = new(new IdentityOptions());

    private readonly HashSet<string> _blocked;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _blockedSpans;

    public IdentifierNormalizer(IdentityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _blocked = new HashSet<string>(BuiltInBlockedValues, StringComparer.OrdinalIgnoreCase);
        foreach (var extra in options.ExtraBlockedValues)
        {
            _blocked.Add(extra.Trim());
        }
        _blockedSpans = _blocked.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>True when the (trimmed) value is a placeholder that must never be used for matching.</summary>
    public bool IsBlocked(string value) => _blocked.Contains(value.Trim());

    /// <summary>
    /// Normalises <paramref name="raw"/> for <paramref name="type"/>. On failure <paramref name="reason"/> is
    /// <see cref="IgnoredReason.Blocked"/> (a placeholder) or <see cref="IgnoredReason.Invalid"/> (malformed).
    /// </summary>
    public bool TryNormalize(IdentifierType type, string raw, out string value, out IgnoredReason reason)
    {
        value = "";
        var trimmed = raw is null ? "" : raw.Trim();
        if (_blocked.Contains(trimmed))
        {
            reason = IgnoredReason.Blocked;
            return false;
        }
        reason = IgnoredReason.Invalid;
        switch (type)
        {
            case IdentifierType.Phone:
                var digits = NormalizePhone(trimmed);
                if (digits is null || digits.Length is < 5 or > 20)
                {
                    return false;
                }
                if (digits.AsSpan().IndexOfAnyExcept(digits[0]) < 0 || _blocked.Contains(digits))
                {
                    reason = IgnoredReason.Blocked; // 00000000000, 11111111111: placeholders, not phones
                    return false;
                }
                value = digits;
                return true;

            case IdentifierType.Email:
                var at = trimmed.IndexOf('@');
                if (at <= 0 || at != trimmed.LastIndexOf('@') || at == trimmed.Length - 1
                    || trimmed.Length > MaxEmailLength || trimmed.AsSpan().ContainsAny(' ', '\t'))
                {
                    return false;
                }
                value = trimmed.ToLowerInvariant();
                return true;

            case IdentifierType.PlatformId:
                var colon = trimmed.IndexOf(':');
                if (colon <= 0 || colon == trimmed.Length - 1 || trimmed.Length > MaxIdLength)
                {
                    return false;
                }
                var platform = trimmed.AsSpan(0, colon).Trim();
                var buyer = trimmed.AsSpan(colon + 1).Trim();
                if (platform.Length == 0 || buyer.Length == 0)
                {
                    return false;
                }
                if (_blockedSpans.Contains(buyer))
                {
                    reason = IgnoredReason.Blocked; // taobao:0, jd:anonymous
                    return false;
                }
                // Already normal (the common case): no allocation.
                value = platform.Length == colon && buyer.Length == trimmed.Length - colon - 1 && !platform.ContainsAnyInRange('A', 'Z') && IsAscii(platform)
                    ? trimmed
                    : string.Concat(platform.ToString().ToLowerInvariant(), ":", buyer);
                return true;

            case IdentifierType.ExternalUserId:
            case IdentifierType.UnionId:
            case IdentifierType.DeviceId:
                if (trimmed.Length > MaxIdLength)
                {
                    return false;
                }
                value = trimmed;
                return true;

            default:
                return false;
        }
    }

    /// <summary>
    /// Keeps the digits after removing spaces, dashes, dots and parentheses (and a leading '+'), then removes the
    /// mainland prefix +86 / 0086 / 86 in front of an 11-digit number. Null when another character appears.
    /// </summary>
    private static string? NormalizePhone(string raw)
    {
        if (raw.Length > 64)
        {
            return null;
        }
        Span<char> buffer = stackalloc char[raw.Length];
        var n = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (char.IsAsciiDigit(c))
            {
                buffer[n++] = c;
            }
            else if (c == '+')
            {
                if (n != 0)
                {
                    return null; // '+' only as the international prefix
                }
            }
            else if (c is not (' ' or '-' or '(' or ')' or '.' or '\u00A0'))
            {
                return null;
            }
        }
        ReadOnlySpan<char> digits = buffer[..n];
        if (digits.Length == 15 && digits.StartsWith("0086"))
        {
            digits = digits[4..];
        }
        else if (digits.Length == 13 && digits.StartsWith("86"))
        {
            digits = digits[2..];
        }
        return digits.SequenceEqual(raw) ? raw : new string(digits);
    }

    private static bool IsAscii(ReadOnlySpan<char> s) => System.Text.Ascii.IsValid(s);
}
