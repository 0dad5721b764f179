using System.Text.Json.Serialization;

namespace Siyu.Core.Delivery;

[JsonConverter(typeof(JsonStringEnumConverter<ConsentAction>))]
public enum ConsentAction
{
    [JsonStringEnumMemberName("granted")] Granted,
    [JsonStringEnumMemberName("revoked")] Revoked,
}

/// <summary>
/// One expression of the customer's will: a grant (opt-in) or revocation (unsubscribe, 退订) for a channel and topic.
/// A null <see cref="Channel"/> or <see cref="Topic"/> means all of them ("stop all marketing", "unsubscribe from SMS").
/// </summary>
/// <param name="Source">Where it came from, for the audit trail: <c>sms_reply_td</c>, <c>h5_form</c>, <c>console:alice</c>…</param>
public sealed record ConsentRecord(
    [property: JsonPropertyName("channel")] DeliveryChannel? Channel,
    [property: JsonPropertyName("topic")] DeliveryTopic? Topic,
    [property: JsonPropertyName("action")] ConsentAction Action,
    [property: JsonPropertyName("at_utc_ticks")] long AtUtcTicks,
    [property: JsonPropertyName("source")] string Source);

/// <summary>
/// The customer's consent, compacted to the latest record per (channel, topic) scope: at most 30 records whatever
/// the history, and it answers exactly like the full history (<see cref="ConsentPolicy.Evaluate(IReadOnlyList{ConsentRecord}, DeliveryChannel, DeliveryTopic)"/>).
/// Immutable; <see cref="With"/> returns a new state.
/// </summary>
public sealed class ConsentState
{
    private readonly ConsentRecord[] _latest;

    public static ConsentState Empty { get; } = new([]);

    [JsonConstructor]
    public ConsentState(IReadOnlyList<ConsentRecord> latest)
    {
        ArgumentNullException.ThrowIfNull(latest);
        var state = Array.Empty<ConsentRecord>();
        foreach (var r in latest)
        {
            state = Fold(state, r);
        }
        _latest = state;
    }

    private ConsentState(ConsentRecord[] latest, bool _) => _latest = latest;

    /// <summary>The latest record of each scope that has one.</summary>
    [JsonPropertyName("latest")]
    public IReadOnlyList<ConsentRecord> Latest => _latest;

    public static ConsentState From(IEnumerable<ConsentRecord> records)
    {
        var state = Array.Empty<ConsentRecord>();
        foreach (var r in records)
        {
            state = Fold(state, r);
        }
        return new ConsentState(state, true);
    }

    /// <summary>The state with <paramref name="record"/> applied (records may arrive out of order).</summary>
    public ConsentState With(ConsentRecord record) => new(Fold(_latest, record), true);

    private static ConsentRecord[] Fold(ConsentRecord[] state, ConsentRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        for (var i = 0; i < state.Length; i++)
        {
            if (state[i].Channel == record.Channel && state[i].Topic == record.Topic)
            {
                if (!ConsentPolicy.Supersedes(record, state[i]))
                {
                    return state;
                }
                var copy = (ConsentRecord[])state.Clone();
                copy[i] = record;
                return copy;
            }
        }
        return [.. state, record];
    }
}

/// <summary>The consent check's answer; <see cref="Record"/> is the record that decided, if any.</summary>
public readonly record struct ConsentVerdict(bool Allowed, string Code, ConsentRecord? Record);

/// <summary>
/// Whether a customer may receive a message on a channel about a topic. The most recent applicable record decides;
/// at equal times a revocation beats a grant, so an unsubscribe is never undone by a grant recorded at the same instant.
/// A record applies when its channel and topic are the message's or null (all). Defaults when no record applies:
/// <list type="bullet">
/// <item><b>Transactional and service</b> messages are allowed; only a revocation that names the topic stops them
/// (an "unsubscribe from everything" does not stop order or service notices the customer's own business needs).</item>
/// <item><b>Marketing and reminders</b> on WeCom channels and app messages are allowed: a WeCom contact opted in by
/// adding the staff member, and any revocation (channel-wide, topic-wide or global) stops them.</item>
/// <item><b>SMS marketing</b> needs an explicit grant (PIPL and the SMS marketing rules: commercial SMS only with the
/// recipient's consent), so no record means Denied with code <c>consent.no_opt_in</c>. A grant for SMS, for marketing,
/// or for everything counts. SMS reminders are notification SMS (通知类) and follow the default above.</item>
/// </list>
/// Consent does not check reachability (whether the customer still has the staff member); the channel adapter does.
/// </summary>
public static class ConsentPolicy
{
    public const string AllowedCode = "consent.allowed";
    public const string UnsubscribedCode = "unsubscribed";
    public const string NoOptInCode = "consent.no_opt_in";

    /// <summary>Whether the channel and topic need an explicit opt-in (no record = denied).</summary>
    public static bool NeedsOptIn(DeliveryChannel channel, DeliveryTopic topic) =>
        channel == DeliveryChannel.Sms && topic == DeliveryTopic.Marketing;

    /// <summary>Whether only a revocation naming the topic can stop it.</summary>
    public static bool IsEssential(DeliveryTopic topic) => topic is DeliveryTopic.Transactional or DeliveryTopic.Service;

    public static ConsentVerdict Evaluate(ConsentState state, DeliveryChannel channel, DeliveryTopic topic)
    {
        ArgumentNullException.ThrowIfNull(state);
        return Evaluate(state.Latest, channel, topic);
    }

    /// <summary>Evaluates a customer's consent records (any order, any length).</summary>
    public static ConsentVerdict Evaluate(IReadOnlyList<ConsentRecord> records, DeliveryChannel channel, DeliveryTopic topic)
    {
        ArgumentNullException.ThrowIfNull(records);
        var essential = IsEssential(topic);
        ConsentRecord? deciding = null;
        foreach (var r in records)
        {
            if ((r.Channel is null || r.Channel == channel)
                && (r.Topic == topic || (r.Topic is null && !essential))
                && (deciding is null || Supersedes(r, deciding)))
            {
                deciding = r;
            }
        }
        if (deciding is null)
        {
            return NeedsOptIn(channel, topic) ? new ConsentVerdict(false, NoOptInCode, null) : new ConsentVerdict(true, AllowedCode, null);
        }
        return deciding.Action == ConsentAction.Revoked
            ? new ConsentVerdict(false, UnsubscribedCode, deciding)
            : new ConsentVerdict(true, AllowedCode, deciding);
    }

    /// <summary>Later wins; at the same instant a revocation wins.</summary>
    internal static bool Supersedes(ConsentRecord candidate, ConsentRecord current) =>
        candidate.AtUtcTicks > current.AtUtcTicks
        || (candidate.AtUtcTicks == current.AtUtcTicks && candidate.Action == ConsentAction.Revoked && current.Action == ConsentAction.Granted);
}
