using Siyu.Core.Audiences.Conditions;
using Siyu.Core.Journeys;
using Xunit;
using static Siyu.Core.Tests.Journeys.JourneyTestKit;

namespace Siyu.Core.Tests.Journeys;

public sealed class JourneyParserTests
{
    [Fact]
    public void Birthday_care_example_parses_into_resolved_steps()
    {
        var d = Parse(BirthdayCare, id: 42, version: 3);

        Assert.Equal((42L, 3, "生日关怀 · 生日券", JourneyKind.Journey), (d.Id, d.Version, d.Name, d.Kind));
        var trigger = Assert.IsType<DateRelativeTrigger>(d.Trigger);
        Assert.Equal(new DateRelative("birthday", -3, new TimeOnly(10, 0), true), trigger.When);
        Assert.Equal(new ReEntryPolicy(ReEntryMode.Always, TimeSpan.FromDays(300)), d.ReEntry);
        Assert.Equal("order.paid", d.Goal!.Event.EventType);
        Assert.Equal(TimeSpan.FromDays(7), d.Goal.Window);

        Assert.Equal(["send_coupon", "wait_paid", "remind", "mark_used", "done"], d.Steps.Select(s => s.Id));
        var send = Assert.IsType<SendStep>(d.Steps[0]);
        Assert.Equal(1, send.Next); // no "next": falls through to the step below
        Assert.Equal(("wecom_private", "marketing"), (send.Channel, send.Topic));
        Assert.Equal(new MessageAttachment("miniprogram", "pages/coupon/birthday", "领取生日券"), Assert.Single(send.Attachments));
        var wait = Assert.IsType<WaitEventStep>(d.Steps[1]);
        Assert.Equal((3, 2, TimeSpan.FromDays(7)), (wait.Next, wait.OnTimeout, wait.Timeout));
        Assert.Equal(4, Assert.IsType<SendStep>(d.Steps[2]).Next);
        Assert.Equal([1L], Assert.IsType<TagStep>(d.Steps[3]).Add);
        Assert.Equal(4, Assert.IsType<TagStep>(d.Steps[3]).Next);
        Assert.IsType<ExitStep>(d.Steps[4]);
    }

    [Fact]
    public void Every_trigger_type_parses()
    {
        var steps = """{"id":"a","exit":{}}""";
        var ev = Assert.IsType<EventTrigger>(Parse(Journey(steps, """{"type":"event","event":"customer.added","where":{"channel":"直播间","level":[1,2]}}""")).Trigger);
        Assert.Equal("customer.added", ev.Event.EventType);
        Assert.Equal(["直播间"], ev.Event.Where[0].Texts);
        Assert.Equal([1.0, 2.0], ev.Event.Where[1].Numbers);

        Assert.Equal(new AudienceTrigger(7, true), Parse(Journey(steps, """{"type":"audience_entry","audience_id":7}""")).Trigger);
        Assert.Equal(new AudienceTrigger(7, false), Parse(Journey(steps, """{"type":"audience_exit","audience_id":7}""")).Trigger);
        var date = Assert.IsType<DateRelativeTrigger>(Parse(Journey(steps, """{"type":"date_relative","attribute":"course_expires_at","days_before":30,"at":"09:00"}""")).Trigger);
        Assert.Equal(new DateRelative("course_expires_at", -30, new TimeOnly(9, 0), false), date.When);
        var after = Assert.IsType<DateRelativeTrigger>(Parse(Journey(steps, """{"type":"date_relative","attribute":"last_order_at","days_after":85,"at":"20:30"}""")).Trigger);
        Assert.Equal(85, after.When.OffsetDays);
        var schedule = Assert.IsType<ScheduleTrigger>(Parse(Journey(steps, """{"type":"schedule","schedule":"weekly mon,thu 09:30","audience_id":7}""")).Trigger);
        Assert.Equal(7, schedule.AudienceId);
        Assert.IsType<ManualTrigger>(Parse(Journey(steps)).Trigger);
    }

