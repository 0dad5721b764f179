namespace Siyu.Bench.Audiences;

/// <summary>The three benchmark questions, as the SQL a SQL-backed SCRM would run (customer_tags join table, events table).</summary>
public static class AudienceQueries
{
    /// <summary>Last 30 local days including today: days 150–179 of the 180-day range.</summary>
    public const int Last30 = AudienceData.Days - 30;

    public static readonly (string Name, string Description, string Sql)[] All =
    [
        ("a", "bought 母婴 in the last 30 days AND NOT joined a campaign in the last 30 days AND RFM ≥ 4", $"""
            SELECT count(*) FROM customers c
            WHERE c.rfm >= 4
              AND EXISTS (SELECT 1 FROM events e WHERE e.customer_id = c.id AND e.type = 0 AND e.category = 0 AND e.day >= {Last30})
              AND NOT EXISTS (SELECT 1 FROM events e WHERE e.customer_id = c.id AND e.type = 2 AND e.day >= {Last30})
            """),
        ("b", "(t0 AND (t1 OR (t2 AND NOT t3))) OR (city IN (上海, 杭州) AND female AND (t4 OR t5))", """
            SELECT count(*) FROM customers c
            WHERE (EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = c.id AND t.tag_id = 0)
                   AND (EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = c.id AND t.tag_id = 1)
                        OR (EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = c.id AND t.tag_id = 2)
                            AND NOT EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = c.id AND t.tag_id = 3))))
               OR (c.city IN (0, 2) AND c.female = 1
                   AND (EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = c.id AND t.tag_id = 4)
                        OR EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = c.id AND t.tag_id = 5)))
            """),
        ("c", "has none of t6, t7, t8", """
            SELECT count(*) FROM customers c
            WHERE NOT EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = c.id AND t.tag_id IN (6, 7, 8))
            """),
    ];
}
