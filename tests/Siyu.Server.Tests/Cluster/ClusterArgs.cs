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

/// <summary>The database a test cluster shares (one per test, removed afterwards).</summary>
public sealed class ClusterDatabase : IAsyncDisposable
{
    private readonly string _file;

    private ClusterDatabase(string name, string file)
    {
        Name = name;
        _file = file;
    }

    public string Name { get; }

    public string[] ServerArgs => [$"--Siyu:Database=Data Source={_file};Pooling=True"];

    public static Task<ClusterDatabase> CreateAsync()
    {
        var name = Guid.NewGuid().ToString("N")[..12];
        var dir = Path.Combine(Path.GetTempPath(), "siyu-tests", "cluster-db-" + name);
        Directory.CreateDirectory(dir);
        return Task.FromResult(new ClusterDatabase(name, Path.Combine(dir, "siyu.db")));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
