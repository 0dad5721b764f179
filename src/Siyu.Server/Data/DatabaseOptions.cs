using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Siyu.Server.Data;

/// <summary>Where everything is stored: <c>Siyu:DatabaseProvider</c> = <c>sqlite</c> (default) or <c>postgres</c>.</summary>
public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>
/// The connection for hand-written SQL and the few spellings that differ between the providers. Everything else is
/// written once: unquoted identifiers (lower-cased columns on PostgreSQL, see <see cref="PostgresSiyuDb"/>) and
/// <c>@name</c> parameters, which both Microsoft.Data.Sqlite and Npgsql accept.
/// </summary>
public sealed record DatabaseOptions(string ConnectionString, DatabaseProvider Provider = DatabaseProvider.Sqlite)
{
    public bool IsPostgres => Provider == DatabaseProvider.Postgres;

    public static DatabaseProvider ParseProvider(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        null or "" or "sqlite" => DatabaseProvider.Sqlite,
        "postgres" or "postgresql" or "npgsql" => DatabaseProvider.Postgres,
        _ => throw new InvalidOperationException($"Siyu:DatabaseProvider '{name}' is not supported: use 'sqlite' (default) or 'postgres'."),
    };

    /// <summary>An open connection of the configured provider (pooled by both drivers).</summary>
    public DbConnection Open()
    {
        if (IsPostgres)
        {
            var pg = new NpgsqlConnection(ConnectionString);
            pg.Open();
            return pg;
        }
        var c = new SqliteConnection(ConnectionString);
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA busy_timeout=5000;";
        cmd.ExecuteNonQuery();
        return c;
    }

    /// <summary>1-based position of <paramref name="needle"/> in <paramref name="haystack"/>, 0 when absent (SQLite instr, PostgreSQL strpos).</summary>
    public string Instr(string haystack, string needle) => IsPostgres ? $"strpos({haystack}, {needle})" : $"instr({haystack}, {needle})";

    /// <summary>Equality that treats two NULLs as equal (SQLite <c>IS</c>).</summary>
    public string SameAs(string a, string b) => IsPostgres ? $"{a} IS NOT DISTINCT FROM {b}" : $"{a} IS {b}";

    /// <summary>A top-level JSON field of a text column, as text.</summary>
    public string JsonField(string column, string field) => IsPostgres ? $"({column}::jsonb ->> '{field}')" : $"json_extract({column}, '$.{field}')";

    /// <summary>Registers the EF context of the configured provider; <see cref="SiyuDb"/> is injected either way.</summary>
    internal void AddDbContexts(IServiceCollection services)
    {
        if (IsPostgres)
        {
            var cs = ConnectionString;
            services.AddDbContextFactory<PostgresSiyuDb>(o => o.UseNpgsql(cs));
            services.AddSingleton<IDbContextFactory<SiyuDb>, PostgresSiyuDbFactory>();
            services.AddScoped<SiyuDb>(sp => sp.GetRequiredService<IDbContextFactory<SiyuDb>>().CreateDbContext());
        }
        else
        {
            services.AddDbContextFactory<SiyuDb>(o => o.UseSqlite(ConnectionString));
            services.AddDbContext<SiyuDb>(o => o.UseSqlite(ConnectionString), optionsLifetime: ServiceLifetime.Singleton);
        }
        services.AddSingleton(this);
    }
}

/// <summary>Parameters by name on any ADO.NET command (SqliteCommand's AddWithValue is not on DbCommand).</summary>
public static class DbCommandExtensions
{
    public static DbParameter Param(this DbCommand cmd, string name, object? value, DbType? type = null)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value ?? DBNull.Value;
        if (type is { } t)
        {
            // A NULL gives PostgreSQL nothing to infer the type from.
            p.DbType = t;
        }
        cmd.Parameters.Add(p);
        return p;
    }
}

/// <summary>Provider-neutral reading of database errors.</summary>
public static class DbErrors
{
    /// <summary>A unique (or primary key) constraint refused the row: SQLite error 19, PostgreSQL SQLSTATE 23505.</summary>
    public static bool IsUniqueViolation(DbUpdateException e) => IsUniqueViolation(e.InnerException);

    public static bool IsUniqueViolation(Exception? e) => e switch
    {
        SqliteException { SqliteErrorCode: 19 } => true,
        PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } => true,
        _ => false,
    };

    /// <summary>PostgreSQL could not store a text value (U+0000, which its text type cannot hold); anywhere in the chain.</summary>
    public static bool IsUnstorableText(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is PostgresException { SqlState: PostgresErrorCodes.CharacterNotInRepertoire or PostgresErrorCodes.UntranslatableCharacter })
            {
                return true;
            }
        }
        return false;
    }
}
