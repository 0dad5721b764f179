using Microsoft.Data.Sqlite;
using Siyu.Core.Compliance;
using Siyu.Core.Customers;
using Siyu.Server.Ingest;

namespace Siyu.Server.Compliance;

/// <summary>
/// Upgrades a database written before PII encryption: personal identifiers to keyed hash plus encrypted copy (and the
/// merge records and conflicts that name them, so the identity graph loads consistently), personal fields of event
/// JSON, snapshot blobs. Runs at startup before the ingest writer and the silo, in batches of one transaction each;
/// every step selects only rows still in plaintext (or continues from its saved position), so it is idempotent and
/// resumes where a stop left it.
/// </summary>
public static partial class PiiBackfill
{
    public const int BatchSize = 500;

    public sealed record Result(int Identifiers, int Merges, int Conflicts, int Events, int Snapshots)
    {
        public int Total => Identifiers + Merges + Conflicts + Events + Snapshots;
    }

    public static Result Run(string connectionString, PiiProtector pii, ILogger logger)
    {
        using var c = new SqliteConnection(connectionString);
        c.Open();
        Exec(c, "PRAGMA busy_timeout=5000;");
        var result = new Result(Identifiers(c, pii), Merges(c, pii), Conflicts(c, pii), Events(c, pii), Snapshots(c, pii));
        if (result.Total > 0)
        {
            LogUpgraded(logger, result.Identifiers, result.Merges, result.Conflicts, result.Events, result.Snapshots);
        }
        return result;
    }

    /// <summary>Phones and e-mails still keyed by their plaintext (a hash is <c>h:</c> and 64 hex digits; e-mails always hold '@').</summary>
    private static int Identifiers(SqliteConnection c, PiiProtector pii)
    {
        var done = 0;
        while (true)
        {
            var batch = new List<(long RowId, int Type, string Value)>();
            using (var select = c.CreateCommand())
            {
                select.CommandText = """
                    SELECT rowid, Type, Value FROM identifiers
                    WHERE Type IN ($phone, $email) AND (Value NOT LIKE 'h:%' OR length(Value) <> 66 OR instr(Value, '@') > 0) LIMIT $n
                    """;
                select.Parameters.AddWithValue("$phone", (int)IdentifierType.Phone);
                select.Parameters.AddWithValue("$email", (int)IdentifierType.Email);
                select.Parameters.AddWithValue("$n", BatchSize);
                using var r = select.ExecuteReader();
                while (r.Read())
                {
                    batch.Add((r.GetInt64(0), r.GetInt32(1), r.GetString(2)));
                }
            }
            if (batch.Count == 0)
            {
                return done;
            }
            using var tx = c.BeginTransaction();
            using var update = c.CreateCommand();
            update.Transaction = tx;
            update.CommandText = "UPDATE identifiers SET Value = $h, Encrypted = $e, SuffixHash = $s WHERE rowid = $r";
            var (h, e, s, rowid) = (update.Parameters.Add("$h", SqliteType.Text), update.Parameters.Add("$e", SqliteType.Text),
                update.Parameters.Add("$s", SqliteType.Text), update.Parameters.Add("$r", SqliteType.Integer));
            foreach (var (id, type, value) in batch)
            {
                h.Value = pii.Hasher.Hash(value);
                e.Value = pii.Cipher.Encrypt(value);
                s.Value = (IdentifierType)type == IdentifierType.Phone ? (object?)pii.Hasher.HashPhoneSuffix(value) ?? DBNull.Value : DBNull.Value;
                rowid.Value = id;
                update.ExecuteNonQuery();
            }
            tx.Commit();
            done += batch.Count;
        }
    }

    /// <summary>Merge records list the identifiers they moved; the graph compares them with its (hashed) index on undo.</summary>
    private static int Merges(SqliteConnection c, PiiProtector pii) => RewriteText(c, "merges", "MovedIdentifiers",
        """MovedIdentifiers GLOB '*"2","[0-9]*' OR MovedIdentifiers LIKE '%"3","%@%'""",
        json =>
        {
            var ids = WriterSql.DeserializeIdentifiers(json);
            var hashed = ids.Select(i => Hashed(pii, i)).ToList();
            return hashed.SequenceEqual(ids) ? null : WriterSql.SerializeIdentifiers(hashed);
        });

    private static int Conflicts(SqliteConnection c, PiiProtector pii) => RewriteText(c, "merge_conflicts", "Identifier",
        "Identifier GLOB 'phone:[0-9]*' OR (Identifier LIKE 'email:%' AND instr(Identifier, '@') > 0)",
        wire =>
        {
            var colon = wire.IndexOf(':', StringComparison.Ordinal);
            return colon > 0 && IdentifierTypes.TryParseWireName(wire[..colon], out var type)
                ? Hashed(pii, new Identifier(type, wire[(colon + 1)..])).ToString()
                : null;
        });

    private static Identifier Hashed(PiiProtector pii, Identifier id) =>
        PiiProtector.IsPersonal(id.Type) && !PiiHasher.IsHash(id.Value) ? id with { Value = pii.Hasher.Hash(id.Value) } : id;

