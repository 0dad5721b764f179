namespace Siyu.Server.Data;

/// <summary>One tenant = one WeCom corp. Partition count is fixed when the tenant is created.</summary>
public sealed class Tenant
{
    public int Id { get; set; }
    public required string Slug { get; set; }
    public required string Name { get; set; }
    public int Partitions { get; set; }
    public string TimeZone { get; set; } = "Asia/Shanghai";
    public long CreatedAtTicks { get; set; }
}

public sealed class ConsoleUser
{
    public int Id { get; set; }
    public int TenantId { get; set; }
    public required string UserName { get; set; }
    public required string PasswordHash { get; set; }
    public string Role { get; set; } = Roles.Admin;
    public string DisplayName { get; set; } = "";
    public long CreatedAtTicks { get; set; }
    /// <summary>all, department or own (see <see cref="Siyu.Core.Access.DataScope"/>).</summary>
    public string DataScope { get; set; } = "all";
    /// <summary>The WeCom member this user is (their "own" customers are the ones who added this userid).</summary>
    public string? StaffUserId { get; set; }
    /// <summary>For the department scope: the WeCom department (with its sub-departments).</summary>
    public long? DepartmentId { get; set; }
    /// <summary>Disabled users cannot sign in; existing sessions end at their next request.</summary>
    public long? DisabledAtTicks { get; set; }
}

public static class Roles
{
    public const string Admin = Siyu.Core.Access.RoleNames.Admin;
    public const string Operator = Siyu.Core.Access.RoleNames.Operator;
    public const string Staff = Siyu.Core.Access.RoleNames.Staff;
    public const string Auditor = Siyu.Core.Access.RoleNames.Auditor;
    public const string ReadOnly = Siyu.Core.Access.RoleNames.ReadOnly;
}

/// <summary>Ingestion key; only a SHA-256 of the secret is stored, the prefix identifies it in lists.</summary>
public sealed class ApiKey
{
    public int Id { get; set; }
    public int TenantId { get; set; }
    public required string Name { get; set; }
    public required string Prefix { get; set; }
    public required string SecretHash { get; set; }
    public long CreatedAtTicks { get; set; }
    public long? RevokedAtTicks { get; set; }
    /// <summary>Space-separated <see cref="Auth.ApiScopes"/>.</summary>
    public string Scopes { get; set; } = Auth.ApiScopes.Default;
    /// <summary>Refused from this instant on; set at creation, or by a rotation to end the old key's grace period.</summary>
    public long? ExpiresAtTicks { get; set; }
}

public sealed class CustomerRow
{
    public int TenantId { get; set; }
    public long Id { get; set; }
    public long CreatedAtTicks { get; set; }
    public long? MergedInto { get; set; }
    /// <summary>Set when the person was erased (PIPL deletion): the id stays for statistics, nothing may attach to it again.</summary>
    public long? ErasedAtTicks { get; set; }
}

/// <summary>
/// One identifier of a customer. Personal types (phone, e-mail) are keyed by their keyed hash (<c>h:{hex}</c>, see
/// <see cref="Siyu.Core.Compliance.PiiHasher"/>) with the value itself only in <see cref="Encrypted"/>; other types
/// keep their value in <see cref="Value"/> and leave the two columns empty.
/// </summary>
public sealed class IdentifierRow
{
    public int TenantId { get; set; }
    public int Type { get; set; }
    public required string Value { get; set; }
    public long CustomerId { get; set; }
    public long AttachedAtTicks { get; set; }
    /// <summary>The normalised value encrypted (<c>enc:v1:{kid}:...</c>), for display and reveal.</summary>
    public string? Encrypted { get; set; }
    /// <summary>Phones: keyed hash of the last four digits, for the 手机号后四位 search.</summary>
    public string? SuffixHash { get; set; }
}

