using Siyu.Core.Events;

namespace Siyu.Core.Analytics;

/// <summary>Lifecycle stages in pipeline order; the number is the profile score <c>lifecycle_stage</c>.</summary>
public enum LifecycleStage
{
    Prospect = 1,
    New = 2,
    Active = 3,
    Loyal = 4,
    Silent = 5,
    Churned = 6,
}

/// <summary>
/// A tenant's lifecycle rules, in days of the tenant's calendar. Inactivity is the days since the last paid order or,
/// when <see cref="InteractionsCount"/>, the last interaction (the RFE engagement events) if that is more recent.
/// </summary>
public sealed record LifecycleRules
{
    public int NewDays { get; init; } = 30;
    public int LoyalOrders { get; init; } = 3;
    public int SilentDays { get; init; } = 90;
    public int ChurnedDays { get; init; } = 180;
    public bool InteractionsCount { get; init; } = true;

    public static readonly LifecycleRules Default = new();

    public IReadOnlyList<FieldError> Validate()
    {
        var errors = new List<FieldError>();
        if (NewDays is < 1 or > 365)
        {
            errors.Add(new("new_days", "1 to 365 days."));
        }
        if (LoyalOrders is < 2 or > 100)
        {
            errors.Add(new("loyal_orders", "2 to 100 paid orders."));
        }
        if (SilentDays is < 1 or > 730)
        {
            errors.Add(new("silent_days", "1 to 730 days."));
        }
        if (ChurnedDays is < 2 or > 1_095 || ChurnedDays <= SilentDays)
        {
            errors.Add(new("churned_days", "More days than silent_days, at most 1,095."));
        }
        return errors;
    }
}

/// <summary>What the rules look at, as of one day. Days are null when the thing never happened.</summary>
public readonly record struct LifecycleFacts(int Orders, int? DaysSinceFirstOrder, int? DaysSinceLastOrder, int? DaysSinceLastInteraction, bool RemovedByAllStaff);

/// <summary>
/// The automatic stage, first rule that holds: 流失 churned — the customer removed (or was removed by) every staff
/// member they had on WeCom, or inactive for ≥ ChurnedDays; 沉默 silent — inactive ≥ SilentDays; 潜客 prospect — no
/// paid order yet; 忠诚 loyal — ≥ LoyalOrders paid orders; 新客 new — first paid order less than NewDays ago; else 活跃
/// active. A prospect with no activity at all stays a prospect (nothing to be silent about).
/// </summary>
public static class Lifecycle
{
    public static readonly IReadOnlyList<LifecycleStage> Stages = Enum.GetValues<LifecycleStage>();

    public static string Name(LifecycleStage stage) => stage switch
    {
        LifecycleStage.Prospect => "潜客",
        LifecycleStage.New => "新客",
        LifecycleStage.Active => "活跃",
        LifecycleStage.Loyal => "忠诚",
        LifecycleStage.Silent => "沉默",
        LifecycleStage.Churned => "流失",
        _ => stage.ToString(),
    };

    public static string WireName(LifecycleStage stage) => stage.ToString().ToLowerInvariant();

    public static LifecycleStage? Parse(string? name) =>
        Enum.TryParse<LifecycleStage>(name, ignoreCase: true, out var stage) && Enum.IsDefined(stage) && !int.TryParse(name, out _) ? stage : null;

    /// <summary>
    /// How many days ago the customer entered the stage the rules give, as far as the facts tell: for a customer's first
    /// evaluation (history from before Siyu kept stages), so the board doesn't show everyone arriving today. New: the
    /// first order; active: when new ended; loyal: the last order (the qualifying order is not kept); silent and
    /// churned: when the inactivity crossed the threshold; prospect and removed customers: today (not known).
    /// </summary>
    public static int DaysInStage(LifecycleFacts facts, LifecycleRules rules, LifecycleStage stage)
    {
        var inactive = Inactive(facts, rules);
        var days = stage switch
        {
            LifecycleStage.New => facts.DaysSinceFirstOrder,
            LifecycleStage.Active => facts.DaysSinceFirstOrder - rules.NewDays,
            LifecycleStage.Loyal => facts.DaysSinceLastOrder,
            LifecycleStage.Silent => inactive - rules.SilentDays,
            LifecycleStage.Churned when !facts.RemovedByAllStaff => inactive - rules.ChurnedDays,
            _ => 0,
        };
        return Math.Max(0, days ?? 0);
    }

    private static int? Inactive(LifecycleFacts facts, LifecycleRules rules)
    {
        int? inactive = facts.DaysSinceLastOrder;
        if (rules.InteractionsCount && facts.DaysSinceLastInteraction is { } sinceInteraction)
        {
            inactive = inactive is { } sinceOrder ? Math.Min(sinceOrder, sinceInteraction) : sinceInteraction;
        }
        return inactive;
    }

    public static LifecycleStage Evaluate(LifecycleFacts facts, LifecycleRules rules)
    {
        if (facts.RemovedByAllStaff)
        {
            return LifecycleStage.Churned;
        }
        var inactive = Inactive(facts, rules);
        if (inactive >= rules.ChurnedDays)
        {
            return LifecycleStage.Churned;
        }
        if (inactive >= rules.SilentDays)
        {
            return LifecycleStage.Silent;
        }
        if (facts.Orders == 0)
        {
            return LifecycleStage.Prospect;
        }
        if (facts.Orders >= rules.LoyalOrders)
        {
            return LifecycleStage.Loyal;
        }
        return facts.DaysSinceFirstOrder < rules.NewDays ? LifecycleStage.New : LifecycleStage.Active;
    }
}

/// <summary>One change of a customer's stage: to what, when, and whether an operator did it (with who and why).</summary>
public sealed class LifecycleChange
{
    public LifecycleStage Stage { get; set; }
    public long Ticks { get; set; }
    public bool Manual { get; set; }
    public string? By { get; set; }
    public string? Reason { get; set; }
}

/// <summary>
/// A customer's stage. An operator's manual move (a sales stage) holds until the rules' own answer changes: the
/// automatic stage at the time of the move is kept, and when the rules later say something else, the rules win again.
/// </summary>
public sealed class LifecycleState
{
    public const int MaxHistory = 50;

    public LifecycleStage Stage { get; set; }
    public long SinceTicks { get; set; }
    /// <summary>The rules' latest answer.</summary>
    public LifecycleStage Auto { get; set; }
    /// <summary>Set while a manual move holds: the rules' answer when the operator moved the customer.</summary>
    public LifecycleStage? ManualOver { get; set; }
    public List<LifecycleChange> History { get; set; } = [];

    /// <summary>Applies the rules' answer now; true when the stage changed.</summary>
    public bool Update(LifecycleStage auto, long nowTicks)
    {
        Auto = auto;
        if (ManualOver is { } over)
        {
            if (over == auto)
            {
                return false;
            }
            ManualOver = null;
        }
        return Change(new LifecycleChange { Stage = auto, Ticks = nowTicks });
    }

    /// <summary>An operator's move; true when the stage changed.</summary>
    public bool Move(LifecycleStage stage, long ticks, string? by, string? reason)
    {
        ManualOver = Auto;
        return Change(new LifecycleChange { Stage = stage, Ticks = ticks, Manual = true, By = by, Reason = reason });
    }

    private bool Change(LifecycleChange change)
    {
        if (change.Stage == Stage)
        {
            return false;
        }
        Stage = change.Stage;
        SinceTicks = change.Ticks;
        History.Add(change);
        if (History.Count > MaxHistory)
        {
            History.RemoveRange(0, History.Count - MaxHistory);
        }
        return true;
    }
}
