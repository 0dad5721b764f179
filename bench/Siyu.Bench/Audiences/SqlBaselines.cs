using System.Data.Common;
using System.Diagnostics;
using DuckDB.NET.Data;
using Microsoft.Data.Sqlite;

namespace Siyu.Bench.Audiences;

/// <summary>The same data in SQLite (how SQL-backed SCRMs answer: join tables and EXISTS) and in DuckDB (columnar analytics over raw events).</summary>
public static class SqlBaselines
{
    public static DuckDBConnection LoadDuckDb(AudienceData data)
    {
        var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        Execute(connection, """
            CREATE TABLE customers (id INTEGER, city UTINYINT, female UTINYINT, rfm UTINYINT);
            CREATE TABLE customer_tags (customer_id INTEGER, tag_id INTEGER);
            CREATE TABLE events (customer_id INTEGER, type UTINYINT, day UTINYINT, category UTINYINT, amount FLOAT);
            """);
        using (var appender = connection.CreateAppender("customers"))
        {
            for (var i = 0; i < data.Customers; i++)
            {
                appender.CreateRow().AppendValue(i).AppendValue(data.City[i]).AppendValue(data.Female[i]).AppendValue(data.Rfm[i]).EndRow();
            }
        }
        using (var appender = connection.CreateAppender("customer_tags"))
        {
            for (var t = 0; t < data.TagMembers.Length; t++)
            {
                foreach (var c in data.TagMembers[t])
                {
                    appender.CreateRow().AppendValue(c).AppendValue(t).EndRow();
                }
            }
        }
        using (var appender = connection.CreateAppender("events"))
        {
            for (var e = 0; e < data.EventCount; e++)
            {
                appender.CreateRow().AppendValue(data.EventCustomer[e]).AppendValue(data.EventType[e]).AppendValue(data.EventDay[e])
                    .AppendValue(data.EventCategory[e]).AppendValue(data.EventAmount[e]).EndRow();
            }
        }
        return connection;
    }

    public static SqliteConnection LoadSqlite(AudienceData data, string path)
    {
        var connection = new SqliteConnection($"Data Source={path}");
        connection.Open();
        Execute(connection, """
            PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-4000000; PRAGMA temp_store=MEMORY;
            CREATE TABLE customers (id INTEGER PRIMARY KEY, city INTEGER, female INTEGER, rfm INTEGER);
            CREATE TABLE customer_tags (customer_id INTEGER, tag_id INTEGER, PRIMARY KEY (customer_id, tag_id)) WITHOUT ROWID;
            CREATE TABLE events (customer_id INTEGER, type INTEGER, day INTEGER, category INTEGER, amount REAL);
            """);
        using (var tx = connection.BeginTransaction())
        {
            Insert(connection, tx, "INSERT INTO customers VALUES ($a, $b, $c, $d)", data.Customers,
                (i, p) => { p[0].Value = i; p[1].Value = data.City[i]; p[2].Value = data.Female[i]; p[3].Value = data.Rfm[i]; });
            var pairs = data.TagMembers.SelectMany((members, t) => members.Select(c => (c, t))).OrderBy(p => p.c).ThenBy(p => p.t).ToArray();
            Insert(connection, tx, "INSERT INTO customer_tags VALUES ($a, $b)", pairs.Length,
                (i, p) => { p[0].Value = pairs[i].c; p[1].Value = pairs[i].t; });
            Insert(connection, tx, "INSERT INTO events VALUES ($a, $b, $c, $d, $e)", data.EventCount,
                (i, p) => { p[0].Value = data.EventCustomer[i]; p[1].Value = data.EventType[i]; p[2].Value = data.EventDay[i]; p[3].Value = data.EventCategory[i]; p[4].Value = data.EventAmount[i]; });
            tx.Commit();
        }
        // The index a careful SQL implementation would add for behaviour conditions.
        Execute(connection, "CREATE INDEX ix_events ON events (customer_id, type, day, category); ANALYZE;");
        return connection;
    }

    private static void Insert(SqliteConnection connection, SqliteTransaction tx, string sql, int rows, Action<int, SqliteParameterCollection> bind)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var name in new[] { "$a", "$b", "$c", "$d", "$e" }.Where(sql.Contains))
        {
            cmd.Parameters.Add(new SqliteParameter(name, 0));
        }
        cmd.Prepare();
        for (var i = 0; i < rows; i++)
        {
            bind(i, cmd.Parameters);
            cmd.ExecuteNonQuery();
        }
    }

    private static void Execute(DbConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>Median of <paramref name="runs"/> timed executions after one warm-up, and the answer.</summary>
    public static (double Ms, long Count) Time(DbConnection connection, string sql, int runs)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        var count = Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        var times = new List<double>();
        for (var r = 0; r < runs; r++)
        {
            var sw = Stopwatch.StartNew();
            cmd.ExecuteScalar();
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return (times[times.Count / 2], count);
    }
}
