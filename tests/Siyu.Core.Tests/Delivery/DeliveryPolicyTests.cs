using System.Text.Json;
using Siyu.Core.Delivery;
using Siyu.Core.Events;
using Xunit;

namespace Siyu.Core.Tests.Delivery;

public sealed class DeliveryPolicyTests
{
    private static readonly TenantDeliverySettings Settings = new()
    {
        TenantId = "demo",
        Version = 1,
        TimeZone = "Asia/Shanghai",
        Industry = "finance",
        Caps = [new CapSettings { Channel = "wecom_private", Topic = "marketing", PerDay = 1 }],
        QuietHours = new QuietHoursSettings { Start = "21:00", End = "08:00" },
    };

    private static readonly DeliveryPolicy Policy = new();

    private static DateTimeOffset Beijing(int day, int hour, int minute = 0) => new(2026, 11, day, hour, minute, 0, TimeSpan.FromHours(8));

    private static DeliveryRequest Private(string text, DeliveryTopic topic = DeliveryTopic.Marketing) => new(DeliveryChannel.WeComPrivate, topic, text);

    private static CustomerDeliveryContext SentToday(params DeliveryRecord[] extra) =>
        new(ConsentState.Empty, [new DeliveryRecord(DeliveryChannel.WeComPrivate, DeliveryTopic.Marketing, Beijing(25, 10).UtcTicks), .. extra]);

    private static readonly CustomerDeliveryContext Unsubscribed =
        SentToday() with { Consent = ConsentState.From([new ConsentRecord(null, null, ConsentAction.Revoked, Beijing(20, 9).UtcTicks, "sidebar:alice")]) };

    [Fact]
    public void A_clean_message_in_the_day_is_sent()
    {
        var decision = Policy.Decide(Private("周末到店有新品试用"), CustomerDeliveryContext.Empty, Settings, Beijing(25, 12));
        Assert.IsType<DeliveryDecision.Send>(decision);
        Assert.Equal("send", decision.Code);
    }

    [Fact]
    public void Consent_is_checked_first()
    {
        var decision = Policy.Decide(Private("稳赚不赔"), Unsubscribed, Settings, Beijing(25, 22));
        var denied = Assert.IsType<DeliveryDecision.Denied>(decision);
        Assert.Equal("unsubscribed", denied.Code);
        Assert.Equal("sidebar:alice", denied.Record!.Source);
        Assert.Equal("客户已退订全部渠道·全部消息（2026-11-20 09:00，来源：sidebar:alice）", denied.ReasonZh);
        Assert.Equal("The customer unsubscribed from all messages on all channels (2026-11-20 09:00, source: sidebar:alice)", denied.ReasonEn);
    }

    [Fact]
    public void Sms_marketing_without_an_opt_in_is_denied()
    {
        var decision = Policy.Decide(new DeliveryRequest(DeliveryChannel.Sms, DeliveryTopic.Marketing, "双十一特惠"), CustomerDeliveryContext.Empty, Settings, Beijing(25, 12));
        Assert.Equal("consent.no_opt_in", Assert.IsType<DeliveryDecision.Denied>(decision).Code);
        Assert.Null(((DeliveryDecision.Denied)decision).Record);
    }

    [Fact]
    public void Caps_come_before_quiet_hours_and_review_and_their_next_instant_skips_quiet_hours()
    {
        // The daily cap frees up at midnight, which is quiet until 08:00.
        var decision = Policy.Decide(Private("稳赚不赔"), SentToday(), Settings, Beijing(25, 22));
        var capped = Assert.IsType<DeliveryDecision.Capped>(decision);
        Assert.Equal(("capped.daily", 1, 1), (capped.Code, capped.Count, capped.Limit));
        Assert.Equal(Beijing(26, 8), capped.NextAllowed);
        Assert.Equal("频次上限：企业微信单聊营销消息每天最多 1 条（已发送 1 条），最早 2026-11-26 08:00 可发送", capped.ReasonZh);
        Assert.Equal(Beijing(26, 8), Assert.IsType<DeliveryDecision.Capped>(Policy.Decide(Private("你好"), SentToday(), Settings, Beijing(25, 12))).NextAllowed);
    }

    [Fact]
    public void Quiet_hours_come_before_review()
    {
        var decision = Policy.Decide(Private("稳赚不赔"), CustomerDeliveryContext.Empty, Settings, Beijing(25, 22));
        var defer = Assert.IsType<DeliveryDecision.Defer>(decision);
        Assert.Equal(("quiet_hours", Beijing(26, 8)), (defer.Code, defer.Until));
        Assert.Equal("免打扰时段，顺延至 2026-11-26 08:00 发送", defer.ReasonZh);
    }

