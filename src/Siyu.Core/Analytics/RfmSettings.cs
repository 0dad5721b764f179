using Siyu.Core.Events;

namespace Siyu.Core.Analytics;

/// <summary>How R, F, M and E become scores 1–5: quintiles of the tenant's customers, or the tenant's own cut points.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<RfmMode>))]
public enum RfmMode
{
    [System.Text.Json.Serialization.JsonStringEnumMemberName("quintiles")]
    Quintiles,
    [System.Text.Json.Serialization.JsonStringEnumMemberName("fixed")]
    Fixed,
}

/// <summary>
/// Fixed-threshold mode: four ascending cut points per metric. Recency: at most <c>RecencyDays[0]</c> days since the last
/// paid order scores 5, at most [1] scores 4 … more than [3] scores 1. Orders, net spend (yuan) and interactions: at
/// least [0] scores 2 … at least [3] scores 5, below [0] scores 1.
/// </summary>
public sealed record RfmFixedCuts(int[] RecencyDays, int[] Orders, decimal[] Spend, int[] Interactions)
{
    public static readonly RfmFixedCuts Default = new([30, 60, 90, 180], [2, 3, 5, 10], [200m, 500m, 1000m, 5000m], [1, 3, 6, 10]);
}

/// <summary>A named layer: the customers whose R, F and M scores all fall in the ranges (inclusive, 1–5).</summary>
public sealed record RfmLayer(string Name, int RMin = 1, int RMax = 5, int FMin = 1, int FMax = 5, int MMin = 1, int MMax = 5)
{
    public bool Contains(int r, int f, int m) => r >= RMin && r <= RMax && f >= FMin && f <= FMax && m >= MMin && m <= MMax;
}

/// <summary>
/// A tenant's RFM/RFE settings. Scores: quintiles (see <see cref="Rfm"/> for the tie rule) or fixed cut points. The
/// profile scores <c>rfm</c> and <c>rfe</c> are weighted sums Σ wᵢ·scoreᵢ of (R, F, M) and (R, F, E). E (engagement)
/// counts a customer's interactions — events of <see cref="EngagementEvents"/> — in the last
/// <see cref="EngagementDays"/> days. Layers are matched in order, the first whose ranges hold names the customer;
/// customers without a paid order are <see cref="Rfm.NoPurchase"/>, scored customers no layer holds are
/// <see cref="Rfm.Unlayered"/>.
/// </summary>
public sealed record RfmSettings
{
    public RfmMode Mode { get; init; } = RfmMode.Quintiles;
    public RfmFixedCuts Fixed { get; init; } = RfmFixedCuts.Default;
    public double[] RfmWeights { get; init; } = [1 / 3.0, 1 / 3.0, 1 / 3.0];
    public double[] RfeWeights { get; init; } = [0.4, 0.4, 0.2];
    public int EngagementDays { get; init; } = 30;
    public string[] EngagementEvents { get; init; } = [EventTypes.MessageReceived, EventTypes.MessageClicked, EventTypes.PageViewed, EventTypes.GroupJoined, EventTypes.CampaignJoined, EventTypes.CouponRedeemed];
    public RfmLayer[] Layers { get; init; } = [.. StandardLayers];

    /// <summary>The eight classic layers: each of R, F, M high (score ≥ 3) or low (1–2), most valuable first.</summary>
    public static readonly IReadOnlyList<RfmLayer> StandardLayers =
    [
        Layer("重要价值客户", true, true, true),
        Layer("重要发展客户", true, false, true),
        Layer("重要保持客户", false, true, true),
        Layer("重要挽留客户", false, false, true),
        Layer("一般价值客户", true, true, false),
        Layer("一般发展客户", true, false, false),
        Layer("一般保持客户", false, true, false),
        Layer("一般挽留客户", false, false, false),
    ];

    /// <summary>
    /// A six-layer preset in operators' words, first match wins: 高价值 (R, F, M ≥ 4), 重要保持 (F and M ≥ 4 but R ≤ 3:
    /// valuable and slipping), 新客 (one order, R ≥ 4), 潜力 (R ≥ 3), 沉默 (R = 2), 流失 (R = 1).
    /// </summary>
    public static readonly IReadOnlyList<RfmLayer> SixLayers =
    [
        new("高价值", RMin: 4, FMin: 4, MMin: 4),
        new("重要保持", RMax: 3, FMin: 4, MMin: 4),
        new("新客", RMin: 4, FMax: 1),
        new("潜力", RMin: 3),
        new("沉默", RMin: 2, RMax: 2),
        new("流失", RMax: 1),
    ];