public sealed class MergeRow
{
    public int TenantId { get; set; }
    public long Id { get; set; }
    public long SurvivorId { get; set; }
    public long MergedId { get; set; }
    /// <summary>JSON array of "type:value" of the identifiers the merged customer brought.</summary>
    public required string MovedIdentifiers { get; set; }
    public bool Manual { get; set; }
    public required string Reason { get; set; }
    public string? Actor { get; set; }
    public long AtTicks { get; set; }
    public long? UndoneAtTicks { get; set; }
    public string? UndoneBy { get; set; }
}

/// <summary>Two customers an event linked but that the guard rails kept apart; resolved by an audited manual merge.</summary>
public sealed class MergeConflictRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public long CustomerA { get; set; }
    public long CustomerB { get; set; }
    public required string Reason { get; set; }
    public string? Identifier { get; set; }
    public long AtTicks { get; set; }
    public long? ResolvedAtTicks { get; set; }
}

/// <summary>The event log: append-only except that merges re-point <see cref="CustomerId"/> (the original stays).</summary>
public sealed class EventRow
{
    public long Seq { get; set; }
    public int TenantId { get; set; }
    public required string IdempotencyKey { get; set; }
    public long CustomerId { get; set; }
    public long OriginalCustomerId { get; set; }
    public int Partition { get; set; }
    public required string Type { get; set; }
    public long TimestampTicks { get; set; }
    public long ReceivedAtTicks { get; set; }
    public string? Properties { get; set; }
    public string? Attributes { get; set; }
    public required string Source { get; set; }
}

/// <summary>
/// Progress of encrypting a table written before PII encryption existed: rows up to <see cref="Target"/> (fixed by the
/// migration) are done once <see cref="Position"/> reaches it. Lets a large event log upgrade in resumable batches.
/// </summary>
public sealed class PiiBackfillRow
{
    public required string Name { get; set; }
    public long Position { get; set; }
    public long Target { get; set; }
}

public sealed class PartitionSnapshotRow
{
    public int TenantId { get; set; }
    public int Partition { get; set; }
    public long LastSeq { get; set; }
    public long TakenAtTicks { get; set; }
    public required byte[] Data { get; set; }
}

/// <summary>
/// One audit log entry: append-only and hash-chained per tenant (see <see cref="Siyu.Core.Compliance.AuditChain"/>).
/// Write it only through <see cref="Siyu.Server.Compliance.AuditLog"/>; the context refuses updates and deletes.
/// </summary>
public sealed class AuditEntry
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    /// <summary>1, 2, 3… per tenant, assigned when the entry is saved.</summary>
    public long Seq { get; set; }
    public long AtTicks { get; set; }
    public required string Actor { get; set; }
    public required string Action { get; set; }
    /// <summary>What the action was done to (a key prefix, an audience name, a message id…).</summary>
    public string? Target { get; set; }
    public string? Detail { get; set; }
    /// <summary>Lowercase hex SHA-256 of the previous entry of the tenant (64 zeros for the first).</summary>
    public string PrevHash { get; set; } = "";
    public string Hash { get; set; } = "";
}

/// <summary>A group of tags (标签组), e.g. 客户等级 or 兴趣偏好.</summary>
public sealed class TagGroupRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public required string Name { get; set; }
    public int SortOrder { get; set; }
    /// <summary>The WeCom corp tag group id when the group is synced with WeCom.</summary>
    public string? WeComGroupId { get; set; }
    public long CreatedAtTicks { get; set; }
    public long? DeletedAtTicks { get; set; }
}

/// <summary>
/// A tag definition. Which customers carry it is not stored here: tag changes are events in the log
/// (<c>tag.added</c>/<c>tag.removed</c>), so history, merges and rebuilds work like every other change.
/// </summary>
public sealed class TagRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public long GroupId { get; set; }
    public required string Name { get; set; }
    /// <summary>How the tag is maintained: manual, rule, keyword, channel, import or wecom (see Siyu.Core.Tags.TagSource).</summary>
    public required string Kind { get; set; }
    public string? Color { get; set; }
    public string? Description { get; set; }
    /// <summary>The WeCom corp tag id when the tag is synced with WeCom.</summary>
    public string? WeComTagId { get; set; }
    /// <summary>For rule tags: the condition (JSON v1) that decides who carries the tag.</summary>
    public string? Rule { get; set; }
    /// <summary>For keyword tags: JSON array of the words that, in a customer's message, add the tag.</summary>
    public string? Keywords { get; set; }
    public long CreatedAtTicks { get; set; }
    public long? DeletedAtTicks { get; set; }
}

