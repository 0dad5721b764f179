using System.Security.Cryptography;
using Siyu.WeCom.Callbacks;

namespace Siyu.WeCom.Tests.Callbacks;

/// <summary>The crypto against WeCom's own published vectors: the only oracle that is not our code.</summary>
public sealed class CryptoVectorTests
{
    [Theory]
    [MemberData(nameof(CryptoVector.Names), MemberType = typeof(CryptoVector))]
    public void Official_vector_signature_matches(string name)
    {
        var v = CryptoVector.Named(name);

        Assert.Equal(v.MsgSignature, WeComCallbackCrypto.ComputeSignature(v.Token, v.Timestamp, v.Nonce, v.Encrypt));
    }

    [Theory]
    [MemberData(nameof(CryptoVector.Names), MemberType = typeof(CryptoVector))]
    public void Official_vector_verifies_and_decrypts(string name)
    {
        var v = CryptoVector.Named(name);
        var crypto = new WeComCallbackCrypto(v.Token, v.EncodingAesKey, v.ReceiveId);

        var plaintext = v.Kind switch
        {
            "verify_url" => crypto.VerifyUrl(v.MsgSignature, v.Timestamp, v.Nonce, v.EchoStr!),
            "decrypt_message" => crypto.DecryptMessage(v.MsgSignature, v.Timestamp, v.Nonce, v.PostBody!),
            _ => throw new InvalidOperationException("unknown vector kind " + v.Kind),
        };

        Assert.NotEmpty(plaintext);
        if (v.ExpectedPlaintext is not null)
        {
            Assert.Equal(v.ExpectedPlaintext, plaintext);
        }

        if (v.Kind == "decrypt_message")
        {
            // The inner message is XML addressed to the same corp.
            var root = System.Xml.Linq.XElement.Parse(plaintext);
            Assert.Equal(v.ReceiveId, root.Element("ToUserName")?.Value);
        }
    }

    [Fact]
    public void Official_post_vector_uses_pkcs7_over_32_byte_blocks()
    {
        // The pitfall this guards: .NET's PaddingMode.PKCS7 (16-byte blocks) rejects a pad byte of 30.
        var v = CryptoVector.Named("official-sample-decrypt-post");
        var key = Convert.FromBase64String(v.EncodingAesKey + "=");
        using var aes = Aes.Create();
        aes.Key = key;
        var raw = aes.DecryptCbc(Convert.FromBase64String(v.Encrypt), key[..16], PaddingMode.None);

        Assert.Equal(v.ExpectedPadByte, raw[^1]);
        Assert.ThrowsAny<CryptographicException>(() => aes.DecryptCbc(Convert.FromBase64String(v.Encrypt), key[..16], PaddingMode.PKCS7));
    }

    [Theory]
    [MemberData(nameof(CryptoVector.Names), MemberType = typeof(CryptoVector))]
    public void Encrypting_with_the_vectors_random_prefix_reproduces_the_official_ciphertext(string name)
    {
        // Encryption checked against WeCom, not against our own decryption: recover the 16 random bytes the
        // official encoder used, feed them back, and the ciphertext must come out byte-identical.
        var v = CryptoVector.Named(name);
        var key = Convert.FromBase64String(v.EncodingAesKey + "=");
        using var aes = Aes.Create();
        aes.Key = key;
        var raw = aes.DecryptCbc(Convert.FromBase64String(v.Encrypt), key[..16], PaddingMode.None);
        var prefix = raw[..16];

        var plain = new WeComCallbackCrypto(v.Token, v.EncodingAesKey, v.ReceiveId).Decrypt(v.Encrypt);
        var replay = new WeComCallbackCrypto(v.Token, v.EncodingAesKey, v.ReceiveId, fill => prefix.CopyTo(fill));

        Assert.Equal(v.Encrypt, replay.Encrypt(plain));
    }

    [Fact]
    public void Decrypted_official_event_parses_as_an_unknown_non_event_message()
    {
        // The official POST vector is a user text message, not an event: it must not be mistaken for one.
        var v = CryptoVector.Named("official-sample-decrypt-post");
        var xml = new WeComCallbackCrypto(v.Token, v.EncodingAesKey, v.ReceiveId)
            .DecryptMessage(v.MsgSignature, v.Timestamp, v.Nonce, v.PostBody!);

        var parsed = CallbackEventParser.Parse(xml);

        var unknown = Assert.IsType<UnknownCallback>(parsed);
        Assert.Equal("text", unknown.Envelope.MsgType);
        Assert.Equal("wx5823bf96d3bd56c7", unknown.Envelope.CorpId);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1409659813), unknown.Envelope.CreateTime);
        Assert.Equal("218", unknown.Envelope.AgentId);
    }
}
