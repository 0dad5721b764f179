using System.Collections.Concurrent;

namespace Siyu.Core.Delivery;

/// <summary>A tenant's settings turned into engines: caps, quiet hours and a compiled content review.</summary>
public sealed class CompiledDeliverySettings
{
    private CompiledDeliverySettings(string tenantId, long version, TimeZoneInfo zone, FrequencyCaps caps, QuietHours? quietHours,
        bool quietBypassTransactional, ContentReview review)
    {
        TenantId = tenantId;
        Version = version;
        Zone = zone;
        Caps = caps;
        QuietHours = quietHours;
        QuietBypassTransactional = quietBypassTransactional;
        Review = review;
    }

    public string TenantId { get; }

    public long Version { get; }

    public TimeZoneInfo Zone { get; }

    public FrequencyCaps Caps { get; }

    public QuietHours? QuietHours { get; }

    public bool QuietBypassTransactional { get; }

    public ContentReview Review { get; }

    /// <summary>
    /// Compiles valid settings; throws <see cref="ArgumentException"/> listing the errors of invalid ones.
    /// <paramref name="packs"/> are the enabled rule packs (<see cref="ReviewPackSelection.Enabled"/>); null means the
    /// industry's defaults.
    /// </summary>
    public static CompiledDeliverySettings Compile(TenantDeliverySettings settings, IReadOnlyList<ReviewRulePack>? packs = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var errors = settings.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid delivery settings: " + string.Join("; ", errors.Select(e => $"{e.Path}: {e.Message}")), nameof(settings));
        }
        TenantDeliverySettings.TryFindZone(settings.TimeZone, out var zone);
        TenantDeliverySettings.TryParseIndustry(settings.Industry, out var industry);

        var rules = new List<FrequencyCapRule>();
        foreach (var c in settings.Caps ?? [])
        {
            DeliveryChannel? channel = DeliveryNames.TryParseChannel(c.Channel, out var ch) ? ch : null;
            DeliveryTopic? topic = DeliveryNames.TryParseTopic(c.Topic, out var tp) ? tp : null;
            rules.Add(new FrequencyCapRule(channel, topic, c.PerDay, c.PerWeek));
        }
        var caps = new FrequencyCaps(rules, zone, settings.CapsExemptTransactional);
        var quiet = settings.QuietHours?.Compile(zone);

        // Tenants without words or pack switches of their own share the industry's compiled packs.
        packs ??= BuiltInRulePacks.For(industry);
        var review = (settings.Review is null || settings.Review.IsEmpty) && ReviewPackSelection.IsIndustryDefault(industry, packs)
            ? ContentReview.ForIndustry(industry)
            : ContentReview.Create(packs, settings.Review?.Block, settings.Review?.Review, settings.Review?.Allow);

        return new CompiledDeliverySettings(settings.TenantId, settings.Version, zone, caps, quiet,
            settings.QuietHours?.BypassTransactional ?? true, review);
    }
}

/// <summary>
/// The delivery pipeline's decision for one outbound message, in order: consent → frequency cap → quiet hours →
/// content review. The first check that holds the message back decides; a deferred or capped message is decided again
/// when it is due (caps may have filled meanwhile). Pure apart from a cache of compiled settings by (tenant, version):
/// register one instance per process.
/// </summary>
/// <remarks>
/// Exemptions: welcome messages skip caps and quiet hours (the customer has just added the staff member and the
/// welcome_code dies in about 20 seconds); transactional messages skip the tenant's caps and quiet hours when the
/// settings say so (the default). WeCom's own limits apply to every topic. App messages go to staff: the context is
/// then the staff member's, and the tenant's quiet hours apply to them as well.
/// </remarks>
public sealed class DeliveryPolicy
{
    private readonly ConcurrentDictionary<string, CompiledDeliverySettings> _compiled = new(StringComparer.Ordinal);

    /// <summary>The compiled form of <paramref name="settings"/>, compiled once per (tenant, version).</summary>
    public CompiledDeliverySettings Compiled(TenantDeliverySettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (_compiled.TryGetValue(settings.TenantId, out var cached) && cached.Version == settings.Version)
        {
            return cached;
        }
        // Only the latest version per tenant is kept; two threads compiling at once produce equivalent results.
        var compiled = CompiledDeliverySettings.Compile(settings);
        _compiled[settings.TenantId] = compiled;
        return compiled;
    }

    public DeliveryDecision Decide(DeliveryRequest request, CustomerDeliveryContext context, TenantDeliverySettings settings, DateTimeOffset now) =>
        Decide(request, context, Compiled(settings), now);

