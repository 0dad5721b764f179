using Siyu.Core.Delivery;
using Xunit;

namespace Siyu.Core.Tests.Delivery;

public sealed class ContentReviewTests
{
    private static readonly ContentReview Finance = ContentReview.ForIndustry(Industry.Finance);
    private static readonly ContentReview General = ContentReview.ForIndustry(Industry.General);

    private static List<(string Word, int Start, int Length)> Hits(ReviewResult r) => r.Hits.Select(h => (h.Word, h.Start, h.Length)).ToList();

    [Fact]
    public void Finance_promises_are_blocked_with_every_hit_positioned_for_highlighting()
    {
        //                            0 1 2 3 4 5 6 7 8 9 10 11
        var result = Finance.Review("本产品保本保息，稳赚不赔");
        Assert.Equal(ReviewOutcome.Blocked, result.Outcome);
        Assert.Equal([("保本保息", 3, 4), ("保本", 3, 2), ("保息", 5, 2), ("稳赚不赔", 8, 4), ("稳赚", 8, 2)], Hits(result));
        var hit = result.Hits.Single(h => h.Word == "稳赚不赔");
        Assert.Equal(("finance", "finance", ReviewAction.Block, "text"), (hit.Category, hit.Pack, hit.Action, hit.Field));
        Assert.Contains("广告法", hit.Reason);
        Assert.Equal("本产品保本保息，稳赚不赔", hit.Snippet);
        Assert.Equal(8, hit.SnippetStart);
        Assert.Equal("稳赚不赔", hit.Matched);
    }

    [Fact]
    public void Evasion_with_spaces_and_zero_width_characters_is_caught_and_the_whole_span_reported()
    {
        var result = Finance.Review("真的稳 赚\u200B不-赔哦");
        Assert.Equal(ReviewOutcome.Blocked, result.Outcome);
        var hit = result.Hits.Single(h => h.Word == "稳赚不赔");
        Assert.Equal((2, 7), (hit.Start, hit.Length));
        Assert.Equal("稳 赚\u200B不-赔", hit.Matched);
    }

    [Fact]
    public void A_risk_disclosure_that_negates_a_rule_word_passes()
    {
        Assert.Equal(ReviewResult.Pass, Finance.Review("理财非存款，产品有风险，投资须谨慎。本产品不保本，不保证收益。"));
        Assert.Equal(ReviewOutcome.Pass, Finance.Review("请确保本人操作").Outcome);
        // The exception covers its own occurrence only.
        Assert.Equal([("保本", 10, 2)], Hits(Finance.Review("本产品不保本，但那款保本")));
        // An allow-listed prefix does not hide a longer blocked phrase.
        Assert.Equal(ReviewOutcome.Blocked, Finance.Review("我们确保本金安全").Outcome);
    }

    [Fact]
    public void Advertising_law_superlatives_block_while_everyday_words_with_the_same_character_pass()
    {
        var result = General.Review("全网最低价！");
        Assert.Equal(ReviewOutcome.Blocked, result.Outcome);
        Assert.Contains(result.Hits, h => h.Word == "全网最低价" && h.Action == ReviewAction.Block);
        Assert.Contains(result.Hits, h => h.Word == "最低" && h.Action == ReviewAction.Review);
        Assert.Equal(ReviewOutcome.Pass, General.Review("最新款已上架，最近到店的朋友请第一时间联系导购").Outcome);
        Assert.Equal(ReviewOutcome.NeedsApproval, General.Review("您最好提前预约").Outcome);
    }

    [Fact]
    public void A_tenant_rule_on_a_single_character_is_tamed_by_the_allow_list()
    {
        var review = ContentReview.Create([], extraBlock: ["最"], allow: ["最新"]);
        Assert.Equal(ReviewOutcome.Pass, review.Review("最新款").Outcome);
        var result = review.Review("最新最好");
        Assert.Equal(ReviewOutcome.Blocked, result.Outcome);
        Assert.Equal([("最", 2, 1)], Hits(result));
        Assert.Equal(("custom", "custom", "租户自定义禁用词"), (result.Hits[0].Category, result.Hits[0].Pack, result.Hits[0].Reason));
    }

    [Fact]
    public void The_strongest_action_wins()
    {
        Assert.Equal(ReviewOutcome.NeedsApproval, General.Review("点击领取优惠券").Outcome);
        Assert.Equal(ReviewOutcome.Blocked, General.Review("点击领取优惠券，转发到朋友圈领红包").Outcome);
    }

    [Fact]
    public void A_tenant_can_raise_a_built_in_review_word_to_block_and_silence_one_by_allowing_it()
    {
        Assert.Equal(ReviewOutcome.NeedsApproval, Finance.Review("积分翻倍").Outcome);
        var strict = ContentReview.Create(BuiltInRulePacks.For(Industry.Finance), extraBlock: ["翻倍"]);
        Assert.Equal(ReviewOutcome.Blocked, strict.Review("积分翻倍").Outcome);
        var lenient = ContentReview.Create(BuiltInRulePacks.For(Industry.General), allow: ["顶级"]);
        Assert.Equal(ReviewOutcome.Pass, lenient.Review("顶级食材").Outcome);
        Assert.Equal(ReviewOutcome.Blocked, General.Review("顶级食材").Outcome);
        // A word in both the review and block lists blocks.
        Assert.Equal(ReviewOutcome.Blocked, ContentReview.Create([], ["秒杀"], ["秒杀"]).Review("秒杀").Outcome);
    }

