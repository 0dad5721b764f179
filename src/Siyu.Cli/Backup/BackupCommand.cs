using Microsoft.Data.Sqlite;

namespace Siyu.Cli.Backup;

/// <summary>
/// <c>siyu backup</c> and <c>siyu restore</c> for the embedded SQLite storage. Backup uses SQLite's online backup API,
/// so it runs while the server is up and yields one consistent copy of everything stored — configuration, the
/// identity index, the event log and the partition snapshots — plus the key files (<c>keys/</c>) without which the
/// encrypted personal data and the short links of that copy cannot be read. Restore puts such a backup in place of a
/// data directory; the server must be stopped.
/// </summary>
public static class BackupCommand
{
    public const string DatabaseFile = "siyu.db";
    public const string KeysDirectory = "keys";

    public const string Help = """
        siyu backup --data DIR --out DIR2     Online backup of DIR/siyu.db and DIR/keys into DIR2 (the server may run)
        siyu restore --from DIR2 --data DIR [--force]
                                              Put a backup in place of DIR (stop the server first; --force replaces
                                              an existing database)

        The backup holds the encryption keys: keep it as secret as the keys themselves.
        PostgreSQL (Siyu__DatabaseProvider=postgres, or --postgres): use pg_dump / pg_restore, see the README
        section "Backup on PostgreSQL".
        """;

    /// <summary>
    /// Said instead of backing up when the server stores in PostgreSQL: the database is PostgreSQL's to copy (pg_dump
    /// is consistent and online), and guessing at a server's credentials from here would be worse than pointing there.
    /// </summary>
    public const string PostgresMessage = """
        This server stores its data in PostgreSQL; siyu backup/restore handle the embedded SQLite file only.
        Back up with PostgreSQL's own tools (README, "Backup on PostgreSQL"):
          pg_dump -Fc -d "$DATABASE" -f siyu.dump            (online, one consistent snapshot)
          pg_restore --clean --if-exists -d "$DATABASE" siyu.dump
        and keep a copy of the data directory's keys/ (or the configured Siyu:Pii and Siyu:DataProtectionKey
        settings): without them the personal data in the dump cannot be read.
        """;

    private static bool UsesPostgres(string[] args) =>
        args.Contains("--postgres")
        || Environment.GetEnvironmentVariable("Siyu__DatabaseProvider") is { } provider
            && provider.Trim().ToLowerInvariant() is "postgres" or "postgresql" or "npgsql";

    public static async Task<int> BackupAsync(string[] args, CliContext context, CancellationToken cancellationToken)
    {
        if (UsesPostgres(args))
        {
            await context.Err.WriteLineAsync(PostgresMessage);
            return RootCommand.UsageError;
        }
        if (Option(args, "--data") is not { } data || Option(args, "--out") is not { } output)
        {
            await context.Err.WriteLineAsync("error: backup needs --data DIR and --out DIR.\n" + Help);
            return RootCommand.UsageError;
        }
        var source = Path.Combine(data, DatabaseFile);
        if (!File.Exists(source))
        {
            await context.Err.WriteLineAsync($"error: no database at {source}.");
            return RootCommand.UsageError;
        }
        var target = Path.Combine(output, DatabaseFile);
        if (File.Exists(target))
        {
            await context.Err.WriteLineAsync($"error: {target} exists; back up into an empty directory.");
            return RootCommand.UsageError;
        }
        Directory.CreateDirectory(output);
        using (var from = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = source, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString()))
        using (var to = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = target, Pooling = false }.ToString()))
        {
            from.Open();
            to.Open();
            // One step: a consistent snapshot of the database as of one transaction, WAL included.
            from.BackupDatabase(to);
            using var check = to.CreateCommand();
            check.CommandText = "PRAGMA integrity_check";
            if (check.ExecuteScalar() as string != "ok")
            {
                await context.Err.WriteLineAsync("error: the copy failed its integrity check; the backup is not usable.");
                return RootCommand.PartialFailure;
            }
            await context.Out.WriteLineAsync($"database: {Count(to, "events")} events, {Count(to, "customers")} customers, {Count(to, "partition_snapshots")} partition snapshots");
        }
        var keys = Path.Combine(data, KeysDirectory);
        var copied = CopyDirectory(keys, Path.Combine(output, KeysDirectory));
        await context.Out.WriteLineAsync(copied > 0
            ? $"keys: {copied} files (secret: store the backup encrypted)"
            : "keys: none in the data directory (they come from configuration; back those up with your secrets)");
        await context.Out.WriteLineAsync($"backup written to {output}");
        return RootCommand.Success;
    }

    public static async Task<int> RestoreAsync(string[] args, CliContext context, CancellationToken cancellationToken)
    {
        if (UsesPostgres(args))
        {
            await context.Err.WriteLineAsync(PostgresMessage);
            return RootCommand.UsageError;
        }
        if (Option(args, "--from") is not { } from || Option(args, "--data") is not { } data)
        {
            await context.Err.WriteLineAsync("error: restore needs --from DIR2 and --data DIR.\n" + Help);
            return RootCommand.UsageError;
        }
        var source = Path.Combine(from, DatabaseFile);
        if (!File.Exists(source))
        {
            await context.Err.WriteLineAsync($"error: no backup database at {source}.");
            return RootCommand.UsageError;
        }
        var target = Path.Combine(data, DatabaseFile);
        if (File.Exists(target) && !args.Contains("--force"))
        {
            await context.Err.WriteLineAsync($"error: {target} exists; stop the server and pass --force to replace it.");
            return RootCommand.UsageError;
        }
        Directory.CreateDirectory(data);
        // A stale WAL next to the restored file would be replayed into it: the backup is complete on its own.
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(target + suffix);
        }
        File.Copy(source, target);
        var copied = CopyDirectory(Path.Combine(from, KeysDirectory), Path.Combine(data, KeysDirectory), overwrite: true);
        await context.Out.WriteLineAsync($"restored {target} and {copied} key files; start the server");
        return RootCommand.Success;
    }

    private static long Count(SqliteConnection connection, string table)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM \"{table}\"";
        try
        {
            return (long)command.ExecuteScalar()!;
        }
        catch (SqliteException)
        {
            return 0; // an older schema without the table
        }
    }

    private static int CopyDirectory(string from, string to, bool overwrite = false)
    {
        if (!Directory.Exists(from))
        {
            return 0;
        }
        Directory.CreateDirectory(to);
        var count = 0;
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite);
            count++;
        }
        return count;
    }

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
