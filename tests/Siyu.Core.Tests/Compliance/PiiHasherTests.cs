using System.Security.Cryptography;
using System.Text;
using Siyu.Core.Compliance;
using Xunit;

namespace Siyu.Core.Tests.Compliance;

public sealed class PiiHasherTests
{
    [Fact]
    public void Hmac_matches_rfc_4231_test_case_1()
    {
        var mac = PiiHasher.Mac(Enumerable.Repeat((byte)0x0b, 20).ToArray(), "Hi There"u8);
        Assert.Equal("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", Convert.ToHexStringLower(mac));
    }

    [Fact]
    public void Hmac_matches_rfc_4231_test_case_2()
    {
        var mac = PiiHasher.Mac("Jefe"u8, "what do ya want for nothing?"u8);
        Assert.Equal("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", Convert.ToHexStringLower(mac));
    }

    [Fact]
    public void Hash_matches_rfc_4231_test_case_6_with_a_key_longer_than_the_block()
    {
        var hasher = new PiiHasher(Enumerable.Repeat((byte)0xaa, 131).ToArray());
        Assert.Equal("h:60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            hasher.Hash("Test Using Larger Than Block-Size Key - Hash Key First"));
    }

    [Fact]
    public void Hash_is_deterministic_per_key_and_differs_across_keys()
    {
        var k1 = RandomNumberGenerator.GetBytes(32);
        var a = new PiiHasher(k1);
        var b = new PiiHasher(k1);
        var c = new PiiHasher(RandomNumberGenerator.GetBytes(32));
        Assert.Equal(a.Hash("13912345678"), b.Hash("13912345678"));
        Assert.NotEqual(a.Hash("13912345678"), c.Hash("13912345678"));
        Assert.NotEqual(a.Hash("13912345678"), a.Hash("13912345679"));
        Assert.True(PiiHasher.IsHash(a.Hash("13912345678")));
    }

    [Fact]
    public void Suffix_hash_is_of_the_last_four_digits_and_never_equals_a_full_value_hash()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var hasher = new PiiHasher(key);
        Assert.Equal(hasher.HashPhoneSuffix("13912345678"), hasher.HashPhoneSuffix("5678"));
        Assert.NotEqual(hasher.HashPhoneSuffix("13912345678"), hasher.HashPhoneSuffix("13912345679"));
        Assert.NotEqual(hasher.Hash("5678"), hasher.HashPhoneSuffix("5678"));
        Assert.Null(hasher.HashPhoneSuffix("567"));
        // Independent computation with the runtime's HMAC object.
        using var hmac = new HMACSHA256(key);
        Assert.Equal("h:" + Convert.ToHexStringLower(hmac.ComputeHash(Encoding.UTF8.GetBytes("13912345678"))), hasher.Hash("13912345678"));
    }

    [Fact]
    public void Short_keys_are_refused()
    {
        Assert.Contains("32 bytes", Assert.Throws<ArgumentException>(() => new PiiHasher(new byte[31])).Message, StringComparison.Ordinal);
    }
}
