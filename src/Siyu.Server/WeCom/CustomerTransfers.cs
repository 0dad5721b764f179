using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Customers;
using Siyu.Core.Events;
using Siyu.Server.Data;
using Siyu.Server.Ingest;
using Siyu.WeCom.Api;
using Siyu.Server.Compliance;

namespace Siyu.Server.WeCom;

public sealed record TransferInput(string? Kind, string? HandoverUserId, string? TakeoverUserId, IReadOnlyList<long>? CustomerIds, bool All, string? Message);

public sealed record TransferOutcome(int Requested, int Failed, IReadOnlyList<CustomerTransferRow> Rows);

/// <summary>
/// Customer transfer (在职继承 / 离职继承): asks WeCom to hand customers from one staff member to another, records
/// each customer's transfer, and follows WeCom's result (the takeover happens after 24 hours unless the customer
/// refuses). When WeCom reports success, the relation moves in Siyu too (events on the customer's history).
/// </summary>
public sealed partial class CustomerTransfers(
    IDbContextFactory<SiyuDb> dbs, WeComConnections connections, Customers.CustomerReader reader, IngestWriter writer, TimeProvider time,
    ILogger<CustomerTransfers> logger)
{
    public const string OnJob = "onjob";
    public const string Resigned = "resigned";

    public async Task<(TransferOutcome? Outcome, IReadOnlyList<FieldError> Errors)> StartAsync(int tenantId, string actor, TransferInput input, CancellationToken cancellationToken = default)
    {
        var errors = new List<FieldError>();
        if (input.Kind is not (OnJob or Resigned))
        {
            errors.Add(new FieldError("kind", "onjob (在职继承) or resigned (离职继承)."));
        }
        if (string.IsNullOrWhiteSpace(input.HandoverUserId))
        {
            errors.Add(new FieldError("handover_userid", "Required: the staff member handing customers over."));
        }
        if (string.IsNullOrWhiteSpace(input.TakeoverUserId) || input.TakeoverUserId == input.HandoverUserId)
        {
            errors.Add(new FieldError("takeover_userid", "Required, and not the handover member."));
        }
        if (!input.All && input.CustomerIds is not { Count: > 0 })
        {
            errors.Add(new FieldError("customer_ids", "Give customer ids, or all: true for every customer of the handover member."));
        }
        if (input.Message is { Length: > 200 })
        {
            errors.Add(new FieldError("message", "At most 200 characters."));
        }
        if (connections.Get(tenantId) is not { CanCallApi: true } connection)
        {
            errors.Add(new FieldError("wecom", "Connect WeCom first."));
            return (null, errors);
        }
        if (errors.Count > 0)
        {
            return (null, errors);
        }

        // The customers' WeCom ids on the handover member's side.
        var externalIds = new List<string>();
        if (input.All)
        {
            externalIds.AddRange(await connections.Client(connection).ListExternalContactsAsync(input.HandoverUserId!, cancellationToken));
        }
        else
        {
            for (var i = 0; i < input.CustomerIds!.Count; i++)
            {
                var detail = await reader.GetAsync(tenantId, input.CustomerIds[i]);
                var external = detail?.Identifiers.FirstOrDefault(x => x.Type == IdentifierTypes.WireName(IdentifierType.ExternalUserId))?.Value;
                if (detail is null || external is null || !detail.Profile.Staff.ContainsKey(input.HandoverUserId!))
                {
                    errors.Add(new FieldError($"customer_ids[{i}]", $"Customer {input.CustomerIds[i]} is not a WeCom customer of {input.HandoverUserId}."));
                    continue;
                }
                externalIds.Add(external);
            }
            if (errors.Count > 0)
            {
                return (null, errors);
            }
        }

        var api = connections.Client(connection);
        var now = time.GetUtcNow().UtcTicks;
        var rows = new List<CustomerTransferRow>();
        foreach (var chunk in externalIds.Distinct().Chunk(100))
        {
            var request = new WeComTransferCustomerRequest
            {
                HandoverUserId = input.HandoverUserId!, TakeoverUserId = input.TakeoverUserId!, ExternalUserId = chunk,
                TransferSuccessMsg = input.Kind == OnJob ? input.Message : null,
            };
            var results = input.Kind == OnJob ? await api.TransferCustomerAsync(request, cancellationToken) : await api.ResignedTransferCustomerAsync(request, cancellationToken);
            foreach (var r in results)
            {
                rows.Add(new CustomerTransferRow
                {
                    TenantId = tenantId, Kind = input.Kind!, HandoverUserId = input.HandoverUserId!, TakeoverUserId = input.TakeoverUserId!,
                    ExternalUserId = r.ExternalUserId, Status = r.ErrCode == 0 ? "waiting" : "failed", ErrCode = r.ErrCode, RequestedBy = actor,
                    RequestedAtTicks = now, FinishedAtTicks = r.ErrCode == 0 ? null : now,
                });
            }
        }
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        db.CustomerTransfers.AddRange(rows);
        AuditLog.Record(db, tenantId, now, actor, $"transfer.{input.Kind}", detail: $"{input.HandoverUserId} → {input.TakeoverUserId}: {rows.Count}");
        await db.SaveChangesAsync(cancellationToken);
        return (new TransferOutcome(rows.Count(r => r.Status == "waiting"), rows.Count(r => r.Status == "failed"), rows), []);
    }

    public async Task<IReadOnlyList<CustomerTransferRow>> ListAsync(int tenantId, int limit = 200)
    {
        await using var db = await dbs.CreateDbContextAsync();
        return await db.CustomerTransfers.AsNoTracking().Where(t => t.TenantId == tenantId).OrderByDescending(t => t.Id).Take(limit).ToListAsync();
    }

    /// <summary>Asks WeCom where pending transfers stand; moves finished ones in Siyu. Returns how many finished.</summary>
    public async Task<int> RefreshAsync(int tenantId, CancellationToken cancellationToken = default)
    {
        if (connections.Get(tenantId) is not { CanCallApi: true } connection)
        {
            return 0;
        }
        var api = connections.Client(connection);
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var pending = await db.CustomerTransfers.Where(t => t.TenantId == tenantId && t.Status == "waiting").ToListAsync(cancellationToken);
        var finished = 0;
        foreach (var pair in pending.GroupBy(t => (t.Kind, t.HandoverUserId, t.TakeoverUserId)))
        {
            var status = new Dictionary<string, WeComTransferResultItem>(StringComparer.Ordinal);
            string? cursor = null;
            do
            {
                var page = pair.Key.Kind == OnJob
                    ? await api.GetTransferResultAsync(pair.Key.HandoverUserId, pair.Key.TakeoverUserId, cursor, cancellationToken)
                    : await api.GetResignedTransferResultAsync(pair.Key.HandoverUserId, pair.Key.TakeoverUserId, cursor, cancellationToken);
                foreach (var item in page.Customer)
                {
                    status[item.ExternalUserId] = item;
                }
                cursor = string.IsNullOrEmpty(page.NextCursor) ? null : page.NextCursor;
            }
            while (cursor is not null);
            foreach (var row in pair)
            {
                if (!status.TryGetValue(row.ExternalUserId, out var item) || item.Status == WeComTransferStatus.Waiting)
                {
                    continue;
                }
                row.Status = item.Status switch
                {
                    WeComTransferStatus.Done => "success",
                    WeComTransferStatus.Refused => "refused",
                    WeComTransferStatus.TakeoverLimitReached => "limited",
                    _ => "failed",
                };
                var at = item.TakeoverTime > 0 ? DateTimeOffset.FromUnixTimeSeconds(item.TakeoverTime) : time.GetUtcNow();
                row.FinishedAtTicks = at.UtcTicks;
                finished++;
                if (row.Status == "success")
                {
                    await MoveRelationAsync(tenantId, row, at);
                }
            }
        }
        await db.SaveChangesAsync(cancellationToken);
        return finished;
    }

    /// <summary>The customer now belongs to the takeover member: one event removes the old relation, one adds the new.</summary>
    private async Task MoveRelationAsync(int tenantId, CustomerTransferRow row, DateTimeOffset at)
    {
        (IdentifierType, string)[] ids = [(IdentifierType.ExternalUserId, row.ExternalUserId)];
        await writer.AppendAsync(tenantId,
        [
            new IncomingEvent($"transfer:{row.Id}:from", EventTypes.CustomerDeleted, at, ids, null,
                new JsonObject { ["staff_userid"] = row.HandoverUserId, ["by"] = "transfer", ["to"] = row.TakeoverUserId, ["kind"] = row.Kind }, null, "wecom"),
            new IncomingEvent($"transfer:{row.Id}:to", EventTypes.CustomerAdded, at, ids, null,
                new JsonObject { ["staff_userid"] = row.TakeoverUserId, ["source"] = "transfer", ["from"] = row.HandoverUserId, ["kind"] = row.Kind }, null, "wecom"),
        ]);
        LogMoved(logger, row.ExternalUserId, row.HandoverUserId, row.TakeoverUserId);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Customer {External} moved from {From} to {To} (WeCom transfer done)")]
    private static partial void LogMoved(ILogger logger, string external, string from, string to);
}
