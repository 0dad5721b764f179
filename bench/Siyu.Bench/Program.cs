using Siyu.Bench;

return args.FirstOrDefault() switch
{
    "ingest" => await IngestBench.RunAsync(args[1..]),
    "core" => RunCore(args[1..]),
    "audiences" => Siyu.Bench.Audiences.AudienceBench.Run(args[1..]),
    "ruletags" => await RuleTagBench.RunAsync(args[1..]),
    "welcome" => await WelcomeBench.RunAsync(args[1..]),
    "journeys" => JourneyBench.Run(args[1..]),
    "analytics" => AnalyticsBench.Run(args[1..]),
    "archive" => await ArchiveBench.RunAsync(args[1..]),
    "text" => await RunTextAsync(args[1..]),
    "load" => await LoadBench.RunAsync(args[1..]),
    _ => Usage(),
};

static int RunCore(string[] args)
{
    // Without a filter the switcher would ask interactively; run everything, as before.
    if (!args.Contains("--filter"))
    {
        args = [.. args, "--filter", "*"];
    }
    BenchmarkDotNet.Running.BenchmarkSwitcher.FromTypes([typeof(CoreBenchmarks), typeof(DeliveryBenchmarks), typeof(PiiBenchmarks), typeof(IntentBenchmarks), typeof(StoreIndexBenchmarks), typeof(NearStoreAudienceBenchmarks)]).Run(args);
    return 0;
}

static async Task<int> RunTextAsync(string[] args)
{
    // --with-archive [--messages N]: afterwards, archive ingestion messages/s (starts a server; optional so that
    // `text --quick` stays about a minute).
    var withArchive = args.Contains("--with-archive");
    var messages = Array.IndexOf(args, "--messages") is var m and >= 0 && m + 1 < args.Length ? args[m + 1] : "5000";
    args = [.. args.Where((a, i) => a != "--with-archive" && a != "--messages" && (i == 0 || args[i - 1] != "--messages"))];
    if (args.Contains("--quick"))
    {
        Siyu.Bench.Text.TextQuickBench.Run();
    }
    else
    {
        if (!args.Contains("--filter"))
        {
            args = [.. args, "--filter", "*"];
        }
        BenchmarkDotNet.Running.BenchmarkSwitcher.FromTypes([typeof(Siyu.Bench.Text.TextMatchBenchmarks), typeof(Siyu.Bench.Text.NaiveMatchBenchmarks)]).Run(args);
    }
    if (!withArchive)
    {
        Console.WriteLine();
        Console.WriteLine("Archive ingestion messages/s: add --with-archive (or run `archive`).");
        return 0;
    }
    Console.WriteLine();
    return await ArchiveBench.RunAsync(["--messages", messages]);
}

static int Usage()
{
    Console.WriteLine("""
        Siyu benchmarks
          dotnet run -c Release --project bench/Siyu.Bench -- ingest [--events N] [--seconds S] [--snapshot-every N] [--postgres CONN]
            sustained durable ingest through the in-process path and the HTTP API, and the
            POST-to-visible-on-profile latency at 5,000 events/s offered load. --postgres "Host=...;Username=...;Password=..."
            runs it on a fresh database created on that PostgreSQL server (dropped afterwards) instead of SQLite.
          dotnet run -c Release --project bench/Siyu.Bench -- audiences [--customers N] [--events N] [--partitions P] [--runs R] [--skip-sqlite] [--siyu-only]
            the three audience questions in Siyu's engine, DuckDB (raw events) and SQLite (join tables, as SQL SCRMs do).
          dotnet run -c Release --project bench/Siyu.Bench -- ruletags [--samples N] [--background EVENTS_PER_S]
            POST of a rule-matching event → rule tag on the profile, under background load.
          dotnet run -c Release --project bench/Siyu.Bench -- welcome [--samples N] [--burst N]
            channel-code scan → callback → welcome message accepted, against the code's 20-second life.
          dotnet run -c Release --project bench/Siyu.Bench -- journeys [--customers N] [--spread S]
            N customers through a 5-step journey with waits on the real clock: steps/s, timer lateness p50/p99/max and
            memory per enrolled customer, on 1 and 2 partitions; then the due-timer structures side by side.
          dotnet run -c Release --project bench/Siyu.Bench -- analytics [--paths 10000,1000000,10000000] [--customers 10000000]
            Markov attribution (order 1 and 2, 12 and 50 channels) against a straightforward implementation; RFM
            scoring of N customers against the same scores in DuckDB SQL.
          dotnet run -c Release --project bench/Siyu.Bench -- archive [--messages N] [--batch B] [--customers C]
            session archive ingestion over HTTP as a sidecar drives it (messages/s, durable before each 202), then
            tenant-wide Chinese search latency over the stored messages.
          dotnet run -c Release --project bench/Siyu.Bench -- load [--minutes 10 | --quick] [--events-per-second 2000] [--batch 100] [--max [--concurrency 4]]
                [--url http://127.0.0.1:5080 --api-key K [--admin-password P --tenant demo]] [--prefill N] [--out bench/results/load.md]
            mixed load and soak: batched event ingest (open loop at the rate, or --max closed loop), audience previews,
            profile reads, customer search and console pages; a report every 10 s, server RSS over time, then every
            acknowledged event re-posted (all must be duplicates). Exit 1 on any 5xx or lost event. Without --url it starts
            the server as its own process in demo mode on a temporary data directory. --prefill N: N customers first (sizing).
          dotnet run -c Release --project bench/Siyu.Bench -- core [--filter '*Review*'] [--job short]
            BenchmarkDotNet: event validation and identity resolution per event; content review of a
            500-character message against every built-in rule pack; a whole delivery decision.
          dotnet run -c Release --project bench/Siyu.Bench -- text [--filter '*TextMatch*'] [--quick] [--with-archive [--messages N]]
            BenchmarkDotNet: multi-pattern matching chars/s with 1,000 / 10,000 / 50,000 words over 2M chars of
            Chinese chat text: TextMatcher (all matches, count only), SearchValues<string> IndexOfAny, the previous
            KeywordMatcher; and a naive every-pattern-at-every-position loop at 1,000 words over 20K chars.
            --quick: the same matchers timed by process CPU time instead (for a busy machine), no BenchmarkDotNet;
            also ContainsAny per line, the naive loop at every pattern count, and TextMatcher sizes.
            --with-archive: then archive ingestion messages/s (the `archive` run, default 5,000 messages).
        """);
    return 2;
}
