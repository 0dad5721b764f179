using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Siyu.Server.Data;

/// <summary>
/// <see cref="SiyuDb"/> on PostgreSQL: the same model, its own migrations (Data/PostgresMigrations). Column and table
/// names are lower-cased so the hand-written SQL shared with SQLite (unquoted <c>TenantId</c>, which PostgreSQL folds
/// to <c>tenantid</c>) finds them, while EF quotes its own identifiers and is unaffected.
/// </summary>
public sealed class PostgresSiyuDb(DbContextOptions<PostgresSiyuDb> options) : SiyuDb(options)
{
    protected override void OnModelCreating(ModelBuilder b)
    {
        base.OnModelCreating(b);
        // The ingest writer numbers the log itself (MAX(Seq)+1 kept in memory): no identity sequence behind it.
        b.Entity<EventRow>().Property(e => e.Seq).ValueGeneratedNever();
        foreach (var entity in b.Model.GetEntityTypes())
        {
            if (entity.GetTableName() is { } table)
            {
                entity.SetTableName(table.ToLowerInvariant());
            }
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(property.GetColumnName().ToLowerInvariant());
            }
        }
    }
}

/// <summary>Lets <c>dotnet ef</c> build the PostgreSQL context without a server or the app's configuration.</summary>
public sealed class PostgresSiyuDbDesignFactory : IDesignTimeDbContextFactory<PostgresSiyuDb>
{
    public PostgresSiyuDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresSiyuDb>().UseNpgsql(Environment.GetEnvironmentVariable("SIYU_DESIGN_POSTGRES") ?? "Host=localhost;Database=siyu_design").Options);
}

/// <summary>The SQLite context for <c>dotnet ef</c>, independent of the app host.</summary>
public sealed class SiyuDbDesignFactory : IDesignTimeDbContextFactory<SiyuDb>
{
    public SiyuDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SiyuDb>().UseSqlite("Data Source=design.db").Options);
}

/// <summary>Hands out <see cref="PostgresSiyuDb"/> wherever an <see cref="IDbContextFactory{SiyuDb}"/> is injected.</summary>
internal sealed class PostgresSiyuDbFactory(IDbContextFactory<PostgresSiyuDb> inner) : IDbContextFactory<SiyuDb>
{
    public SiyuDb CreateDbContext() => inner.CreateDbContext();

    public async Task<SiyuDb> CreateDbContextAsync(CancellationToken cancellationToken = default) => await inner.CreateDbContextAsync(cancellationToken);
}
