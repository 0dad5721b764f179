using Npgsql;
using NpgsqlTypes;
using Siyu.Core.Compliance;
using Siyu.Server.Data;

namespace Siyu.Server.Ingest;

/// <summary>
/// PostgreSQL's fast path: a round trip per event would bound ingest by network latency, so the batch is written in
/// bulk. Idempotency keys are looked up in one query per tenant before the batch runs; log rows are buffered and go in
/// by binary COPY, customer and identifier writes by one <see cref="NpgsqlBatch"/>, all inside the group-commit
/// transaction. Anything that reads (a merge, an erasure, the audit head) flushes first, so it sees the batch so far.
/// </summary>
internal sealed class PostgresWriterSql(NpgsqlConnection connection, PiiProtector pii, DatabaseOptions database) : WriterSql(connection, pii)
{
    private const string Copy = "COPY events (seq, tenantid, idempotencykey, customerid, originalcustomerid, partition, type, timestampticks, receivedatticks, properties, attributes, source) FROM STDIN (FORMAT BINARY)";

    private readonly List<EventRow> _events = [];
    private readonly NpgsqlBatch _writes = new(connection);
    // Keys stored before this batch (prefetched) and keys this batch appended, so lookups never wait for a flush.
    private readonly Dictionary<(int, string), (long Seq, long CustomerId)> _known = [];
    private readonly HashSet<(int, string)> _prefetched = [];

    public override DatabaseOptions Database => database;

    public override void Prefetch(IEnumerable<(int TenantId, string Key)> keys)
    {
        foreach (var tenant in keys.GroupBy(k => k.TenantId))
        {
            var wanted = tenant.Select(k => k.Key).Distinct().ToArray();
            using var cmd = Adhoc("SELECT IdempotencyKey, Seq, CustomerId FROM events WHERE TenantId = @t AND IdempotencyKey = ANY(@k)");
            cmd.Param("@t", tenant.Key);
            cmd.Parameters.Add(new NpgsqlParameter<string[]>("@k", wanted));
            using (var r = cmd.ExecuteReader())
            {
                while (r.Read())
                {
                    _known[(tenant.Key, r.GetString(0))] = (r.GetInt64(1), r.GetInt64(2));
                }
            }
            foreach (var key in wanted)
            {
                _prefetched.Add((tenant.Key, key));
            }
        }
    }

    public override (long Seq, long CustomerId)? FindEvent(int tenantId, string key)
    {
        if (_known.TryGetValue((tenantId, key), out var found))
        {
            return found;
        }
        if (_prefetched.Contains((tenantId, key)))
        {
            return null;
        }
        using var cmd = Adhoc("SELECT Seq, CustomerId FROM events WHERE TenantId = @t AND IdempotencyKey = @k");
        cmd.Param("@t", tenantId);
        cmd.Param("@k", key);
        using var r = cmd.ExecuteReader();
        return r.Read() ? (r.GetInt64(0), r.GetInt64(1)) : null;
    }

    protected override void InsertEvent(long seq, int tenantId, string key, long customerId, int partition, string type, long ts, long received, string? properties, string? attributes, string source)
    {
        _events.Add(new EventRow
        {
            Seq = seq, TenantId = tenantId, IdempotencyKey = key, CustomerId = customerId, OriginalCustomerId = customerId, Partition = partition,
            Type = type, TimestampTicks = ts, ReceivedAtTicks = received, Properties = properties, Attributes = attributes, Source = source,
        });
        _known[(tenantId, key)] = (seq, customerId);
    }

    public override void InsertCustomer(int tenantId, long id, long createdTicks)
    {
        var cmd = new NpgsqlBatchCommand("INSERT INTO customers (TenantId, Id, CreatedAtTicks, MergedInto) VALUES ($1, $2, $3, NULL)");
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = tenantId });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = createdTicks });
        _writes.BatchCommands.Add(cmd);
    }

    protected override void UpsertIdentifier(int tenantId, int type, string value, long customerId, long nowTicks, string? encrypted, string? suffixHash)
    {
        var cmd = new NpgsqlBatchCommand(string.Format(System.Globalization.CultureInfo.InvariantCulture, UpsertIdentifierSql, "$1, $2, $3, $4, $5, $6, $7"));
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = tenantId });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = type });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = value });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = customerId });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = nowTicks });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)encrypted ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)suffixHash ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        _writes.BatchCommands.Add(cmd);
    }

    public override void Flush()
    {
        if (_writes.BatchCommands.Count > 0)
        {
            _writes.ExecuteNonQuery();
            _writes.BatchCommands.Clear();
        }
        if (_events.Count == 0)
        {
            return;
        }
        using (var copy = connection.BeginBinaryImport(Copy))
        {
            foreach (var e in _events)
            {
                copy.StartRow();
                copy.Write(e.Seq, NpgsqlDbType.Bigint);
                copy.Write(e.TenantId, NpgsqlDbType.Integer);
                copy.Write(e.IdempotencyKey, NpgsqlDbType.Text);
                copy.Write(e.CustomerId, NpgsqlDbType.Bigint);
                copy.Write(e.OriginalCustomerId, NpgsqlDbType.Bigint);
                copy.Write(e.Partition, NpgsqlDbType.Integer);
                copy.Write(e.Type, NpgsqlDbType.Text);
                copy.Write(e.TimestampTicks, NpgsqlDbType.Bigint);
                copy.Write(e.ReceivedAtTicks, NpgsqlDbType.Bigint);
                WriteNullable(copy, e.Properties);
                WriteNullable(copy, e.Attributes);
                copy.Write(e.Source, NpgsqlDbType.Text);
            }
            copy.Complete();
        }
        _events.Clear();
    }

    private static void WriteNullable(NpgsqlBinaryImporter copy, string? value)
    {
        if (value is null)
        {
            copy.WriteNull();
        }
        else
        {
            copy.Write(value, NpgsqlDbType.Text);
        }
    }

    /// <summary>After a commit: the lookups of the next batch start from the database again.</summary>
    public override void Committed()
    {
        _known.Clear();
        _prefetched.Clear();
    }

    public override void Reset()
    {
        base.Reset();
        _events.Clear();
        _writes.BatchCommands.Clear();
        Committed();
    }

    public override void Dispose()
    {
        _writes.Dispose();
        base.Dispose();
    }
}
