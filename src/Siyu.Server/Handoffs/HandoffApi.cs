using System.Text.Json.Nodes;
using Siyu.Core.Access;
using Siyu.Core.Conversations;
using Siyu.Core.Events;
using Siyu.Server.Auth;
using Siyu.Server.Conversations;

namespace Siyu.Server.Handoffs;

/// <summary>The handoff queue (转人工) and the tenant's sensitive-topic settings.</summary>
public static class HandoffApi
{
    public const int MaxLimit = 200;

    public static IEndpointRouteBuilder MapHandoffApi(this IEndpointRouteBuilder api)
    {
        var g = api.MapGroup("/handoffs").WithTags("Handoffs");
        g.MapGet("", List).WithName("ListHandoffs").Requires(Permission.HandoffsWork)
            .WithSummary("Handoffs in the caller's data scope, newest first: status (open, claimed, resolved, active = open or claimed), staff, before, limit; open_count");
        g.MapGet("/{id:long}", Get).WithName("GetHandoff").Requires(Permission.HandoffsWork)
            .WithSummary("One handoff with its triggering message (matched words highlighted) and the recent conversation, decrypted");
        g.MapPost("/{id:long}/claim", Claim).WithName("ClaimHandoff").Requires(Permission.HandoffsWork).WithSummary("Take an open handoff (audited)");
        g.MapPost("/{id:long}/resolve", Resolve).WithName("ResolveHandoff").Requires(Permission.HandoffsWork)
            .WithSummary("Resolve with an optional note (audited): the customer's automation resumes");
        api.MapGet("/customers/{id:long}/handoffs", ForCustomer).WithName("CustomerHandoffs").WithTags("Handoffs").Requires(Permission.HandoffsWork)
            .WithSummary("The customer's handoffs, newest first (an open one means their automation is paused)");
        var s = api.MapGroup("/conversations/sensitive-topics").WithTags("Handoffs");
        s.MapGet("", GetSettings).WithName("GetSensitiveTopics").Requires(Permission.ConversationsRead)
            .WithSummary("Built-in lists (with their words), the enabled ones, custom and excluded words, supervisors to notify");
        s.MapPut("", PutSettings).WithName("PutSensitiveTopics").Requires(Permission.ConversationRulesWrite)
            .WithSummary("{enabled, lists, custom, excluded, supervisors}; audited; applies to the next message");
        s.MapPost("/try", Try).WithName("TrySensitiveTopics").Requires(Permission.ConversationsRead).WithSummary("{text}: the words the current settings would intercept");
        return api;
    }

    public sealed record ResolveRequest(string? Note);
    public sealed record SettingsRequest(bool? Enabled, List<string?>? Lists, List<string?>? Custom, List<string?>? Excluded, List<string?>? Supervisors);
    public sealed record TryRequest(string? Text);

    private static async Task<IResult> List(HttpContext http, AccessDirectory access, HandoffService service, string? status, string? staff, long? before, int? limit)
    {
        if (status is not null && status != "active" && !HandoffStatus.All.Contains(status))
        {
            return Problems.Validation("status", "One of open, claimed, resolved, active.");
        }
        if (limit is < 1 or > MaxLimit)
        {
            return Problems.Validation("limit", $"1 to {MaxLimit}.");
        }
        if (staff is { Length: > 64 })
        {
            return Problems.Validation("staff", "A WeCom userid (at most 64 characters).");
        }
        var tenant = http.User.TenantId();
        var scope = await access.ScopeAsync(http.User);
        var items = await service.ListAsync(tenant, scope, status, staff, null, before, limit ?? 50);
        return TypedResults.Ok(new { items, open_count = await service.OpenCountAsync(tenant, scope), next_before = items.Count == (limit ?? 50) ? items[^1].Id : (long?)null });
    }

    private static async Task<IResult> Get(HttpContext http, AccessDirectory access, HandoffService service, ConversationSearch search, long id, CancellationToken ct)
    {
        var tenant = http.User.TenantId();
        var scope = await access.ScopeAsync(http.User);
        if (await service.GetAsync(tenant, scope, id) is not { } handoff)
        {
            return Problems.NotFound("handoff");
        }
        var (_, matcher) = await service.CompiledAsync(tenant);
        var highlights = matcher.Find(handoff.TriggerText).Select(h => new { word = h.Word, list = h.Source, start = h.Start, length = h.Length });
        var context = await search.SearchAsync(tenant, scope, new ConversationQuery(null, handoff.CustomerId, null, null, null, null, 20), ct);
        return TypedResults.Ok(new { handoff, trigger = new { text = handoff.TriggerText, msgid = handoff.TriggerMsgid, seq = handoff.TriggerSeq, highlights }, conversation = context.Items });
    }

