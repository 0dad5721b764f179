using Microsoft.EntityFrameworkCore;
using Siyu.Core.Audiences.Conditions;
using Siyu.Server.Data;
using Siyu.WeCom.Api;

namespace Siyu.Server.WeCom;

/// <summary>
/// Periodic WeCom work: at each tenant's local midnight, channel-code rotations reopen for staff whose daily cap
/// reset; every few minutes, pending customer transfers are checked with WeCom.
/// </summary>
public sealed partial class WeComScheduler(
    IDbContextFactory<SiyuDb> dbs, WeComConnections connections, ChannelCodes channels, CustomerTransfers transfers, Tenants.TenantDirectory tenants,
    TimeProvider time, ILogger<WeComScheduler> logger) : BackgroundService
{
    public static readonly TimeSpan TransferPollInterval = TimeSpan.FromMinutes(10);
    private readonly Dictionary<int, int> _lastDay = [];
    private DateTimeOffset _lastTransferPoll = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1));
        do
        {
            try
            {
                await TickAsync(stoppingToken);
            }
            catch (Exception e) when (e is WeComApiException or HttpRequestException or DbUpdateException)
            {
                LogTickFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        List<int> connected;
        await using (var db = await dbs.CreateDbContextAsync(cancellationToken))
        {
            connected = await db.WeComSettings.AsNoTracking().Select(s => s.TenantId).ToListAsync(cancellationToken);
        }
        var pollTransfers = time.GetUtcNow() - _lastTransferPoll >= TransferPollInterval;
        foreach (var tenantId in connected.Where(t => connections.Get(t) is { CanCallApi: true }))
        {
            var today = TenantClock.Today(time.GetUtcNow(), tenants.Zone(tenantId));
            if (_lastDay.TryGetValue(tenantId, out var last) && last != today)
            {
                await channels.ReconcileAllAsync(tenantId, cancellationToken);
            }
            _lastDay[tenantId] = today;
            if (pollTransfers)
            {
                await transfers.RefreshAsync(tenantId, cancellationToken);
            }
        }
        if (pollTransfers)
        {
            _lastTransferPoll = time.GetUtcNow();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "WeCom scheduled work failed; retrying next minute")]
    private static partial void LogTickFailed(ILogger logger, Exception e);
}
