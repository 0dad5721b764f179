using Microsoft.EntityFrameworkCore;
using Siyu.Server.Data;

namespace Siyu.Server.Conversations;

/// <summary>Deletes archived messages older than each tenant's retention (by msgtime), with their search terms; hourly.</summary>
public sealed partial class ArchiveRetention(IDbContextFactory<SiyuDb> dbs, TimeProvider time, ILogger<ArchiveRetention> logger) : BackgroundService
{
    public async Task<int> PurgeAsync(CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var deleted = 0;
        var now = time.GetUtcNow();
        foreach (var setting in await db.ArchiveSettings.AsNoTracking().Where(s => s.RetentionDays > 0).ToListAsync(ct))
        {
            var cutoff = now.AddDays(-setting.RetentionDays).ToUnixTimeMilliseconds();
            var old = db.ArchiveMessages.Where(m => m.TenantId == setting.TenantId && m.MsgTimeMs < cutoff);
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await db.ArchiveTerms.Where(t => t.TenantId == setting.TenantId && old.Select(m => m.Id).Contains(t.MessageId)).ExecuteDeleteAsync(ct);
            var n = await old.ExecuteDeleteAsync(ct);
            await tx.CommitAsync(ct);
            if (n > 0)
            {
                LogPurged(logger, n, setting.TenantId, setting.RetentionDays);
            }
            deleted += n;
        }
        return deleted;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The first run waits an hour too: the database is migrated by then, and a start is not slowed by a large delete.
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await PurgeAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Archive retention deleted {Count} messages of tenant {Tenant} (older than {Days} days)")]
    private static partial void LogPurged(ILogger logger, int count, int tenant, int days);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Archive retention run failed")]
    private static partial void LogFailed(ILogger logger, Exception e);
}
