using System.Buffers.Binary;
using System.Text;
using Siyu.Core.Events;

namespace Siyu.Core.Experiments;

/// <summary>One arm of an A/B split; weights are relative (5/3/2 sends half the non-held-out customers to the first).</summary>
public sealed record Variant(string Key, int Weight);

/// <summary>Where a customer landed: a variant's key, or the holdout (<see cref="Variant"/> is null) that receives nothing.</summary>
public readonly record struct Assignment(string? Variant)
{
    public bool IsHoldout => Variant is null;
}

/// <summary>
/// Stable A/B assignment: a pure function of (experiment key, customer id), so every silo, every restart and every
/// future version puts a customer in the same arm without storing anything.
/// </summary>
/// <remarks>
/// The wire format is a compatibility contract (tests pin it): XXH64 over the UTF-8 experiment key followed by the
/// customer id as 8 little-endian bytes, seeded with <see cref="VariantSeed"/> for the variant and
/// <see cref="HoldoutSeed"/> for the holdout. The holdout has its own hash so that adding, removing or reweighting
/// variants never moves anyone into or out of the holdout, and raising the holdout only adds customers to it.
/// Changing weights does reshuffle customers between variants (cumulative ranges over the total weight); journeys
/// version their definitions, so a reweighted split is a new version, not an edit of a running one.
/// </remarks>
public sealed class VariantAssigner
{
    public const ulong VariantSeed = 0x5369_7975_5661_7269UL; // "SiyuVari"
    public const ulong HoldoutSeed = 0x5369_7975_486F_6C64UL; // "SiyuHold"
    // A–Z; a wider split leaves too few customers per arm to ever read a result.
    public const int MaxVariants = 26;
    public const int MaxWeight = 1_000_000;

    /// <summary>The holdout in basis points (1/100 of a percent), so 2.5% is exact and comparisons are integer.</summary>
    private const int HoldoutScale = 10_000;

    private readonly Variant[] _variants;
    private readonly long[] _cumulative;
    private readonly long _totalWeight;
    private readonly int _holdoutBasisPoints;

    public VariantAssigner(IReadOnlyList<Variant> variants, decimal holdoutPercent = 0m)
    {
        var errors = Validate(variants, holdoutPercent);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors.Select(e => $"{e.Path}: {e.Message}")), nameof(variants));
        }
        _variants = [.. variants];
        _cumulative = new long[_variants.Length];
        long sum = 0;
        for (var i = 0; i < _variants.Length; i++)
        {
            sum += _variants[i].Weight;
            _cumulative[i] = sum;
        }
        _totalWeight = sum;
        _holdoutBasisPoints = (int)(holdoutPercent * 100m);
    }

    public IReadOnlyList<Variant> Variants => _variants;

    public decimal HoldoutPercent => _holdoutBasisPoints / 100m;

    /// <summary>Checks a split as an operator would enter it; paths are relative to the split (<c>variants[1].weight</c>).</summary>
    public static IReadOnlyList<FieldError> Validate(IReadOnlyList<Variant>? variants, decimal holdoutPercent)
    {
        var errors = new List<FieldError>();
        if (holdoutPercent is < 0m or >= 100m)
        {
            errors.Add(new FieldError("holdout_percent", "From 0 to less than 100."));
        }
        else if (holdoutPercent * 100m != decimal.Truncate(holdoutPercent * 100m))
        {
            errors.Add(new FieldError("holdout_percent", "At most two decimals (0.01% steps)."));
        }
        if (variants is null || variants.Count == 0)
        {
            errors.Add(new FieldError("variants", "At least one variant."));
            return errors;
        }
        if (variants.Count > MaxVariants)
        {
            errors.Add(new FieldError("variants", $"At most {MaxVariants} variants."));
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long total = 0;
        for (var i = 0; i < variants.Count; i++)
        {
            var v = variants[i];
            if (string.IsNullOrWhiteSpace(v.Key))
            {
                errors.Add(new FieldError($"variants[{i}].key", "Required."));
            }
            else if (!seen.Add(v.Key))
            {
                errors.Add(new FieldError($"variants[{i}].key", $"Duplicate variant '{v.Key}'."));
            }
            // Weight 0 pauses a variant without renumbering the others.
            if (v.Weight is < 0 or > MaxWeight)
            {
                errors.Add(new FieldError($"variants[{i}].weight", $"From 0 to {MaxWeight:N0}."));
            }
            else
            {
                total += v.Weight;
            }
        }
        if (total == 0 && errors.Count == 0)
        {
            errors.Add(new FieldError("variants", "At least one variant needs a weight above 0."));
        }
        return errors;
    }

    public Assignment Assign(string experimentKey, long customerId)
    {
        if (_holdoutBasisPoints > 0 && Bucket(experimentKey, customerId, HoldoutSeed, HoldoutScale) < _holdoutBasisPoints)
        {
            return new Assignment(null);
        }
        var point = Bucket(experimentKey, customerId, VariantSeed, _totalWeight);
        for (var i = 0; i < _cumulative.Length; i++)
        {
            if (point < _cumulative[i])
            {
                return new Assignment(_variants[i].Key);
            }
        }
        throw new InvalidOperationException("Unreachable: the bucket is below the total weight.");
    }

    /// <summary>The raw 64-bit hash of (experiment key, customer id) under a seed; public for diagnostics and tests.</summary>
    public static ulong Hash(string experimentKey, long customerId, ulong seed)
    {
        var keyLength = Encoding.UTF8.GetByteCount(experimentKey);
        Span<byte> buffer = keyLength <= 248 ? stackalloc byte[keyLength + 8] : new byte[keyLength + 8];
        Encoding.UTF8.GetBytes(experimentKey, buffer);
        BinaryPrimitives.WriteInt64LittleEndian(buffer[keyLength..], customerId);
        return XxHash64.Hash(buffer, seed);
    }

    /// <summary>
    /// Maps the hash onto [0, n) by the high half of a 128-bit product (Lemire's reduction): every bucket gets
    /// ⌊2⁶⁴/n⌋ or ⌈2⁶⁴/n⌉ hash values, a bias below 1e-13 for any n we allow, and no modulo of low bits.
    /// </summary>
    private static long Bucket(string experimentKey, long customerId, ulong seed, long n) =>
        (long)Math.BigMul(Hash(experimentKey, customerId, seed), (ulong)n, out _);
}
