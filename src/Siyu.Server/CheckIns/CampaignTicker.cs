namespace Siyu.Server.CheckIns;

/// <summary>
/// Once a minute: group SOP tasks and check-in reminders whose local time has come. Both are keyed per day in the
/// delivery pipeline, so a tick that repeats (or a restart) adds nothing.
/// </summary>
public sealed class CampaignTicker(CheckInService checkIns, Groups.GroupCodeService groupCodes, ILogger<CampaignTicker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The real clock paces the loop; business time (which tests move) decides what is due.
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await groupCodes.RunDueSopsAsync(stoppingToken);
                await checkIns.RunRemindersAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Campaign tick failed");
            }
        }
    }
}
