namespace Siyu.Core.Groups;

/// <summary>One tier of a group code (社群分层): a rank (higher is better) and whether it has an entry condition.</summary>
public sealed record GroupTier(long Id, string Name, int Rank, bool HasCondition);

/// <summary>The tier a customer gets and why: the tiers checked above it that they did not qualify for.</summary>
public sealed record TierChoice(GroupTier? Tier, IReadOnlyList<string> Reasons);

/// <summary>
/// Tier routing: tiers are checked from the highest rank down and the customer gets the first (highest) they qualify
/// for; a tier without a condition takes everyone who reaches it (the open, normal tier). When none qualifies the
/// customer gets no tier.
/// </summary>
public static class TierRouting
{
    /// <param name="qualifies">Whether the customer meets a tier's condition (asked only for tiers with a condition), and why.</param>
    public static async Task<TierChoice> ChooseAsync(IEnumerable<GroupTier> tiers, Func<GroupTier, Task<(bool Ok, string Why)>> qualifies)
    {
        ArgumentNullException.ThrowIfNull(tiers);
        ArgumentNullException.ThrowIfNull(qualifies);
        var reasons = new List<string>();
        foreach (var tier in tiers.OrderByDescending(t => t.Rank).ThenBy(t => t.Id))
        {
            if (!tier.HasCondition)
            {
                reasons.Add($"{tier.Name}: no entry condition");
                return new TierChoice(tier, reasons);
            }
            var (ok, why) = await qualifies(tier);
            reasons.Add($"{tier.Name}: {(ok ? "meets" : "does not meet")} the entry condition{(string.IsNullOrEmpty(why) ? "" : " (" + why + ")")}");
            if (ok)
            {
                return new TierChoice(tier, reasons);
            }
        }
        return new TierChoice(null, reasons);
    }
}
