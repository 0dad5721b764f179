namespace Siyu.WeCom.Callbacks;

/// <summary>Why a callback was rejected; the host maps each reason to an HTTP status.</summary>
public enum WeComCallbackError
{
    /// <summary>msg_signature does not match SHA1(sort(token, timestamp, nonce, encrypt)).</summary>
    BadSignature,

    /// <summary>The decrypted receive id is not our corp id (or suite id).</summary>
    BadReceiveId,

    /// <summary>The PKCS#7 padding (32-byte blocks) of the decrypted bytes is invalid.</summary>
    BadPadding,

    /// <summary>The envelope or the decrypted message is not well-formed XML, or lacks a required element.</summary>
    MalformedXml,

    /// <summary>The EncodingAESKey is not 43 Base64 characters decoding to 32 bytes.</summary>
    BadKey,

    /// <summary>The Encrypt value is not Base64, not whole AES blocks, or its length prefix is out of range.</summary>
    BadCiphertext,

    /// <summary>The timestamp is outside the accepted freshness window (replay protection).</summary>
    StaleTimestamp,
}

/// <summary>A callback could not be verified, decrypted or parsed.</summary>
public sealed class WeComCallbackException : Exception
{
    public WeComCallbackException(WeComCallbackError reason, string message, Exception? inner = null)
        : base(message, inner)
    {
        Reason = reason;
    }

    public WeComCallbackError Reason { get; }
}