    [Fact]
    public void Every_step_kind_parses()
    {
        var d = Parse(Journey("""
            {"id":"w1","wait":{"duration":"1d12h"}},
            {"id":"w2","wait":{"at":"10:00"}},
            {"id":"w3","wait":{"duration":"1d","at":"09:00"}},
            {"id":"w4","wait":{"until_date":{"attribute":"birthday","days_before":1,"at":"08:00","yearly":true}}},
            {"id":"b","branch":{"condition":{"version":1,"root":{"type":"tags","op":"has_any","tag_ids":[2]}},"yes":"s","no":"t"}},
            {"id":"s","split":{"variants":[{"name":"A","weight":1,"next":"t"},{"name":"B","weight":3,"next":"u"}],"holdout_percent":12.5}},
            {"id":"t","tag":{"add":[2],"remove":[1]}},
            {"id":"u","set_attribute":{"name":"coupon_sent_at","value":"2026-05-01"}},
            {"id":"v","task":{"text":"今天联系客户","staff_userid":"zhangsan"}},
            {"id":"x","webhook":{"url":"https://example.com/hook","payload":{"customer":"{customer_id}"}}},
            {"id":"y","send":{"channel":"sms","topic":"service","template_id":"tpl_1"}},
            {"id":"z","exit":true}
            """));
        Assert.Equal(["wait", "wait", "wait", "wait", "branch", "split", "tag", "set_attribute", "task", "webhook", "send", "exit"], d.Steps.Select(s => s.Kind));
        Assert.Equal(TimeSpan.FromHours(36), ((WaitStep)d.Steps[0]).Duration);
        Assert.Equal(new TimeOnly(10, 0), ((WaitStep)d.Steps[1]).At);
        Assert.Equal(new DateRelative("birthday", -1, new TimeOnly(8, 0), true), ((WaitStep)d.Steps[3]).UntilDate);
        var branch = (BranchStep)d.Steps[4];
        Assert.Equal((5, 6), (branch.Yes, branch.No));
        Assert.IsType<TagsNode>(branch.Condition.Root);
        var split = (SplitStep)d.Steps[5];
        Assert.Equal((1250, 4, 0), (split.HoldoutBasisPoints, split.TotalWeight, split.Slot));
        Assert.Equal([6, 7], split.Variants.Select(v => v.Next));
        Assert.Equal("zhangsan", ((TaskStep)d.Steps[8]).StaffUserId);
        Assert.Equal("""{"customer":"{customer_id}"}""", ((WebhookStep)d.Steps[9]).Payload);
        Assert.Equal("tpl_1", ((SendStep)d.Steps[10]).TemplateId);
    }

    [Theory]
    // format and top level
    [InlineData("""{"version":2,"name":"t","trigger":{"type":"manual"},"steps":[{"id":"a","exit":{}}]}""", "version")]
    [InlineData("""{"version":1,"trigger":{"type":"manual"},"steps":[{"id":"a","exit":{}}]}""", "name")]
    [InlineData("""{"version":1,"name":"t","kind":"campaign","trigger":{"type":"manual"},"steps":[{"id":"a","exit":{}}]}""", "kind")]
    [InlineData("""{"version":1,"name":"t","trigger":{"type":"manual"},"steps":[]}""", "steps")]
    [InlineData("""{"version":1,"name":"t","trigger":{"type":"manual"},"stpes":[],"steps":[{"id":"a","exit":{}}]}""", "stpes")]
    [InlineData("""{"version":1,"name":"t","trigger":{"type":"manual"},"re_entry":{"policy":"twice"},"steps":[{"id":"a","exit":{}}]}""", "re_entry.policy")]
    [InlineData("""{"version":1,"name":"t","trigger":{"type":"manual"},"re_entry":{"policy":"once","min_interval":"1d"},"steps":[{"id":"a","exit":{}}]}""", "re_entry.min_interval")]
    [InlineData("""{"version":1,"name":"t","trigger":{"type":"manual"},"goal":{"event":"order.paid","window":"400d"},"steps":[{"id":"a","exit":{}}]}""", "goal.window")]
    // triggers
    [InlineData("""{"version":1,"name":"t","trigger":{"type":"cron"},"steps":[{"id":"a","exit":{}}]}""", "trigger.type")]
    [InlineData("""{"version":1,"name":"t","trigger":{"type":"event","event":"Order Paid"},"steps":[{"id":"a","exit":{}}]}""", "trigger.event")]
    [InlineData("""{"version":1,"name":"t","trigger":{"type":"event","event":"customer.added","where":{"channel":{"eq":"x"}}},"steps":[{"id":"a","exit":{}}]}""", "trigger.where.channel")]
    [InlineData("""{"version":1,"name":"t","trigger":{"type":"audience_entry","audience_id":99},"steps":[{"id":"a","exit":{}}]}""", "trigger.audience_id")]
    [InlineData("""{"version":1,"name":"t","trigger":{"type":"date_relative","attribute":"city","days_before":3,"at":"10:00"},"steps":[{"id":"a","exit":{}}]}""", "trigger.attribute")]
    [InlineData("""{"version":1,"name":"t","trigger":{"type":"date_relative","attribute":"birthday","days_before":3,"at":"24:00"},"steps":[{"id":"a","exit":{}}]}""", "trigger.at")]
    [InlineData("""{"version":1,"name":"t","trigger":{"type":"date_relative","attribute":"birthday","days_before":3,"days_after":1,"at":"10:00"},"steps":[{"id":"a","exit":{}}]}""", "trigger.days_after")]
    [InlineData("""{"version":1,"name":"t","trigger":{"type":"date_relative","attribute":"birthday","days_before":400,"at":"10:00"},"steps":[{"id":"a","exit":{}}]}""", "trigger.days_before")]
    [InlineData("""{"version":1,"name":"t","trigger":{"type":"schedule","schedule":"hourly","audience_id":7},"steps":[{"id":"a","exit":{}}]}""", "trigger.schedule")]
    [InlineData("""{"version":1,"name":"t","trigger":{"type":"schedule","schedule":"0 9 30 2 *","audience_id":7},"steps":[{"id":"a","exit":{}}]}""", "trigger.schedule")]
    public void Invalid_journeys_are_reported_at_the_field(string json, string path) =>
        Assert.Contains(path, Errors(json).Select(e => e.Path));

