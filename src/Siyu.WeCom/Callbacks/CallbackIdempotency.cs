using System.Security.Cryptography;
using System.Text;

namespace Siyu.WeCom.Callbacks;

/// <summary>
/// Idempotency keys for callbacks. WeCom retries a callback (up to 3 times) when no answer comes within
/// 5 s; every retry carries the same decrypted XML (fresh random prefix, same message), so a hash of it
/// identifies the delivery.
/// </summary>
public static class CallbackIdempotency
{
    /// <summary><c>wecom:</c> + lower-case hex SHA-256 of <c>corpId \n decryptedXml</c>.</summary>
    public static string Compute(string? corpId, string decryptedXml)
    {
        ArgumentNullException.ThrowIfNull(decryptedXml);
        // The corp is part of the key because two corps can send byte-identical sample-like events.
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes((corpId ?? string.Empty) + "\n" + decryptedXml));
        return "wecom:" + Convert.ToHexStringLower(hash);
    }
}
