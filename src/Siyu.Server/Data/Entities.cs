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
}

public static class Roles
{
    public const string Admin = "admin";
    public const string Operator = "operator";
    public const string Staff = "staff";
    public const string Auditor = "auditor";
    public const string ReadOnly = "readonly";
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
}

public sealed class CustomerRow
{
    public int TenantId { get; set; }
    public long Id { get; set; }
    public long CreatedAtTicks { get; set; }
    public long? MergedInto { get; set; }
}

public sealed class IdentifierRow
{
    public int TenantId { get; set; }
    public int Type { get; set; }
    public required string Value { get; set; }
    public long CustomerId { get; set; }
    public long AttachedAtTicks { get; set; }
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

public sealed class PartitionSnapshotRow
{
    public int TenantId { get; set; }
    public int Partition { get; set; }
    public long LastSeq { get; set; }
    public long TakenAtTicks { get; set; }
    public required byte[] Data { get; set; }
}

public sealed class AuditEntry
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public long AtTicks { get; set; }
    public required string Actor { get; set; }
    public required string Action { get; set; }
    public string? Detail { get; set; }
}

/// <summary>A group of tags (标签组), e.g. 客户等级 or 兴趣偏好.</summary>
public sealed class TagGroupRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    public required string Name { get; set; }
    public int SortOrder { get; set; }
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