    [Theory]
    [InlineData("""{"id":"a","wait":{"duration":"0s"}}""", "steps[0].wait.duration")]
    [InlineData("""{"id":"a","wait":{"duration":"366d"}}""", "steps[0].wait.duration")]
    [InlineData("""{"id":"a","wait":{"duration":"3 days"}}""", "steps[0].wait.duration")]
    [InlineData("""{"id":"a","wait":{"duration":"99999999999d"}}""", "steps[0].wait.duration")]
    [InlineData("""{"id":"a","wait":{"at":"7:00"}}""", "steps[0].wait.at")]
    [InlineData("""{"id":"a","wait":{}}""", "steps[0].wait")]
    [InlineData("""{"id":"a","wait":{"duration":"1d","until_date":{"attribute":"birthday","at":"10:00"}}}""", "steps[0].wait.until_date")]
    [InlineData("""{"id":"a","wait":{"duration":"1d"},"next":"nowhere"}""", "steps[0].next")]
    [InlineData("""{"id":"a","wait_event":{"event":"order.paid","timeout":"7d","on_timeout":"zz"}}""", "steps[0].wait_event.on_timeout")]
    [InlineData("""{"id":"a","wait_event":{"event":"order.paid"}}""", "steps[0].wait_event.timeout")]
    [InlineData("""{"id":"a","branch":{"condition":{"version":1,"root":{"type":"tags","op":"has_any","tag_ids":[99]}},"yes":"b","no":"b"}},{"id":"b","exit":{}}""", "steps[0].branch.condition.root.tag_ids[0]")]
    [InlineData("""{"id":"a","branch":{"condition":{"version":1,"root":{"type":"tags","op":"has_any","tag_ids":[2]}},"yes":"b"}},{"id":"b","exit":{}}""", "steps[0].branch.no")]
    [InlineData("""{"id":"a","branch":{"condition":{"version":1,"root":{"type":"tags","op":"has_any","tag_ids":[2]}},"yes":"b","no":"b"},"next":"b"},{"id":"b","exit":{}}""", "steps[0].next")]
    [InlineData("""{"id":"a","split":{"variants":[{"name":"A","weight":0,"next":"b"}]}},{"id":"b","exit":{}}""", "steps[0].split.variants[0].weight")]
    [InlineData("""{"id":"a","split":{"variants":[{"name":"A","weight":1,"next":"b"},{"name":"A","weight":1,"next":"b"}]}},{"id":"b","exit":{}}""", "steps[0].split.variants[1].name")]
    [InlineData("""{"id":"a","split":{"variants":[{"name":"A","weight":1,"next":"b"}],"holdout_percent":60}},{"id":"b","exit":{}}""", "steps[0].split.holdout_percent")]
    [InlineData("""{"id":"a","split":{"variants":[{"name":"A","weight":1,"next":"b"}],"holdout_percent":-1}},{"id":"b","exit":{}}""", "steps[0].split.holdout_percent")]
    [InlineData("""{"id":"a","split":{"variants":[]}}""", "steps[0].split.variants")]
    [InlineData("""{"id":"a","send":{"channel":"fax","topic":"marketing","text":"hi"}}""", "steps[0].send.channel")]
    [InlineData("""{"id":"a","send":{"channel":"wecom_private","text":"hi"}}""", "steps[0].send.topic")]
    [InlineData("""{"id":"a","send":{"channel":"wecom_private","topic":"marketing"}}""", "steps[0].send.text")]
    [InlineData("""{"id":"a","send":{"channel":"wecom_private","topic":"marketing","text":"hi","template_id":"t"}}""", "steps[0].send.template_id")]
    [InlineData("""{"id":"a","send":{"channel":"wecom_private","topic":"marketing","text":"hi","attachments":[{"type":"gif","value":"x"}]}}""", "steps[0].send.attachments[0].type")]
    [InlineData("""{"id":"a","tag":{"add":[3]}}""", "steps[0].tag.add[0]")]
    [InlineData("""{"id":"a","tag":{"add":[42]}}""", "steps[0].tag.add[0]")]
    [InlineData("""{"id":"a","tag":{"add":[1],"remove":[1]}}""", "steps[0].tag.remove")]
    [InlineData("""{"id":"a","tag":{}}""", "steps[0].tag")]
    [InlineData("""{"id":"a","set_attribute":{"name":"city","value":{"x":1}}}""", "steps[0].set_attribute.value")]
    [InlineData("""{"id":"a","set_attribute":{"name":"renew_at","value":"next week"}}""", "steps[0].set_attribute.value")]
    [InlineData("""{"id":"a","task":{"staff_userid":"zhangsan"}}""", "steps[0].task.text")]
    [InlineData("""{"id":"a","webhook":{"url":"ftp://example.com"}}""", "steps[0].webhook.url")]
    [InlineData("""{"id":"a","coupon":{}}""", "steps[0].coupon.template_id")]
    [InlineData("""{"id":"a","coupon":{"template_id":"7"}}""", "steps[0].coupon.template_id")]
    [InlineData("""{"id":"a","coupon":{"template_id":0}}""", "steps[0].coupon.template_id")]
    [InlineData("""{"id":"a","coupon":{"template_id":7,"count":2}}""", "steps[0].coupon.count")]
    [InlineData("""{"id":"a","points":{"amount":0,"reason":"r"}}""", "steps[0].points.amount")]
    [InlineData("""{"id":"a","points":{"amount":100001,"reason":"r"}}""", "steps[0].points.amount")]
    [InlineData("""{"id":"a","points":{"amount":1.5,"reason":"r"}}""", "steps[0].points.amount")]
    [InlineData("""{"id":"a","points":{"amount":10}}""", "steps[0].points.reason")]
    [InlineData("""{"id":"a","exit":{},"next":"a"}""", "steps[0].next")]
    [InlineData("""{"id":"a","send":{"channel":"wecom_private","topic":"marketing","text":"hi"},"exit":{}}""", "steps[0]")]
    [InlineData("""{"id":"a","sned":{}}""", "steps[0].sned")]
    [InlineData("""{"id":"a b","exit":{}}""", "steps[0].id")]
    [InlineData("""{"id":"a","exit":{}},{"id":"a","exit":{}}""", "steps[1].id")]
    public void Invalid_steps_are_reported_at_the_field(string steps, string path)
    {
        var errors = Errors(Journey(steps));
        Assert.True(errors.Any(e => e.Path == path), $"expected an error at {path}; got {string.Join("; ", errors.Select(e => $"{e.Path}: {e.Message}"))}");
    }

