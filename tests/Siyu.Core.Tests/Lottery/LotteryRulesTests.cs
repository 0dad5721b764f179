using Siyu.Core.Lottery;
using Xunit;

namespace Siyu.Core.Tests.Lottery;

public sealed class LotteryRulesTests
{
    private static readonly byte[] Seed = [.. Enumerable.Range(0, 32).Select(i => (byte)i)];

    [Fact]
    public void Tickets_and_commitment_match_an_independent_implementation()
    {
        // Computed with Python's hmac/hashlib: int.from_bytes(hmac.new(seed, b"7:42:1", sha256).digest()[:8], "big") % 10**6.
        Assert.Equal(848055, LotteryDraws.Ticket(Seed, 7, 42, 1));
        Assert.Equal(559289, LotteryDraws.Ticket(Seed, 7, 42, 2));
        Assert.Equal("630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd", LotteryDraws.Commitment(Seed));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(49_999, 0)]
    [InlineData(50_000, 1)]
    [InlineData(249_999, 1)]
    [InlineData(250_000, 2)]
    [InlineData(250_999, 2)]
    [InlineData(251_000, -1)]
    [InlineData(999_999, -1)]
    public void Prizes_take_consecutive_ranges_in_listed_order(int ticket, int expected) =>
        Assert.Equal(expected, LotteryDraws.PrizeIndex([50_000, 200_000, 1_000], ticket));

    [Fact]
    public void Observed_frequencies_follow_the_published_chances()
    {
        // 200,000 draws of one seed; each prize's share must sit within 5 standard deviations of its chance.
        int[] chances = [10_000, 100_000, 300_000];
        var counts = new int[chances.Length + 1];
        const int n = 200_000;
        for (var i = 1; i <= n; i++)
        {
            var index = LotteryDraws.PrizeIndex(chances, LotteryDraws.Ticket(Seed, 1, i, 1));
            counts[index < 0 ? chances.Length : index]++;
        }
        double[] expected = [0.01, 0.1, 0.3, 0.59];
        for (var k = 0; k < expected.Length; k++)
        {
            var sd = Math.Sqrt(n * expected[k] * (1 - expected[k]));
            Assert.InRange(counts[k], n * expected[k] - 5 * sd, n * expected[k] + 5 * sd);
        }
    }

    [Fact]
    public void Different_seeds_give_different_tickets()
    {
        var other = LotteryDraws.NewSeed();
        var same = Enumerable.Range(1, 100).Count(c => LotteryDraws.Ticket(Seed, 1, c, 1) == LotteryDraws.Ticket(other, 1, c, 1));
        Assert.True(same < 3, $"{same} of 100 tickets equal across seeds");
    }

    private static LotterySpec Spec(params PrizeSpec[] prizes) => new("双十二抽奖", prizes, null, null, null, 1, 3, 0);

    [Fact]
    public void Validation_names_the_field_at_fault()
    {
        Assert.Empty(Spec(new PrizeSpec("一等奖", PrizeKinds.Gift, 10_000, 5)).Validate());
        Assert.Contains(Spec().Validate(), e => e.Path == "prizes");
        Assert.Contains(Spec(new PrizeSpec("券", PrizeKinds.Coupon, 10, 5)).Validate(), e => e.Path == "prizes[0].coupon_template_id");
        Assert.Contains(Spec(new PrizeSpec("积分", PrizeKinds.Points, 10, 5)).Validate(), e => e.Path == "prizes[0].points");
        Assert.Contains(Spec(new PrizeSpec("x", "cash", 10, 5)).Validate(), e => e.Path == "prizes[0].kind");
        Assert.Contains(Spec(new PrizeSpec("a", PrizeKinds.Gift, 600_000, 1), new PrizeSpec("b", PrizeKinds.Gift, 400_001, 1)).Validate(), e => e.Path == "prizes");
        Assert.Empty(Spec(new PrizeSpec("a", PrizeKinds.Gift, 600_000, 1), new PrizeSpec("b", PrizeKinds.Gift, 400_000, 1)).Validate());
        Assert.Contains((Spec(new PrizeSpec("a", PrizeKinds.Gift, 1, 1)) with { DrawsPerDay = 0 }).Validate(), e => e.Path == "draws_per_day");
        var start = DateTimeOffset.UnixEpoch;
        Assert.Contains((Spec(new PrizeSpec("a", PrizeKinds.Gift, 1, 1)) with { StartsAt = start, EndsAt = start }).Validate(), e => e.Path == "ends_at");
    }
}
