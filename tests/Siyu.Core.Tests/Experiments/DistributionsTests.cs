using FsCheck;
using FsCheck.Xunit;
using Siyu.Core.Experiments;
using Xunit;

namespace Siyu.Core.Tests.Experiments;

/// <summary>Special functions against published table values and closed forms that share no code with them.</summary>
public sealed class DistributionsTests
{
    private static void Close(double expected, double actual, double relative) =>
        Assert.True(Math.Abs(actual - expected) <= relative * Math.Abs(expected), $"expected {expected:R}, got {actual:R}");

    [Theory]
    // Standard normal table (Abramowitz & Stegun 26.2; any statistics text), to the digits published.
    [InlineData(0.0, 0.5)]
    [InlineData(1.0, 0.8413447460685429)]
    [InlineData(1.96, 0.9750021048517795)]
    [InlineData(-1.96, 0.0249978951482205)]
    [InlineData(-3.0, 0.0013498980316301)]
    // Far tails keep relative precision because Φ(−z) is computed as ½·erfc(z/√2), never as 1 − Φ(z).
    [InlineData(-6.0, 9.865876450377012e-10)]
    [InlineData(-10.0, 7.619853024160593e-24)]
    public void Normal_cdf_matches_the_published_table(double z, double expected) =>
        Close(expected, Distributions.NormalCdf(z), 1e-12);

    [Fact]
    public void The_two_sided_one_percent_point_leaves_half_a_percent_in_each_tail()
    {
        // z = 2.5758 is the table's rounding of 2.5758293…: Φ(−2.5758) = 0.0050004, within 1e-6 of 0.005.
        Assert.Equal(0.005, Distributions.NormalCdf(-2.5758), 6);
        Close(0.005, Distributions.NormalCdf(-2.5758293035489004), 1e-12);
    }

    [Theory]
    [InlineData(0.975, 1.959963984540054)]
    [InlineData(0.995, 2.5758293035489004)]
    [InlineData(0.95, 1.6448536269514722)]
    [InlineData(0.5, 0.0)]
    [InlineData(1e-10, -6.361340902404056)]
    public void Normal_quantile_matches_the_published_critical_values(double p, double expected) =>
        Assert.Equal(expected, Distributions.NormalQuantile(p), 12);

    [Property(MaxTest = 300)]
    public void Normal_quantile_inverts_the_cdf_in_the_lower_tail(NormalFloat raw)
    {
        // Down to Φ(−37) ≈ 6e-300, where p still carries full relative precision.
        var z = -Math.Abs(raw.Get) % 37;
        var back = Distributions.NormalQuantile(Distributions.NormalCdf(z));
        Assert.True(Math.Abs(back - z) <= 1e-10 * Math.Max(1, Math.Abs(z)), $"Φ⁻¹(Φ({z:R})) = {back:R}");
    }

    [Property(MaxTest = 300)]
    public void Normal_quantile_inverts_the_cdf_in_the_upper_half(NormalFloat raw)
    {
        // Above the mean p = Φ(z) is 1 − tail, and double keeps only ~1e-16 of that tail in absolute terms: at z = 5
        // that is a z error of 1e-16 / φ(5) ≈ 7e-11, so the round trip is checked to 1e-9 up to there.
        var z = Math.Abs(raw.Get) % 5;
        Assert.Equal(z, Distributions.NormalQuantile(Distributions.NormalCdf(z)), tolerance: 1e-9);
    }

    [Theory]
    [InlineData(1.0, 0.1572992070502851)]
    [InlineData(0.5, 0.4795001221869535)]
    [InlineData(3.0, 2.209049699858544e-05)]
    [InlineData(-1.0, 1.8427007929497148)]
    public void Erfc_matches_published_values(double x, double expected) => Close(expected, Distributions.Erfc(x), 1e-13);

    [Fact]
    public void Log_gamma_matches_factorials_and_root_pi()
    {
        Close(Math.Log(Math.Sqrt(Math.PI)), Distributions.LogGamma(0.5), 1e-14);
        Close(Math.Log(362880), Distributions.LogGamma(10), 1e-14);       // Γ(10) = 9!
        Close(Math.Log(24), Distributions.LogGamma(5), 1e-14);            // Γ(5) = 4!
        Close(Math.Log(Math.Sqrt(Math.PI) / 2), Distributions.LogGamma(1.5), 1e-13);
        Close(Math.Log(9.513507698668732), Distributions.LogGamma(0.1), 1e-13); // reflection branch
    }

    [Theory]
    // Chi-square critical values as printed in the tables (3 decimals): upper tail at the column's level.
    [InlineData(3.841, 1, 0.05)]
    [InlineData(6.635, 1, 0.01)]
    [InlineData(5.991, 2, 0.05)]
    [InlineData(11.345, 3, 0.01)]
    [InlineData(9.488, 4, 0.05)]
    [InlineData(23.209, 10, 0.01)]
    [InlineData(124.342, 100, 0.05)]
    public void Chi_square_upper_tail_matches_the_table(double statistic, int df, double expected) =>
        // Three printed decimals move the tail by at most ~5e-5 (density × 0.0005), so that is the tolerance.
        Assert.InRange(Distributions.ChiSquareSurvival(statistic, df), expected - 5e-5, expected + 5e-5);

    [Theory]
    // Exact critical values (qchisq in R) pin the function much tighter than the printed table can.
    [InlineData(3.841458820694124, 1, 0.05)]
    [InlineData(11.344866730144373, 3, 0.01)]
    [InlineData(23.209251158954356, 10, 0.01)]
    public void Chi_square_upper_tail_matches_exact_critical_values(double statistic, int df, double expected) =>
        Close(expected, Distributions.ChiSquareSurvival(statistic, df), 1e-9);

    [Property(MaxTest = 300)]
    public void Chi_square_tails_with_two_and_four_degrees_follow_their_closed_forms(PositiveInt raw)
    {
        // Even degrees have elementary tails: Q(1, x/2) = e^{−x/2}, Q(2, x/2) = e^{−x/2}(1 + x/2).
        var x = raw.Get % 200_000 / 1000.0;
        Close(Math.Exp(-x / 2), Distributions.ChiSquareSurvival(x, 2), 1e-12);
        Close(Math.Exp(-x / 2) * (1 + x / 2), Distributions.ChiSquareSurvival(x, 4), 1e-12);
    }

    [Property(MaxTest = 300)]
    public void Lower_and_upper_incomplete_gamma_add_up_to_one(PositiveInt a, PositiveInt x)
    {
        var shape = a.Get % 5000 / 100.0 + 0.01;
        var value = x.Get % 10_000 / 100.0;
        Assert.Equal(1.0, Distributions.RegularizedGammaP(shape, value) + Distributions.RegularizedGammaQ(shape, value), tolerance: 1e-12);
    }
}
