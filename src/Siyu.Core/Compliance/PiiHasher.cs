using System.Security.Cryptography;
using System.Text;

namespace Siyu.Core.Compliance;

/// <summary>
/// Keyed hash (HMAC-SHA256) of normalised personal values, for equality lookups without storing them: the identity
/// index keys phones and e-mails by <c>h:{hex}</c>, and search hashes the query the same way. Keyed, so a stolen
/// database cannot be reversed by hashing every possible phone number (which an unkeyed hash would allow). The hash
/// key is separate from the encryption keys and does not rotate with them: changing it changes every stored hash.
/// </summary>
public sealed class PiiHasher
{
    public const string Prefix = "h:";
    public const int MinKeySize = 32;
    /// <summary>Domain separation: a suffix hash can never equal the hash of a full value.</summary>
    private const string SuffixDomain = "phone-suffix:";

    private readonly byte[] _key;

    public PiiHasher(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length < MinKeySize)
        {
            throw new ArgumentException($"The PII hash key must be at least {MinKeySize} bytes (base64 of 32 random bytes), not {key.Length}.", nameof(key));
        }
        _key = [.. key];
    }

    /// <summary>Number of trailing phone digits the suffix search works on (手机号后四位).</summary>
    public const int SuffixLength = 4;

    /// <summary><c>h:</c> and the lowercase hex HMAC-SHA256 of the UTF-8 value (normalise it first).</summary>
    public string Hash(string normalizedValue) => Prefix + Convert.ToHexStringLower(Mac(_key, Encoding.UTF8.GetBytes(normalizedValue)));

    /// <summary>The keyed hash of a phone number's last four digits (null when it has fewer).</summary>
    public string? HashPhoneSuffix(string digits) =>
        digits.Length < SuffixLength ? null : Hash(SuffixDomain + digits[^SuffixLength..]);

    public static bool IsHash(string? value) => value is { Length: 66 } && value.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>HMAC-SHA256 (RFC 2104 / 4231).</summary>
    public static byte[] Mac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data) => HMACSHA256.HashData(key, data);
}
