using System.Text.Json;
using Microsoft.Data.Sqlite;
using Siyu.Core.Customers;

namespace Siyu.Server.Ingest;

/// <summary>Prepared statements of the ingest writer; bound to each group-commit transaction in turn.</summary>
internal sealed class WriterSql(SqliteConnection connection)
{
    private readonly Dictionary<string, SqliteCommand> _commands = [];
    private SqliteTransaction? _tx;

    public void Bind(SqliteTransaction tx) => _tx = tx;

    private SqliteCommand Cmd(string sql, params string[] parameters)
    {
        if (!_commands.TryGetValue(sql, out var cmd))
        {
            cmd = connection.CreateCommand();
            cmd.CommandText = sql;
            foreach (var p in parameters)
            {
                cmd.Parameters.Add(new SqliteParameter(p, null));
            }
            _commands[sql] = cmd;
        }
        cmd.Transaction = _tx;
        return cmd;
    }

    public (long Seq, long CustomerId)? FindEvent(int tenantId, string key)
    {
        // Keys of buffered rows are caught by the writer's in-batch key set, so no flush is needed here.
        var cmd = Cmd("SELECT Seq, CustomerId FROM events WHERE TenantId = $t AND IdempotencyKey = $k", "$t", "$k");
        cmd.Parameters[0].Value = tenantId;
        cmd.Parameters[1].Value = key;
        using var r = cmd.ExecuteReader();
        return r.Read() ? (r.GetInt64(0), r.GetInt64(1)) : null;
    }

    private const int RowsPerInsert = 64;
    private const string EventColumns = "(Seq, TenantId, IdempotencyKey, CustomerId, OriginalCustomerId, Partition, Type, TimestampTicks, ReceivedAtTicks, Properties, Attributes, Source)";
    private readonly List<LogRow> _pending = [];
    private long _lastSeq = -1;

    /// <summary>One event row waiting for the next multi-row INSERT.</summary>
    private readonly record struct LogRow(long Seq, int TenantId, string Key, long CustomerId, int Partition, string Type, long Ts, long Received, string? Properties, string? Attributes, string Source);

    /// <summary>
    /// The single writer assigns sequence numbers itself, so rows can be inserted 64 at a time instead of
    /// one statement (and one RETURNING) per event. After a rollback the counter is re-read.
    /// </summary>
    public long AppendEvent(int tenantId, string key, long customerId, int partition, string type, long ts, long received, string? properties, string? attributes, string source)
    {
        if (_lastSeq < 0)
        {
            var max = Cmd("SELECT COALESCE(MAX(Seq), 0) FROM events");
            _lastSeq = (long)max.ExecuteScalar()!;
        }
        var seq = ++_lastSeq;
        _pending.Add(new LogRow(seq, tenantId, key, customerId, partition, type, ts, received, properties, attributes, source));
        if (_pending.Count >= RowsPerInsert * 4)
        {
            FlushEvents();
        }
        return seq;
    }

    /// <summary>Writes buffered rows; called before commit and before any statement that reads or updates events.</summary>
    public void FlushEvents()
    {
        var i = 0;
        if (_pending.Count >= RowsPerInsert)
        {
            var multi = MultiInsert();
            for (; i + RowsPerInsert <= _pending.Count; i += RowsPerInsert)
            {
                for (var r = 0; r < RowsPerInsert; r++)
                {
                    Bind(multi.Parameters, r * 12, _pending[i + r]);
                }
                multi.ExecuteNonQuery();
            }
        }
        if (i < _pending.Count)
        {
            var single = Cmd($"INSERT INTO events {EventColumns} VALUES ({Placeholders(0)})", ParameterNames(1));
            for (; i < _pending.Count; i++)
            {
                Bind(single.Parameters, 0, _pending[i]);
                single.ExecuteNonQuery();
            }
        }
        _pending.Clear();
    }

    /// <summary>Forget buffered rows and the sequence counter (the transaction was rolled back).</summary>
    public void Reset()
    {
        _pending.Clear();
        _lastSeq = -1;
    }

    private SqliteCommand MultiInsert()
    {
        var values = string.Join(", ", Enumerable.Range(0, RowsPerInsert).Select(r => $"({Placeholders(r)})"));
        return Cmd($"INSERT INTO events {EventColumns} VALUES {values}", ParameterNames(RowsPerInsert));
    }

    private static string Placeholders(int row) => string.Join(", ", Enumerable.Range(0, 12).Select(c => $"$p{row}_{c}"));

    private static string[] ParameterNames(int rows) => [.. Enumerable.Range(0, rows).SelectMany(r => Enumerable.Range(0, 12).Select(c => $"$p{r}_{c}"))];

