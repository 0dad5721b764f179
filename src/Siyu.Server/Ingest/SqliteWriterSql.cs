using Microsoft.Data.Sqlite;
using Siyu.Core.Compliance;
using Siyu.Server.Data;

namespace Siyu.Server.Ingest;

/// <summary>SQLite's fast path: the per-event statements are prepared once and bound by position (<see cref="RawStatement"/>).</summary>
internal sealed class SqliteWriterSql(SqliteConnection connection, PiiProtector pii, DatabaseOptions database) : WriterSql(connection, pii)
{
    private RawStatement? _findEvent;
    private RawStatement? _insertEvent;
    private RawStatement? _insertCustomer;
    private RawStatement? _upsertIdentifier;

    public override DatabaseOptions Database => database;

    public override (long Seq, long CustomerId)? FindEvent(int tenantId, string key)
    {
        var find = _findEvent ??= new RawStatement(connection, "SELECT Seq, CustomerId FROM events WHERE TenantId = ?1 AND IdempotencyKey = ?2");
        find.Bind(1, tenantId);
        find.Bind(2, key);
        if (!find.Read())
        {
            return null;
        }
        var found = (find.GetInt64(0), find.GetInt64(1));
        find.Reset();
        return found;
    }

    protected override void InsertEvent(long seq, int tenantId, string key, long customerId, int partition, string type, long ts, long received, string? properties, string? attributes, string source)
    {
        var insert = _insertEvent ??= new RawStatement(connection, """
            INSERT INTO events (Seq, TenantId, IdempotencyKey, CustomerId, OriginalCustomerId, Partition, Type, TimestampTicks, ReceivedAtTicks, Properties, Attributes, Source)
            VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
            """);
        insert.Bind(1, seq);
        insert.Bind(2, tenantId);
        insert.Bind(3, key);
        insert.Bind(4, customerId);
        insert.Bind(5, partition);
        insert.Bind(6, type);
        insert.Bind(7, ts);
        insert.Bind(8, received);
        insert.Bind(9, properties);
        insert.Bind(10, attributes);
        insert.Bind(11, source);
        insert.Execute();
    }

    public override void InsertCustomer(int tenantId, long id, long createdTicks)
    {
        var cmd = _insertCustomer ??= new RawStatement(connection, "INSERT INTO customers (TenantId, Id, CreatedAtTicks, MergedInto) VALUES (?1, ?2, ?3, NULL)");
        cmd.Bind(1, tenantId);
        cmd.Bind(2, id);
        cmd.Bind(3, createdTicks);
        cmd.Execute();
    }

    protected override void UpsertIdentifier(int tenantId, int type, string value, long customerId, long nowTicks, string? encrypted, string? suffixHash)
    {
        var cmd = _upsertIdentifier ??= new RawStatement(connection, string.Format(System.Globalization.CultureInfo.InvariantCulture, UpsertIdentifierSql, "?1, ?2, ?3, ?4, ?5, ?6, ?7"));
        cmd.Bind(1, tenantId);
        cmd.Bind(2, type);
        cmd.Bind(3, value);
        cmd.Bind(4, customerId);
        cmd.Bind(5, nowTicks);
        cmd.Bind(6, encrypted);
        cmd.Bind(7, suffixHash);
        cmd.Execute();
    }

    public override void Dispose()
    {
        foreach (var statement in new[] { _findEvent, _insertEvent, _insertCustomer, _upsertIdentifier })
        {
            statement?.Dispose();
        }
        base.Dispose();
    }
}
