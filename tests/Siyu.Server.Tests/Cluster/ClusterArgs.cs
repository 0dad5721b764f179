using System.Security.Cryptography;

namespace Siyu.Server.Tests.Cluster;

/// <summary>What every node of one test cluster shares: the database, the cluster id, and the keys.</summary>
public static class ClusterArgs
{
    public static string[] Create(ClusterDatabase database)
    {
        static string Key() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        return
        [
            .. database.ServerArgs,
            "--Siyu:Cluster:Enabled=true",
            "--Siyu:Cluster:AdvertisedIp=127.0.0.1",
            $"--Siyu:Cluster:ClusterId=test-{database.Name}",
            "--Logging:LogLevel:Siyu.Server.Cluster=Information",
            "--Logging:LogLevel:Siyu.Server.Partitions=Information",
            "--Logging:LogLevel:Siyu.Server.Delivery=Information",
            $"--Siyu:Pii:Keys:k1={Key()}",
            "--Siyu:Pii:ActiveKey=k1",
            $"--Siyu:Pii:HashKey={Key()}",
            $"--Siyu:LinkKey={Key()}",
        ];
    }
}

/// <summary>The PostgreSQL database a test cluster shares (fresh per test, dropped afterwards).</summary>
public sealed class ClusterDatabase : IAsyncDisposable
{
    private readonly Postgres.PostgresDatabase _pg = new();

    public string Name => _pg.Name;

    public string[] ServerArgs => ["--Siyu:DatabaseProvider=postgres", $"--Siyu:Database={_pg.ConnectionString}"];

    /// <summary>Skips (or, on CI, fails) when PostgreSQL is not there.</summary>
    public void Require() => _pg.Require();

    public static Task<ClusterDatabase> CreateAsync() => Task.FromResult(new ClusterDatabase());

    public ValueTask DisposeAsync()
    {
        _pg.Dispose();
        return ValueTask.CompletedTask;
    }
}
