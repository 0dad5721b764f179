using System.Security.Cryptography;
using System.Text;
using Siyu.Core.Events;

namespace Siyu.Core.Lottery;

public static class PrizeKinds
{
    /// <summary>A coupon of a template, issued through the coupon service.</summary>
    public const string Coupon = "coupon";
    /// <summary>Points credited to the winner's ledger.</summary>
    public const string Points = "points";
    /// <summary>A physical gift fulfilled by staff (the draw records it; nothing is issued automatically).</summary>
    public const string Gift = "gift";

    public static readonly IReadOnlyList<string> All = [Coupon, Points, Gift];
}

/// <summary>
/// One prize of a pool. <see cref="Chance"/> is its published probability in parts per million of a draw; what is
/// left to 1,000,000 is "no prize". <see cref="Stock"/> is how many exist.
/// </summary>
public sealed record PrizeSpec(string Name, string Kind, int Chance, int Stock, long? CouponTemplateId = null, long Points = 0);

/// <summary>A lottery's rules: prizes, who may draw, how often, what a draw costs.</summary>
public sealed record LotterySpec(
    string Name,
    IReadOnlyList<PrizeSpec> Prizes,
    DateTimeOffset? StartsAt,
    DateTimeOffset? EndsAt,
    long? AudienceId,
    int DrawsPerDay,
    int DrawsTotal,
    long PointsCost)
{
    public const int Million = 1_000_000;
    public const int MaxPrizes = 20;
    public const int MaxStock = 10_000_000;

    public IReadOnlyList<FieldError> Validate()
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(Name) || Name.Length > 60)
        {
            errors.Add(new("name", "Required: 1 to 60 characters."));
        }
        if (Prizes.Count is 0 or > MaxPrizes)
        {
            errors.Add(new("prizes", $"Required: 1 to {MaxPrizes} prizes."));
        }
        long total = 0;
        for (var i = 0; i < Prizes.Count; i++)
        {
            var p = Prizes[i];
            var at = $"prizes[{i}]";
            if (string.IsNullOrWhiteSpace(p.Name) || p.Name.Length > 60)
            {
                errors.Add(new($"{at}.name", "Required: 1 to 60 characters."));
            }
            if (p.Chance is < 1 or > Million)
            {
                errors.Add(new($"{at}.chance", "A probability from 0.000001 to 1 (given as a fraction, e.g. 0.05 for 5%)."));
            }
            total += Math.Max(0, p.Chance);
            if (p.Stock is < 0 or > MaxStock)
            {
                errors.Add(new($"{at}.stock", $"0 to {MaxStock:N0}."));
            }
            switch (p.Kind)
            {
                case PrizeKinds.Coupon when p.CouponTemplateId is null:
                    errors.Add(new($"{at}.coupon_template_id", "Required for a coupon prize."));
                    break;
                case PrizeKinds.Points when p.Points is < 1 or > 1_000_000:
                    errors.Add(new($"{at}.points", "Required for a points prize: 1 to 1,000,000."));
                    break;
                case PrizeKinds.Coupon or PrizeKinds.Points or PrizeKinds.Gift:
                    break;
                default:
                    errors.Add(new($"{at}.kind", $"One of {string.Join(", ", PrizeKinds.All)}."));
                    break;
            }
        }
        if (total > Million)
        {
            errors.Add(new("prizes", $"The prizes' chances add up to {total / (double)Million:0.######}, more than 1."));
        }
        if (StartsAt is { } s && EndsAt is { } e && e <= s)
        {
            errors.Add(new("ends_at", "Must be after starts_at."));
        }
        if (DrawsPerDay is < 1 or > 100)
        {
            errors.Add(new("draws_per_day", "1 to 100 draws per customer per day."));
        }
        if (DrawsTotal is < 1 or > 10_000)
        {
            errors.Add(new("draws_total", "1 to 10,000 draws per customer over the lottery."));
        }
        if (PointsCost is < 0 or > 1_000_000)
        {
            errors.Add(new("points_cost", "0 to 1,000,000 points per draw."));
        }
        return errors;
    }
}

/// <summary>
/// Fair, auditable draws (commit–reveal). A lottery gets a secret 32-byte seed when it is created and publishes only
/// SHA-256(seed). Each draw's ticket is HMAC-SHA256(seed, "lottery:customer:n") reduced to [0, 1,000,000): nobody,
/// the operator included, can pick a customer's outcome once the commitment is published, and after the lottery ends
/// the seed is revealed so anyone can recompute every ticket and check it against the commitment and the prize table.
/// </summary>
public static class LotteryDraws
{
    public const int SeedBytes = 32;

    public static byte[] NewSeed() => RandomNumberGenerator.GetBytes(SeedBytes);

    public static string Commitment(ReadOnlySpan<byte> seed) => Convert.ToHexStringLower(SHA256.HashData(seed));

    /// <summary>
    /// The ticket of a customer's n-th draw (n from 1). The HMAC's first 8 bytes as an unsigned number modulo one
    /// million: the modulo bias is below 10⁻¹³, far under any prize's chance.
    /// </summary>
    public static int Ticket(ReadOnlySpan<byte> seed, long lotteryId, long customerId, int drawNumber)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(seed, Encoding.ASCII.GetBytes($"{lotteryId}:{customerId}:{drawNumber}"), mac);
        var value = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(mac);
        return (int)(value % LotterySpec.Million);
    }

    /// <summary>
    /// Which prize a ticket falls on: prizes take consecutive ranges of [0, 1,000,000) in their listed order, each as
    /// wide as its chance; a ticket past the last range wins nothing (-1). Stock is not considered here: a ticket on a
    /// prize that has run out wins nothing, so sold-out prizes never raise the odds of the others above what was published.
    /// </summary>
    public static int PrizeIndex(IReadOnlyList<int> chances, int ticket)
    {
        long upper = 0;
        for (var i = 0; i < chances.Count; i++)
        {
            upper += chances[i];
            if (ticket < upper)
            {
                return i;
            }
        }
        return -1;
    }
}
