namespace Siyu.Bench.Load;

/// <summary>What to run against which server. Rates are per second; in max mode they are ignored and each operation runs closed-loop.</summary>
public sealed record LoadOptions
{
    public required string BaseUrl { get; init; }
    public required string ApiKey { get; init; }
    /// <summary>Console sign-in; without a password the console traffic is skipped.</summary>
    public string Tenant { get; init; } = "demo";
    public string AdminUser { get; init; } = "admin";
    public string? AdminPassword { get; init; }
    /// <summary>When the bench started the server: its pid (RSS from /proc) and data directory (SQLite file size).</summary>
    public int? ServerPid { get; init; }
    public string? DataDirectory { get; init; }

    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(10);
    public TimeSpan ReportEvery { get; init; } = TimeSpan.FromSeconds(10);
    public bool Max { get; init; }
    public double EventsPerSecond { get; init; } = 2000;
    public int Batch { get; init; } = 100;
    public double AudiencesPerSecond { get; init; } = 4;
    public double ProfilesPerSecond { get; init; } = 20;
    public double SearchesPerSecond { get; init; } = 5;
    public double PagesPerSecond { get; init; } = 1;
    /// <summary>Max mode: concurrent closed-loop ingest clients (the other operations get one each).</summary>
    public int IngestConcurrency { get; init; } = 4;
    /// <summary>Open loop: requests of one operation allowed in flight before further scheduled ones are skipped (keeps memory bounded).</summary>
    public int InFlightCap { get; init; } = 256;
    /// <summary>Customers (two events each) posted as fast as possible before the timed run; their RSS and file size feed the sizing figures.</summary>
    public int Prefill { get; init; }
    public bool Verify { get; init; } = true;
    public string RunId { get; init; } = Guid.NewGuid().ToString("N")[..8];
    public TextWriter Log { get; init; } = Console.Out;
}
