using System.Text.Json.Nodes;
using Siyu.Core.Analytics;
using Siyu.Core.Events;
using Siyu.Server.Customers;
using Siyu.Server.Ingest;
using Siyu.Server.Partitions;

namespace Siyu.Server.Analytics;

/// <summary>The pipeline board: each stage's customers, and its latest arrivals.</summary>
public sealed record LifecycleBoard(int Customers, IReadOnlyList<LifecycleColumn> Stages, LifecycleRules Rules);

public sealed record LifecycleColumn(string Stage, string Name, int Customers, IReadOnlyList<LifecycleBoardCard> Cards);

public sealed record LifecycleBoardCard(long CustomerId, string? Name, DateTimeOffset Since, bool Manual, int Orders, decimal NetSpend, DateTimeOffset? LastOrderAt, IReadOnlyList<string> Staff);

/// <summary>An operator's move of one customer to a stage; <c>Key</c> makes a retried request a no-op.</summary>
public sealed record LifecycleMove(string? Stage, string? Reason, string? Key);

/// <summary>
/// Lifecycle stages across the tenant (the partitions keep each customer's stage: <c>PartitionGrain.Lifecycle</c>) and
/// manual moves, which travel through the event log as <c>lifecycle.moved</c> so they are durable and replayed.
/// </summary>
public sealed class LifecycleService(IGrainFactory grains, Tenants.TenantDirectory tenants, AnalyticsSettingsStore settings, IngestWriter writer,
    CustomerReader reader, TimeProvider time)
{
    public async Task<LifecycleBoard> BoardAsync(int tenantId, int perStage)
    {
        var parts = await Task.WhenAll(Enumerable.Range(0, tenants.Partitions(tenantId))
            .Select(p => grains.GetGrain<IPartitionGrain>(PartitionDispatcher.GrainKey(tenantId, p)).LifecycleBoard(perStage)));
        var columns = Lifecycle.Stages.Select(stage => new LifecycleColumn(Lifecycle.WireName(stage), Lifecycle.Name(stage),
            parts.Sum(p => p.Counts[(int)stage - 1]),
            [.. parts.SelectMany(p => p.Cards).Where(c => c.Stage == (int)stage)
                .OrderByDescending(c => c.SinceTicks).ThenBy(c => c.CustomerId).Take(perStage)
                .Select(c => new LifecycleBoardCard(c.CustomerId, c.Name, new DateTimeOffset(c.SinceTicks, TimeSpan.Zero), c.Manual, c.Orders, c.NetSpend,
                    CustomerDtos.Time(c.LastOrderTicks), c.Staff))])).ToList();
        return new LifecycleBoard(columns.Sum(c => c.Customers), columns, settings.Get(tenantId).Lifecycle);
    }

    /// <summary>Moves a customer (a merged id moves its survivor); null errors and a null seq mean no such customer.</summary>
    public async Task<(long? Seq, IReadOnlyList<FieldError> Errors)> MoveAsync(int tenantId, long customerId, LifecycleMove move, string actor)
    {
        var errors = new List<FieldError>();
        var stage = Lifecycle.Parse(move.Stage);
        if (stage is null)
        {
            errors.Add(new FieldError("stage", $"One of {string.Join(", ", Lifecycle.Stages.Select(Lifecycle.WireName))}."));
        }
        if (move.Reason is { Length: > 200 })
        {
            errors.Add(new FieldError("reason", "At most 200 characters."));
        }
        if (move.Key is { } key && (key.Length is 0 or > 100))
        {
            errors.Add(new FieldError("key", "1 to 100 characters."));
        }
        if (errors.Count > 0)
        {
            return (null, errors);
        }
        if (reader.Canonical(tenantId, customerId) is not { } canonical)
        {
            return (null, []);
        }
        var outcome = (await writer.AppendAsync(tenantId,
        [
            new IncomingEvent("lifecycle:" + (move.Key ?? Guid.NewGuid().ToString("N")), EventTypes.LifecycleMoved, time.GetUtcNow(), [], canonical,
                new JsonObject { ["stage"] = Lifecycle.WireName(stage!.Value), ["by"] = actor, ["reason"] = move.Reason }, null, "siyu"),
        ]))[0];
        if (outcome.Error is not null)
        {
            return (null, [new FieldError("customer_id", outcome.Error)]);
        }
        // The board or page that moved the customer reads the stage right after: answer once the partition has it.
        await reader.WaitAppliedAsync(tenantId, outcome.CustomerId, outcome.Seq, TimeSpan.FromSeconds(5));
        return (outcome.Seq, []);
    }
}
