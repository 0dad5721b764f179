using System.Text.Json;
using Siyu.Core.Events;
using Siyu.Server.Ingest;

namespace Siyu.Server.Customers;

/// <summary>
/// Hand edits of a customer's attributes (API and console). An edit is a <c>profile.updated</c> event through the
/// normal ingest path, so it is validated like any event, merges by the same strategies and stays in the timeline.
/// </summary>
public sealed class AttributeEditor(IngestWriter writer, EventParser parser, TimeProvider time)
{
    /// <summary>Either the appended event or the problems with the attributes (paths relative to the edit, e.g. <c>attributes.name</c>).</summary>
    public async Task<(IngestOutcome? Outcome, IReadOnlyList<FieldError> Errors)> EditAsync(int tenantId, long customerId, JsonElement attributes, string actor, string source)
    {
        var now = time.GetUtcNow();
        var json = JsonSerializer.SerializeToElement(new
        {
            id = "edit:" + Guid.NewGuid().ToString("N"),
            type = EventTypes.ProfileUpdated,
            customer_id = customerId,
            timestamp = now.ToString("O"),
            attributes,
            properties = new { edited_by = actor },
        });
        var errors = new List<FieldError>();
        if (parser.Parse(json, "edit", now, source, errors) is not { } parsed)
        {
            return (null, [.. errors.Select(e => e with { Path = e.Path.Replace("edit.", "", StringComparison.Ordinal) })]);
        }
        var outcome = (await writer.AppendAsync(tenantId, [parsed]))[0];
        return outcome.Error is null ? (outcome, []) : (null, [new FieldError("customer_id", outcome.Error)]);
    }
}
