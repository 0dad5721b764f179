using System.Data;
using System.Data.Common;
using Siyu.Core.Compliance;
using Siyu.Server.Data;

namespace Siyu.Server.Compliance;

/// <summary>How many stored values one key id protects in a tenant's data.</summary>
public sealed record PiiKeyUsage(string KeyId, bool Active, bool Configured, long Identifiers, long EventValues, long Snapshots);

/// <summary>What a rotation rewrote: rows whose ciphertexts moved to the active key.</summary>
public sealed record PiiRotationResult(string ActiveKey, int Identifiers, int Events, int Snapshots, int Failed);

/// <summary>
/// Key rotation for one tenant: re-encrypts every ciphertext not under the active key, a batch per transaction, each
/// row only if it still holds what was read (the ingest writer and the partitions keep writing meanwhile). After a
/// rotation reports nothing left under a key, that key can leave the configuration.
/// </summary>
public sealed partial class PiiRotation(EventStore store, ILogger<PiiRotation> logger)
{
    public const int BatchSize = 500;
    private const string EventMarker = "\"" + PiiCipher.Prefix;

    private PiiCipher Cipher => store.Pii.Cipher;

    public PiiRotationResult Rotate(int tenantId)
    {
        using var c = store.OpenReader();
        var failed = 0;
        var identifiers = RotateIdentifiers(c, tenantId, ref failed);
        var events = RotateEvents(c, tenantId, ref failed);
        var snapshots = RotateSnapshots(c, tenantId, ref failed);
        return new PiiRotationResult(Cipher.ActiveKeyId, identifiers, events, snapshots, failed);
    }

