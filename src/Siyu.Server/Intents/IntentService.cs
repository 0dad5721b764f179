using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Events;
using Siyu.Core.Intents;
using Siyu.Server.Compliance;
using Siyu.Server.Data;

namespace Siyu.Server.Intents;

/// <summary>A tenant's intent settings as stored: the API's JSON shape, with a version for optimistic saves.</summary>
public sealed class IntentSettingsRow
{
    public int TenantId { get; set; }
    public required string Json { get; set; }
    public long Version { get; set; }
    public long UpdatedAtTicks { get; set; }
    public string? UpdatedBy { get; set; }
}

/// <summary>
/// Intent recognition for the server: one classifier per tenant settings version (the shipped model plus the tenant's
/// keyword rules), and the enrichment of <c>message.received</c> events with <c>intent</c>, <c>intent_source</c> and
/// <c>intent_confidence</c> before they are appended, so rule tags (behaviour where intent = …), journeys (wait until
/// message.received where intent = …), analytics and the sidebar all read one stored answer.
/// </summary>
public sealed class IntentService(IDbContextFactory<SiyuDb> dbs, TimeProvider time)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly Lazy<Task<IntentEvaluation>> ShippedEvaluation = new(() => Task.Run(() => IntentModel.CrossValidate(IntentDataset.Default)));
    private readonly ConcurrentDictionary<int, (IntentSettings Settings, long Version, IntentClassifier Classifier)> _cache = new();

    /// <summary>Five-fold cross-validated quality of the shipped model, computed once per process in the background.</summary>
    public static Task<IntentEvaluation> EvaluationAsync() => ShippedEvaluation.Value;

    public async Task<(IntentSettings Settings, long Version, IntentClassifier Classifier)> GetAsync(int tenantId)
    {
        if (_cache.TryGetValue(tenantId, out var cached))
        {
            return cached;
        }
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.IntentSettings.AsNoTracking().FirstOrDefaultAsync(s => s.TenantId == tenantId);
        var settings = row is null ? new IntentSettings() : JsonSerializer.Deserialize<IntentSettings>(row.Json, Json) ?? new IntentSettings();
        // Training is CPU work (about a second, once per process): keep it off the caller's synchronisation context.
        var model = await Task.Run(() => IntentModel.Shipped);
        var entry = (settings, row?.Version ?? 0, new IntentClassifier(model, settings));
        return _cache.GetOrAdd(tenantId, entry);
    }

    /// <summary>Saves the settings when <paramref name="expectedVersion"/> is current (null: whatever is current); audited.</summary>
    public async Task<(long? Version, IReadOnlyList<FieldError> Errors, bool Conflict)> SaveAsync(int tenantId, string actor, IntentSettings settings, long? expectedVersion)
    {
        var errors = settings.Validate();
        if (errors.Count > 0)
        {
            return (null, errors, false);
        }
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.IntentSettings.FirstOrDefaultAsync(s => s.TenantId == tenantId);
        if (expectedVersion is { } expected && (row?.Version ?? 0) != expected)
        {
            return (null, [], true);
        }
        if (row is null)
        {
            row = new IntentSettingsRow { TenantId = tenantId, Json = "" };
            db.IntentSettings.Add(row);
        }
        row.Json = JsonSerializer.Serialize(settings, Json);
        row.Version++;
        row.UpdatedAtTicks = time.GetUtcNow().UtcTicks;
        row.UpdatedBy = actor;
        AuditLog.Record(db, tenantId, row.UpdatedAtTicks, actor, "intents.settings", "intents", row.Json.Length > 2000 ? row.Json[..2000] + "…" : row.Json);
        await db.SaveChangesAsync();
        _cache.TryRemove(tenantId, out _);
        return (row.Version, [], false);
    }

    /// <summary>
    /// The events with the intent added to customer messages that carry a text and no intent yet (a caller may send its
    /// own); other events are returned as they are. New instances, since an event serialises its properties when made.
    /// </summary>
    public async Task<IReadOnlyList<IncomingEvent>> EnrichAsync(int tenantId, IReadOnlyList<IncomingEvent> events)
    {
        var classifier = (await GetAsync(tenantId)).Classifier;
        var enriched = new IncomingEvent[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            if (!NeedsIntent(e))
            {
                enriched[i] = e;
                continue;
            }
            var result = classifier.Classify(e.Properties["text"]!.GetValue<string>());
            var properties = (JsonObject)e.Properties.DeepClone();
            properties["intent"] = result.Intent;
            properties["intent_source"] = result.Source;
            properties["intent_confidence"] = Math.Round(result.Confidence, 3);
            if (result.Keyword is { } keyword)
            {
                properties["intent_keyword"] = keyword;
            }
            enriched[i] = new IncomingEvent(e.IdempotencyKey, e.Type, e.Timestamp, e.Identifiers, e.CustomerId, properties, e.Attributes, e.Source);
        }
        return enriched;
    }

    public static bool NeedsIntent(IReadOnlyList<IncomingEvent> events) => events.Any(NeedsIntent);

    private static bool NeedsIntent(IncomingEvent e) =>
        e.Type == EventTypes.MessageReceived && !e.Properties.ContainsKey("intent")
        && e.Properties["text"] is JsonValue v && v.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text);
}
