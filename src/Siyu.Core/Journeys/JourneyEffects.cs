using System.Globalization;
using System.Text.Json;

namespace Siyu.Core.Journeys;

/// <summary>
/// Where an effect comes from: journey, version, customer, occurrence and step. <see cref="Seq"/> (the n-th step this
/// occurrence entered) tells passes of a loop apart, so a weekly reminder loop sends every week instead of once; for
/// a journey without loops it adds nothing. The same inputs always give the same keys, which is what lets the server
/// execute effects at most once across replays.
/// </summary>
public readonly record struct EffectKey(long JourneyId, int Version, long CustomerId, int Occurrence, int Seq, string StepId)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"j{JourneyId}/v{Version}/c{CustomerId}/o{Occurrence}/{Seq}:{StepId}");
}

/// <summary>
/// Something the server should do (or record) because a customer went through a step. Effects are data: the runner never
/// sends or writes anything itself. <see cref="IdempotencyKey"/> is unique per effect, deterministic under replay.
/// </summary>
public abstract record JourneyEffect(EffectKey Key)
{
    /// <summary>Tells effects of the same step apart (a send step yields step_entered and send).</summary>
    protected abstract string Code { get; }

    public string IdempotencyKey => $"{Key}/{Code}";

    public long CustomerId => Key.CustomerId;
}

public sealed record SendMessage(EffectKey Key, string Channel, string Topic, string? Text, string? TemplateId, IReadOnlyList<MessageAttachment> Attachments)
    : JourneyEffect(Key)
{
    protected override string Code => "send";
}

public sealed record ChangeTags(EffectKey Key, IReadOnlyList<long> Add, IReadOnlyList<long> Remove) : JourneyEffect(Key)
{
    protected override string Code => "tags";
}

public sealed record SetAttribute(EffectKey Key, string Name, JsonElement Value) : JourneyEffect(Key)
{
    protected override string Code => "attribute";
}

/// <summary>A staff task; <see cref="StaffUserId"/> null means the customer's owner (resolved by the server at execution).</summary>
public sealed record CreateStaffTask(EffectKey Key, string? StaffUserId, string Text) : JourneyEffect(Key)
{
    protected override string Code => "task";
}

/// <summary>Issue a coupon; the idempotency key makes a replay find the coupon already issued instead of issuing another.</summary>
public sealed record IssueCoupon(EffectKey Key, long TemplateId) : JourneyEffect(Key)
{
    protected override string Code => "coupon";
}

/// <summary>Credit points; the ledger dedupes by the idempotency key.</summary>
public sealed record AwardPoints(EffectKey Key, long Amount, string Reason) : JourneyEffect(Key)
{
    protected override string Code => "points";
}

public sealed record CallWebhook(EffectKey Key, Uri Url, string? Payload) : JourneyEffect(Key)
{
    protected override string Code => "webhook";
}

/// <summary>The customer entered a step (live counts per step, the customer timeline).</summary>
public sealed record StepEntered(EffectKey Key, string StepKind) : JourneyEffect(Key)
{
    protected override string Code => "entered";
}

public sealed record JourneyExited(EffectKey Key, JourneyStatus Status, ExitReason Reason) : JourneyEffect(Key)
{
    protected override string Code => "exited";
}

/// <summary>The customer was assigned a split variant (<see cref="Variant"/> −1 and <see cref="Holdout"/> for the holdout), for A/B reporting.</summary>
public sealed record VariantAssigned(EffectKey Key, int Variant, string? VariantName, bool Holdout) : JourneyEffect(Key)
{
    protected override string Code => "variant";
}
