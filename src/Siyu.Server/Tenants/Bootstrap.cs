using Microsoft.EntityFrameworkCore;
using Siyu.Server.Auth;
using Siyu.Server.Data;

namespace Siyu.Server.Tenants;

/// <summary>Runs <see cref="Bootstrap"/> before the silo and the ingest writer start (hosted services start in order).</summary>
public sealed class BootstrapService(IServiceProvider services, SiyuOptions options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Bootstrap.RunAsync(services, options);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>First run: migrate the embedded database, create the demo tenant, its admin and an ingest key.</summary>
public static partial class Bootstrap
{
    public static async Task RunAsync(IServiceProvider services, SiyuOptions options)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SiyuDb>();
        var logger = scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("Siyu.Bootstrap");
        var time = scope.ServiceProvider.GetRequiredService<TimeProvider>();
        await db.Database.MigrateAsync();
        await Compliance.AuditLog.SealLegacyAsync(db);
        var pii = scope.ServiceProvider.GetRequiredService<Compliance.PiiKeys.Source>();
        if (pii.GeneratedFile is { } keyFile)
        {
            LogGeneratedKeys(logger, keyFile);
        }
        if (db.Database.IsSqlite())
        {
            // Before the ingest writer loads the identity index and before any partition reads a snapshot. PostgreSQL
            // databases are younger than PII encryption: every row there was written encrypted, nothing to upgrade.
            Compliance.PiiBackfill.Run(db.Database.GetConnectionString()!, pii.Protector, logger);
            await using var connection = new Microsoft.Data.Sqlite.SqliteConnection(db.Database.GetConnectionString());
            await connection.OpenAsync();
            await using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA journal_mode=WAL;";
            await pragma.ExecuteNonQueryAsync();
        }

        if (await db.Tenants.AnyAsync())
        {
            return;
        }
        var now = time.GetUtcNow().UtcTicks;
        var tenant = new Tenant { Slug = options.DemoTenantSlug, Name = "演示商户", Partitions = options.Partitions, CreatedAtTicks = now };
        db.Tenants.Add(tenant);
        await db.SaveChangesAsync();

        var password = options.AdminPassword;
        var printed = false;
        if (string.IsNullOrEmpty(password))
        {
            password = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12)).Replace('/', 'x').Replace('+', 'y');
            printed = true;
        }
        var admin = new ConsoleUser { TenantId = tenant.Id, UserName = "admin", DisplayName = "管理员", Role = Roles.Admin, PasswordHash = "", CreatedAtTicks = now };
        admin.PasswordHash = new Passwords().Hash(admin, password);
        db.Users.Add(admin);

        var (key, secret) = ApiKeys.Create(tenant.Id, "demo ingest", now);
        if (!string.IsNullOrEmpty(options.DemoApiKey))
        {
            secret = options.DemoApiKey;
            key.Prefix = secret[..Math.Min(10, secret.Length)];
            key.SecretHash = ApiKeys.Hash(secret);
        }
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync();

        // Printed once on purpose: the secrets are not stored in plain text anywhere.
        Console.WriteLine("================ Siyu first run ================");
        Console.WriteLine($"Tenant:   {tenant.Slug} ({tenant.Name})");
        Console.WriteLine($"Login:    admin / {(printed ? password : "(from Siyu:AdminPassword)")}");
        Console.WriteLine($"API key:  {secret}");
        Console.WriteLine("================================================");
        LogCreated(logger, tenant.Slug);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "!!! PII encryption keys are not configured: using generated keys from {File}. Anyone with this file and the database reads the personal data, and losing it loses the data. Production must set Siyu:Pii:Keys:{{kid}}, Siyu:Pii:ActiveKey and Siyu:Pii:HashKey (see README, PII encryption) !!!")]
    private static partial void LogGeneratedKeys(ILogger logger, string file);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created tenant {Tenant} with its admin user and an ingest API key")]
    private static partial void LogCreated(ILogger logger, string tenant);
}

/// <summary>Settings under the <c>Siyu</c> configuration section.</summary>
public sealed class SiyuOptions
{
    public string DataDirectory { get; set; } = "data";
    /// <summary>Connection string of <see cref="DatabaseProvider"/>; for SQLite it defaults to a file in <see cref="DataDirectory"/>.</summary>
    public string? Database { get; set; }
    /// <summary><c>sqlite</c> (default, zero configuration) or <c>postgres</c> (then <see cref="Database"/> is required).</summary>
    public string DatabaseProvider { get; set; } = "sqlite";
    public string? AdminPassword { get; set; }
    /// <summary>Fixed demo API key (tests, scripts); random when empty.</summary>
    public string? DemoApiKey { get; set; }
    public string DemoTenantSlug { get; set; } = "demo";
    public bool Demo { get; set; } = true;
    public int Partitions { get; set; } = 8;
    public int SiloPort { get; set; } = 11111;
    public int GatewayPort { get; set; } = 30000;
    public int MaxBatch { get; set; } = 1000;
    public long MaxRequestBytes { get; set; } = 5 * 1024 * 1024;
    public long MaxPendingEvents { get; set; } = 200_000;
    /// <summary>Events per second each tenant may ingest through the API (0 = no per-tenant quota).</summary>
    public int TenantEventsPerSecond { get; set; }
    /// <summary>A partition snapshots after this many events (or 5 minutes after any change); bounds replay at activation.</summary>
    public int SnapshotEveryEvents { get; set; } = 100_000;
    /// <summary>Profiles serialised per 100 ms slice while a snapshot is written, so the partition never pauses long.</summary>
    public int SnapshotSliceProfiles { get; set; } = 500;
    /// <summary>Public address customers reach Siyu at (short links); empty = the first address the server listens on.</summary>
    public string? PublicBaseUrl { get; set; }
    /// <summary>Base64 HMAC key for short-link codes; empty = a random key kept in data/keys/links.key.</summary>
    public string? LinkKey { get; set; }

    /// <summary>Base64 of 32 bytes: encrypts the data-protection key ring (cookies, stored WeCom secrets) at rest.</summary>
    public string? DataProtectionKey { get; set; }

    /// <summary>Data-subject requests (PIPL): <c>Siyu:Compliance:RequestDueDays</c>.</summary>
    public ComplianceOptions Compliance { get; set; } = new();

    /// <summary>Cluster mode: <c>Siyu:Cluster:Enabled</c> and its settings.</summary>
    public Cluster.ClusterSettings Cluster { get; set; } = new();

    public string ConnectionString => Database ?? (Provider == Data.DatabaseProvider.Postgres
        ? throw new InvalidOperationException("Siyu:DatabaseProvider is postgres but Siyu:Database (the connection string, e.g. Host=...;Username=...;Password=...;Database=...) is not set.")
        : $"Data Source={Path.Combine(DataDirectory, "siyu.db")};Pooling=True");

    public Data.DatabaseProvider Provider => Data.DatabaseOptions.ParseProvider(DatabaseProvider);
}

public sealed class ComplianceOptions
{
    /// <summary>Calendar days a data-subject request may take from receipt (PIPL practice: 15).</summary>
    public int RequestDueDays { get; set; } = Siyu.Core.Compliance.DsrWorkflow.DefaultDueDays;
}
