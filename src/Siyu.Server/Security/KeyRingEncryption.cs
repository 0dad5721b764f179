using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Siyu.Core.Compliance;

namespace Siyu.Server.Security;

/// <summary>
/// Encrypts the data-protection key ring at rest (the keys that protect sign-in cookies and stored WeCom secrets) with a
/// key from configuration, <c>Siyu:DataProtectionKey</c> (base64 of 32 bytes): the key files under <c>data/keys</c>
/// are then useless without the configuration, as the PII keys are. AES-256-GCM, the same format as the PII cipher.
/// </summary>
public sealed class KeyRingEncryptor(PiiCipher cipher) : IXmlEncryptor
{
    public const string KeyId = "keyring";

    public EncryptedXmlInfo Encrypt(XElement plaintextElement) =>
        new(new XElement("siyuEncryptedKey",
                new XComment(" Encrypted with Siyu:DataProtectionKey (AES-256-GCM). "),
                cipher.Encrypt(plaintextElement.ToString(SaveOptions.DisableFormatting))),
            typeof(KeyRingDecryptor));

    /// <summary>The cipher for a configured key; null when none is configured (the embedded start keeps plain files).</summary>
    public static PiiCipher? FromConfiguration(string? base64)
    {
        if (string.IsNullOrWhiteSpace(base64))
        {
            return null;
        }
        byte[] key;
        try
        {
            key = Convert.FromBase64String(base64.Trim());
        }
        catch (FormatException)
        {
            throw new InvalidOperationException("Siyu:DataProtectionKey is not valid base64: give base64 of 32 random bytes (`openssl rand -base64 32`).");
        }
        if (key.Length != PiiCipher.KeySize)
        {
            throw new InvalidOperationException($"Siyu:DataProtectionKey decodes to {key.Length} bytes; it must be exactly 32 (`openssl rand -base64 32`).");
        }
        return new PiiCipher(new Dictionary<string, byte[]> { [KeyId] = key }, KeyId);
    }
}

/// <summary>Created by the data-protection system (by type name) when it reads a key written by <see cref="KeyRingEncryptor"/>.</summary>
public sealed class KeyRingDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        var cipher = services.GetService<KeyRingCipher>()?.Cipher
            ?? throw new InvalidOperationException("The data-protection key ring is encrypted, but Siyu:DataProtectionKey is not configured.");
        return XElement.Parse(cipher.Decrypt(encryptedElement.Value.Trim()));
    }
}

/// <summary>The configured key-ring cipher as a service, for <see cref="KeyRingDecryptor"/>.</summary>
public sealed record KeyRingCipher(PiiCipher? Cipher);
