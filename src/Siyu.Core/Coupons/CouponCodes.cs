using System.Security.Cryptography;

namespace Siyu.Core.Coupons;

/// <summary>
/// Coupon codes: 10 random characters from a 32-symbol alphabet without 0/O/1/I (50 bits from a CSPRNG) and one check
/// character. The check is Damm's algorithm over GF(32) (x∘y = 2x + y), a totally anti-symmetric quasigroup, so every
/// single-character substitution and every adjacent transposition fails the check before any database lookup.
/// </summary>
public static class CouponCodes
{
    public const string Alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    public const int RandomLength = 10;
    public const int Length = RandomLength + 1;
    // x^5 + x^2 + 1, primitive over GF(2): multiplying by x stays a bijection.
    private const int Reduction = 0b100101;

    private static int Times2(int v)
    {
        v <<= 1;
        return (v & 0b100000) != 0 ? v ^ Reduction : v;
    }

    private static int Index(char c)
    {
        var i = Alphabet.IndexOf(c, StringComparison.Ordinal);
        return i;
    }

    /// <summary>The check character for <paramref name="body"/> (alphabet characters only).</summary>
    public static char CheckCharacter(ReadOnlySpan<char> body)
    {
        var interim = 0;
        foreach (var c in body)
        {
            var d = Index(c);
            if (d < 0)
            {
                throw new ArgumentException($"'{c}' is not in the coupon alphabet.", nameof(body));
            }
            interim = Times2(interim) ^ d;
        }
        // 2·interim + check = 0 in GF(32); characteristic 2, so check = 2·interim.
        return Alphabet[Times2(interim)];
    }

    /// <summary>A fresh random code with its check character.</summary>
    public static string Generate()
    {
        Span<char> body = stackalloc char[RandomLength];
        for (var i = 0; i < RandomLength; i++)
        {
            body[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        }
        return string.Concat(body, [CheckCharacter(body)]);
    }

    /// <summary>Upper-cases and drops spaces and dashes (as printed on receipts: XXXX-XXXX-XXX).</summary>
    public static string Normalize(string? input) =>
        input is null ? "" : new string([.. input.Where(c => c is not (' ' or '-')).Select(char.ToUpperInvariant)]);

    /// <summary>Whether a normalized code has the right length, alphabet and check character.</summary>
    public static bool IsWellFormed(string code)
    {
        if (code.Length != Length)
        {
            return false;
        }
        var interim = 0;
        foreach (var c in code)
        {
            var d = Index(c);
            if (d < 0)
            {
                return false;
            }
            interim = Times2(interim) ^ d;
        }
        return interim == 0;
    }
}
