using Siyu.Core.Delivery;
using Siyu.Core.Text;
using Xunit;

namespace Siyu.Core.Tests.Delivery;

/// <summary>Which packs a tenant's review uses, custom packs as data, and the compiled review against a naive matcher.</summary>
public sealed class ReviewPackSelectionTests
{
    private static readonly Dictionary<string, bool> NoSwitches = [];

    private static CustomReviewPackInput CustomInput(params (string Word, string Action)[] words) => new()
    {
        Name = "理财话术",
        Rules = [.. words.Select(w => new CustomReviewRuleInput { Word = w.Word, Action = w.Action })],
    };

    [Theory]
    [InlineData(Industry.General, new[] { "ads_law", "inducement" })]
    [InlineData(Industry.Retail, new[] { "ads_law", "inducement", "medical" })]
    [InlineData(Industry.Education, new[] { "ads_law", "inducement", "education" })]
    [InlineData(Industry.Finance, new[] { "ads_law", "inducement", "finance" })]
    public void Without_switches_the_industry_defaults_apply_and_the_retail_pack_stays_off(Industry industry, string[] expected)
    {
        var packs = ReviewPackSelection.Enabled(industry, NoSwitches, []);
        Assert.Equal(expected, packs.Select(p => p.Id));
        Assert.True(ReviewPackSelection.IsIndustryDefault(industry, packs));
        // Same packs, so the shared compiled review of the industry serves (today's behaviour, unchanged).
        var settings = new TenantDeliverySettings { TenantId = "1", Industry = industry.ToString().ToLowerInvariant() };
        Assert.Same(ContentReview.ForIndustry(industry), CompiledDeliverySettings.Compile(settings, packs).Review);
    }

    [Fact]
    public void Switches_override_the_industry_and_custom_packs_follow_the_built_in_ones()
    {
        var custom = CustomInput(("稳稳赚", "block")).ToPack("custom-7");
        var packs = ReviewPackSelection.Enabled(Industry.Finance, new Dictionary<string, bool> { ["finance"] = false, ["retail"] = true, ["gone"] = true }, [custom]);
        Assert.Equal(["ads_law", "inducement", "retail", "custom-7"], packs.Select(p => p.Id));
        Assert.False(ReviewPackSelection.IsIndustryDefault(Industry.Finance, packs));
    }

    [Fact]
    public void Disabling_the_finance_pack_lets_保本_through_and_a_custom_pack_blocks_its_word()
    {
        var settings = new TenantDeliverySettings { TenantId = "1", Industry = "finance" };
        const string text = "本产品保本保息，稳稳赚";
        var before = CompiledDeliverySettings.Compile(settings).Review.Review(text);
        Assert.Equal(ReviewOutcome.Blocked, before.Outcome);
        Assert.Contains(before.Hits, h => h.Word == "保本" && h.Pack == "finance");
        Assert.DoesNotContain(before.Hits, h => h.Word == "稳稳赚");

        var custom = CustomInput(("稳稳赚", "block")).ToPack("custom-1");
        var after = CompiledDeliverySettings.Compile(settings,
            ReviewPackSelection.Enabled(Industry.Finance, new Dictionary<string, bool> { ["finance"] = false }, [custom])).Review.Review(text);
        Assert.DoesNotContain(after.Hits, h => h.Pack == "finance");
        var hit = Assert.Single(after.Hits);
        Assert.Equal(("稳稳赚", "custom-1", ReviewAction.Block, 8), (hit.Word, hit.Pack, hit.Action, hit.Start));
        Assert.Equal("规则包「理财话术」禁用词", hit.Reason);
    }

    [Fact]
    public void The_tenants_own_words_are_added_to_the_enabled_packs()
    {
        var settings = new TenantDeliverySettings { TenantId = "1", Review = new ReviewSettings { Review = ["限时秒杀"] } };
        var review = CompiledDeliverySettings.Compile(settings, ReviewPackSelection.Enabled(Industry.General, new Dictionary<string, bool> { ["ads_law"] = false }, [])).Review;
        Assert.Equal(ReviewOutcome.NeedsApproval, review.Review("今晚限时秒杀").Outcome);
        Assert.Equal(ReviewOutcome.Pass, review.Review("全网最佳").Outcome); // 最佳 is ads_law's, switched off
    }

    [Fact]
    public void A_custom_pack_groups_its_words_by_action_and_reason_and_its_allow_list_is_an_exception()
    {
        var input = new CustomReviewPackInput
        {
            Name = " 竞品 ",
            Rules =
            [
                new() { Word = "某宝", Action = "block", Reason = "竞品平台名" },
                new() { Word = "某东", Action = "block", Reason = "竞品平台名" },
                new() { Word = "比价", Action = "review", Category = "price" },
            ],
            Allow = ["某宝贝"],
        };
        Assert.Empty(input.Validate());
        var pack = input.ToPack("custom-3");
        Assert.Equal("竞品", pack.Name);
        Assert.Equal(2, pack.Rules.Count);
        Assert.Equal(["某宝", "某东"], pack.Rules.Single(r => r.Action == ReviewAction.Block).Words);
        Assert.Equal("price", pack.Rules.Single(r => r.Action == ReviewAction.Review).Category);

        var review = ContentReview.Create([pack]);
        Assert.Equal(ReviewOutcome.Pass, review.Review("送给某宝贝的礼物").Outcome);
        Assert.Equal(ReviewOutcome.Blocked, review.Review("某 宝同款").Outcome);
        Assert.Equal(ReviewOutcome.NeedsApproval, review.Review("欢迎比价").Outcome);
    }

