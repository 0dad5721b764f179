namespace Siyu.Server.Cluster;

/// <summary>
/// A lease on one cluster-wide job (keyed by its name). State lives in the activation only: when the silo holding
/// this grain dies, the new activation grants nothing for one lease period, so a holder that is still alive elsewhere
/// either renews (and keeps it) or has stopped by then — two nodes never run the job at once.
/// </summary>
public interface ILeaseGrain : IGrainWithStringKey
{
    /// <summary>Takes or renews the lease for <paramref name="owner"/>; false while another owner's lease runs.</summary>
    Task<bool> Acquire(string owner, TimeSpan period);

    Task Release(string owner);

    Task<string?> Holder();
}

public sealed class LeaseGrain(TimeProvider time) : Grain, ILeaseGrain
{
    private string? _owner;
    private DateTimeOffset _until;
    private DateTimeOffset _grantFrom;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _grantFrom = DateTimeOffset.MinValue; // set on the first request, when the lease period is known
        return Task.CompletedTask;
    }

    public Task<bool> Acquire(string owner, TimeSpan period)
    {
        var now = time.GetUtcNow();
        if (_grantFrom == DateTimeOffset.MinValue)
        {
            _grantFrom = now + period;
        }
        if (_owner == owner || (now >= _grantFrom && (_owner is null || now >= _until)))
        {
            _owner = owner;
            _until = now + period;
            return Task.FromResult(true);
        }
        return Task.FromResult(false);
    }

    public Task Release(string owner)
    {
        if (_owner == owner)
        {
            _owner = null;
        }
        return Task.CompletedTask;
    }

    public Task<string?> Holder() => Task.FromResult(_owner is not null && time.GetUtcNow() < _until ? _owner : null);
}

/// <summary>
/// Runs a hosted service on one node of the cluster at a time: it starts while this node holds the job's lease and
/// stops when the lease cannot be renewed in time. Without cluster mode it simply runs the service.
/// </summary>
public sealed partial class ClusterSingleton<T>(T inner, IGrainFactory grains, ClusterSettings settings, Orleans.Runtime.ILocalSiloDetails silo,
    TimeProvider time, ILogger<ClusterSingleton<T>> logger) : BackgroundService where T : IHostedService
{
    private static readonly string Job = typeof(T).Name;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!settings.Enabled)
        {
            await inner.StartAsync(stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                if (await StoppedFailedAsync())
                {
                    await inner.StartAsync(stoppingToken);
                }
            }
            await inner.StopAsync(CancellationToken.None);
            return;
        }
        var lease = grains.GetGrain<ILeaseGrain>(Job);
        var owner = silo.SiloAddress.ToString();
        var period = TimeSpan.FromSeconds(settings.LeaseSeconds);
        var running = false;
        var heldUntil = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            var asked = time.GetUtcNow();
            bool granted;
            try
            {
                granted = await lease.Acquire(owner, period).WaitAsync(period / 3, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogLeaseUnreachable(logger, e, Job);
                granted = false;
            }
            if (running && await StoppedFailedAsync())
            {
                running = false; // started again below while the lease holds
            }
            if (granted)
            {
                heldUntil = asked + period;
                if (!running)
                {
                    LogTookOver(logger, Job);
                    try
                    {
                        await inner.StartAsync(stoppingToken);
                        running = true;
                    }
                    catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                    {
                        // e.g. the event-log writer is moving right now: give the lease back and try again next round.
                        LogStartFailed(logger, e, Job);
                        await ReleaseAsync(lease, owner);
                    }
                }
            }
            // Stop before the lease could have been granted to someone else (a margin of a third of the period).
            else if (running && time.GetUtcNow() >= heldUntil - period / 3)
            {
                LogGaveUp(logger, Job);
                await inner.StopAsync(CancellationToken.None);
                running = false;
            }
            try
            {
                await Task.Delay(period / 4, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
            }
        }
        if (running)
        {
            await inner.StopAsync(CancellationToken.None);
            await ReleaseAsync(lease, owner);
        }
    }

    /// <summary>
    /// Whether the job's loop ended with an exception it did not expect (then it is stopped, to be started again):
    /// otherwise the job would be gone until a restart, and in a cluster nobody else takes over while this node keeps
    /// renewing the lease.
    /// </summary>
    private async Task<bool> StoppedFailedAsync()
    {
        if (inner is not BackgroundService { ExecuteTask: { IsFaulted: true } failed })
        {
            return false;
        }
        LogJobFailed(logger, failed.Exception, Job);
        await inner.StopAsync(CancellationToken.None);
        return true;
    }

    private async Task ReleaseAsync(ILeaseGrain lease, string owner)
    {
        try
        {
            await lease.Release(owner).WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception e)
        {
            LogLeaseUnreachable(logger, e, Job);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster singleton {Job} could not start on this node; retrying")]
    private static partial void LogStartFailed(ILogger logger, Exception e, string job);

    [LoggerMessage(Level = LogLevel.Error, Message = "Cluster singleton {Job} failed; starting it again")]
    private static partial void LogJobFailed(ILogger logger, Exception? e, string job);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster singleton {Job} runs on this node")]
    private static partial void LogTookOver(ILogger logger, string job);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster singleton {Job} stops on this node: its lease could not be renewed")]
    private static partial void LogGaveUp(ILogger logger, string job);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease of {Job} unreachable")]
    private static partial void LogLeaseUnreachable(ILogger logger, Exception e, string job);
}

/// <summary>A job that runs once cluster-wide; its lease is named after it.</summary>
public sealed record ClusterJob(string Name);

public static class ClusterSingletonRegistration
{
    /// <summary>Registers <typeparamref name="T"/> as a singleton and runs it once cluster-wide (simply runs it on a single node).</summary>
    public static IServiceCollection AddClusterSingleton<T>(this IServiceCollection services) where T : class, IHostedService
    {
        services.AddSingleton<T>();
        services.AddSingleton(new ClusterJob(typeof(T).Name));
        services.AddHostedService<ClusterSingleton<T>>();
        return services;
    }
}
