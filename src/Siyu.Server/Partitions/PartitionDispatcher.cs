using System.Collections.Concurrent;
using System.Threading.Channels;
using Siyu.Server.Ingest;

namespace Siyu.Server.Partitions;

/// <summary>
/// Delivers committed log entries to partition grains, one ordered lane per partition so a grain sees
/// its events in log order. A failed delivery is retried: the grain ignores entries it already applied.
/// </summary>
public sealed partial class PartitionDispatcher(IGrainFactory grains, ILogger<PartitionDispatcher> logger)
{
    private readonly ConcurrentDictionary<(int Tenant, int Partition), Channel<LogEntry[]>> _lanes = new();
    private long _pendingEntries;

    /// <summary>Entries handed to lanes and not yet applied by their grain: the partitions' lag, summed.</summary>
    public long PendingEntries => Interlocked.Read(ref _pendingEntries);

    /// <summary>Names this node's current tenure as the log writer; a partition that sees it change first reads the log (see <see cref="IPartitionGrain.Apply"/>).</summary>
    public string Epoch { get; private set; } = Guid.NewGuid().ToString("N");

    public void NewEpoch() => Epoch = Guid.NewGuid().ToString("N");

    public void Dispatch(List<LogEntry> committed)
    {
        if (committed.Count == 0)
        {
            return;
        }
        foreach (var group in committed.GroupBy(e => (e.TenantId, e.Partition)))
        {
            var lane = _lanes.GetOrAdd(group.Key, key =>
            {
                var channel = Channel.CreateUnbounded<LogEntry[]>(new UnboundedChannelOptions { SingleReader = true });
                _ = Task.Run(() => PumpAsync(key, channel.Reader));
                return channel;
            });
            LogEntry[] entries = [.. group];
            Interlocked.Add(ref _pendingEntries, entries.Length);
            lane.Writer.TryWrite(entries);
        }
    }

    public static string GrainKey(int tenantId, int partition) => $"{tenantId}/{partition}";

    private async Task PumpAsync((int Tenant, int Partition) key, ChannelReader<LogEntry[]> reader)
    {
        var grain = grains.GetGrain<IPartitionGrain>(GrainKey(key.Tenant, key.Partition));
        var pending = new List<LogEntry>();
        while (await reader.WaitToReadAsync())
        {
            pending.Clear();
            while (reader.TryRead(out var entries))
            {
                pending.AddRange(entries);
            }
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await grain.Apply([.. pending], Epoch);
                    Interlocked.Add(ref _pendingEntries, -pending.Count);
                    break;
                }
                catch (Exception e)
                {
                    LogDeliveryFailed(logger, e, key.Tenant, key.Partition, attempt);
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 50 * attempt)));
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery to partition {Tenant}/{Partition} failed (attempt {Attempt}); retrying")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception e, int tenant, int partition, int attempt);
}