    [Fact]
    public void Blocked_content_lists_its_hits()
    {
        var decision = Policy.Decide(Private("这款产品保本保息"), CustomerDeliveryContext.Empty, Settings, Beijing(25, 12));
        var blocked = Assert.IsType<DeliveryDecision.Blocked>(decision);
        Assert.Equal("review.blocked", blocked.Code);
        Assert.Equal(["保本保息", "保本", "保息"], blocked.Hits.Select(h => h.Word));
        Assert.Equal("内容包含禁用词：保本保息（finance）、保本（finance）、保息（finance）", blocked.ReasonZh);
    }

    [Fact]
    public void Review_words_need_approval_until_a_reviewer_approves_but_approval_cannot_lift_a_block()
    {
        var held = Policy.Decide(Private("积分翻倍活动"), CustomerDeliveryContext.Empty, Settings, Beijing(25, 12));
        Assert.Equal("review.needs_approval", Assert.IsType<DeliveryDecision.NeedsApproval>(held).Code);
        var approved = Policy.Decide(Private("积分翻倍活动") with { ContentApproved = true }, CustomerDeliveryContext.Empty, Settings, Beijing(25, 12));
        Assert.Equal("send.approved", Assert.IsType<DeliveryDecision.Send>(approved).Code);
        var stillBlocked = Policy.Decide(Private("积分翻倍，稳赚不赔") with { ContentApproved = true }, CustomerDeliveryContext.Empty, Settings, Beijing(25, 12));
        Assert.IsType<DeliveryDecision.Blocked>(stillBlocked);
    }

    [Fact]
    public void Welcome_messages_skip_caps_and_quiet_hours_but_not_review()
    {
        var everything = Settings with { Version = 2, Caps = [new CapSettings { PerDay = 1 }] };
        var welcome = new DeliveryRequest(DeliveryChannel.WeComWelcome, DeliveryTopic.Service, "欢迎添加，您的专属顾问为您服务");
        Assert.IsType<DeliveryDecision.Send>(Policy.Decide(welcome, SentToday(), everything, Beijing(25, 23)));
        Assert.IsType<DeliveryDecision.Blocked>(Policy.Decide(welcome with { Text = "欢迎！稳赚不赔了解一下" }, SentToday(), everything, Beijing(25, 23)));
    }

    [Fact]
    public void Transactional_messages_go_out_in_quiet_hours_unless_the_tenant_says_otherwise()
    {
        var order = new DeliveryRequest(DeliveryChannel.Sms, DeliveryTopic.Transactional, "您的订单已发货");
        Assert.IsType<DeliveryDecision.Send>(Policy.Decide(order, CustomerDeliveryContext.Empty, Settings, Beijing(25, 23)));
        var strict = Settings with { Version = 3, QuietHours = new QuietHoursSettings { BypassTransactional = false } };
        Assert.IsType<DeliveryDecision.Defer>(Policy.Decide(order, CustomerDeliveryContext.Empty, strict, Beijing(25, 23)));
    }

    [Fact]
    public void Compiled_settings_are_cached_per_tenant_and_version()
    {
        var policy = new DeliveryPolicy();
        var first = policy.Compiled(Settings);
        Assert.Same(first, policy.Compiled(Settings with { }));
        var next = policy.Compiled(Settings with { Version = 2, Review = new ReviewSettings { Block = ["内部价"] } });
        Assert.NotSame(first, next);
        Assert.Equal(2, next.Version);
        Assert.IsType<DeliveryDecision.Blocked>(policy.Decide(Private("内部价"), CustomerDeliveryContext.Empty, Settings with { Version = 2, Review = new ReviewSettings { Block = ["内部价"] } }, Beijing(25, 12)));
        // Tenants without words of their own share the industry's compiled packs.
        Assert.Same(ContentReview.ForIndustry(Industry.Finance), first.Review);
    }

    [Fact]
    public void Invalid_settings_are_not_compiled()
    {
        var ex = Assert.Throws<ArgumentException>(() => CompiledDeliverySettings.Compile(Settings with { TimeZone = "Mars/Olympus" }));
        Assert.Contains("time_zone", ex.Message);
    }

