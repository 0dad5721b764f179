using System.Security.Cryptography;
using System.Text;
using Siyu.Core.Compliance;
using Xunit;

namespace Siyu.Core.Tests.Compliance;

public sealed class PiiCipherTests
{
    private static readonly byte[] K1 = RandomNumberGenerator.GetBytes(32);
    private static readonly byte[] K2 = RandomNumberGenerator.GetBytes(32);

    private static PiiCipher Ring(string active, params (string Kid, byte[] Key)[] keys) =>
        new(keys.ToDictionary(k => k.Kid, k => k.Key), active);

    [Theory]
    [InlineData("13912345678")]
    [InlineData("上海市浦东新区世纪大道100号 3号楼 1201室")]
    [InlineData("")]
    [InlineData("110101199001011234")]
    public void Round_trips_including_chinese_addresses(string plaintext)
    {
        var cipher = Ring("k1", ("k1", K1));
        var stored = cipher.Encrypt(plaintext);
        Assert.StartsWith("enc:v1:k1:", stored, StringComparison.Ordinal);
        Assert.DoesNotContain(plaintext.Length > 0 ? plaintext : "\0", stored, StringComparison.Ordinal);
        Assert.Equal(plaintext, cipher.Decrypt(stored));
    }

    [Fact]
    public void The_format_is_nonce_ciphertext_tag_under_the_named_key_checked_with_the_runtime_aes_gcm()
    {
        // Independent oracle: open the stored value by hand with AesGcm, from the documented layout.
        var cipher = Ring("k1", ("k1", K1));
        var stored = cipher.Encrypt("上海市");
        var body = System.Buffers.Text.Base64Url.DecodeFromChars(stored.AsSpan("enc:v1:k1:".Length));
        var plain = new byte[body.Length - 12 - 16];
        using var aes = new AesGcm(K1, 16);
        aes.Decrypt(body.AsSpan(0, 12), body.AsSpan(12, plain.Length), body.AsSpan(12 + plain.Length), plain, Encoding.ASCII.GetBytes("enc:v1:k1:"));
        Assert.Equal("上海市", Encoding.UTF8.GetString(plain));
    }

    [Fact]
    public void Encrypting_twice_gives_different_ciphertexts()
    {
        var cipher = Ring("k1", ("k1", K1));
        Assert.NotEqual(cipher.Encrypt("13912345678"), cipher.Encrypt("13912345678"));
    }

    [Fact]
    public void Flipping_any_byte_is_detected()
    {
        var cipher = Ring("k1", ("k1", K1));
        var stored = cipher.Encrypt("上海市浦东新区世纪大道100号");
        var header = "enc:v1:k1:";
        var body = System.Buffers.Text.Base64Url.DecodeFromChars(stored.AsSpan(header.Length));
        for (var i = 0; i < body.Length; i++)
        {
            var tampered = (byte[])body.Clone();
            tampered[i] ^= 0x01;
            var altered = header + System.Buffers.Text.Base64Url.EncodeToString(tampered);
            Assert.Throws<PiiDecryptionException>(() => cipher.Decrypt(altered));
        }
    }

    [Fact]
    public void Truncated_or_malformed_values_fail_clearly()
    {
        var cipher = Ring("k1", ("k1", K1));
        Assert.Throws<PiiDecryptionException>(() => cipher.Decrypt("enc:v1:k1:AAAA"));
        Assert.Throws<PiiDecryptionException>(() => cipher.Decrypt("enc:v1:k1:***"));
        Assert.Throws<PiiDecryptionException>(() => cipher.Decrypt("13912345678"));
    }

    [Fact]
    public void A_different_key_under_the_same_id_fails()
    {
        var stored = Ring("k1", ("k1", K1)).Encrypt("13912345678");
        var wrong = Ring("k1", ("k1", K2));
        var e = Assert.Throws<PiiDecryptionException>(() => wrong.Decrypt(stored));
        Assert.Contains("k1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_key_id_fails_naming_it()
    {
        var stored = Ring("k1", ("k1", K1)).Encrypt("13912345678");
        var e = Assert.Throws<PiiDecryptionException>(() => Ring("k2", ("k2", K2)).Decrypt(stored));
        Assert.Contains("'k1'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Relabelling_a_ciphertext_with_another_key_id_fails_because_the_header_is_authenticated()
    {
        // Both ids hold the same key: only the associated data can tell them apart.
        var stored = Ring("k1", ("k1", K1), ("k2", K1)).Encrypt("13912345678");
        var relabelled = "enc:v1:k2:" + stored["enc:v1:k1:".Length..];
        Assert.Throws<PiiDecryptionException>(() => Ring("k1", ("k1", K1), ("k2", K1)).Decrypt(relabelled));
    }

    [Fact]
    public void Rotation_old_key_still_decrypts_and_new_writes_use_the_active_key()
    {
        var before = Ring("k1", ("k1", K1));
        var old = before.Encrypt("上海市");
        var after = Ring("k2", ("k1", K1), ("k2", K2));
        Assert.Equal("上海市", after.Decrypt(old));
        Assert.True(after.NeedsRotation(old));
        var fresh = after.Encrypt("上海市");
        Assert.Equal("k2", PiiCipher.KeyIdOf(fresh));
        Assert.False(after.NeedsRotation(fresh));
        var rotated = after.Reencrypt(old);
        Assert.Equal("k2", PiiCipher.KeyIdOf(rotated));
        // After rotation k1 can go: the new ring without it still reads the value.
        Assert.Equal("上海市", Ring("k2", ("k2", K2)).Decrypt(rotated));
    }

    [Fact]
    public void Blobs_round_trip_and_detect_tampering()
    {
        var cipher = Ring("k1", ("k1", K1));
        var data = RandomNumberGenerator.GetBytes(1000);
        var stored = cipher.EncryptBytes(data);
        Assert.True(PiiCipher.IsEncrypted(stored));
        Assert.Equal("k1", PiiCipher.KeyIdOf(stored));
        Assert.Equal(data, cipher.DecryptBytes(stored));
        stored[^1] ^= 0x80;
        Assert.Throws<PiiDecryptionException>(() => cipher.DecryptBytes(stored));
    }

    [Fact]
    public void Configuration_mistakes_are_refused_with_clear_messages()
    {
        Assert.Contains("32 bytes", Assert.Throws<ArgumentException>(() => Ring("k1", ("k1", new byte[16]))).Message, StringComparison.Ordinal);
        Assert.Contains("'k9'", Assert.Throws<ArgumentException>(() => Ring("k9", ("k1", K1))).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Ring("a:b", ("a:b", K1)));
    }
}
