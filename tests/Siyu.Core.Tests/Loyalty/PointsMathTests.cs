using FsCheck;
using FsCheck.Xunit;
using Siyu.Core.Loyalty;
using Xunit;

namespace Siyu.Core.Tests.Loyalty;

public sealed class PointsMathTests
{
    private static readonly long Day = TimeSpan.TicksPerDay;

    [Fact]
    public void Spending_takes_the_soonest_expiring_lots_first()
    {
        // Lot 2 earned later but expires first (a shorter expiry setting at the time); lot 1 next; lot 3 last.
        PointsLot[] lots = [new(1, 0, 100 * Day, 100, 100), new(2, 5 * Day, 50 * Day, 40, 40), new(3, 10 * Day, 200 * Day, 70, 70)];
        var takes = PointsMath.Consume(lots, 120, 20 * Day)!;
        Assert.Equal([new LotTake(2, 40), new LotTake(1, 80)], takes);
    }

    [Fact]
    public void Expired_lots_cannot_be_spent_and_too_large_spends_answer_null()
    {
        PointsLot[] lots = [new(1, 0, 10 * Day, 100, 100), new(2, 0, 30 * Day, 50, 50)];
        Assert.Equal(50, PointsMath.Balance(lots, 10 * Day)); // lot 1 expires at the tick
        Assert.Null(PointsMath.Consume(lots, 51, 10 * Day));
        Assert.Equal([new LotTake(2, 50)], PointsMath.Consume(lots, 50, 10 * Day)!);
    }

    [Fact]
    public void A_refund_takes_its_own_order_lot_first()
    {
        PointsLot[] lots = [new(1, 0, 100 * Day, 100, 100), new(2, 0, 300 * Day, 80, 80)];
        Assert.Equal([new LotTake(2, 80), new LotTake(1, 10)], PointsMath.Consume(lots, 90, Day, preferredLot: 2)!);
    }

    [Theory]
    [InlineData(9999, 1.0, 99)]   // ¥99.99 → 99 points (rounded down)
    [InlineData(10000, 1.5, 150)]
    [InlineData(333, 2.0, 6)]     // ¥3.33 × 2 = 6.66 → 6
    [InlineData(0, 1.0, 0)]
    [InlineData(-500, 1.0, 0)]
    public void Earn_is_per_yuan_rounded_down(long cents, double rate, long expected) =>
        Assert.Equal(expected, PointsMath.EarnFor(cents, (decimal)rate));

    [Fact]
    public void Refunds_claw_back_proportionally_and_never_below_zero()
    {
        // ¥100 earned 100: refund ¥33.33 → 33.33 rounded up = 34.
        Assert.Equal((34L, 0L), PointsMath.Refund(100, 0, 10000, 3333, 500));
        // Two half refunds add up to exactly the 100 earned.
        Assert.Equal((50L, 0L), PointsMath.Refund(100, 0, 10000, 5000, 500));
        Assert.Equal((50L, 0L), PointsMath.Refund(100, 50, 10000, 5000, 500));
        // A third refund (more than paid in total) finds nothing left to reverse.
        Assert.Equal((0L, 0L), PointsMath.Refund(100, 100, 10000, 5000, 500));
        // Points already spent: only 30 remain, so 30 are clawed back and 70 are recorded as the shortfall.
        Assert.Equal((30L, 70L), PointsMath.Refund(100, 0, 10000, 10000, 30));
        Assert.Equal((0L, 100L), PointsMath.Refund(100, 0, 10000, 10000, 0));
    }

