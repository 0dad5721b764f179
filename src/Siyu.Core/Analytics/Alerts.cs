using System.Globalization;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Siyu.Core.Events;

namespace Siyu.Core.Analytics;

/// <summary>The alert kinds as they appear on the wire and in the alerts table.</summary>
public static class AlertKinds
{
    public const string SilentHighValue = "silent_high_value";
    public const string ChurnRisk = "churn_risk";
    public const string InteractionDrop = "interaction_drop";

    public static readonly IReadOnlyList<string> All = [SilentHighValue, ChurnRisk, InteractionDrop];

    public static string Chinese(string kind) => kind switch
    {
        SilentHighValue => "高价值客户沉默",
        ChurnRisk => "流失风险",
        InteractionDrop => "互动下降",
        _ => kind,
    };
}

/// <summary>
/// One alert a rule raises. <see cref="Key"/> is stable while the condition persists (the same run tomorrow gives the
/// same key), so storing by key makes reruns idempotent; <see cref="StaffUserId"/> is the WeCom member to notify
/// (null when the customer has no staff member); <see cref="Reason"/> says why, in Chinese, with the figures.
/// </summary>
public sealed record Alert(string Key, string Kind, long? CustomerId, string? StaffUserId, string Reason);

/// <summary>A <c>customer.deleted</c> of one staff relation, on a tenant-local day; <see cref="ByCustomer"/> when the customer deleted the staff member.</summary>
public sealed record StaffDeletion(string StaffUserId, int Day, bool ByCustomer);

/// <summary>
/// What the customer rules need to know about one customer. Days are tenant-local day numbers
/// (<see cref="DateOnly.DayNumber"/>); null = never. <see cref="Deletions"/> are in time order;
/// <see cref="Staff"/> are the staff members following the customer now, the first being the one notified.
/// </summary>
public sealed record CustomerAlertFacts(
    long CustomerId,
    string? Name,
    int MonetaryScore,
    int PaidOrders,
    int? FirstOrderDay,
    int? LastOrderDay,
    int? LastInboundMessageDay,
    IReadOnlyList<string> Staff,
    IReadOnlyList<StaffDeletion> Deletions);

/// <summary>One message a staff member exchanged with a customer (received or sent), on a tenant-local day.</summary>
public readonly record struct StaffInteraction(string StaffUserId, int Day);

