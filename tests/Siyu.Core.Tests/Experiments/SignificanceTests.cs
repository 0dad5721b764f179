using System.Text.Json;
using FsCheck;
using FsCheck.Xunit;
using Siyu.Core.Experiments;
using Xunit;

namespace Siyu.Core.Tests.Experiments;

public sealed class SignificanceTests
{
    [Fact]
    public void Two_proportion_test_matches_the_worked_example()
    {
        // 200/1000 vs 250/1000, by hand:
        //   pooled p = 450/2000 = 0.225, p(1−p) = 0.174375
        //   pooled SE = √(0.174375 × (1/1000 + 1/1000)) = √0.00034875 = 0.0186748
        //   z = (0.25 − 0.20) / 0.0186748 = 2.6774 (textbooks writing p1 − p2 get −2.68)
        //   p = 2·(1 − Φ(2.6774)) = 0.00742
        //   unpooled SE = √(0.2·0.8/1000 + 0.25·0.75/1000) = √0.0003475 = 0.0186414
        //   95% CI = 0.05 ± 1.959964 × 0.0186414 = [0.013464, 0.086536]
        //   rate ratio 1.25, ln = 0.223144, SE(ln) = √(0.8/200 + 0.75/250) = √0.007 = 0.0836660
        //   lift CI = exp(0.223144 ± 1.959964 × 0.083666) − 1 = [0.06095, 0.47274]
        var t = Significance.TwoProportion(200, 1000, 250, 1000);

        Assert.Equal(0.20, t.BaselineRate, 12);
        Assert.Equal(0.25, t.VariantRate, 12);
        Assert.Equal(0.05, t.Difference, 12);
        Assert.Equal(0.0186748, t.StandardError, 6);
        Assert.Equal(2.6774, t.Z, 4);
        Assert.Equal(0.00742, t.PValue, 5);
        Assert.Equal(0.013464, t.DifferenceInterval.Lower, 6);
        Assert.Equal(0.086536, t.DifferenceInterval.Upper, 6);
        Assert.Equal(0.25, t.RelativeLift!.Value, 12);
        Assert.Equal(0.06095, t.RelativeLiftInterval!.Lower, 5);
        Assert.Equal(0.47274, t.RelativeLiftInterval.Upper, 5);
    }

    [Fact]
    public void A_wider_confidence_gives_a_wider_interval_and_the_same_p_value()
    {
        var ninetyFive = Significance.TwoProportion(200, 1000, 250, 1000);
        var ninetyNine = Significance.TwoProportion(200, 1000, 250, 1000, confidence: 0.99);

        Assert.Equal(ninetyFive.PValue, ninetyNine.PValue);
        // 99%: 0.05 ± 2.575829 × 0.0186414 = [0.001983, 0.098017], so still excluding 0, but barely.
        Assert.Equal(0.001983, ninetyNine.DifferenceInterval.Lower, 6);
        Assert.Equal(0.098017, ninetyNine.DifferenceInterval.Upper, 6);
    }

    [Fact]
    public void Identical_all_or_nothing_arms_have_no_variance_and_no_evidence()
    {
        var none = Significance.TwoProportion(0, 500, 0, 700);
        Assert.Equal(0, none.Z);
        Assert.Equal(1, none.PValue);
        Assert.Null(none.RelativeLift);
        Assert.Null(none.RelativeLiftInterval);
    }

    [Fact]
    public void Chi_square_of_three_arms_matches_the_hand_computed_table()
    {
        // 30/100, 45/100, 25/100: pooled 100/300 = 1/3, so expected 33.33 converted and 66.67 not in every row.
        // O − E = −3.33, 11.67, −8.33; squares sum to 216.67 = 650/3.
        // χ² = (650/3)/(100/3) + (650/3)/(200/3) = 6.5 + 3.25 = 9.75; df = 2, so p = e^{−9.75/2} = 0.0076351.
        var t = Significance.ChiSquareIndependence([(30, 100), (45, 100), (25, 100)]);

        Assert.Equal(9.75, t.Statistic, 10);
        Assert.Equal(2, t.DegreesOfFreedom);
        Assert.Equal(0.0076351, t.PValue, 7);
    }

