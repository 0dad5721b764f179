using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Events;
using Siyu.Server.Data;

namespace Siyu.Server.Loyalty;

/// <summary>
/// Earns and claws back points from the event log: a durable poller over <c>order.paid</c> / <c>order.refunded</c>
/// with its cursor in <c>loyalty_cursor</c>. Each event's entry is keyed <c>event:{seq}</c>, so re-reading after a
/// crash between the ledger write and the cursor move changes nothing. The same loop sweeps expired lots and, once a
/// day per tenant, reviews tiers for downgrades.
/// </summary>
public sealed partial class LoyaltyWorker(
    LoyaltyService loyalty, IDbContextFactory<SiyuDb> dbs, EventStore store, Tenants.TenantDirectory tenants, TimeProvider time, IConfiguration config,
    ILogger<LoyaltyWorker> logger) : BackgroundService
{
    private const int Batch = 500;
    private readonly Dictionary<int, int> _reviewedDay = [];
    private readonly SemaphoreSlim _gate = new(1, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMilliseconds(config.GetValue("Siyu:LoyaltyPollMs", 1000));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, e);
            }
            try
            {
                await Task.Delay(interval, stoppingToken); // real time: the poll cadence, not a business clock
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One pass: new order events, expired lots, due tier reviews. Tests call it to avoid waiting.</summary>
    public async Task RunOnceAsync(CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        try
        {
            while (await EarnBatchAsync(ct) == Batch)
            {
            }
            await loyalty.ExpireDueAsync(ct);
            foreach (var tenant in tenants.All())
            {
                var today = tenants.Today(tenant.Id, time);
                if (!_reviewedDay.TryGetValue(tenant.Id, out var day) || day < today)
                {
                    await loyalty.ReviewTiersAsync(tenant.Id, ct);
                    _reviewedDay[tenant.Id] = today;
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<int> EarnBatchAsync(CancellationToken ct)
    {
        long cursor;
        await using (var db = await dbs.CreateDbContextAsync(ct))
        {
            cursor = (await db.LoyaltyCursor.AsNoTracking().FirstOrDefaultAsync(c => c.Id == 1, ct))?.Seq ?? 0;
        }
        var max = store.MaxSeq();
        var rows = new List<(long Seq, int Tenant, long Customer, string Type, long At, JsonObject? Props)>();
        using (var c = store.OpenReader())
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = """
                SELECT Seq, TenantId, CustomerId, Type, TimestampTicks, Properties FROM events
                WHERE Seq > @s AND Seq <= @m AND Type IN (@paid, @refunded) ORDER BY Seq LIMIT @n
                """;
            cmd.Param("@s", cursor);
            cmd.Param("@m", max);
            cmd.Param("@paid", EventTypes.OrderPaid);
            cmd.Param("@refunded", EventTypes.OrderRefunded);
            cmd.Param("@n", Batch);
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                var props = r.IsDBNull(5) ? null : JsonNode.Parse(store.Pii.UnprotectJson(r.GetString(5))!) as JsonObject;
                rows.Add((r.GetInt64(0), r.GetInt32(1), r.GetInt64(2), r.GetString(3), r.GetInt64(4), props));
            }
        }
        foreach (var e in rows)
        {
            await ApplyAsync(e.Seq, e.Tenant, e.Customer, e.Type, e.At, e.Props);
        }
        // Nothing more of interest up to max when the batch was not full: skip the rest of the scanned range.
        var next = rows.Count == Batch ? rows[^1].Seq : Math.Max(cursor, max);
        if (next != cursor)
        {
            await using var db = await dbs.CreateDbContextAsync(ct);
            var row = await db.LoyaltyCursor.FirstOrDefaultAsync(c => c.Id == 1, ct);
            if (row is null)
            {
                db.LoyaltyCursor.Add(new LoyaltyCursorRow { Id = 1, Seq = next });
            }
            else
            {
                row.Seq = next;
            }
            await db.SaveChangesAsync(ct);
        }
        return rows.Count;
    }

    private async Task ApplyAsync(long seq, int tenant, long customer, string type, long atTicks, JsonObject? props)
    {
        var orderId = Text(props?["order_id"]);
        // A digest, not the order id: order ids can identify a person and the ledger outlives a PIPL erasure.
        var orderRef = orderId is null ? $"event:{seq}" : $"order:{Digest(tenant, orderId)}";
        var cents = Cents(props?["amount"]);
        var key = $"event:{seq}";
        if (type == EventTypes.OrderPaid)
        {
            if (cents is not > 0)
            {
                return;
            }
            var settings = (await loyalty.SettingsAsync(tenant)).Settings;
            var points = Core.Loyalty.PointsMath.EarnFor(cents.Value, settings.PointsPerYuan);
            await loyalty.CreditAsync(tenant, customer, points, "order paid", key, null, Core.Loyalty.PointsKind.Earn, orderRef, cents, atTicks);
        }
        else if (orderId is not null)
        {
            await loyalty.RefundAsync(tenant, customer, orderRef, cents is > 0 ? cents : null, key);
        }
    }

    private static string Digest(int tenant, string orderId) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{tenant}:{orderId}")))[..24];

    private static string? Text(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) && s.Length is > 0 and <= 120 => s,
        JsonValue v when v.TryGetValue<long>(out var l) => l.ToString(CultureInfo.InvariantCulture),
        _ => null,
    };

    /// <summary>A yuan amount as cents (number or numeric string); null when absent or not a sane amount.</summary>
    private static long? Cents(JsonNode? node)
    {
        decimal? yuan = node switch
        {
            JsonValue v when v.TryGetValue<decimal>(out var d) => d,
            JsonValue v when v.TryGetValue<double>(out var f) && double.IsFinite(f) && Math.Abs(f) < 1e12 => (decimal)f,
            JsonValue v when v.TryGetValue<string>(out var s) && decimal.TryParse(s, NumberStyles.Number, CultureInfo.InvariantCulture, out var d) => d,
            _ => null,
        };
        return yuan is { } y && y is > 0 and < 1_000_000_000m ? (long)Math.Round(y * 100m, MidpointRounding.AwayFromZero) : null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Loyalty pass failed; retrying on the next poll")]
    private static partial void LogFailed(ILogger logger, Exception e);
}
