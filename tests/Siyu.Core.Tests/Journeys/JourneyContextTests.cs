using Siyu.Core.Customers;
using Siyu.Core.Journeys;
using Xunit;

namespace Siyu.Core.Tests.Journeys;

public sealed class JourneyContextTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    [Fact]
    public void Last_order_at_is_the_local_date_of_the_last_order_unless_an_attribute_of_that_name_is_set()
    {
        // 16:30 UTC on 09-01 is 00:30 on 09-02 in Shanghai: the local date counts.
        var profile = new CustomerProfile { CustomerId = 1, LastOrderTicks = new DateTimeOffset(2026, 9, 1, 16, 30, 0, TimeSpan.Zero).UtcTicks };
        var now = new DateTimeOffset(2026, 9, 10, 0, 0, 0, TimeSpan.Zero);
        var context = new ProfileJourneyContext(profile, Shanghai, now);
        Assert.Equal(new DateOnly(2026, 9, 2), context.DateAttribute("last_order_at"));
        Assert.Null(context.DateAttribute("first_order_at")); // not recorded on this profile
        Assert.Null(context.DateAttribute("course_expires"));

        profile.Attributes["last_order_at"] = new AttributeValue { Value = System.Text.Json.Nodes.JsonValue.Create("2026-08-01") };
        Assert.Equal(new DateOnly(2026, 8, 1), new ProfileJourneyContext(profile, Shanghai, now).DateAttribute("last_order_at"));
    }

    [Fact]
    public void Day_85_after_the_last_purchase_at_ten_is_an_entry_instant()
    {
        var profile = new CustomerProfile { CustomerId = 1, LastOrderTicks = new DateTimeOffset(2026, 9, 1, 4, 0, 0, TimeSpan.Zero).UtcTicks };
        var trigger = new DateRelativeTrigger(new DateRelative("last_order_at", 85, new TimeOnly(10, 0), Yearly: false));
        var after = new DateTimeOffset(2026, 9, 1, 5, 0, 0, TimeSpan.Zero);
        var at = JourneyTriggers.NextEntry(trigger, new ProfileJourneyContext(profile, Shanghai, after), after);
        // 2026-09-01 + 85 days = 2026-11-25, 10:00 Shanghai = 02:00 UTC.
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 2, 0, 0, TimeSpan.Zero), at);
    }
}
