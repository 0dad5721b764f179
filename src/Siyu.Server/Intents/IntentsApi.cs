using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Siyu.Core.Access;
using Siyu.Core.Events;
using Siyu.Core.Intents;
using Siyu.Server.Auth;
using Siyu.Server.Customers;

namespace Siyu.Server.Intents;

/// <summary>Intent recognition over HTTP: the intents and their rules, the tenant's settings, a try-it classifier, and a customer's recent intents.</summary>
public static class IntentsApi
{
    public const int MaxRecent = 50;

    public sealed record IntentView(
        [property: JsonPropertyName("code")] string Code,
        [property: JsonPropertyName("name_zh")] string NameZh,
        [property: JsonPropertyName("name_en")] string NameEn,
        [property: JsonPropertyName("built_in")] bool BuiltIn,
        [property: JsonPropertyName("keywords")] IReadOnlyList<string> Keywords);

    public sealed record ModelView(
        [property: JsonPropertyName("examples")] int Examples,
        [property: JsonPropertyName("features")] int Features,
        [property: JsonPropertyName("evaluation")] IntentEvaluation? Evaluation);

    public sealed record IntentsView(
        [property: JsonPropertyName("version")] long Version,
        [property: JsonPropertyName("intents")] IReadOnlyList<IntentView> Intents,
        [property: JsonPropertyName("settings")] IntentSettings Settings,
        [property: JsonPropertyName("model")] ModelView Model);

    public sealed record ClassifyRequest([property: JsonPropertyName("text")] string? Text);

    public sealed record CustomerIntent(
        [property: JsonPropertyName("at")] DateTimeOffset At,
        [property: JsonPropertyName("intent")] string Intent,
        [property: JsonPropertyName("source")] string? Source,
        [property: JsonPropertyName("confidence")] double? Confidence,
        [property: JsonPropertyName("keyword")] string? Keyword,
        [property: JsonPropertyName("text")] string? Text);

    public sealed record IntentCount(
        [property: JsonPropertyName("intent")] string Intent,
        [property: JsonPropertyName("count")] int Count,
        [property: JsonPropertyName("last_at")] DateTimeOffset LastAt);

    public sealed record CustomerIntents(
        [property: JsonPropertyName("days")] int Days,
        [property: JsonPropertyName("counts")] IReadOnlyList<IntentCount> Counts,
        [property: JsonPropertyName("recent")] IReadOnlyList<CustomerIntent> Recent);

    public static RouteGroupBuilder MapIntentsApi(this RouteGroupBuilder api)
    {
        var intents = api.MapGroup("/intents").WithTags("Intents");
        intents.MapGet("", List).WithName("ListIntents").Requires(Permission.ConversationsRead)
            .WithSummary("Intents with their effective keyword rules, the tenant's settings and the model's cross-validated quality");
        intents.MapPut("/settings", Save).WithName("SaveIntentSettings").Requires(Permission.ConversationRulesWrite)
            .WithSummary("Extra keywords per built-in intent, disabled built-in keywords, custom keyword intents, model threshold; ?expected_version= for optimistic saves");
        intents.MapPost("/classify", Classify).WithName("ClassifyIntent").Requires(Permission.ConversationsRead)
            .WithSummary("Classify a text as a customer message would be: intent, source (keyword or model), keyword or evidence n-grams, every intent's probability");
        api.MapGet("/customers/{id:long}/intents", ForCustomer).WithTags("Intents").WithName("CustomerIntents").Requires(Permission.CustomersRead)
            .WithSummary("Intents of the customer's messages over the last ?days=30: counts per intent and the latest messages");
        return api;
    }

