using System.Data.Common;
using System.Text.Json;
using Siyu.Core.Compliance;
using Siyu.Core.Customers;
using Siyu.Server.Data;

namespace Siyu.Server.Ingest;

/// <summary>
/// The ingest writer's statements, bound to each group-commit transaction in turn. What both providers run the same
/// way lives here (plain parameterised commands, prepared once); the per-event hot path (idempotency lookup, log
/// append, customer and identifier inserts) is each provider's own: <see cref="SqliteWriterSql"/>,
/// <see cref="PostgresWriterSql"/>.
/// </summary>
internal abstract class WriterSql(DbConnection connection, PiiProtector pii) : IDisposable
{
    private readonly Dictionary<string, DbCommand> _commands = [];
    private DbTransaction? _tx;
    private long _lastSeq = -1;

    protected DbConnection Connection => connection;
    protected PiiProtector Pii => pii;

    public abstract DatabaseOptions Database { get; }

    /// <summary>Starts the group-commit transaction (SQLite: BEGIN IMMEDIATE, the write lock up front).</summary>
    public DbTransaction Begin()
    {
        _tx = connection.BeginTransaction();
        return _tx;
    }

    /// <summary>Idempotency keys the batch will look up, known before it runs (PostgreSQL reads them in one query).</summary>
    public virtual void Prefetch(IEnumerable<(int TenantId, string Key)> keys)
    {
    }

    /// <summary>Writes whatever the provider buffered; runs before every statement that reads and before the commit.</summary>
    public virtual void Flush()
    {
    }

    /// <summary>The transaction committed: drop what only held for it.</summary>
    public virtual void Committed()
    {
    }

    /// <summary>A one-off command in the current transaction (rare work such as an erasure; not worth preparing).</summary>
    public DbCommand Adhoc(string sql)
    {
        Flush();
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = _tx;
        return cmd;
    }

    protected DbCommand Cmd(string sql, params string[] parameters)
    {
        Flush();
        if (!_commands.TryGetValue(sql, out var cmd))
        {
            cmd = connection.CreateCommand();
            cmd.CommandText = sql;
            foreach (var p in parameters)
            {
                cmd.Param(p, null);
            }
            _commands[sql] = cmd;
        }
        cmd.Transaction = _tx;
        return cmd;
    }

    public abstract (long Seq, long CustomerId)? FindEvent(int tenantId, string key);

    /// <summary>
    /// Appends one row to the event log. The single writer assigns sequence numbers itself (no RETURNING
    /// round trip); after a rollback <see cref="Reset"/> makes it re-read the counter.
    /// </summary>
    public long AppendEvent(int tenantId, string key, long customerId, int partition, string type, long ts, long received, string? properties, string? attributes, string source)
    {
        if (_lastSeq < 0)
        {
            var max = Cmd("SELECT COALESCE(MAX(Seq), 0) FROM events");
            _lastSeq = Convert.ToInt64(max.ExecuteScalar()!, System.Globalization.CultureInfo.InvariantCulture);
        }
        var seq = _lastSeq + 1;
        InsertEvent(seq, tenantId, key, customerId, partition, type, ts, received, properties, attributes, source);
        _lastSeq = seq;
        return seq;
    }

    protected abstract void InsertEvent(long seq, int tenantId, string key, long customerId, int partition, string type, long ts, long received, string? properties, string? attributes, string source);

    /// <summary>Forget the sequence counter and anything buffered (the transaction was rolled back).</summary>
    public virtual void Reset() => _lastSeq = -1;

    public virtual void Dispose()
    {
        foreach (var cmd in _commands.Values)
        {
            cmd.Dispose();
        }
    }

    public abstract void InsertCustomer(int tenantId, long id, long createdTicks);

