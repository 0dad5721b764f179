namespace Siyu.Core.Experiments;

/// <summary>Significance of conversion differences between the arms of an A/B split.</summary>
public static class Significance
{
    /// <summary>
    /// Two-proportion z-test, two-sided. The statistic uses the pooled standard error (under the null hypothesis the
    /// arms share one rate); the confidence interval of the difference uses the unpooled one. When both arms are all
    /// successes or all failures there is no variance and no evidence of a difference: z = 0, p = 1.
    /// </summary>
    public static TwoProportionTest TwoProportion(long baselineSuccesses, long baselineTrials, long variantSuccesses, long variantTrials, double confidence = 0.95)
    {
        CheckCounts(baselineSuccesses, baselineTrials, nameof(baselineSuccesses));
        CheckCounts(variantSuccesses, variantTrials, nameof(variantSuccesses));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(baselineTrials);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(variantTrials);
        var zCritical = CriticalZ(confidence);

        double x1 = baselineSuccesses, n1 = baselineTrials, x2 = variantSuccesses, n2 = variantTrials;
        var p1 = x1 / n1;
        var p2 = x2 / n2;
        var difference = p2 - p1;
        var pooled = (x1 + x2) / (n1 + n2);
        var pooledSe = Math.Sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
        var z = pooledSe > 0 ? difference / pooledSe : 0;
        var p = pooledSe > 0 ? TwoSidedP(z) : 1;

        var unpooledSe = Math.Sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2);
        var differenceInterval = new ConfidenceInterval(difference - zCritical * unpooledSe, difference + zCritical * unpooledSe);

