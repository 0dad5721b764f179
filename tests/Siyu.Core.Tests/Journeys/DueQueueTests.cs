using FsCheck;
using FsCheck.Xunit;
using Siyu.Core.Journeys;
using Xunit;

namespace Siyu.Core.Tests.Journeys;

/// <summary>The due queue against the obvious implementation: a dictionary of due times, sorted on every pop.</summary>
public sealed class DueQueueTests
{
    private sealed class Oracle
    {
        private readonly Dictionary<(long Customer, long Journey), long> _due = [];

        public int Count => _due.Count;

        public bool Schedule(long c, long j, long due)
        {
            var added = !_due.ContainsKey((c, j));
            _due[(c, j)] = due;
            return added;
        }

        public bool Cancel(long c, long j) => _due.Remove((c, j));

        public long? Due(long c, long j) => _due.TryGetValue((c, j), out var d) ? d : null;

        public List<DueEntry> PopDue(long now)
        {
            var due = _due.Select(kv => new DueEntry(kv.Value, kv.Key.Customer, kv.Key.Journey))
                .Where(e => e.DueTicks <= now)
                .OrderBy(e => e.DueTicks).ThenBy(e => e.CustomerId).ThenBy(e => e.JourneyId)
                .ToList();
            foreach (var e in due)
            {
                _due.Remove((e.CustomerId, e.JourneyId));
            }
            return due;
        }

        public List<DueEntry> Sorted() => _due.Select(kv => new DueEntry(kv.Value, kv.Key.Customer, kv.Key.Journey))
            .OrderBy(e => e.DueTicks).ThenBy(e => e.CustomerId).ThenBy(e => e.JourneyId).ToList();
    }

    /// <summary>
    /// Each int is one operation: the low 2 bits choose schedule (new or moved), cancel, pop due or snapshot-and-reload;
    /// the rest pick a customer (32), a journey (4) and a due time (0–1023). A small key space makes moves, cancels of
    /// queued keys and equal due times common.
    /// </summary>
    private static void Run(int[] operations)
    {
        var queue = new DueQueue(4);
        var oracle = new Oracle();
        var now = 0L;
        foreach (var op in operations)
        {
            var kind = op & 3;
            var customer = (long)((op >> 2) & 31);
            var journey = (long)((op >> 7) & 3) + 1_000_000_000_000L; // large ids exercise the varints
            var due = (long)((op >> 9) & 1023);
            switch (kind)
            {
                case 0:
                    Assert.Equal(oracle.Schedule(customer, journey, due), queue.Schedule(customer, journey, due));
                    break;
                case 1:
                    Assert.Equal(oracle.Cancel(customer, journey), queue.Cancel(customer, journey));
                    break;
                case 2:
                    now = Math.Max(now, due / 2);
                    var popped = new List<DueEntry>();
                    queue.PopDue(now, popped);
                    Assert.Equal(oracle.PopDue(now), popped);
                    break;
                default:
                    var stream = new MemoryStream();
                    queue.WriteTo(stream);
                    stream.Position = 0;
                    queue = DueQueue.ReadFrom(stream);
                    Assert.Equal(stream.Length, stream.Position);
                    break;
            }
            Assert.Equal(oracle.Count, queue.Count);
            Assert.Equal(oracle.Due(customer, journey), queue.TryGetDue(customer, journey, out var d) ? d : null);
        }
        // Draining gives every remaining timer in order.
        var rest = new List<DueEntry>();
        queue.PopDue(long.MaxValue, rest);
        Assert.Equal(oracle.Sorted(), rest);
        Assert.Equal(0, queue.Count);
    }

    [Property(MaxTest = 500)]
    public void Queue_behaves_like_a_sorted_list(int[] operations) => Run(operations ?? []);

    [Fact]
    public void Long_random_sequence_behaves_like_a_sorted_list()
    {
        var random = new Random(20260507);
        Run(Enumerable.Range(0, 50_000).Select(_ => random.Next()).ToArray());
    }

