using System.Diagnostics;
using System.Globalization;
using Siyu.Core.Audiences.Conditions;
using Siyu.Core.Journeys;

namespace Siyu.Bench;

/// <summary>
/// `journeys`: the journey engine and its due-timer queue driven by the real clock. N customers enter a journey
/// send → wait 10 s → branch → send → wait 5 s → exit, their entry instants spread evenly over 10 s, so the first
/// timers come due over 10 s (100,000 timers/s at 1M customers). A loop per partition (one thread = one partition core)
/// pops due timers and advances instances. Reports steps/s, timer lateness (processing time − due time) and memory
/// per enrolled customer; then the same with 2 partitions on 2 threads; then the queue structures side by side.
/// </summary>
public static class JourneyBench
{
    private const string Definition = """
        {"version":1,"name":"bench","trigger":{"type":"manual"},"steps":[
          {"id":"welcome","send":{"channel":"wecom_private","topic":"service","text":"欢迎"}},
          {"id":"pause","wait":{"duration":"10s"}},
          {"id":"vip","branch":{"condition":{"version":1,"root":{"type":"tags","op":"has_any","tag_ids":[1]}},"yes":"vip_offer","no":"offer"}},
          {"id":"vip_offer","send":{"channel":"wecom_private","topic":"marketing","text":"VIP 专享"},"next":"settle"},
          {"id":"offer","send":{"channel":"wecom_private","topic":"marketing","text":"新人礼"},"next":"settle"},
          {"id":"settle","wait":{"duration":"5s"}},
          {"id":"done","exit":{}}
        ]}
        """;

    private static readonly TimeZoneInfo Zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    public static int Run(string[] args)
    {
        var customers = Arg(args, "--customers", 1_000_000);
        var spreadSeconds = Arg(args, "--spread", 10);
        var catalog = new ConditionCatalog { Tags = new() { [1] = new TagInfo(1, "VIP", false) } };
        var parsed = JourneyParser.Parse(Definition, catalog, 1, 1);
        if (!parsed.Ok)
        {
            Console.WriteLine(string.Join("; ", parsed.Errors.Select(e => $"{e.Path}: {e.Message}")));
            return 1;
        }
        var definition = parsed.Definition!;
        Console.WriteLine($"Siyu journey benchmark — {customers:N0} customers, journey send → wait 10 s → branch → send → wait 5 s → exit, " +
            $"entries spread over {spreadSeconds} s, real clock, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}");
        Console.WriteLine($"JourneyInstance is {System.Runtime.CompilerServices.Unsafe.SizeOf<JourneyInstance>()} bytes.");

        // A small warm-up so the JIT has compiled the hot paths before the clock matters.
        Drive(definition, 20_000, 1, 1, quiet: true);
        Drive(definition, customers, 1, spreadSeconds, quiet: false);
        Drive(definition, customers, 2, spreadSeconds, quiet: false);
        CompareQueues(Math.Min(customers, 1_000_000));
        return 0;
    }

    /// <summary>One partition: its customers' instances (dense, by local index), its due queue, a reusable effect list.</summary>
    private sealed class Partition(int index, int partitions, int customers)
    {
        public readonly int Index = index;
        public readonly int Customers = customers;
        public JourneyInstance[] Instances = [];
        public DueQueue Queue = new();
        public readonly BenchContext Context = new(partitions);
        public readonly long[] Lateness = new long[customers * 2];
        public int Timers;
        public long EnrolSteps;
        public long TimerSteps;
        public long Effects;
        public long BusyTicks;
        public double EnrolSeconds;

        /// <summary>Customer ids interleave over partitions, so the local index is id / partitions.</summary>
        public long CustomerId(int local) => (long)local * Context.Partitions + Index + 1;
    }

    /// <summary>
    /// Branches need the customer's tags; here a bit per customer (every 5th is VIP) stands in for the partition's tag
    /// bitmaps. The server's context evaluates the parsed condition on its columnar state instead.
    /// </summary>
    private sealed class BenchContext(int partitions) : IJourneyContext
    {
        public readonly int Partitions = partitions;
        public long Customer;

        public TimeZoneInfo Zone => JourneyBench.Zone;

        public int Today { get; set; }

        public bool Matches(Condition condition) => condition.Root is TagsNode && Customer % 5 == 0;

