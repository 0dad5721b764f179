using System.Text.Json.Nodes;
using Siyu.Core.Audiences.Conditions;
using Siyu.Core.Audiences.Engine;
using Siyu.Core.Customers;
using Siyu.Core.Events;
using Xunit;

namespace Siyu.Core.Tests.Audiences;

public sealed class ProfileExplanationTests
{
    private static readonly TimeZoneInfo Zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    private static readonly DateOnly Today = new(2026, 3, 15);

    private static long Local(int dayOffset, int hour) =>
        TimeZoneInfo.ConvertTimeToUtc(Today.AddDays(dayOffset).ToDateTime(new TimeOnly(hour, 0)), Zone).Ticks;

    private static readonly ConditionCatalog Catalog = new()
    {
        Tags = new() { [1] = new TagInfo(1, "VIP", false), [2] = new TagInfo(2, "宝妈", false) },
    };

    /// <summary>Tags VIP and 宝妈, lives in 上海, three orders in the last week and one 40 days ago.</summary>
    private static CustomerProfile Customer()
    {
        var p = new CustomerProfile { CustomerId = 42 };
        var seq = 0;
        p.Apply(new ProfileEvent(++seq, 42, EventTypes.ProfileUpdated, Local(-50, 9), null, new JsonObject { ["city"] = "上海" }));
        foreach (var tag in new long[] { 1, 2 })
        {
            p.Apply(new ProfileEvent(++seq, 42, EventTypes.TagAdded, Local(-30, 9), new JsonObject { ["tag_id"] = tag, ["source"] = "manual" }, null));
        }
        foreach (var day in new[] { -40, -5, -2, 0 })
        {
            p.Apply(new ProfileEvent(++seq, 42, EventTypes.OrderPaid, Local(day, 10), new JsonObject { ["amount"] = 25.5, ["category"] = "母婴" }, null));
        }
        return p;
    }

    private static ConditionNode Parse(int minOrders)
    {
        var json = $$$"""
            {"version":1,"root":{"type":"all","children":[
              {"type":"tags","op":"has_all","tag_ids":[1,2]},
              {"type":"any","children":[
                {"type":"attribute","name":"city","op":"eq","value":"北京"},
                {"type":"behavior","event":"order.paid","window":{"last_days":30},"op":"gte","value":{{{minOrders}}}}
              ]}
            ]}}
            """;
        var result = ConditionParser.Parse(json, Catalog);
        Assert.True(result.Ok);
        return result.Condition!.Root;
    }

    private static Explanation Explain(ConditionNode root) =>
        new ProfileEvaluator(Zone, Today.DayNumber, id => id == 1 ? "VIP" : "宝妈").Explain(root, Customer());

    [Fact]
    public void Failing_behavior_decides_the_any_which_decides_the_all()
    {
        var e = Explain(Parse(minOrders: 5));

        Assert.False(e.Result);
        Assert.Equal("all", e.Kind);
        Assert.Equal("condition.root", e.Path);
        Assert.Equal("1 of 2 hold", e.Detail);
        Assert.Equal(2, e.Children.Count);

        var tags = e.Children[0];
        Assert.True(tags.Result);
        Assert.False(tags.Decisive);
        Assert.Contains("has [VIP, 宝妈]", tags.Detail);

        var any = e.Children[1];
        Assert.Equal("condition.root.children[1]", any.Path);
        Assert.False(any.Result);
        Assert.True(any.Decisive); // the first failing child of the "all"
        Assert.All(any.Children, c => Assert.False(c.Decisive)); // a failed "any" has no single decisive child

        var city = any.Children[0];
        Assert.False(city.Result);
        Assert.Contains("city = 上海", city.Detail);

        var behavior = any.Children[1];
        Assert.Equal("behavior", behavior.Kind);
        Assert.Equal("condition.root.children[1].children[1]", behavior.Path);
        Assert.False(behavior.Result);
        Assert.Contains("count = 3", behavior.Detail); // the order 40 days ago is outside the window
        Assert.Contains("last 30 days", behavior.Detail);
    }

    [Fact]
    public void Holding_behavior_is_the_decisive_child_of_the_any()
    {
        var e = Explain(Parse(minOrders: 3));

        Assert.True(e.Result);
        Assert.All(e.Children, c => Assert.False(c.Decisive)); // a holding "all" has no single decisive child
        var any = e.Children[1];
        Assert.True(any.Result);
        Assert.False(any.Children[0].Decisive);
        Assert.True(any.Children[1].Decisive);
        Assert.True(any.Children[1].Result);
        Assert.Contains("count = 3", any.Children[1].Detail);
    }

    [Fact]
    public void Missing_tag_decides_and_is_named()
    {
        var root = Parse(minOrders: 1);
        var p = Customer();
        p.Apply(new ProfileEvent(99, 42, EventTypes.TagRemoved, Local(-1, 9), new JsonObject { ["tag_id"] = 2L, ["source"] = "manual" }, null));
        var e = new ProfileEvaluator(Zone, Today.DayNumber, id => id == 1 ? "VIP" : "宝妈").Explain(root, p);
        Assert.False(e.Result);
        Assert.True(e.Children[0].Decisive);
        Assert.False(e.Children[1].Decisive);
        Assert.Contains("lacks [宝妈]", e.Children[0].Detail);
    }
}