    [Fact]
    public void Settings_read_from_snake_case_json_drive_the_pipeline()
    {
        var settings = JsonSerializer.Deserialize<TenantDeliverySettings>("""
            {"tenant_id": "t1", "version": 7, "time_zone": "America/New_York", "industry": "education",
             "caps": [{"channel": "wecom_mass", "per_week": 2}],
             "quiet_hours": {"start": "22:00", "end": "07:30", "weekdays": [{"day": "sunday"}]},
             "review": {"block": ["内部价"], "allow": ["保过期"]}}
            """)!;
        Assert.Empty(settings.Validate());
        var noon = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.FromHours(-5));
        var request = new DeliveryRequest(DeliveryChannel.WeComPrivate, DeliveryTopic.Marketing, "本课程签约保过");
        Assert.IsType<DeliveryDecision.Blocked>(Policy.Decide(request, CustomerDeliveryContext.Empty, settings, noon));
        Assert.IsType<DeliveryDecision.Send>(Policy.Decide(request with { Text = "食品保过期了吗" }, CustomerDeliveryContext.Empty, settings, noon));
        // Sunday 29 November 23:00 is free (no window starts on Sunday); Monday 23:00 is quiet until Tuesday 07:30 EST.
        Assert.IsType<DeliveryDecision.Send>(Policy.Decide(request with { Text = "你好" }, CustomerDeliveryContext.Empty, settings,
            new DateTimeOffset(2026, 11, 29, 23, 0, 0, TimeSpan.FromHours(-5))));
        var defer = Assert.IsType<DeliveryDecision.Defer>(Policy.Decide(request with { Text = "你好" }, CustomerDeliveryContext.Empty, settings,
            new DateTimeOffset(2026, 11, 30, 23, 0, 0, TimeSpan.FromHours(-5))));
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 12, 30, 0, TimeSpan.Zero), defer.Until);
    }

    [Fact]
    public void Default_settings_have_nightly_quiet_hours_and_no_tenant_caps()
    {
        var defaults = new TenantDeliverySettings { TenantId = "t2" };
        Assert.Empty(defaults.Validate());
        var compiled = CompiledDeliverySettings.Compile(defaults);
        Assert.Equal("Asia/Shanghai", compiled.Zone.Id);
        Assert.True(compiled.QuietHours!.IsQuiet(Beijing(25, 21)));
        Assert.False(compiled.QuietHours.IsQuiet(Beijing(25, 8)));
        Assert.True(compiled.Caps.Check(DeliveryChannel.WeComPrivate, DeliveryTopic.Marketing, SentToday(), Beijing(25, 12)).Allowed);
    }

    public static TheoryData<DeliveryDecision, string> Decisions() => new()
    {
        { new DeliveryDecision.Send { Code = "send", ReasonZh = "发送", ReasonEn = "send" }, "send" },
        { new DeliveryDecision.Defer { Code = "quiet_hours", ReasonZh = "免打扰", ReasonEn = "quiet", Until = Beijing(26, 8) }, "defer" },
        { new DeliveryDecision.Capped { Code = "capped.daily", ReasonZh = "上限", ReasonEn = "cap", NextAllowed = Beijing(26, 8), Count = 2, Limit = 2 }, "capped" },
        { new DeliveryDecision.Denied { Code = "unsubscribed", ReasonZh = "退订", ReasonEn = "unsubscribed", Record = new(DeliveryChannel.Sms, null, ConsentAction.Revoked, 5, "sms_reply_td") }, "denied" },
        { Policy.Decide(Private("保本"), CustomerDeliveryContext.Empty, Settings, Beijing(25, 12)), "blocked" },
        { Policy.Decide(Private("翻倍"), CustomerDeliveryContext.Empty, Settings, Beijing(25, 12)), "needs_approval" },
    };

    [Theory]
    [MemberData(nameof(Decisions))]
    public void Decisions_round_trip_through_json_with_their_kind(DeliveryDecision decision, string kind)
    {
        var json = JsonSerializer.Serialize(decision, JsonStorage.Options);
        Assert.StartsWith($"{{\"kind\":\"{kind}\",", json);
        Assert.Contains($"\"code\":\"{decision.Code}\"", json);
        var back = JsonSerializer.Deserialize<DeliveryDecision>(json, JsonStorage.Options)!;
        Assert.Equal(decision.GetType(), back.GetType());
        Assert.Equal(json, JsonSerializer.Serialize(back, JsonStorage.Options));
    }

    [Fact]
    public void Review_hits_serialise_with_snake_case_names_and_readable_chinese()
    {
        var json = JsonSerializer.Serialize(Policy.Decide(Private("保本"), CustomerDeliveryContext.Empty, Settings, Beijing(25, 12)), JsonStorage.Options);
        Assert.Contains("\"word\":\"保本\"", json);
        Assert.Contains("\"action\":\"block\"", json);
        Assert.Contains("\"snippet_start\":0", json);
    }
}