    /// <summary>
    /// Rewrites one text column of the rows a filter selects (its <c>$name</c> parameters given), walking by rowid so a
    /// row the map leaves alone (null) is not read again. A row changed since it was read is skipped (compare and swap):
    /// rotation runs while ingest writes. Answers how many rows were rewritten. Used by the backfill and the rotation.
    /// </summary>
    internal static int RewriteText(SqliteConnection c, string table, string column, string filter, Func<string, string?> map,
        params (string Name, object Value)[] parameters)
    {
        var done = 0;
        long after = 0;
        while (true)
        {
            var batch = new List<(long RowId, string Value)>();
            using (var select = c.CreateCommand())
            {
                select.CommandText = $"SELECT rowid, {column} FROM {table} WHERE rowid > $a AND {column} IS NOT NULL AND ({filter}) ORDER BY rowid LIMIT $n";
                select.Parameters.AddWithValue("$a", after);
                select.Parameters.AddWithValue("$n", BatchSize);
                foreach (var (name, value) in parameters)
                {
                    select.Parameters.AddWithValue(name, value);
                }
                using var r = select.ExecuteReader();
                while (r.Read())
                {
                    batch.Add((r.GetInt64(0), r.GetString(1)));
                }
            }
            if (batch.Count == 0)
            {
                return done;
            }
            using var tx = c.BeginTransaction();
            using var update = c.CreateCommand();
            update.Transaction = tx;
            update.CommandText = $"UPDATE {table} SET {column} = $v WHERE rowid = $r AND {column} = $old";
            var (v, rowid, old) = (update.Parameters.Add("$v", SqliteType.Text), update.Parameters.Add("$r", SqliteType.Integer), update.Parameters.Add("$old", SqliteType.Text));
            foreach (var (id, value) in batch)
            {
                if (map(value) is { } rewritten)
                {
                    (v.Value, rowid.Value, old.Value) = (rewritten, id, value);
                    done += update.ExecuteNonQuery();
                }
            }
            tx.Commit();
            after = batch[^1].RowId;
        }
    }

    /// <summary>
    /// Events up to the log position the migration recorded (later ones were written encrypted). Field names stay in
    /// plaintext, so no SQL filter can tell a done row from a pending one: the saved position can.
    /// </summary>
    private static int Events(SqliteConnection c, PiiProtector pii)
    {
        var done = 0;
        while (true)
        {
            long position, target;
            using (var state = c.CreateCommand())
            {
                state.CommandText = "SELECT Position, Target FROM pii_backfill WHERE Name = 'events'";
                using var r = state.ExecuteReader();
                if (!r.Read())
                {
                    return done;
                }
                (position, target) = (r.GetInt64(0), r.GetInt64(1));
            }
            if (position >= target)
            {
                return done;
            }
            var until = Math.Min(target, position + BatchSize);
            using var tx = c.BeginTransaction();
            var changed = new List<(long Seq, string? Properties, string? Attributes)>();
            using (var select = c.CreateCommand())
            {
                select.Transaction = tx;
                select.CommandText = "SELECT Seq, Properties, Attributes FROM events WHERE Seq > $p AND Seq <= $u";
                select.Parameters.AddWithValue("$p", position);
                select.Parameters.AddWithValue("$u", until);
                using var r = select.ExecuteReader();
                while (r.Read())
                {
                    var (properties, attributes) = (r.IsDBNull(1) ? null : r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2));
                    var (p, a) = (pii.ProtectJson(properties), pii.ProtectJson(attributes));
                    if (!ReferenceEquals(p, properties) || !ReferenceEquals(a, attributes))
                    {
                        changed.Add((r.GetInt64(0), p, a));
                    }
                }
            }
            using (var update = c.CreateCommand())
            {
                update.Transaction = tx;
                update.CommandText = "UPDATE events SET Properties = $p, Attributes = $a WHERE Seq = $s";
                var (p, a, s) = (update.Parameters.Add("$p", SqliteType.Text), update.Parameters.Add("$a", SqliteType.Text), update.Parameters.Add("$s", SqliteType.Integer));
                foreach (var row in changed)
                {
                    p.Value = (object?)row.Properties ?? DBNull.Value;
                    a.Value = (object?)row.Attributes ?? DBNull.Value;
                    s.Value = row.Seq;
                    update.ExecuteNonQuery();
                }
            }
            using (var save = c.CreateCommand())
            {
                save.Transaction = tx;
                save.CommandText = "UPDATE pii_backfill SET Position = $u WHERE Name = 'events'";
                save.Parameters.AddWithValue("$u", until);
                save.ExecuteNonQuery();
            }
            tx.Commit();
            done += changed.Count;
        }
    }

    private static int Snapshots(SqliteConnection c, PiiProtector pii)
    {
        var done = 0;
        while (true)
        {
            // One at a time: a snapshot can be many megabytes.
            (int Tenant, int Partition, byte[] Data)? row = null;
            using (var select = c.CreateCommand())
            {
                select.CommandText = "SELECT TenantId, Partition, Data FROM partition_snapshots WHERE substr(Data, 1, 7) <> CAST('enc:v1:' AS BLOB) LIMIT 1";
                using var r = select.ExecuteReader();
                if (r.Read())
                {
                    row = (r.GetInt32(0), r.GetInt32(1), (byte[])r.GetValue(2));
                }
            }
            if (row is not { } s)
            {
                return done;
            }
            using var update = c.CreateCommand();
            update.CommandText = "UPDATE partition_snapshots SET Data = $d WHERE TenantId = $t AND Partition = $p";
            update.Parameters.AddWithValue("$d", pii.ProtectBlob(s.Data));
            update.Parameters.AddWithValue("$t", s.Tenant);
            update.Parameters.AddWithValue("$p", s.Partition);
            update.ExecuteNonQuery();
            done++;
        }
    }

    private static void Exec(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Encrypted personal data written before PII encryption: {Identifiers} identifiers, {Merges} merge records, {Conflicts} merge conflicts, {Events} events, {Snapshots} snapshots")]
    private static partial void LogUpgraded(ILogger logger, int identifiers, int merges, int conflicts, int events, int snapshots);
}