    /// <param name="id">As the identity graph keys it (a keyed hash for personal types).</param>
    /// <param name="plaintext">The normalised value of a personal identifier, stored encrypted; null when it is already stored (re-pointing).</param>
    public void UpsertIdentifier(int tenantId, Identifier id, long customerId, long nowTicks, string? plaintext = null)
    {
        var personal = plaintext is not null && PiiProtector.IsPersonal(id.Type);
        UpsertIdentifier(tenantId, (int)id.Type, id.Value, customerId, nowTicks,
            personal ? pii.Cipher.Encrypt(plaintext!) : null,
            personal && id.Type == IdentifierType.Phone ? pii.Hasher.HashPhoneSuffix(plaintext!) : null);
    }

    /// <summary>Same SQL for both: <c>ON CONFLICT ... DO UPDATE</c> and <c>excluded</c> are spelled alike.</summary>
    protected const string UpsertIdentifierSql = """
        INSERT INTO identifiers (TenantId, Type, Value, CustomerId, AttachedAtTicks, Encrypted, SuffixHash) VALUES ({0})
        ON CONFLICT (TenantId, Type, Value) DO UPDATE SET CustomerId = excluded.CustomerId,
            Encrypted = COALESCE(excluded.Encrypted, identifiers.Encrypted), SuffixHash = COALESCE(excluded.SuffixHash, identifiers.SuffixHash)
        """;

    protected abstract void UpsertIdentifier(int tenantId, int type, string value, long customerId, long nowTicks, string? encrypted, string? suffixHash);

    public void InsertConflict(int tenantId, MergeConflict conflict, long nowTicks)
    {
        var (a, b) = conflict.CustomerA < conflict.CustomerB ? (conflict.CustomerA, conflict.CustomerB) : (conflict.CustomerB, conflict.CustomerA);
        var cmd = Cmd("""
            INSERT INTO merge_conflicts (TenantId, CustomerA, CustomerB, Reason, Identifier, AtTicks) VALUES (@t, @a, @b, @r, @i, @n)
            ON CONFLICT (TenantId, CustomerA, CustomerB) DO NOTHING
            """, "@t", "@a", "@b", "@r", "@i", "@n");
        cmd.Parameters[0].Value = tenantId;
        cmd.Parameters[1].Value = a;
        cmd.Parameters[2].Value = b;
        cmd.Parameters[3].Value = conflict.Reason.ToString();
        cmd.Parameters[4].Value = (object?)conflict.Identifier?.ToString() ?? DBNull.Value;
        cmd.Parameters[5].Value = nowTicks;
        cmd.ExecuteNonQuery();
    }

    public void ResolveConflicts(int tenantId, long x, long y, long nowTicks)
    {
        var cmd = Cmd("""
            UPDATE merge_conflicts SET ResolvedAtTicks = @n
            WHERE TenantId = @t AND ResolvedAtTicks IS NULL AND ((CustomerA = @x AND CustomerB = @y) OR (CustomerA = @y AND CustomerB = @x))
            """, "@n", "@t", "@x", "@y");
        cmd.Parameters[0].Value = nowTicks;
        cmd.Parameters[1].Value = tenantId;
        cmd.Parameters[2].Value = x;
        cmd.Parameters[3].Value = y;
        cmd.ExecuteNonQuery();
    }