    private static void Bind(SqliteParameterCollection ps, int offset, in LogRow row)
    {
        ps[offset].Value = row.Seq;
        ps[offset + 1].Value = row.TenantId;
        ps[offset + 2].Value = row.Key;
        ps[offset + 3].Value = row.CustomerId;
        ps[offset + 4].Value = row.CustomerId;
        ps[offset + 5].Value = row.Partition;
        ps[offset + 6].Value = row.Type;
        ps[offset + 7].Value = row.Ts;
        ps[offset + 8].Value = row.Received;
        ps[offset + 9].Value = (object?)row.Properties ?? DBNull.Value;
        ps[offset + 10].Value = (object?)row.Attributes ?? DBNull.Value;
        ps[offset + 11].Value = row.Source;
    }

    public void InsertCustomer(int tenantId, long id, long createdTicks)
    {
        var cmd = Cmd("INSERT INTO customers (TenantId, Id, CreatedAtTicks, MergedInto) VALUES ($t, $i, $c, NULL)", "$t", "$i", "$c");
        cmd.Parameters[0].Value = tenantId;
        cmd.Parameters[1].Value = id;
        cmd.Parameters[2].Value = createdTicks;
        cmd.ExecuteNonQuery();
    }

    public void UpsertIdentifier(int tenantId, Identifier id, long customerId, long nowTicks)
    {
        var cmd = Cmd("""
            INSERT INTO identifiers (TenantId, Type, Value, CustomerId, AttachedAtTicks) VALUES ($t, $ty, $v, $c, $n)
            ON CONFLICT (TenantId, Type, Value) DO UPDATE SET CustomerId = excluded.CustomerId
            """, "$t", "$ty", "$v", "$c", "$n");
        cmd.Parameters[0].Value = tenantId;
        cmd.Parameters[1].Value = (int)id.Type;
        cmd.Parameters[2].Value = id.Value;
        cmd.Parameters[3].Value = customerId;
        cmd.Parameters[4].Value = nowTicks;
        cmd.ExecuteNonQuery();
    }

