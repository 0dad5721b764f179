using Siyu.Core.Scripts;
using Xunit;

namespace Siyu.Core.Tests.Intents;

public class ScriptRecommenderTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Intent_weights_halve_weekly_and_the_newest_message_counts_one_more()
    {
        var weights = ScriptRecommender.IntentWeights(
        [
            new("price_inquiry", Now.AddDays(-7)),   // 0.5
            new("price_inquiry", Now.AddDays(-14)),  // 0.25
            new("after_sales", Now.AddHours(-1)),    // 0.5^(1/168) ≈ 0.99588 + 1 (newest)
            new("other", Now),                       // nothing, and not "newest"
            new("complaint", Now.AddDays(1)),        // the future: nothing
        ], Now);
        Assert.Equal(2, weights.Count);
        Assert.Equal(0.75, weights["price_inquiry"], 9);
        Assert.Equal(1 + Math.Pow(0.5, 1.0 / 168), weights["after_sales"], 9);
    }

    [Fact]
    public void Scripts_rank_by_intents_then_tags_then_use()
    {
        var scripts = new[]
        {
            new ScriptCandidate(1, [10], ["price_inquiry"], Uses: 5),    // 3×1.5 + 2 = 6.5
            new ScriptCandidate(2, [], ["after_sales"], Uses: 50),       // 3×0.5 = 1.5
            new ScriptCandidate(3, [10, 11], [], Uses: 1),               // 2×2 = 4
            new ScriptCandidate(4, [99], ["logistics"], Uses: 100),      // 0: fallback by use
            new ScriptCandidate(5, [], [], Uses: 7),                     // 0
            new ScriptCandidate(6, [10], [], Uses: 3),                   // 2, ties with 7 and wins on use
            new ScriptCandidate(7, [11], [], Uses: 2),                   // 2
        };
        var recent = new RecentIntent[] { new("price_inquiry", Now.AddMinutes(-5).AddDays(0)), new("after_sales", Now.AddDays(-7)) };
        // price_inquiry: 0.5^(5 min / 7 d) + 1; after_sales: 0.5.
        var price = Math.Pow(0.5, 5.0 / (7 * 24 * 60)) + 1;
        var result = ScriptRecommender.Recommend(scripts, new HashSet<long> { 10, 11 }, recent, Now, limit: 6);
        Assert.Equal([1, 3, 6, 7, 2, 4], result.Select(r => r.ScriptId));
        Assert.Equal(3 * price + 2, result[0].Score, 9);
        Assert.Equal(["price_inquiry"], result[0].MatchedIntents);
        Assert.Equal([10L, 11L], result[1].MatchedTags);
        Assert.Equal(0, result[5].Score);
        Assert.Empty(result[5].MatchedIntents);
    }

    [Fact]
    public void Without_intents_or_tags_the_most_used_scripts_fill_the_list()
    {
        var result = ScriptRecommender.Recommend([new ScriptCandidate(1, [], [], 1), new ScriptCandidate(2, [], [], 9)], new HashSet<long>(), [], Now);
        Assert.Equal([2L, 1L], result.Select(r => r.ScriptId));
    }
}
