using Siyu.Core.Intents;

namespace Siyu.Core.Scripts;

/// <summary>What the recommender needs to know of a script.</summary>
public sealed record ScriptCandidate(long Id, IReadOnlyList<long> TagIds, IReadOnlyList<string> Intents, int Uses);

/// <summary>The intent of one customer message and when it was written.</summary>
public sealed record RecentIntent(string Intent, DateTimeOffset At);

/// <summary>A recommended script and why: the customer's intents and tags it matched (none: a popular fallback).</summary>
public sealed record ScriptRecommendation(long ScriptId, double Score, IReadOnlyList<string> MatchedIntents, IReadOnlyList<long> MatchedTags);

/// <summary>
/// Recommends scripts for the customer in the chat (the staff sidebar). A script scores
/// <c>3 × Σ weight(intent)</c> over its intents, where an intent's weight sums its customer messages halved every
/// <see cref="HalfLifeDays"/> days of age plus 1 for the intent of the newest message (what the customer is asking
/// now), and <c>2</c> per customer tag it carries. Intent "other" counts for nothing. Ties go to the most used script.
/// Scripts that match nothing fill the list by use, so the sidebar is never empty while the library is not.
/// </summary>
public static class ScriptRecommender
{
    public const double HalfLifeDays = 7;
    public const double IntentWeight = 3;
    public const double TagWeight = 2;

    public static List<ScriptRecommendation> Recommend(IEnumerable<ScriptCandidate> scripts, IReadOnlySet<long> customerTags,
        IReadOnlyList<RecentIntent> recentIntents, DateTimeOffset now, int limit = 5)
    {
        var weights = IntentWeights(recentIntents, now);
        var scored = new List<(ScriptRecommendation Recommendation, int Uses)>();
        foreach (var script in scripts)
        {
            var intents = script.Intents.Distinct(StringComparer.Ordinal).Where(weights.ContainsKey).ToList();
            var tags = script.TagIds.Distinct().Where(customerTags.Contains).ToList();
            var score = IntentWeight * intents.Sum(i => weights[i]) + TagWeight * tags.Count;
            scored.Add((new ScriptRecommendation(script.Id, score, intents, tags), script.Uses));
        }
        var ordered = scored.OrderByDescending(s => s.Recommendation.Score).ThenByDescending(s => s.Uses).ThenBy(s => s.Recommendation.ScriptId);
        return [.. ordered.Take(limit).Select(s => s.Recommendation)];
    }

    /// <summary>Each intent's weight (see the type); intents of "other" and of messages in the future are left out.</summary>
    public static Dictionary<string, double> IntentWeights(IReadOnlyList<RecentIntent> recentIntents, DateTimeOffset now)
    {
        var weights = new Dictionary<string, double>(StringComparer.Ordinal);
        RecentIntent? newest = null;
        foreach (var m in recentIntents)
        {
            if (m.Intent == IntentCatalog.Other || m.At > now)
            {
                continue;
            }
            var ageDays = (now - m.At).TotalDays;
            weights[m.Intent] = weights.GetValueOrDefault(m.Intent) + Math.Pow(0.5, ageDays / HalfLifeDays);
            if (newest is null || m.At > newest.At)
            {
                newest = m;
            }
        }
        if (newest is not null)
        {
            weights[newest.Intent] += 1;
        }
        return weights;
    }
}
