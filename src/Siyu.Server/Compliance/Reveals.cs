using Microsoft.EntityFrameworkCore;
using Siyu.Core.Events;
using Siyu.Server.Data;

namespace Siyu.Server.Compliance;

/// <summary>Showing a customer's personal information unmasked: a reason is required and the reveal is audited, from the API and the console alike.</summary>
public sealed class Reveals(IDbContextFactory<SiyuDb> dbs, TimeProvider time)
{
    public const string Action = "customer.reveal";

    /// <summary>The trimmed reason, or the problem with it.</summary>
    public static (string? Reason, FieldError? Error) CheckReason(string? reason) =>
        reason?.Trim() is { Length: >= 2 and <= 200 } trimmed
            ? (trimmed, null)
            : (null, new FieldError("reason", "Why the full information is needed, 2 to 200 characters; it is written to the audit log."));

    /// <summary>Writes the audit entry; call before showing anything.</summary>
    public Task RecordAsync(int tenantId, string actor, long customerId, string reason) =>
        AuditLog.RecordAsync(dbs, tenantId, time.GetUtcNow().UtcTicks, actor, Action, $"customer:{customerId}", reason);
}
