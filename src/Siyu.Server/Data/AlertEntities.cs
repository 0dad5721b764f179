namespace Siyu.Server.Data;

/// <summary>
/// An alert the rules raised (<see cref="Siyu.Core.Analytics.Alerts"/>): one row per key and tenant, so a rerun finds
/// it again instead of raising it twice. Open until someone acknowledges it; resolved by the first run in which the
/// condition no longer holds (and reopened if the same key holds again).
/// </summary>
public sealed class AlertRow
{
    public long Id { get; set; }
    public int TenantId { get; set; }
    /// <summary>The rule's dedupe key, e.g. <c>churn_risk/customer/42/overdue/2026-08-18</c>; also the delivery idempotency key.</summary>
    public required string Key { get; set; }
    /// <summary>silent_high_value, churn_risk or interaction_drop.</summary>
    public required string Kind { get; set; }
    public long? CustomerId { get; set; }
    /// <summary>The staff member notified (customer alerts) or concerned (interaction drops).</summary>
    public string? StaffUserId { get; set; }
    /// <summary>Why, in Chinese with the figures of the latest run that saw it.</summary>
    public required string Reason { get; set; }
    /// <summary>open, acknowledged or resolved.</summary>
    public required string Status { get; set; }
    public long CreatedAtTicks { get; set; }
    /// <summary>The latest run in which the condition held.</summary>
    public long LastSeenAtTicks { get; set; }
    public string? AcknowledgedBy { get; set; }
    public long? AcknowledgedAtTicks { get; set; }
    public long? ResolvedAtTicks { get; set; }
}

/// <summary>A tenant's alert settings (JSON <c>AlertSettings</c>) and the local day of its last alert run.</summary>
public sealed class AlertSettingsRow
{
    public int TenantId { get; set; }
    public required string Json { get; set; }
    public long UpdatedAtTicks { get; set; }
    public string? UpdatedBy { get; set; }
    /// <summary>The tenant-local day number of the last run (0 = never).</summary>
    public int LastRunDay { get; set; }
    public long LastRunAtTicks { get; set; }
}