/// <summary>A saved audience (人群): a named condition, answered live by the partitions whenever asked.</summary>
public sealed class AudienceRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public required string Name { get; set; }
    public string? Description { get; set; }
    /// <summary>Condition JSON v1 (see Siyu.Core.Audiences.Conditions).</summary>
    public required string Condition { get; set; }
    public string? CreatedBy { get; set; }
    public long CreatedAtTicks { get; set; }
    public long UpdatedAtTicks { get; set; }
    public long? DeletedAtTicks { get; set; }
}

/// <summary>
/// A tenant's WeCom connection. Secrets are stored encrypted with the server's data-protection key
/// (never in plain text), and can also come from configuration (<c>Siyu:WeCom:{tenant}:Secret</c>).
/// </summary>
public sealed class WeComSettingsRow
{
    public int TenantId { get; set; }
    public required string CorpId { get; set; }
    public long? AgentId { get; set; }
    public string? ProtectedSecret { get; set; }
    public required string Token { get; set; }
    public string? ProtectedAesKey { get; set; }
    /// <summary>Null for the real WeCom API; the simulator's address in demo mode and tests.</summary>
    public string? ApiBaseAddress { get; set; }
    public long UpdatedAtTicks { get; set; }
}

/// <summary>
/// Every verified callback, stored (and fsynced) before WeCom gets its "success": the inbox is the durable
/// record; processing runs afterwards, in order, and is idempotent because WeCom retries.
/// </summary>
public sealed class WeComInboxRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public required string DedupKey { get; set; }
    /// <summary>Event and change type, e.g. "change_external_contact/add_external_contact".</summary>
    public required string Kind { get; set; }
    public required string Xml { get; set; }
    public long ReceivedAtTicks { get; set; }
    public long? ProcessedAtTicks { get; set; }
    public int Attempts { get; set; }
    public string? LastError { get; set; }
}

/// <summary>A WeCom member (员工) as synced from the corp.</summary>
public sealed class StaffRow
{
    public int TenantId { get; set; }
    public required string UserId { get; set; }
    public string? Name { get; set; }
    public string? Mobile { get; set; }
    public string? Position { get; set; }
    /// <summary>Department ids, comma separated.</summary>
    public string Departments { get; set; } = "";
    /// <summary>active, disabled, resigned or deleted.</summary>
    public string Status { get; set; } = "active";
    public long UpdatedAtTicks { get; set; }
}

public sealed class DepartmentRow
{
    public int TenantId { get; set; }
    public long Id { get; set; }
    public required string Name { get; set; }
    public long? ParentId { get; set; }
}

/// <summary>A customer group chat (客户群).</summary>
public sealed class CustomerGroupRow
{
    public int TenantId { get; set; }
    public required string ChatId { get; set; }
    public string? Name { get; set; }
    public string? Owner { get; set; }
    public string? Notice { get; set; }
    public long CreatedAtTicks { get; set; }
    public long? DismissedAtTicks { get; set; }
    public int Members { get; set; }
    public int ExternalMembers { get; set; }
    public long UpdatedAtTicks { get; set; }
}

public sealed class CustomerGroupMemberRow
{
    public int TenantId { get; set; }
    public required string ChatId { get; set; }
    /// <summary>userid for staff, external_userid for customers.</summary>
    public required string MemberId { get; set; }
    /// <summary>1 = staff, 2 = external contact (WeCom's values).</summary>
    public int Type { get; set; }
    public long JoinTimeTicks { get; set; }
    public int JoinScene { get; set; }
    public string? Name { get; set; }
}