    public void InsertConflict(int tenantId, MergeConflict conflict, long nowTicks)
    {
        var (a, b) = conflict.CustomerA < conflict.CustomerB ? (conflict.CustomerA, conflict.CustomerB) : (conflict.CustomerB, conflict.CustomerA);
        var cmd = Cmd("""
            INSERT INTO merge_conflicts (TenantId, CustomerA, CustomerB, Reason, Identifier, AtTicks) VALUES ($t, $a, $b, $r, $i, $n)
            ON CONFLICT (TenantId, CustomerA, CustomerB) DO NOTHING
            """, "$t", "$a", "$b", "$r", "$i", "$n");
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
            UPDATE merge_conflicts SET ResolvedAtTicks = $n
            WHERE TenantId = $t AND ResolvedAtTicks IS NULL AND ((CustomerA = $x AND CustomerB = $y) OR (CustomerA = $y AND CustomerB = $x))
            """, "$n", "$t", "$x", "$y");
        cmd.Parameters[0].Value = nowTicks;
        cmd.Parameters[1].Value = tenantId;
        cmd.Parameters[2].Value = x;
        cmd.Parameters[3].Value = y;
        cmd.ExecuteNonQuery();
    }

    public void InsertAudit(int tenantId, long nowTicks, string actor, string action, string detail)
    {
        var cmd = Cmd("INSERT INTO audit_log (TenantId, AtTicks, Actor, Action, Detail) VALUES ($t, $n, $a, $ac, $d)", "$t", "$n", "$a", "$ac", "$d");
        cmd.Parameters[0].Value = tenantId;
        cmd.Parameters[1].Value = nowTicks;
        cmd.Parameters[2].Value = actor;
        cmd.Parameters[3].Value = action;
        cmd.Parameters[4].Value = detail;
        cmd.ExecuteNonQuery();
    }

    /// <summary>Merge in storage: identifiers and history move to the survivor; the merged row stays, pointing at it.</summary>
    public void ApplyMerge(int tenantId, MergeRecord merge, string? actor, int survivorPartition)
    {
        FlushEvents();
        Exec("UPDATE identifiers SET CustomerId = $s WHERE TenantId = $t AND CustomerId = $m", tenantId, merge.SurvivorId, merge.MergedId);
        Exec("UPDATE customers SET MergedInto = $s WHERE TenantId = $t AND Id = $m", tenantId, merge.SurvivorId, merge.MergedId);
        var events = Cmd("UPDATE events SET CustomerId = $s, Partition = $p WHERE TenantId = $t AND CustomerId = $m", "$s", "$p", "$t", "$m");
        events.Parameters[0].Value = merge.SurvivorId;
        events.Parameters[1].Value = survivorPartition;
        events.Parameters[2].Value = tenantId;
        events.Parameters[3].Value = merge.MergedId;
        events.ExecuteNonQuery();
        var cmd = Cmd("""
            INSERT INTO merges (TenantId, Id, SurvivorId, MergedId, MovedIdentifiers, Manual, Reason, Actor, AtTicks)
            VALUES ($t, $i, $s, $m, $mi, $ma, $r, $a, $at)
            """, "$t", "$i", "$s", "$m", "$mi", "$ma", "$r", "$a", "$at");
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
        FlushEvents();
        foreach (var id in result.ReturnedIdentifiers)
        {
            UpsertIdentifier(tenantId, id, result.RestoredCustomerId, nowTicks);
        }
        var restore = Cmd("UPDATE customers SET MergedInto = NULL WHERE TenantId = $t AND Id = $r", "$t", "$r");
        restore.Parameters[0].Value = tenantId;
        restore.Parameters[1].Value = result.RestoredCustomerId;
        restore.ExecuteNonQuery();
        var undo = Cmd("UPDATE merges SET UndoneAtTicks = $n, UndoneBy = $a WHERE TenantId = $t AND Id = $i", "$n", "$a", "$t", "$i");
        undo.Parameters[0].Value = nowTicks;
        undo.Parameters[1].Value = actor;
        undo.Parameters[2].Value = tenantId;
        undo.Parameters[3].Value = mergeId;
        undo.ExecuteNonQuery();
        // History goes back: events first recorded for the restored customer or for customers merged into it earlier.
        var events = Cmd("""
            WITH RECURSIVE family(id) AS (
                SELECT $r UNION SELECT c.Id FROM customers c JOIN family f ON c.MergedInto = f.id WHERE c.TenantId = $t)
            UPDATE events SET CustomerId = $r, Partition = $p
            WHERE TenantId = $t AND CustomerId = $s AND OriginalCustomerId IN (SELECT id FROM family)
            """, "$r", "$t", "$p", "$s");
        events.Parameters[0].Value = result.RestoredCustomerId;
        events.Parameters[1].Value = tenantId;
        events.Parameters[2].Value = restoredPartition;
        events.Parameters[3].Value = result.SurvivorId;
        events.ExecuteNonQuery();
    }

    private void Exec(string sql, int tenantId, long s, long m)
    {
        var cmd = Cmd(sql, "$t", "$s", "$m");
        cmd.Parameters[0].Value = tenantId;
        cmd.Parameters[1].Value = s;
        cmd.Parameters[2].Value = m;
        cmd.ExecuteNonQuery();
    }

    public IdentityGraph LoadGraph(int tenantId, IdentityOptions options)
    {
        var customers = new List<IdentityCustomer>();
        var links = new List<IdentityLink>();
        var merges = new List<MergeRecord>();
        long maxCustomer = 0, maxMerge = 0;
        using (var cmd = connection.CreateCommand())
        {
            cmd.Transaction = _tx;
            cmd.CommandText = "SELECT Id, CreatedAtTicks, MergedInto FROM customers WHERE TenantId = $t";
            cmd.Parameters.AddWithValue("$t", tenantId);
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
            cmd.CommandText = "SELECT Type, Value, CustomerId FROM identifiers WHERE TenantId = $t";
            cmd.Parameters.AddWithValue("$t", tenantId);
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                links.Add(new IdentityLink(new Identifier((IdentifierType)r.GetInt32(0), r.GetString(1)), r.GetInt64(2)));
            }
        }
        using (var cmd = connection.CreateCommand())
        {
            cmd.Transaction = _tx;
            cmd.CommandText = "SELECT Id, SurvivorId, MergedId, MovedIdentifiers, Manual, Reason, AtTicks, UndoneAtTicks FROM merges WHERE TenantId = $t";
            cmd.Parameters.AddWithValue("$t", tenantId);
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
        var graph = new IdentityGraph(options, maxMerge + 1);
        graph.Load(customers, links, merges, maxCustomer + 1);
        return graph;
    }

    internal static string SerializeIdentifiers(IReadOnlyList<Identifier> ids) =>
        JsonSerializer.Serialize(ids.Select(i => new[] { ((int)i.Type).ToString(System.Globalization.CultureInfo.InvariantCulture), i.Value }));

    internal static List<Identifier> DeserializeIdentifiers(string json) =>
        JsonSerializer.Deserialize<string[][]>(json)!.Select(p => new Identifier((IdentifierType)int.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture), p[1])).ToList();
}