        double? lift = p1 > 0 ? difference / p1 : null;
        ConfidenceInterval? liftInterval = null;
        if (x1 > 0 && x2 > 0)
        {
            // Katz et al. (1978): ln(p2/p1) is close to normal with variance (1−p1)/x1 + (1−p2)/x2.
            var logRatio = Math.Log(p2 / p1);
            var logSe = Math.Sqrt((1 - p1) / x1 + (1 - p2) / x2);
            liftInterval = new ConfidenceInterval(Math.Exp(logRatio - zCritical * logSe) - 1, Math.Exp(logRatio + zCritical * logSe) - 1);
        }
        return new TwoProportionTest(p1, p2, difference, pooledSe, z, p, differenceInterval, lift, liftInterval);
    }

    /// <summary>
    /// Chi-square test of independence of arm and outcome over k arms × (success, failure), df = k − 1. Arms with
    /// no trials carry no information and are left out of the table (and of the degrees of freedom).
    /// </summary>
    public static ChiSquareTest ChiSquareIndependence(IReadOnlyList<(long Successes, long Trials)> arms)
    {
        ArgumentNullException.ThrowIfNull(arms);
        long totalSuccesses = 0, totalTrials = 0;
        var used = 0;
        foreach (var (s, n) in arms)
        {
            CheckCounts(s, n, nameof(arms));
            totalSuccesses += s;
            totalTrials += n;
            used += n > 0 ? 1 : 0;
        }
        if (used < 2)
        {
            throw new ArgumentException("At least two arms with trials.", nameof(arms));
        }
        var df = used - 1;
        var pooled = (double)totalSuccesses / totalTrials;
        if (pooled is 0 or 1)
        {
            return new ChiSquareTest(0, df, 1); // one column is empty: every arm has the same rate
        }
        var statistic = 0.0;
        foreach (var (s, n) in arms)
        {
            if (n == 0)
            {
                continue;
            }
            var expectedSuccesses = n * pooled;
            var expectedFailures = n * (1 - pooled);
            var ds = s - expectedSuccesses;
            // O−E of the failure cell is the negative of the success cell's, so one difference serves both.
            statistic += ds * ds / expectedSuccesses + ds * ds / expectedFailures;
        }
        return new ChiSquareTest(statistic, df, Distributions.ChiSquareSurvival(statistic, df));
    }

    /// <summary>
    /// What keeps the arms from being tested: fewer than <see cref="SignificanceOptions.MinExposures"/> exposures, or
    /// fewer than <see cref="SignificanceOptions.MinExpectedCount"/> expected conversions or non-conversions (exposed ×
    /// pooled rate, the chi-square expected cell count) in any arm. Empty when the tests are valid.
    /// </summary>
    public static IReadOnlyList<DataShortfall> Shortfalls(IReadOnlyList<ArmCounts> arms, SignificanceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(arms);
        options ??= new SignificanceOptions();
        var shortfalls = new List<DataShortfall>();
        long totalConverted = 0, totalExposed = 0;
        foreach (var a in arms)
        {
            CheckCounts(a.Converted, a.Exposed, nameof(arms));
            totalConverted += a.Converted;
            totalExposed += a.Exposed;
        }
        foreach (var a in arms)
        {
            if (a.Exposed < options.MinExposures)
            {
                shortfalls.Add(new DataShortfall(a.Arm, ShortfallKind.Exposures, a.Exposed, options.MinExposures, options.MinExposures - a.Exposed));
            }
        }
        if (totalExposed == 0)
        {
            return shortfalls;
        }
        var totalFailed = totalExposed - totalConverted;
        foreach (var a in arms)
        {
            Check(a, totalConverted, ShortfallKind.ExpectedConversions);
            Check(a, totalFailed, ShortfallKind.ExpectedNonConversions);
        }
        return shortfalls;

        void Check(ArmCounts a, long columnTotal, ShortfallKind kind)
        {
            // Expected count = exposed × column total / grand total; the test is done in decimal (exact for these
            // products) so that an arm exactly at the threshold is never rejected for a rounding 4.9999999.
            var min = options.MinExpectedCount;
            if ((decimal)a.Exposed * columnTotal >= (decimal)min * totalExposed)
            {
                return;
            }
            var expected = (double)a.Exposed * columnTotal / totalExposed;
            long? more = null;
            if (columnTotal > 0)
            {
                // Smallest n with n × columnTotal / totalExposed ≥ min, at today's pooled rate.
                var needed = (long)Math.Ceiling((decimal)min * totalExposed / columnTotal);
                more = Math.Max(0, needed - a.Exposed);
            }
            shortfalls.Add(new DataShortfall(a.Arm, kind, expected, min, more));
        }
    }

    /// <summary>
    /// The whole analysis: rates per arm, each arm against the baseline (z-test and intervals), the omnibus chi-square
    /// test, and a winner. The winner is the arm with the strictly highest conversion rate, named only when the omnibus
    /// test is significant and that arm beats every other arm in a two-proportion test at α / (k − 1) (Bonferroni over
    /// the k − 1 comparisons it needs to win); with two arms that is simply the z-test at α. The baseline can win:
    /// when the holdout converts best, the message is doing harm.
    /// </summary>
    public static ExperimentResult Analyze(IReadOnlyList<ArmCounts> arms, string baseline, SignificanceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(arms);
        options ??= new SignificanceOptions();
        var alpha = 1 - options.Confidence;
        CriticalZ(options.Confidence);
        if (arms.Count < 2)
        {
            throw new ArgumentException("An experiment has at least two arms.", nameof(arms));
        }
        if (arms.Select(a => a.Arm).Distinct(StringComparer.Ordinal).Count() != arms.Count)
        {
            throw new ArgumentException("Arm names must be unique.", nameof(arms));
        }
        var baseArm = arms.FirstOrDefault(a => a.Arm == baseline) ?? throw new ArgumentException($"No arm '{baseline}'.", nameof(baseline));
        foreach (var a in arms)
        {
            CheckCounts(a.Converted, a.Exposed, nameof(arms));
            ArgumentOutOfRangeException.ThrowIfNegative(a.Sent, nameof(arms));
            ArgumentOutOfRangeException.ThrowIfNegative(a.Clicked, nameof(arms));
        }

        var shortfalls = Shortfalls(arms, options);
        var comparisons = arms.Count - 1;
        var results = new List<ArmResult>(arms.Count);
        foreach (var a in arms)
        {
            TwoProportionTest? test = null;
            double? adjusted = null;
            if (shortfalls.Count == 0 && !ReferenceEquals(a, baseArm))
            {
                test = TwoProportion(baseArm.Converted, baseArm.Exposed, a.Converted, a.Exposed, options.Confidence);
                adjusted = Math.Min(1, test.PValue * comparisons);
            }
            results.Add(new ArmResult(a.Arm, ReferenceEquals(a, baseArm), a.Exposed, a.Sent, a.Clicked, a.Converted,
                a.Sent > 0 ? (double)a.Clicked / a.Sent : null,
                a.Exposed > 0 ? (double)a.Converted / a.Exposed : null,
                test, adjusted));
        }
        if (shortfalls.Count > 0)
        {
            return new ExperimentResult(ExperimentStatus.InsufficientData, baseline, options.Confidence, results, null, null, shortfalls);
        }

        var overall = ChiSquareIndependence([.. arms.Select(a => (a.Converted, a.Exposed))]);
        if (overall.PValue >= alpha)
        {
            return new ExperimentResult(ExperimentStatus.NotSignificant, baseline, options.Confidence, results, overall, null, []);
        }
        return new ExperimentResult(ExperimentStatus.Significant, baseline, options.Confidence, results, overall, Winner(arms, alpha / comparisons), []);
    }

    private static string? Winner(IReadOnlyList<ArmCounts> arms, double alpha)
    {
        // Rates compared as cross products so that equal fractions (10/200 and 5/100) tie exactly.
        static int Compare(ArmCounts x, ArmCounts y) => ((Int128)x.Converted * y.Exposed).CompareTo((Int128)y.Converted * x.Exposed);
        var best = arms[0];
        var tied = false;
        foreach (var a in arms.Skip(1))
        {
            var c = Compare(a, best);
            if (c > 0)
            {
                best = a;
                tied = false;
            }
            else if (c == 0)
            {
                tied = true;
            }
        }
        if (tied)
        {
            return null;
        }
        foreach (var other in arms)
        {
            if (!ReferenceEquals(other, best) && TwoProportion(other.Converted, other.Exposed, best.Converted, best.Exposed).PValue >= alpha)
            {
                return null;
            }
        }
        return best.Arm;
    }

    /// <summary>Two-sided p-value of a standard normal statistic: 2·Φ(−|z|), computed in the tail for precision.</summary>
    public static double TwoSidedP(double z) => Math.Min(1, Distributions.Erfc(Math.Abs(z) / Math.Sqrt(2)));

    /// <summary>z_{1−α/2} for a two-sided interval at the given confidence (1.959964 for 0.95).</summary>
    public static double CriticalZ(double confidence)
    {
        if (confidence is <= 0 or >= 1 || double.IsNaN(confidence))
        {
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "A confidence strictly between 0 and 1 (e.g. 0.95).");
        }
        return Distributions.NormalQuantile(1 - (1 - confidence) / 2);
    }

    private static void CheckCounts(long successes, long trials, string name)
    {
        if (successes < 0 || trials < 0 || successes > trials)
        {
            throw new ArgumentOutOfRangeException(name, $"Counts must satisfy 0 ≤ successes ({successes}) ≤ trials ({trials}).");
        }
    }
}
