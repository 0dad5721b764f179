namespace Siyu.Core.Customers;

/// <summary>
/// Normalises identifier values so that spellings of one value match, and refuses values that must never
/// be used for matching (placeholders like <c>0</c> or <c>anonymous</c> would otherwise merge strangers).
/// </summary>
public sealed class IdentifierNormalizer(IdentityOptions options)
{
    private static readonly HashSet<string> BuiltInBlocked = new(StringComparer.OrdinalIgnoreCase)
    {
        "", "0", "-1", "null", "undefined", "none", "nil", "anonymous", "unknown", "n/a", "na", "guest", "test",
    };

    public bool TryNormalize(IdentifierType type, string raw, out string value, out IgnoredReason reason)
    {
        value = "";
        var trimmed = raw.Trim();
        if (BuiltInBlocked.Contains(trimmed) || options.ExtraBlockedValues.Contains(trimmed) || ContainsIgnoreCase(options.ExtraBlockedValues, trimmed))
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
                if (digits.AsSpan().IndexOfAnyExcept(digits[0]) < 0)
                {
                    reason = IgnoredReason.Blocked; // 00000000000, 11111111111: placeholders, not phones
                    return false;
                }
                value = digits;
                return true;
            case IdentifierType.Email:
                var email = trimmed.ToLowerInvariant();
                var at = email.IndexOf('@');
                if (at <= 0 || at != email.LastIndexOf('@') || at == email.Length - 1 || email.Length > 254 || email.Contains(' '))
                {
                    return false;
                }
                value = email;
                return true;
            case IdentifierType.PlatformId:
                var colon = trimmed.IndexOf(':');
                if (colon <= 0 || colon == trimmed.Length - 1 || trimmed.Length > 128)
                {
                    return false;
                }
                var buyer = trimmed[(colon + 1)..].Trim();
                if (buyer.Length == 0 || BuiltInBlocked.Contains(buyer))
                {
                    reason = buyer.Length == 0 ? IgnoredReason.Invalid : IgnoredReason.Blocked;
                    return false;
                }
                value = trimmed[..colon].Trim().ToLowerInvariant() + ":" + buyer;
                return true;
            default:
                if (trimmed.Length > 128)
                {
                    return false;
                }
                value = trimmed;
                return true;
        }
    }

    private static bool ContainsIgnoreCase(IReadOnlySet<string> set, string value)
    {
        foreach (var s in set)
        {
            if (string.Equals(s, value, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Keeps digits only and removes the mainland prefixes +86 / 0086 / 86 in front of an 11-digit mobile.</summary>
    private static string? NormalizePhone(string raw)
    {
        Span<char> buffer = stackalloc char[Math.Min(raw.Length, 64)];
        var n = 0;
        foreach (var c in raw)
        {
            if (char.IsAsciiDigit(c))
            {
                if (n == buffer.Length)
                {
                    return null;
                }
                buffer[n++] = c;
            }
            else if (c is not (' ' or '-' or '(' or ')' or '+' or '.'))
            {
                return null;
            }
        }
        var digits = buffer[..n];
        if (digits.Length == 15 && digits.StartsWith("0086"))
        {
            digits = digits[4..];
        }
        else if (digits.Length == 13 && digits.StartsWith("86"))
        {
            digits = digits[2..];
        }
        return new string(digits);
    }
}