    [Property(MaxTest = 500)]
    public void With_two_arms_chi_square_is_z_squared_and_the_p_values_agree(PositiveInt n1, PositiveInt n2, PositiveInt s1, PositiveInt s2)
    {
        long trials1 = 1 + n1.Get % 1_000_000, trials2 = 1 + n2.Get % 1_000_000;
        long successes1 = s1.Get % (trials1 + 1), successes2 = s2.Get % (trials2 + 1);
        var totalSuccesses = successes1 + successes2;
        if (totalSuccesses == 0 || totalSuccesses == trials1 + trials2)
        {
            return; // no variance: both tests are defined as "no evidence"
        }

        var z = Significance.TwoProportion(successes1, trials1, successes2, trials2);
        var chi = Significance.ChiSquareIndependence([(successes1, trials1), (successes2, trials2)]);

        Assert.Equal(1, chi.DegreesOfFreedom);
        Assert.True(Math.Abs(chi.Statistic - z.Z * z.Z) <= 1e-9 * Math.Max(1, chi.Statistic), $"χ² {chi.Statistic:R} vs z² {z.Z * z.Z:R}");
        Assert.True(Math.Abs(chi.PValue - z.PValue) <= 1e-9 * Math.Max(1e-300, z.PValue) + 1e-15, $"p {chi.PValue:R} vs {z.PValue:R}");
    }

    [Property(MaxTest = 300)]
    public void Swapping_the_arms_negates_the_difference_and_keeps_the_p_value(PositiveInt n1, PositiveInt n2, PositiveInt s1, PositiveInt s2)
    {
        long trials1 = 1 + n1.Get % 100_000, trials2 = 1 + n2.Get % 100_000;
        long successes1 = s1.Get % (trials1 + 1), successes2 = s2.Get % (trials2 + 1);

        var ab = Significance.TwoProportion(successes1, trials1, successes2, trials2);
        var ba = Significance.TwoProportion(successes2, trials2, successes1, trials1);

        Assert.Equal(-ab.Difference, ba.Difference, tolerance: 1e-12);
        Assert.Equal(-ab.Z, ba.Z, tolerance: 1e-9);
        Assert.Equal(ab.PValue, ba.PValue, tolerance: 1e-12);
        Assert.Equal(-ab.DifferenceInterval.Upper, ba.DifferenceInterval.Lower, tolerance: 1e-12);
        Assert.True(ab.DifferenceInterval.Contains(ab.Difference));
    }

    [Fact]
    public void A_clear_difference_names_the_better_arm_the_winner()
    {
        var result = Significance.Analyze([new("A", 1000, 990, 310, 200), new("B", 1000, 985, 402, 250)], baseline: "A");

        Assert.Equal(ExperimentStatus.Significant, result.Status);
        Assert.Equal("B", result.Winner);
        Assert.Empty(result.Shortfalls);
        Assert.Equal(7.168459, result.Overall!.Statistic, 6); // = z² = 2.677398²
        var a = result.Arms[0];
        var b = result.Arms[1];
        Assert.True(a.IsBaseline);
        Assert.Null(a.VersusBaseline);
        Assert.Equal(310 / 990.0, a.ClickRate!.Value, 12);
        Assert.Equal(0.25, b.ConversionRate!.Value, 12);
        Assert.Equal(0.00742, b.VersusBaseline!.PValue, 5);
        Assert.Equal(b.VersusBaseline.PValue, b.AdjustedPValue); // one comparison: nothing to adjust
    }

