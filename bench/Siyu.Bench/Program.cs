using Siyu.Bench;

return args.FirstOrDefault() switch
{
    "ingest" => await IngestBench.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.WriteLine("""
        Siyu benchmarks
          dotnet run -c Release --project bench/Siyu.Bench -- ingest [--events N] [--seconds S]
            sustained durable ingest through the in-process path and the HTTP API, and the
            POST-to-visible-on-profile latency at 5,000 events/s offered load.
        """);
    return 2;
}
