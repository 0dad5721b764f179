using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Siyu.WeCom.Callbacks;

/// <summary>
/// WeCom callback message encryption (WXBizMsgCrypt), byte-compatible with WeCom's official libraries:
/// SHA1 signature over the sorted [token, timestamp, nonce, encrypt], AES-256-CBC with IV = key[0..16],
/// PKCS#7 padding to 32-byte blocks, plaintext = 16 random bytes ‖ uint32 BE length ‖ message ‖ receive id.
/// </summary>
/// <remarks>Thread-safe: every call creates its own AES transform.</remarks>
public sealed class WeComCallbackCrypto
{
    // WeCom pads to 32 bytes, not AES's 16: .NET's PaddingMode.PKCS7 rejects the official vectors (pad 30).
    private const int PadBlockSize = 32;
    private const int RandomPrefixLength = 16;
    private const int LengthFieldSize = 4;

    private readonly string _token;
    private readonly byte[] _key;
    private readonly byte[] _iv;
    private readonly byte[] _receiveId;
    private readonly Action<Span<byte>> _fillRandom;

    /// <param name="token">The callback Token configured in the WeCom admin console.</param>
    /// <param name="encodingAesKey">The 43-character EncodingAESKey.</param>
    /// <param name="receiveId">The corp id (self-built apps) or suite id (third-party apps) that must close every plaintext.</param>
    /// <param name="fillRandom">Source of the 16 random prefix bytes; injectable so encryption is reproducible in tests.</param>
    public WeComCallbackCrypto(string token, string encodingAesKey, string receiveId, Action<Span<byte>>? fillRandom = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        ArgumentException.ThrowIfNullOrEmpty(receiveId);
        _token = token;
        _key = DecodeKey(encodingAesKey);
        _iv = _key[..16];
        _receiveId = Encoding.UTF8.GetBytes(receiveId);
        _fillRandom = fillRandom ?? RandomNumberGenerator.Fill;
        ReceiveId = receiveId;
    }

    /// <summary>The receive id every decrypted message must end with (corp id or suite id).</summary>
    public string ReceiveId { get; }

    /// <summary>
    /// Answers WeCom's URL verification (<c>GET ?msg_signature&amp;timestamp&amp;nonce&amp;echostr</c>):
    /// returns the plaintext to echo back.
    /// </summary>
    public string VerifyUrl(string msgSignature, string timestamp, string nonce, string echostr)
    {
        EnsureSignature(msgSignature, timestamp, nonce, echostr);
        return Decrypt(echostr);
    }

    /// <summary>
    /// Verifies and decrypts an event POST body (<c>&lt;xml&gt;&lt;ToUserName/&gt;&lt;AgentID/&gt;&lt;Encrypt/&gt;&lt;/xml&gt;</c>)
    /// and returns the inner message XML.
    /// </summary>
    public string DecryptMessage(string msgSignature, string timestamp, string nonce, string postBodyXml)
    {
        var root = SafeXml.LoadRoot(postBodyXml);
        var encrypt = SafeXml.Child(root, "Encrypt");
        if (string.IsNullOrEmpty(encrypt))
        {
            throw new WeComCallbackException(WeComCallbackError.MalformedXml, "The callback body has no Encrypt element.");
        }

        EnsureSignature(msgSignature, timestamp, nonce, encrypt);
        return Decrypt(encrypt);
    }

    /// <summary>
    /// Encrypts a passive reply (or, in the simulator, an event) into WeCom's envelope:
    /// <c>&lt;xml&gt;&lt;Encrypt/&gt;&lt;MsgSignature/&gt;&lt;TimeStamp/&gt;&lt;Nonce/&gt;&lt;/xml&gt;</c>.
    /// </summary>
    public string EncryptMessage(string replyXml, string timestamp, string nonce)
    {
        var encrypt = Encrypt(replyXml);
        var signature = ComputeSignature(_token, timestamp, nonce, encrypt);
        return "<xml><Encrypt><![CDATA[" + encrypt + "]]></Encrypt><MsgSignature><![CDATA[" + signature
            + "]]></MsgSignature><TimeStamp>" + timestamp + "</TimeStamp><Nonce><![CDATA[" + nonce
            + "]]></Nonce></xml>";
    }

    /// <summary>Signature of an encrypted value with this instance's token.</summary>
    public string Sign(string timestamp, string nonce, string encrypt) => ComputeSignature(_token, timestamp, nonce, encrypt);

