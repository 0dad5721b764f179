using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Siyu.Cli.Import;

/// <summary>The tenant an API key belongs to (<c>GET /api/v1/tenant</c>).</summary>
public sealed record TenantInfo(int Id, string Slug, string? Name);

/// <summary>What the server did with one event of a batch.</summary>
public abstract record EventOutcome;

public sealed record StoredOutcome(long Seq, long CustomerId, bool Duplicate) : EventOutcome;

/// <summary>Not stored; each error's path is relative to the event (e.g. <c>properties.amount</c>).</summary>
public sealed record RejectedOutcome(IReadOnlyList<ServerFieldError> Errors) : EventOutcome;

public sealed record ServerFieldError(string Path, string Message);

/// <summary>The server cannot be used right now (bad key, unreachable, unexpected answer); carries a message for the user.</summary>
public sealed class ServerException(string message) : Exception(message);

/// <summary>How hard to try before giving up. Retrying is safe because every event has a deterministic id.</summary>
public sealed record RetryPolicy
{
    /// <summary>Total attempts while the server answers 429 (ingest saturated).</summary>
    public int MaxRateLimitAttempts { get; init; } = 10;

    /// <summary>Total attempts on network errors, timeouts and 5xx.</summary>
    public int MaxFailureAttempts { get; init; } = 6;

    /// <summary>Longest single wait, whatever Retry-After says.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Waits between attempts; tests replace it so they never sleep.</summary>
    public Func<TimeSpan, CancellationToken, Task> Delay { get; init; } = Task.Delay;
}

/// <summary>Talks to the Siyu ingest API: tenant check and batched <c>POST /api/v1/events?mode=partial</c>.</summary>
public sealed partial class ImportClient(HttpClient http, Uri server, string apiKey, RetryPolicy retry, TimeProvider time, Action<string> log)
{
    private static readonly JsonSerializerOptions WireJson = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        // Keeps Chinese names readable (and 3 bytes instead of 6) in request bodies; this JSON is never embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public Task<TenantInfo> GetTenantAsync(CancellationToken cancellationToken) =>
        SendWithRetryAsync(() => new HttpRequestMessage(HttpMethod.Get, Url("api/v1/tenant")), "GET /api/v1/tenant", async response =>
        {
            if (response.StatusCode == HttpStatusCode.OK)
            {
                try
                {
                    if (await response.Content.ReadFromJsonAsync<TenantInfo>(WireJson, cancellationToken) is { Slug: not null } tenant)
                    {
                        return tenant;
                    }
                }
                catch (JsonException)
                {
                }
                throw new ServerException($"{server} answered GET /api/v1/tenant with something that is not a Siyu tenant. Is --server right?");
            }
            throw new ServerException(response.StatusCode switch
            {
                HttpStatusCode.Unauthorized => "The server rejected the API key (401). Check --api-key or SIYU_API_KEY.",
                HttpStatusCode.Forbidden => "The API key may not read its tenant (403).",
                HttpStatusCode.NotFound => $"{server} has no /api/v1/tenant (404). Is --server a Siyu server?",
                _ => $"GET /api/v1/tenant failed: {await DescribeAsync(response, cancellationToken)}",
            });
        }, cancellationToken);

    /// <summary>
    /// Sends one batch and returns an outcome per event, in order. A batch the server finds too large
    /// (413) is split in halves and sent again, so only a single oversized event can fail that way.
    /// </summary>
    public async Task<EventOutcome[]> SendBatchAsync(IReadOnlyList<JsonObject> events, CancellationToken cancellationToken)
    {
        var body = SerializeBatch(events);
        var outcomes = await SendWithRetryAsync(() => new HttpRequestMessage(HttpMethod.Post, Url("api/v1/events?mode=partial"))
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" } } },
        }, "POST /api/v1/events", async response => response.StatusCode switch
        {
            HttpStatusCode.Accepted or HttpStatusCode.OK => await ReadAcceptedAsync(response, events.Count, cancellationToken),
            HttpStatusCode.BadRequest => await ReadValidationProblemAsync(response, events.Count, cancellationToken),
            HttpStatusCode.RequestEntityTooLarge when events.Count > 1 => null,
            HttpStatusCode.RequestEntityTooLarge => [new RejectedOutcome([new ServerFieldError("", "this event alone is larger than the server accepts (413)")])],
            HttpStatusCode.Unauthorized => throw new ServerException("The server rejected the API key (401); was it revoked?"),
            _ => throw new ServerException($"POST /api/v1/events failed: {await DescribeAsync(response, cancellationToken)}"),
        }, cancellationToken);
        if (outcomes is not null)
        {
            return outcomes;
        }

