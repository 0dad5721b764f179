using Siyu.Core.Text;
using Xunit;

namespace Siyu.Core.Tests.Text;

public sealed class ChineseVariantsTests
{
    [Theory]
    [InlineData('東', '东')]
    [InlineData('買', '买')]
    [InlineData('賣', '卖')]
    [InlineData('後', '后')]
    [InlineData('臺', '台')]
    [InlineData('颱', '台')]
    [InlineData('鬆', '松')]
    [InlineData('麵', '面')]
    [InlineData('髮', '发')]
    [InlineData('發', '发')]
    [InlineData('國', '国')]
    [InlineData('優', '优')]
    [InlineData('惠', '惠')]
    [InlineData('費', '费')]
    [InlineData('龍', '龙')]
    public void Well_known_traditional_characters_fold_to_simplified(char traditional, char simplified)
    {
        Assert.Equal(simplified, ChineseVariants.ToSimplified(traditional));
    }

    [Fact]
    public void Simplified_and_other_text_is_unchanged()
    {
        const string simplified = "亲爱的会员您好！年终感恩季正式开启，最新款羽绒服全场八折起，会员积分翻倍。著名品牌，乾坤未定，保本保息。" +
            "我们的导购将在第一时间为您预留尺码，客服工作时间为每天九点至二十一点。ABC abc 123 😀";
        Assert.Equal(simplified, new string(simplified.Select(ChineseVariants.ToSimplified).ToArray()));
        Assert.Equal(simplified.Length, TextNormalization.None.Apply(simplified).Length);
    }

    [Fact]
    public void The_table_is_one_to_one_per_character_and_idempotent()
    {
        var pairs = ChineseVariants.All().ToList();
        Assert.True(pairs.Count >= 1000, $"{pairs.Count} pairs");
        Assert.Equal(pairs.Count, pairs.Select(p => p.Traditional).Distinct().Count());
        Assert.All(pairs, p => Assert.NotEqual(p.Traditional, p.Simplified));
        // A simplified character is never itself folded again, so folding twice is folding once.
        Assert.All(pairs, p => Assert.Equal(p.Simplified, ChineseVariants.ToSimplified(p.Simplified)));
    }
}
