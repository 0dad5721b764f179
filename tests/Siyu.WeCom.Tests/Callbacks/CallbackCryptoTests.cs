using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Siyu.WeCom.Callbacks;

namespace Siyu.WeCom.Tests.Callbacks;

public sealed class CallbackCryptoTests
{
    private const string Token = "QDG6eK";
    private const string AesKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
    private const string CorpId = "wx5823bf96d3bd56c7";

    private static readonly byte[] Key = Convert.FromBase64String(AesKey + "=");

    private readonly WeComCallbackCrypto _crypto = new(Token, AesKey, CorpId);

    [Theory]
    [InlineData("")]
    [InlineData("success")]
    [InlineData("<xml><Content><![CDATA[你好，欢迎来到思域 🎉]]></Content></xml>")]
    [InlineData("abcdefghijklmnopqrstuvwxyz")] // 16 + 4 + 26 + 18 = 64 bytes: already block-aligned
    public void Encrypt_then_decrypt_round_trips(string message)
    {
        var envelope = _crypto.EncryptMessage(message, "1700000000", "nonce123");
        var root = System.Xml.Linq.XElement.Parse(envelope);

        var decrypted = _crypto.DecryptMessage(root.Element("MsgSignature")!.Value, root.Element("TimeStamp")!.Value,
            root.Element("Nonce")!.Value, envelope);

        Assert.Equal(message, decrypted);
    }

    [Fact]
    public void Padding_is_a_full_block_of_32_when_the_content_is_already_aligned()
    {
        // 16 random + 4 length + 26 message + 18 corp id = 64: PKCS#7 then adds a whole block of 32s.
        var message = new string('a', 26);
        var raw = DecryptRaw(_crypto.Encrypt(message));

        Assert.Equal(96, raw.Length);
        Assert.All(raw[^32..], b => Assert.Equal(32, b));
    }

    [Fact]
    public void Length_prefix_counts_utf8_bytes_not_characters()
    {
        var raw = DecryptRaw(_crypto.Encrypt("张敏"));

        Assert.Equal(6, BinaryPrimitives.ReadInt32BigEndian(raw.AsSpan(16, 4)));
    }

    [Fact]
    public void Injected_random_source_makes_encryption_deterministic()
    {
        var a = new WeComCallbackCrypto(Token, AesKey, CorpId, fill => fill.Fill(7));
        var b = new WeComCallbackCrypto(Token, AesKey, CorpId, fill => fill.Fill(7));

        Assert.Equal(a.EncryptMessage("<xml/>", "1", "2"), b.EncryptMessage("<xml/>", "1", "2"));
        Assert.NotEqual(_crypto.Encrypt("<xml/>"), _crypto.Encrypt("<xml/>"));
    }

    [Fact]
    public void Tampered_signature_is_rejected()
    {
        var v = CryptoVector.Named("official-sample-decrypt-post");
        var wrong = "0" + v.MsgSignature[1..];

        var ex = Assert.Throws<WeComCallbackException>(() => _crypto.DecryptMessage(wrong, v.Timestamp, v.Nonce, v.PostBody!));
        Assert.Equal(WeComCallbackError.BadSignature, ex.Reason);
    }

    [Fact]
    public void Signature_over_a_different_timestamp_is_rejected()
    {
        var v = CryptoVector.Named("official-sample-decrypt-post");

        var ex = Assert.Throws<WeComCallbackException>(() => _crypto.DecryptMessage(v.MsgSignature, "1409659814", v.Nonce, v.PostBody!));
        Assert.Equal(WeComCallbackError.BadSignature, ex.Reason);
    }

    [Fact]
    public void Upper_case_signature_is_accepted()
    {
        var v = CryptoVector.Named("official-sample-verify-url");

        Assert.Equal("1616140317555161061", _crypto.VerifyUrl(v.MsgSignature.ToUpperInvariant(), v.Timestamp, v.Nonce, v.EchoStr!));
    }

    [Fact]
    public void Message_for_another_receive_id_is_rejected()
    {
        var v = CryptoVector.Named("official-sample-decrypt-post");
        var otherCorp = new WeComCallbackCrypto(Token, AesKey, "ww-another-corp");

        var ex = Assert.Throws<WeComCallbackException>(() => otherCorp.DecryptMessage(v.MsgSignature, v.Timestamp, v.Nonce, v.PostBody!));
        Assert.Equal(WeComCallbackError.BadReceiveId, ex.Reason);
    }

    [Fact]
    public void Receive_id_that_is_a_prefix_of_the_real_one_is_rejected()
    {
        var v = CryptoVector.Named("official-sample-decrypt-post");
        var prefixCorp = new WeComCallbackCrypto(Token, AesKey, CorpId[..^1]);

        var ex = Assert.Throws<WeComCallbackException>(() => prefixCorp.Decrypt(v.Encrypt));
        Assert.Equal(WeComCallbackError.BadReceiveId, ex.Reason);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(33)]
    [InlineData(255)]
    public void Pad_value_outside_1_to_32_is_rejected(byte pad)
    {
        var plain = Plaintext("<xml/>", CorpId, 64);
        plain[^1] = pad;

        var ex = Assert.Throws<WeComCallbackException>(() => _crypto.Decrypt(EncryptRaw(plain)));
        Assert.Equal(WeComCallbackError.BadPadding, ex.Reason);
    }

    [Fact]
    public void Inconsistent_pad_bytes_are_rejected()
    {
        var plain = Plaintext("<xml/>", CorpId, 64);
        var pad = plain[^1];
        plain[^pad] ^= 0x01;

        var ex = Assert.Throws<WeComCallbackException>(() => _crypto.Decrypt(EncryptRaw(plain)));
        Assert.Equal(WeComCallbackError.BadPadding, ex.Reason);
    }

