using Siyu.Core.Compliance;
using Xunit;

namespace Siyu.Core.Tests.Compliance;

public sealed class PiiMaskTests
{
    [Theory]
    [InlineData(PiiMask.Kind.Phone, "13812345678", "138****5678")]
    [InlineData(PiiMask.Kind.Phone, "1234567", "*******")]                       // too short to show anything
    [InlineData(PiiMask.Kind.IdCard, "110101199001011234", "110***********1234")]
    [InlineData(PiiMask.Kind.IdCard, "11010119900101123X", "110***********123X")]
    [InlineData(PiiMask.Kind.BankCard, "6222021234567891234", "6222 **** **** **** 1234")] // 19 digits: three hidden groups
    [InlineData(PiiMask.Kind.BankCard, "6222 0212 3456 1234", "6222 **** **** 1234")]
    [InlineData(PiiMask.Kind.Address, "上海市浦东新区世纪大道100号", "上海市浦东新****")]
    [InlineData(PiiMask.Kind.Address, "杭州", "**")]
    [InlineData(PiiMask.Kind.Email, "zhang.san@example.com", "z***@example.com")]
    [InlineData(PiiMask.Kind.None, "王小明", "王小明")]
    public void Masks_as_written_in_the_issue(PiiMask.Kind kind, string value, string expected) => Assert.Equal(expected, PiiMask.Mask(kind, value));

    [Theory]
    [InlineData("phone", PiiMask.Kind.Phone)]
    [InlineData("Mobile_2", PiiMask.Kind.Phone)]
    [InlineData("手机号", PiiMask.Kind.Phone)]
    [InlineData("id_card", PiiMask.Kind.IdCard)]
    [InlineData("身份证号", PiiMask.Kind.IdCard)]
    [InlineData("bank_card", PiiMask.Kind.BankCard)]
    [InlineData("home_address", PiiMask.Kind.Address)]
    [InlineData("收货地址", PiiMask.Kind.Address)]
    [InlineData("email", PiiMask.Kind.Email)]
    [InlineData("city", PiiMask.Kind.None)]
    [InlineData("name", PiiMask.Kind.None)]
    public void Attribute_names_decide_the_kind(string name, PiiMask.Kind kind) => Assert.Equal(kind, PiiMask.KindOf(name));
}