    private static async Task<IResult> Claim(HttpContext http, AccessDirectory access, HandoffService service, long id)
    {
        var (view, conflict) = await service.ClaimAsync(http.User.TenantId(), await access.ScopeAsync(http.User), id, http.User.Actor());
        return conflict is not null ? Problems.Conflict(conflict) : view is null ? Problems.NotFound("handoff") : TypedResults.Ok(view);
    }

    private static async Task<IResult> Resolve(HttpContext http, AccessDirectory access, HandoffService service, long id, ResolveRequest? body)
    {
        var note = string.IsNullOrWhiteSpace(body?.Note) ? null : body.Note.Trim();
        if (note is { Length: > HandoffService.MaxNote })
        {
            return Problems.Validation("note", $"At most {HandoffService.MaxNote} characters.");
        }
        var (view, conflict) = await service.ResolveAsync(http.User.TenantId(), await access.ScopeAsync(http.User), id, http.User.Actor(), note);
        return conflict is not null ? Problems.Conflict(conflict) : view is null ? Problems.NotFound("handoff") : TypedResults.Ok(view);
    }

    private static async Task<IResult> ForCustomer(HttpContext http, AccessDirectory access, HandoffService service, long id) =>
        TypedResults.Ok(new { items = await service.ListAsync(http.User.TenantId(), await access.ScopeAsync(http.User), null, null, id, null, MaxLimit) });

    private static async Task<IResult> GetSettings(HttpContext http, HandoffService service)
    {
        var (settings, matcher) = await service.CompiledAsync(http.User.TenantId());
        return TypedResults.Ok(new
        {
            settings.Enabled, settings.Lists, settings.Custom, settings.Excluded, settings.Supervisors, is_default = settings.IsDefault, settings.UpdatedAt, settings.UpdatedBy,
            word_count = matcher.Words.Count,
            built_in = SensitiveTopicLists.All.Select(l => new { l.Id, name_zh = l.NameZh, name_en = l.NameEn, l.Words }),
        });
    }

    private static async Task<IResult> PutSettings(HttpContext http, HandoffService service, SettingsRequest body)
    {
        var errors = new List<FieldError>();
        List<string> Strings(List<string?>? list, string name)
        {
            var result = new List<string>();
            for (var i = 0; i < (list?.Count ?? 0); i++)
            {
                if (list![i] is not { } s)
                {
                    errors.Add(new FieldError($"{name}[{i}]", "Expected a string."));
                }
                else
                {
                    result.Add(s);
                }
            }
            return result;
        }
        if (body.Enabled is null)
        {
            errors.Add(new FieldError("enabled", "Required: true or false."));
        }
        if (body.Lists is null)
        {
            errors.Add(new FieldError("lists", $"Required: the built-in lists to use ({string.Join(", ", SensitiveTopicLists.All.Select(l => l.Id))})."));
        }
        var input = new SensitiveTopicSettings(body.Enabled ?? true, Strings(body.Lists, "lists"), Strings(body.Custom, "custom"), Strings(body.Excluded, "excluded"),
            Strings(body.Supervisors, "supervisors"));
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        var (saved, invalid) = await service.SaveSettingsAsync(http.User.TenantId(), http.User.Actor(), input);
        return invalid.Count > 0 ? Problems.Validation(invalid) : TypedResults.Ok(saved);
    }

    private static async Task<IResult> Try(HttpContext http, HandoffService service, TryRequest body)
    {
        if (string.IsNullOrEmpty(body.Text) || body.Text.Length > 2000)
        {
            return Problems.Validation("text", "Required: 1 to 2000 characters.");
        }
        var (_, matcher) = await service.CompiledAsync(http.User.TenantId());
        var hits = matcher.Find(body.Text);
        return TypedResults.Ok(new { hit = hits.Count > 0, topics = hits.Select(h => h.Word).Distinct(), hits = hits.Select(h => new { word = h.Word, list = h.Source, start = h.Start, length = h.Length }) });
    }
}
