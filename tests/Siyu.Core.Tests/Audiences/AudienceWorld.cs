using System.Text.Json.Nodes;
using Siyu.Core.Audiences.Conditions;
using Siyu.Core.Audiences.Engine;
using Siyu.Core.Customers;
using Siyu.Core.Events;
using Xunit;

namespace Siyu.Core.Tests.Audiences;

/// <summary>The intended final attributes of a test customer (what the SQL oracle stores).</summary>
public sealed class CustomerSpec(long id)
{
    public long Id { get; } = id;
    public string? City { get; set; }
    public double? Points { get; set; }
    public string? Birthday { get; set; }
    public double? Rfm { get; set; }
}

public sealed record EventSpec(long CustomerId, string Type, long UtcTicks, JsonObject? Properties, JsonObject? Attributes);

/// <summary>Describes customers and their events relative to a local "today" in Asia/Shanghai.</summary>
public sealed class WorldBuilder(DateOnly today)
{
    public static readonly TimeZoneInfo Zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    public static readonly long[] TagIds = [101, 102, 103, 104, 105, 106, 107, 108];

    public DateOnly Today => today;
    public List<CustomerSpec> Customers { get; } = [];
    public List<EventSpec> Events { get; } = [];
    public Dictionary<long, string> Audiences { get; } = [];

    /// <summary>UTC ticks of a local wall-clock time <paramref name="dayOffset"/> days from today.</summary>
    public long Local(int dayOffset, TimeSpan timeOfDay)
    {
        var local = DateTime.SpecifyKind(today.AddDays(dayOffset).ToDateTime(TimeOnly.MinValue) + timeOfDay, DateTimeKind.Unspecified);
        return TimeZoneInfo.ConvertTimeToUtc(local, Zone).Ticks;
    }

    /// <summary>A customer whose attributes arrive in one profile.updated event 70 days ago (so every customer has an event).</summary>
    public CustomerSpec Customer(long id, string? city = null, double? points = null, string? birthday = null, double? rfm = null)
    {
        var spec = new CustomerSpec(id) { City = city, Points = points, Birthday = birthday, Rfm = rfm };
        Customers.Add(spec);
        var attributes = new JsonObject();
        if (city is not null)
        {
            attributes["city"] = city;
        }
        if (points is not null)
        {
            attributes["points"] = points.Value;
        }
        if (birthday is not null)
        {
            attributes["birthday"] = birthday;
        }
        Events.Add(new EventSpec(id, EventTypes.ProfileUpdated, Local(-70, TimeSpan.FromHours(10)), null, attributes));
        return spec;
    }

    public void Tag(long customerId, long tagId, long ticks, bool added = true) =>
        Events.Add(new EventSpec(customerId, added ? EventTypes.TagAdded : EventTypes.TagRemoved, ticks,
            new JsonObject { ["tag_id"] = tagId, ["source"] = "manual" }, null));

    public void Tag(long customerId, long tagId, int dayOffset = -10, bool added = true) =>
        Tag(customerId, tagId, Local(dayOffset, TimeSpan.FromHours(12) + TimeSpan.FromMinutes(Events.Count % 600)), added);

    public void Event(long customerId, string type, long ticks, JsonObject? properties = null, JsonObject? attributes = null) =>
        Events.Add(new EventSpec(customerId, type, ticks, properties, attributes));

    public void Order(long customerId, long ticks, double amount, string? category)
    {
        var properties = new JsonObject { ["order_id"] = $"o{Events.Count}", ["amount"] = amount };
        if (category is not null)
        {
            properties["category"] = category;
        }
        Event(customerId, EventTypes.OrderPaid, ticks, properties);
    }

    public AudienceWorld Build(int shuffleSeed = 1) => new(this, shuffleSeed);
}

/// <summary>
/// One test tenant three ways: profiles (for <see cref="ProfileEvaluator"/>), two audience indexes (loaded from final
/// profiles, and fed event by event like a partition grain) and an SQLite database for the independent oracle.
/// </summary>
public sealed class AudienceWorld : IDisposable
{
    public TimeZoneInfo Zone => WorldBuilder.Zone;
    public DateOnly Today { get; }
    public int TodayNumber { get; }
    public IReadOnlyList<CustomerSpec> Customers { get; }
    public Dictionary<long, CustomerProfile> Profiles { get; } = [];
    public AudienceIndex Loaded { get; }
    public AudienceIndex Incremental { get; }
    public ConditionCatalog Catalog { get; }
    public SqlOracle Oracle { get; }
    public int Checks { get; private set; }

