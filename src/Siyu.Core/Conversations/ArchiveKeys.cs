using System.Security.Cryptography;

namespace Siyu.Core.Conversations;

/// <summary>
/// The step of WeCom's archive decryption that needs the corp's private key: <c>encrypt_random_key</c> is the random
/// key RSA-encrypted (PKCS#1 v1.5) with the public key of version <c>publickey_ver</c>. The SDK's DecryptData then
/// decrypts <c>encrypt_chat_msg</c> with that random key (a proprietary format Siyu does not implement).
/// </summary>
public static class ArchiveKeys
{
    /// <summary>Reads a PEM RSA private key (PKCS#1 "RSA PRIVATE KEY" or PKCS#8 "PRIVATE KEY"); null with a reason when it is none.</summary>
    public static RSA? TryImport(string pem, out string? error)
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            // A public key imports too, but cannot decrypt anything: refuse it here rather than on the first message.
            _ = rsa.ExportParameters(includePrivateParameters: true);
            if (rsa.KeySize < 1024)
            {
                rsa.Dispose();
                error = "The key is shorter than 1024 bits.";
                return null;
            }
            error = null;
            return rsa;
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            rsa.Dispose();
            error = "Expected a PEM RSA private key (-----BEGIN RSA PRIVATE KEY----- or -----BEGIN PRIVATE KEY-----).";
            return null;
        }
    }

    /// <summary>The SHA-256 of the public key (SubjectPublicKeyInfo), shown instead of the key so admins can tell versions apart.</summary>
    public static string Fingerprint(RSA rsa) => Convert.ToHexStringLower(SHA256.HashData(rsa.ExportSubjectPublicKeyInfo()));

    /// <summary>Decrypts a base64 <c>encrypt_random_key</c>; null when it is not base64 or not encrypted for this key.</summary>
    public static byte[]? DecryptRandomKey(RSA rsa, string encryptRandomKey)
    {
        byte[] cipher;
        try
        {
            cipher = Convert.FromBase64String(encryptRandomKey);
        }
        catch (FormatException)
        {
            return null;
        }
        try
        {
            return rsa.Decrypt(cipher, RSAEncryptionPadding.Pkcs1);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
