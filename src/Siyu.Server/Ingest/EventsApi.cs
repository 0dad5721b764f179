using Siyu.Core.Access;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Siyu.Core.Events;
using Siyu.Server.Auth;
using Siyu.Server.Tenants;

namespace Siyu.Server.Ingest;

/// <summary><c>POST /api/v1/events</c>: validate at the edge, append durably, then acknowledge (202).</summary>
public static class EventsApi
{
    public static RouteGroupBuilder MapEventsApi(this RouteGroupBuilder api)
    {
        api.MapPost("/events", Ingest)
            .WithName("IngestEvents").Requires(Permission.EventsWrite)
            .WithSummary("Ingest one event or a batch of up to 1,000")
            .WithDescription("Body: one event object, or {\"events\": [...]}. Events are durable before 202 is returned. " +
                "Add ?mode=partial to store the valid events of a batch and report the invalid ones instead of rejecting the whole batch.")
            .WithTags("Events")
                        // Its own body limit (larger than the global one), enforced again below to answer with the limit.
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(((IEndpointRouteBuilder)api).ServiceProvider.GetRequiredService<SiyuOptions>().MaxRequestBytes))
            .Accepts<JsonElement>("application/json")
            .Produces<IngestResponse>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return api;
    }

    public sealed record IngestResponse(int Accepted, int Duplicates, IReadOnlyList<IngestResult> Results, IReadOnlyList<RejectedEvent> Rejected);
    public sealed record IngestResult(int Index, long Seq, long CustomerId, bool Duplicate);
    public sealed record RejectedEvent(int Index, IReadOnlyList<FieldError> Errors);

    private static async Task<IResult> Ingest(HttpContext http, IngestWriter writer, EventParser parser, SiyuOptions options, TenantQuota quota, TimeProvider time, string? mode)
    {
        var tenantId = http.User.TenantId();
        if (mode is not (null or "atomic" or "partial"))
        {
            return Problems.Validation("mode", "mode must be 'atomic' (default) or 'partial'.");
        }
        if (http.Request.ContentLength > options.MaxRequestBytes)
        {
            return Problems.TooLarge(options.MaxRequestBytes);
        }
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(new LimitedStream(http.Request.Body, options.MaxRequestBytes), new JsonDocumentOptions { MaxDepth = 32 }, http.RequestAborted);
        }
        catch (LimitedStream.LimitExceededException)
        {
            return Problems.TooLarge(options.MaxRequestBytes);
        }
        catch (JsonException e)
        {
            return Problems.Validation("body", $"Invalid JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: {e.Message.Split(" Path:")[0]}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (JsonBodyGuard.FirstBadString(root, "") is { } badText)
            {
                return Problems.Validation(badText.Length == 0 ? "body" : badText, "Contains an unpaired UTF-16 surrogate; send valid Unicode text. Nothing was stored.");
            }
            var items = new List<(JsonElement Element, string Path)>();
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("events", out var batch))
            {
                foreach (var extra in root.EnumerateObject())
                {
                    if (extra.Name != "events")
                    {
                        return Problems.Validation(extra.Name, $"Unknown field '{extra.Name}' in a batch; only 'events' is allowed.");
                    }
                }
                if (batch.ValueKind != JsonValueKind.Array)
                {
                    return Problems.Validation("events", "events must be an array.");
                }
                var count = batch.GetArrayLength();
                if (count == 0 || count > options.MaxBatch)
                {
                    return Problems.Validation("events", $"A batch holds 1–{options.MaxBatch} events; this one has {count}.");
                }
                var i = 0;
                foreach (var e in batch.EnumerateArray())
                {
                    items.Add((e, $"events[{i++}]"));
                }
            }
            else
            {
                items.Add((root, "event"));
            }

            var now = time.GetUtcNow();
            var errors = new List<FieldError>();
            var accepted = new List<IncomingEvent>();
            var acceptedIndex = new List<int>();
            var rejected = new List<RejectedEvent>();
            for (var i = 0; i < items.Count; i++)
            {
                var before = errors.Count;
                var parsed = parser.Parse(items[i].Element, items[i].Path, now, "api", errors);
                if (parsed is null)
                {
                    rejected.Add(new RejectedEvent(i, errors.GetRange(before, errors.Count - before)));
                }
                else
                {
                    accepted.Add(parsed);
                    acceptedIndex.Add(i);
                }
            }
            if (errors.Count > 0 && (mode != "partial" || accepted.Count == 0))
            {
                return Problems.Validation(errors, items.Count > 1 ? "No event of this batch was stored." : "The event was not stored.");
            }

            if (!quota.TryTake(tenantId, accepted.Count, out var wait))
            {
                http.Response.Headers.RetryAfter = wait.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return TypedResults.Problem(statusCode: 429, title: "Tenant ingest quota reached",
                    detail: $"This tenant may send {options.TenantEventsPerSecond} events per second. Nothing was stored. Retry after the given number of seconds.");
            }
            IngestOutcome[] outcomes;
            try
            {
                outcomes = await writer.AppendAsync(tenantId, accepted);
            }
            catch (IngestOverloadedException overloaded)
            {
                http.Response.Headers.RetryAfter = overloaded.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return TypedResults.Problem(statusCode: 429, title: "Ingest is saturated", detail: "Nothing was stored. Retry after the given number of seconds.");
            }
            var results = new List<IngestResult>(outcomes.Length);
            for (var i = 0; i < outcomes.Length; i++)
            {
                var o = outcomes[i];
                if (o.Error is not null)
                {
                    rejected.Add(new RejectedEvent(acceptedIndex[i], [new FieldError($"{items[acceptedIndex[i]].Path}.customer_id", o.Error)]));
                }
                else
                {
                    results.Add(new IngestResult(acceptedIndex[i], o.Seq, o.CustomerId, o.Duplicate));
                }
            }
            var duplicates = results.Count(r => r.Duplicate);
            return TypedResults.Accepted((string?)null, new IngestResponse(results.Count - duplicates, duplicates, results, rejected.OrderBy(r => r.Index).ToList()));
        }
    }
}
