using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Delivery;
using Siyu.Core.Events;
using Siyu.Server.Data;
using Siyu.Server.WeCom;
using Siyu.Server.Compliance;

namespace Siyu.Server.Delivery;

/// <summary>
/// A message to one customer, as journeys, SOP tasks and the API hand it to the pipeline. An app message to a staff
/// member about no customer in particular (an alert on the staff member's own figures) has customer id 0 and a sender.
/// </summary>
public sealed record OutboundMessage(
    string? Key, long CustomerId, string? Channel, string? Topic, string? Text, IReadOnlyList<WelcomeAttachment>? Attachments, string? Sender, string Origin)
{
    /// <summary>An app message to <see cref="Sender"/> that concerns no customer.</summary>
    public bool StaffOnly => CustomerId == 0 && Channel == "app" && !string.IsNullOrWhiteSpace(Sender);
}

public sealed record OutboundView(
    long Id, string Key, long CustomerId, string Channel, string Topic, string Text, string? Sender, string Origin, string Status, DateTimeOffset DueAt,
    int Attempts, JsonElement? Decision, string? Via, string? Error, string? ApprovedBy, DateTimeOffset CreatedAt, DateTimeOffset? SentAt);

/// <summary>
/// The way into the delivery pipeline: a message is stored with its idempotency key (the same key twice is one
/// message), then <see cref="DeliveryWorker"/> decides and sends it. Reviewers approve or reject held messages here.
/// </summary>
public sealed class DeliveryService(IDbContextFactory<SiyuDb> dbs, Customers.CustomerReader reader, TimeProvider time)
{
    public const int MaxText = 4000;
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Raised after a message was stored, so the worker looks at once.</summary>
    public event Action? Enqueued;

    public List<FieldError> Validate(int tenantId, OutboundMessage message)
    {
        var errors = new List<FieldError>();
        if (!message.StaffOnly && reader.Canonical(tenantId, message.CustomerId) is null)
        {
            errors.Add(new FieldError("customer_id", $"No customer {message.CustomerId}."));
        }
        if (!DeliveryNames.TryParseChannel(message.Channel, out var channel) || channel == DeliveryChannel.WeComWelcome)
        {
            errors.Add(new FieldError("channel", "One of wecom_private (an SOP task for the customer's staff member), wecom_mass, sms, app."));
        }
        if (!DeliveryNames.TryParseTopic(message.Topic, out _))
        {
            errors.Add(new FieldError("topic", $"One of {string.Join(", ", DeliveryNames.Topics)}."));
        }
        if (string.IsNullOrWhiteSpace(message.Text))
        {
            errors.Add(new FieldError("text", "Required."));
        }
        else if (message.Text.Length > MaxText)
        {
            errors.Add(new FieldError("text", $"At most {MaxText:N0} characters."));
        }
        if (message.Key is { Length: > 200 })
        {
            errors.Add(new FieldError("key", "At most 200 characters."));
        }
        ChannelCodes.ValidateAttachments(message.Attachments ?? [], "attachments", errors);
        return errors;
    }

    /// <summary>Stores the message unless its key is already there; returns the stored message (new or earlier).</summary>
    public async Task<(OutboundView? Message, bool Duplicate, IReadOnlyList<FieldError> Errors)> EnqueueAsync(int tenantId, OutboundMessage message)
    {
        var errors = Validate(tenantId, message);
        if (errors.Count > 0)
        {
            return (null, false, errors);
        }
        var key = message.Key ?? "api:" + Guid.NewGuid().ToString("N");
        await using var db = await dbs.CreateDbContextAsync();
        if (await db.OutboundMessages.AsNoTracking().FirstOrDefaultAsync(m => m.TenantId == tenantId && m.Key == key) is { } existing)
        {
            return (View(existing), true, []);
        }
        var now = time.GetUtcNow().UtcTicks;
        var row = new OutboundMessageRow
        {
            TenantId = tenantId, Key = key, CustomerId = message.StaffOnly ? 0 : reader.Canonical(tenantId, message.CustomerId)!.Value, Channel = message.Channel!, Topic = message.Topic!,
            Text = message.Text!.Trim(), Attachments = message.Attachments is { Count: > 0 } a ? JsonSerializer.Serialize(a, Json) : null,
            Sender = message.Sender, Origin = message.Origin, Status = "pending", DueAtTicks = now, CreatedAtTicks = now,
        };
        db.OutboundMessages.Add(row);
        try
        {
            await db.SaveChangesAsync();
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            await using var again = await dbs.CreateDbContextAsync();
            return (View(await again.OutboundMessages.AsNoTracking().FirstAsync(m => m.TenantId == tenantId && m.Key == key)), true, []);
        }
        Enqueued?.Invoke();
        return (View(row), false, []);
    }

    public async Task<IReadOnlyList<OutboundView>> ListAsync(int tenantId, string? status, long? customerId, long? beforeId, int limit)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var q = db.OutboundMessages.AsNoTracking().Where(m => m.TenantId == tenantId);
        if (status is { Length: > 0 })
        {
            q = q.Where(m => m.Status == status);
        }
        if (customerId is { } c)
        {
            q = q.Where(m => m.CustomerId == c);
        }
        if (beforeId is { } b)
        {
            q = q.Where(m => m.Id < b);
        }
        return [.. (await q.OrderByDescending(m => m.Id).Take(limit).ToListAsync()).Select(View)];
    }

    public async Task<OutboundView?> GetAsync(int tenantId, long id)
    {
        await using var db = await dbs.CreateDbContextAsync();
        return await db.OutboundMessages.AsNoTracking().FirstOrDefaultAsync(m => m.TenantId == tenantId && m.Id == id) is { } row ? View(row) : null;
    }

    /// <summary>A reviewer approves held content: the message goes through the pipeline again, review hits of level "review" no longer hold it.</summary>
    public async Task<bool> ApproveAsync(int tenantId, long id, string actor)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var changed = await db.OutboundMessages.Where(m => m.TenantId == tenantId && m.Id == id && m.Status == "needs_approval")
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, "pending").SetProperty(m => m.ApprovedBy, actor).SetProperty(m => m.DueAtTicks, time.GetUtcNow().UtcTicks));
        if (changed > 0)
        {
            AuditLog.Record(db, tenantId, time.GetUtcNow().UtcTicks, actor, "delivery.approve", target: id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await db.SaveChangesAsync();
            Enqueued?.Invoke();
        }
        return changed > 0;
    }

    public async Task<bool> RejectAsync(int tenantId, long id, string actor)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var changed = await db.OutboundMessages.Where(m => m.TenantId == tenantId && m.Id == id && m.Status == "needs_approval")
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, "rejected").SetProperty(m => m.ApprovedBy, actor));
        if (changed > 0)
        {
            AuditLog.Record(db, tenantId, time.GetUtcNow().UtcTicks, actor, "delivery.reject", target: id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await db.SaveChangesAsync();
        }
        return changed > 0;
    }

    internal static OutboundView View(OutboundMessageRow r) => new(
        r.Id, r.Key, r.CustomerId, r.Channel, r.Topic, r.Text, r.Sender, r.Origin, r.Status, new DateTimeOffset(r.DueAtTicks, TimeSpan.Zero), r.Attempts,
        r.Decision is null ? null : JsonDocument.Parse(r.Decision).RootElement.Clone(), r.Via, r.Error, r.ApprovedBy,
        new DateTimeOffset(r.CreatedAtTicks, TimeSpan.Zero), r.SentAtTicks is { } s ? new DateTimeOffset(s, TimeSpan.Zero) : null);
}
