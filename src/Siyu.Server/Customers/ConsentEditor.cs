using System.Text.Json.Nodes;
using Siyu.Core.Customers;
using Siyu.Core.Events;
using Siyu.Server.Ingest;

namespace Siyu.Server.Customers;

public sealed record ConsentChange(string? Channel, string? Topic, bool? Granted, string? Source, string? Reason);

/// <summary>
/// Opt-ins and unsubscribes. Each change is a consent event through the log (durable before the answer), and the
/// answer waits until the customer's partition has applied it, so the very next send already sees it.
/// </summary>
public sealed class ConsentEditor(IngestWriter writer, CustomerReader reader, TimeProvider time)
{
    public static List<FieldError> Validate(ConsentChange change)
    {
        var errors = new List<FieldError>();
        if (ConsentScopes.Check(change.Channel, change.Topic) is { } problem)
        {
            errors.Add(new FieldError(problem.Field, problem.Message));
        }
        if (change.Granted is null)
        {
            errors.Add(new FieldError("granted", "true to opt in, false to unsubscribe."));
        }
        if (change.Source is { Length: > 40 })
        {
            errors.Add(new FieldError("source", "At most 40 characters (e.g. sms_reply, h5_form, staff)."));
        }
        if (change.Reason is { Length: > 200 })
        {
            errors.Add(new FieldError("reason", "At most 200 characters."));
        }
        return errors;
    }

    public async Task<(IngestOutcome? Outcome, IReadOnlyList<FieldError> Errors)> ApplyAsync(int tenantId, long customerId, ConsentChange change, string actor)
    {
        var errors = Validate(change);
        if (errors.Count > 0)
        {
            return (null, errors);
        }
        var outcome = (await writer.AppendAsync(tenantId,
        [
            new IncomingEvent("consent:" + Guid.NewGuid().ToString("N"), change.Granted!.Value ? EventTypes.ConsentGranted : EventTypes.ConsentRevoked,
                time.GetUtcNow(), [], customerId,
                new JsonObject { ["channel"] = change.Channel, ["topic"] = change.Topic, ["source"] = change.Source ?? "console", ["reason"] = change.Reason, ["by"] = actor },
                null, "siyu"),
        ]))[0];
        if (outcome.Error is not null)
        {
            return (null, [new FieldError("customer_id", outcome.Error)]);
        }
        await reader.WaitAppliedAsync(tenantId, outcome.CustomerId, outcome.Seq, TimeSpan.FromSeconds(5));
        return (outcome, []);
    }
}