    [Fact]
    public void A_small_difference_is_not_significant_and_has_no_winner()
    {
        // 200/1000 vs 210/1000: χ² = 0.3068, p = 0.58.
        var result = Significance.Analyze([new("A", 1000, 1000, 0, 200), new("B", 1000, 1000, 0, 210)], baseline: "A");

        Assert.Equal(ExperimentStatus.NotSignificant, result.Status);
        Assert.Null(result.Winner);
        Assert.Equal(0.30680, result.Overall!.Statistic, 5);
        Assert.NotNull(result.Arms[1].VersusBaseline);
    }

    [Fact]
    public void Arms_that_differ_overall_but_not_between_the_two_best_have_no_winner()
    {
        // χ² = 8.52 (df 2, p = 0.014): the arms differ. But 250/1000 vs 245/1000 has p = 0.80, so neither is "the" winner.
        var result = Significance.Analyze(
            [new("control", 1000, 1000, 0, 200), new("A", 1000, 1000, 0, 250), new("B", 1000, 1000, 0, 245)], baseline: "control");

        Assert.Equal(ExperimentStatus.Significant, result.Status);
        Assert.Equal(8.52073, result.Overall!.Statistic, 5);
        Assert.Null(result.Winner);
        // Two comparisons with the baseline, so Bonferroni doubles their p-values: A 0.00742 → 0.01484.
        Assert.Equal(0.014839, result.Arms[1].AdjustedPValue!.Value, 6);
    }

    [Fact]
    public void With_several_arms_the_winner_must_clear_the_bonferroni_level()
    {
        // 200, 240, 200 per 1000: χ² = 6.356 (df 2, p = e^{−3.178} = 0.0417), so the arms differ at 5%. A beats each
        // other arm with p = 0.0308 — enough on its own, but not below 0.05 / 2 = 0.025, so nobody is named.
        var result = Significance.Analyze(
            [new("control", 1000, 1000, 0, 200), new("A", 1000, 1000, 0, 240), new("B", 1000, 1000, 0, 200)], baseline: "control");

        Assert.Equal(ExperimentStatus.Significant, result.Status);
        Assert.Equal(0.0417, result.Overall!.PValue, 4);
        Assert.Equal(0.0308, result.Arms[1].VersusBaseline!.PValue, 4);
        Assert.Null(result.Winner);
    }

    [Fact]
    public void The_holdout_wins_when_the_message_hurts_conversion()
    {
        // 300/1000 vs 200/1000: χ² = 26.67. The arm that received nothing converts better.
        var result = Significance.Analyze([new("holdout", 1000, 0, 0, 300), new("coupon", 1000, 1000, 500, 200)], baseline: "holdout");

        Assert.Equal("holdout", result.Winner);
        Assert.Null(result.Arms[0].ClickRate); // nothing was sent
        Assert.Equal(-0.1, result.Arms[1].VersusBaseline!.Difference, 12);
    }

    [Fact]
    public void Too_few_exposures_is_insufficient_data_with_what_is_missing()
    {
        var result = Significance.Analyze([new("A", 80, 80, 10, 20), new("B", 1000, 1000, 100, 200)], baseline: "A");

        Assert.Equal(ExperimentStatus.InsufficientData, result.Status);
        Assert.Null(result.Overall);
        Assert.Null(result.Winner);
        Assert.All(result.Arms, a => Assert.Null(a.VersusBaseline));
        var shortfall = Assert.Single(result.Shortfalls);
        Assert.Equal(new DataShortfall("A", ShortfallKind.Exposures, 80, 100, 20), shortfall);
        Assert.Equal(0.25, result.Arms[0].ConversionRate); // rates are still reported
    }

    [Fact]
    public void Rare_conversions_fail_the_expected_count_rule_and_say_how_many_exposures_would_do()
    {
        // 2/500 and 3/500: pooled 5/1000, so each arm expects 500 × 0.005 = 2.5 conversions, below 5.
        // At that rate an arm needs 5 / 0.005 = 1000 exposures: 500 more each.
        var result = Significance.Analyze([new("A", 500, 500, 0, 2), new("B", 500, 500, 0, 3)], baseline: "A");

        Assert.Equal(ExperimentStatus.InsufficientData, result.Status);
        Assert.Equal(
            [new DataShortfall("A", ShortfallKind.ExpectedConversions, 2.5, 5, 500), new DataShortfall("B", ShortfallKind.ExpectedConversions, 2.5, 5, 500)],
            result.Shortfalls);
    }

