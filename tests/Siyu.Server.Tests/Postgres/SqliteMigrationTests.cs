using Microsoft.EntityFrameworkCore;
using Siyu.Server.Data;

namespace Siyu.Server.Tests.Postgres;

/// <summary>The SQLite half of "a test per provider migrates an empty database and finds the model unchanged".</summary>
public sealed class SqliteMigrationTests
{
    [Fact]
    public void Migrating_an_empty_sqlite_file_matches_the_model()
    {
        var file = Path.Combine(Path.GetTempPath(), "siyu-tests", Guid.NewGuid().ToString("N") + ".db");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        using var db = new SiyuDb(new DbContextOptionsBuilder<SiyuDb>().UseSqlite($"Data Source={file};Pooling=False").Options);
        db.Database.Migrate();
        Assert.False(db.Database.HasPendingModelChanges());
        Assert.Empty(db.Database.GetPendingMigrations());
        // The SQLite migrations are not the PostgreSQL ones: each context owns its set.
        Assert.DoesNotContain(db.Database.GetMigrations(), m => m.EndsWith("_Initial", StringComparison.Ordinal) && m.StartsWith("202612031", StringComparison.Ordinal));
    }
}