    [Fact]
    public void Tampered_ciphertext_with_a_valid_signature_fails_padding_or_receive_id()
    {
        var v = CryptoVector.Named("official-sample-decrypt-post");
        var cipher = Convert.FromBase64String(v.Encrypt);
        cipher[^1] ^= 0x55; // corrupts the last block, so the pad byte
        var encrypt = Convert.ToBase64String(cipher);
        var signature = WeComCallbackCrypto.ComputeSignature(Token, v.Timestamp, v.Nonce, encrypt);
        var body = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[" + encrypt + "]]></Encrypt></xml>";

        var ex = Assert.Throws<WeComCallbackException>(() => _crypto.DecryptMessage(signature, v.Timestamp, v.Nonce, body));
        Assert.Contains(ex.Reason, new[] { WeComCallbackError.BadPadding, WeComCallbackError.BadReceiveId, WeComCallbackError.BadCiphertext });
    }

    [Fact]
    public void Length_prefix_beyond_the_plaintext_is_rejected()
    {
        var plain = Plaintext("<xml/>", CorpId, 64);
        BinaryPrimitives.WriteInt32BigEndian(plain.AsSpan(16, 4), 1000);

        var ex = Assert.Throws<WeComCallbackException>(() => _crypto.Decrypt(EncryptRaw(plain)));
        Assert.Equal(WeComCallbackError.BadCiphertext, ex.Reason);
    }

    [Theory]
    [InlineData("not base64 !!")]
    [InlineData("AAAA")] // 3 bytes: not a whole AES block
    public void Garbage_ciphertext_is_rejected(string encrypt)
    {
        var ex = Assert.Throws<WeComCallbackException>(() => _crypto.Decrypt(encrypt));
        Assert.Equal(WeComCallbackError.BadCiphertext, ex.Reason);
    }

    [Theory]
    [InlineData("<xml><Encrypt>unterminated")]
    [InlineData("<xml><ToUserName>x</ToUserName></xml>")]
    [InlineData("")]
    public void Malformed_or_incomplete_post_body_is_rejected(string body)
    {
        var ex = Assert.Throws<WeComCallbackException>(() => _crypto.DecryptMessage("sig", "1", "2", body));
        Assert.Equal(WeComCallbackError.MalformedXml, ex.Reason);
    }

    [Fact]
    public void Post_body_with_a_dtd_is_rejected_before_any_entity_is_resolved()
    {
        const string body = """
            <?xml version="1.0"?>
            <!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
            <xml><Encrypt>&xxe;</Encrypt></xml>
            """;

        var ex = Assert.Throws<WeComCallbackException>(() => _crypto.DecryptMessage("sig", "1", "2", body));
        Assert.Equal(WeComCallbackError.MalformedXml, ex.Reason);
    }

    [Theory]
    [InlineData("short")]
    [InlineData("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2")] // 42 characters
    [InlineData("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2!")] // not Base64
    public void Bad_encoding_aes_key_is_rejected(string key)
    {
        var ex = Assert.Throws<WeComCallbackException>(() => new WeComCallbackCrypto(Token, key, CorpId));
        Assert.Equal(WeComCallbackError.BadKey, ex.Reason);
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(-300, true)]
    [InlineData(-301, false)]
    [InlineData(300, true)]
    [InlineData(301, false)]
    public void Freshness_accepts_timestamps_within_the_window_either_side(int offsetSeconds, bool fresh)
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_764_036_000));
        var freshness = new CallbackFreshness(time, TimeSpan.FromMinutes(5));
        var timestamp = (1_764_036_000 + offsetSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(fresh, freshness.IsFresh(timestamp));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("-5")]
    public void Freshness_rejects_unparseable_timestamps(string? timestamp)
    {
        var freshness = new CallbackFreshness(new FakeTimeProvider());

        var ex = Assert.Throws<WeComCallbackException>(() => freshness.EnsureFresh(timestamp));
        Assert.Equal(WeComCallbackError.StaleTimestamp, ex.Reason);
    }

    [Fact]
    public void Freshness_follows_the_injected_clock()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_764_036_000));
        var freshness = new CallbackFreshness(time);

        Assert.True(freshness.IsFresh("1764036000"));
        time.Advance(TimeSpan.FromMinutes(6));
        Assert.False(freshness.IsFresh("1764036000"));
    }

    private static byte[] Plaintext(string message, string receiveId, int totalLength)
    {
        var body = Encoding.UTF8.GetBytes(message);
        var id = Encoding.UTF8.GetBytes(receiveId);
        var content = 20 + body.Length + id.Length;
        var plain = new byte[totalLength];
        BinaryPrimitives.WriteInt32BigEndian(plain.AsSpan(16, 4), body.Length);
        body.CopyTo(plain, 20);
        id.CopyTo(plain, 20 + body.Length);
        plain.AsSpan(content).Fill((byte)(totalLength - content));
        return plain;
    }

    private static string EncryptRaw(byte[] plain)
    {
        using var aes = Aes.Create();
        aes.Key = Key;
        return Convert.ToBase64String(aes.EncryptCbc(plain, Key[..16], PaddingMode.None));
    }

    private static byte[] DecryptRaw(string encrypt)
    {
        using var aes = Aes.Create();
        aes.Key = Key;
        return aes.DecryptCbc(Convert.FromBase64String(encrypt), Key[..16], PaddingMode.None);
    }
}
