using Siyu.Core.Customers;
using Xunit;

namespace Siyu.Core.Tests.Customers;

public sealed class IdentifierNormalizerTests
{
    private static readonly IdentifierNormalizer Normalizer = new(new IdentityOptions());

    private static string Normalized(IdentifierType type, string raw)
    {
        Assert.True(Normalizer.TryNormalize(type, raw, out var value, out _), $"{type} '{raw}' should be usable");
        return value;
    }

    private static IgnoredReason Refused(IdentifierType type, string raw)
    {
        Assert.False(Normalizer.TryNormalize(type, raw, out var value, out var reason), $"{type} '{raw}' should be refused");
        Assert.Equal("", value);
        return reason;
    }

    [Theory]
    [InlineData("", IdentifierType.ExternalUserId)]
    [InlineData("   ", IdentifierType.DeviceId)]
    [InlineData("0", IdentifierType.Phone)]
    [InlineData("-1", IdentifierType.ExternalUserId)]
    [InlineData("null", IdentifierType.UnionId)]
    [InlineData("NULL", IdentifierType.Email)]
    [InlineData(" undefined ", IdentifierType.DeviceId)]
    [InlineData("None", IdentifierType.DeviceId)]
    [InlineData("nil", IdentifierType.ExternalUserId)]
    [InlineData("Anonymous", IdentifierType.DeviceId)]
    [InlineData("unknown", IdentifierType.Email)]
    [InlineData("N/A", IdentifierType.PlatformId)]
    [InlineData("00000000000", IdentifierType.Phone)]
    [InlineData("111-1111-1111", IdentifierType.Phone)]
    [InlineData("+86 000 0000 0000", IdentifierType.Phone)]
    [InlineData("taobao:0", IdentifierType.PlatformId)]
    [InlineData("jd: anonymous", IdentifierType.PlatformId)]
    public void Placeholder_values_are_blocked(string raw, IdentifierType type) =>
        Assert.Equal(IgnoredReason.Blocked, Refused(type, raw));

    [Fact]
    public void Extra_blocked_values_from_the_options_apply_case_insensitively()
    {
        var normalizer = new IdentifierNormalizer(new IdentityOptions { ExtraBlockedValues = new HashSet<string> { "Guest", "demo@example.com" } });
        Assert.False(normalizer.TryNormalize(IdentifierType.DeviceId, " guest ", out _, out var reason));
        Assert.Equal(IgnoredReason.Blocked, reason);
        Assert.False(normalizer.TryNormalize(IdentifierType.Email, "DEMO@example.com", out _, out reason));
        Assert.Equal(IgnoredReason.Blocked, reason);
        Assert.True(normalizer.TryNormalize(IdentifierType.DeviceId, "guest-42", out var value, out _));
        Assert.Equal("guest-42", value);
        // The default normaliser does not know the tenant's extra values.
        Assert.True(Normalizer.TryNormalize(IdentifierType.DeviceId, "guest", out _, out _));
    }

    [Theory]
    [InlineData("13800138000")]
    [InlineData("+86 138-0013-8000")]
    [InlineData("+8613800138000")]
    [InlineData("8613800138000")]
    [InlineData("0086 138 0013 8000")]
    [InlineData("(+86) 138 0013 8000")]
    [InlineData(" 138 0013 8000 ")]
    public void Mainland_phone_spellings_normalise_to_eleven_digits(string raw) =>
        Assert.Equal("13800138000", Normalized(IdentifierType.Phone, raw));

    [Theory]
    [InlineData("010-8888 6666", "01088886666")]
    [InlineData("12345", "12345")]
    [InlineData("+1 (415) 555-0100", "14155550100")]
    [InlineData("861380013800", "861380013800")] // 86 followed by 10 digits is not a prefix
    public void Other_phone_numbers_keep_their_digits(string raw, string expected) =>
        Assert.Equal(expected, Normalized(IdentifierType.Phone, raw));

    [Theory]
    [InlineData("1234")]
    [InlineData("123456789012345678901")]
    [InlineData("138OO138000")]
    [InlineData("138+0013+8000")]
    [InlineData("tel:13800138000")]
    public void Malformed_phones_are_invalid(string raw) =>
        Assert.Equal(IgnoredReason.Invalid, Refused(IdentifierType.Phone, raw));

    [Fact]
    public void Emails_are_trimmed_and_lowercased()
    {
        Assert.Equal("li.lei@example.com", Normalized(IdentifierType.Email, "  Li.Lei@Example.COM "));
    }

    [Theory]
    [InlineData("no-at-sign")]
    [InlineData("@example.com")]
    [InlineData("li@")]
    [InlineData("li@lei@example.com")]
    [InlineData("li lei@example.com")]
    public void Malformed_emails_are_invalid(string raw) =>
        Assert.Equal(IgnoredReason.Invalid, Refused(IdentifierType.Email, raw));

    [Fact]
    public void Platform_ids_lowercase_the_platform_and_keep_the_buyer_id()
    {
        Assert.Equal("taobao:Buyer123", Normalized(IdentifierType.PlatformId, " TaoBao:Buyer123 "));
        Assert.Equal("jd:b 1", Normalized(IdentifierType.PlatformId, "jd : b 1"));
    }

    [Theory]
    [InlineData("buyer123")]
    [InlineData(":buyer123")]
    [InlineData("taobao:")]
    [InlineData("taobao:   ")]
    public void Platform_ids_without_both_parts_are_invalid(string raw) =>
        Assert.Equal(IgnoredReason.Invalid, Refused(IdentifierType.PlatformId, raw));

    [Theory]
    [InlineData(IdentifierType.ExternalUserId)]
    [InlineData(IdentifierType.UnionId)]
    [InlineData(IdentifierType.DeviceId)]
    public void Opaque_ids_are_trimmed_keep_their_case_and_are_limited_to_128_characters(IdentifierType type)
    {
        Assert.Equal("wmAbC-123", Normalized(type, "  wmAbC-123\t"));
        Assert.Equal(new string('x', 128), Normalized(type, new string('x', 128)));
        Assert.Equal(IgnoredReason.Invalid, Refused(type, new string('x', 129)));
    }

    [Fact]
    public void Null_raw_value_is_blocked_rather_than_thrown()
    {
        Assert.Equal(IgnoredReason.Blocked, Refused(IdentifierType.DeviceId, null!));
    }
}
