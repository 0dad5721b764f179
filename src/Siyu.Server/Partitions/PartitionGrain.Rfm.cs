using Siyu.Core.Analytics;
using Siyu.Core.Audiences.Conditions;
using Siyu.Core.Customers;
using Siyu.Core.Events;
using Siyu.Server.Analytics;

namespace Siyu.Server.Partitions;

/// <summary>
/// RFM/RFE scores on the profiles (<c>rfm_r</c>, <c>rfm_f</c>, <c>rfm_m</c>, <c>rfe_e</c>, weighted <c>rfm</c> and
/// <c>rfe</c>) and in the audience index, from the tenant's cut points and settings (<see cref="RfmService"/>): all
/// customers after a run, at activation and at midnight, one customer when their order, refund or interaction arrives.
/// </summary>
public sealed partial class PartitionGrain
{
    private RfmService? _rfm;
    private AnalyticsSettingsStore? _analyticsSettings;

    private RfmService RfmRuns => _rfm ??= ServiceProvider.GetRequiredService<RfmService>();

    private AnalyticsSettings Analytics => (_analyticsSettings ??= ServiceProvider.GetRequiredService<AnalyticsSettingsStore>()).Get(_tenantId);

    private static RfmValues RfmOf(CustomerProfile p, int today, TimeZoneInfo zone, RfmSettings settings) => new(
        p.Orders > 0 && p.LastOrderTicks > 0 ? today - Comparisons.LocalDay(p.LastOrderTicks, zone) : -1,
        p.Orders,
        (long)decimal.Round((p.Spend - p.Refunded) * 100, MidpointRounding.AwayFromZero),
        Engagement(p, today, zone, settings));

    /// <summary>Interactions (the settings' event types) on the last <c>EngagementDays</c> local days, today included.</summary>
    private static int Engagement(CustomerProfile p, int today, TimeZoneInfo zone, RfmSettings settings)
    {
        var count = 0;
        var from = today - settings.EngagementDays + 1;
        foreach (var b in p.Behaviour)
        {
            if (Array.IndexOf(settings.EngagementEvents, b.Type) >= 0 && Comparisons.LocalDay(b.Ticks, zone) is var day && day >= from && day <= today)
            {
                count++;
            }
        }
        return count;
    }

    public Task<RfmSample> RfmValues(int today)
    {
        var zone = _index.Zone;
        var settings = Analytics.Rfm;
        var recency = new List<int>(_profiles.Count);
        var frequency = new List<int>(_profiles.Count);
        var monetary = new List<long>(_profiles.Count);
        var engagement = new List<int>(_profiles.Count);
        foreach (var p in _profiles.Values)
        {
            var v = RfmOf(p, today, zone, settings);
            recency.Add(v.RecencyDays);
            frequency.Add(v.Frequency);
            monetary.Add(v.MonetaryCents);
            engagement.Add(v.Engagement);
        }
        return Task.FromResult(new RfmSample([.. recency], [.. frequency], [.. monetary], [.. engagement]));
    }

    /// <summary>Rescores everyone: new cut points, new settings, or new purchase cycles.</summary>
    public Task ApplyRfm()
    {
        RescoreAll();
        return Task.CompletedTask;
    }

    /// <summary>RFM/RFE and lifecycle for every customer as of now (activation, midnight, a run, changed settings).</summary>
    private void RescoreAll()
    {
        var cuts = RfmRuns.Cuts(_tenantId);
        var settings = Analytics;
        var today = Today();
        var now = time.GetUtcNow().UtcTicks;
        foreach (var p in _profiles.Values)
        {
            if (cuts.Recency.Length > 0 || cuts.Engagement is not null)
            {
                ScoreRfm(p, cuts, settings.Rfm, today);
            }
            UpdateLifecycle(p, settings, today, now);
            UpdatePurchaseDue(p, today);
        }
    }

    /// <summary>After an event was applied to the profile: orders, refunds and interactions move scores, anything may move the stage.</summary>
    private void RescoreOnEvent(CustomerProfile profile, ProfileEvent e)
    {
        var settings = Analytics;
        var today = Today();
        if ((e.Type is EventTypes.OrderPaid or EventTypes.OrderRefunded || Array.IndexOf(settings.Rfm.EngagementEvents, e.Type) >= 0)
            && RfmRuns.Cuts(_tenantId) is var cuts && (cuts.Recency.Length > 0 || cuts.Engagement is not null))
        {
            ScoreRfm(profile, cuts, settings.Rfm, today);
        }
        UpdateLifecycle(profile, settings, today, time.GetUtcNow().UtcTicks);
        UpdatePurchaseDue(profile, today);
    }

    private void ScoreRfm(CustomerProfile p, RfmCuts cuts, RfmSettings settings, int today)
    {
        var score = cuts.Score(RfmOf(p, today, _index.Zone, settings), settings);
        SetScore(p, ScoreNames.RfmR, score.R);
        SetScore(p, ScoreNames.RfmF, score.F);
        SetScore(p, ScoreNames.RfmM, score.M);
        SetScore(p, ScoreNames.RfeE, score.E);
        SetScore(p, ScoreNames.Rfm, Math.Round(Rfm.Weighted([score.R, score.F, score.M], settings.RfmWeights), 2));
        SetScore(p, ScoreNames.Rfe, Math.Round(Rfm.Weighted([score.R, score.F, score.E], settings.RfeWeights), 2));
    }

    private void SetScore(CustomerProfile p, string name, double value)
    {
        p.Scores[name] = value;
        if (!_indexStale)
        {
            _index.SetScore(_index.Ordinal(p.CustomerId), name, value);
        }
    }

    /// <summary>The layer of a profile's scores under the tenant's layers; null before the first RFM run.</summary>
    private string? RfmSegment(CustomerProfile p) => p.Scores.TryGetValue(ScoreNames.RfmR, out var r)
        ? Analytics.Rfm.Segment((int)r, (int)p.Scores.GetValueOrDefault(ScoreNames.RfmF), (int)p.Scores.GetValueOrDefault(ScoreNames.RfmM))
        : null;

    public Task<RfmDistributionPart> RfmDistribution()
    {
        int[] r = new int[6], f = new int[6], m = new int[6], e = new int[6];
        var segments = new Dictionary<string, (int Customers, decimal Spend)>();
        var settings = Analytics.Rfm;
        foreach (var p in _profiles.Values)
        {
            var rs = (int)p.Scores.GetValueOrDefault(ScoreNames.RfmR);
            var fs = (int)p.Scores.GetValueOrDefault(ScoreNames.RfmF);
            var ms = (int)p.Scores.GetValueOrDefault(ScoreNames.RfmM);
            r[Math.Clamp(rs, 0, 5)]++;
            f[Math.Clamp(fs, 0, 5)]++;
            m[Math.Clamp(ms, 0, 5)]++;
            e[Math.Clamp((int)p.Scores.GetValueOrDefault(ScoreNames.RfeE), 0, 5)]++;
            var segment = settings.Segment(rs, fs, ms);
            var (c, spend) = segments.GetValueOrDefault(segment);
            segments[segment] = (c + 1, spend + p.Spend - p.Refunded);
        }
        var names = segments.Keys.ToArray();
        return Task.FromResult(new RfmDistributionPart(_profiles.Count, r, f, m, names, [.. names.Select(n => segments[n].Customers)], [.. names.Select(n => segments[n].Spend)], e));
    }
}
