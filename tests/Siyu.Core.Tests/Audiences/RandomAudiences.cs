using System.Globalization;
using System.Text.Json.Nodes;
using Siyu.Core.Events;

namespace Siyu.Core.Tests.Audiences;

/// <summary>Seeded random tenants and random condition trees (JSON v1) over them.</summary>
public static class RandomAudiences
{
    public static readonly string[] Cities = ["上海", "北京", "杭州", "深圳", "成都", "Shanghai", "shanghai"];
    public static readonly string[] Categories = ["母婴", "美妆", "运动"];

    /// <summary>Local "today" per seed: plain days, month and year ends, and both kinds of February end.</summary>
    private static readonly DateOnly[] Todays =
    [
        new(2026, 3, 15), new(2026, 2, 27), new(2025, 12, 25), new(2028, 2, 28), new(2028, 2, 29),
        new(2027, 2, 28), new(2026, 7, 1), new(2026, 1, 1), new(2025, 12, 31),
    ];

    private static readonly TimeSpan[] NearMidnight =
    [
        TimeSpan.Zero, TimeSpan.FromTicks(1), TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1),
        TimeSpan.FromDays(1) - TimeSpan.FromTicks(1), TimeSpan.FromDays(1) - TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1) - TimeSpan.FromSeconds(1),
        // 00:00 UTC is 08:00 in Shanghai: catches evaluation by UTC day.
        TimeSpan.FromHours(8), TimeSpan.FromHours(8) - TimeSpan.FromTicks(1),
    ];

    public static WorldBuilder Tenant(int seed, int customers = 300)
    {
        var random = new Random(seed);
        var today = Todays[seed % Todays.Length];
        var b = new WorldBuilder(today);
        var ids = new HashSet<long>();
        while (ids.Count < customers)
        {
            ids.Add(random.NextInt64(1, 5_000_000));
        }
        var heavy = ids.First();
        foreach (var id in ids)
        {
            var spec = b.Customer(id,
                city: random.NextDouble() < 0.8 ? Pick(random, Cities) : null,
                points: random.NextDouble() < 0.85 ? (random.Next(3) == 0 ? Pick(random, [0d, 100d, 500d, 1000d]) : random.Next(0, 2001)) : null,
                birthday: Birthday(random, today),
                rfm: random.NextDouble() < 0.75 ? random.Next(1, 6) : null);

            // An older edit that the later one overrides, whatever order the log delivers them in.
            if (random.NextDouble() < 0.3 && spec.City is not null && spec.Points is not null)
            {
                b.Event(id, EventTypes.ProfileUpdated, b.Local(-80, TimeSpan.FromHours(9)), null,
                    new JsonObject { ["city"] = Pick(random, Cities), ["points"] = random.Next(0, 2001) });
            }

            foreach (var tag in WorldBuilder.TagIds.Take(7))
            {
                var roll = random.NextDouble();
                if (roll < 0.35)
                {
                    var added = EventTicks(random, b, -60, 0);
                    b.Tag(id, tag, added);
                    if (random.NextDouble() < 0.3)
                    {
                        var removed = added + random.NextInt64(1, TimeSpan.FromDays(5).Ticks);
                        b.Tag(id, tag, removed, added: false);
                        if (random.NextDouble() < 0.3)
                        {
                            b.Tag(id, tag, removed + random.NextInt64(1, TimeSpan.FromDays(5).Ticks));
                        }
                    }
                }
                else if (roll < 0.4)
                {
                    b.Tag(id, tag, EventTicks(random, b, -60, 0), added: false); // removing a tag it never had
                }
            }

            var count = id == heavy ? 150 : random.Next(10) == 0 ? 0 : random.Next(1, 25);
            for (var i = 0; i < count; i++)
            {
                var ticks = EventTicks(random, b, -65, 1);
                var kind = random.Next(10);
                if (kind < 4)
                {
                    b.Order(id, ticks, Math.Round(random.Next(1, 100_000) / 100.0, 2), random.NextDouble() < 0.9 ? Pick(random, Categories) : null);
                }
                else if (kind < 8)
                {
                    b.Event(id, EventTypes.PageViewed, ticks, new JsonObject { ["url"] = $"/p/{random.Next(20)}" });
                }
                else
                {
                    b.Event(id, EventTypes.CampaignJoined, ticks, new JsonObject { ["campaign"] = $"c{random.Next(3)}" });
                }
            }
        }

        b.Audiences[900] = """{"version":1,"root":{"type":"tags","op":"has_any","tag_ids":[101,102]}}""";
        b.Audiences[901] = """
            {"version":1,"root":{"type":"all","children":[{"type":"audience","audience_id":900},
             {"type":"behavior","event":"order.paid","window":{"last_days":30},"op":"gte","value":1}]}}
            """;
        b.Audiences[902] = """{"version":1,"root":{"type":"not","child":{"type":"attribute","name":"city","op":"eq","value":"上海"}}}""";
        return b;
    }

    private static string? Birthday(Random random, DateOnly today)
    {
        var roll = random.NextDouble();
        DateOnly date;
        if (roll < 0.2)
        {
            return null;
        }
        if (roll < 0.55)
        {
            // A birthday whose month and day are near today's, in some past year (anniversary edges, year wrap).
            var near = today.AddDays(random.Next(-20, 60));
            var year = random.Next(1960, 2010);
            date = new DateOnly(year, near.Month, Math.Min(near.Day, DateTime.DaysInMonth(year, near.Month)));
        }
        else if (roll < 0.65)
        {
            date = new DateOnly(Pick(random, [1996, 2000, 2004]), 2, Pick(random, [28, 29]));
        }
        else if (roll < 0.85)
        {
            date = today.AddDays(random.Next(-70, 70)); // a recent or upcoming date (within_next/last_days)
        }
        else
        {
            date = new DateOnly(random.Next(1950, 2020), random.Next(1, 13), random.Next(1, 29));
        }
        return date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    }

    private static long EventTicks(Random random, WorldBuilder b, int fromDay, int toDay)
    {
        var day = random.Next(fromDay, toDay + 1);
        if (day > 0 && random.Next(3) != 0)
        {
            day = 0; // keep future events rare
        }
        var time = random.Next(4) == 0 ? Pick(random, NearMidnight) : TimeSpan.FromTicks(random.NextInt64(TimeSpan.TicksPerDay));
        return b.Local(day, time);
    }

    public static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];
}

