using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Siyu.Core.Events;

namespace Siyu.Core.Tests.Audiences;

/// <summary>
/// The independent oracle: the test tenant in an in-memory SQLite database and a compiler from condition JSON v1 to
/// SQL written from the documented semantics (ConditionNodes.cs, Comparisons.cs), sharing no code with the engine.
/// Only data preparation happens in C# (the local day of each event); tag state, windows, measures, date arithmetic
/// and anniversaries are SQL. Every leaf is forced to 0/1 so SQL's NULL logic can't leak into NOT.
/// </summary>
public sealed class SqlOracle : IDisposable
{
    private readonly SqliteConnection _db = new("Data Source=:memory:");
    private readonly AudienceWorld _world;
    private readonly int _today;
    private readonly string _todayText;

    public string LastSql { get; private set; } = "";

    public SqlOracle(AudienceWorld world, IEnumerable<EventSpec> events)
    {
        _world = world;
        _today = world.Today.DayNumber;
        _todayText = world.Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        _db.Open();
        Execute("""
            CREATE TABLE customers(id INTEGER PRIMARY KEY, city TEXT, points REAL, birthday TEXT, birthday_day INTEGER, rfm REAL);
            CREATE TABLE tag_events(customer_id INTEGER, tag_id INTEGER, ticks INTEGER, added INTEGER);
            CREATE TABLE events(customer_id INTEGER, type TEXT, local_day INTEGER, category TEXT, amount REAL);
            CREATE INDEX events_by_customer ON events(customer_id, type, local_day);
            """);
        using var tx = _db.BeginTransaction();
        using var insertCustomer = Command("INSERT INTO customers VALUES ($id, $city, $points, $birthday, $day, $rfm)", tx);
        foreach (var c in world.Customers)
        {
            Run(insertCustomer, c.Id, c.City, c.Points, c.Birthday,
                c.Birthday is null ? null : DateOnly.ParseExact(c.Birthday, "yyyy-MM-dd", CultureInfo.InvariantCulture).DayNumber, c.Rfm);
        }
        using var insertTag = Command("INSERT INTO tag_events VALUES ($c, $t, $ticks, $added)", tx);
        using var insertEvent = Command("INSERT INTO events VALUES ($c, $type, $day, $category, $amount)", tx);
        foreach (var e in events)
        {
            if (e.Type is EventTypes.TagAdded or EventTypes.TagRemoved)
            {
                Run(insertTag, e.CustomerId, e.Properties!["tag_id"]!.GetValue<long>(), e.UtcTicks, e.Type == EventTypes.TagAdded ? 1 : 0);
                continue;
            }
            var localDay = DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(new DateTime(e.UtcTicks, DateTimeKind.Utc), world.Zone)).DayNumber;
            var category = e.Properties?["category"] is JsonValue cv && cv.GetValueKind() == JsonValueKind.String ? cv.GetValue<string>() : null;
            double? amount = e.Properties?["amount"] is JsonValue av && av.GetValueKind() == JsonValueKind.Number ? av.GetValue<double>() : null;
            Run(insertEvent, e.CustomerId, e.Type, localDay, category, amount);
        }
        // A tag is on a customer when its latest change (by event time) is an add; at equal times a removal wins.
        Execute("""
            CREATE TABLE customer_tags AS
            SELECT DISTINCT t.customer_id, t.tag_id FROM tag_events t
            WHERE t.added = 1 AND NOT EXISTS (
                SELECT 1 FROM tag_events u
                WHERE u.customer_id = t.customer_id AND u.tag_id = t.tag_id AND (u.ticks > t.ticks OR (u.ticks = t.ticks AND u.added = 0)));
            CREATE INDEX customer_tags_by_customer ON customer_tags(customer_id, tag_id);
            """, tx);
        tx.Commit();
    }

    public void Remove(long customerId) => Execute("DELETE FROM customers WHERE id = $id", null, ("$id", customerId));

    public HashSet<long> Query(string json)
    {
        var condition = JsonNode.Parse(json)!;
        LastSql = $"SELECT c.id FROM customers c WHERE {Compile(condition["root"]!)}";
        using var command = _db.CreateCommand();
        command.CommandText = LastSql;
        using var reader = command.ExecuteReader();
        var ids = new HashSet<long>();
        while (reader.Read())
        {
            ids.Add(reader.GetInt64(0));
        }
        return ids;
    }

    private string Compile(JsonNode node)
    {
        var type = (string)node["type"]!;
        switch (type)
        {
            case "all":
            case "any":
                var children = node["children"]!.AsArray().Select(c => Compile(c!)).ToList();
                if (children.Count == 0)
                {
                    return type == "all" ? "1" : "0"; // empty all: everyone; empty any: no one
                }
                return "(" + string.Join(type == "all" ? " AND " : " OR ", children) + ")";
            case "not":
                return $"(NOT {Compile(node["child"]!)})";
            case "audience":
                var saved = _world.Catalog.Audiences[(long)node["audience_id"]!];
                return Compile(JsonNode.Parse(saved)!["root"]!);
            default:
                return $"(CASE WHEN {Leaf(type, node)} THEN 1 ELSE 0 END)";
        }
    }

    private string Leaf(string type, JsonNode node)
    {
        switch (type)
        {
            case "tags":
                var ids = node["tag_ids"]!.AsArray().Select(i => (long)i!).ToList();
                var op = (string)node["op"]!;
                var inList = string.Join(", ", ids);
                var hasAny = $"EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = c.id AND t.tag_id IN ({inList}))";
                return op switch
                {
                    "has_any" => ids.Count == 0 ? "0" : hasAny,
                    "has_none" => ids.Count == 0 ? "1" : $"NOT {hasAny}",
                    // Every listed tag is on the customer (relational division); of no tags: everyone.
                    "has_all" => ids.Count == 0 ? "1" : $"NOT EXISTS (SELECT 1 FROM (VALUES {string.Join(", ", ids.Select(i => $"({i})"))}) v " +
                        "WHERE v.column1 NOT IN (SELECT t.tag_id FROM customer_tags t WHERE t.customer_id = c.id))",
                    _ => throw new InvalidOperationException(op),
                };
            case "attribute":
                var name = (string)node["name"]!;
                return name switch
                {
                    "city" => Text("c.city", node),
                    "nickname" => Text("NULL", node),
                    "points" => Number("c.points", node),
                    "vip_level" => Number("NULL", node),
                    "birthday" => Date("c.birthday", node),
                    _ => throw new InvalidOperationException($"oracle has no attribute {name}"),
                };
            case "score":
                return (string)node["name"]! == "rfm" ? Number("c.rfm", node) : throw new InvalidOperationException("score");
            case "list":
                return $"c.id IN ({string.Join(", ", node["customer_ids"]!.AsArray().Select(i => (long)i!))})";
            case "behavior":
                return Behavior(node);
            default:
                throw new InvalidOperationException($"oracle has no node type {type}");
        }
    }

    private string Behavior(JsonNode node)
    {
        var from = new StringBuilder($"FROM events e WHERE e.customer_id = c.id AND e.type = {Lit((string)node["event"]!)}");
        if (node["window"]!["last_days"] is { } days)
        {
            // The last N local days including today: today − N + 1 … today.
            from.Append($" AND e.local_day BETWEEN {_today - (int)days + 1} AND {_today}");
        }
        foreach (var filter in node["where"]?.AsArray() ?? [])
        {
            from.Append(" AND ").Append(Filter(filter!));
        }
        var measured = ((string?)node["measure"] ?? "count") switch
        {
            "count" => $"(SELECT COUNT(*) {from})",
            "sum" => (string)node["property"]! == "amount" ? $"(SELECT COALESCE(SUM(e.amount), 0) {from})" : "0",
            // NULL when there is no such event, so no comparison holds.
            "days_since_last" => $"({_today} - (SELECT MAX(e.local_day) {from}))",
            var m => throw new InvalidOperationException(m),
        };
        return Number(measured, node);
    }

    private string Filter(JsonNode filter)
    {
        var property = (string)filter["property"]!;
        var op = (string)filter["op"]!;
        var column = property switch
        {
            "category" => "e.category",
            "amount" => "e.amount",
            _ => "NULL",
        };
        if (op is "is_set" or "not_set")
        {
            // Whether the event has the property at all, whatever its type.
            return $"({column} {(op == "is_set" ? "IS NOT NULL" : "IS NULL")})";
        }
        var sample = filter["value"] ?? filter["values"]?[0] ?? filter["min"];
        var numeric = sample is JsonValue v && v.GetValueKind() == JsonValueKind.Number;
        if (numeric && property == "category" || !numeric && property == "amount")
        {
            throw new InvalidOperationException("the generator only compares category as text and amount as a number");
        }
        return numeric ? Number(column, filter) : Text(column, filter);
    }

    private static string Text(string expr, JsonNode n) => (string)n["op"]! switch
    {
        "eq" => $"{expr} = {Lit((string)n["value"]!)}",
        "neq" => $"{expr} <> {Lit((string)n["value"]!)}",
        "in" => $"{expr} IN ({string.Join(", ", n["values"]!.AsArray().Select(v => Lit((string)v!)))})",
        // Case-insensitive containment (the test data's letters are ASCII, where lower() is exact).
        "contains" => $"instr(lower({expr}), lower({Lit((string)n["value"]!)})) > 0",
        "is_set" => $"{expr} IS NOT NULL",
        "not_set" => $"{expr} IS NULL",
        var op => throw new InvalidOperationException(op),
    };

    private static string Number(string expr, JsonNode n) => (string)n["op"]! switch
    {
        "eq" => $"{expr} = {Num(n["value"])}",
        "neq" => $"{expr} <> {Num(n["value"])}",
        "in" => $"{expr} IN ({string.Join(", ", n["values"]!.AsArray().Select(Num))})",
        "between" => $"{expr} BETWEEN {Num(n["min"])} AND {Num(n["max"])}",
        "gt" => $"{expr} > {Num(n["value"])}",
        "gte" => $"{expr} >= {Num(n["value"])}",
        "lt" => $"{expr} < {Num(n["value"])}",
        "lte" => $"{expr} <= {Num(n["value"])}",
        "is_set" => $"{expr} IS NOT NULL",
        "not_set" => $"{expr} IS NULL",
        var op => throw new InvalidOperationException(op),
    };

    /// <summary>Dates as ISO text (which sorts like dates) and SQLite's own calendar arithmetic.</summary>
    private string Date(string expr, JsonNode n)
    {
        var today = Lit(_todayText);
        return (string)n["op"]! switch
        {
            "eq" => $"{expr} = {Lit((string)n["value"]!)}",
            "between" => $"{expr} BETWEEN {Lit((string)n["min"]!)} AND {Lit((string)n["max"]!)}",
            "gt" => $"{expr} > {Lit((string)n["value"]!)}",
            "gte" => $"{expr} >= {Lit((string)n["value"]!)}",
            "lt" => $"{expr} < {Lit((string)n["value"]!)}",
            "lte" => $"{expr} <= {Lit((string)n["value"]!)}",
            "is_set" => $"{expr} IS NOT NULL",
            "not_set" => $"{expr} IS NULL",
            "within_next_days" => $"julianday({expr}) - julianday({today}) BETWEEN 0 AND {(int)n["days"]!}",
            "within_last_days" => $"julianday({today}) - julianday({expr}) BETWEEN 0 AND {(int)n["days"]!}",
            // Some day k in 0..N from today has the same month and day; a 29 Feb date counts on 28 Feb of non-leap years.
            "anniversary_within_next_days" => $"""
                {expr} IS NOT NULL AND EXISTS (
                  WITH RECURSIVE k(n, d) AS (SELECT 0, {today} UNION ALL SELECT n + 1, date(d, '+1 day') FROM k WHERE n < {(int)n["days"]!})
                  SELECT 1 FROM k WHERE strftime('%m-%d', k.d) = strftime('%m-%d', {expr})
                    OR (strftime('%m-%d', {expr}) = '02-29' AND strftime('%m-%d', k.d) = '02-28'
                        AND strftime('%d', date(strftime('%Y', k.d) || '-03-01', '-1 day')) = '28'))
                """,
            var op => throw new InvalidOperationException(op),
        };
    }

    private static string Lit(string s) => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string Num(JsonNode? n) => ((double)n!).ToString("R", CultureInfo.InvariantCulture);

    private void Execute(string sql, SqliteTransaction? tx = null, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, tx);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        command.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql, SqliteTransaction? tx)
    {
        var command = _db.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        return command;
    }

    /// <summary>Runs a prepared insert with positional values for its parameters.</summary>
    private static void Run(SqliteCommand command, params object?[] values)
    {
        if (command.Parameters.Count == 0)
        {
            foreach (var name in System.Text.RegularExpressions.Regex.Matches(command.CommandText, @"\$\w+").Select(m => m.Value))
            {
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
            }
            command.Prepare();
        }
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
        command.ExecuteNonQuery();
    }

    public void Dispose() => _db.Dispose();
}