    public static DeliveryDecision Decide(DeliveryRequest request, CustomerDeliveryContext context, CompiledDeliverySettings settings, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(settings);

        var consent = ConsentPolicy.Evaluate(context.Consent, request.Channel, request.Topic);
        if (!consent.Allowed)
        {
            return Denied(request, consent, settings.Zone);
        }

        var quiet = request.Channel == DeliveryChannel.WeComWelcome
            || (request.Topic == DeliveryTopic.Transactional && settings.QuietBypassTransactional)
            ? null
            : settings.QuietHours;

        if (request.Channel != DeliveryChannel.WeComWelcome)
        {
            var cap = settings.Caps.Check(request.Channel, request.Topic, context, now);
            if (!cap.Allowed)
            {
                // The caps' next instant may fall in quiet hours (a daily cap frees up at midnight): report when it can really go.
                var next = cap.NextAllowed ?? now;
                if (quiet is not null)
                {
                    next = quiet.Defer(next);
                }
                var when = LocalTime.Format(next, settings.Zone);
                return new DeliveryDecision.Capped
                {
                    Code = cap.Code,
                    ReasonZh = $"频次上限：{cap.RuleZh}（已发送 {cap.Count} 条），最早 {when} 可发送",
                    ReasonEn = $"Frequency cap: {cap.RuleEn} ({cap.Count} sent); next allowed {when} ({settings.Zone.Id})",
                    NextAllowed = next,
                    Count = cap.Count,
                    Limit = cap.Limit,
                };
            }
        }

        if (quiet is not null && quiet.IsQuiet(now))
        {
            var until = quiet.Defer(now);
            var when = LocalTime.Format(until, settings.Zone);
            return new DeliveryDecision.Defer
            {
                Code = "quiet_hours",
                ReasonZh = $"免打扰时段，顺延至 {when} 发送",
                ReasonEn = $"Quiet hours; deferred to {when} ({settings.Zone.Id})",
                Until = until,
            };
        }

        var review = settings.Review.Review(request);
        switch (review.Outcome)
        {
            case ReviewOutcome.Blocked:
                var blocked = Words(review.Hits, ReviewAction.Block);
                return new DeliveryDecision.Blocked
                {
                    Code = "review.blocked",
                    ReasonZh = $"内容包含禁用词：{blocked.Zh}",
                    ReasonEn = $"The content contains blocked words: {blocked.En}",
                    Hits = review.Hits,
                };
            case ReviewOutcome.NeedsApproval when !request.ContentApproved:
                var held = Words(review.Hits, ReviewAction.Review);
                return new DeliveryDecision.NeedsApproval
                {
                    Code = "review.needs_approval",
                    ReasonZh = $"内容包含需审核的词：{held.Zh}，须人工审核通过后发送",
                    ReasonEn = $"The content contains words that need approval: {held.En}; a reviewer must approve it first",
                    Hits = review.Hits,
                };
            case ReviewOutcome.NeedsApproval:
                return new DeliveryDecision.Send
                {
                    Code = "send.approved",
                    ReasonZh = "内容已人工审核通过，发送",
                    ReasonEn = "Content approved by a reviewer; sending",
                };
            default:
                return new DeliveryDecision.Send { Code = "send", ReasonZh = "通过全部检查，发送", ReasonEn = "Passed every check; sending" };
        }
    }

    private static DeliveryDecision.Denied Denied(DeliveryRequest request, ConsentVerdict consent, TimeZoneInfo zone)
    {
        var channelZh = DeliveryNames.ZhOf(request.Channel);
        var topicZh = DeliveryNames.ZhOf(request.Topic);
        if (consent.Record is not { } r)
        {
            return new DeliveryDecision.Denied
            {
                Code = consent.Code,
                ReasonZh = $"{channelZh}{topicZh}消息须客户明确同意，未找到同意记录",
                ReasonEn = $"{DeliveryNames.Of(request.Topic)} messages on {DeliveryNames.Of(request.Channel)} need the customer's explicit opt-in; none on record",
            };
        }
        var scopeZh = (r.Channel is { } c ? DeliveryNames.ZhOf(c) : "全部渠道") + "·" + (r.Topic is { } t ? DeliveryNames.ZhOf(t) + "消息" : "全部消息");
        var scopeEn = (r.Topic is { } t2 ? DeliveryNames.Of(t2) : "all") + " messages on " + (r.Channel is { } c2 ? DeliveryNames.Of(c2) : "all channels");
        var when = LocalTime.Format(new DateTimeOffset(r.AtUtcTicks, TimeSpan.Zero), zone);
        return new DeliveryDecision.Denied
        {
            Code = consent.Code,
            ReasonZh = $"客户已退订{scopeZh}（{when}，来源：{r.Source}）",
            ReasonEn = $"The customer unsubscribed from {scopeEn} ({when}, source: {r.Source})",
            Record = r,
        };
    }

    private static (string Zh, string En) Words(IReadOnlyList<ReviewHit> hits, ReviewAction action)
    {
        var words = new List<ReviewHit>();
        foreach (var h in hits)
        {
            if (h.Action == action && !words.Exists(w => w.Word == h.Word))
            {
                words.Add(h);
            }
        }
        const int shown = 5;
        var zh = string.Join("、", words.Take(shown).Select(w => $"{w.Word}（{w.Category}）"));
        var en = string.Join(", ", words.Take(shown).Select(w => $"{w.Word} ({w.Category})"));
        return words.Count <= shown ? (zh, en) : (zh + $" 等 {words.Count} 个", en + $" and {words.Count - shown} more");
    }
}
