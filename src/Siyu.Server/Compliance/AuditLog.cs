using Microsoft.EntityFrameworkCore;
using Siyu.Core.Compliance;
using Siyu.Server.Data;

namespace Siyu.Server.Compliance;

/// <summary>
/// The one way to write the audit log. <see cref="Record"/> adds an entry to the caller's unit of work, so it commits
/// or rolls back with the change it describes; <see cref="SiyuDb.SaveChangesAsync(bool, CancellationToken)"/> then
/// chains it: under a process-wide gate and inside one SQLite <c>BEGIN IMMEDIATE</c> transaction it reads the tenant's
/// head (last sequence and hash) and assigns sequence, previous hash and hash. The unique (tenant, seq) index is the
/// backstop: two writers that read the same head cannot both append, so the chain cannot fork. Nothing updates or
/// deletes entries: the context refuses it and database triggers abort it.
/// </summary>
public static class AuditLog
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>Adds an audit entry to <paramref name="db"/>'s pending changes; it is chained and stored by the next save.</summary>
    public static AuditEntry Record(SiyuDb db, int tenantId, long atTicks, string actor, string action, string? target = null, string? detail = null)
    {
        var entry = new AuditEntry { TenantId = tenantId, AtTicks = atTicks, Actor = actor, Action = action, Target = target ?? "", Detail = detail ?? "" };
        db.Audit.Add(entry);
        return entry;
    }

    /// <summary>Records an action that changes nothing else (an export, a download) in its own unit of work.</summary>
    public static async Task RecordAsync(IDbContextFactory<SiyuDb> dbs, int tenantId, long atTicks, string actor, string action, string? target = null, string? detail = null, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        Record(db, tenantId, atTicks, actor, action, target, detail);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>True when the unit of work adds audit entries; throws when it would change or remove one.</summary>
    internal static bool HasPending(SiyuDb db)
    {
        var any = false;
        foreach (var e in db.ChangeTracker.Entries<AuditEntry>())
        {
            if (e.State is EntityState.Modified or EntityState.Deleted)
            {
                throw new InvalidOperationException("The audit log is append-only: entries are never updated or deleted.");
            }
            any |= e.State == EntityState.Added;
        }
        return any;
    }

    internal static async Task<int> SaveChainedAsync(SiyuDb db, Func<CancellationToken, Task<int>> save, CancellationToken ct)
    {
        await Gate.WaitAsync(ct);
        try
        {
            var owned = db.Database.CurrentTransaction is null;
            await using var tx = owned ? await db.Database.BeginTransactionAsync(ct) : null;
            var pending = db.ChangeTracker.Entries<AuditEntry>().Where(e => e.State == EntityState.Added).Select(e => e.Entity).ToList();
            foreach (var tenant in pending.GroupBy(p => p.TenantId))
            {
                var (seq, prev) = await HeadAsync(db, tenant.Key, ct);
                foreach (var entry in tenant)
                {
                    var link = AuditChain.Next(seq, prev, 0, entry.TenantId, entry.AtTicks, entry.Actor, entry.Action, entry.Target, entry.Detail);
                    (entry.Seq, entry.PrevHash, entry.Hash) = (link.Seq, link.PrevHash, link.Hash);
                    (seq, prev) = (link.Seq, link.Hash);
                }
            }
            var saved = await save(ct);
            if (tx is not null)
            {
                await tx.CommitAsync(ct);
            }
            return saved;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>
    /// PostgreSQL has no database-wide write lock (SQLite's BEGIN IMMEDIATE), and the ingest writer appends entries outside
    /// <see cref="Gate"/>: both take this transaction-scoped advisory lock per tenant before reading the head, so they
    /// queue instead of one of them failing on the unique (tenant, seq) index.
    /// </summary>
    public const int PostgresLockClass = 7411;

    private static async Task<(long Seq, string Hash)> HeadAsync(SiyuDb db, int tenantId, CancellationToken ct)
    {
        if (db.Database.IsNpgsql())
        {
            await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_xact_lock({PostgresLockClass}, {{0}})", [tenantId], ct);
        }
        var head = await db.Audit.AsNoTracking().Where(a => a.TenantId == tenantId).OrderByDescending(a => a.Seq)
            .Select(a => new { a.Seq, a.Hash }).FirstOrDefaultAsync(ct);
        return head is null ? (0, AuditChain.Genesis) : (head.Seq, head.Hash);
    }

    /// <summary>The tenant's entries matching a filter (unordered, without the limit).</summary>
    public static IQueryable<AuditEntry> Query(SiyuDb db, int tenantId, AuditFilter f)
    {
        var q = db.Audit.AsNoTracking().Where(a => a.TenantId == tenantId);
        if (f.Action is { } action)
        {
            var under = action + ".";
            q = q.Where(a => a.Action == action || a.Action.StartsWith(under));
        }
        if (f.Actor is { } actor)
        {
            q = q.Where(a => a.Actor == actor);
        }
        if (f.FromTicks is { } from)
        {
            q = q.Where(a => a.AtTicks >= from);
        }
        if (f.ToTicks is { } to)
        {
            q = q.Where(a => a.AtTicks < to);
        }
        if (f.BeforeId is { } before)
        {
            q = q.Where(a => a.Id < before);
        }
        return q;
    }

    /// <summary>One tenant's chain, in sequence order, as the verifier reads it.</summary>
    public static IQueryable<AuditLink> Links(SiyuDb db, int tenantId) =>
        db.Audit.AsNoTracking().Where(a => a.TenantId == tenantId).OrderBy(a => a.Seq)
            .Select(a => new AuditLink(a.Id, a.TenantId, a.Seq, a.AtTicks, a.Actor, a.Action, a.Target, a.Detail, a.PrevHash, a.Hash));

    /// <summary>Walks the tenant's whole chain (streamed) and reports the first broken entry.</summary>
    public static AuditVerification Verify(SiyuDb db, int tenantId) => AuditChain.Verify(Links(db, tenantId).AsEnumerable());

    /// <summary>
    /// Upgrade step: entries written before the chain existed (numbered by the AuditChain migration, no hash) are
    /// chained once, in their original order. The triggers let an entry be hashed only while its hash is empty.
    /// </summary>
    public static async Task SealLegacyAsync(SiyuDb db, CancellationToken ct = default)
    {
        var tenants = await db.Audit.AsNoTracking().Where(a => a.Hash == "").Select(a => a.TenantId).Distinct().ToListAsync(ct);
        foreach (var tenantId in tenants)
        {
            await Gate.WaitAsync(ct);
            try
            {
                await using var tx = await db.Database.BeginTransactionAsync(ct);
                var rows = await db.Audit.AsNoTracking().Where(a => a.TenantId == tenantId).OrderBy(a => a.Seq).ToListAsync(ct);
                long seq = 0;
                var prev = AuditChain.Genesis;
                foreach (var row in rows)
                {
                    if (row.Hash.Length == 0)
                    {
                        var link = AuditChain.Next(seq, prev, row.Id, tenantId, row.AtTicks, row.Actor, row.Action, row.Target, row.Detail);
                        await db.Database.ExecuteSqlInterpolatedAsync(
                            $"UPDATE audit_log SET Seq = {link.Seq}, PrevHash = {link.PrevHash}, Hash = {link.Hash} WHERE Id = {row.Id}", ct);
                        row.Hash = link.Hash;
                    }
                    (seq, prev) = (seq + 1, row.Hash);
                }
                await tx.CommitAsync(ct);
            }
            finally
            {
                Gate.Release();
            }
        }
    }
}
