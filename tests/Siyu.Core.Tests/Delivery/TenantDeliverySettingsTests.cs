using System.Text.Json;
using Siyu.Core.Delivery;
using Xunit;

namespace Siyu.Core.Tests.Delivery;

public sealed class TenantDeliverySettingsTests
{
    private static readonly TenantDeliverySettings Valid = new() { TenantId = "demo" };

    private static List<string> Paths(TenantDeliverySettings settings) => settings.Validate().Select(e => e.Path).ToList();

    [Fact]
    public void Valid_settings_have_no_errors()
    {
        var settings = Valid with
        {
            Industry = "retail",
            Caps = [new CapSettings { Channel = "sms", Topic = "marketing", PerDay = 1, PerWeek = 3 }, new CapSettings { PerWeek = 10 }],
            QuietHours = new QuietHoursSettings
            {
                Start = "22:30",
                End = "07:00",
                Weekdays = [new WeekdayQuietHours { Day = "saturday", Start = "23:00", End = "10:00" }, new WeekdayQuietHours { Day = "sunday" }],
            },
            Review = new ReviewSettings { Block = ["内部价"], Review = ["秒杀"], Allow = ["最新"] },
        };
        Assert.Empty(settings.Validate());
    }

    [Fact]
    public void Cap_limits_must_be_at_least_one_and_are_named_by_index()
    {
        var settings = Valid with { Caps = [new CapSettings { PerDay = 2 }, new CapSettings { PerDay = 0, PerWeek = -1 }] };
        var errors = settings.Validate();
        Assert.Equal(["caps[1].per_day", "caps[1].per_week"], errors.Select(e => e.Path));
        Assert.Equal("Must be at least 1.", errors[0].Message);
    }

    [Fact]
    public void A_cap_needs_a_limit_and_a_week_at_least_as_large_as_a_day()
    {
        Assert.Equal(["caps[0]"], Paths(Valid with { Caps = [new CapSettings { Channel = "sms" }] }));
        Assert.Equal(["caps[0].per_week"], Paths(Valid with { Caps = [new CapSettings { PerDay = 3, PerWeek = 2 }] }));
    }

    [Fact]
    public void Channels_and_topics_must_be_known_and_welcome_and_exempt_transactional_cannot_be_capped()
    {
        Assert.Equal(["caps[0].channel", "caps[0].topic"], Paths(Valid with { Caps = [new CapSettings { Channel = "wechat", Topic = "promo", PerDay = 1 }] }));
        Assert.Equal(["caps[0].channel"], Paths(Valid with { Caps = [new CapSettings { Channel = "wecom_welcome", PerDay = 1 }] }));
        Assert.Equal(["caps[0].topic"], Paths(Valid with { Caps = [new CapSettings { Topic = "transactional", PerDay = 1 }] }));
        Assert.Empty(Paths(Valid with { CapsExemptTransactional = false, Caps = [new CapSettings { Topic = "transactional", PerDay = 1 }] }));
    }

    [Theory]
    [InlineData("9:00")]
    [InlineData("24:00")]
    [InlineData("21:60")]
    [InlineData("21:00:00")]
    [InlineData("晚上九点")]
    [InlineData("")]
    public void Quiet_hours_times_must_be_HH_mm(string start)
    {
        var errors = (Valid with { QuietHours = new QuietHoursSettings { Start = start } }).Validate();
        var error = Assert.Single(errors);
        Assert.Equal("quiet_hours.start", error.Path);
        Assert.Equal("Must be a local time \"HH:mm\" such as 21:00.", error.Message);
    }

    [Fact]
    public void Quiet_hours_need_length_and_weekday_entries_must_be_complete_and_unique()
    {
        Assert.Equal(["quiet_hours.end"], Paths(Valid with { QuietHours = new QuietHoursSettings { Start = "08:00", End = "08:00" } }));
        var weekdays = new QuietHoursSettings
        {
            Weekdays =
            [
                new WeekdayQuietHours { Day = "funday", Start = "22:00", End = "07:00" },
                new WeekdayQuietHours { Day = "monday", Start = "22:00" },
                new WeekdayQuietHours { Day = "monday" },
                new WeekdayQuietHours { Day = "friday", Start = "22:00", End = "7:00" },
            ],
        };
        Assert.Equal(["quiet_hours.weekdays[0].day", "quiet_hours.weekdays[1].end", "quiet_hours.weekdays[2].day", "quiet_hours.weekdays[3].end"],
            Paths(Valid with { QuietHours = weekdays }));
    }

    [Fact]
    public void Zone_industry_and_tenant_are_checked()
    {
        Assert.Equal(["tenant_id", "time_zone", "industry"], Paths(new TenantDeliverySettings { TenantId = " ", TimeZone = "Mars/Olympus", Industry = "mining" }));
    }

    [Fact]
    public void Review_words_must_contain_something_matchable()
    {
        var review = new ReviewSettings { Block = ["内部价", " - "], Review = [""], Allow = [new string('字', 51)] };
        Assert.Equal(["review.block[1]", "review.review[0]", "review.allow[0]"], Paths(Valid with { Review = review }));
    }

    [Fact]
    public void Null_lists_from_json_are_treated_as_empty()
    {
        var settings = JsonSerializer.Deserialize<TenantDeliverySettings>("""{"tenant_id": "t", "caps": null, "review": {"block": null}, "quiet_hours": null}""")!;
        Assert.Empty(settings.Validate());
        var compiled = CompiledDeliverySettings.Compile(settings);
        Assert.Null(compiled.QuietHours);
    }
}
