using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Siyu.Core.Customers;
using Siyu.Core.Events;
using Siyu.Core.Journeys;
using Siyu.Core.Messaging;
using Siyu.Core.Tags;
using Siyu.Server.Delivery;
using Siyu.Server.Ingest;
using Siyu.Server.Messaging;
using Siyu.Server.WeCom;

namespace Siyu.Server.Journeys;

/// <summary>
/// Carries out what journeys decided. Every effect has an idempotency key made of (journey, version, customer,
/// occurrence, step run): messages are stored under it in the delivery pipeline, log events are written under it, so
/// a partition that replays after a crash produces the same keys and nothing happens twice.
/// Called from the partition grain's turn (so the profile can be read for personalisation); it must never call back
/// into a partition grain, which would wait on itself.
/// </summary>
public sealed partial class JourneyEffectRunner(DeliveryService delivery, LinkTracker links, IngestWriter writer, IHttpClientFactory http,
    Coupons.CouponService coupons, Loyalty.LoyaltyService loyalty, TimeProvider time, ILogger<JourneyEffectRunner> logger)
{
    public async Task RunAsync(int tenantId, IReadOnlyList<(JourneyEffect Effect, CustomerProfile Profile)> effects)
    {
        var events = new List<IncomingEvent>();
        var now = time.GetUtcNow();
        foreach (var (effect, profile) in effects)
        {
            var key = effect.IdempotencyKey;
            switch (effect)
            {
                case SendMessage send:
                    await SendAsync(tenantId, send, profile, send.Channel, send.Topic, send.Text ?? "", null);
                    break;
                case CreateStaffTask task:
                    await SendAsync(tenantId, effect, profile, "app", "reminder",
                        $"【SOP 任务】客户「{profile.DisplayName ?? profile.CustomerId.ToString(System.Globalization.CultureInfo.InvariantCulture)}」：{task.Text}",
                        task.StaffUserId ?? profile.Staff.Keys.FirstOrDefault());
                    break;
                case ChangeTags tags:
                    // Written as tag events directly (not through TagWriter, which asks the partition and would wait on this turn).
                    foreach (var (tagId, add) in tags.Add.Select(t => (t, true)).Concat(tags.Remove.Select(t => (t, false))))
                    {
                        if (profile.HasTag(tagId) == add)
                        {
                            continue;
                        }
                        events.Add(new IncomingEvent($"{key}/{tagId}", add ? EventTypes.TagAdded : EventTypes.TagRemoved, now, [], profile.CustomerId,
                            new JsonObject { ["tag_id"] = tagId, ["source"] = TagSource.Manual, ["actor"] = $"journey:{effect.Key.JourneyId}", ["reason"] = "旅程步骤" }, null, "journey"));
                    }
                    break;
                case SetAttribute set:
                    events.Add(new IncomingEvent(key, EventTypes.ProfileUpdated, now, [], profile.CustomerId,
                        new JsonObject { ["edited_by"] = $"journey:{effect.Key.JourneyId}" }, new JsonObject { [set.Name] = JsonNode.Parse(set.Value.GetRawText()) }, "journey"));
                    break;
                case CallWebhook hook:
                    await CallAsync(tenantId, hook, profile);
                    break;
                case IssueCoupon coupon:
                    // Keyed by the effect: a partition replaying after a crash gets the coupon issued the first time.
                    var issued = await coupons.IssueOnceAsync(tenantId, coupon.TemplateId, profile.CustomerId, $"journey:{effect.Key.JourneyId}", key);
                    if (issued?.Outcome is not (Coupons.IssueOutcomes.Issued or Coupons.IssueOutcomes.AlreadyIssued))
                    {
                        LogCouponNotIssued(logger, key, coupon.TemplateId, issued?.Outcome ?? "no such template");
                    }
                    break;
                case AwardPoints points:
                    await loyalty.CreditAsync(tenantId, profile.CustomerId, points.Amount, points.Reason, key, $"journey:{effect.Key.JourneyId}", Core.Loyalty.PointsKind.Interaction);
                    break;
                case JourneyExited exited:
                    events.Add(JourneyEvent(key, "journey.exited", now, effect, new JsonObject { ["status"] = exited.Status.ToString(), ["reason"] = exited.Reason.ToString() }));
                    break;
                case VariantAssigned variant:
                    events.Add(JourneyEvent(key, "journey.variant", now, effect, new JsonObject { ["variant"] = variant.VariantName, ["holdout"] = variant.Holdout, ["step"] = effect.Key.StepId }));
                    break;
                case StepEntered when effect.Key.Seq == 1: // the first step run of the occurrence
                    events.Add(JourneyEvent(key, "journey.entered", now, effect, new JsonObject { ["occurrence"] = effect.Key.Occurrence }));
                    break;
            }
        }
        foreach (var chunk in events.Chunk(1_000))
        {
            await writer.AppendAsync(tenantId, chunk);
        }
    }

    private static IncomingEvent JourneyEvent(string key, string type, DateTimeOffset now, JourneyEffect effect, JsonObject properties)
    {
        properties["journey_id"] = effect.Key.JourneyId;
        properties["version"] = effect.Key.Version;
        return new IncomingEvent(key, type, now, [], effect.CustomerId, properties, null, "journey");
    }

    /// <summary>Personalised ({{name}} etc.), links made trackable, then into the delivery pipeline under the effect's key.</summary>
    private async Task SendAsync(int tenantId, JourneyEffect effect, CustomerProfile profile, string channel, string topic, string text, string? sender)
    {
        var template = MessageTemplate.Parse(text);
        var rendered = template.Template is { } t ? t.Render(new ProfileTemplateValues(profile)) : text;
        var attachments = effect is SendMessage send ? Attachments(send) : [];
        var tracked = await links.TrackAsync(tenantId, effect.IdempotencyKey, profile.CustomerId, rendered, [.. attachments.Where(a => a.Url is not null).Select(a => a.Url!)]);
        var urls = new Queue<string>(tracked.AttachmentUrls);
        attachments = [.. attachments.Select(a => a.Url is null ? a : a with { Url = urls.Dequeue() })];
        var (_, _, errors) = await delivery.EnqueueAsync(tenantId, new OutboundMessage(effect.IdempotencyKey, profile.CustomerId, channel, topic, tracked.Text,
            attachments, sender, $"journey:{effect.Key.JourneyId}:v{effect.Key.Version}:{effect.Key.StepId}"));
        if (errors.Count > 0)
        {
            LogNotQueued(logger, effect.IdempotencyKey, string.Join("; ", errors.Select(e => $"{e.Path}: {e.Message}")));
        }
    }

    /// <summary>Link and image attachments go to WeCom as they are; a mini-program needs the tenant's appid, which a journey step doesn't carry yet.</summary>
    private static List<WelcomeAttachment> Attachments(SendMessage send) =>
    [
        .. send.Attachments.Select(a => a.Type switch
        {
            "link" => new WelcomeAttachment("link", a.Title ?? a.Value, a.Value),
            "image" => new WelcomeAttachment("image", a.Title, PicUrl: a.Value),
            _ => null,
        }).OfType<WelcomeAttachment>(),
    ];

    private async Task CallAsync(int tenantId, CallWebhook hook, CustomerProfile profile)
    {
        try
        {
            using var client = http.CreateClient("journey-webhooks");
            client.Timeout = TimeSpan.FromSeconds(5);
            using var request = new HttpRequestMessage(HttpMethod.Post, hook.Url)
            {
                Content = JsonContent.Create(new
                {
                    tenant_id = tenantId, customer_id = profile.CustomerId, journey_id = hook.Key.JourneyId, version = hook.Key.Version,
                    step = hook.Key.StepId, payload = hook.Payload is null ? null : MessageTemplate.Parse(hook.Payload).Template?.Render(new ProfileTemplateValues(profile)),
                }),
            };
            // The receiver dedupes retries and replays by this key.
            request.Headers.Add("Idempotency-Key", hook.IdempotencyKey);
            using var response = await client.SendAsync(request);
            if (!response.IsSuccessStatusCode)
            {
                LogWebhookFailed(logger, hook.Url.Host, (int)response.StatusCode);
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            LogWebhookFailed(logger, hook.Url.Host, 0);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journey message {Key} not queued: {Errors}")]
    private static partial void LogNotQueued(ILogger logger, string key, string errors);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journey coupon {Key} (template {TemplateId}) not issued: {Outcome}")]
    private static partial void LogCouponNotIssued(ILogger logger, string key, long templateId, string outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journey webhook to {Host} failed ({Status})")]
    private static partial void LogWebhookFailed(ILogger logger, string host, int status);
}