/// <summary>A channel QR code (渠道活码): a WeCom contact way plus what Siyu does when someone adds through it.</summary>
public sealed class ChannelCodeRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public required string Name { get; set; }
    /// <summary>The contact way's state (≤ 30 chars), echoed in add_external_contact callbacks.</summary>
    public required string State { get; set; }
    public string? ConfigId { get; set; }
    public string? QrCode { get; set; }
    /// <summary>JSON: [{"userid": "...", "daily_cap": 50}] — the rotation.</summary>
    public required string Staff { get; set; }
    /// <summary>JSON: ["userid"] — used when everyone in the rotation reached their cap.</summary>
    public string BackupStaff { get; set; } = "[]";
    /// <summary>JSON: user ids currently configured on the WeCom contact way.</summary>
    public string ActiveStaff { get; set; } = "[]";
    /// <summary>JSON: tag ids added to customers who come through this code.</summary>
    public string TagIds { get; set; } = "[]";
    public string? Remark { get; set; }
    public bool SkipVerify { get; set; } = true;
    /// <summary>JSON welcome message: {"text": "…{nickname}…", "attachments": [...]}; null sends none.</summary>
    public string? Welcome { get; set; }
    /// <summary>Template for the customer's remark on the staff side (自动备注), e.g. "{channel}-{nickname}"; null leaves it.</summary>
    public string? CustomerRemark { get; set; }
    public long CreatedAtTicks { get; set; }
    public long? DeletedAtTicks { get; set; }
}

/// <summary>Adds and deletes per channel code, local day and staff member.</summary>
public sealed class ChannelCodeStatRow
{
    public int TenantId { get; set; }
    public long ChannelId { get; set; }
    public int Day { get; set; }
    public required string StaffUserId { get; set; }
    public int Adds { get; set; }
    public int Deletes { get; set; }
}

/// <summary>A customer handed from one staff member to another (在职/离职继承), tracked until WeCom reports the outcome.</summary>
public sealed class CustomerTransferRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    /// <summary>onjob or resigned.</summary>
    public required string Kind { get; set; }
    public required string HandoverUserId { get; set; }
    public required string TakeoverUserId { get; set; }
    public required string ExternalUserId { get; set; }
    /// <summary>requested, waiting, success, refused, limited, failed.</summary>
    public required string Status { get; set; }
    public int ErrCode { get; set; }
    public string? RequestedBy { get; set; }
    public long RequestedAtTicks { get; set; }
    public long? FinishedAtTicks { get; set; }
}

/// <summary>One sync run against WeCom, for the console's sync status.</summary>
public sealed class WeComSyncRunRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public long StartedAtTicks { get; set; }
    public long? FinishedAtTicks { get; set; }
    public int Staff { get; set; }
    public int Customers { get; set; }
    public int Tags { get; set; }
    public int Groups { get; set; }
    public string? Error { get; set; }
}

/// <summary>A mass send (客户群发 to customers, 群群发 to customer groups): WeCom tasks each staff member confirms.</summary>
public sealed class MassSendRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public required string Name { get; set; }
    /// <summary>single (customers) or group (customer groups), WeCom's chat_type.</summary>
    public required string ChatType { get; set; }
    public long? AudienceId { get; set; }
    /// <summary>The audience's condition as it stood when the send was created: later edits don't change who it targets.</summary>
    public string? Condition { get; set; }
    /// <summary>JSON: staff userids allowed to send; empty = any of the customer's staff.</summary>
    public string StaffFilter { get; set; } = "[]";
    /// <summary>JSON: chat ids for group sends.</summary>
    public string ChatIds { get; set; } = "[]";
    public required string Text { get; set; }
    /// <summary>JSON: welcome-message-style attachments (link, image, miniprogram).</summary>
    public string? Attachments { get; set; }
    public string Topic { get; set; } = "marketing";
    /// <summary>scheduled, sending (tasks created, waiting for staff), done, failed, cancelled.</summary>
    public required string Status { get; set; }
    public long? ScheduledAtTicks { get; set; }
    public long CreatedAtTicks { get; set; }
    public required string CreatedBy { get; set; }
    public long? StartedAtTicks { get; set; }
    public long? FinishedAtTicks { get; set; }
    public int Targeted { get; set; }
    public int Excluded { get; set; }
    public string? Error { get; set; }
}