        public DateOnly? DateAttribute(string name) => null;
    }

    private static void Drive(JourneyDefinition definition, int customers, int partitions, int spreadSeconds, bool quiet)
    {
        var parts = Enumerable.Range(0, partitions).Select(p => new Partition(p, partitions, customers / partitions + (p < customers % partitions ? 1 : 0))).ToArray();
        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
        var start = TimeProvider.System.GetUtcNow();
        var spreadTicks = TimeSpan.FromSeconds(spreadSeconds).Ticks;

        // Enrol on each partition's own thread (as partition grains would), then run its timer loop.
        var enrolled = new Barrier(partitions + 1);
        var threads = parts.Select(p => new Thread(() =>
        {
            Enrol(p, definition, start.UtcTicks, spreadTicks);
            enrolled.SignalAndWait(); // memory is measured here
            enrolled.SignalAndWait();
            Loop(p, definition);
        }) { IsBackground = true, Name = $"partition {p.Index}" }).ToArray();
        foreach (var t in threads)
        {
            t.Start();
        }
        enrolled.SignalAndWait();
        var memoryAfter = GC.GetTotalMemory(forceFullCollection: true);
        enrolled.SignalAndWait();
        foreach (var t in threads)
        {
            t.Join();
        }
        var end = TimeProvider.System.GetUtcNow();
        if (quiet)
        {
            return;
        }

        var lateness = parts.SelectMany(p => p.Lateness.Take(p.Timers)).Order().ToArray();
        var timerSteps = parts.Sum(p => p.TimerSteps);
        var enrolSteps = parts.Sum(p => p.EnrolSteps);
        var busySeconds = parts.Max(p => p.BusyTicks) / (double)Stopwatch.Frequency;
        var totalBusy = parts.Sum(p => p.BusyTicks) / (double)Stopwatch.Frequency;
        var timerWindow = (end - start).TotalSeconds - 10; // timers come due from start + 10 s on
        var enrolSeconds = parts.Max(p => p.EnrolSeconds);
        static double Ms(long ticks) => ticks / (double)TimeSpan.TicksPerMillisecond;
        double Pct(double p) => Ms(lateness[Math.Min(lateness.Length - 1, (int)Math.Ceiling(p * lateness.Length) - 1)]);

        Console.WriteLine();
        Console.WriteLine($"{partitions} partition{(partitions > 1 ? "s" : "")} on {partitions} thread{(partitions > 1 ? "s" : "")}:");
        Console.WriteLine($"  enrolment : {customers:N0} customers in {enrolSeconds:F2} s ({customers / enrolSeconds:N0} customers/s, {enrolSteps / enrolSeconds:N0} steps/s; TryEnter + Advance + schedule)");
        Console.WriteLine($"  memory    : {(memoryAfter - memoryBefore) / (double)customers:F0} bytes per enrolled customer (instance + due timer; GC.GetTotalMemory before/after enrolment)");
        Console.WriteLine($"  timers    : {lateness.Length:N0} fired, {timerSteps:N0} steps, {parts.Sum(p => p.Effects):N0} effects; all done {(end - start).TotalSeconds:F1} s after start");
        Console.WriteLine($"  throughput: {timerSteps / busySeconds:N0} steps/s while busy ({totalBusy:F2} s busy in total over {timerWindow:F1} s of due timers; " +
            $"offered {timerSteps / Math.Max(timerWindow, 1):N0} steps/s by the clock)");
        Console.WriteLine($"  lateness  : p50 {Pct(0.50):F1} ms, p99 {Pct(0.99):F1} ms, max {Ms(lateness[^1]):F1} ms (processing time − due time)");
    }