/// <summary>Random condition trees (depth ≤ 4) aimed at the values the tenant actually has.</summary>
public sealed class ConditionGenerator(Random random, WorldBuilder tenant)
{
    private readonly double[] _points = tenant.Customers.Where(c => c.Points is not null).Select(c => c.Points!.Value).Distinct().ToArray();
    private readonly string[] _birthdays = tenant.Customers.Where(c => c.Birthday is not null).Select(c => c.Birthday!).ToArray();
    private readonly double[] _amounts = tenant.Events.Where(e => e.Type == EventTypes.OrderPaid).Select(e => (double)e.Properties!["amount"]!).ToArray();
    private readonly long[] _customerIds = tenant.Customers.Select(c => c.Id).ToArray();

    public string Next() => new JsonObject { ["version"] = 1, ["root"] = Node(0) }.ToJsonString();

    private JsonObject Node(int depth)
    {
        var roll = random.NextDouble();
        if (depth < 4 && roll < (depth == 0 ? 0.7 : 0.35))
        {
            var kind = random.Next(5);
            if (kind == 4)
            {
                return new JsonObject { ["type"] = "not", ["child"] = Node(depth + 1) };
            }
            var count = random.Next(10) == 0 ? 0 : random.Next(1, 4);
            return new JsonObject
            {
                ["type"] = kind < 2 ? "all" : "any",
                ["children"] = new JsonArray(Enumerable.Range(0, count).Select(_ => (JsonNode)Node(depth + 1)).ToArray()),
            };
        }
        return random.Next(20) switch
        {
            < 4 => Tags(),
            < 9 => Attribute(),
            < 11 => Score(),
            < 18 => Behavior(),
            18 => List(),
            _ => new JsonObject { ["type"] = "audience", ["audience_id"] = random.Next(900, 903) },
        };
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private JsonObject Tags()
    {
        var ids = Enumerable.Range(0, random.Next(4)).Select(_ => (JsonNode)Pick(WorldBuilder.TagIds)).ToArray();
        return new JsonObject { ["type"] = "tags", ["op"] = Pick(["has_any", "has_all", "has_none"]), ["tag_ids"] = new JsonArray(ids) };
    }

    private JsonObject Attribute() => random.Next(12) switch
    {
        < 4 => Text("city", Cities()),
        < 7 => Number("points", PointsValue),
        < 11 => Date(),
        _ => random.Next(2) == 0
            ? Text("nickname", Cities())
            : Number("vip_level", () => random.Next(3)),
    };

    private static string[] Cities() => [.. RandomAudiences.Cities, "广州"];

    private double PointsValue() => random.Next(3) == 0 ? random.Next(-10, 2100) : Pick(_points);

    private JsonObject Text(string name, string[] values)
    {
        var node = new JsonObject { ["type"] = "attribute", ["name"] = name };
        var op = Pick(["eq", "neq", "in", "contains", "is_set", "not_set"]);
        node["op"] = op;
        switch (op)
        {
            case "eq" or "neq":
                node["value"] = Pick(values);
                break;
            case "in":
                node["values"] = new JsonArray(Enumerable.Range(0, random.Next(1, 4)).Select(_ => (JsonNode)Pick(values)).ToArray());
                break;
            case "contains":
                node["value"] = Pick(["海", "SHANG", "hai", "京", "x", "上海"]);
                break;
        }
        return node;
    }

    private JsonObject Number(string name, Func<double> value, string type = "attribute")
    {
        var node = new JsonObject { ["type"] = type, ["name"] = name };
        var op = Pick(["eq", "neq", "in", "between", "gt", "gte", "lt", "lte", "is_set", "not_set"]);
        node["op"] = op;
        switch (op)
        {
            case "in":
                node["values"] = new JsonArray(Enumerable.Range(0, random.Next(1, 4)).Select(_ => (JsonNode)value()).ToArray());
                break;
            case "between":
                var (a, c) = (value(), value());
                node["min"] = Math.Min(a, c);
                node["max"] = Math.Max(a, c);
                break;
            case "is_set" or "not_set":
                break;
            default:
                node["value"] = value();
                break;
        }
        return node;
    }

    private JsonObject Score() => Number("rfm", () => random.Next(8) == 0 ? 2.5 : random.Next(0, 7), type: "score");

    private JsonObject Date()
    {
        var node = new JsonObject { ["type"] = "attribute", ["name"] = "birthday" };
        var op = Pick(["eq", "between", "gt", "gte", "lt", "lte", "is_set", "not_set", "within_next_days", "within_last_days",
            "anniversary_within_next_days", "anniversary_within_next_days"]);
        node["op"] = op;
        string Day() => random.Next(2) == 0 && _birthdays.Length > 0
            ? Pick(_birthdays)
            : tenant.Today.AddDays(random.Next(-80, 80)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        switch (op)
        {
            case "between":
                var (a, b) = (Day(), Day());
                node["min"] = string.CompareOrdinal(a, b) <= 0 ? a : b;
                node["max"] = string.CompareOrdinal(a, b) <= 0 ? b : a;
                break;
            case "is_set" or "not_set":
                break;
            case "within_next_days" or "within_last_days":
                node["days"] = Pick([0, 1, 2, 7, 30, 60, 400]);
                break;
            case "anniversary_within_next_days":
                node["days"] = Pick([0, 1, 2, 3, 7, 30, 45, 90, 365, 366, 400]);
                break;
            default:
                node["value"] = Day();
                break;
        }
        return node;
    }

    private JsonObject List() => new()
    {
        ["type"] = "list",
        ["customer_ids"] = new JsonArray(Enumerable.Range(0, random.Next(0, 12))
            .Select(_ => (JsonNode)(random.Next(4) == 0 ? random.NextInt64(1, 5_000_000) : Pick(_customerIds))).ToArray()),
    };

    private JsonObject Behavior()
    {
        var eventType = Pick([EventTypes.OrderPaid, EventTypes.OrderPaid, EventTypes.OrderPaid, EventTypes.PageViewed, EventTypes.CampaignJoined, EventTypes.CouponRedeemed]);
        var node = new JsonObject { ["type"] = "behavior", ["event"] = eventType };
        var allTime = random.Next(4) == 0;
        node["window"] = allTime ? new JsonObject { ["all_time"] = true } : new JsonObject { ["last_days"] = Pick([1, 2, 3, 7, 14, 30, 59, 60, 61, 66, 90, 730]) };
        if (!allTime && random.Next(5) < 2)
        {
            node["where"] = new JsonArray(Enumerable.Range(0, random.Next(1, 3)).Select(_ => (JsonNode)Filter()).ToArray());
        }
        var measure = random.Next(10) switch
        {
            < 6 => "count",
            < 8 => "sum",
            _ => "days_since_last",
        };
        if (measure != "count" || random.Next(2) == 0)
        {
            node["measure"] = measure;
        }
        switch (measure)
        {
            case "count":
                var (op, value) = Pick<(string, double)>([("gte", 1), ("gt", 0), ("gt", 0.5), ("gte", 0.5), ("eq", 0), ("eq", 1), ("gte", 2), ("gte", 3), ("lt", 2), ("lte", 1), ("lt", 1), ("between", 1)]);
                node["op"] = op;
                if (op == "between")
                {
                    node["min"] = random.Next(0, 3);
                    node["max"] = random.Next(3, 6);
                }
                else
                {
                    node["value"] = value;
                }
                break;
            case "sum":
                node["property"] = random.Next(8) == 0 ? "qty" : "amount";
                // Thresholds at half cents: sums of two-decimal amounts never land on them, whatever the float order.
                double Threshold() => Math.Round(random.Next(0, 300_000) / 100.0, 2) + 0.005;
                var sumOp = Pick(["gt", "gte", "lt", "lte", "between", "eq"]);
                node["op"] = sumOp;
                if (sumOp == "between")
                {
                    var (a, b) = (Threshold(), Threshold());
                    node["min"] = Math.Min(a, b);
                    node["max"] = Math.Max(a, b);
                }
                else
                {
                    node["value"] = sumOp == "eq" ? 0 : Threshold();
                }
                break;
            default:
                var daysOp = Pick(["eq", "gt", "gte", "lt", "lte", "between"]);
                node["op"] = daysOp;
                if (daysOp == "between")
                {
                    var (a, b) = (random.Next(-1, 70), random.Next(-1, 70));
                    node["min"] = Math.Min(a, b);
                    node["max"] = Math.Max(a, b);
                }
                else
                {
                    node["value"] = random.Next(-1, 70);
                }
                break;
        }
        return node;
    }

    private JsonObject Filter()
    {
        switch (random.Next(7))
        {
            case < 3:
            {
                var f = new JsonObject { ["property"] = "category" };
                var op = Pick(["eq", "neq", "in", "contains", "is_set", "not_set"]);
                f["op"] = op;
                switch (op)
                {
                    case "eq" or "neq":
                        f["value"] = Pick(RandomAudiences.Categories);
                        break;
                    case "in":
                        f["values"] = new JsonArray(Enumerable.Range(0, random.Next(1, 3)).Select(_ => (JsonNode)Pick(RandomAudiences.Categories)).ToArray());
                        break;
                    case "contains":
                        f["value"] = Pick(["妆", "母", "运动", "X"]);
                        break;
                }
                return f;
            }
            case < 6:
            {
                var f = new JsonObject { ["property"] = "amount" };
                double Amount() => random.Next(3) == 0 || _amounts.Length == 0 ? Math.Round(random.Next(0, 100_000) / 100.0, 2) : Pick(_amounts);
                var op = Pick(["eq", "neq", "in", "between", "gt", "gte", "lt", "lte", "is_set", "not_set"]);
                f["op"] = op;
                switch (op)
                {
                    case "in":
                        f["values"] = new JsonArray(Enumerable.Range(0, random.Next(1, 3)).Select(_ => (JsonNode)Amount()).ToArray());
                        break;
                    case "between":
                        var (a, b) = (Amount(), Amount());
                        f["min"] = Math.Min(a, b);
                        f["max"] = Math.Max(a, b);
                        break;
                    case "is_set" or "not_set":
                        break;
                    default:
                        f["value"] = Amount();
                        break;
                }
                return f;
            }
            default:
                // A property no event has.
                return random.Next(2) == 0
                    ? new JsonObject { ["property"] = "channel", ["op"] = Pick(["is_set", "not_set"]) }
                    : new JsonObject { ["property"] = "channel", ["op"] = Pick(["eq", "neq"]), ["value"] = "wechat" };
        }
    }
}
