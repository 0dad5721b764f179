using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Siyu.Bench.Load;

/// <summary>
/// A mixed workload against a running Siyu over HTTP: batched event ingest (open loop at a target rate, or closed loop
/// to find saturation), audience previews, profile reads, customer search and console pages, with a report every
/// interval and a final <see cref="LoadReport"/>. Every acknowledged batch is re-posted at the end and must come back
/// all duplicates: that is the proof nothing acknowledged was lost.
/// </summary>
public sealed class LoadGenerator : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };
    private static readonly string[] Pages = ["/customers", "/audiences", "/tags", "/", "/customers/{id}"];
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(60);

    private readonly LoadOptions _o;
    private readonly Workload _workload;
    private readonly HttpClient _api;
    private readonly HttpClient? _console;
    private readonly Lane _ingest = new("ingest"), _audience = new("audience preview"), _profile = new("profile read"),
        _search = new("customer search"), _page = new("console page");
    private readonly Stopwatch _clock = new();
    private readonly List<long> _ackedBatches = [];
    private readonly long[] _customers = new long[4096];
    private readonly List<ServerSample> _samples = [];
    private List<long> _tagIds = [];
    private long _endTicks = long.MaxValue;
    private long _nextEvent, _eventsSent, _eventsAcked, _rejected, _customersSeen;
    private long _lastLogin;
    private ServerMetrics? _lastMetrics;

    private TimeSpan End => TimeSpan.FromTicks(Interlocked.Read(ref _endTicks));

    public LoadGenerator(LoadOptions options)
    {
        _o = options;
        _workload = new Workload(options.RunId);
        var limits = new SocketsHttpHandler { MaxConnectionsPerServer = 128, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        _api = new HttpClient(limits) { BaseAddress = new Uri(options.BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
        _api.DefaultRequestHeaders.Add("X-Api-Key", options.ApiKey);
        if (options.AdminPassword is not null)
        {
            _console = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() })
            {
                BaseAddress = new Uri(options.BaseUrl), Timeout = TimeSpan.FromSeconds(60),
            };
        }
    }

    private sealed class Lane(string name)
    {
        public OperationStats Stats { get; } = new(name);
        /// <summary>Stopwatch ticks before which this lane sends nothing: the last 429's Retry-After.</summary>
        public long NotBefore;
    }

    public async Task<LoadReport> RunAsync(CancellationToken cancel = default)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var loadAtStart = LoadAverage();
        _clock.Start();
        await DiscoverAsync(cancel);
        var prefill = _o.Prefill > 0 ? await PrefillAsync(cancel) : null;
        var baseline = await ScrapeAsync(cancel);
        var mode = _o.Max ? "closed loop (max)" : "open loop";
        _o.Log.WriteLine($"load: {mode}, {_o.Duration.TotalSeconds:F0} s, " +
            (_o.Max ? $"{_o.IngestConcurrency} ingest clients" : $"{_o.EventsPerSecond:N0} events/s") +
            $" in batches of {_o.Batch}; audiences {_o.AudiencesPerSecond}/s, profiles {_o.ProfilesPerSecond}/s, searches {_o.SearchesPerSecond}/s, " +
            $"console {(_console is null ? "off (no admin password)" : _o.PagesPerSecond + "/s")}; {_tagIds.Count} tags, run {_o.RunId}");

        var runStart = _clock.Elapsed;
        _endTicks = (runStart + _o.Duration).Ticks;
        // Cancelling ends the run early (e.g. the server process died); what was measured is still reported.
        using var stop = cancel.Register(() => Interlocked.Exchange(ref _endTicks, _clock.Elapsed.Ticks));
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var sampler = SampleLoopAsync(runStart, baseline, sampling.Token);
        var loops = new List<Task>
        {
            _o.Max
                ? ClosedLoopAsync(_ingest, _o.IngestConcurrency, IngestAsync)
                : OpenLoopAsync(_ingest, _o.EventsPerSecond / _o.Batch, IngestAsync),
            OpenLoopAsync(_audience, _o.AudiencesPerSecond, AudienceAsync),
            OpenLoopAsync(_profile, _o.ProfilesPerSecond, ProfileAsync),
            OpenLoopAsync(_search, _o.SearchesPerSecond, SearchAsync),
        };
        if (_console is not null)
        {
            loops.Add(OpenLoopAsync(_page, _o.PagesPerSecond, PageAsync));
        }
        await Task.WhenAll(loops);
        var elapsed = _clock.Elapsed - runStart;
        await sampling.CancelAsync();
        await sampler;
        // From here on the run's token is ignored: a run cut short still samples, verifies and reports.
        var final = await SampleAsync(runStart, CancellationToken.None);
        _samples.Add(final);

        var lanes = new[] { _ingest, _audience, _profile, _search, _page }.Where(l => l != _page || _console is not null);
        var operations = lanes.Select(l => l.Stats.Summary(elapsed)).ToList();
        (long Verified, long Duplicates, long Lost, string How) check = (0L, 0L, 0L, "skipped (--no-verify)");
        var verifyFailure = (string?)null;
        if (_o.Verify)
        {
            try
            {
                check = await VerifyAsync(CancellationToken.None);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException)
            {
                verifyFailure = $"verification could not run: {e.GetType().Name}: {e.Message}";
                check = (0, 0, 0, verifyFailure);
            }
        }
        var (verified, duplicates, lost, how) = check;
        var ingest = new IngestFigures(Interlocked.Read(ref _eventsSent), Interlocked.Read(ref _eventsAcked), _ackedBatches.Count,
            Interlocked.Read(ref _eventsAcked) / elapsed.TotalSeconds, final.EventsCommitted - baseline.EventsCommitted,
            verified, duplicates, lost, Interlocked.Read(ref _rejected), how);
        var failures = LoadReport.FailuresOf(operations, ingest);
        if (verifyFailure is not null)
        {
            failures.Add(verifyFailure);
        }
        var scrape = await ScrapeAsync(CancellationToken.None);
        var cpu = (final.CpuSeconds - baseline.CpuSeconds) / elapsed.TotalSeconds;
        var commitMs = (scrape.CommitCount - baseline.CommitCount) is > 0 and var commits ? (scrape.CommitSeconds - baseline.CommitSeconds) * 1000 / commits : 0;
        return new LoadReport(_o.RunId, startedAt, mode, elapsed.TotalSeconds, _o.BaseUrl, _o.ServerPid is not null, _o.EventsPerSecond, _o.Batch,
            new MachineFigures(Environment.ProcessorCount, System.Runtime.InteropServices.RuntimeInformation.OSDescription,
                System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription, loadAtStart, LoadAverage()),
            operations, ingest, Memory(elapsed), prefill, cpu, commitMs,
            _samples.Count == 0 ? 0 : _samples.Max(s => s.Pending), _samples.Count == 0 ? 0 : _samples.Max(s => s.PartitionLag), [.. _samples], failures);
    }

    // ---------------------------------------------------------------- scheduling

    /// <summary>Sends at a fixed rate whatever the answers (open loop), so a slow server cannot slow the offered load down.</summary>
    private async Task OpenLoopAsync(Lane lane, double perSecond, Func<TimeSpan, Task> operation)
    {
        if (perSecond <= 0)
        {
            return;
        }
        var interval = TimeSpan.FromSeconds(1 / perSecond);
        var inFlight = 0;
        var next = _clock.Elapsed;
        while (true)
        {
            if (await HonourRetryAfterAsync(lane))
            {
                next = _clock.Elapsed; // the server asked for a pause: the schedule resumes after it rather than bursting
            }
            next += interval;
            var wait = next - _clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }
            if (_clock.Elapsed >= End)
            {
                break;
            }
            if (Volatile.Read(ref inFlight) >= _o.InFlightCap)
            {
                lane.Stats.Skipped();
                continue;
            }
            Interlocked.Increment(ref inFlight);
            var scheduled = next;
            _ = Task.Run(async () =>
            {
                try
                {
                    await operation(scheduled);
                }
                finally
                {
                    Interlocked.Decrement(ref inFlight);
                }
            });
        }
        while (Volatile.Read(ref inFlight) > 0)
        {
            await Task.Delay(20);
        }
    }

    /// <summary>Each client sends its next request when the last is answered: the throughput the server sustains at saturation.</summary>
    private Task ClosedLoopAsync(Lane lane, int clients, Func<TimeSpan, Task> operation) =>
        Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            while (_clock.Elapsed < End)
            {
                await HonourRetryAfterAsync(lane);
                await operation(_clock.Elapsed);
            }
        })));

    private async Task<bool> HonourRetryAfterAsync(Lane lane)
    {
        var remaining = Volatile.Read(ref lane.NotBefore) - _clock.ElapsedTicks;
        if (remaining <= 0)
        {
            return false;
        }
        await Task.Delay(TimeSpan.FromSeconds((double)remaining / Stopwatch.Frequency));
        return true;
    }

    private TimeSpan Shed(Lane lane, HttpResponseMessage response)
    {
        lane.Stats.Shed();
        var after = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
        var until = _clock.ElapsedTicks + (long)(after.TotalSeconds * Stopwatch.Frequency);
        long seen;
        while ((seen = Volatile.Read(ref lane.NotBefore)) < until && Interlocked.CompareExchange(ref lane.NotBefore, until, seen) != seen)
        {
        }
        return after;
    }

    // ---------------------------------------------------------------- operations

    private async Task IngestAsync(TimeSpan scheduled)
    {
        var first = Interlocked.Add(ref _nextEvent, _o.Batch) - _o.Batch;
        Interlocked.Add(ref _eventsSent, _o.Batch);
        var body = _workload.EventBatch(first, _o.Batch);
        var start = scheduled;
        while (true)
        {
            HttpResponseMessage response;
            try
            {
                response = await _api.PostAsync("/api/v1/events", Content(body));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                _ingest.Stats.Error(e.GetType().Name);
                return;
            }
            using (response)
            {
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    var (results, rejected) = await ReadIngestAsync(response, remember: true);
                    _ingest.Stats.Ok(_clock.Elapsed - start, results);
                    Interlocked.Add(ref _eventsAcked, results);
                    Interlocked.Add(ref _rejected, rejected);
                    lock (_ackedBatches)
                    {
                        _ackedBatches.Add(first);
                    }
                    return;
                }
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    var after = Shed(_ingest, response);
                    if (_clock.Elapsed + after > End + Grace)
                    {
                        return; // never acknowledged: not part of the durability check
                    }
                    await Task.Delay(after);
                    start = _clock.Elapsed; // the same batch again (same ids), timed from its own send
                    continue;
                }
                var status = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
                if (_ingest.Stats.Error(status) == 1)
                {
                    var text = await response.Content.ReadAsStringAsync();
                    _o.Log.WriteLine($"ingest: first {status}: {text[..Math.Min(text.Length, 500)]}");
                }
                return;
            }
        }
    }

    private async Task<(int Results, int Rejected)> ReadIngestAsync(HttpResponseMessage response, bool remember)
    {
        using var doc = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync());
        var results = doc.RootElement.GetProperty("results");
        if (remember)
        {
            var i = 0;
            foreach (var r in results.EnumerateArray())
            {
                // Every fourth customer is enough to read recent, merged and fresh profiles.
                if (i++ % 4 == 0)
                {
                    var slot = Interlocked.Increment(ref _customersSeen) % _customers.Length;
                    Volatile.Write(ref _customers[slot], r.GetProperty("customer_id").GetInt64());
                }
            }
        }
        return (results.GetArrayLength(), doc.RootElement.GetProperty("rejected").GetArrayLength());
    }

    private Task AudienceAsync(TimeSpan scheduled) =>
        SendAsync(_audience, scheduled, () => _api.PostAsync("/api/v1/audiences/preview", JsonContent.Create(Workload.AudienceQuery(Random.Shared, _tagIds))));

    private Task ProfileAsync(TimeSpan scheduled) =>
        SendAsync(_profile, scheduled, () => _api.GetAsync($"/api/v1/customers/{KnownCustomer()}"));

    private Task SearchAsync(TimeSpan scheduled)
    {
        var population = 1000 + Interlocked.Read(ref _nextEvent) / 4;
        var k = Random.Shared.NextInt64(population);
        var q = Random.Shared.Next(3) switch
        {
            0 => _workload.Phone(k)[^4..], // 手机号后四位
            1 => _workload.Phone(k),
            _ => Workload.SearchSurname(Random.Shared.Next(10)),
        };
        return SendAsync(_search, scheduled, () => _api.GetAsync("/api/v1/customers?limit=20&q=" + Uri.EscapeDataString(q)));
    }

    private async Task PageAsync(TimeSpan scheduled)
    {
        var page = Pages[Random.Shared.Next(Pages.Length)].Replace("{id}", KnownCustomer().ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var status = await SendAsync(_page, scheduled, () => _console!.GetAsync(page));
        if (status == HttpStatusCode.Redirect && _clock.ElapsedMilliseconds - Interlocked.Read(ref _lastLogin) > 30_000)
        {
            await LoginAsync(); // the cookie expired or the server restarted: sign in again (at most every 30 s, the login is rate-limited)
        }
    }

    private long KnownCustomer()
    {
        var seen = Interlocked.Read(ref _customersSeen);
        return seen == 0 ? 1 : Volatile.Read(ref _customers[Random.Shared.NextInt64(1, Math.Min(seen, _customers.Length - 1) + 1)]);
    }

    private async Task<HttpStatusCode?> SendAsync(Lane lane, TimeSpan start, Func<Task<HttpResponseMessage>> send)
    {
        try
        {
            using var response = await send();
            if (response.IsSuccessStatusCode)
            {
                await response.Content.LoadIntoBufferAsync();
                lane.Stats.Ok(_clock.Elapsed - start);
            }
            else if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Shed(lane, response);
            }
            else
            {
                var status = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
                if (lane.Stats.Error(status) == 1)
                {
                    // The first answer of each kind, so a failed run says why without a debugger.
                    var body = await response.Content.ReadAsStringAsync();
                    _o.Log.WriteLine($"{lane.Stats.Name}: first {status}: {body[..Math.Min(body.Length, 500)]}");
                }
            }
            return response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            lane.Stats.Error(e.GetType().Name);
            return null;
        }
    }

    private static ByteArrayContent Content(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = Json;
        return content;
    }

    // ---------------------------------------------------------------- setup

    private async Task DiscoverAsync(CancellationToken cancel)
    {
        // Demo mode seeds its tags and customers just after the server answers ready: give it up to 30 s.
        for (var i = 0; i < 30 && _tagIds.Count < 5; i++)
        {
            var groups = await _api.GetFromJsonAsync<JsonArray>("/api/v1/tag-groups", cancel) ?? [];
            _tagIds = [.. groups.SelectMany(g => g!["tags"]!.AsArray()).Where(t => (string?)t!["kind"] == "manual").Select(t => (long)t!["id"]!)];
            if (_tagIds.Count < 5)
            {
                await Task.Delay(1000, cancel);
            }
        }
        var page = await _api.GetFromJsonAsync<JsonObject>("/api/v1/customers?limit=200", cancel);
        foreach (var item in page!["items"]!.AsArray())
        {
            var slot = Interlocked.Increment(ref _customersSeen) % _customers.Length;
            _customers[slot] = (long)item!["id"]!;
        }
        if (_console is not null)
        {
            await LoginAsync();
        }
    }

    private async Task LoginAsync()
    {
        Interlocked.Exchange(ref _lastLogin, _clock.ElapsedMilliseconds);
        using var response = await _console!.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["tenant"] = _o.Tenant, ["username"] = _o.AdminUser, ["password"] = _o.AdminPassword!, ["returnUrl"] = "/",
        }));
        if (response.StatusCode != HttpStatusCode.Redirect || response.Headers.Location?.OriginalString.Contains("login", StringComparison.OrdinalIgnoreCase) == true)
        {
            throw new InvalidOperationException($"Console sign-in as {_o.AdminUser}@{_o.Tenant} failed: {(int)response.StatusCode} {response.Headers.Location}");
        }
    }

    /// <summary>Posts <see cref="LoadOptions.Prefill"/> new customers as fast as two clients can, then waits for the partitions to apply them.</summary>
    private async Task<PrefillFigures> PrefillAsync(CancellationToken cancel)
    {
        const int perBatch = 500; // customers per request: two events each, the server's 1,000-event batch limit
        var started = _clock.Elapsed;
        long nextCustomer = 0, events = 0;
        await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var first = Interlocked.Add(ref nextCustomer, perBatch) - perBatch;
                if (first >= _o.Prefill)
                {
                    return;
                }
                var count = (int)Math.Min(perBatch, _o.Prefill - first);
                var body = _workload.PrefillBatch(first, count);
                while (true)
                {
                    using var response = await _api.PostAsync("/api/v1/events", Content(body), cancel);
                    if (response.StatusCode == HttpStatusCode.TooManyRequests)
                    {
                        await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1), cancel);
                        continue;
                    }
                    response.EnsureSuccessStatusCode();
                    Interlocked.Add(ref events, 2 * count);
                    break;
                }
                if (first / perBatch % 200 == 0)
                {
                    _o.Log.WriteLine($"prefill: {first + count:N0} / {_o.Prefill:N0} customers, {_clock.Elapsed - started:mm\\:ss}");
                }
            }
        }, cancel)));
        var seconds = (_clock.Elapsed - started).TotalSeconds;
        // RSS is read once the partitions hold every profile, not while the log tail is still being applied.
        for (var i = 0; i < 600; i++)
        {
            var m = await ScrapeAsync(cancel);
            if (m.Pending == 0 && m.PartitionLag == 0)
            {
                break;
            }
            await Task.Delay(1000, cancel);
        }
        await Task.Delay(TimeSpan.FromSeconds(5), cancel);
        var sample = await SampleAsync(started, cancel);
        var total = await _api.GetFromJsonAsync<JsonObject>("/api/v1/customers?limit=1", cancel);
        var figures = new PrefillFigures(_o.Prefill, events, seconds, events / seconds, sample.RssBytes, sample.WorkingSetBytes, sample.GcHeapBytes,
            DatabaseBytes(), (long?)total?["total"] ?? 0);
        _o.Log.WriteLine($"prefill: {figures.Customers:N0} customers in {seconds:F1} s ({figures.EventsPerSecond:N0} events/s); RSS {figures.RssBytes / 1048576.0:N0} MiB, " +
            $"working set {figures.WorkingSetBytes / 1048576.0:N0} MiB, GC heap {figures.GcHeapBytes / 1048576.0:N0} MiB, SQLite {figures.DatabaseBytes / 1048576.0:N0} MiB, {figures.CustomersTotal:N0} customers in the tenant");
        return figures;
    }

    private long? DatabaseBytes() =>
        _o.DataDirectory is { } dir && Directory.Exists(dir)
            ? Directory.EnumerateFiles(dir, "*.db*", SearchOption.TopDirectoryOnly).Sum(f => new FileInfo(f).Length)
            : null;

    // ---------------------------------------------------------------- verification

    /// <summary>
    /// Re-posts every acknowledged batch (rebuilt from its numbers, up to 1,000 events a request): each event must
    /// answer duplicate, i.e. its idempotency key is in the log. A new acceptance means an acknowledged event was lost.
    /// </summary>
    private async Task<(long Verified, long Duplicates, long Lost, string How)> VerifyAsync(CancellationToken cancel)
    {
        List<long> batches;
        lock (_ackedBatches)
        {
            batches = [.. _ackedBatches.Order()];
        }
        var perRequest = Math.Max(1, 1000 / _o.Batch);
        var groups = batches.Chunk(perRequest).ToList();
        long verified = 0, duplicates = 0, lost = 0, nextGroup = -1;
        var started = _clock.Elapsed;
        await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            long g;
            while ((g = Interlocked.Increment(ref nextGroup)) < groups.Count)
            {
                var body = _workload.EventBatches(groups[(int)g].Select(first => (first, _o.Batch)));
                while (true)
                {
                    using var response = await _api.PostAsync("/api/v1/events", Content(body), cancel);
                    if (response.StatusCode == HttpStatusCode.TooManyRequests)
                    {
                        await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1), cancel);
                        continue;
                    }
                    if (response.StatusCode != HttpStatusCode.Accepted)
                    {
                        throw new InvalidOperationException($"Verification re-post answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancel)}");
                    }
                    using var doc = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancel), cancellationToken: cancel);
                    var count = doc.RootElement.GetProperty("results").GetArrayLength();
                    var dup = doc.RootElement.GetProperty("duplicates").GetInt64();
                    Interlocked.Add(ref verified, count);
                    Interlocked.Add(ref duplicates, dup);
                    Interlocked.Add(ref lost, count - dup);
                    break;
                }
            }
        }, cancel)));
        var how = $"every acknowledged batch re-posted with the same event ids ({groups.Count:N0} requests in {(_clock.Elapsed - started).TotalSeconds:F1} s); each event must answer duplicate";
        _o.Log.WriteLine($"verify: {verified:N0} events re-posted, {duplicates:N0} duplicates, {lost:N0} lost");
        return (verified, duplicates, lost, how);
    }

    // ---------------------------------------------------------------- server figures

    private async Task SampleLoopAsync(TimeSpan runStart, ServerMetrics baseline, CancellationToken cancel)
    {
        var last = baseline;
        var lastAt = _clock.Elapsed;
        try
        {
            while (true)
            {
                await Task.Delay(_o.ReportEvery, cancel);
                var sample = await SampleAsync(runStart, cancel);
                if (_samples.Count < 10_000)
                {
                    _samples.Add(sample);
                }
                var now = _clock.Elapsed;
                var length = now - lastAt;
                var line = new System.Text.StringBuilder();
                line.Append(CultureInfo.InvariantCulture, $"t={sample.AtSeconds,5:F0}s");
                foreach (var lane in new[] { _ingest, _audience, _profile, _search, _page })
                {
                    var f = lane.Stats.TakeInterval(length);
                    if (f.Ok > 0 || lane == _ingest)
                    {
                        line.Append(CultureInfo.InvariantCulture, $" | {f.Name} {f.UnitsPerSecond:N0}/s p50 {f.P50Ms:F1} p95 {f.P95Ms:F1} p99 {f.P99Ms:F1} max {f.MaxMs:F0} ms");
                    }
                }
                var memory = sample.RssBytes ?? sample.WorkingSetBytes;
                line.Append(CultureInfo.InvariantCulture, $" | server {(sample.EventsCommitted - last.EventsCommitted) / length.TotalSeconds:N0} committed/s, RSS {memory / 1048576.0:N0} MiB, queue {sample.Pending:N0}, lag {sample.PartitionLag:N0}, load {sample.LoadAverage1:F2}");
                _o.Log.WriteLine(line.ToString());
                last = last with { EventsCommitted = sample.EventsCommitted };
                lastAt = now;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<ServerSample> SampleAsync(TimeSpan runStart, CancellationToken cancel)
    {
        var m = await ScrapeAsync(cancel);
        return new ServerSample(Math.Round((_clock.Elapsed - runStart).TotalSeconds, 1), ProcessRss(), m.WorkingSet, m.GcHeap, m.EventsCommitted, m.Shed,
            m.Pending, m.PartitionLag, m.CpuSeconds, double.TryParse(LoadAverage().Split(' ')[0], CultureInfo.InvariantCulture, out var l) ? l : 0);
    }

    private sealed record ServerMetrics(double EventsCommitted, double Shed, double Pending, double PartitionLag, double CpuSeconds,
        long? WorkingSet, long? GcHeap, double CommitSeconds, double CommitCount);

    private async Task<ServerMetrics> ScrapeAsync(CancellationToken cancel)
    {
        string text;
        try
        {
            text = await _api.GetStringAsync("/metrics", cancel);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancel.IsCancellationRequested)
        {
            // The server is gone or too busy to answer: keep the last figures rather than report counters falling to 0.
            return _lastMetrics ?? new ServerMetrics(0, 0, 0, 0, 0, null, null, 0, 0);
        }
        var sums = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var raw in text.AsSpan().EnumerateLines())
        {
            if (raw.IsEmpty || raw[0] == '#')
            {
                continue;
            }
            var nameEnd = raw.IndexOfAny('{', ' ');
            var valueStart = raw.LastIndexOf(' ');
            if (nameEnd <= 0 || valueStart <= 0 || !double.TryParse(raw[(valueStart + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }
            var name = raw[..nameEnd].ToString();
            sums[name] = sums.GetValueOrDefault(name) + value;
        }
        double Get(string name) => sums.GetValueOrDefault(name);
        long? Bytes(string name) => sums.TryGetValue(name, out var v) ? (long)v : null;
        return _lastMetrics = new ServerMetrics(Get("siyu_ingest_events_total"), Get("siyu_ingest_shed_total"), Get("siyu_ingest_pending"), Get("siyu_partitions_lag"),
            Get("dotnet_process_cpu_time_seconds_total"), Bytes("dotnet_process_memory_working_set_bytes"), Bytes("dotnet_gc_last_collection_heap_size_bytes"),
            Get("siyu_ingest_commit_duration_seconds_sum"), Get("siyu_ingest_commit_duration_seconds_count"));
    }

    /// <summary>VmRSS of the server process when the bench started it (Linux); null otherwise, and /metrics' working set stands in.</summary>
    private long? ProcessRss()
    {
        if (_o.ServerPid is not { } pid)
        {
            return null;
        }
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        return null;
    }

    private MemoryFigures Memory(TimeSpan elapsed)
    {
        var source = _samples.Any(s => s.RssBytes is not null) ? "VmRSS of the server process (/proc/<pid>/status)" : "/metrics dotnet_process_memory_working_set_bytes";
        long? Value(ServerSample s) => s.RssBytes ?? s.WorkingSetBytes;
        // Growth from the 2-minute mark (warm-up done) to the end; shorter runs measure from their middle.
        var from = Math.Min(120, elapsed.TotalSeconds / 2);
        var start = _samples.FirstOrDefault(s => s.AtSeconds >= from - 0.5);
        var end = _samples.LastOrDefault();
        var a = start is null ? null : Value(start);
        var b = end is null ? null : Value(end);
        var peak = _samples.Select(Value).Where(v => v is not null).DefaultIfEmpty(null).Max();
        return new MemoryFigures(source, a, start?.AtSeconds ?? from, b, peak, a is { } x && b is { } y ? y - x : null,
            a is { } x2 && b is { } y2 && x2 > 0 ? Math.Round(100.0 * (y2 - x2) / x2, 1) : null);
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    public void Dispose()
    {
        _api.Dispose();
        _console?.Dispose();
    }
}