    /// <summary>Declared after the layer lists: static fields initialise in order.</summary>
    public static readonly RfmSettings Default = new();

    private static RfmLayer Layer(string name, bool r, bool f, bool m) => new(name,
        r ? Rfm.HighScore : 1, r ? 5 : Rfm.HighScore - 1, f ? Rfm.HighScore : 1, f ? 5 : Rfm.HighScore - 1, m ? Rfm.HighScore : 1, m ? 5 : Rfm.HighScore - 1);

    /// <summary>The layer of scores (r = 0: never paid).</summary>
    public string Segment(int r, int f, int m)
    {
        if (r == 0)
        {
            return Rfm.NoPurchase;
        }
        foreach (var layer in Layers)
        {
            if (layer.Contains(r, f, m))
            {
                return layer.Name;
            }
        }
        return Rfm.Unlayered;
    }

    public IReadOnlyList<FieldError> Validate()
    {
        var errors = new List<FieldError>();
        void Ascending<T>(string path, T[]? cuts, T min) where T : IComparable<T>
        {
            if (cuts is not { Length: 4 })
            {
                errors.Add(new(path, "Four cut points."));
                return;
            }
            for (var i = 0; i < 4; i++)
            {
                if (cuts[i].CompareTo(min) < 0 || (i > 0 && cuts[i].CompareTo(cuts[i - 1]) <= 0))
                {
                    errors.Add(new($"{path}[{i}]", $"Cut points ascend strictly from {min}."));
                    return;
                }
            }
        }
        void Weights(string path, double[]? weights)
        {
            if (weights is not { Length: 3 } || weights.Any(w => !double.IsFinite(w) || w < 0) || weights.Sum() <= 0)
            {
                errors.Add(new(path, "Three weights ≥ 0 (R, F, then M or E), not all 0."));
            }
        }
        if (!Enum.IsDefined(Mode))
        {
            errors.Add(new("mode", "quintiles or fixed."));
        }
        if (Fixed is null)
        {
            errors.Add(new("fixed", "Required."));
        }
        else
        {
            Ascending("fixed.recency_days", Fixed.RecencyDays, 0);
            Ascending("fixed.orders", Fixed.Orders, 1);
            Ascending("fixed.spend", Fixed.Spend, 0m);
            Ascending("fixed.interactions", Fixed.Interactions, 1);
        }
        Weights("rfm_weights", RfmWeights);
        Weights("rfe_weights", RfeWeights);
        if (EngagementDays is < 1 or > Audiences.Conditions.ConditionLimits.DefaultRetentionDays)
        {
            errors.Add(new("engagement_days", $"1 to {Audiences.Conditions.ConditionLimits.DefaultRetentionDays} days (behaviour is kept that long)."));
        }
        if (EngagementEvents is not { Length: > 0 and <= 20 })
        {
            errors.Add(new("engagement_events", "1 to 20 event types."));
        }
        else
        {
            for (var i = 0; i < EngagementEvents.Length; i++)
            {
                if (EngagementEvents[i] is not { } type || !EventTypes.IsValidName(type) || EventTypes.NotCustomerActivity.Contains(type))
                {
                    errors.Add(new($"engagement_events[{i}]", "An event type of customer activity such as message.received."));
                }
            }
        }
        if (Layers is not { Length: > 0 and <= 20 })
        {
            errors.Add(new("layers", "1 to 20 layers."));
        }
        else
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < Layers.Length; i++)
            {
                var l = Layers[i];
                if (l is null || string.IsNullOrWhiteSpace(l.Name) || l.Name.Length > 20)
                {
                    errors.Add(new($"layers[{i}].name", "A name of 1 to 20 characters."));
                    continue;
                }
                if (!names.Add(l.Name) || l.Name is Rfm.NoPurchase or Rfm.Unlayered)
                {
                    errors.Add(new($"layers[{i}].name", $"'{l.Name}' is already a layer."));
                }
                foreach (var (field, min, max) in new[] { ("r", l.RMin, l.RMax), ("f", l.FMin, l.FMax), ("m", l.MMin, l.MMax) })
                {
                    if (min is < 1 or > 5 || max is < 1 or > 5 || min > max)
                    {
                        errors.Add(new($"layers[{i}].{field}_min", "Scores 1 to 5, min ≤ max."));
                    }
                }
            }
        }
        return errors;
    }
}
