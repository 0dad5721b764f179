using Siyu.Cli;
using Siyu.Cli.Backup;

namespace Siyu.Server.Tests.Postgres;

public sealed class PostgresBackupCommandTests
{
    [Theory]
    [InlineData("backup")]
    [InlineData("restore")]
    public async Task On_postgres_backup_and_restore_point_to_pg_dump_and_touch_nothing(string verb)
    {
        var dir = Path.Combine(Path.GetTempPath(), "siyu-tests", Guid.NewGuid().ToString("N"));
        var (o, e) = (new StringWriter(), new StringWriter());
        string[] args = verb == "backup" ? ["backup", "--data", dir, "--out", dir + "-out", "--postgres"] : ["restore", "--from", dir + "-out", "--data", dir, "--postgres"];
        Assert.Equal(RootCommand.UsageError, await RootCommand.RunAsync(args, new CliContext { Out = o, Err = e }, CancellationToken.None));
        Assert.Contains("pg_dump -Fc", e.ToString(), StringComparison.Ordinal);
        Assert.Contains("Backup on PostgreSQL", e.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir + "-out"));
    }
}
