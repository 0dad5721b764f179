using Microsoft.EntityFrameworkCore;
using Siyu.Core.Delivery;
using Siyu.Server.Data;

namespace Siyu.Server.Delivery;

/// <summary>What customers received recently — pipeline messages handed to a channel and mass-send deliveries — for the frequency caps.</summary>
public static class DeliveryHistory
{
    /// <summary>Caps count at most a month back (WeCom's monthly mass-message limit); 32 days covers any local month.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromDays(32);

    public static async Task<ILookup<long, DeliveryRecord>> ReadAsync(SiyuDb db, int tenantId, IReadOnlyCollection<long> customers, DateTimeOffset now)
    {
        var since = (now - Window).UtcTicks;
        var messages = await db.OutboundMessages.AsNoTracking()
            .Where(m => m.TenantId == tenantId && customers.Contains(m.CustomerId) && m.SentAtTicks >= since && (m.Status == "sent" || m.Status == "outbox"))
            .Select(m => new { m.CustomerId, m.Channel, m.Topic, m.SentAtTicks }).ToListAsync();
        var mass = await db.MassSendRecipients.AsNoTracking()
            .Where(r => r.TenantId == tenantId && customers.Contains(r.CustomerId) && r.Status == "sent" && r.SentAtTicks >= since)
            .Select(r => new { r.CustomerId, r.SentAtTicks }).ToListAsync();
        var records = new List<(long Customer, DeliveryRecord Record)>();
        foreach (var m in messages)
        {
            if (DeliveryNames.TryParseChannel(m.Channel, out var channel) && DeliveryNames.TryParseTopic(m.Topic, out var topic))
            {
                records.Add((m.CustomerId, new DeliveryRecord(channel, topic, m.SentAtTicks!.Value)));
            }
        }
        records.AddRange(mass.Select(r => (r.CustomerId, new DeliveryRecord(DeliveryChannel.WeComMass, DeliveryTopic.Marketing, r.SentAtTicks!.Value))));
        return records.ToLookup(r => r.Customer, r => r.Record);
    }
}
