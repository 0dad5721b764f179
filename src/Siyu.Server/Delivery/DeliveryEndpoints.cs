using Siyu.Core.Access;
using Siyu.Core.Delivery;
using Siyu.Server.Auth;
using Siyu.Server.Data;
using Siyu.Server.WeCom;

namespace Siyu.Server.Delivery;

/// <summary>REST API for the delivery pipeline: send one message, the delivery log, approvals, settings, content check.</summary>
public static class DeliveryEndpoints
{

    public static RouteGroupBuilder MapDeliveryApi(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/delivery").WithTags("Delivery");
        g.MapPost("/messages", Enqueue).WithName("SendMessage").Requires(Permission.DeliverySend)
            .WithSummary("Hand one message to one customer to the pipeline (consent, caps, quiet hours, content review, channel); the same key is one message");
        g.MapGet("/messages", List).WithName("DeliveryLog").Requires(Permission.DeliveryRead).WithSummary("Messages newest first; filter by status or customer_id; page with before_id");
        g.MapGet("/messages/{id:long}", Get).WithName("GetMessage").Requires(Permission.DeliveryRead);
        g.MapPost("/messages/{id:long}/approve", Approve).WithName("ApproveMessage").Requires(Permission.DeliveryApprove).WithSummary("Release a message held for content review");
        g.MapPost("/messages/{id:long}/reject", Reject).WithName("RejectMessage").Requires(Permission.DeliveryApprove).WithSummary("Drop a message held for content review");
        g.MapGet("/settings", GetSettings).WithName("GetDeliverySettings").Requires(Permission.DeliveryRead).WithSummary("Frequency caps, quiet hours, industry rule pack and custom word lists");
        g.MapPut("/settings", SaveSettings).WithName("SaveDeliverySettings").Requires(Permission.SettingsWrite);
        g.MapPost("/review", Review).WithName("ReviewContent").Requires(Permission.DeliveryRead).WithSummary("Check text against the tenant's rule packs without sending: every hit with its reason");
        g.MapReviewPacksApi();
        return api;
    }

    public sealed record MessageRequest(string? Key, long CustomerId, string? Channel, string? Topic, string? Text, IReadOnlyList<WelcomeAttachment>? Attachments, string? Sender);

    public sealed record ReviewRequest(string? Text);

    private static async Task<IResult> Enqueue(HttpContext http, DeliveryService service, MessageRequest body)
    {
        var (message, duplicate, errors) = await service.EnqueueAsync(http.User.TenantId(),
            new OutboundMessage(body.Key, body.CustomerId, body.Channel, body.Topic, body.Text, body.Attachments, body.Sender, "api:" + http.User.Actor()));
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        return duplicate ? TypedResults.Ok(message) : TypedResults.Accepted($"/api/v1/delivery/messages/{message!.Id}", message);
    }

    private static async Task<IResult> List(HttpContext http, DeliveryService service, string? status,
        [Microsoft.AspNetCore.Mvc.FromQuery(Name = "customer_id")] long? customerId, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "before_id")] long? beforeId, int? limit)
    {
        if (limit is < 1 or > 500)
        {
            return Problems.Validation("limit", "1 to 500.");
        }
        return TypedResults.Ok(await service.ListAsync(http.User.TenantId(), status, customerId, beforeId, limit ?? 100));
    }

    private static async Task<IResult> Get(HttpContext http, DeliveryService service, long id) =>
        await service.GetAsync(http.User.TenantId(), id) is { } m ? TypedResults.Ok(m) : Problems.NotFound($"No message {id}.");

    private static async Task<IResult> Approve(HttpContext http, DeliveryService service, long id) =>
        await service.ApproveAsync(http.User.TenantId(), id, http.User.Actor()) ? TypedResults.NoContent() : Problems.Conflict($"Message {id} is not waiting for approval.");

    private static async Task<IResult> Reject(HttpContext http, DeliveryService service, long id) =>
        await service.RejectAsync(http.User.TenantId(), id, http.User.Actor()) ? TypedResults.NoContent() : Problems.Conflict($"Message {id} is not waiting for approval.");

    private static async Task<IResult> GetSettings(HttpContext http, DeliverySettingsStore store) => TypedResults.Ok(await store.GetAsync(http.User.TenantId()));

    private static async Task<IResult> SaveSettings(HttpContext http, DeliverySettingsStore store, System.Text.Json.Nodes.JsonObject body)
    {
        var tenant = http.User.TenantId();
        body["tenant_id"] = tenant.ToString(System.Globalization.CultureInfo.InvariantCulture); // the tenant is the caller's, whatever the body says
        TenantDeliverySettings? input;
        try
        {
            input = System.Text.Json.JsonSerializer.Deserialize<TenantDeliverySettings>(body);
        }
        catch (System.Text.Json.JsonException e)
        {
            return Problems.Validation(e.Path is { Length: > 1 } path ? path.TrimStart('$', '.') : "body", e.Message);
        }
        var (saved, errors) = await store.SaveAsync(tenant, http.User.Actor(), input!);
        return errors.Count > 0 ? Problems.Validation(errors) : TypedResults.Ok(saved);
    }

    private static async Task<IResult> Review(HttpContext http, DeliverySettingsStore store, ReviewRequest body)
    {
        if (string.IsNullOrEmpty(body.Text))
        {
            return Problems.Validation("text", "Required.");
        }
        return TypedResults.Ok(await store.ReviewAsync(http.User.TenantId(), new DeliveryRequest(DeliveryChannel.WeComPrivate, DeliveryTopic.Marketing, body.Text)));
    }
}
