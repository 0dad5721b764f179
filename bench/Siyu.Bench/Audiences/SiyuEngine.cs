using System.Diagnostics;
using System.Text.Json.Nodes;
using Siyu.Core.Audiences.Conditions;
using Siyu.Core.Audiences.Engine;
using Siyu.Core.Customers;

namespace Siyu.Bench.Audiences;

/// <summary>
/// The same tenant in Siyu's audience engine: customers spread over partitions (customer i in partition i mod P,
/// id i + 1), each partition an <see cref="AudienceIndex"/>, and the three questions as condition JSON v1.
/// </summary>
public sealed class SiyuEngine
{
    /// <summary>Bench day 179 is today; day d is <c>Today - 179 + d</c>.</summary>
    public static readonly int Today = new DateOnly(2026, 11, 25).DayNumber;

    public const string Female = "女";
    public const string Male = "男";

    /// <summary>Tag t of the data is tag id t + 1 (ids start at 1 in the product).</summary>
    public static long TagId(int t) => t + 1;

    public static readonly ConditionCatalog Catalog = new()
    {
        Tags = Enumerable.Range(0, AudienceData.TagCount).ToDictionary(t => TagId(t), t => new TagInfo(TagId(t), $"t{t}", false)),
        Scores = ["rfm"],
    };

    /// <summary>The questions of <see cref="AudienceQueries"/> in the condition language, by query name.</summary>
    public static readonly Dictionary<string, string> Conditions = new(StringComparer.Ordinal)
    {
        ["a"] = """
            {"version": 1, "root": {"type": "all", "children": [
              {"type": "behavior", "event": "order.paid", "where": [{"property": "category", "op": "eq", "value": "母婴"}],
               "window": {"last_days": 30}, "measure": "count", "op": "gte", "value": 1},
              {"type": "not", "child": {"type": "behavior", "event": "campaign.joined", "window": {"last_days": 30}, "measure": "count", "op": "gte", "value": 1}},
              {"type": "score", "name": "rfm", "op": "gte", "value": 4}]}}
            """,
        ["b"] = """
            {"version": 1, "root": {"type": "any", "children": [
              {"type": "all", "children": [
                {"type": "tags", "op": "has_any", "tag_ids": [1]},
                {"type": "any", "children": [
                  {"type": "tags", "op": "has_any", "tag_ids": [2]},
                  {"type": "all", "children": [
                    {"type": "tags", "op": "has_any", "tag_ids": [3]},
                    {"type": "tags", "op": "has_none", "tag_ids": [4]}]}]}]},
              {"type": "all", "children": [
                {"type": "attribute", "name": "city", "op": "in", "values": ["上海", "杭州"]},
                {"type": "attribute", "name": "gender", "op": "eq", "value": "女"},
                {"type": "tags", "op": "has_any", "tag_ids": [5, 6]}]}]}}
            """,
        ["c"] = """
            {"version": 1, "root": {"type": "tags", "op": "has_none", "tag_ids": [7, 8, 9]}}
            """,
    };

    public AudienceIndex[] Partitions { get; }

    private SiyuEngine(AudienceIndex[] partitions) => Partitions = partitions;

    public static ConditionNode Parse(string name)
    {
        var result = ConditionParser.Parse(Conditions[name], Catalog);
        if (!result.Ok)
        {
            throw new InvalidOperationException($"Query {name}: {string.Join("; ", result.Errors.Select(e => $"{e.Path}: {e.Message}"))}");
        }
        return result.Condition!.Root;
    }

    public static SiyuEngine Build(AudienceData data, int partitionCount)
    {
        var partitions = Enumerable.Range(0, partitionCount).Select(_ => new AudienceIndex(TimeZoneInfo.Utc)).ToArray();
        // Customers go in ascending order, so ordinal = i / P; kept in an array so tags and events skip the id lookup.
        var ordinals = new int[data.Customers];
        JsonNode[] cities = [.. AudienceData.Cities.Select(c => JsonValue.Create(c))];
        JsonNode female = JsonValue.Create(Female), male = JsonValue.Create(Male);
        for (var i = 0; i < data.Customers; i++)
        {
            var index = partitions[i % partitionCount];
            var ordinal = ordinals[i] = index.Ordinal(i + 1);
            index.SetAttribute(ordinal, "city", cities[data.City[i]]);
            index.SetAttribute(ordinal, "gender", data.Female[i] == 1 ? female : male);
            index.SetScore(ordinal, "rfm", data.Rfm[i]);
        }
        for (var t = 0; t < data.TagMembers.Length; t++)
        {
            foreach (var c in data.TagMembers[t])
            {
                partitions[c % partitionCount].SetTag(ordinals[c], TagId(t), true);
            }
        }

        var columns = partitions.Select(p => AudienceData.EventTypes.Select(p.EventsOf).ToArray()).ToArray();
        // DayBucket.Add copies the properties into its columns, so one mutable event per type serves every row.
        var templates = AudienceData.EventTypes.Select(type => new BehaviourEvent { Type = type }).ToArray();
        var order = templates[0];
        order.Text = new(StringComparer.Ordinal) { ["category"] = "" };
        order.Numbers = new(StringComparer.Ordinal) { ["amount"] = 0 };
        var firstDay = Today - (AudienceData.Days - 1);
        for (var e = 0; e < data.EventCount; e++)
        {
            var c = data.EventCustomer[e];
            var p = c % partitionCount;
            var type = data.EventType[e];
            var template = templates[type];
            if (type == 0)
            {
                order.Text["category"] = AudienceData.Categories[data.EventCategory[e]];
                order.Numbers["amount"] = data.EventAmount[e];
            }
            columns[p][type].Add(ordinals[c], firstDay + data.EventDay[e], template, partitions[p].Strings, updateTotals: true);
        }
        return new SiyuEngine(partitions);
    }

    /// <summary>All partitions one after another on this thread: what one core does for the whole tenant.</summary>
    public long CountSequential(ConditionNode root)
    {
        long count = 0;
        foreach (var index in Partitions)
        {
            count += new BitsetEvaluator(index, Today).Evaluate(root).Count();
        }
        return count;
    }

    /// <summary>Partitions in parallel (as partition grains answer a fan-out query), counts added up.</summary>
    public long CountParallel(ConditionNode root)
    {
        long count = 0;
        Parallel.ForEach(Partitions, index => Interlocked.Add(ref count, new BitsetEvaluator(index, Today).Evaluate(root).Count()));
        return count;
    }

    /// <summary>
    /// Times <paramref name="runs"/> calls after warming up for a second (at least once): a query takes milliseconds,
    /// and a handful of calls would leave its loops in tier-0 code instead of the steady state a server running
    /// queries all day is in.
    /// </summary>
    public static Timing Time(Func<long> query, int runs)
    {
        var count = query();
        for (var warm = Stopwatch.StartNew(); warm.Elapsed < TimeSpan.FromSeconds(1);)
        {
            query();
        }
        var times = new List<double>();
        for (var r = 0; r < runs; r++)
        {
            var sw = Stopwatch.StartNew();
            var again = query();
            times.Add(sw.Elapsed.TotalMilliseconds);
            if (again != count)
            {
                throw new InvalidOperationException($"Answer changed between runs: {count} then {again}.");
            }
        }
        times.Sort();
        return new Timing(times[times.Count / 2], times[0], count);
    }
}

/// <summary>Median and fastest of the timed runs (the fastest is less disturbed by other work on the machine), and the answer.</summary>
public sealed record Timing(double MedianMs, double FastestMs, long Count);
