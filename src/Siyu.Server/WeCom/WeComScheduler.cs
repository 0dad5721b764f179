using Microsoft.EntityFrameworkCore;
using Siyu.Core.Audiences.Conditions;
using Siyu.Server.Data;
using Siyu.WeCom.Api;

namespace Siyu.Server.WeCom;

/// <summary>
/// Periodic WeCom work: at each tenant's local midnight, channel-code rotations reopen for staff whose daily cap
/// reset; every few minutes, pending customer transfers are checked with WeCom; once a night (03:00 local) a full
/// sync reconciles whatever callbacks were missed (WeCom gives up on a callback after three failed deliveries).
/// </summary>
public sealed partial class WeComScheduler(
    IDbContextFactory<SiyuDb> dbs, WeComConnections connections, ChannelCodes channels, CustomerTransfers transfers, WeComSync sync,
    Tenants.TenantDirectory tenants, TimeProvider time, ILogger<WeComScheduler> logger) : BackgroundService
{
    public static readonly TimeSpan TransferPollInterval = TimeSpan.FromMinutes(10);
    public const int NightlySyncHour = 3;
    private readonly Dictionary<int, int> _lastDay = [];
    private readonly Dictionary<int, int> _lastSyncDay = [];
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
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested) // the loop must not end
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
            // The first tick after 03:00 local; a server started later in the day waits for the next night.
            var localHour = TimeZoneInfo.ConvertTime(time.GetUtcNow(), tenants.Zone(tenantId)).Hour;
            if (!_lastSyncDay.ContainsKey(tenantId))
            {
                _lastSyncDay[tenantId] = localHour >= NightlySyncHour ? today : today - 1;
            }
            if (localHour >= NightlySyncHour && _lastSyncDay[tenantId] != today && !sync.Running)
            {
                _lastSyncDay[tenantId] = today;
                var run = await sync.RunAsync(tenantId, cancellationToken);
                LogNightlySync(logger, tenantId, run.Customers, run.Error);
            }
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Nightly WeCom sync for tenant {Tenant}: {Customers} customer relations, error {Error}")]
    private static partial void LogNightlySync(ILogger logger, int tenant, int customers, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "WeCom scheduled work failed; retrying next minute")]
    private static partial void LogTickFailed(ILogger logger, Exception e);
}
