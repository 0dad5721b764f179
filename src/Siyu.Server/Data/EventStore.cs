using System.Text.Json.Nodes;
using System.Data.Common;
using Siyu.Core.Compliance;
using Siyu.Core.Customers;

namespace Siyu.Server.Data;

/// <summary>
/// The event log's hot path in plain ADO.NET: the ingest writer appends through one connection with
/// prepared commands inside one transaction per group commit; readers use their own pooled connections.
/// Personal fields in the stored JSON are encrypted (see <see cref="PiiProtector"/>); every read here decrypts them.
/// </summary>
public sealed class EventStore(DatabaseOptions options, PiiProtector pii)
{
    public string ConnectionString { get; } = options.ConnectionString;

    public DatabaseOptions Database { get; } = options;

    public PiiProtector Pii { get; } = pii;

    public DbConnection OpenReader() => Database.Open();

    public IEnumerable<ProfileEvent> ReadPartitionTail(int tenantId, int partition, long afterSeq)
    {
        using var c = OpenReader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            SELECT Seq, CustomerId, Type, TimestampTicks, Properties, Attributes FROM events
            WHERE TenantId = @t AND Partition = @p AND Seq > @s ORDER BY Seq
            """;
        cmd.Param("@t", tenantId);
        cmd.Param("@p", partition);
        cmd.Param("@s", afterSeq);
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            yield return ReadProfileEvent(r);
        }
    }

    /// <summary>All events of one customer up to a sequence number (used to rebuild a profile after a merge).</summary>
    public List<ProfileEvent> ReadCustomerEvents(int tenantId, long customerId, long upToSeq)
    {
        using var c = OpenReader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            SELECT Seq, CustomerId, Type, TimestampTicks, Properties, Attributes FROM events
            WHERE TenantId = @t AND CustomerId = @c AND Seq <= @s ORDER BY Seq
            """;
        cmd.Param("@t", tenantId);
        cmd.Param("@c", customerId);
        cmd.Param("@s", upToSeq);
        using var r = cmd.ExecuteReader();
        var list = new List<ProfileEvent>();
        while (r.Read())
        {
            list.Add(ReadProfileEvent(r));
        }
        return list;
    }

    /// <summary>
    /// A tenant's events of some types within [<paramref name="fromTicks"/>, <paramref name="untilTicks"/>), streamed in
    /// the given order — what the analytics (funnels, attribution, cohorts, A/B results) read from the log.
    /// </summary>
    public IEnumerable<StoredEvent> ReadOfTypes(int tenantId, IReadOnlyCollection<string> types, long fromTicks, long untilTicks, EventOrder order)
    {
        using var c = OpenReader();
        using var cmd = c.CreateCommand();
        var names = types.Select((_, i) => $"@y{i}").ToList();
        cmd.CommandText = $"""
            SELECT CustomerId, TimestampTicks, Type, Properties FROM events
            WHERE TenantId = @t AND Type IN ({string.Join(", ", names)}) AND TimestampTicks >= @from AND TimestampTicks < @until
            ORDER BY {order switch { EventOrder.CustomerThenTime => "CustomerId, TimestampTicks, Seq", EventOrder.Time => "TimestampTicks, Seq", _ => "Seq" }}
            """;
        cmd.Param("@t", tenantId);
        var i = 0;
        foreach (var type in types)
        {
            cmd.Param(names[i++], type);
        }
        cmd.Param("@from", fromTicks);
        cmd.Param("@until", untilTicks);
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            yield return new StoredEvent(r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.IsDBNull(3) ? null : Pii.UnprotectJson(r.GetString(3)));
        }
    }

    public long MaxSeq()
    {
        using var c = OpenReader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT COALESCE(MAX(Seq), 0) FROM events";
        return (long)cmd.ExecuteScalar()!;
    }

    private ProfileEvent ReadProfileEvent(DbDataReader r) => new(
        r.GetInt64(0),
        r.GetInt64(1),
        r.GetString(2),
        r.GetInt64(3),
        r.IsDBNull(4) ? null : Pii.ParseObject(r.GetString(4)),
        r.IsDBNull(5) ? null : Pii.ParseObject(r.GetString(5)));
}

/// <summary>One event as the analytics read it; <see cref="Properties"/> is the stored JSON (parse only what is needed).</summary>
public readonly record struct StoredEvent(long CustomerId, long TimestampTicks, string Type, string? Properties)
{
    public JsonObject? ParseProperties() => Properties is null ? null : JsonNode.Parse(Properties) as JsonObject;
}

public enum EventOrder
{
    /// <summary>As appended (sequence number).</summary>
    Log,
    /// <summary>By event time.</summary>
    Time,
    /// <summary>Each customer's events together, in time order.</summary>
    CustomerThenTime,
}
