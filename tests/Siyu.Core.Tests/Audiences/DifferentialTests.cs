using Siyu.Core.Events;
using Xunit;

namespace Siyu.Core.Tests.Audiences;

/// <summary>
/// The bitset engine (index loaded from profiles, and index fed event by event), the per-profile evaluator and an
/// independent SQL oracle must pick exactly the same customers for random conditions over random tenants.
/// </summary>
public sealed class DifferentialTests
{
    public static TheoryData<int> Seeds(int from, int to)
    {
        var data = new TheoryData<int>();
        for (var seed = from; seed <= to; seed++)
        {
            data.Add(seed);
        }
        return data;
    }

    // Two classes so xunit runs the 40 seeds as two parallel collections.
    [Theory]
    [MemberData(nameof(Seeds), 1, 20)]
    public void Engine_and_explainer_agree_with_sql_on_random_conditions(int seed) => RandomConditions(seed);

    public sealed class MoreSeeds
    {
        [Theory]
        [MemberData(nameof(Seeds), 21, 40, MemberType = typeof(DifferentialTests))]
        public void Engine_and_explainer_agree_with_sql_on_random_conditions(int seed) => RandomConditions(seed);
    }

    private static void RandomConditions(int seed)
    {
        var tenant = RandomAudiences.Tenant(seed);
        using var world = tenant.Build(shuffleSeed: seed);
        if (seed % 2 == 1)
        {
            // Half the seeds first reload a third of the customers (what a merge does to a survivor's row).
            world.ReloadIncremental(world.Customers.Where((_, i) => i % 3 == 0).Select(c => c.Id));
        }
        var generator = new ConditionGenerator(new Random(seed * 31 + 7), tenant);
        var customers = world.Customers.Count;
        var informative = 0;
        const int Trees = 50;
        for (var i = 0; i < Trees; i++)
        {
            var matched = world.Check(generator.Next()).Count;
            if (matched > 0 && matched < customers)
            {
                informative++;
            }
        }
        // Guard against a generator that only produces everyone / no one.
        Assert.True(informative >= Trees / 3, $"only {informative} of {Trees} conditions split the tenant");
    }

