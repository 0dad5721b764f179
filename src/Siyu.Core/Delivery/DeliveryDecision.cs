using System.Text.Json.Serialization;

namespace Siyu.Core.Delivery;

/// <summary>
/// What the delivery pipeline decided for one message. Every decision becomes an event on the customer's timeline,
/// so each carries a machine <see cref="Code"/> (<c>send</c>, <c>unsubscribed</c>, <c>capped.daily</c>,
/// <c>quiet_hours</c>, <c>review.blocked</c>…) and a reason in Chinese and English. Serialises with System.Text.Json
/// as an object whose <c>kind</c> names the case (send, defer, capped, denied, blocked, needs_approval).
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(Send), "send")]
[JsonDerivedType(typeof(Defer), "defer")]
[JsonDerivedType(typeof(Capped), "capped")]
[JsonDerivedType(typeof(Denied), "denied")]
[JsonDerivedType(typeof(Blocked), "blocked")]
[JsonDerivedType(typeof(NeedsApproval), "needs_approval")]
public abstract record DeliveryDecision
{
    [JsonPropertyName("code")] public required string Code { get; init; }

    [JsonPropertyName("reason_zh")] public required string ReasonZh { get; init; }

    [JsonPropertyName("reason_en")] public required string ReasonEn { get; init; }

    /// <summary>Hand the message to the channel adapter now.</summary>
    public sealed record Send : DeliveryDecision;

    /// <summary>Quiet hours: decide again at <see cref="Until"/> (the pipeline is re-run then; nothing is dropped).</summary>
    public sealed record Defer : DeliveryDecision
    {
        [JsonPropertyName("until")] public required DateTimeOffset Until { get; init; }
    }

    /// <summary>A frequency cap holds the message back; <see cref="NextAllowed"/> also respects quiet hours.</summary>
    public sealed record Capped : DeliveryDecision
    {
        [JsonPropertyName("next_allowed")] public required DateTimeOffset NextAllowed { get; init; }

        [JsonPropertyName("count")] public int Count { get; init; }

        [JsonPropertyName("limit")] public int Limit { get; init; }
    }

    /// <summary>No consent: the customer unsubscribed, or the channel and topic need an opt-in they never gave.</summary>
    public sealed record Denied : DeliveryDecision
    {
        /// <summary>The consent record that decided; null when the default decided (no opt-in).</summary>
        [JsonPropertyName("record")] public ConsentRecord? Record { get; init; }
    }

    /// <summary>The content contains a blocked word. All hits are listed, review-level ones too, for highlighting.</summary>
    public sealed record Blocked : DeliveryDecision
    {
        [JsonPropertyName("hits")] public required IReadOnlyList<ReviewHit> Hits { get; init; }
    }

    /// <summary>The content must be approved by a person first; resubmit with <see cref="DeliveryRequest.ContentApproved"/>.</summary>
    public sealed record NeedsApproval : DeliveryDecision
    {
        [JsonPropertyName("hits")] public required IReadOnlyList<ReviewHit> Hits { get; init; }
    }
}