        var half = events.Count / 2;
        log($"  the server found {events.Count} events too large for one request; sending them as {half} + {events.Count - half}");
        var first = await SendBatchAsync(events.Take(half).ToList(), cancellationToken);
        var second = await SendBatchAsync(events.Skip(half).ToList(), cancellationToken);
        return [.. first, .. second];
    }

    /// <summary>The request body, built once per batch so every retry sends identical bytes.</summary>
    public static byte[] SerializeBatch(IReadOnlyList<JsonObject> events)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = WireJson.Encoder }))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("events");
            foreach (var e in events)
            {
                e.WriteTo(writer, WireJson);
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private Uri Url(string relative) => new(server, relative);

    private sealed record IngestResponse(int Accepted, int Duplicates, List<IngestResult>? Results, List<RejectedEvent>? Rejected);

    private sealed record IngestResult(int Index, long Seq, long CustomerId, bool Duplicate);

    private sealed record RejectedEvent(int Index, List<ServerFieldError>? Errors);

    private async Task<EventOutcome[]> ReadAcceptedAsync(HttpResponseMessage response, int count, CancellationToken cancellationToken)
    {
        IngestResponse? body;
        try
        {
            body = await response.Content.ReadFromJsonAsync<IngestResponse>(WireJson, cancellationToken);
        }
        catch (JsonException e)
        {
            throw new ServerException($"The server accepted a batch but its answer could not be read ({e.Message}).");
        }
        var outcomes = new EventOutcome?[count];
        foreach (var r in body?.Results ?? [])
        {
            if (r.Index >= 0 && r.Index < count)
            {
                outcomes[r.Index] = new StoredOutcome(r.Seq, r.CustomerId, r.Duplicate);
            }
        }
        foreach (var r in body?.Rejected ?? [])
        {
            if (r.Index >= 0 && r.Index < count)
            {
                outcomes[r.Index] = new RejectedOutcome((r.Errors ?? []).Select(e => e with { Path = RelativePath(e.Path, r.Index) }).ToList());
            }
        }
        return outcomes.Select(o => o ?? new RejectedOutcome([new ServerFieldError("", "the server's answer did not mention this event; re-run the import to be sure it is stored")])).ToArray();
    }

    /// <summary>
    /// In partial mode a 400 means nothing of the batch was stored: errors naming <c>events[i]</c> go
    /// to that event, anything else (a batch-level problem) to every event without an error of its own.
    /// </summary>
    private static async Task<EventOutcome[]> ReadValidationProblemAsync(HttpResponseMessage response, int count, CancellationToken cancellationToken)
    {
        var perEvent = new List<ServerFieldError>?[count];
        var batchLevel = new List<string>();
        var problem = await ReadProblemAsync(response, cancellationToken);
        if (problem?["errors"] is JsonObject errors)
        {
            foreach (var (path, messages) in errors)
            {
                var texts = messages is JsonArray array ? array.Select(m => m?.ToString() ?? "").ToList() : [messages?.ToString() ?? ""];
                var match = EventPath().Match(path);
                if (match.Success && int.TryParse(match.Groups[1].ValueSpan, out var index) && index < count)
                {
                    (perEvent[index] ??= []).AddRange(texts.Select(t => new ServerFieldError(match.Groups[2].Value, t)));
                }
                else
                {
                    batchLevel.AddRange(texts.Select(t => path.Length > 0 ? $"{path}: {t}" : t));
                }
            }
        }
        if (batchLevel.Count == 0)
        {
            batchLevel.Add($"the server refused the batch (400): {problem?["detail"] ?? problem?["title"] ?? "no detail"}");
        }
        var fallback = new ServerFieldError("", string.Join(" ", batchLevel));
        return perEvent.Select(e => (EventOutcome)new RejectedOutcome(e ?? [fallback])).ToArray();
    }

    private static string RelativePath(string path, int index)
    {
        var match = EventPath().Match(path);
        return match.Success && match.Groups[1].Value == index.ToString(System.Globalization.CultureInfo.InvariantCulture) ? match.Groups[2].Value : path;
    }

    [GeneratedRegex(@"^events\[(\d+)\](?:\.(.*))?$")]
    private static partial Regex EventPath();

    /// <summary>
    /// Sends with bounded retries and hands the response to <paramref name="handle"/>: 429 waits for
    /// Retry-After; network errors (also while reading the answer), timeouts and 5xx back off
    /// exponentially. Any other status is for <paramref name="handle"/> to judge.
    /// </summary>
    private async Task<T> SendWithRetryAsync<T>(Func<HttpRequestMessage> buildRequest, string what, Func<HttpResponseMessage, Task<T>> handle, CancellationToken cancellationToken)
    {
        var rateLimited = 0;
        var failures = 0;
        while (true)
        {
            TimeSpan wait;
            string reason;
            using (var request = buildRequest())
            {
                request.Headers.Add("X-Api-Key", apiKey);
                try
                {
                    // Headers first: a status is useful even when the body after it is cut off.
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                    if (response.StatusCode == HttpStatusCode.TooManyRequests)
                    {
                        rateLimited++;
                        if (rateLimited >= retry.MaxRateLimitAttempts)
                        {
                            throw new ServerException($"{what}: the server stayed busy (429) for {rateLimited} attempts; try again later.");
                        }
                        wait = RetryAfter(response) ?? TimeSpan.FromSeconds(1);
                        log($"  {what}: server busy (429); retrying in {Seconds(wait)} (attempt {rateLimited + 1} of {retry.MaxRateLimitAttempts})");
                        await retry.Delay(wait, cancellationToken);
                        continue;
                    }
                    if ((int)response.StatusCode is 500 or 502 or 503 or 504)
                    {
                        failures++;
                        reason = $"{(int)response.StatusCode} {response.ReasonPhrase}";
                        wait = RetryAfter(response) ?? Backoff(failures);
                    }
                    else
                    {
                        return await handle(response);
                    }
                }
                catch (Exception e) when (e is HttpRequestException or IOException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    failures++;
                    reason = e is TaskCanceledException ? "timed out" : e.Message;
                    wait = Backoff(failures);
                }
            }

            if (failures >= retry.MaxFailureAttempts)
            {
                throw new ServerException($"{what}: no usable answer from {server} after {failures} attempts (last: {reason}).");
            }
            log($"  {what}: {reason}; retrying in {Seconds(wait)} (attempt {failures + 1} of {retry.MaxFailureAttempts})");
            await retry.Delay(wait, cancellationToken);
        }
    }

    private TimeSpan Backoff(int failures)
    {
        var seconds = Math.Min(0.5 * Math.Pow(2, failures - 1), 30);
        return Min(TimeSpan.FromSeconds(seconds), retry.MaxDelay);
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        var wait = header?.Delta ?? (header?.Date is { } date ? date - time.GetUtcNow() : null);
        return wait is { } w ? Min(w < TimeSpan.Zero ? TimeSpan.Zero : w, retry.MaxDelay) : null;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static string Seconds(TimeSpan t) => $"{t.TotalSeconds:0.#} s";

    private static async Task<JsonObject?> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (Exception e) when (e is JsonException or HttpRequestException or IOException)
        {
            // The status alone still tells the user what went wrong.
            return null;
        }
    }

    /// <summary>A one-line description of an error answer, preferring the RFC 7807 title and detail.</summary>
    private static async Task<string> DescribeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        var problem = await ReadProblemAsync(response, cancellationToken);
        var text = new StringBuilder(status);
        if (problem?["title"] is JsonValue title)
        {
            text.Append(" — ").Append(title.ToString());
        }
        if (problem?["detail"] is JsonValue detail)
        {
            text.Append(": ").Append(detail.ToString());
        }
        return text.ToString();
    }
}