    [Fact]
    public void Near_certain_conversion_fails_the_rule_on_the_other_column()
    {
        var shortfalls = Significance.Shortfalls([new("A", 200, 200, 0, 199), new("B", 200, 200, 0, 198)]);

        Assert.Equal([ShortfallKind.ExpectedNonConversions, ShortfallKind.ExpectedNonConversions], shortfalls.Select(s => s.Kind));
        Assert.Equal(1.5, shortfalls[0].Actual, 12);
        Assert.Equal(467, shortfalls[0].MoreExposuresNeeded); // 5 × 400 / 3 = 666.7 → 667 − 200
    }

    [Fact]
    public void Nobody_converting_yet_cannot_promise_an_exposure_count()
    {
        var shortfalls = Significance.Shortfalls([new("A", 300, 300, 0, 0), new("B", 300, 300, 0, 0)]);

        Assert.All(shortfalls, s => Assert.Equal((ShortfallKind.ExpectedConversions, (long?)null), (s.Kind, s.MoreExposuresNeeded)));
    }

    [Fact]
    public void Exactly_five_expected_passes_the_rule()
    {
        // 10/1000 pooled 1%: 500 exposures expect exactly 5.0 conversions, which is enough.
        Assert.Empty(Significance.Shortfalls([new("A", 500, 500, 0, 4), new("B", 500, 500, 0, 6)]));
    }

    [Fact]
    public void Minimum_exposures_and_confidence_are_configurable()
    {
        var options = new SignificanceOptions { MinExposures = 50, Confidence = 0.99 };
        // 40/200 vs 70/200: pooled 110/400, z = 3.36, p = 0.0008 → significant even at 99%.
        var result = Significance.Analyze([new("A", 200, 200, 0, 40), new("B", 200, 200, 0, 70)], "A", options);

        Assert.Equal(ExperimentStatus.Significant, result.Status);
        Assert.Equal(0.99, result.Confidence);
        Assert.Equal("B", result.Winner);
    }

    [Fact]
    public void Results_round_trip_through_system_text_json_with_readable_enums()
    {
        var result = Significance.Analyze([new("A", 1000, 990, 310, 200), new("B", 1000, 985, 402, 250)], baseline: "A");
        var insufficient = Significance.Analyze([new("A", 80, 80, 10, 20), new("B", 1000, 1000, 100, 200)], baseline: "A");

        foreach (var r in new[] { result, insufficient })
        {
            var json = JsonSerializer.Serialize(r);
            var back = JsonSerializer.Deserialize<ExperimentResult>(json)!;
            Assert.Equal(json, JsonSerializer.Serialize(back));
            Assert.Equal(r.Status, back.Status);
            Assert.Equal(r.Winner, back.Winner);
            Assert.Equal(r.Arms[1].VersusBaseline, back.Arms[1].VersusBaseline);
        }
        Assert.Contains("\"Status\":\"Significant\"", JsonSerializer.Serialize(result));
        Assert.Contains("\"Kind\":\"Exposures\"", JsonSerializer.Serialize(insufficient));
    }

    [Fact]
    public void Malformed_input_is_rejected_as_a_programming_error()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Significance.TwoProportion(11, 10, 1, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => Significance.TwoProportion(1, 10, 1, 10, confidence: 1));
        Assert.Throws<ArgumentException>(() => Significance.Analyze([new("A", 100, 100, 0, 10)], "A"));
        Assert.Throws<ArgumentException>(() => Significance.Analyze([new("A", 100, 100, 0, 10), new("A", 100, 100, 0, 10)], "A"));
        Assert.Throws<ArgumentException>(() => Significance.Analyze([new("A", 100, 100, 0, 10), new("B", 100, 100, 0, 10)], "C"));
    }
}
