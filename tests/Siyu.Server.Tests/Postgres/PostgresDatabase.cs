using Npgsql;

namespace Siyu.Server.Tests.Postgres;

/// <summary>
/// A fresh PostgreSQL database for one test class, dropped at the end. The server comes from SIYU_TEST_POSTGRES
/// (default: the local siyu/siyu superuser that test.sh sets up). No server reachable: the tests skip with the reason,
/// except under CI=true, where they fail — CI must never pass by skipping them.
/// </summary>
public sealed class PostgresDatabase : IDisposable
{
    public const string DefaultServer = "Host=127.0.0.1;Port=5432;Username=siyu;Password=siyu";

    private readonly string _server;

    public PostgresDatabase()
    {
        _server = Environment.GetEnvironmentVariable("SIYU_TEST_POSTGRES") is { Length: > 0 } configured ? configured : DefaultServer;
        Name = "siyu_test_" + Guid.NewGuid().ToString("N")[..16];
        try
        {
            using var c = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_server) { Database = "postgres", Timeout = 5 }.ConnectionString);
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"CREATE DATABASE {Name}";
            cmd.ExecuteNonQuery();
        }
        catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            Unavailable = $"PostgreSQL is not reachable at '{Redacted(_server)}' ({e.Message}). Start it (as root: bash test.sh does it; " +
                "or `pg_ctlcluster 15 main start` and create role siyu/siyu) or point SIYU_TEST_POSTGRES at a server.";
        }
        ConnectionString = new NpgsqlConnectionStringBuilder(_server) { Database = Name }.ConnectionString;
    }

    /// <summary>The database name, fresh per instance.</summary>
    public string Name { get; }

    public string ConnectionString { get; }

    /// <summary>Why no database could be created; null when it was.</summary>
    public string? Unavailable { get; }

    /// <summary>Call first in every test: skips (or, on CI, fails) when PostgreSQL is not there.</summary>
    public void Require()
    {
        if (Unavailable is null)
        {
            return;
        }
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(Unavailable);
        }
        Skip.If(true, Unavailable);
    }

    public NpgsqlConnection Open()
    {
        var c = new NpgsqlConnection(ConnectionString);
        c.Open();
        return c;
    }

    /// <summary>The oracle: one value straight from the PostgreSQL tables.</summary>
    public long Scalar(string sql, params (string Name, object Value)[] parameters)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value);
        }
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public List<T> Rows<T>(string sql, Func<NpgsqlDataReader, T> read, params (string Name, object Value)[] parameters)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value);
        }
        using var r = cmd.ExecuteReader();
        var list = new List<T>();
        while (r.Read())
        {
            list.Add(read(r));
        }
        return list;
    }

    public void Dispose()
    {
        if (Unavailable is not null)
        {
            return;
        }
        NpgsqlConnection.ClearAllPools();
        using var c = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_server) { Database = "postgres" }.ConnectionString);
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"DROP DATABASE IF EXISTS {Name} WITH (FORCE)";
        cmd.ExecuteNonQuery();
    }

    private static string Redacted(string cs)
    {
        var b = new NpgsqlConnectionStringBuilder(cs);
        if (!string.IsNullOrEmpty(b.Password))
        {
            b.Password = "***";
        }
        return b.ConnectionString;
    }
}