    /// <summary>
    /// Appends an audit entry chained to the tenant's head. On SQLite the writer's transaction is <c>BEGIN IMMEDIATE</c>, so
    /// no other writer can append between reading the head and inserting (same rule as <see cref="Compliance.AuditLog"/>);
    /// on PostgreSQL a per-tenant advisory lock does that.
    /// </summary>
    public void InsertAudit(int tenantId, long nowTicks, string actor, string action, string detail, string target = "")
    {
        if (Database.IsPostgres)
        {
            // PostgreSQL: no BEGIN IMMEDIATE; the same per-tenant lock the EF path takes (see AuditLog.PostgresLockClass).
            var lockCmd = Cmd($"SELECT pg_advisory_xact_lock({Compliance.AuditLog.PostgresLockClass}, @t)", "@t");
            lockCmd.Parameters[0].Value = tenantId;
            lockCmd.ExecuteNonQuery();
        }
        var head = Cmd("SELECT Seq, Hash FROM audit_log WHERE TenantId = @t ORDER BY Seq DESC LIMIT 1", "@t");
        head.Parameters[0].Value = tenantId;
        long seq = 0;
        var prev = Siyu.Core.Compliance.AuditChain.Genesis;
        using (var reader = head.ExecuteReader())
        {
            if (reader.Read())
            {
                (seq, prev) = (reader.GetInt64(0), reader.GetString(1));
            }
        }
        var link = Siyu.Core.Compliance.AuditChain.Next(seq, prev, 0, tenantId, nowTicks, actor, action, target, detail);
        var cmd = Cmd("INSERT INTO audit_log (TenantId, Seq, AtTicks, Actor, Action, Target, Detail, PrevHash, Hash) VALUES (@t, @s, @n, @a, @ac, @tg, @d, @p, @h)",
            "@t", "@s", "@n", "@a", "@ac", "@tg", "@d", "@p", "@h");
        cmd.Parameters[0].Value = tenantId;
        cmd.Parameters[1].Value = link.Seq;
        cmd.Parameters[2].Value = nowTicks;
        cmd.Parameters[3].Value = actor;
        cmd.Parameters[4].Value = action;
        cmd.Parameters[5].Value = target;
        cmd.Parameters[6].Value = detail;
        cmd.Parameters[7].Value = link.PrevHash;
        cmd.Parameters[8].Value = link.Hash;
        cmd.ExecuteNonQuery();
    }

    /// <summary>Merge in storage: identifiers and history move to the survivor; the merged row stays, pointing at it.</summary>
    public void ApplyMerge(int tenantId, MergeRecord merge, string? actor, int survivorPartition)
    {
        Exec("UPDATE identifiers SET CustomerId = @s WHERE TenantId = @t AND CustomerId = @m", tenantId, merge.SurvivorId, merge.MergedId);
        Exec("UPDATE customers SET MergedInto = @s WHERE TenantId = @t AND Id = @m", tenantId, merge.SurvivorId, merge.MergedId);
        var events = Cmd("UPDATE events SET CustomerId = @s, Partition = @p WHERE TenantId = @t AND CustomerId = @m", "@s", "@p", "@t", "@m");
        events.Parameters[0].Value = merge.SurvivorId;
        events.Parameters[1].Value = survivorPartition;
        events.Parameters[2].Value = tenantId;
        events.Parameters[3].Value = merge.MergedId;
        events.ExecuteNonQuery();
        var cmd = Cmd("""
            INSERT INTO merges (TenantId, Id, SurvivorId, MergedId, MovedIdentifiers, Manual, Reason, Actor, AtTicks)
            VALUES (@t, @i, @s, @m, @mi, @ma, @r, @a, @at)
            """, "@t", "@i", "@s", "@m", "@mi", "@ma", "@r", "@a", "@at");
        var ps = cmd.Parameters;
        ps[0].Value = tenantId;
        ps[1].Value = merge.MergeId;
        ps[2].Value = merge.SurvivorId;
        ps[3].Value = merge.MergedId;
        ps[4].Value = SerializeIdentifiers(merge.MovedIdentifiers);
        ps[5].Value = merge.Manual;
        ps[6].Value = merge.Reason;
        ps[7].Value = (object?)actor ?? DBNull.Value;
        ps[8].Value = merge.AtTicks;
        cmd.ExecuteNonQuery();
    }

