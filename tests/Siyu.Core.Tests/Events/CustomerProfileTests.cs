using System.Text.Json.Nodes;
using Siyu.Core.Customers;
using Siyu.Core.Events;
using Xunit;

namespace Siyu.Core.Tests.Events;

public sealed class CustomerProfileTests
{
    private static long T(int day) => new DateTime(2026, 1, day, 0, 0, 0, DateTimeKind.Utc).Ticks;

    private static ProfileEvent Order(long seq, int day, decimal amount, string category, string type = EventTypes.OrderPaid) =>
        new(seq, 1, type, T(day), new JsonObject { ["order_id"] = $"o{seq}", ["amount"] = amount, ["category"] = category }, null);

    private static ProfileEvent Attrs(long seq, int day, JsonObject attributes) => new(seq, 1, EventTypes.ProfileUpdated, T(day), null, attributes);

    [Fact]
    public void Orders_and_refunds_accumulate_per_category()
    {
        var p = new CustomerProfile { CustomerId = 1 };
        p.Apply(Order(1, 3, 100m, "母婴"));
        p.Apply(Order(2, 5, 50.5m, "美妆"));
        p.Apply(Order(3, 4, 20m, "母婴"));
        p.Apply(Order(4, 6, 20m, "母婴", EventTypes.OrderRefunded));
        Assert.Equal(3, p.Orders);
        Assert.Equal(170.5m, p.Spend);
        Assert.Equal(150.5m, p.NetSpend);
        Assert.Equal(T(3), p.FirstOrderTicks);
        Assert.Equal(T(5), p.LastOrderTicks);
        Assert.Equal(2, p.Categories["母婴"].Orders);
        Assert.Equal(T(4), p.Categories["母婴"].LastOrderTicks);
        Assert.Equal(T(6), p.LastSeenTicks);
        Assert.Equal(T(3), p.FirstSeenTicks);
    }

    [Fact]
    public void Attribute_strategies_are_independent_of_application_order()
    {
        var events = new[]
        {
            Attrs(0, 1, new JsonObject { ["first_channel"] = "" }),
            Attrs(1, 2, new JsonObject { ["name"] = "韩梅梅", ["first_channel"] = "门店", ["level"] = "普通", ["visits_count"] = 1 }),
            Attrs(2, 9, new JsonObject { ["name"] = "", ["first_channel"] = "直播", ["level"] = "VIP", ["visits_count"] = 2 }),
            Attrs(3, 5, new JsonObject { ["name"] = "韩梅", ["level"] = "SVIP", ["visits_count"] = 4 }),
        };
        foreach (var order in new[] { new[] { 0, 1, 2, 3 }, new[] { 3, 2, 1, 0 }, new[] { 2, 0, 1, 3 } })
        {
            var p = new CustomerProfile { CustomerId = 1 };
            foreach (var i in order)
            {
                p.Apply(events[i]);
            }
            Assert.Equal("韩梅", p.DisplayName);                                  // non-empty, latest by event time
            Assert.Equal("门店", p.Attributes["first_channel"].Value!.GetValue<string>()); // oldest non-empty (day 1 was empty)
            Assert.Equal("VIP", p.Attributes["level"].Value!.GetValue<string>());          // most recent (day 9)
            Assert.Equal(7m, CustomerProfile.ReadDecimal(p.Attributes["visits_count"].Value)); // sum
        }
    }

    [Fact]
    public void Staff_relationships_follow_add_and_delete()
    {
        var p = new CustomerProfile { CustomerId = 1 };
        p.Apply(new ProfileEvent(1, 1, EventTypes.CustomerAdded, T(1), new JsonObject { ["staff_userid"] = "zhangmin", ["state"] = "门店海报" }, null));
        p.Apply(new ProfileEvent(2, 1, EventTypes.CustomerAdded, T(2), new JsonObject { ["staff_userid"] = "liqiang" }, null));
        p.Apply(new ProfileEvent(3, 1, EventTypes.CustomerDeleted, T(3), new JsonObject { ["staff_userid"] = "zhangmin" }, null));
        Assert.Equal(new[] { "liqiang" }, p.Staff.Keys);
        Assert.Equal(2, p.EventCounts[EventTypes.CustomerAdded]);
    }

    [Fact]
    public void Partitioning_is_stable_and_spreads_customers()
    {
        Assert.Equal(Partitioning.Of(12345, 8), Partitioning.Of(12345, 8));
        var counts = new int[8];
        for (long id = 1; id <= 8000; id++)
        {
            counts[Partitioning.Of(id, 8)]++;
        }
        Assert.All(counts, c => Assert.InRange(c, 800, 1200));
    }

    [Fact]
    public void Display_name_follows_every_change_of_the_name_attribute()
    {
        // Attributes as the partition gets them: parsed from the log's JSON text, not built in code.
        static ProfileEvent Parsed(long seq, int day, string json) => Attrs(seq, day, JsonNode.Parse(json)!.AsObject());
        var p = new CustomerProfile { CustomerId = 1 };
        Assert.Null(p.DisplayName);
        p.Apply(Parsed(1, 2, """{"level":"VIP"}"""));
        Assert.Null(p.DisplayName);
        p.Apply(Parsed(2, 3, """{"name":"李雷"}"""));
        Assert.Equal("李雷", p.DisplayName);
        Assert.Same(p.DisplayName, p.DisplayName); // read once per change, not once per read
        p.Apply(Parsed(3, 4, """{"name":"李雷雷"}"""));
        Assert.Equal("李雷雷", p.DisplayName);
        p.Apply(Parsed(4, 1, """{"name":"旧名字"}""")); // older than what is there: no change
        Assert.Equal("李雷雷", p.DisplayName);
        p.Apply(Parsed(5, 5, """{"name":42}"""));
        Assert.Null(p.DisplayName); // not text: no display name
        p.Apply(Parsed(6, 6, """{"name":"韩梅梅"}"""));
        Assert.Equal("韩梅梅", p.DisplayName);
        p.Apply(new ProfileEvent(7, 1, EventTypes.CustomerAnonymised, T(7), null, null));
        Assert.Null(p.DisplayName);
    }

    private static ProfileEvent Tag(long seq, int day, long tagId, bool add, string source = "manual") =>
        new(seq, 1, add ? EventTypes.TagAdded : EventTypes.TagRemoved, T(day), new JsonObject { ["tag_id"] = tagId, ["source"] = source }, null);

    [Fact]
    public void Tags_follow_the_latest_change_by_event_time_in_any_order_and_do_not_count_as_activity()
    {
        var events = new[]
        {
            Tag(1, 1, 10, true), Tag(2, 3, 10, false), // added then removed
            Tag(3, 2, 20, true, "import"),            // kept
            Tag(4, 4, 30, true), Tag(5, 4, 30, false), // same instant: removal wins
            Tag(6, 5, 40, false), Tag(7, 6, 40, true, "rule"),
        };
        foreach (var order in new[] { new[] { 0, 1, 2, 3, 4, 5, 6 }, new[] { 6, 5, 4, 3, 2, 1, 0 }, new[] { 1, 4, 6, 0, 3, 5, 2 } })
        {
            var p = new CustomerProfile { CustomerId = 1 };
            foreach (var i in order)
            {
                p.Apply(events[i]);
            }
            Assert.Equal(new long[] { 20, 40 }, p.TagIds.Order());
            Assert.Equal("import", p.Tags[20].Source);
            Assert.Equal("rule", p.Tags[40].Source);
            Assert.Equal(long.MaxValue, p.FirstSeenTicks);
            Assert.Empty(p.EventCounts);
        }
    }
}