    public static async Task<IntentsView> ViewAsync(IntentService service, int tenantId)
    {
        var (settings, version, classifier) = await service.GetAsync(tenantId);
        var evaluation = IntentService.EvaluationAsync();
        var disabled = new HashSet<string>(settings.DisabledKeywords ?? [], StringComparer.Ordinal);
        var views = classifier.Intents.Select(i => new IntentView(i.Code, i.NameZh, i.NameEn, i.BuiltIn, i.BuiltIn
            ? [.. IntentCatalog.BuiltInKeywords.GetValueOrDefault(i.Code, []).Where(w => !disabled.Contains(w)), .. settings.ExtraKeywords?.GetValueOrDefault(i.Code) ?? []]
            : settings.CustomIntents!.First(c => c.Code == i.Code).Keywords!)).ToList();
        var model = new ModelView(classifier.Model.ExampleCount, classifier.Model.FeatureCount, evaluation.IsCompletedSuccessfully ? evaluation.Result : null);
        return new IntentsView(version, views, settings, model);
    }

    private static async Task<IResult> List(HttpContext http, IntentService service) => TypedResults.Ok(await ViewAsync(service, http.User.TenantId()));

    private static async Task<IResult> Save(HttpContext http, IntentService service, IntentSettings body,
        [Microsoft.AspNetCore.Mvc.FromQuery(Name = "expected_version")] long? expectedVersion)
    {
        var (version, errors, conflict) = await service.SaveAsync(http.User.TenantId(), http.User.Actor(), body, expectedVersion);
        if (conflict)
        {
            return Problems.Conflict("The intent settings were changed by someone else: reload and apply your change again.");
        }
        return version is null ? Problems.Validation(errors) : TypedResults.Ok(await ViewAsync(service, http.User.TenantId()));
    }

    private static async Task<IResult> Classify(HttpContext http, IntentService service, ClassifyRequest body)
    {
        if (string.IsNullOrWhiteSpace(body.Text))
        {
            return Problems.Validation("text", "Required: the message text.");
        }
        if (body.Text.Length > IntentClassifier.MaxTextLength)
        {
            return Problems.Validation("text", $"At most {IntentClassifier.MaxTextLength} characters.");
        }
        return TypedResults.Ok((await service.GetAsync(http.User.TenantId())).Classifier.Classify(body.Text));
    }

    private static IResult ForCustomer(HttpContext http, CustomerReader reader, TimeProvider time, long id, int? days)
    {
        if (days is < 1 or > 365)
        {
            return Problems.Validation("days", "1–365.");
        }
        return TypedResults.Ok(Recent(reader, http.User.TenantId(), id, days ?? 30, time.GetUtcNow()));
    }

    /// <summary>The intents of a customer's messages since <paramref name="days"/> days before <paramref name="now"/>, newest first.</summary>
    public static CustomerIntents Recent(CustomerReader reader, int tenantId, long customerId, int days, DateTimeOffset now)
    {
        var since = now.AddDays(-days).UtcTicks;
        var recent = new List<CustomerIntent>();
        foreach (var e in reader.Timeline(tenantId, customerId, null, 500, EventTypes.MessageReceived))
        {
            if (e.TimestampTicks < since || e.Properties is null || JsonNode.Parse(e.Properties) is not JsonObject p || Text(p, "intent") is not { } intent)
            {
                continue;
            }
            var text = Text(p, "text");
            recent.Add(new CustomerIntent(new DateTimeOffset(e.TimestampTicks, TimeSpan.Zero), intent, Text(p, "intent_source"),
                p["intent_confidence"] is JsonValue c && c.TryGetValue<double>(out var confidence) ? confidence : null, Text(p, "intent_keyword"),
                text is { Length: > 60 } ? text[..60] + "…" : text));
        }
        recent.Sort((a, b) => b.At.CompareTo(a.At));
        var counts = recent.GroupBy(r => r.Intent).Select(g => new IntentCount(g.Key, g.Count(), g.Max(r => r.At)))
            .OrderByDescending(c => c.Count).ThenByDescending(c => c.LastAt).ToList();
        return new CustomerIntents(days, counts, [.. recent.Take(MaxRecent)]);
    }

    private static string? Text(JsonObject p, string name) => p[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
