namespace Siyu.Core.Delivery;

/// <summary>
/// A tenant cap: at most <see cref="PerDay"/> messages per local day and <see cref="PerWeek"/> per local ISO week
/// (Monday to Sunday) in the tenant's zone, counting messages of <see cref="Channel"/> and <see cref="Topic"/>
/// (null = every channel / topic). The candidate is checked against the rules whose filters it matches.
/// </summary>
public sealed record FrequencyCapRule(DeliveryChannel? Channel, DeliveryTopic? Topic, int? PerDay, int? PerWeek);

/// <summary>
/// The answer of the caps: allowed, or capped by <see cref="Code"/> (e.g. <c>capped.daily</c>) with <see cref="Count"/>
/// of <see cref="Limit"/> used and the earliest instant every cap allows the message again, if nothing else is sent.
/// </summary>
public sealed record CapVerdict(bool Allowed, string Code, string RuleZh, string RuleEn, int Count, int Limit, DateTimeOffset? NextAllowed)
{
    public static CapVerdict Allow { get; } = new(true, "caps.allowed", "", "", 0, 0, null);
}

/// <summary>
/// Frequency caps: the tenant's rules plus WeCom's own limits, which no setting can lift:
/// <list type="bullet">
/// <item><b>客户群发 (wecom_mass)</b>: WeCom limits how many corp mass messages a customer receives: by default as many
/// per calendar month as the month has days; the customer can choose 7 per week or 1 per day instead
/// (/work/shared/docs/wecom.md, "Mass send"; older SDKs quote a superseded 4-per-month rule, and "1 per day" is
/// only the customer's strictest option, not the default). Counted in Beijing time (as tools/WeComSimulator does) over
/// every mass message whatever its topic; and when WeCom reported status 3 (cap reached) for the customer in
/// <c>get_groupmsg_send_result</c>, for the rest of that period, since mass sends made outside Siyu count too.</item>
/// <item><b>App messages (app)</b>: <c>message/send</c> takes at most 30 messages per minute and 1,000 per hour for one
/// member and silently drops the excess (wecom.md, "Pitfalls"). Counted over rolling windows, which also keeps every
/// calendar minute and hour within the limit.</item>
/// </list>
/// Welcome messages are neither capped nor counted: the customer has just added the staff member and the
/// <c>welcome_code</c> expires in about 20 seconds, so a capped welcome would be a lost one.
/// </summary>
public sealed class FrequencyCaps
{
    public const int AppPerMinute = 30;
    public const int AppPerHour = 1000;

    // Each rule's next-allowed instant only moves forward and the counts only fall as time passes (history is in
    // the past), so the search converges in a few steps; the bound guards against a history dated in the future.
    private const int MaxSearchSteps = 64;

    private readonly Rule[] _tenantRules;
    private readonly TimeZoneInfo _zone;

    private enum Window { Day, Week, Month, Rolling }

    private sealed record Rule(
        string Code, DeliveryChannel? Channel, DeliveryTopic? Topic, Window Window, int Limit, TimeSpan Span, TimeZoneInfo Zone,
        bool ExemptTransactional, string Zh, string En, bool MassLimit = false)
    {
        public bool Counts(DeliveryChannel channel, DeliveryTopic topic) =>
            channel != DeliveryChannel.WeComWelcome
            && (Channel is null || Channel == channel)
            && (Topic is null || Topic == topic)
            && !(ExemptTransactional && topic == DeliveryTopic.Transactional);
    }

    private static readonly Rule[] MassMonthly =
        [new("capped.wecom_mass.monthly", DeliveryChannel.WeComMass, null, Window.Month, 0, default, LocalTime.China, false,
            "企业微信限制：每位客户每月最多接收当月天数条客户群发", "WeCom limit: a customer receives at most as many corp mass messages per month as the month has days", true)];

    private static readonly Rule[] MassWeekly =
        [new("capped.wecom_mass.weekly", DeliveryChannel.WeComMass, null, Window.Week, 7, default, LocalTime.China, false,
            "企业微信限制：该客户设置为每周最多接收 7 条客户群发", "WeCom limit: this customer accepts at most 7 corp mass messages per week", true)];

    private static readonly Rule[] MassDaily =
        [new("capped.wecom_mass.daily", DeliveryChannel.WeComMass, null, Window.Day, 1, default, LocalTime.China, false,
            "企业微信限制：该客户设置为每天最多接收 1 条客户群发", "WeCom limit: this customer accepts at most 1 corp mass message per day", true)];

