using System.Text;
using Siyu.Core.Experiments;
using Xunit;

namespace Siyu.Core.Tests.Experiments;

public sealed class VariantAssignerTests
{
    private const int Customers = 100_000;
    private const string Key = "journey:12:step:3";

    // Chi-square critical values at p = 0.001 (table), by degrees of freedom. The runs are deterministic, so a fixed
    // strict level costs no flakiness; a biased hash would land far above these.
    private static readonly Dictionary<int, double> Critical001 = new() { [1] = 10.828, [2] = 13.816, [3] = 16.266, [4] = 18.467, [5] = 20.515 };

    /// <summary>Pearson goodness of fit, written out here rather than borrowed from the code under test.</summary>
    private static double GoodnessOfFit(IReadOnlyList<long> observed, IReadOnlyList<double> expectedShares)
    {
        var n = observed.Sum();
        var statistic = 0.0;
        for (var i = 0; i < observed.Count; i++)
        {
            var expected = n * expectedShares[i];
            statistic += (observed[i] - expected) * (observed[i] - expected) / expected;
        }
        return statistic;
    }

    /// <summary>Pearson independence statistic of an r × c table.</summary>
    private static double Independence(long[,] table)
    {
        int rows = table.GetLength(0), columns = table.GetLength(1);
        var rowTotals = new double[rows];
        var columnTotals = new double[columns];
        double total = 0;
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                rowTotals[r] += table[r, c];
                columnTotals[c] += table[r, c];
                total += table[r, c];
            }
        }
        var statistic = 0.0;
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                var expected = rowTotals[r] * columnTotals[c] / total;
                statistic += (table[r, c] - expected) * (table[r, c] - expected) / expected;
            }
        }
        return statistic;
    }

    [Theory]
    // Published XXH64 vectors (xxHash's sanity tests and the python-xxhash README).
    [InlineData("", 0UL, 0xEF46DB3751D8E999UL)]
    [InlineData("", 2654435761UL, 0xAC75FDA2929B17EFUL)]
    [InlineData("a", 0UL, 0xD24EC4F1A98C6E5BUL)]
    [InlineData("abc", 0UL, 0x44BC2CF5AD770999UL)]
    [InlineData("Nobody inspects the spammish repetition", 0UL, 0xFBCEA83C8A378BF1UL)]
    // 45 UTF-8 bytes reach every branch (32-byte stripe, 8-, 4- and 1-byte tails); cross-checked with System.IO.Hashing 10.0.3.
    [InlineData("私域 A/B journey:12:step:3 — 你好世界", 0UL, 0x5A2CF781AFDA77FEUL)]
    public void The_hash_is_xxh64_as_published(string input, ulong seed, ulong expected) =>
        Assert.Equal(expected, XxHash64.Hash(Encoding.UTF8.GetBytes(input), seed));

    [Fact]
    public void Assignments_are_pinned_across_processes_and_versions()
    {
        // A customer's arm must never change under a running experiment. These were produced once by this
        // implementation; if this test fails, the hash input, the seeds or the bucket mapping changed, and every
        // running experiment would silently reshuffle.
        var assigner = new VariantAssigner([new("A", 50), new("B", 30), new("C", 20)], holdoutPercent: 10m);
        var actual = Enumerable.Range(1, 20).Select(i => (long)i).Concat([1_000_000_007L, -5L]).Select(id => assigner.Assign(Key, id).Variant ?? "holdout");

        Assert.Equal(PinnedAssignments, actual);
        Assert.Equal(PinnedHash, VariantAssigner.Hash(Key, 42, VariantAssigner.VariantSeed));
    }

    private static readonly string[] PinnedAssignments =
        ["A", "A", "A", "B", "A", "holdout", "holdout", "A", "B", "C", "A", "B", "C", "A", "A", "A", "B", "holdout", "A", "C", "A", "B"];

    private const ulong PinnedHash = 0x9EF06244418BE352UL;

    [Fact]
    public void The_same_inputs_give_the_same_variant_from_separate_instances()
    {
        var first = new VariantAssigner([new("A", 1), new("B", 1)]);
        var second = new VariantAssigner([new("A", 1), new("B", 1)]);
        for (long id = 0; id < 1000; id++)
        {
            Assert.Equal(first.Assign(Key, id), second.Assign(Key, id));
        }
    }

    [Theory]
    [InlineData(new[] { 1, 1 }, 0.0)]
    [InlineData(new[] { 5, 3, 2 }, 10.0)]
    [InlineData(new[] { 1, 1, 1, 1 }, 2.5)]
    [InlineData(new[] { 1, 99 }, 0.0)]
    [InlineData(new[] { 70, 0, 30 }, 50.0)]
    public void Sequential_ids_spread_over_the_arms_as_the_weights_say(int[] weights, double holdout)
    {
        var variants = weights.Select((w, i) => new Variant($"v{i}", w)).ToList();
        var assigner = new VariantAssigner(variants, (decimal)holdout);
        var counts = new Dictionary<string, long>();
        for (long id = 1; id <= Customers; id++)
        {
            var arm = assigner.Assign(Key, id).Variant ?? "holdout";
            counts[arm] = counts.GetValueOrDefault(arm) + 1;
        }

        var h = holdout / 100;
        var arms = new List<string>();
        var shares = new List<double>();
        if (h > 0)
        {
            arms.Add("holdout");
            shares.Add(h);
        }
        for (var i = 0; i < weights.Length; i++)
        {
            if (weights[i] == 0)
            {
                Assert.False(counts.ContainsKey($"v{i}"), "a variant with weight 0 receives nobody");
                continue;
            }
            arms.Add($"v{i}");
            shares.Add((1 - h) * weights[i] / weights.Sum());
        }
        var statistic = GoodnessOfFit([.. arms.Select(a => counts.GetValueOrDefault(a))], shares);
        Assert.True(statistic < Critical001[arms.Count - 1], $"χ² = {statistic:F2} with df {arms.Count - 1}");
    }

    [Fact]
    public void Adding_or_reweighting_variants_keeps_exactly_the_same_holdout()
    {
        var two = new VariantAssigner([new("A", 1), new("B", 1)], holdoutPercent: 10m);
        var three = new VariantAssigner([new("A", 1), new("B", 1), new("C", 3)], holdoutPercent: 10m);
        var reweighted = new VariantAssigner([new("B", 9), new("A", 1)], holdoutPercent: 10m);
        var held = 0;
        for (long id = 1; id <= Customers; id++)
        {
            var isHeld = two.Assign(Key, id).IsHoldout;
            held += isHeld ? 1 : 0;
            Assert.Equal(isHeld, three.Assign(Key, id).IsHoldout);
            Assert.Equal(isHeld, reweighted.Assign(Key, id).IsHoldout);
        }
        Assert.InRange(held, 9_700, 10_300); // 10% ± 3.2 standard deviations (σ = √(100000 × 0.1 × 0.9) = 95)
    }

    [Fact]
    public void A_larger_holdout_only_adds_customers_to_it()
    {
        var ten = new VariantAssigner([new("A", 1), new("B", 1)], holdoutPercent: 10m);
        var twenty = new VariantAssigner([new("A", 1), new("B", 1)], holdoutPercent: 20m);
        for (long id = 1; id <= Customers; id++)
        {
            if (ten.Assign(Key, id).IsHoldout)
            {
                Assert.True(twenty.Assign(Key, id).IsHoldout);
            }
        }
    }

    [Fact]
    public void The_holdout_does_not_bias_which_variant_the_others_get()
    {
        // Customers outside the holdout get exactly the variant they would get with no holdout at all, and whether a
        // customer is held out is independent of that variant (a 2 × 3 table with no association).
        var variants = new List<Variant> { new("A", 5), new("B", 3), new("C", 2) };
        var without = new VariantAssigner(variants);
        var with = new VariantAssigner(variants, holdoutPercent: 50m);
        var table = new long[2, 3];
        for (long id = 1; id <= Customers; id++)
        {
            var plain = without.Assign(Key, id).Variant!;
            var assigned = with.Assign(Key, id);
            if (!assigned.IsHoldout)
            {
                Assert.Equal(plain, assigned.Variant);
            }
            table[assigned.IsHoldout ? 1 : 0, plain[0] - 'A']++;
        }
        var statistic = Independence(table);
        Assert.True(statistic < Critical001[2], $"χ² = {statistic:F2}");
    }

    [Fact]
    public void Two_experiments_split_the_same_customers_independently()
    {
        // A customer in A of one step must not be more likely to be in A of the next: that would confound journeys.
        var assigner = new VariantAssigner([new("A", 1), new("B", 1)], holdoutPercent: 20m);
        var table = new long[3, 3];
        static int Index(Assignment a) => a.Variant switch { null => 0, "A" => 1, _ => 2 };
        for (long id = 1; id <= Customers; id++)
        {
            table[Index(assigner.Assign("journey:12:step:3", id)), Index(assigner.Assign("journey:12:step:4", id))]++;
        }
        var statistic = Independence(table);
        Assert.True(statistic < Critical001[4], $"χ² = {statistic:F2}");
    }

    [Fact]
    public void Invalid_splits_report_field_errors()
    {
        var errors = VariantAssigner.Validate([new("A", 1), new("A", -1), new("", 1)], 2.555m);

        Assert.Equal(
            [
                new("holdout_percent", "At most two decimals (0.01% steps)."),
                new("variants[1].key", "Duplicate variant 'A'."),
                new("variants[1].weight", "From 0 to 1,000,000."),
                new("variants[2].key", "Required."),
            ],
            errors);
        Assert.Contains(new Siyu.Core.Events.FieldError("variants", "At least one variant needs a weight above 0."), VariantAssigner.Validate([new("A", 0)], 0m));
        Assert.Contains(new Siyu.Core.Events.FieldError("holdout_percent", "From 0 to less than 100."), VariantAssigner.Validate([new("A", 1)], 100m));
        Assert.Empty(VariantAssigner.Validate([new("A", 1), new("B", 0)], 2.55m));
        Assert.Throws<ArgumentException>(() => new VariantAssigner([], 0m));
    }
}
