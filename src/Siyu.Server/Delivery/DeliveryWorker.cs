using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Customers;
using Siyu.Core.Delivery;
using Siyu.Core.Events;
using Siyu.Server.Data;
using Siyu.Server.Ingest;
using Siyu.Server.WeCom;
using Siyu.WeCom.Api;

namespace Siyu.Server.Delivery;

/// <summary>
/// Runs every due message through the pipeline — consent → frequency caps → quiet hours → content review — and hands
/// the ones that may go to their channel. Every decision is an event on the customer's timeline: message.sent,
/// message.deferred (quiet hours, held for review) or message.excluded (unsubscribed, capped, blocked), or message.failed.
/// </summary>
public sealed partial class DeliveryWorker(
    IDbContextFactory<SiyuDb> dbs, DeliveryService service, DeliverySettingsStore settings, Customers.CustomerReader reader, WeComConnections connections,
    SmsWebhook sms, IngestWriter writer, Operations.SiyuMetrics metrics, TimeProvider time, ILogger<DeliveryWorker> logger) : BackgroundService
{
    public const int MaxAttempts = 5;
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(5);
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Look for due messages now (after a time change in tests, or when something was released).</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        service.Enqueued += Wake;
        // A message the process was handing to its channel when it stopped may or may not have gone out. The SMS
        // webhook dedupes by Idempotency-Key, so those are simply sent again; for the others say so (failed, on the
        // timeline) rather than risk sending twice.
        await using (var db = await dbs.CreateDbContextAsync(cancellationToken))
        {
            var interrupted = await db.OutboundMessages.Where(m => m.Status == "sending").ToListAsync(cancellationToken);
            foreach (var row in interrupted)
            {
                if (row.Channel == "sms" && sms.Configured)
                {
                    row.Status = "pending";
                    continue;
                }
                row.Status = "failed";
                row.Error = "interrupted while sending: check the channel before resending";
                if (row.CustomerId == 0)
                {
                    continue; // a staff-only app message: no customer timeline
                }
                await writer.AppendAsync(row.TenantId,
                [
                    new IncomingEvent($"delivery:{row.Id}:interrupted", EventTypes.MessageFailed, time.GetUtcNow(), [], row.CustomerId,
                        new JsonObject { ["channel"] = row.Channel, ["origin"] = row.Origin, ["message_id"] = row.Id, ["status"] = "failed", ["reason"] = "interrupted" },
                        null, "siyu"),
                ]);
            }
            await db.SaveChangesAsync(cancellationToken);
        }
        await base.StartAsync(cancellationToken);
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        service.Enqueued -= Wake; // started again when this node takes the cluster lease back
        return base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await RunOnceAsync(stoppingToken) > 0)
                {
                }
            }
            // Any failure (the database, a channel, the event log moving to another node) is retried on the next round: the
            // loop must not end, or nothing would be sent until a restart.
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogLoopFailed(logger, e);
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(Idle);
            try
            {
                await _wake.Reader.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
            }
        }
    }

    /// <summary>Decides (and sends) one batch of due messages; returns how many it looked at.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        List<OutboundMessageRow> due;
        await using (var db = await dbs.CreateDbContextAsync(cancellationToken))
        {
            due = await db.OutboundMessages.AsNoTracking()
                .Where(m => (m.Status == "pending" || m.Status == "deferred") && m.DueAtTicks <= now.UtcTicks)
                .OrderBy(m => m.DueAtTicks).Take(200).ToListAsync(cancellationToken);
        }
        foreach (var row in due)
        {
            await ProcessAsync(row, cancellationToken);
        }
        return due.Count;
    }

    private async Task ProcessAsync(OutboundMessageRow row, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var (_, compiled) = await settings.GetCompiledAsync(row.TenantId);
        DeliveryNames.TryParseChannel(row.Channel, out var channel);
        DeliveryNames.TryParseTopic(row.Topic, out var topic);
        var attachments = row.Attachments is null ? [] : JsonSerializer.Deserialize<List<WelcomeAttachment>>(row.Attachments, DeliveryService.Json) ?? [];
        var request = new DeliveryRequest(channel, topic, row.Text)
        {
            AttachmentTexts = [.. attachments.SelectMany(a => new[] { a.Title, a.Desc }).OfType<string>()],
            ContentApproved = row.ApprovedBy is not null,
        };
        var detail = row.CustomerId == 0 ? null : await reader.GetAsync(row.TenantId, row.CustomerId);
        IReadOnlyList<DeliveryRecord> history;
        await using (var db = await dbs.CreateDbContextAsync(cancellationToken))
        {
            history = [.. (await DeliveryHistory.ReadAsync(db, row.TenantId, [row.CustomerId], now))[row.CustomerId]];
        }
        var context = new CustomerDeliveryContext(ConsentOf(detail), history);
        DeliveryDecision decision;
        if (await HandoffHoldsAsync(row, channel, cancellationToken))
        {
            decision = new DeliveryDecision.Denied
            {
                Code = "handoff_open",
                ReasonZh = "客户正在转人工处理中，自动化消息暂停发送",
                ReasonEn = "The customer is in a handoff (转人工); automated messages are paused until it is resolved",
            };
        }
        else
        {
            lock (compiled.Review) // the compiled review keeps scratch space (see DeliverySettingsStore.ReviewAsync)
            {
                decision = DeliveryPolicy.Decide(request, context, compiled, now);
            }
        }
        var decisionJson = JsonSerializer.Serialize(decision, DeliveryService.Json);

        string status;
        string? via = null, error = null;
        long? sentAt = null;
        var dueAt = row.DueAtTicks;
        switch (decision)
        {
            case DeliveryDecision.Send:
                // Claimed durably before the channel call: after a crash in between, the message is reported, never sent twice.
                await using (var claim = await dbs.CreateDbContextAsync(cancellationToken))
                {
                    await claim.OutboundMessages.Where(m => m.Id == row.Id).ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, "sending"), cancellationToken);
                }
                (status, via, error) = await SendAsync(row, channel, attachments, detail, cancellationToken);
                sentAt = status is "sent" or "outbox" ? now.UtcTicks : null;
                if (status == "retry")
                {
                    status = row.Attempts + 1 >= MaxAttempts ? "failed" : "pending";
                    dueAt = now.AddSeconds(30 * Math.Pow(2, row.Attempts)).UtcTicks;
                }
                break;
            case DeliveryDecision.Defer defer:
                status = "deferred";
                dueAt = defer.Until.UtcTicks;
                break;
            case DeliveryDecision.NeedsApproval:
                status = "needs_approval";
                break;
            case DeliveryDecision.Capped:
                status = "capped";
                break;
            case DeliveryDecision.Denied:
                status = "denied";
                break;
            default:
                status = "blocked";
                break;
        }

        await using (var db = await dbs.CreateDbContextAsync(cancellationToken))
        {
            await db.OutboundMessages.Where(m => m.Id == row.Id).ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, status).SetProperty(m => m.Decision, decisionJson).SetProperty(m => m.Via, via)
                .SetProperty(m => m.Error, error).SetProperty(m => m.SentAtTicks, sentAt).SetProperty(m => m.DueAtTicks, dueAt)
                .SetProperty(m => m.Attempts, m => m.Attempts + 1), cancellationToken);
        }
        metrics.DeliveryOutcome(row.Channel, status);
        // The timeline gets one event per distinct outcome of the message (a second quiet-hours deferral adds nothing).
        var type = status switch
        {
            "sent" or "outbox" => EventTypes.MessageSent,
            "deferred" or "needs_approval" => EventTypes.MessageDeferred,
            "failed" => EventTypes.MessageFailed,
            "pending" => null,
            _ => EventTypes.MessageExcluded,
        };
        if (type is not null && row.CustomerId != 0) // staff-only app messages have no customer timeline
        {
            await writer.AppendAsync(row.TenantId,
            [
                new IncomingEvent($"delivery:{row.Id}:{status}:{decision.Code}", type, now, [], row.CustomerId, new JsonObject
                {
                    ["channel"] = row.Channel, ["topic"] = row.Topic, ["origin"] = row.Origin, ["message_id"] = row.Id, ["status"] = status,
                    ["reason"] = decision.Code, ["reason_zh"] = decision.ReasonZh, ["via"] = via, ["error"] = error,
                    ["until"] = decision is DeliveryDecision.Defer d ? d.Until.ToString("O") : null,
                }, null, "siyu"),
            ]);
        }
    }

    /// <summary>
    /// Automated messages (journeys, mass sends) to a customer with an open handoff are excluded (<c>handoff_open</c>);
    /// API and console sends are people's own and go on, and app messages go to staff, not to the customer.
    /// </summary>
    private async Task<bool> HandoffHoldsAsync(OutboundMessageRow row, DeliveryChannel channel, CancellationToken cancellationToken)
    {
        if (row.CustomerId == 0 || channel == DeliveryChannel.App
            || !(row.Origin.StartsWith("journey:", StringComparison.Ordinal) || row.Origin.StartsWith("mass", StringComparison.Ordinal)))
        {
            return false;
        }
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        return await Handoffs.HandoffService.IsOpenAsync(db, row.TenantId, row.CustomerId);
    }

    /// <summary>Profile consent marks as the policy's records ("*" topic = every topic of the channel).</summary>
    private static ConsentState ConsentOf(Customers.CustomerDetail? detail)
    {
        if (detail is null)
        {
            return ConsentState.Empty;
        }
        var records = new List<ConsentRecord>();
        foreach (var c in detail.Profile.Consents)
        {
            DeliveryChannel? channel = DeliveryNames.TryParseChannel(c.Channel, out var ch) ? ch : null;
            DeliveryTopic? topic = DeliveryNames.TryParseTopic(c.Topic, out var tp) ? tp : null;
            if (channel is null && c.Channel != ConsentScopes.AllChannels)
            {
                continue;
            }
            records.Add(new ConsentRecord(channel, topic, c.Granted ? ConsentAction.Granted : ConsentAction.Revoked, c.AtTicks, c.Source ?? "siyu"));
        }
        return ConsentState.From(records);
    }

    /// <summary>
    /// The channel adapters. WeCom has no API for a 1:1 message from staff to a customer, so wecom_private becomes an
    /// SOP task: an app message telling the customer's staff member what to send. Without a WeCom connection or an SMS
    /// provider the message goes to the outbox (kept, shown in the console, counted as handed over).
    /// </summary>
    private async Task<(string Status, string? Via, string? Error)> SendAsync(OutboundMessageRow row, DeliveryChannel channel, List<WelcomeAttachment> attachments,
        Customers.CustomerDetail? detail, CancellationToken cancellationToken)
    {
        var connection = connections.Get(row.TenantId);
        var staff = row.Sender ?? detail?.Profile.Staff.Keys.FirstOrDefault();
        var external = detail?.Identifiers.FirstOrDefault(i => i.Type == IdentifierTypes.WireName(IdentifierType.ExternalUserId))?.Value;
        try
        {
            switch (channel)
            {
                case DeliveryChannel.WeComMass when connection is { CanCallApi: true } && staff is not null && external is not null:
                    var task = await connections.Client(connection).AddMsgTemplateAsync(new WeComMsgTemplate
                    {
                        ChatType = "single", Sender = staff, ExternalUserId = [external], Text = new WeComText { Content = row.Text },
                        Attachments = attachments.Count > 0 ? [.. attachments.Select(ChannelCodes.Attachment)] : null,
                    }, cancellationToken);
                    return task.FailList.Count > 0 ? ("failed", "wecom_mass", "not_contact") : ("sent", $"wecom_mass:{task.MsgId}", null);
                case DeliveryChannel.WeComPrivate or DeliveryChannel.App when connection is { CanCallApi: true, AgentId: { } agentId } && staff is not null:
                    var text = channel == DeliveryChannel.App ? row.Text
                        : $"【SOP 提醒】请给客户「{detail?.Profile.Name ?? row.CustomerId.ToString(System.Globalization.CultureInfo.InvariantCulture)}」发送：\n{row.Text}";
                    var sent = await connections.Client(connection).SendAppTextAsync(agentId, staff, text, cancellationToken);
                    return sent.InvalidUser is { Length: > 0 } ? ("failed", "wecom_app", "invalid_user") : ("sent", $"wecom_app:{staff}", null);
                case DeliveryChannel.Sms when sms.Configured:
                    var phone = detail?.Identifiers.FirstOrDefault(i => i.Type == IdentifierTypes.WireName(IdentifierType.Phone))?.Value;
                    return await sms.SendAsync(row.TenantId, row.Id, row.Key, row.CustomerId, phone, row.Text, cancellationToken);
                default:
                    return ("outbox", "outbox", null);
            }
        }
        catch (WeComApiException e) when (e.ErrCode is 45009 or 45033 or -1)
        {
            return ("retry", null, $"{e.ErrCode} {e.ErrMsg}");
        }
        catch (WeComApiException e)
        {
            return ("failed", null, $"{e.ErrCode} {e.ErrMsg}");
        }
        catch (HttpRequestException e)
        {
            return ("retry", null, e.Message);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ("retry", null, "the channel did not answer in time");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery loop failed; retrying shortly")]
    private static partial void LogLoopFailed(ILogger logger, Exception e);
}
