using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Siyu.Server.Cluster;

namespace Siyu.Server.Tests.Cluster;

public sealed class ClusterSingletonTests
{
    /// <summary>Fails its first run with an exception its loop does not catch; its second run keeps going.</summary>
    private sealed class FailsOnce : BackgroundService
    {
        private int _runs;
        public TaskCompletionSource SecondRun { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            if (Interlocked.Increment(ref _runs) == 1)
            {
                await Task.Yield();
                throw new InvalidOperationException("the loop met something it did not expect");
            }
            SecondRun.TrySetResult();
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
    }

    [Fact]
    public async Task A_job_whose_loop_fails_is_started_again()
    {
        var job = new FailsOnce();
        // Single-node mode never touches the grain factory or the silo.
        var singleton = new ClusterSingleton<FailsOnce>(job, null!, new ClusterSettings { Enabled = false }, null!, TimeProvider.System,
            NullLogger<ClusterSingleton<FailsOnce>>.Instance);
        await singleton.StartAsync(CancellationToken.None);
        try
        {
            await job.SecondRun.Task.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.False(job.ExecuteTask!.IsCompleted);
        }
        finally
        {
            await singleton.StopAsync(CancellationToken.None);
        }
        Assert.True(job.ExecuteTask!.IsCompleted);
    }
}