/// <summary>One staff member's WeCom task (msgid) within a mass send.</summary>
public sealed class MassSendTaskRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public long MassSendId { get; set; }
    public required string Sender { get; set; }
    public string? MsgId { get; set; }
    public int Targets { get; set; }
    /// <summary>waiting (for the staff member to confirm), sent, failed.</summary>
    public required string Status { get; set; }
    public long? SentAtTicks { get; set; }
    public int Delivered { get; set; }
    public int NotFriend { get; set; }
    public int LimitReached { get; set; }
    public string? Error { get; set; }
}

/// <summary>One customer (or group) of a mass send and what happened to the message for them.</summary>
public sealed class MassSendRecipientRow
{
    public int TenantId { get; set; }
    public long MassSendId { get; set; }
    /// <summary>external_userid for customers, chat id for groups.</summary>
    public required string Target { get; set; }
    public long CustomerId { get; set; }
    public string? Sender { get; set; }
    /// <summary>pending, sent, not_friend, limit_reached, excluded, failed.</summary>
    public required string Status { get; set; }
    public string? Reason { get; set; }
    public long? SentAtTicks { get; set; }
}

/// <summary>A short link in a message sent to one customer: the code maps back to who got which URL in which message.</summary>
public sealed class TrackedLinkRow
{
    public required string Code { get; set; }
    public int TenantId { get; set; }
    public required string MessageId { get; set; }
    public long CustomerId { get; set; }
    public int LinkIndex { get; set; }
    public required string Url { get; set; }
    public long CreatedAtTicks { get; set; }
}

/// <summary>
/// One message to one customer on its way through the delivery pipeline (journeys, manual sends, SOP tasks): the key
/// makes it at-most-once, the status and decision say what happened and why.
/// </summary>
public sealed class OutboundMessageRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    /// <summary>Idempotency key, unique per tenant (e.g. journey:12:v3:c4711:step5:1).</summary>
    public required string Key { get; set; }
    public long CustomerId { get; set; }
    public required string Channel { get; set; }
    public required string Topic { get; set; }
    public required string Text { get; set; }
    /// <summary>JSON attachments (link, image, miniprogram).</summary>
    public string? Attachments { get; set; }
    /// <summary>The staff member who sends (WeCom channels); null = the customer's first staff relation.</summary>
    public string? Sender { get; set; }
    /// <summary>Who asked: journey:12:v3:step5, manual:alice, …</summary>
    public required string Origin { get; set; }
    /// <summary>pending, deferred, needs_approval, sent, outbox, capped, denied, blocked, rejected, failed.</summary>
    public required string Status { get; set; }
    public long DueAtTicks { get; set; }
    public int Attempts { get; set; }
    /// <summary>The pipeline's last decision as JSON (code, reasons, hits).</summary>
    public string? Decision { get; set; }
    public string? Via { get; set; }
    public string? Error { get; set; }
    public string? ApprovedBy { get; set; }
    public long CreatedAtTicks { get; set; }
    public long? SentAtTicks { get; set; }
}

/// <summary>The tenant's delivery settings (caps, quiet hours, review lists) as JSON, versioned.</summary>
public sealed class DeliverySettingsRow
{
    public int TenantId { get; set; }
    public required string Json { get; set; }
    public long Version { get; set; }
    public long UpdatedAtTicks { get; set; }
    public string? UpdatedBy { get; set; }
}

