using Siyu.Core.Compliance;
using Xunit;

namespace Siyu.Core.Tests.Compliance;

public sealed class PiiMaskTextTests
{
    [Theory]
    [InlineData("GET /api/v1/customers?q=13812345678 200", "GET /api/v1/customers?q=138****5678 200")]
    [InlineData("tel +86 13812345678.", "tel +86 138****5678.")]
    [InlineData("身份证110101199003071234，", "身份证110***********1234，")]
    [InlineData("id 11010119900307123X end", "id 110***********123X end")]
    [InlineData("card 6222021234567890123", "card 6222 **** **** **** 0123")]
    [InlineData("card 6222021234567890", "card 6222 **** **** 7890")]
    // Not personal: a landline-length or shorter run, an 11-digit run that is no mobile, a longer run (order id, ticks).
    [InlineData("order 20261202123 ok", "order 20261202123 ok")]
    [InlineData("ticks 639002736000000000000", "ticks 639002736000000000000")]
    [InlineData("seq 1234567890", "seq 1234567890")]
    [InlineData("两个 13812345678 和 13998765432", "两个 138****5678 和 139****5432")]
    [InlineData("", "")]
    public void Numbers_that_identify_a_person_are_masked_in_free_text(string text, string expected) =>
        Assert.Equal(expected, PiiMask.MaskText(text));
}