    [Fact]
    public void Pops_only_what_is_due_in_due_then_key_order()
    {
        var q = new DueQueue();
        q.Schedule(5, 1, 300);
        q.Schedule(2, 1, 100);
        q.Schedule(9, 1, 100);
        q.Schedule(1, 2, 200);
        q.Schedule(1, 1, 200);
        Assert.False(q.TryPopDue(99, out _));
        var popped = new List<DueEntry>();
        q.PopDue(200, popped);
        Assert.Equal([new DueEntry(100, 2, 1), new DueEntry(100, 9, 1), new DueEntry(200, 1, 1), new DueEntry(200, 1, 2)], popped);
        Assert.True(q.TryPeek(out var next));
        Assert.Equal(new DueEntry(300, 5, 1), next);
    }

    [Fact]
    public void Rescheduling_moves_a_timer_earlier_or_later_without_duplicating_it()
    {
        var q = new DueQueue();
        for (var c = 0; c < 100; c++)
        {
            q.Schedule(c, 7, 1_000 + c);
        }
        Assert.False(q.Schedule(50, 7, 1));     // earlier
        Assert.False(q.Schedule(0, 7, 5_000));  // later
        Assert.True(q.Cancel(99, 7));
        Assert.False(q.Cancel(99, 7));
        Assert.Equal(99, q.Count);
        Assert.True(q.TryPopDue(long.MaxValue, out var first));
        Assert.Equal(new DueEntry(1, 50, 7), first);
        var all = new List<DueEntry>();
        q.PopDue(long.MaxValue, all);
        Assert.Equal(new DueEntry(5_000, 0, 7), all[^1]);
        Assert.Equal(98, all.Count);
    }

    [Fact]
    public void Million_timers_round_trip_through_a_compact_snapshot()
    {
        var random = new Random(7);
        var start = new DateTimeOffset(2026, 5, 7, 0, 0, 0, TimeSpan.Zero).UtcTicks;
        var entries = new DueEntry[1_000_000];
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = new DueEntry(start + (long)(random.NextDouble() * TimeSpan.FromDays(30).Ticks), 10_000_000 + i, 1 + random.Next(20));
        }
        var q = DueQueue.Build(entries);
        var stream = new MemoryStream();
        q.WriteTo(stream);
        // Far below the 24 bytes of three raw longs.
        Assert.InRange(stream.Length / (double)entries.Length, 8, 16);
        stream.Position = 0;
        var back = DueQueue.ReadFrom(stream);

        var expected = entries.OrderBy(e => e.DueTicks).ThenBy(e => e.CustomerId).ThenBy(e => e.JourneyId).ToList();
        var popped = new List<DueEntry>(entries.Length);
        back.PopDue(long.MaxValue, popped);
        Assert.Equal(expected, popped);
    }

    [Fact]
    public void Snapshot_is_self_delimiting_inside_a_larger_stream()
    {
        var a = DueQueue.Build([new DueEntry(10, 1, 1), new DueEntry(-5, long.MaxValue, long.MinValue)]);
        var empty = new DueQueue();
        var stream = new MemoryStream();
        a.WriteTo(stream);
        empty.WriteTo(stream);
        stream.WriteByte(0xAB);
        stream.Position = 0;

        var first = new List<DueEntry>();
        DueQueue.ReadFrom(stream).PopDue(long.MaxValue, first);
        Assert.Equal([new DueEntry(-5, long.MaxValue, long.MinValue), new DueEntry(10, 1, 1)], first);
        Assert.Equal(0, DueQueue.ReadFrom(stream).Count);
        Assert.Equal(0xAB, stream.ReadByte());
    }

    [Fact]
    public void Build_keeps_the_last_due_time_of_a_key_given_twice()
    {
        var q = DueQueue.Build([new DueEntry(10, 1, 1), new DueEntry(5, 2, 1), new DueEntry(20, 1, 1)]);
        Assert.Equal(2, q.Count);
        Assert.True(q.TryGetDue(1, 1, out var due));
        Assert.Equal(20, due);
    }
}