/// <summary>A tenant's own content review rule pack; its rules and allow-list as JSON (the API's shape), checked on save.</summary>
public sealed class ReviewPackRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public required string Name { get; set; }
    public string? Description { get; set; }
    /// <summary>[{word, action, reason, category}].</summary>
    public required string Rules { get; set; }
    /// <summary>["phrase", …].</summary>
    public required string Allow { get; set; }
    public bool Enabled { get; set; }
    public long CreatedAtTicks { get; set; }
    public long UpdatedAtTicks { get; set; }
    public string? UpdatedBy { get; set; }
}

/// <summary>A tenant's explicit switch of a built-in rule pack; without a row the industry's default applies.</summary>
public sealed class ReviewPackSwitchRow
{
    public int TenantId { get; set; }
    public required string PackId { get; set; }
    public bool Enabled { get; set; }
    public long UpdatedAtTicks { get; set; }
    public string? UpdatedBy { get; set; }
}

/// <summary>A journey or SOP: its name and state; the definitions are in <see cref="JourneyVersionRow"/>.</summary>
public sealed class JourneyRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public required string Name { get; set; }
    /// <summary>journey or sop.</summary>
    public required string Kind { get; set; }
    /// <summary>draft (not entering anyone), active, paused (no new entries; running customers go on), archived.</summary>
    public required string Status { get; set; }
    public int CurrentVersion { get; set; }
    public string? CreatedBy { get; set; }
    public long CreatedAtTicks { get; set; }
    public long UpdatedAtTicks { get; set; }
}

/// <summary>One published definition of a journey; customers already in it finish on the version they entered.</summary>
public sealed class JourneyVersionRow
{
    public int TenantId { get; set; }
    public long JourneyId { get; set; }
    public int Version { get; set; }
    public required string Definition { get; set; }
    public string? CreatedBy { get; set; }
    public long CreatedAtTicks { get; set; }
}


/// <summary>A tenant's latest RFM run: the cut points every partition scores its customers with (JSON <c>RfmCuts</c>).</summary>
public sealed class RfmRunRow
{
    public int TenantId { get; set; }
    public required string Cuts { get; set; }
    public int Scored { get; set; }
    /// <summary>The tenant-local day (day number) recency was counted to.</summary>
    public int AsOfDay { get; set; }
    public long ComputedAtTicks { get; set; }
    /// <summary>Median repurchase days per category at the run (JSON object category → days), for purchase-due dates.</summary>
    public string? Cycles { get; set; }
}

/// <summary>A tenant's analytics settings: RFM/RFE scoring and layers (JSON <c>RfmSettings</c>), lifecycle rules (JSON <c>LifecycleRules</c>).</summary>
public sealed class AnalyticsSettingsRow
{
    public int TenantId { get; set; }
    public required string Rfm { get; set; }
    public required string Lifecycle { get; set; }
    public string? UpdatedBy { get; set; }
    public long UpdatedAtTicks { get; set; }
}

/// <summary>
/// A data-subject request (PIPL 个人信息主体权利请求): export, correct or delete one customer's data, with a deadline.
/// Every state change is audited; the request itself holds no personal data beyond what the requester wrote.
/// </summary>
public sealed class DataSubjectRequestRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public long CustomerId { get; set; }
    /// <summary>export, correct or delete (Siyu.Core.Compliance.DsrKinds).</summary>
    public required string Kind { get; set; }
    /// <summary>received, in_progress, completed or rejected (Siyu.Core.Compliance.DsrStatuses).</summary>
    public required string Status { get; set; }
    /// <summary>customer, staff or email.</summary>
    public required string Via { get; set; }
    public string? Note { get; set; }
    /// <summary>For corrections: the attribute changes as a JSON object, applied when the request is completed.</summary>
    public string? Changes { get; set; }
    public long ReceivedAtTicks { get; set; }
    public long DueAtTicks { get; set; }
    public required string CreatedBy { get; set; }
    public long? CompletedAtTicks { get; set; }
    public string? HandledBy { get; set; }
    /// <summary>What was done, or why the request was rejected.</summary>
    public string? Result { get; set; }
    /// <summary>For exports: the file (relative to the data directory) the admin downloads.</summary>
    public string? ResultFile { get; set; }
}