    [Fact]
    public void Generated_tenants_cover_the_edges_the_tests_rely_on()
    {
        var tenant = RandomAudiences.Tenant(4);
        Assert.Equal(300, tenant.Customers.Count);
        Assert.Contains(tenant.Customers, c => c.City is null);
        Assert.Contains(tenant.Customers, c => c.Rfm is null);
        Assert.Contains(tenant.Customers, c => c.Birthday is not null && c.Birthday.EndsWith("-02-29", StringComparison.Ordinal));
        Assert.Contains(tenant.Events, e => e.Type == EventTypes.TagRemoved);
        var localTimes = tenant.Events.Select(e => TimeZoneInfo.ConvertTimeFromUtc(new DateTime(e.UtcTicks, DateTimeKind.Utc), WorldBuilder.Zone).TimeOfDay).ToList();
        Assert.Contains(TimeSpan.Zero, localTimes);
        Assert.Contains(TimeSpan.FromDays(1) - TimeSpan.FromTicks(1), localTimes);
        var days = tenant.Events.Select(e => DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(new DateTime(e.UtcTicks, DateTimeKind.Utc), WorldBuilder.Zone))).ToList();
        Assert.Contains(days, d => d > tenant.Today);
        Assert.Contains(days, d => d < tenant.Today.AddDays(-60));
    }

    // ---- the cases that went wrong before, by hand ----

    private const long A = 11, B = 22, C = 33, D = 44, E = 55, F = 66, G = 77, H = 88;

    /// <summary>
    /// A: tags 101+102, 上海, two orders (母婴 today 00:00, 美妆 6 days ago 00:00). B: tag 101, 北京, an order 7 days ago 23:59:59.9999999.
    /// C: tag 102, 北京. D: no tags, no city. E: 101+103, 102 added then removed, 上海. F: 103 removed then added again, 上海.
    /// G: no tags, 杭州, an order tomorrow 00:00 local. H: tag 104 added and removed at the same instant.
    /// </summary>
    private static AudienceWorld Hand()
    {
        var b = new WorldBuilder(new DateOnly(2026, 3, 15));
        b.Customer(A, city: "上海", points: 100, rfm: 5);
        b.Tag(A, 101);
        b.Tag(A, 102);
        b.Order(A, b.Local(0, TimeSpan.Zero), 10.50, "母婴");
        b.Order(A, b.Local(-6, TimeSpan.Zero), 20.25, "美妆");
        b.Customer(B, city: "北京", points: 50);
        b.Tag(B, 101);
        b.Order(B, b.Local(-6, TimeSpan.Zero) - 1, 99.99, "运动");
        b.Customer(C, city: "北京", rfm: 2);
        b.Tag(C, 102);
        b.Customer(D);
        b.Customer(E, city: "上海");
        b.Tag(E, 101);
        b.Tag(E, 103);
        b.Tag(E, 102, dayOffset: -9);
        b.Tag(E, 102, dayOffset: -3, added: false);
        b.Customer(F, city: "上海");
        b.Tag(F, 103, dayOffset: -3, added: false);
        b.Tag(F, 103, dayOffset: -20);
        b.Tag(F, 103, dayOffset: -2);
        b.Customer(G, city: "杭州");
        b.Order(G, b.Local(1, TimeSpan.Zero), 5, "母婴");
        b.Customer(H);
        var same = b.Local(-1, TimeSpan.FromHours(3));
        b.Tag(H, 104, same);
        b.Tag(H, 104, same, added: false);
        b.Audiences[1] = """{"version":1,"root":{"type":"tags","op":"has_any","tag_ids":[103]}}""";
        return b.Build();
    }

    private static string Json(string root) => $$"""{"version":1,"root":{{root}}}""";

    private static void Expect(AudienceWorld world, string root, params long[] expected) =>
        Assert.Equal(expected.Order(), world.Check(Json(root)).Order());

    private static readonly long[] Everyone = [A, B, C, D, E, F, G, H];

    [Fact]
    public void Has_all_of_two_tags()
    {
        using var w = Hand();
        Expect(w, """{"type":"tags","op":"has_all","tag_ids":[101,102]}""", A);
        Expect(w, """{"type":"tags","op":"has_all","tag_ids":[102,101,102]}""", A);
        Expect(w, """{"type":"tags","op":"has_all","tag_ids":[101,103]}""", E);
        Expect(w, """{"type":"tags","op":"has_all","tag_ids":[101,108]}""");
    }

    [Fact]
    public void Has_none_of_three_tags()
    {
        using var w = Hand();
        Expect(w, """{"type":"tags","op":"has_none","tag_ids":[101,102,103]}""", D, G, H);
        Expect(w, """{"type":"tags","op":"has_none","tag_ids":[102,104,108]}""", B, D, E, F, G, H);
        Expect(w, """{"type":"tags","op":"has_any","tag_ids":[102,103]}""", A, C, E, F);
    }

    [Fact]
    public void Not_over_or()
    {
        using var w = Hand();
        // Neither tag 101 nor city 上海: includes D, whose city is missing.
        Expect(w, """{"type":"not","child":{"type":"any","children":[{"type":"tags","op":"has_any","tag_ids":[101]},{"type":"attribute","name":"city","op":"eq","value":"上海"}]}}""",
            C, D, G, H);
        Expect(w, """{"type":"not","child":{"type":"any","children":[{"type":"attribute","name":"city","op":"neq","value":"上海"},{"type":"score","name":"rfm","op":"gte","value":3}]}}""",
            D, E, F, H);
        Expect(w, """{"type":"not","child":{"type":"not","child":{"type":"tags","op":"has_any","tag_ids":[101]}}}""", A, B, E);
    }

    [Fact]
    public void Empty_groups_and_tag_lists()
    {
        using var w = Hand();
        Expect(w, """{"type":"all","children":[]}""", Everyone);
        Expect(w, """{"type":"any","children":[]}""");
        Expect(w, """{"type":"not","child":{"type":"any","children":[]}}""", Everyone);
        Expect(w, """{"type":"not","child":{"type":"all","children":[]}}""");
        Expect(w, """{"type":"all","children":[{"type":"any","children":[]}]}""");
        Expect(w, """{"type":"any","children":[{"type":"all","children":[]}]}""", Everyone);
        Expect(w, """{"type":"tags","op":"has_all","tag_ids":[]}""", Everyone);
        Expect(w, """{"type":"tags","op":"has_any","tag_ids":[]}""");
        Expect(w, """{"type":"tags","op":"has_none","tag_ids":[]}""", Everyone);
        Expect(w, """{"type":"list","customer_ids":[]}""");
    }

    [Fact]
    public void Neq_and_missing_values()
    {
        using var w = Hand();
        Expect(w, """{"type":"attribute","name":"city","op":"neq","value":"上海"}""", B, C, G);
        Expect(w, """{"type":"attribute","name":"city","op":"not_set"}""", D, H);
        Expect(w, """{"type":"score","name":"rfm","op":"neq","value":5}""", C);
        Expect(w, """{"type":"score","name":"rfm","op":"not_set"}""", B, D, E, F, G, H);
        Expect(w, """{"type":"attribute","name":"nickname","op":"not_set"}""", Everyone);
        Expect(w, """{"type":"attribute","name":"nickname","op":"neq","value":"x"}""");
        Expect(w, """{"type":"attribute","name":"points","op":"lt","value":1000}""", A, B);
    }

    [Fact]
    public void No_events_count_zero_sum_zero_and_have_no_days_since_last()
    {
        using var w = Hand();
        Expect(w, """{"type":"behavior","event":"coupon.redeemed","window":{"last_days":30},"op":"eq","value":0}""", Everyone);
        Expect(w, """{"type":"behavior","event":"coupon.redeemed","window":{"all_time":true},"op":"lte","value":0}""", Everyone);
        Expect(w, """{"type":"behavior","event":"order.paid","window":{"last_days":30},"measure":"sum","property":"amount","op":"eq","value":0}""", C, D, E, F, G, H);
        Expect(w, """{"type":"behavior","event":"order.paid","window":{"all_time":true},"measure":"sum","property":"amount","op":"lt","value":1}""", C, D, E, F, H);
        Expect(w, """{"type":"behavior","event":"order.paid","window":{"last_days":730},"measure":"days_since_last","op":"gte","value":0}""", A, B);
        Expect(w, """{"type":"behavior","event":"coupon.redeemed","window":{"all_time":true},"measure":"days_since_last","op":"lt","value":100000}""");
        // All time includes the order dated tomorrow (local), one day "ago" = −1.
        Expect(w, """{"type":"behavior","event":"order.paid","window":{"all_time":true},"measure":"days_since_last","op":"lt","value":0}""", G);
    }

    [Fact]
    public void Windows_end_today_and_start_at_local_midnight()
    {
        using var w = Hand();
        // A's order 6 days ago at 00:00 local is inside 7 days; B's at 23:59:59.9999999 the day before is not.
        Expect(w, """{"type":"behavior","event":"order.paid","window":{"last_days":7},"op":"gte","value":1}""", A);
        Expect(w, """{"type":"behavior","event":"order.paid","window":{"last_days":8},"op":"gte","value":1}""", A, B);
        Expect(w, """{"type":"behavior","event":"order.paid","window":{"last_days":7},"op":"eq","value":2}""", A);
        Expect(w, """{"type":"behavior","event":"order.paid","window":{"last_days":1},"op":"gte","value":1}""", A);
        Expect(w, """{"type":"behavior","event":"order.paid","window":{"last_days":6},"op":"eq","value":1}""", A);
        // G's order tomorrow counts for all time, in no window.
        Expect(w, """{"type":"behavior","event":"order.paid","window":{"all_time":true},"op":"gte","value":1}""", A, B, G);
        Expect(w, """{"type":"behavior","event":"order.paid","window":{"last_days":8},"measure":"days_since_last","op":"eq","value":7}""", B);
        Expect(w, """{"type":"behavior","event":"order.paid","window":{"last_days":8},"measure":"sum","property":"amount","op":"gt","value":30.745}""", A, B);
        Expect(w, """{"type":"behavior","event":"order.paid","window":{"last_days":8},"measure":"sum","property":"amount","op":"gt","value":30.755}""", B);
    }

    [Fact]
    public void Filters_on_event_properties()
    {
        using var w = Hand();
        Expect(w, """{"type":"behavior","event":"order.paid","window":{"last_days":30},"where":[{"property":"category","op":"eq","value":"美妆"}],"op":"gte","value":1}""", A);
        Expect(w, """{"type":"behavior","event":"order.paid","window":{"last_days":30},"where":[{"property":"amount","op":"gte","value":20.25}],"op":"gte","value":1}""", A, B);
        // A number filter with eq (the bitset engine once built a text matcher for it and failed on the missing text operand).
        Expect(w, """{"type":"behavior","event":"order.paid","window":{"last_days":30},"where":[{"property":"amount","op":"eq","value":20.25}],"op":"gte","value":1}""", A);
        Expect(w, """{"type":"behavior","event":"order.paid","window":{"last_days":30},"where":[{"property":"amount","op":"in","values":[99.99,5]}],"op":"gte","value":1}""", B);
        Expect(w, """{"type":"behavior","event":"order.paid","window":{"last_days":30},"where":[{"property":"category","op":"neq","value":"美妆"}],"measure":"sum","property":"amount","op":"between","min":10,"max":11}""", A);
        // Whether an event has a property does not depend on its type: every order here has an amount.
        Expect(w, """{"type":"behavior","event":"order.paid","window":{"last_days":30},"where":[{"property":"amount","op":"is_set"}],"op":"gte","value":1}""", A, B);
        Expect(w, """{"type":"behavior","event":"order.paid","window":{"last_days":30},"where":[{"property":"amount","op":"not_set"}],"op":"eq","value":0}""", Everyone);
        Expect(w, """{"type":"behavior","event":"order.paid","window":{"last_days":30},"where":[{"property":"category","op":"is_set"}],"op":"eq","value":2}""", A);
    }

    [Fact]
    public void Audience_references_and_lists()
    {
        using var w = Hand();
        Expect(w, """{"type":"audience","audience_id":1}""", E, F);
        Expect(w, """{"type":"not","child":{"type":"audience","audience_id":1}}""", A, B, C, D, G, H);
        Expect(w, """{"type":"list","customer_ids":[11,44,999]}""", A, D);
    }

    [Fact]
    public void Removed_customers_leave_every_answer()
    {
        using var w = Hand();
        w.Remove(D);
        w.Remove(A);
        Expect(w, """{"type":"all","children":[]}""", B, C, E, F, G, H);
        Expect(w, """{"type":"tags","op":"has_none","tag_ids":[101]}""", C, F, G, H);
        Expect(w, """{"type":"not","child":{"type":"attribute","name":"city","op":"is_set"}}""", H);
        Expect(w, """{"type":"attribute","name":"city","op":"not_set"}""", H);
        Expect(w, """{"type":"behavior","event":"coupon.redeemed","window":{"last_days":7},"op":"eq","value":0}""", B, C, E, F, G, H);
        Expect(w, """{"type":"behavior","event":"order.paid","window":{"last_days":7},"op":"gte","value":1}""");
        Expect(w, """{"type":"list","customer_ids":[11,44,22]}""", B);
        Expect(w, """{"type":"score","name":"rfm","op":"gte","value":1}""", C);
    }

    [Fact]
    public void Birthdays_around_the_end_of_february()
    {
        var b = new WorldBuilder(new DateOnly(2027, 2, 27));
        b.Customer(1, birthday: "2000-02-29");
        b.Customer(2, birthday: "1990-02-28");
        b.Customer(3, birthday: "1990-03-01");
        b.Customer(4, birthday: "1990-02-26");
        b.Customer(5);
        b.Customer(6, birthday: "2027-03-01");
        b.Customer(7, birthday: "2027-02-20");
        using var w = b.Build();
        Expect(w, """{"type":"attribute","name":"birthday","op":"anniversary_within_next_days","days":0}""");
        // 2027 is not a leap year: a 29 February birthday comes up on the 28th.
        Expect(w, """{"type":"attribute","name":"birthday","op":"anniversary_within_next_days","days":1}""", 1, 2);
        Expect(w, """{"type":"attribute","name":"birthday","op":"anniversary_within_next_days","days":2}""", 1, 2, 3, 6);
        Expect(w, """{"type":"attribute","name":"birthday","op":"anniversary_within_next_days","days":363}""", 1, 2, 3, 6, 7);
        Expect(w, """{"type":"attribute","name":"birthday","op":"anniversary_within_next_days","days":364}""", 1, 2, 3, 4, 6, 7);
        Expect(w, """{"type":"attribute","name":"birthday","op":"anniversary_within_next_days","days":3660}""", 1, 2, 3, 4, 6, 7);
        Expect(w, """{"type":"attribute","name":"birthday","op":"within_next_days","days":2}""", 6);
        Expect(w, """{"type":"attribute","name":"birthday","op":"within_next_days","days":1}""");
        Expect(w, """{"type":"attribute","name":"birthday","op":"within_last_days","days":7}""", 7);
        Expect(w, """{"type":"attribute","name":"birthday","op":"within_last_days","days":6}""");
        Expect(w, """{"type":"attribute","name":"birthday","op":"between","min":"1990-02-27","max":"1990-03-01"}""", 2, 3);
        Expect(w, """{"type":"attribute","name":"birthday","op":"lt","value":"1990-02-28"}""", 4);
        Expect(w, """{"type":"attribute","name":"birthday","op":"not_set"}""", 5);
    }

    [Fact]
    public void Leap_day_birthday_in_a_leap_year_waits_for_the_29th()
    {
        var b = new WorldBuilder(new DateOnly(2028, 2, 28));
        b.Customer(1, birthday: "2000-02-29");
        b.Customer(2, birthday: "1999-02-28");
        b.Customer(3, birthday: "1999-12-31");
        using var w = b.Build();
        Expect(w, """{"type":"attribute","name":"birthday","op":"anniversary_within_next_days","days":0}""", 2);
        Expect(w, """{"type":"attribute","name":"birthday","op":"anniversary_within_next_days","days":1}""", 1, 2);
        Expect(w, """{"type":"attribute","name":"birthday","op":"anniversary_within_next_days","days":306}""", 1, 2);
        Expect(w, """{"type":"attribute","name":"birthday","op":"anniversary_within_next_days","days":307}""", 1, 2, 3);
    }
}
