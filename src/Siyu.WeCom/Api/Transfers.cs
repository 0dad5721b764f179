using System.Text.Json.Serialization;

namespace Siyu.WeCom.Api;

/// <summary>Where a customer's transfer to another staff member stands (transfer_result).</summary>
public enum WeComTransferStatus
{
    /// <summary>The takeover member has the customer now.</summary>
    Done = 1,

    /// <summary>Waiting: the takeover happens 24 hours after the request unless the customer refuses.</summary>
    Waiting = 2,

    Refused = 3,

    /// <summary>The takeover member already has as many customers as allowed.</summary>
    TakeoverLimitReached = 4,

    NoRecord = 5,
}

/// <summary>
/// <c>externalcontact/transfer_customer</c> (on-job) or <c>resigned/transfer_customer</c>: hand up to 100
/// customers of <see cref="HandoverUserId"/> over to <see cref="TakeoverUserId"/>.
/// </summary>
public sealed record WeComTransferCustomerRequest
{
    [JsonPropertyName("handover_userid")] public required string HandoverUserId { get; init; }
    [JsonPropertyName("takeover_userid")] public required string TakeoverUserId { get; init; }

    /// <summary>1..100 customers.</summary>
    [JsonPropertyName("external_userid")] public required IReadOnlyList<string> ExternalUserId { get; init; }

    /// <summary>On-job only: what the customer is told (at most 200 characters); WeCom's default text when unset.</summary>
    [JsonPropertyName("transfer_success_msg")] public string? TransferSuccessMsg { get; init; }
}

/// <summary>
/// Per customer: 0 means the transfer started (it completes, or fails, later: see transfer_result), else
/// why it could not, e.g. 40128 transferred too often, 40129 already being transferred.
/// </summary>
public sealed record WeComTransferCustomerResult
{
    [JsonPropertyName("external_userid")] public required string ExternalUserId { get; init; }
    [JsonPropertyName("errcode")] public int ErrCode { get; init; }

    [JsonIgnore] public bool Started => ErrCode == WeComErrorCodes.Ok;
}

/// <summary>One customer's transfer in transfer_result.</summary>
public sealed record WeComTransferResultItem
{
    [JsonPropertyName("external_userid")] public required string ExternalUserId { get; init; }
    [JsonPropertyName("status")] public WeComTransferStatus Status { get; init; }

    /// <summary>When the takeover happened, or is due while waiting; 0 when it will not happen.</summary>
    [JsonPropertyName("takeover_time")] public long TakeoverTime { get; init; }
}

public sealed record WeComTransferResultPage
{
    [JsonPropertyName("customer")] public IReadOnlyList<WeComTransferResultItem> Customer { get; init; } = [];
    [JsonPropertyName("next_cursor")] public string? NextCursor { get; init; }
}

internal sealed record TransferCustomerResponse
{
    [JsonPropertyName("customer")] public IReadOnlyList<WeComTransferCustomerResult> Customer { get; init; } = [];
}

internal sealed record TransferResultRequest
{
    [JsonPropertyName("handover_userid")] public required string HandoverUserId { get; init; }
    [JsonPropertyName("takeover_userid")] public required string TakeoverUserId { get; init; }
    [JsonPropertyName("cursor")] public string? Cursor { get; init; }
}