    private static void Enrol(Partition p, JourneyDefinition definition, long startTicks, long spreadTicks)
    {
        var sw = Stopwatch.StartNew();
        p.Instances = new JourneyInstance[p.Customers];
        p.Queue = new DueQueue(p.Customers);
        var effects = new List<JourneyEffect>(8);
        p.Context.Today = TenantClock.Today(new DateTimeOffset(startTicks, TimeSpan.Zero), Zone);
        var totalCustomers = (long)p.Customers * p.Context.Partitions;
        for (var i = 0; i < p.Customers; i++)
        {
            var customer = p.CustomerId(i);
            // Entry instants spread evenly over the window, in customer order, as if their triggers arrived over it.
            var at = new DateTimeOffset(startTicks + spreadTicks * (customer - 1) / totalCustomers, TimeSpan.Zero);
            var decision = JourneyRunner.TryEnter(definition, customer, [], JourneyEntry.Manual, at);
            p.Context.Customer = customer;
            var r = JourneyRunner.Advance(decision.Instance, definition, p.Context, at, effects);
            p.Instances[i] = r.Instance;
            p.EnrolSteps += Count(effects);
            p.Effects += effects.Count;
            effects.Clear(); // handed to the delivery pipeline in the server
            p.Queue.Schedule(customer, definition.Id, r.DueTicks!.Value);
        }
        p.EnrolSeconds = sw.Elapsed.TotalSeconds;
    }

    private static void Loop(Partition p, JourneyDefinition definition)
    {
        var effects = new List<JourneyEffect>(8);
        var clock = TimeProvider.System;
        while (p.Queue.Count > 0)
        {
            var now = clock.GetUtcNow().UtcTicks;
            if (!p.Queue.TryPeek(out var next) || next.DueTicks > now)
            {
                // Nothing due: sleep until the next timer (a partition grain would await it).
                var wait = (next.DueTicks - now) / TimeSpan.TicksPerMillisecond;
                if (wait > 1)
                {
                    Thread.Sleep((int)Math.Min(wait - 1, 100));
                }
                else
                {
                    Thread.Yield();
                }
                continue;
            }
            var busy = Stopwatch.GetTimestamp();
            while (p.Queue.TryPopDue(now, out var due))
            {
                var local = (int)((due.CustomerId - 1) / p.Context.Partitions);
                p.Context.Customer = due.CustomerId;
                var at = clock.GetUtcNow();
                var r = JourneyRunner.OnDue(p.Instances[local], definition, p.Context, at, effects);
                p.Instances[local] = r.Instance;
                p.Lateness[p.Timers++] = at.UtcTicks - due.DueTicks;
                p.TimerSteps += Count(effects);
                p.Effects += effects.Count;
                effects.Clear();
                if (r.DueTicks is { } d)
                {
                    p.Queue.Schedule(due.CustomerId, due.JourneyId, d);
                }
                // Re-read the clock now and then so timers coming due during a long batch are picked up in order.
                if ((p.Timers & 1023) == 0)
                {
                    now = clock.GetUtcNow().UtcTicks;
                }
            }
            p.BusyTicks += Stopwatch.GetTimestamp() - busy;
        }
    }

    private static int Count(List<JourneyEffect> effects)
    {
        var n = 0;
        foreach (var e in effects)
        {
            n += e is StepEntered ? 1 : 0;
        }
        return n;
    }

    // ---- queue structures side by side ----