    [Fact]
    public void Validation_names_each_field()
    {
        var input = new CustomReviewPackInput
        {
            Name = new string('名', 31),
            Description = new string('说', 201),
            Rules =
            [
                new() { Word = "保 本", Action = "block" },
                new() { Word = "保本", Action = "block" },
                new() { Word = "  ", Action = "ban" },
                null,
                new() { Word = "稳赚", Action = "review", Reason = new string('因', 101), Category = new string('类', 31) },
            ],
            Allow = ["稳赚", "！！", "不保本", "不 保本"],
        };
        var errors = input.Validate().Select(e => e.Path).ToList();
        Assert.Equal(
            ["name", "description", "rules[1].word", "rules[2].word", "rules[2].action", "rules[3]", "rules[4].reason", "rules[4].category", "allow[0]", "allow[1]", "allow[3]"],
            errors);
        Assert.Contains(new CustomReviewPackInput { Name = "空" }.Validate(), e => e.Path == "rules");
        Assert.Contains(new CustomReviewPackInput { Name = "多", Rules = [.. Enumerable.Range(0, 2001).Select(i => new CustomReviewRuleInput { Word = "词" + i, Action = "block" })] }.Validate(),
            e => e.Path == "rules");
    }

    [Fact]
    public void Custom_ids_round_trip_and_never_name_a_built_in_pack()
    {
        Assert.True(ReviewPackSelection.TryParseCustomId(ReviewPackSelection.CustomId(42), out var id));
        Assert.Equal(42, id);
        foreach (var bad in new[] { "finance", "custom-", "custom-0", "custom--1", "custom-1a", null })
        {
            Assert.False(ReviewPackSelection.TryParseCustomId(bad, out _), bad);
        }
        Assert.All(BuiltInRulePacks.All, p => Assert.False(p.Id.StartsWith(ReviewPackSelection.CustomPrefix, StringComparison.Ordinal)));
    }

    /// <summary>
    /// For every combination of switched packs (plus a custom pack), the compiled review finds exactly the rule words
    /// whose normalised form occurs in the normalised text: the naive oracle is <see cref="string.Contains(string)"/>.
    /// Allow-lists are left out (they are tested by example) and so are words with Latin letters or digits, which
    /// match as whole words only.
    /// </summary>
    [Fact]
    public void The_compiled_review_of_any_enabled_set_hits_exactly_what_a_naive_substring_search_finds()
    {
        var norm = TextNormalization.Default;
        static bool Cjk(string w) => !w.Any(char.IsAsciiLetterOrDigit);
        var custom = CustomInput(("稳稳赚", "block"), ("保本", "review"), ("清仓大促", "review")).ToPack("custom-1");
        var candidates = BuiltInRulePacks.All.Append(custom).ToList();
        var vocabulary = candidates.SelectMany(p => p.Rules).SelectMany(r => r.Words).Where(Cjk).Distinct().ToList();
        var random = new Random(20261202);
        const string filler = "的了我们您好新品上市今天欢迎到店活动会员优惠价格产品理财课程";
        string[] separators = [" ", "，", "*", "-", "　"];
        var texts = Enumerable.Range(0, 150).Select(_ =>
        {
            var sb = new System.Text.StringBuilder();
            for (var k = random.Next(1, 6); k > 0; k--)
            {
                sb.Append(filler, random.Next(filler.Length - 3), random.Next(1, 4));
                var word = vocabulary[random.Next(vocabulary.Count)];
                if (random.Next(4) == 0 && word.Length > 1)
                {
                    // A separator inside the word ("保 本") still matches.
                    var at = random.Next(1, word.Length);
                    word = word[..at] + separators[random.Next(separators.Length)] + word[at..];
                }
                sb.Append(word);
            }
            return sb.ToString();
        }).ToList();

        for (var mask = 0; mask < 1 << candidates.Count; mask += 5) // a spread of the 128 sets, fast enough
        {
            var switches = BuiltInRulePacks.All.Select((p, i) => (p.Id, On: (mask & (1 << i)) != 0)).ToDictionary(x => x.Id, x => x.On);
            var customOn = (mask & (1 << BuiltInRulePacks.All.Count)) != 0;
            var enabled = ReviewPackSelection.Enabled(Industry.General, switches, customOn ? [custom] : [])
                .Select(p => p with { Allow = [], Rules = [.. p.Rules.Select(r => r with { Words = [.. r.Words.Where(Cjk)] })] })
                .ToList();
            var review = ContentReview.Create(enabled);
            var ruleWords = enabled.SelectMany(p => p.Rules).SelectMany(r => r.Words).Select(norm.Apply).ToHashSet(StringComparer.Ordinal);
            foreach (var text in texts)
            {
                var normalized = norm.Apply(text);
                var expected = ruleWords.Where(w => normalized.Contains(w, StringComparison.Ordinal)).ToHashSet();
                var actual = review.Review(text).Hits.Select(h => norm.Apply(h.Word)).ToHashSet();
                Assert.True(expected.SetEquals(actual),
                    $"mask {mask}, text {text}: expected {string.Join(",", expected.Order())}, got {string.Join(",", actual.Order())}");
            }
        }
    }
}
