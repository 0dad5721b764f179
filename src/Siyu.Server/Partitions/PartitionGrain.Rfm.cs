using Siyu.Core.Analytics;
using Siyu.Core.Audiences.Conditions;
using Siyu.Core.Customers;
using Siyu.Core.Events;
using Siyu.Server.Analytics;

namespace Siyu.Server.Partitions;

/// <summary>
/// RFM scores on the profiles (<c>rfm_r</c>, <c>rfm_f</c>, <c>rfm_m</c>, <c>rfm</c>) and in the audience index, from
/// the tenant's cut points (<see cref="RfmService"/>): all customers after a run, at activation and at midnight, one
/// customer when their order or refund arrives.
/// </summary>
public sealed partial class PartitionGrain
{
    private RfmService? _rfm;

    private RfmService RfmRuns => _rfm ??= ServiceProvider.GetRequiredService<RfmService>();

    private static RfmValues RfmOf(CustomerProfile p, int today, TimeZoneInfo zone) => new(
        p.Orders > 0 && p.LastOrderTicks > 0 ? today - Comparisons.LocalDay(p.LastOrderTicks, zone) : -1,
        p.Orders,
        (long)decimal.Round((p.Spend - p.Refunded) * 100, MidpointRounding.AwayFromZero));

    public Task<RfmSample> RfmValues(int today)
    {
        var zone = _index.Zone;
        var recency = new List<int>(_profiles.Count);
        var frequency = new List<int>(_profiles.Count);
        var monetary = new List<long>(_profiles.Count);
        foreach (var p in _profiles.Values)
        {
            var v = RfmOf(p, today, zone);
            recency.Add(v.RecencyDays);
            frequency.Add(v.Frequency);
            monetary.Add(v.MonetaryCents);
        }
        return Task.FromResult(new RfmSample([.. recency], [.. frequency], [.. monetary]));
    }

    public Task ApplyRfm()
    {
        ScoreRfmAll();
        return Task.CompletedTask;
    }

    private void ScoreRfmAll()
    {
        var cuts = RfmRuns.Cuts(_tenantId);
        if (cuts.Scored == 0)
        {
            return;
        }
        var today = Today();
        foreach (var p in _profiles.Values)
        {
            ScoreRfm(p, cuts, today);
        }
    }

    /// <summary>After an order or refund was applied to the profile.</summary>
    private void RfmOnEvent(CustomerProfile profile, ProfileEvent e)
    {
        if (e.Type is EventTypes.OrderPaid or EventTypes.OrderRefunded && RfmRuns.Cuts(_tenantId) is { Scored: > 0 } cuts)
        {
            ScoreRfm(profile, cuts, Today());
        }
    }

    private void ScoreRfm(CustomerProfile p, RfmCuts cuts, int today)
    {
        var score = cuts.Score(RfmOf(p, today, _index.Zone));
        p.Scores[ScoreNames.RfmR] = score.R;
        p.Scores[ScoreNames.RfmF] = score.F;
        p.Scores[ScoreNames.RfmM] = score.M;
        p.Scores[ScoreNames.Rfm] = Math.Round((score.R + score.F + score.M) / 3.0, 2);
        if (!_indexStale)
        {
            var ordinal = _index.Ordinal(p.CustomerId);
            _index.SetScore(ordinal, ScoreNames.RfmR, score.R);
            _index.SetScore(ordinal, ScoreNames.RfmF, score.F);
            _index.SetScore(ordinal, ScoreNames.RfmM, score.M);
            _index.SetScore(ordinal, ScoreNames.Rfm, p.Scores[ScoreNames.Rfm]);
        }
    }

    public Task<RfmDistributionPart> RfmDistribution()
    {
        int[] r = new int[6], f = new int[6], m = new int[6];
        var segments = new Dictionary<string, (int Customers, decimal Spend)>();
        foreach (var p in _profiles.Values)
        {
            var rs = (int)p.Scores.GetValueOrDefault(ScoreNames.RfmR);
            var fs = (int)p.Scores.GetValueOrDefault(ScoreNames.RfmF);
            var ms = (int)p.Scores.GetValueOrDefault(ScoreNames.RfmM);
            r[Math.Clamp(rs, 0, 5)]++;
            f[Math.Clamp(fs, 0, 5)]++;
            m[Math.Clamp(ms, 0, 5)]++;
            var segment = Rfm.Segment(rs, fs, ms);
            var (c, spend) = segments.GetValueOrDefault(segment);
            segments[segment] = (c + 1, spend + p.Spend - p.Refunded);
        }
        var names = segments.Keys.ToArray();
        return Task.FromResult(new RfmDistributionPart(_profiles.Count, r, f, m, names, [.. names.Select(n => segments[n].Customers)], [.. names.Select(n => segments[n].Spend)]));
    }
}