    public AudienceWorld(WorldBuilder builder, int shuffleSeed)
    {
        Today = builder.Today;
        TodayNumber = Today.DayNumber;
        Customers = builder.Customers;
        Catalog = new ConditionCatalog
        {
            Tags = WorldBuilder.TagIds.ToDictionary(id => id, id => new TagInfo(id, $"tag{id}", false)),
            Scores = ["rfm"],
            Audiences = builder.Audiences,
        };

        // The log order: shuffled across customers and out of time order, like a partition receiving late events.
        var random = new Random(shuffleSeed);
        var shuffled = builder.Events.ToArray();
        random.Shuffle(shuffled);
        var events = shuffled.Select((e, i) => new ProfileEvent(i + 1, e.CustomerId, e.Type, e.UtcTicks, e.Properties, e.Attributes)).ToList();

        // (a) final profiles, loaded in another order.
        foreach (var c in Customers)
        {
            Profiles[c.Id] = NewProfile(c);
        }
        foreach (var e in events)
        {
            Profiles[e.CustomerId].Apply(e);
        }
        Loaded = new AudienceIndex(Zone);
        var loadOrder = Profiles.Values.ToArray();
        random.Shuffle(loadOrder);
        foreach (var p in loadOrder)
        {
            Loaded.Load(p);
        }

        // (b) incrementally, exactly as a partition grain applies events.
        Incremental = new AudienceIndex(Zone);
        var live = Customers.ToDictionary(c => c.Id, NewProfile);
        foreach (var e in events)
        {
            var ordinal = Incremental.Ordinal(e.CustomerId);
            var profile = live[e.CustomerId];
            profile.Apply(e);
            Incremental.SetRow(ordinal, profile);
            if (e.Type is not (EventTypes.TagAdded or EventTypes.TagRemoved))
            {
                Incremental.AddEvent(ordinal, BehaviourEvent.From(e.Type, e.TimestampTicks, e.Properties));
            }
        }

        Oracle = new SqlOracle(this, builder.Events);
    }

    private static CustomerProfile NewProfile(CustomerSpec c)
    {
        var p = new CustomerProfile { CustomerId = c.Id };
        if (c.Rfm is { } rfm)
        {
            p.Scores["rfm"] = rfm;
        }
        return p;
    }

    /// <summary>
    /// Reloads these customers' rows of the incremental index from their whole profiles, as a partition does after a
    /// merge rebuilt them: the answers must not change (old rows retired, new rows complete).
    /// </summary>
    public void ReloadIncremental(IEnumerable<long> customerIds)
    {
        foreach (var id in customerIds)
        {
            Incremental.Reload(Profiles[id]);
        }
    }

    /// <summary>Drops a customer everywhere (a merge took it away).</summary>
    public void Remove(long customerId)
    {
        Loaded.Remove(customerId);
        Incremental.Remove(customerId);
        Profiles.Remove(customerId);
        Oracle.Remove(customerId);
    }

    public ConditionNode Parse(string json)
    {
        var result = ConditionParser.Parse(json, Catalog);
        Assert.True(result.Ok, $"{json}\n" + string.Join("\n", result.Errors.Select(e => $"{e.Path}: {e.Message}")));
        return result.Condition!.Root;
    }

    /// <summary>Evaluates a condition four ways, asserts they agree and returns the matching customer ids.</summary>
    public HashSet<long> Check(string json)
    {
        Checks++;
        var root = Parse(json);
        var sql = Oracle.Query(json);
        var loaded = Ids(Loaded, root);
        var incremental = Ids(Incremental, root);
        var explainer = new ProfileEvaluator(Zone, TodayNumber);
        var profiles = Profiles.Values.Where(p => explainer.Matches(root, p)).Select(p => p.CustomerId).ToHashSet();

        Compare("bitset (loaded)", loaded);
        Compare("bitset (incremental)", incremental);
        Compare("profile evaluator", profiles);
        return sql;

        void Compare(string name, HashSet<long> actual)
        {
            if (actual.SetEquals(sql))
            {
                return;
            }
            var extra = actual.Except(sql).Order().Take(5).ToList();
            var missing = sql.Except(actual).Order().Take(5).ToList();
            var why = extra.Concat(missing).Where(Profiles.ContainsKey).Take(3)
                .Select(id => $"  customer {id}: {Describe(explainer.Explain(root, Profiles[id]), "    ")}");
            Assert.Fail($"{name} disagrees with SQL for {json}\ntoday {Today:yyyy-MM-dd}; {actual.Count} vs {sql.Count}; " +
                $"extra [{string.Join(", ", extra)}], missing [{string.Join(", ", missing)}]\nSQL: {Oracle.LastSql}\n{string.Join("\n", why)}");
        }
    }

    private static string Describe(Explanation e, string indent) =>
        $"{e.Path} {e.Kind} {e.Result}: {e.Detail}" + string.Concat(e.Children.Select(c => "\n" + indent + Describe(c, indent + "  ")));

    private HashSet<long> Ids(AudienceIndex index, ConditionNode root)
    {
        var bits = new BitsetEvaluator(index, TodayNumber).Evaluate(root);
        var ids = new HashSet<long>();
        foreach (var ordinal in bits.Ones())
        {
            Assert.True(ordinal < index.Size && index.Alive[ordinal], $"ordinal {ordinal} is not a live customer");
            Assert.True(ids.Add(index.CustomerId(ordinal)));
        }
        return ids;
    }

    public void Dispose() => Oracle.Dispose();
}