    private static readonly Rule[] AppRules =
    [
        new("capped.wecom_app.per_minute", DeliveryChannel.App, null, Window.Rolling, AppPerMinute, TimeSpan.FromMinutes(1), TimeZoneInfo.Utc, false,
            $"企业微信限制：应用消息每位成员每分钟最多 {AppPerMinute} 条", $"WeCom limit: at most {AppPerMinute} app messages per member per minute"),
        new("capped.wecom_app.per_hour", DeliveryChannel.App, null, Window.Rolling, AppPerHour, TimeSpan.FromHours(1), TimeZoneInfo.Utc, false,
            $"企业微信限制：应用消息每位成员每小时最多 {AppPerHour} 条", $"WeCom limit: at most {AppPerHour} app messages per member per hour"),
    ];

    public FrequencyCaps(IReadOnlyList<FrequencyCapRule> rules, TimeZoneInfo zone, bool exemptTransactional = true)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(zone);
        _zone = zone;
        ExemptTransactional = exemptTransactional;
        var compiled = new List<Rule>();
        foreach (var r in rules)
        {
            if (r.PerDay < 1 || r.PerWeek < 1 || (r.PerDay is null && r.PerWeek is null))
            {
                throw new ArgumentException("A cap needs per_day and/or per_week, each at least 1 (validate settings first).", nameof(rules));
            }
            var what = Describe(r.Channel, r.Topic);
            if (r.PerDay is { } day)
            {
                compiled.Add(new Rule("capped.daily", r.Channel, r.Topic, Window.Day, day, default, zone, exemptTransactional,
                    $"{what.Zh}每天最多 {day} 条", $"at most {day} {what.En} per day"));
            }
            if (r.PerWeek is { } week)
            {
                compiled.Add(new Rule("capped.weekly", r.Channel, r.Topic, Window.Week, week, default, zone, exemptTransactional,
                    $"{what.Zh}每周最多 {week} 条", $"at most {week} {what.En} per week"));
            }
        }
        _tenantRules = [.. compiled];
    }

    public bool ExemptTransactional { get; }

    public TimeZoneInfo Zone => _zone;

    /// <summary>
    /// Checks a candidate send at <paramref name="at"/> against the customer's history. Capped verdicts name the first
    /// rule that holds it back (WeCom's before the tenant's) and the earliest instant all rules allow it.
    /// </summary>
    public CapVerdict Check(DeliveryChannel channel, DeliveryTopic topic, CustomerDeliveryContext context, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(context);
        var rules = RulesFor(channel, topic, context.MassReceiveLimit);
        if (rules.Count == 0)
        {
            return CapVerdict.Allow;
        }
        var history = context.History;
        var reported = channel == DeliveryChannel.WeComMass ? context.MassLimitReportedAtUtcTicks : null;

        CapVerdict? first = null;
        var t = at;
        for (var step = 0; step < MaxSearchSteps; step++)
        {
            var next = t;
            foreach (var rule in rules)
            {
                var (capped, count, limit, until) = Evaluate(rule, history, t);
                var byReport = false;
                if (!capped && rule.MassLimit && reported is { } r && SamePeriod(rule, r, t.UtcTicks))
                {
                    capped = true;
                    byReport = true;
                    until = PeriodEnd(rule, t);
                }
                if (!capped)
                {
                    continue;
                }
                first ??= byReport
                    ? new CapVerdict(false, "capped.wecom_mass.reported", "企业微信反馈该客户本周期已达群发接收上限",
                        "WeCom reported that this customer reached the mass-message receive limit for the period", count, limit, null)
                    : new CapVerdict(false, rule.Code, rule.Zh, rule.En, count, limit, null);
                if (until > next)
                {
                    next = until;
                }
            }
            if (next == t)
            {
                return first is null ? CapVerdict.Allow : first with { NextAllowed = t };
            }
            t = next;
        }
        return first! with { NextAllowed = t };
    }

    private List<Rule> RulesFor(DeliveryChannel channel, DeliveryTopic topic, WeComMassReceiveLimit massLimit)
    {
        var rules = new List<Rule>(4);
        if (channel == DeliveryChannel.WeComMass)
        {
            rules.AddRange(massLimit switch
            {
                WeComMassReceiveLimit.OnePerDay => MassDaily,
                WeComMassReceiveLimit.SevenPerWeek => MassWeekly,
                _ => MassMonthly,
            });
        }
        else if (channel == DeliveryChannel.App)
        {
            rules.AddRange(AppRules);
        }
        foreach (var r in _tenantRules)
        {
            if (r.Counts(channel, topic))
            {
                rules.Add(r);
            }
        }
        return rules;
    }

    private static (bool Capped, int Count, int Limit, DateTimeOffset Until) Evaluate(Rule rule, IReadOnlyList<DeliveryRecord> history, DateTimeOffset t)
    {
        if (rule.Window == Window.Rolling)
        {
            return EvaluateRolling(rule, history, t);
        }
        var limit = rule.Limit;
        if (rule.Window == Window.Month && limit == 0)
        {
            var date = DateOnly.FromDayNumber(LocalTime.Day(t.UtcTicks, rule.Zone));
            limit = DateTime.DaysInMonth(date.Year, date.Month);
        }
        var count = 0;
        foreach (var h in history)
        {
            if (rule.Counts(h.Channel, h.Topic) && SamePeriod(rule, h.SentAtUtcTicks, t.UtcTicks))
            {
                count++;
            }
        }
        return count >= limit ? (true, count, limit, PeriodEnd(rule, t)) : (false, count, limit, t);
    }

    private static (bool Capped, int Count, int Limit, DateTimeOffset Until) EvaluateRolling(Rule rule, IReadOnlyList<DeliveryRecord> history, DateTimeOffset t)
    {
        // Window (t − span, t]: the message may go when enough of the sends in it have aged out.
        var from = t.UtcTicks - rule.Span.Ticks;
        List<long>? inWindow = null;
        foreach (var h in history)
        {
            if (rule.Counts(h.Channel, h.Topic) && h.SentAtUtcTicks > from && h.SentAtUtcTicks <= t.UtcTicks)
            {
                (inWindow ??= []).Add(h.SentAtUtcTicks);
            }
        }
        var count = inWindow?.Count ?? 0;
        if (count < rule.Limit)
        {
            return (false, count, rule.Limit, t);
        }
        inWindow!.Sort();
        var until = new DateTimeOffset(inWindow[count - rule.Limit] + rule.Span.Ticks, TimeSpan.Zero);
        return (true, count, rule.Limit, until);
    }

    private static bool SamePeriod(Rule rule, long aUtcTicks, long bUtcTicks)
    {
        var a = LocalTime.Day(aUtcTicks, rule.Zone);
        var b = LocalTime.Day(bUtcTicks, rule.Zone);
        switch (rule.Window)
        {
            case Window.Day:
                return a == b;
            case Window.Week:
                return LocalTime.WeekStart(a) == LocalTime.WeekStart(b);
            case Window.Month:
                var da = DateOnly.FromDayNumber(a);
                var db = DateOnly.FromDayNumber(b);
                return da.Year == db.Year && da.Month == db.Month;
            default:
                return bUtcTicks - aUtcTicks < rule.Span.Ticks && aUtcTicks <= bUtcTicks;
        }
    }

    /// <summary>The start of the period after the one containing <paramref name="t"/>.</summary>
    private static DateTimeOffset PeriodEnd(Rule rule, DateTimeOffset t)
    {
        var day = LocalTime.Day(t.UtcTicks, rule.Zone);
        return rule.Window switch
        {
            Window.Day => LocalTime.DayStart(day + 1, rule.Zone),
            Window.Week => LocalTime.DayStart(LocalTime.WeekStart(day) + 7, rule.Zone),
            Window.Month => LocalTime.DayStart(FirstOfNextMonth(day), rule.Zone),
            _ => t + rule.Span,
        };
    }

    private static int FirstOfNextMonth(int dayNumber)
    {
        var d = DateOnly.FromDayNumber(dayNumber);
        return new DateOnly(d.Year, d.Month, 1).AddMonths(1).DayNumber;
    }

    private static (string Zh, string En) Describe(DeliveryChannel? channel, DeliveryTopic? topic)
    {
        var zh = (channel is { } c ? DeliveryNames.ZhOf(c) : "所有渠道") + (topic is { } tp ? DeliveryNames.ZhOf(tp) + "消息" : "消息");
        var en = (topic is { } t2 ? DeliveryNames.Of(t2) + " " : "") + "messages" + (channel is { } c2 ? " on " + DeliveryNames.Of(c2) : "");
        return (zh, en);
    }
}
