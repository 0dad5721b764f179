using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Siyu.Core.Compliance;

/// <summary>
/// AES-256-GCM for personal information at rest, with a key ring so keys can rotate: every ciphertext names the key
/// it was written with (<c>enc:v1:{kid}:{base64url(nonce‖ciphertext‖tag)}</c>), new values use the active key, and
/// older keys stay readable until a rotation has re-encrypted everything they protect. The <c>enc:v1:{kid}:</c>
/// header is the associated data, so a ciphertext moved under another key id or version fails authentication.
/// Thread-safe.
/// </summary>
public sealed class PiiCipher
{
    public const string Prefix = "enc:v1:";
    public const int KeySize = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static readonly byte[] PrefixBytes = Encoding.ASCII.GetBytes(Prefix);

    private readonly Dictionary<string, byte[]> _keys;
    // One AesGcm per thread and key: an instance must not be used concurrently, and creating one (native context, key
    // schedule) cost more than the encryption of a phone number itself in the bench.
    private readonly ThreadLocal<Dictionary<string, AesGcm>> _aes = new(() => new Dictionary<string, AesGcm>(StringComparer.Ordinal));

    /// <param name="keys">Key id → 32-byte key. Ids are 1–32 characters of letters, digits, '-' and '_'.</param>
    /// <param name="activeKeyId">The key new values are encrypted with; must be in <paramref name="keys"/>.</param>
    public PiiCipher(IReadOnlyDictionary<string, byte[]> keys, string activeKeyId)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (kid, key) in keys)
        {
            if (!IsValidKeyId(kid))
            {
                throw new ArgumentException($"PII key id '{kid}' is invalid: use 1–32 letters, digits, '-' or '_'.", nameof(keys));
            }
            if (key is not { Length: KeySize })
            {
                throw new ArgumentException($"PII key '{kid}' must be {KeySize} bytes (base64 of 32 random bytes), not {key?.Length ?? 0}.", nameof(keys));
            }
            _keys[kid] = [.. key];
        }
        if (!_keys.ContainsKey(activeKeyId))
        {
            throw new ArgumentException($"The active PII key '{activeKeyId}' is not among the configured keys ({string.Join(", ", _keys.Keys)}).", nameof(activeKeyId));
        }
        ActiveKeyId = activeKeyId;
    }

    public string ActiveKeyId { get; }

    public IReadOnlyCollection<string> KeyIds => _keys.Keys;

    public static bool IsValidKeyId(string? kid) =>
        kid is { Length: > 0 and <= 32 } && kid.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>True when the value has the ciphertext header (says nothing about whether it decrypts).</summary>
    public static bool IsEncrypted(string? value) => value is not null && value.StartsWith(Prefix, StringComparison.Ordinal);

    public static bool IsEncrypted(ReadOnlySpan<byte> value) => value.StartsWith(PrefixBytes);

    /// <summary>The key id a ciphertext names, or null when the value is not a ciphertext.</summary>
    public static string? KeyIdOf(string? value)
    {
        if (!IsEncrypted(value))
        {
            return null;
        }
        var end = value!.IndexOf(':', Prefix.Length);
        return end < 0 ? null : value[Prefix.Length..end];
    }

    public static string? KeyIdOf(ReadOnlySpan<byte> value)
    {
        if (!IsEncrypted(value))
        {
            return null;
        }
        var rest = value[PrefixBytes.Length..];
        var end = rest.IndexOf((byte)':');
        return end < 0 ? null : Encoding.ASCII.GetString(rest[..end]);
    }

    public string Encrypt(string plaintext)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        var sealedBytes = Seal(ActiveKeyId, Encoding.UTF8.GetBytes(plaintext), out var header);
        return string.Concat(header, Base64Url.EncodeToString(sealedBytes));
    }

    /// <exception cref="PiiDecryptionException">Not a ciphertext, an unknown key id, or the value was altered.</exception>
    public string Decrypt(string ciphertext)
    {
        var kid = KeyIdOf(ciphertext) ?? throw new PiiDecryptionException("The value is not a PII ciphertext (enc:v1:{kid}:...).");
        var header = HeaderOf(kid);
        byte[] body;
        try
        {
            body = Base64Url.DecodeFromChars(ciphertext.AsSpan(header.Length));
        }
        catch (FormatException e)
        {
            throw new PiiDecryptionException($"The PII ciphertext under key '{kid}' is not valid base64url.", e);
        }
        return Encoding.UTF8.GetString(Open(kid, header, body));
    }

    /// <summary>Binary form for blobs (snapshots): the ASCII header followed by nonce‖ciphertext‖tag.</summary>
    public byte[] EncryptBytes(ReadOnlySpan<byte> plaintext)
    {
        var sealedBytes = Seal(ActiveKeyId, plaintext, out var header);
        var headerBytes = Encoding.ASCII.GetBytes(header);
        var result = new byte[headerBytes.Length + sealedBytes.Length];
        headerBytes.CopyTo(result, 0);
        sealedBytes.CopyTo(result, headerBytes.Length);
        return result;
    }

    /// <exception cref="PiiDecryptionException">Not a ciphertext, an unknown key id, or the blob was altered.</exception>
    public byte[] DecryptBytes(ReadOnlySpan<byte> ciphertext)
    {
        var kid = KeyIdOf(ciphertext) ?? throw new PiiDecryptionException("The blob is not a PII ciphertext (enc:v1:{kid}:...).");
        var header = HeaderOf(kid);
        return Open(kid, header, ciphertext[header.Length..]);
    }

    /// <summary>True when the value is a ciphertext under a key other than the active one (a rotation should rewrite it).</summary>
    public bool NeedsRotation(string? value) => KeyIdOf(value) is { } kid && kid != ActiveKeyId;

    /// <summary>Decrypts under whichever key and encrypts under the active key.</summary>
    public string Reencrypt(string ciphertext) => Encrypt(Decrypt(ciphertext));

    public byte[] ReencryptBytes(ReadOnlySpan<byte> ciphertext) => EncryptBytes(DecryptBytes(ciphertext));

    private static string HeaderOf(string kid) => string.Concat(Prefix, kid, ":");

    private AesGcm Aes(string kid, byte[] key)
    {
        var cache = _aes.Value!;
        if (!cache.TryGetValue(kid, out var aes))
        {
            aes = new AesGcm(key, TagSize);
            cache[kid] = aes;
        }
        return aes;
    }

    private byte[] Seal(string kid, ReadOnlySpan<byte> plaintext, out string header)
    {
        header = HeaderOf(kid);
        var result = new byte[NonceSize + plaintext.Length + TagSize];
        var nonce = result.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        Aes(kid, _keys[kid]).Encrypt(nonce, plaintext, result.AsSpan(NonceSize, plaintext.Length), result.AsSpan(NonceSize + plaintext.Length), Encoding.ASCII.GetBytes(header));
        return result;
    }

    private byte[] Open(string kid, string header, ReadOnlySpan<byte> body)
    {
        if (!_keys.TryGetValue(kid, out var key))
        {
            throw new PiiDecryptionException($"The PII key '{kid}' is not configured (configured: {string.Join(", ", _keys.Keys)}); it is needed to read values written with it.");
        }
        if (body.Length < NonceSize + TagSize)
        {
            throw new PiiDecryptionException($"The PII ciphertext under key '{kid}' is truncated.");
        }
        var plaintext = new byte[body.Length - NonceSize - TagSize];
        try
        {
            Aes(kid, key).Decrypt(body[..NonceSize], body[NonceSize..^TagSize], body[^TagSize..], plaintext, Encoding.ASCII.GetBytes(header));
        }
        catch (CryptographicException e)
        {
            throw new PiiDecryptionException($"The PII ciphertext under key '{kid}' failed authentication: it was altered or the key is wrong.", e);
        }
        return plaintext;
    }
}

/// <summary>A PII ciphertext could not be read: not a ciphertext, written with a key that is not configured, or altered.</summary>
public sealed class PiiDecryptionException : Exception
{
    public PiiDecryptionException(string message) : base(message)
    {
    }

    public PiiDecryptionException(string message, Exception inner) : base(message, inner)
    {
    }
}