    [Theory]
    [InlineData("本店NO.1", true)]
    [InlineData("本店No.1！", true)]
    [InlineData("请到NO.10号柜台", false)]
    [InlineData("desktop1 已售罄", false)]
    [InlineData("TOP1推荐", true)]
    public void Latin_and_digit_words_match_whole_words_only(string text, bool hit) =>
        Assert.Equal(hit, General.Review(text).Hits.Any(h => h.Word is "NO.1" or "TOP1"));

    [Fact]
    public void Industry_selects_the_packs()
    {
        Assert.Equal(ReviewOutcome.Pass, ContentReview.ForIndustry(Industry.Retail).Review("保本").Outcome);
        Assert.Equal(ReviewOutcome.Blocked, ContentReview.ForIndustry(Industry.Education).Review("签约保过，不过退款").Outcome);
        Assert.Equal(ReviewOutcome.Pass, General.Review("签约保过").Outcome);
        Assert.Equal(ReviewOutcome.Blocked, ContentReview.ForIndustry(Industry.Retail).Review("三天根治脱发").Outcome);
        Assert.Same(ContentReview.ForIndustry(Industry.Retail), ContentReview.ForIndustry(Industry.Retail));
    }

    [Fact]
    public void Attachment_texts_are_reviewed_and_named_in_the_hits()
    {
        var request = new DeliveryRequest(DeliveryChannel.WeComMass, DeliveryTopic.Marketing, "新品上市") { AttachmentTexts = ["年终理财", "稳赚不赔的秘密"] };
        var result = Finance.Review(request);
        Assert.Equal(ReviewOutcome.Blocked, result.Outcome);
        Assert.All(result.Hits, h => Assert.Equal("attachments[1]", h.Field));
    }

    [Fact]
    public void Snippets_do_not_cut_an_emoji_in_half()
    {
        var text = "🔥🔥🔥🔥🔥a保本";
        var hit = Finance.Review(text).Hits.Single();
        Assert.Equal(text, hit.Snippet);
        Assert.Equal(11, hit.SnippetStart);
    }

    [Fact]
    public void Every_built_in_word_is_valid_and_found_on_its_own()
    {
        var words = BuiltInRulePacks.All.SelectMany(p => p.Rules).SelectMany(r => r.Words).ToList();
        Assert.True(words.Count >= 300, $"{words.Count} built-in words");
        foreach (var pack in BuiltInRulePacks.All)
        {
            var review = ContentReview.Create([pack]);
            foreach (var word in pack.Rules.SelectMany(r => r.Words))
            {
                Assert.Null(ContentReview.ValidateWord(word));
                Assert.True(review.Review(word).Hits.Any(h => h.Word == word || h.Start == 0 && h.Length == word.Length), $"{pack.Id}: {word}");
            }
        }
    }

    [Fact]
    public void Every_built_in_exception_guards_a_rule_word_of_its_pack_or_a_tenant_rule_on_最()
    {
        // An exception that contains no rule word never suppresses anything. The 最 ones are kept for tenants who
        // add 最 itself as a rule (the 广告法 list starts with it).
        foreach (var pack in BuiltInRulePacks.All)
        {
            var rulesOnly = ContentReview.Create([pack with { Allow = [] }]);
            foreach (var phrase in pack.Allow)
            {
                Assert.True(rulesOnly.Review(phrase).Hits.Count > 0 || phrase.StartsWith('最'), $"{pack.Id}: {phrase}");
                Assert.Equal(ReviewOutcome.Pass, ContentReview.Create([pack]).Review(phrase).Outcome);
            }
        }
    }

    [Fact]
    public void Built_in_exceptions_keep_everyday_words_safe_from_a_tenant_rule_on_最()
    {
        var review = ContentReview.Create(BuiltInRulePacks.For(Industry.General), extraBlock: ["最"]);
        Assert.Equal(ReviewOutcome.Pass, review.Review("最新款到店，最近三天有效，最后一天别错过").Outcome);
        Assert.Equal(ReviewOutcome.Blocked, review.Review("最美的你").Outcome);
    }

    [Theory]
    [InlineData("", "Must not be empty.")]
    [InlineData("   ", "Must not be empty.")]
    [InlineData("-_-", "Must contain a letter, digit or Chinese character (spaces and punctuation are ignored when matching).")]
    [InlineData("保本", null)]
    public void Word_validation(string word, string? expected) => Assert.Equal(expected, ContentReview.ValidateWord(word));

    [Fact]
    public void Words_longer_than_fifty_characters_are_refused() =>
        Assert.NotNull(ContentReview.ValidateWord(new string('字', ContentReview.MaxWordLength + 1)));
}
