using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Siyu.Server.Data;
using Siyu.WeCom.Api;

namespace Siyu.Server.MassSends;

/// <summary>Starts mass sends when they are due and follows WeCom's results for those waiting on staff.</summary>
public sealed partial class MassSendRunner(IDbContextFactory<SiyuDb> dbs, MassSends sends, TimeProvider time, ILogger<MassSendRunner> logger) : BackgroundService
{
    public static readonly TimeSpan Tick = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan ResultPoll = TimeSpan.FromMinutes(1);
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private DateTimeOffset _lastPoll = DateTimeOffset.MinValue;

    /// <summary>A send was created or asked to refresh: look now rather than at the next tick.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested) // the loop must not end
            {
                LogFailed(logger, e);
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(Tick);
            try
            {
                await _wake.Reader.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
            }
        }
    }

    public async Task RunOnceAsync(CancellationToken cancellationToken, bool pollResults = false)
    {
        var now = time.GetUtcNow();
        List<(int TenantId, long Id, string Status)> work;
        await using (var db = await dbs.CreateDbContextAsync(cancellationToken))
        {
            work = (await db.MassSends.AsNoTracking()
                .Where(m => (m.Status == "scheduled" && m.ScheduledAtTicks <= now.UtcTicks) || m.Status == "sending")
                .Select(m => new { m.TenantId, m.Id, m.Status }).ToListAsync(cancellationToken))
                .Select(m => (m.TenantId, m.Id, m.Status)).ToList();
        }
        var poll = pollResults || now - _lastPoll >= ResultPoll;
        foreach (var (tenantId, id, status) in work)
        {
            if (status == "scheduled")
            {
                await sends.StartAsync(tenantId, id, cancellationToken);
            }
            else if (poll)
            {
                await sends.RefreshAsync(tenantId, id, cancellationToken);
            }
        }
        if (poll)
        {
            _lastPoll = now;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mass send work failed; retrying at the next tick")]
    private static partial void LogFailed(ILogger logger, Exception e);
}