    private static void CompareQueues(int n)
    {
        Console.WriteLine();
        Console.WriteLine($"Due-timer structures, {n:N0} timers (due over 30 days at second resolution, ids like the partition's): " +
            "schedule all, reschedule all (each later by 0–1 h), cancel 10 %, pop all in order.");
        var random = new Random(42);
        var start = new DateTimeOffset(2026, 5, 7, 0, 0, 0, TimeSpan.Zero).UtcTicks;
        var entries = new DueEntry[n];
        var moves = new long[n];
        for (var i = 0; i < n; i++)
        {
            entries[i] = new DueEntry(start + random.NextInt64(TimeSpan.FromDays(30).Ticks / TimeSpan.TicksPerSecond) * TimeSpan.TicksPerSecond, i + 1, 1 + i % 3);
            moves[i] = random.NextInt64(TimeSpan.FromHours(1).Ticks / TimeSpan.TicksPerSecond) * TimeSpan.TicksPerSecond;
        }
        var candidates = new (string Name, Func<ITimers> Create)[]
        {
            ("DueQueue (indexed 4-ary heap)", () => new DueQueueTimers()),
            ("PriorityQueue + Dictionary (lazy deletion)", () => new LazyHeapTimers()),
            ("SortedSet + Dictionary (red-black tree)", () => new SortedSetTimers()),
            ("Timing wheel 1 s × 3600 + overflow heap", () => new WheelTimers()),
        };
        {
            // The snapshot a partition writes of its timers, and reading it back (heapify, O(n)).
            var queue = DueQueue.Build(entries);
            var stream = new MemoryStream();
            var sw = Stopwatch.StartNew();
            queue.WriteTo(stream);
            var write = sw.Elapsed.TotalMilliseconds;
            stream.Position = 0;
            sw.Restart();
            var back = DueQueue.ReadFrom(stream);
            var read = sw.Elapsed.TotalMilliseconds;
            Console.WriteLine($"  DueQueue snapshot: {stream.Length / (double)n:F1} bytes/timer (raw: 24), written in {write:F0} ms, read back in {read:F0} ms ({back.Count:N0} timers)");
        }
        foreach (var (name, create) in candidates)
        {
            var before = GC.GetTotalMemory(true);
            var timers = create();
            var sw = Stopwatch.StartNew();
            foreach (var e in entries)
            {
                timers.Schedule(e.CustomerId, e.JourneyId, e.DueTicks);
            }
            var schedule = sw.Elapsed.TotalSeconds;
            var bytes = (GC.GetTotalMemory(true) - before) / (double)n;
            sw.Restart();
            for (var i = 0; i < n; i++)
            {
                timers.Schedule(entries[i].CustomerId, entries[i].JourneyId, entries[i].DueTicks + moves[i]);
            }
            var reschedule = sw.Elapsed.TotalSeconds;
            sw.Restart();
            for (var i = 0; i < n; i += 10)
            {
                timers.Cancel(entries[i].CustomerId, entries[i].JourneyId);
            }
            var cancel = sw.Elapsed.TotalSeconds;
            sw.Restart();
            var popped = 0;
            var last = long.MinValue;
            var ordered = true;
            // Pop as a simulated clock moves on an hour at a time.
            for (var now = start; popped < n - (n + 9) / 10; now += TimeSpan.TicksPerHour)
            {
                while (timers.TryPopDue(now, out var e))
                {
                    ordered &= e.DueTicks >= last;
                    last = e.DueTicks;
                    popped++;
                }
            }
            var pop = sw.Elapsed.TotalSeconds;
            Console.WriteLine($"  {name,-46} {bytes,5:F0} B/timer  schedule {n / schedule / 1e6,5:F2} M/s  reschedule {n / reschedule / 1e6,5:F2} M/s  " +
                $"cancel {n / 10 / cancel / 1e6,5:F2} M/s  pop {popped / pop / 1e6,5:F2} M/s{(ordered ? "" : "  (OUT OF ORDER)")}");
        }
    }

    private interface ITimers
    {
        void Schedule(long customer, long journey, long due);
        void Cancel(long customer, long journey);
        bool TryPopDue(long now, out DueEntry entry);
    }

    /// <summary>Not pre-sized, like the others: growth is part of the cost.</summary>
    private sealed class DueQueueTimers : ITimers
    {
        private readonly DueQueue _queue = new();

        public void Schedule(long customer, long journey, long due) => _queue.Schedule(customer, journey, due);

        public void Cancel(long customer, long journey) => _queue.Cancel(customer, journey);

        public bool TryPopDue(long now, out DueEntry entry) => _queue.TryPopDue(now, out entry);
    }

    /// <summary>.NET's PriorityQueue (also 4-ary) cannot update or remove: stale entries stay and are skipped on pop.</summary>
    private sealed class LazyHeapTimers : ITimers
    {
        private readonly PriorityQueue<(long Customer, long Journey), long> _heap = new();
        private readonly Dictionary<(long, long), long> _current = [];

        public void Schedule(long customer, long journey, long due)
        {
            _current[(customer, journey)] = due;
            _heap.Enqueue((customer, journey), due);
        }

        public void Cancel(long customer, long journey) => _current.Remove((customer, journey));

        public bool TryPopDue(long now, out DueEntry entry)
        {
            while (_heap.TryPeek(out var key, out var due) && due <= now)
            {
                _heap.Dequeue();
                if (_current.TryGetValue(key, out var current) && current == due)
                {
                    _current.Remove(key);
                    entry = new DueEntry(due, key.Customer, key.Journey);
                    return true;
                }
            }
            entry = default;
            return false;
        }
    }

