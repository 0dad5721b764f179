namespace Siyu.WeCom.Callbacks;

/// <summary>A decrypted, parsed WeCom callback. Pattern-match on the concrete record.</summary>
public abstract record WeComCallbackEvent
{
    public required CallbackEnvelope Envelope { get; init; }

    /// <summary>The decrypted XML exactly as received, for the event log and for fields not modelled here.</summary>
    public required string RawXml { get; init; }

    /// <summary>Stable across WeCom's retries of the same callback; see <see cref="CallbackIdempotency"/>.</summary>
    public required string IdempotencyKey { get; init; }
}

public enum ExternalContactChangeType
{
    Unknown,
    AddExternalContact,
    AddHalfExternalContact,
    EditExternalContact,

    /// <summary>The staff member removed the customer.</summary>
    DelExternalContact,

    /// <summary>The customer deleted the staff member.</summary>
    DelFollowUser,
    TransferFail,

    /// <summary>The customer agreed to conversation archiving.</summary>
    MsgAuditApproved,
}

/// <summary><c>change_external_contact</c>: a customer relationship changed.</summary>
public sealed record ExternalContactChanged : WeComCallbackEvent
{
    public required ExternalContactChangeType ChangeType { get; init; }

    /// <summary>The ChangeType string as sent, kept for values this enum does not know yet.</summary>
    public required string RawChangeType { get; init; }

    public string? UserId { get; init; }
    public string? ExternalUserId { get; init; }

    /// <summary>The channel code's <c>state</c> the customer came through, if any.</summary>
    public string? State { get; init; }

    /// <summary>Valid about 20 seconds and once: send the welcome message right away.</summary>
    public string? WelcomeCode { get; init; }

    /// <summary>Why a del_external_contact happened, e.g. DELETE_BY_TRANSFER.</summary>
    public string? Source { get; init; }

    /// <summary>transfer_fail reason: customer_refused or customer_limit_exceed.</summary>
    public string? FailReason { get; init; }
}

public enum ExternalChatChangeType
{
    Unknown,
    Create,
    Update,
    Dismiss,
}

/// <summary><c>change_external_chat</c>: a customer group was created, changed or dismissed.</summary>
public sealed record ExternalChatChanged : WeComCallbackEvent
{
    public required ExternalChatChangeType ChangeType { get; init; }
    public required string RawChangeType { get; init; }
    public string? ChatId { get; init; }

    /// <summary>For update: add_member, del_member, change_owner, change_name, change_notice.</summary>
    public string? UpdateDetail { get; init; }

    public int? JoinScene { get; init; }
    public int? QuitScene { get; init; }
    public int? MemChangeCnt { get; init; }
    public IReadOnlyList<string> MemChangeList { get; init; } = [];
    public string? LastMemVer { get; init; }
    public string? CurMemVer { get; init; }
}

public enum ExternalTagChangeType
{
    Unknown,
    Create,
    Update,
    Delete,

    /// <summary>Tags were reordered (Id is a group id, or empty with a StrategyId for rule-group tags).</summary>
    Shuffle,
}

/// <summary><c>change_external_tag</c>: a corp tag or tag group changed.</summary>
public sealed record ExternalTagChanged : WeComCallbackEvent
{
    public required ExternalTagChangeType ChangeType { get; init; }
    public required string RawChangeType { get; init; }
    public string? Id { get; init; }

    /// <summary><c>tag</c> or <c>tag_group</c>.</summary>
    public string? TagType { get; init; }

    public string? StrategyId { get; init; }
}

public enum ContactChangeType
{
    Unknown,
    CreateUser,
    UpdateUser,
    DeleteUser,
    CreateParty,
    UpdateParty,
    DeleteParty,
    UpdateTag,
}

/// <summary><c>change_contact</c>: a staff member, department or staff tag changed.</summary>
public sealed record ContactChanged : WeComCallbackEvent
{
    public required ContactChangeType ChangeType { get; init; }
    public required string RawChangeType { get; init; }
    public string? UserId { get; init; }

    /// <summary>Set when update_user changed the userid.</summary>
    public string? NewUserId { get; init; }

    public string? Name { get; init; }
    public IReadOnlyList<long> Department { get; init; } = [];
    public long? MainDepartment { get; init; }
    public IReadOnlyList<int> IsLeaderInDept { get; init; } = [];
    public string? Position { get; init; }
    public string? Mobile { get; init; }

    /// <summary>As in user/get: a string, "0" unknown, "1" male, "2" female.</summary>
    public string? Gender { get; init; }

    public string? Email { get; init; }
    public int? Status { get; init; }
    public string? Alias { get; init; }

    /// <summary>Department id for *_party events.</summary>
    public long? PartyId { get; init; }

    public long? ParentId { get; init; }

    /// <summary>Staff tag id for update_tag.</summary>
    public long? TagId { get; init; }
}

/// <summary><c>msgaudit_notify</c>: new archived messages exist; it carries no payload and only means "pull".</summary>
public sealed record MsgAuditNotify : WeComCallbackEvent;

/// <summary>Any callback Siyu does not model; kept whole so it can be recorded and inspected.</summary>
public sealed record UnknownCallback : WeComCallbackEvent;