/// <summary>
/// A tenant's alert settings as the console and API send them (JSON, snake_case); unknown fields are refused.
/// Check with <see cref="Validate"/> at the edge.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed partial record AlertSettings
{
    [JsonPropertyName("silent_high_value")] public SilentHighValueRule SilentHighValue { get; init; } = new();

    [JsonPropertyName("churn_risk")] public ChurnRiskRule ChurnRisk { get; init; } = new();

    [JsonPropertyName("interaction_drop")] public InteractionDropRule InteractionDrop { get; init; } = new();

    /// <summary>A WeCom userid who gets a copy of every alert message (e.g. the store manager); null = nobody.</summary>
    [JsonPropertyName("supervisor_userid")] public string? SupervisorUserId { get; init; }

    /// <summary>Every problem, each named by its JSON path (<c>churn_risk.factor</c>); empty when valid.</summary>
    public IReadOnlyList<FieldError> Validate()
    {
        var errors = new List<FieldError>();
        if (SilentHighValue is null)
        {
            errors.Add(new FieldError("silent_high_value", "Must be an object."));
        }
        else
        {
            Range(errors, "silent_high_value.min_monetary_score", SilentHighValue.MinMonetaryScore, 1, 5);
            Range(errors, "silent_high_value.silent_days", SilentHighValue.SilentDays, 1, 730);
        }
        if (ChurnRisk is null)
        {
            errors.Add(new FieldError("churn_risk", "Must be an object."));
        }
        else
        {
            if (!(ChurnRisk.Factor >= 1 && ChurnRisk.Factor <= 10))
            {
                errors.Add(new FieldError("churn_risk.factor", "A number from 1 to 10 (times the customer's average days between orders)."));
            }
            Range(errors, "churn_risk.min_days", ChurnRisk.MinDays, 1, 730);
            Range(errors, "churn_risk.deletion_days", ChurnRisk.DeletionDays, 1, 730);
        }
        if (InteractionDrop is null)
        {
            errors.Add(new FieldError("interaction_drop", "Must be an object."));
        }
        else
        {
            Range(errors, "interaction_drop.drop_percent", InteractionDrop.DropPercent, 1, 100);
            Range(errors, "interaction_drop.min_weekly_baseline", InteractionDrop.MinWeeklyBaseline, 1, 100_000);
        }
        if (SupervisorUserId is not null && !WeComUserId().IsMatch(SupervisorUserId))
        {
            errors.Add(new FieldError("supervisor_userid", "A WeCom userid: 1–64 letters, digits or _-@., starting with a letter or digit (or null for nobody)."));
        }
        return errors;
    }

    private static void Range(List<FieldError> errors, string path, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            errors.Add(new FieldError(path, string.Create(CultureInfo.InvariantCulture, $"A whole number from {min:N0} to {max:N0}.")));
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")]
    private static partial Regex WeComUserId();
}

/// <summary>Customers with a high monetary score who have gone quiet.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record SilentHighValueRule
{
    [JsonPropertyName("enabled")] public bool Enabled { get; init; } = true;

    /// <summary>The RFM monetary score (<c>rfm_m</c>, 1–5) from which a customer counts as high-value.</summary>
    [JsonPropertyName("min_monetary_score")] public int MinMonetaryScore { get; init; } = 4;

    /// <summary>Days without a paid order and without a message from the customer.</summary>
    [JsonPropertyName("silent_days")] public int SilentDays { get; init; } = 60;
}

/// <summary>Repeat buyers overdue against their own rhythm, and buyers who deleted their staff member.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ChurnRiskRule
{
    [JsonPropertyName("enabled")] public bool Enabled { get; init; } = true;

    /// <summary>Overdue when the days since the last order exceed this many times the customer's average interval…</summary>
    [JsonPropertyName("factor")] public double Factor { get; init; } = 1.5;

    /// <summary>…and exceed this many days in any case (a weekly buyer is not lost after 11 days).</summary>
    [JsonPropertyName("min_days")] public int MinDays { get; init; } = 30;

    /// <summary>Also alert when a customer who has paid deletes their staff member on WeCom.</summary>
    [JsonPropertyName("on_deletion")] public bool OnDeletion { get; init; } = true;

    /// <summary>How long such a deletion stays an alert (unless the customer adds the staff member again).</summary>
    [JsonPropertyName("deletion_days")] public int DeletionDays { get; init; } = 30;
}

/// <summary>Staff members whose conversations with customers fell sharply.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record InteractionDropRule
{
    [JsonPropertyName("enabled")] public bool Enabled { get; init; } = true;

    /// <summary>Alert when the last 7 days are at least this many percent below the weekly average of the 4 weeks before.</summary>
    [JsonPropertyName("drop_percent")] public int DropPercent { get; init; } = 50;

    /// <summary>Only staff members who averaged at least this many interactions a week in those 4 weeks.</summary>
    [JsonPropertyName("min_weekly_baseline")] public int MinWeeklyBaseline { get; init; } = 10;
}

/// <summary>
/// The alert rules, evaluated on one tenant-local day (<c>today</c>) over plain facts. Exact definitions (the README
/// repeats them):
/// <list type="bullet">
/// <item><b>silent_high_value</b>: <c>rfm_m</c> ≥ min_monetary_score and today − (the later of the last paid order's day
/// and the last <c>message.received</c>'s day) ≥ silent_days. Key <c>silent_high_value/customer/{id}/{that day}</c>: a new order or
/// message ends it, and the next silence is a new alert.</item>
/// <item><b>churn_risk, overdue</b>: n ≥ 2 paid orders and today − last order day &gt; max(min_days, factor × (last order
/// day − first order day) / (n − 1)) — strictly more. Key <c>churn_risk/customer/{id}/overdue/{last order day}</c>.</item>
/// <item><b>churn_risk, deleted</b>: the customer's latest <c>customer.deleted</c> of a staff member was by the customer
/// (not by the staff member or a transfer), the customer had paid on or before that day, has not added that staff member
/// again, and the deletion is at most deletion_days old. The deleted staff member is notified. Key
/// <c>churn_risk/customer/{id}/deleted/{staff}/{day}</c>.</item>
/// <item><b>interaction_drop</b>, per staff member: r = interactions on the 7 days before today, b = on the 28 days before
/// those; alert when b / 4 ≥ min_weekly_baseline and r ≤ (b / 4) × (1 − drop_percent / 100). Key
/// <c>interaction_drop/staff/{staff}/{ISO week of today, e.g. 2026-W49}</c>: at most one alert per staff member and ISO week.</item>
/// </list>
/// Customer alerts notify the customer's first staff member (none when they have none). Days are whole tenant-local days.
/// </summary>
public static class Alerts
{
    public const int RecentDays = 7;
    public const int BaselineWeeks = 4;

    /// <summary>Every alert that holds today, ordered by key.</summary>
    public static IReadOnlyList<Alert> Evaluate(AlertSettings settings, int today, IEnumerable<CustomerAlertFacts> customers, IEnumerable<StaffInteraction> interactions)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var alerts = new List<Alert>();
        foreach (var c in customers)
        {
            if (settings.SilentHighValue.Enabled && SilentHighValue(settings.SilentHighValue, today, c) is { } silent)
            {
                alerts.Add(silent);
            }
            if (settings.ChurnRisk.Enabled)
            {
                if (ChurnOverdue(settings.ChurnRisk, today, c) is { } overdue)
                {
                    alerts.Add(overdue);
                }
                if (settings.ChurnRisk.OnDeletion)
                {
                    alerts.AddRange(ChurnDeleted(settings.ChurnRisk, today, c));
                }
            }
        }
        if (settings.InteractionDrop.Enabled)
        {
            alerts.AddRange(InteractionDrops(settings.InteractionDrop, today, interactions));
        }
        alerts.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return alerts;
    }

    public static Alert? SilentHighValue(SilentHighValueRule rule, int today, CustomerAlertFacts c)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(c);
        if (c.MonetaryScore < rule.MinMonetaryScore || Later(c.LastOrderDay, c.LastInboundMessageDay) is not { } lastActive)
        {
            return null;
        }
        var silentDays = today - lastActive;
        if (silentDays < rule.SilentDays)
        {
            return null;
        }
        return new Alert($"{AlertKinds.SilentHighValue}/customer/{Id(c.CustomerId)}/{Date(lastActive)}", AlertKinds.SilentHighValue, c.CustomerId, c.Staff.FirstOrDefault(),
            Zh($"高价值客户{Who(c)}（消费金额 M 分 {c.MonetaryScore}）已 {silentDays} 天没有下单或发来消息（最近一次：{Date(lastActive)}；阈值 {rule.SilentDays} 天）。"));
    }

    public static Alert? ChurnOverdue(ChurnRiskRule rule, int today, CustomerAlertFacts c)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(c);
        if (c.PaidOrders < 2 || c.FirstOrderDay is not { } first || c.LastOrderDay is not { } last)
        {
            return null;
        }
        var since = today - last;
        // Exact comparison without dividing: since > factor × span / (n − 1) ⇔ since × (n − 1) > factor × span.
        var factor = (decimal)rule.Factor;
        var gaps = c.PaidOrders - 1;
        var span = last - first;
        if (since <= rule.MinDays || (decimal)since * gaps <= factor * span)
        {
            return null;
        }
        var average = (decimal)span / gaps;
        var threshold = Math.Max(rule.MinDays, factor * span / gaps);
        return new Alert($"{AlertKinds.ChurnRisk}/customer/{Id(c.CustomerId)}/overdue/{Date(last)}", AlertKinds.ChurnRisk, c.CustomerId, c.Staff.FirstOrDefault(),
            Zh($"客户{Who(c)}共 {c.PaidOrders} 笔订单，平均 {average:0.#} 天复购一次，距上次下单（{Date(last)}）已 {since} 天，超过 {threshold:0.#} 天（平均间隔 × {factor:0.##}，至少 {rule.MinDays} 天），有流失风险。"));
    }

    public static IEnumerable<Alert> ChurnDeleted(ChurnRiskRule rule, int today, CustomerAlertFacts c)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(c);
        if (c.PaidOrders < 1 || c.FirstOrderDay is not { } firstOrder)
        {
            yield break;
        }
        var latest = new Dictionary<string, StaffDeletion>(StringComparer.Ordinal);
        foreach (var d in c.Deletions)
        {
            latest[d.StaffUserId] = d; // in time order: the last one per staff member wins
        }
        foreach (var d in latest.Values.OrderBy(d => d.StaffUserId, StringComparer.Ordinal))
        {
            var age = today - d.Day;
            if (!d.ByCustomer || c.Staff.Contains(d.StaffUserId) || firstOrder > d.Day || age < 0 || age > rule.DeletionDays)
            {
                continue;
            }
            yield return new Alert($"{AlertKinds.ChurnRisk}/customer/{Id(c.CustomerId)}/deleted/{d.StaffUserId}/{Date(d.Day)}", AlertKinds.ChurnRisk, c.CustomerId, d.StaffUserId,
                Zh($"客户{Who(c)}（{c.PaidOrders} 笔订单，首单 {Date(firstOrder)}）于 {Date(d.Day)} 在企业微信删除了员工 {d.StaffUserId}，有流失风险。"));
        }
    }

    /// <summary>Per staff member: the 7 days before today against the 28 days before those (see the class summary).</summary>
    public static IReadOnlyList<Alert> InteractionDrops(InteractionDropRule rule, int today, IEnumerable<StaffInteraction> interactions)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(interactions);
        var recentFrom = today - RecentDays;
        var baselineFrom = recentFrom - 7 * BaselineWeeks;
        var counts = new Dictionary<string, (int Recent, int Baseline)>(StringComparer.Ordinal);
        foreach (var i in interactions)
        {
            if (i.Day >= today || i.Day < baselineFrom || string.IsNullOrEmpty(i.StaffUserId))
            {
                continue;
            }
            var (recent, baseline) = counts.GetValueOrDefault(i.StaffUserId);
            counts[i.StaffUserId] = i.Day >= recentFrom ? (recent + 1, baseline) : (recent, baseline + 1);
        }
        var week = IsoWeek(today);
        var alerts = new List<Alert>();
        foreach (var (staff, (recent, baseline)) in counts.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            // In whole numbers: baseline / 4 ≥ min ⇔ baseline ≥ 4 × min; recent ≤ baseline / 4 × (100 − p) / 100 ⇔ 400 × recent ≤ baseline × (100 − p).
            if ((long)baseline < (long)BaselineWeeks * rule.MinWeeklyBaseline || 100L * BaselineWeeks * recent > (long)baseline * (100 - rule.DropPercent))
            {
                continue;
            }
            var weekly = (decimal)baseline / BaselineWeeks;
            var drop = (int)Math.Round(100 * (1 - recent / weekly), MidpointRounding.AwayFromZero);
            alerts.Add(new Alert($"{AlertKinds.InteractionDrop}/staff/{staff}/{week}", AlertKinds.InteractionDrop, null, staff,
                Zh($"员工 {staff} 近 7 天（{Date(recentFrom)} 至 {Date(today - 1)}）与客户互动 {recent} 次，前 4 周平均每周 {weekly:0.#} 次，下降 {drop}%。")));
        }
        return alerts;
    }

    /// <summary>The ISO 8601 week of a day, as <c>2026-W49</c>.</summary>
    public static string IsoWeek(int day)
    {
        var date = DateOnly.FromDayNumber(day).ToDateTime(TimeOnly.MinValue);
        return string.Create(CultureInfo.InvariantCulture, $"{ISOWeek.GetYear(date)}-W{ISOWeek.GetWeekOfYear(date):00}");
    }

    public static string Date(int day) => DateOnly.FromDayNumber(day).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static int? Later(int? a, int? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);

    private static string Who(CustomerAlertFacts c) => string.IsNullOrWhiteSpace(c.Name) ? $" #{Id(c.CustomerId)} " : $"「{c.Name}」";

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    private static string Zh(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