    /// <summary>Per key id (configured, and any other id found in the data), the values it protects.</summary>
    public List<PiiKeyUsage> Usage(int tenantId)
    {
        using var c = store.OpenReader();
        var identifiers = new Dictionary<string, long>();
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = $"""
                SELECT substr(Encrypted, 8, {store.Database.Instr("substr(Encrypted, 8)", "':'")} - 1) AS kid, COUNT(*) FROM identifiers
                WHERE TenantId = @t AND Encrypted IS NOT NULL GROUP BY kid
                """;
            cmd.Param("@t", tenantId);
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                identifiers[r.GetString(0)] = r.GetInt64(1);
            }
        }
        var events = new Dictionary<string, long>();
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = $"SELECT Properties, Attributes FROM events WHERE TenantId = @t AND ({store.Database.Instr("Properties", "@m")} > 0 OR {store.Database.Instr("Attributes", "@m")} > 0)";
            cmd.Param("@t", tenantId);
            cmd.Param("@m", EventMarker);
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                PiiProtector.CountKeyIds(r.IsDBNull(0) ? null : r.GetString(0), events);
                PiiProtector.CountKeyIds(r.IsDBNull(1) ? null : r.GetString(1), events);
            }
        }
        var snapshots = new Dictionary<string, long>();
        using (var cmd = c.CreateCommand())
        {
            // The header is at most 7 + 32 + 1 bytes: no need to read whole blobs.
            cmd.CommandText = "SELECT substr(Data, 1, 40) FROM partition_snapshots WHERE TenantId = @t";
            cmd.Param("@t", tenantId);
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                if (PiiCipher.KeyIdOf((byte[])r.GetValue(0)) is { } kid)
                {
                    snapshots[kid] = snapshots.GetValueOrDefault(kid) + 1;
                }
            }
        }
        var kids = Cipher.KeyIds.Concat(identifiers.Keys).Concat(events.Keys).Concat(snapshots.Keys).Distinct().Order(StringComparer.Ordinal);
        return [.. kids.Select(kid => new PiiKeyUsage(kid, kid == Cipher.ActiveKeyId, Cipher.KeyIds.Contains(kid),
            identifiers.GetValueOrDefault(kid), events.GetValueOrDefault(kid), snapshots.GetValueOrDefault(kid)))];
    }

    /// <summary>
    /// Walks the tenant's identifiers by their key (type, value), a batch per transaction, so one the cipher cannot read
    /// is passed over rather than read again. Keyed rather than by SQLite's rowid: the same SQL runs on PostgreSQL.
    /// </summary>
    private int RotateIdentifiers(DbConnection c, int tenantId, ref int failed)
    {
        var active = PiiCipher.Prefix + Cipher.ActiveKeyId + ":";
        var done = 0;
        (int Type, string Value) after = (int.MinValue, "");
        while (true)
        {
            var batch = new List<(int Type, string Value, string Encrypted)>();
            using (var select = c.CreateCommand())
            {
                select.CommandText = """
                    SELECT Type, Value, Encrypted FROM identifiers
                    WHERE TenantId = @t AND Encrypted IS NOT NULL AND substr(Encrypted, 1, length(@k)) <> @k
                      AND (Type > @y OR (Type = @y AND Value > @v))
                    ORDER BY Type, Value LIMIT @n
                    """;
                select.Param("@t", tenantId);
                select.Param("@k", active);
                select.Param("@y", after.Type);
                select.Param("@v", after.Value);
                select.Param("@n", BatchSize);
                using var r = select.ExecuteReader();
                while (r.Read())
                {
                    batch.Add((r.GetInt32(0), r.GetString(1), r.GetString(2)));
                }
            }
            if (batch.Count == 0)
            {
                return done;
            }
            using var tx = c.BeginTransaction();
            using var update = c.CreateCommand();
            update.Transaction = tx;
            // Compare and swap: the ingest writer may have re-pointed or rewritten the row since it was read.
            update.CommandText = "UPDATE identifiers SET Encrypted = @e WHERE TenantId = @t AND Type = @y AND Value = @v AND Encrypted = @old";
            var (e, t, y, v, old) = (update.Param("@e", null, DbType.String), update.Param("@t", tenantId), update.Param("@y", 0),
                update.Param("@v", null, DbType.String), update.Param("@old", null, DbType.String));
            foreach (var row in batch)
            {
                string fresh;
                try
                {
                    fresh = Cipher.Reencrypt(row.Encrypted);
                }
                catch (PiiDecryptionException error)
                {
                    failed++;
                    LogUnreadable(logger, error, "identifier", 0);
                    continue;
                }
                (e.Value, y.Value, v.Value, old.Value) = (fresh, row.Type, row.Value, row.Encrypted);
                done += update.ExecuteNonQuery();
            }
            tx.Commit();
            after = (batch[^1].Type, batch[^1].Value);
        }
    }

    private int RotateEvents(DbConnection c, int tenantId, ref int failed)
    {
        var done = 0;
        foreach (var kid in Cipher.KeyIds.Where(k => k != Cipher.ActiveKeyId))
        {
            var marker = EventMarker + kid + ":";
            long after = 0;
            while (true)
            {
                var batch = new List<(long Seq, string? Properties, string? Attributes)>();
                using (var select = c.CreateCommand())
                {
                    select.CommandText = $"""
                        SELECT Seq, Properties, Attributes FROM events
                        WHERE TenantId = @t AND Seq > @a AND ({store.Database.Instr("Properties", "@m")} > 0 OR {store.Database.Instr("Attributes", "@m")} > 0) ORDER BY Seq LIMIT @n
                        """;
                    select.Param("@t", tenantId);
                    select.Param("@a", after);
                    select.Param("@m", marker);
                    select.Param("@n", BatchSize);
                    using var r = select.ExecuteReader();
                    while (r.Read())
                    {
                        batch.Add((r.GetInt64(0), r.IsDBNull(1) ? null : r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2)));
                    }
                }
                if (batch.Count == 0)
                {
                    break;
                }
                using var tx = c.BeginTransaction();
                using var update = c.CreateCommand();
                update.Transaction = tx;
                // Properties and attributes never change after the append (merges re-point CustomerId only), but compare anyway.
                update.CommandText = $"UPDATE events SET Properties = @p, Attributes = @a WHERE Seq = @s AND {store.Database.SameAs("Properties", "@op")} AND {store.Database.SameAs("Attributes", "@oa")}";
                var ps = new[] { "@p", "@a", "@s", "@op", "@oa" }.Select(name => update.Param(name, null, name == "@s" ? DbType.Int64 : DbType.String)).ToArray();
                foreach (var (seq, properties, attributes) in batch)
                {
                    string? p, a;
                    try
                    {
                        (p, a) = (store.Pii.ReencryptJson(properties) ?? properties, store.Pii.ReencryptJson(attributes) ?? attributes);
                    }
                    catch (PiiDecryptionException e)
                    {
                        failed++;
                        LogUnreadable(logger, e, "event", seq);
                        continue;
                    }
                    ps[0].Value = (object?)p ?? DBNull.Value;
                    ps[1].Value = (object?)a ?? DBNull.Value;
                    ps[2].Value = seq;
                    ps[3].Value = (object?)properties ?? DBNull.Value;
                    ps[4].Value = (object?)attributes ?? DBNull.Value;
                    done += update.ExecuteNonQuery();
                }
                tx.Commit();
                after = batch[^1].Seq;
            }
        }
        return done;
    }

    private int RotateSnapshots(DbConnection c, int tenantId, ref int failed)
    {
        var done = 0;
        var partitions = new List<int>();
        using (var select = c.CreateCommand())
        {
            select.CommandText = "SELECT Partition, substr(Data, 1, 40) FROM partition_snapshots WHERE TenantId = @t";
            select.Param("@t", tenantId);
            using var r = select.ExecuteReader();
            while (r.Read())
            {
                if (PiiCipher.KeyIdOf((byte[])r.GetValue(1)) is { } kid && kid != Cipher.ActiveKeyId)
                {
                    partitions.Add(r.GetInt32(0));
                }
            }
        }
        foreach (var partition in partitions)
        {
            byte[] old;
            using (var read = c.CreateCommand())
            {
                read.CommandText = "SELECT Data FROM partition_snapshots WHERE TenantId = @t AND Partition = @p";
                read.Param("@t", tenantId);
                read.Param("@p", partition);
                if (read.ExecuteScalar() is not byte[] data)
                {
                    continue;
                }
                old = data;
            }
            byte[] fresh;
            try
            {
                fresh = Cipher.ReencryptBytes(old);
            }
            catch (PiiDecryptionException e)
            {
                failed++;
                LogUnreadable(logger, e, "snapshot", partition);
                continue;
            }
            using var update = c.CreateCommand();
            // Only if the partition has not written a newer snapshot meanwhile (that one is under the active key already).
            update.CommandText = "UPDATE partition_snapshots SET Data = @new WHERE TenantId = @t AND Partition = @p AND Data = @old";
            update.Param("@new", fresh);
            update.Param("@t", tenantId);
            update.Param("@p", partition);
            update.Param("@old", old);
            done += update.ExecuteNonQuery();
        }
        return done;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "PII rotation could not read a {What} ({Id}); it stays under its old key")]
    private static partial void LogUnreadable(ILogger logger, Exception e, string what, long id);
}