    /// <summary>SHA1 hex (lower case) of the ordinally sorted, concatenated [token, timestamp, nonce, encrypt].</summary>
    public static string ComputeSignature(string token, string timestamp, string nonce, string encrypt)
    {
        string[] parts = [token, timestamp, nonce, encrypt];
        Array.Sort(parts, StringComparer.Ordinal);
        var hash = SHA1.HashData(Encoding.UTF8.GetBytes(string.Concat(parts)));
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>Encrypts a message into the Base64 value of an <c>Encrypt</c> element.</summary>
    public string Encrypt(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var body = Encoding.UTF8.GetBytes(message);
        var contentLength = RandomPrefixLength + LengthFieldSize + body.Length + _receiveId.Length;
        var pad = PadBlockSize - (contentLength % PadBlockSize); // 1..32: a full block when already aligned
        var plain = new byte[contentLength + pad];

        _fillRandom(plain.AsSpan(0, RandomPrefixLength));
        BinaryPrimitives.WriteInt32BigEndian(plain.AsSpan(RandomPrefixLength, LengthFieldSize), body.Length);
        body.CopyTo(plain, RandomPrefixLength + LengthFieldSize);
        _receiveId.CopyTo(plain, RandomPrefixLength + LengthFieldSize + body.Length);
        plain.AsSpan(contentLength).Fill((byte)pad);

        using var aes = CreateAes();
        return Convert.ToBase64String(aes.EncryptCbc(plain, _iv, PaddingMode.None));
    }

    /// <summary>Decrypts the Base64 value of an <c>Encrypt</c> element and checks the receive id.</summary>
    public string Decrypt(string encrypt)
    {
        var decrypted = DecryptWithReceiveId(encrypt, out var receiveId);
        if (!CryptographicOperations.FixedTimeEquals(receiveId, _receiveId))
        {
            throw new WeComCallbackException(WeComCallbackError.BadReceiveId, "The decrypted receive id does not match.");
        }

        return decrypted;
    }

    private string DecryptWithReceiveId(string encrypt, out byte[] receiveId)
    {
        byte[] cipher;
        try
        {
            cipher = Convert.FromBase64String(encrypt);
        }
        catch (FormatException ex)
        {
            throw new WeComCallbackException(WeComCallbackError.BadCiphertext, "Encrypt is not valid Base64.", ex);
        }

        if (cipher.Length == 0 || cipher.Length % 16 != 0)
        {
            throw new WeComCallbackException(WeComCallbackError.BadCiphertext, "Encrypt is not a whole number of AES blocks.");
        }

        byte[] plain;
        using (var aes = CreateAes())
        {
            plain = aes.DecryptCbc(cipher, _iv, PaddingMode.None);
        }

        var pad = plain[^1];
        if (pad is < 1 or > PadBlockSize || pad > plain.Length)
        {
            throw new WeComCallbackException(WeComCallbackError.BadPadding, "Invalid padding length.");
        }

        for (var i = plain.Length - pad; i < plain.Length; i++)
        {
            if (plain[i] != pad)
            {
                throw new WeComCallbackException(WeComCallbackError.BadPadding, "Invalid padding bytes.");
            }
        }

        var content = plain.AsSpan(0, plain.Length - pad);
        if (content.Length < RandomPrefixLength + LengthFieldSize)
        {
            throw new WeComCallbackException(WeComCallbackError.BadCiphertext, "The plaintext is too short.");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(content.Slice(RandomPrefixLength, LengthFieldSize));
        var available = content.Length - RandomPrefixLength - LengthFieldSize;
        if (length > (uint)available)
        {
            throw new WeComCallbackException(WeComCallbackError.BadCiphertext, "The message length prefix exceeds the plaintext.");
        }

        var message = content.Slice(RandomPrefixLength + LengthFieldSize, (int)length);
        receiveId = content[(RandomPrefixLength + LengthFieldSize + (int)length)..].ToArray();
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(message);
        }
        catch (DecoderFallbackException ex)
        {
            throw new WeComCallbackException(WeComCallbackError.BadCiphertext, "The message is not valid UTF-8.", ex);
        }
    }

    private void EnsureSignature(string msgSignature, string timestamp, string nonce, string encrypt)
    {
        if (string.IsNullOrEmpty(msgSignature) || timestamp is null || nonce is null)
        {
            throw new WeComCallbackException(WeComCallbackError.BadSignature, "msg_signature, timestamp and nonce are required.");
        }

        var expected = Encoding.ASCII.GetBytes(ComputeSignature(_token, timestamp, nonce, encrypt));
        // WeCom sends lower-case hex; accept upper case too. Lower-casing leaks nothing about the secret.
        var actual = Encoding.ASCII.GetBytes(msgSignature.ToLowerInvariant());
        if (!CryptographicOperations.FixedTimeEquals(expected, actual))
        {
            throw new WeComCallbackException(WeComCallbackError.BadSignature, "msg_signature does not match.");
        }
    }

    private Aes CreateAes()
    {
        var aes = Aes.Create();
        aes.Key = _key;
        return aes;
    }

    private static byte[] DecodeKey(string encodingAesKey)
    {
        if (encodingAesKey is not { Length: 43 })
        {
            throw new WeComCallbackException(WeComCallbackError.BadKey, "EncodingAESKey must be 43 characters.");
        }

        try
        {
            var key = Convert.FromBase64String(encodingAesKey + "=");
            if (key.Length != 32)
            {
                throw new WeComCallbackException(WeComCallbackError.BadKey, "EncodingAESKey must decode to 32 bytes.");
            }

            return key;
        }
        catch (FormatException ex)
        {
            throw new WeComCallbackException(WeComCallbackError.BadKey, "EncodingAESKey is not Base64.", ex);
        }
    }
}