    [Fact]
    public void Coupon_and_points_steps_run_once_per_pass_with_their_own_keys()
    {
        var d = Parse(Journey("""{"id":"give","coupon":{"template_id":7}},{"id":"reward","points":{"amount":30,"reason":"签到奖励"}}"""));
        Assert.Equal(new CouponStep("give", 1, 7), d.Steps[0]);
        Assert.Equal(new PointsStep("reward", JourneyStep.End, 30, "签到奖励"), d.Steps[1]);
        var decision = JourneyRunner.TryEnter(d, 5, [], JourneyEntry.Manual, At("2026-05-07T02:00:00Z"));
        var result = JourneyRunner.Advance(decision.Instance, d, new FakeContext(Shanghai, At("2026-05-07T02:00:00Z")), At("2026-05-07T02:00:00Z"));
        var coupon = Assert.Single(result.Effects.OfType<IssueCoupon>());
        var points = Assert.Single(result.Effects.OfType<AwardPoints>());
        Assert.Equal((7L, 30L, "签到奖励"), (coupon.TemplateId, points.Amount, points.Reason));
        Assert.Equal("j100/v1/c5/o1/1:give/coupon", coupon.IdempotencyKey);
        Assert.Equal("j100/v1/c5/o1/2:reward/points", points.IdempotencyKey);
    }