    private sealed class SortedSetTimers : ITimers
    {
        private readonly SortedSet<(long Due, long Customer, long Journey)> _set = [];
        private readonly Dictionary<(long, long), long> _current = [];

        public void Schedule(long customer, long journey, long due)
        {
            if (_current.TryGetValue((customer, journey), out var old))
            {
                _set.Remove((old, customer, journey));
            }
            _current[(customer, journey)] = due;
            _set.Add((due, customer, journey));
        }

        public void Cancel(long customer, long journey)
        {
            if (_current.Remove((customer, journey), out var old))
            {
                _set.Remove((old, customer, journey));
            }
        }

        public bool TryPopDue(long now, out DueEntry entry)
        {
            if (_set.Count > 0 && _set.Min.Due <= now)
            {
                var min = _set.Min;
                _set.Remove(min);
                _current.Remove((min.Customer, min.Journey));
                entry = new DueEntry(min.Due, min.Customer, min.Journey);
                return true;
            }
            entry = default;
            return false;
        }
    }

    /// <summary>
    /// A hashed timing wheel: one bucket per second for the next hour, an overflow heap beyond; a bucket is sorted when
    /// its second comes. Updates are lazy (a dictionary holds each key's current due time).
    /// </summary>
    private sealed class WheelTimers : ITimers
    {
        private const int Slots = 3600;
        private readonly List<(long Due, long Customer, long Journey)>?[] _wheel = new List<(long, long, long)>?[Slots];
        private readonly PriorityQueue<(long Due, long Customer, long Journey), long> _overflow = new();
        private readonly Dictionary<(long, long), long> _current = [];
        private readonly List<(long Due, long Customer, long Journey)> _ready = [];
        private int _readyAt;
        private long _second = long.MinValue; // the second the wheel has advanced to

        public void Schedule(long customer, long journey, long due)
        {
            _current[(customer, journey)] = due;
            Place((due, customer, journey));
        }

        private void Place((long Due, long Customer, long Journey) e)
        {
            var second = e.Due / TimeSpan.TicksPerSecond;
            if (_second == long.MinValue || second >= _second + Slots)
            {
                _overflow.Enqueue(e, e.Due);
            }
            else if (second <= _second)
            {
                _ready.Add(e); // already-passed second: due now
                _ready.Sort(_readyAt, _ready.Count - _readyAt, null);
            }
            else
            {
                (_wheel[second % Slots] ??= []).Add(e);
            }
        }

        public void Cancel(long customer, long journey) => _current.Remove((customer, journey));

        public bool TryPopDue(long now, out DueEntry entry)
        {
            var target = now / TimeSpan.TicksPerSecond;
            while (true)
            {
                while (_readyAt < _ready.Count)
                {
                    var e = _ready[_readyAt];
                    if (e.Due > now)
                    {
                        break;
                    }
                    _readyAt++;
                    if (_current.TryGetValue((e.Customer, e.Journey), out var current) && current == e.Due)
                    {
                        _current.Remove((e.Customer, e.Journey));
                        entry = new DueEntry(e.Due, e.Customer, e.Journey);
                        return true;
                    }
                }
                if (_readyAt < _ready.Count || (_second != long.MinValue && _second >= target))
                {
                    entry = default;
                    return false;
                }
                _ready.RemoveRange(0, _readyAt);
                _readyAt = 0;
                if (_second == long.MinValue)
                {
                    // The wheel starts at the first timer (or now); from then on it turns one second at a time.
                    _second = (_overflow.TryPeek(out _, out var first) ? Math.Min(first / TimeSpan.TicksPerSecond, target) : target) - 1;
                }
                _second++;
                var bucket = _wheel[_second % Slots];
                if (bucket is { Count: > 0 })
                {
                    bucket.Sort();
                    _ready.AddRange(bucket);
                    bucket.Clear();
                }
                while (_overflow.TryPeek(out var o, out var due) && due / TimeSpan.TicksPerSecond < _second + Slots)
                {
                    _overflow.Dequeue();
                    if (due / TimeSpan.TicksPerSecond <= _second)
                    {
                        _ready.Add(o);
                        _ready.Sort();
                    }
                    else
                    {
                        (_wheel[due / TimeSpan.TicksPerSecond % Slots] ??= []).Add(o);
                    }
                }
            }
        }
    }

    private static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
