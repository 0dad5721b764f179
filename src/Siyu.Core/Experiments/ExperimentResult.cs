using System.Text.Json.Serialization;

namespace Siyu.Core.Experiments;

/// <summary>
/// What analytics counted for one arm. <see cref="Exposed"/> is every customer assigned to the arm (the holdout too),
/// and is the denominator of the conversion rate: intention to treat, so a failed send counts against its variant
/// instead of flattering it, and the holdout (which is sent nothing) is comparable at all.
/// </summary>
public sealed record ArmCounts(string Arm, long Exposed, long Sent, long Clicked, long Converted);

public sealed record ConfidenceInterval(double Lower, double Upper)
{
    public bool Contains(double value) => value >= Lower && value <= Upper;
}

/// <summary>Two-proportion z-test of a variant against the baseline; differences are variant − baseline.</summary>
/// <param name="StandardError">Pooled standard error, the one the z statistic uses (it assumes no difference).</param>
/// <param name="DifferenceInterval">Wald interval with the unpooled standard error (it does not assume no difference).</param>
/// <param name="RelativeLift">(variant − baseline) / baseline; null when the baseline rate is 0.</param>
/// <param name="RelativeLiftInterval">Katz log interval for the rate ratio, minus 1; null when either arm has no successes.</param>
public sealed record TwoProportionTest(
    double BaselineRate,
    double VariantRate,
    double Difference,
    double StandardError,
    double Z,
    double PValue,
    ConfidenceInterval DifferenceInterval,
    double? RelativeLift,
    ConfidenceInterval? RelativeLiftInterval);

/// <summary>Chi-square test of independence over k arms × (converted, not converted).</summary>
public sealed record ChiSquareTest(double Statistic, int DegreesOfFreedom, double PValue);

[JsonConverter(typeof(JsonStringEnumConverter<ShortfallKind>))]
public enum ShortfallKind
{
    /// <summary>Fewer customers exposed than the configured minimum.</summary>
    Exposures,
    /// <summary>Expected conversions (exposed × pooled rate) below the textbook 5.</summary>
    ExpectedConversions,
    /// <summary>Expected non-conversions (exposed × (1 − pooled rate)) below 5.</summary>
    ExpectedNonConversions,
}

/// <summary>
/// Why an arm cannot be tested yet. <see cref="MoreExposuresNeeded"/> is how many more customers the arm needs at the
/// current pooled rate (an estimate: the rate moves as data arrives); null when nobody has converted yet, so no
/// number of exposures can be promised.
/// </summary>
public sealed record DataShortfall(string Arm, ShortfallKind Kind, double Actual, double Required, long? MoreExposuresNeeded);

[JsonConverter(typeof(JsonStringEnumConverter<ExperimentStatus>))]
public enum ExperimentStatus
{
    /// <summary>Some arm is below the minimum exposures or the expected-count rule; see the shortfalls.</summary>
    InsufficientData,
    /// <summary>The arms' conversion rates are not distinguishable at the chosen confidence.</summary>
    NotSignificant,
    /// <summary>The arms differ; <see cref="ExperimentResult.Winner"/> names the best arm when one is clearly best.</summary>
    Significant,
}

/// <summary>One arm's counts, rates and (unless it is the baseline) its comparison with the baseline.</summary>
/// <param name="ClickRate">Clicked / sent; null when nothing was sent (the holdout).</param>
/// <param name="ConversionRate">Converted / exposed; null when nobody was exposed.</param>
/// <param name="AdjustedPValue">The comparison's p-value × (k − 1) comparisons, capped at 1 (Bonferroni).</param>
public sealed record ArmResult(
    string Arm,
    bool IsBaseline,
    long Exposed,
    long Sent,
    long Clicked,
    long Converted,
    double? ClickRate,
    double? ConversionRate,
    TwoProportionTest? VersusBaseline,
    double? AdjustedPValue);

/// <summary>An experiment's analysis as the console shows it and the API returns it (System.Text.Json round-trips it).</summary>
/// <param name="Overall">The omnibus chi-square test across all arms; null while data is insufficient.</param>
/// <param name="Winner">The arm with the highest conversion rate when it beats every other arm significantly (see <see cref="Significance.Analyze"/>).</param>
public sealed record ExperimentResult(
    ExperimentStatus Status,
    string Baseline,
    double Confidence,
    IReadOnlyList<ArmResult> Arms,
    ChiSquareTest? Overall,
    string? Winner,
    IReadOnlyList<DataShortfall> Shortfalls);

/// <summary>Thresholds of an analysis; the defaults are the textbook ones.</summary>
public sealed record SignificanceOptions
{
    public double Confidence { get; init; } = 0.95;
    public long MinExposures { get; init; } = 100;
    public double MinExpectedCount { get; init; } = 5;
}