    [Fact]
    public void Step_that_nothing_leads_to_is_an_error()
    {
        var errors = Errors(Journey("""{"id":"a","exit":{}},{"id":"orphan","send":{"channel":"wecom_private","topic":"marketing","text":"hi"}}"""));
        var error = Assert.Single(errors);
        Assert.Equal("steps[1].id", error.Path);
        Assert.Contains("orphan", error.Message);
    }

    [Fact]
    public void Loop_of_instantaneous_steps_is_an_error_naming_the_loop()
    {
        var errors = Errors(Journey("""
            {"id":"a","send":{"channel":"wecom_private","topic":"marketing","text":"hi"}},
            {"id":"b","branch":{"condition":{"version":1,"root":{"type":"tags","op":"has_any","tag_ids":[2]}},"yes":"a","no":"c"}},
            {"id":"c","exit":{}}
            """));
        var error = Assert.Single(errors);
        Assert.Equal("steps[1]", error.Path);
        Assert.Contains("a → b → a", error.Message);
    }

    [Fact]
    public void Date_wait_does_not_break_a_loop_because_it_may_not_wait()
    {
        var errors = Errors(Journey("""
            {"id":"a","wait":{"until_date":{"attribute":"renew_at","at":"10:00"}}},
            {"id":"b","tag":{"add":[2]},"next":"a"}
            """));
        Assert.Contains("a → b → a", Assert.Single(errors).Message);
    }

    [Fact]
    public void Loop_through_a_wait_or_wait_event_is_allowed()
    {
        var weekly = Parse(Journey("""
            {"id":"remind","send":{"channel":"wecom_private","topic":"marketing","text":"续费提醒"}},
            {"id":"wait","wait_event":{"event":"order.paid","timeout":"7d","on_timeout":"check"},"next":"done"},
            {"id":"check","branch":{"condition":{"version":1,"root":{"type":"tags","op":"has_any","tag_ids":[2]}},"yes":"remind","no":"pause"}},
            {"id":"pause","wait":{"duration":"1d"},"next":"remind"},
            {"id":"done","exit":{}}
            """));
        Assert.Equal(5, weekly.Steps.Count);
    }

    [Fact]
    public void All_mistakes_are_reported_at_once()
    {
        var errors = Errors(Journey("""
            {"id":"a","wait":{"duration":"0d"}},
            {"id":"b","send":{"channel":"fax","topic":"marketing","text":"hi"}},
            {"id":"c","split":{"variants":[{"name":"A","weight":1,"next":"z"}],"holdout_percent":80}}
            """));
        Assert.Equal(["steps[0].wait.duration", "steps[1].send.channel", "steps[2].split.holdout_percent", "steps[2].split.variants[0].next"],
            errors.Select(e => e.Path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void More_than_eight_splits_is_an_error()
    {
        var steps = string.Join(",", Enumerable.Range(0, 9).Select(i =>
            $$$"""{"id":"s{{{i}}}","split":{"variants":[{"name":"A","weight":1,"next":"{{{(i == 8 ? "end" : $"s{i + 1}")}}}"}]}}""")) + """,{"id":"end","exit":{}}""";
        Assert.Equal("steps[8].split", Assert.Single(Errors(Journey(steps))).Path);
    }

    [Fact]
    public void Not_json_is_one_error_at_the_root()
    {
        var result = JourneyParser.Parse("{", Catalog(), 1, 1);
        Assert.Equal("", Assert.Single(result.Errors).Path);
    }
}