    [Fact]
    public void Tiers_upgrade_at_once_and_downgrade_after_the_grace_period()
    {
        var s = LoyaltySettings.Default; // normal 0, silver 1000, gold 5000; grace 30 days
        Assert.Equal("silver", TierRules.Upgrade(s, "normal", 1000));
        Assert.Equal("gold", TierRules.Upgrade(s, "normal", 7000));
        Assert.Equal("gold", TierRules.Upgrade(s, "gold", 10)); // an earn never downgrades

        var now = 1000 * Day;
        // First review below the threshold starts the grace clock; the tier is kept.
        Assert.Equal(("gold", (long?)now), TierRules.Review(s, "gold", null, 1200, now));
        // 29 days later: still gold.
        Assert.Equal(("gold", (long?)now), TierRules.Review(s, "gold", now, 1200, now + 29 * Day));
        // 30 days: down to silver (what 1,200 points qualify for), the clock cleared.
        Assert.Equal(("silver", (long?)null), TierRules.Review(s, "gold", now, 1200, now + 30 * Day));
        // Qualifying again during the grace clears the clock.
        Assert.Equal(("gold", (long?)null), TierRules.Review(s, "gold", now, 5000, now + 10 * Day));
    }

    [Fact]
    public void Member_day_is_the_tiers_day_of_month()
    {
        var s = LoyaltySettings.Default;
        Assert.Equal(0.95m, TierRules.MemberDayDiscount(s, "gold", new DateOnly(2026, 12, 8)));
        Assert.Null(TierRules.MemberDayDiscount(s, "gold", new DateOnly(2026, 12, 9)));
        Assert.Null(TierRules.MemberDayDiscount(s, "silver", new DateOnly(2026, 12, 8)));
    }

    [Fact]
    public void Settings_validation_names_the_field()
    {
        var bad = LoyaltySettings.Default with { ExpiryDays = 0, Tiers = [new Tier("a", "A", 5, [], null), new Tier("a", "B", 3, [], new MemberDay(31, 0.9m))] };
        var paths = bad.Validate().Select(e => e.Path).ToHashSet();
        Assert.Equal(new HashSet<string> { "expiry_days", "tiers[0].threshold", "tiers[1].threshold", "tiers[1].member_day", "tiers" }, paths);
        Assert.Empty(LoyaltySettings.Default.Validate());
    }

    /// <summary>
    /// Random earn / spend / time-passes sequences against a naive model (a list of lots, spends refused when the
    /// balance is short): the balance is always the sum of the open lots, never negative, and every accepted spend was covered.
    /// </summary>
    [Property(MaxTest = 300)]
    public void Random_sequences_keep_balance_equal_to_open_lots(NonEmptyArray<(byte Op, byte Amount)> ops)
    {
        const int expiryDays = 10;
        var lots = new List<PointsLot>();
        var now = 0L;
        long ledger = 0; // sum of signed entries
        foreach (var (op, raw) in ops.Get)
        {
            var amount = raw + 1L;
            switch (op % 3)
            {
                case 0:
                    lots.Add(new PointsLot(lots.Count + 1, now, now + expiryDays * Day, amount, amount));
                    ledger += amount;
                    break;
                case 1:
                    var before = PointsMath.Balance(lots, now);
                    var takes = PointsMath.Consume(lots, amount, now);
                    Assert.Equal(takes is null, amount > before);
                    if (takes is not null)
                    {
                        Assert.Equal(amount, takes.Sum(t => t.Take));
                        foreach (var t in takes)
                        {
                            var i = lots.FindIndex(l => l.Id == t.LotId);
                            Assert.True(t.Take <= lots[i].Remaining && t.Take > 0);
                            lots[i] = lots[i] with { Remaining = lots[i].Remaining - t.Take };
                        }
                        ledger -= amount;
                    }
                    break;
                default:
                    now += (raw % 5) * Day;
                    // The expiry job: every lot at or past its expiry writes an expire entry for what remains.
                    for (var i = 0; i < lots.Count; i++)
                    {
                        if (lots[i].ExpiresAtTicks <= now && lots[i].Remaining > 0)
                        {
                            ledger -= lots[i].Remaining;
                            lots[i] = lots[i] with { Remaining = 0 };
                        }
                    }
                    break;
            }
            var balance = PointsMath.Balance(lots, now);
            Assert.True(balance >= 0);
            Assert.Equal(ledger, balance);
            Assert.All(lots, l => Assert.InRange(l.Remaining, 0, l.Amount));
        }
    }
}
