using System.Text.Json.Nodes;
using Siyu.Core.Customers;
using Siyu.Core.Events;
using Siyu.Core.Messaging;
using Xunit;

namespace Siyu.Core.Tests.Messaging;

public sealed class ProfileTemplateValuesTests
{
    private static long T(int day) => new DateTime(2026, 1, day, 0, 0, 0, DateTimeKind.Utc).Ticks;

    private static CustomerProfile Profile()
    {
        var p = new CustomerProfile { CustomerId = 7 };
        p.Apply(new ProfileEvent(1, 7, EventTypes.ProfileUpdated, T(1), null, new JsonObject
        {
            ["name"] = "韩梅梅",
            ["birthday"] = "1992-03-08",
            ["会员等级"] = "金卡",
            ["积分"] = 1280,
            ["vip"] = true,
            ["地址"] = new JsonObject { ["city"] = "杭州" },
        }));
        p.Apply(new ProfileEvent(2, 7, EventTypes.OrderPaid, T(2), new JsonObject { ["order_id"] = "o1", ["amount"] = 1000.5m }, null));
        p.Apply(new ProfileEvent(3, 7, EventTypes.OrderPaid, T(3), new JsonObject { ["order_id"] = "o2", ["amount"] = 234m }, null));
        p.Apply(new ProfileEvent(4, 7, EventTypes.OrderRefunded, T(4), new JsonObject { ["order_id"] = "o2", ["amount"] = 34m }, null));
        return p;
    }

    [Fact]
    public void A_profile_fills_name_orders_spend_and_attributes()
    {
        var template = MessageTemplate.Parse(
            "{{name}}，{{birthday|date:M月d日}}生日快乐！{{orders}}单共{{spend|money}}（实付{{net_spend|money}}），{{attributes.会员等级}}积分{{attributes.积分}}，VIP {{attributes.vip}}").Template!;

        Assert.Equal("韩梅梅，3月8日生日快乐！2单共¥1,234.50（实付¥1,200.50），金卡积分1280，VIP true", template.Render(new ProfileTemplateValues(Profile())));
    }

    [Fact]
    public void Absent_and_structured_attributes_are_missing()
    {
        var values = new ProfileTemplateValues(Profile());
        Assert.False(values.TryGet("attributes.地址", out _));   // an object has no text form
        Assert.False(values.TryGet("attributes.不存在", out _));
        Assert.False(values.TryGet("city", out _));             // documented attribute, but not set
        Assert.False(values.TryGet("会员等级", out _));           // operators' attributes only under attributes.
        var anonymous = new ProfileTemplateValues(new CustomerProfile());
        Assert.Equal("亲爱的顾客，您还没有下单", MessageTemplate.Parse("{{name|亲爱的顾客}}，您还没有下单").Template!.Render(anonymous));
    }

    [Fact]
    public void The_catalog_knows_built_ins_and_the_tenants_attributes()
    {
        var catalog = ProfileTemplateValues.Catalog(["会员等级", "宝宝生日"]);

        Assert.True(MessageTemplate.Parse("{{name}}{{spend|money}}{{birthday|date}}{{attributes.宝宝生日|date:M月d日}}", catalog).Success);
        Assert.Equal(
            [new FieldError("template", "Line 1, column 3: Unknown field 'attributes.积分'.")],
            MessageTemplate.Parse("{{attributes.积分}}", catalog).Errors);
    }
}