    public void ApplyUnmerge(int tenantId, long mergeId, UnmergeResult result, string actor, long nowTicks, int restoredPartition)
    {
        foreach (var id in result.ReturnedIdentifiers)
        {
            UpsertIdentifier(tenantId, id, result.RestoredCustomerId, nowTicks);
        }
        var restore = Cmd("UPDATE customers SET MergedInto = NULL WHERE TenantId = @t AND Id = @r", "@t", "@r");
        restore.Parameters[0].Value = tenantId;
        restore.Parameters[1].Value = result.RestoredCustomerId;
        restore.ExecuteNonQuery();
        var undo = Cmd("UPDATE merges SET UndoneAtTicks = @n, UndoneBy = @a WHERE TenantId = @t AND Id = @i", "@n", "@a", "@t", "@i");
        undo.Parameters[0].Value = nowTicks;
        undo.Parameters[1].Value = actor;
        undo.Parameters[2].Value = tenantId;
        undo.Parameters[3].Value = mergeId;
        undo.ExecuteNonQuery();
        // History goes back: events first recorded for the restored customer or for customers merged into it earlier.
        var events = Cmd("""
            WITH RECURSIVE family(id) AS (
                SELECT @r UNION SELECT c.Id FROM customers c JOIN family f ON c.MergedInto = f.id WHERE c.TenantId = @t)
            UPDATE events SET CustomerId = @r, Partition = @p
            WHERE TenantId = @t AND CustomerId = @s AND OriginalCustomerId IN (SELECT id FROM family)
            """, "@r", "@t", "@p", "@s");
        events.Parameters[0].Value = result.RestoredCustomerId;
        events.Parameters[1].Value = tenantId;
        events.Parameters[2].Value = restoredPartition;
        events.Parameters[3].Value = result.SurvivorId;
        events.ExecuteNonQuery();
    }

    private void Exec(string sql, int tenantId, long s, long m)
    {
        var cmd = Cmd(sql, "@t", "@s", "@m");
        cmd.Parameters[0].Value = tenantId;
        cmd.Parameters[1].Value = s;
        cmd.Parameters[2].Value = m;
        cmd.ExecuteNonQuery();
    }

    public IdentityGraph LoadGraph(int tenantId, IdentityOptions options, Func<IdentifierType, string, string> indexValue)
    {
        var customers = new List<IdentityCustomer>();
        var links = new List<IdentityLink>();
        var merges = new List<MergeRecord>();
        long maxCustomer = 0, maxMerge = 0;
        Flush();
        using (var cmd = connection.CreateCommand())
        {
            cmd.Transaction = _tx;
            cmd.CommandText = "SELECT Id, CreatedAtTicks, MergedInto FROM customers WHERE TenantId = @t";
            cmd.Param("@t", tenantId);
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                customers.Add(new IdentityCustomer(r.GetInt64(0), r.GetInt64(1), r.IsDBNull(2) ? null : r.GetInt64(2)));
                maxCustomer = Math.Max(maxCustomer, r.GetInt64(0));
            }
        }
        using (var cmd = connection.CreateCommand())
        {
            cmd.Transaction = _tx;
            cmd.CommandText = "SELECT Type, Value, CustomerId FROM identifiers WHERE TenantId = @t";
            cmd.Param("@t", tenantId);
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                links.Add(new IdentityLink(new Identifier((IdentifierType)r.GetInt32(0), r.GetString(1)), r.GetInt64(2)));
            }
        }
        using (var cmd = connection.CreateCommand())
        {
            cmd.Transaction = _tx;
            cmd.CommandText = "SELECT Id, SurvivorId, MergedId, MovedIdentifiers, Manual, Reason, AtTicks, UndoneAtTicks FROM merges WHERE TenantId = @t";
            cmd.Param("@t", tenantId);
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                maxMerge = Math.Max(maxMerge, r.GetInt64(0));
                if (r.IsDBNull(7))
                {
                    merges.Add(new MergeRecord(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), DeserializeIdentifiers(r.GetString(3)), r.GetBoolean(4), r.GetString(5), r.GetInt64(6)));
                }
            }
        }
        var graph = new IdentityGraph(options, maxMerge + 1, indexValue);
        graph.Load(customers, links, merges, maxCustomer + 1);
        return graph;
    }

    internal static string SerializeIdentifiers(IReadOnlyList<Identifier> ids) =>
        JsonSerializer.Serialize(ids.Select(i => new[] { ((int)i.Type).ToString(System.Globalization.CultureInfo.InvariantCulture), i.Value }));

    internal static List<Identifier> DeserializeIdentifiers(string json) =>
        JsonSerializer.Deserialize<string[][]>(json)!.Select(p => new Identifier((IdentifierType)int.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture), p[1])).ToList();
}
