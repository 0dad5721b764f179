using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Siyu.Core.Audiences.Conditions;
using Siyu.Core.Customers;
using Siyu.Core.Delivery;
using Siyu.Core.Journeys;
using Siyu.Core.Messaging;
using Xunit;
using static Siyu.Core.Tests.Journeys.JourneyTestKit;

namespace Siyu.Core.Tests.Journeys;

public sealed partial class JourneyTemplateTests
{
    private const long Customer = 1001;

    private static readonly string[] ExpectedIds =
    [
        "retail_birthday_care", "retail_silent_win_back", "retail_live_stream_loop", "education_trial_to_paid", "education_renewal_warning",
        "finance_risk_assessment_follow_up",
    ];

    /// <summary>A tenant that has the attributes the templates use and an audience 1 (the schedule's placeholder).</summary>
    private static ConditionCatalog TenantCatalog() => new()
    {
        Audiences = new() { [1] = """{"version":1,"root":{"type":"behavior","event":"order.paid","window":{"last_days":90},"op":"lt","value":1}}""" },
        AttributeOverrides = new(StringComparer.Ordinal)
        {
            ["birthday"] = AttributeType.Date,
            ["course_expires_at"] = AttributeType.Date,
            ["next_live_at"] = AttributeType.Date,
            ["risk_level"] = AttributeType.String,
        },
    };

    public static TheoryData<string> Ids() => [.. ExpectedIds];

    private static JourneyTemplate Template(string id) => Assert.Single(JourneyTemplates.All, t => t.Id == id);

    private static JourneyDefinition Definition(string id)
    {
        var result = JourneyParser.Parse(Template(id).Json, TenantCatalog(), 500, 1);
        Assert.True(result.Ok, $"{id}: " + string.Join("; ", result.Errors.Select(e => $"{e.Path}: {e.Message}")));
        return result.Definition!;
    }

    /// <summary>Every text a customer or staff member reads: send texts, attachment titles, task texts.</summary>
    private static IEnumerable<(string Where, string Text)> Texts(JourneyDefinition d)
    {
        foreach (var step in d.Steps)
        {
            switch (step)
            {
                case SendStep s:
                    yield return ($"{s.Id}.text", s.Text!);
                    foreach (var a in s.Attachments.Where(a => a.Title is not null))
                    {
                        yield return ($"{s.Id}.attachment", a.Title!);
                    }
                    break;
                case TaskStep t:
                    yield return ($"{t.Id}.task", t.Text);
                    break;
                case PointsStep p:
                    yield return ($"{p.Id}.points", p.Reason); // shown on the customer's points ledger
                    break;
            }
        }
    }

    private static Industry IndustryOf(JourneyTemplate t) => t.Industry switch
    {
        "retail" => Industry.Retail,
        "education" => Industry.Education,
        "finance" => Industry.Finance,
        _ => throw new InvalidOperationException($"{t.Id}: unknown industry '{t.Industry}'."),
    };

    private static string RenderWithDefaults(string text) =>
        MessageTemplate.Parse(text).Template!.Render(new DictionaryTemplateValues(new Dictionary<string, string?>()));

    [Fact]
    public void All_templates_are_there_with_unique_ids_and_metadata()
    {
        Assert.Equal(ExpectedIds, JourneyTemplates.All.Select(t => t.Id));
        Assert.Equal(JourneyTemplates.All.Count, JourneyTemplates.All.Select(t => t.Id).Distinct(StringComparer.Ordinal).Count());
        foreach (var t in JourneyTemplates.All)
        {
            Assert.StartsWith(t.Industry + "_", t.Id, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(t.NameZh), t.Id);
            Assert.False(string.IsNullOrWhiteSpace(t.NameEn), t.Id);
            Assert.False(string.IsNullOrWhiteSpace(t.DescriptionZh), t.Id);
            Assert.False(string.IsNullOrWhiteSpace(t.DescriptionEn), t.Id);
            Assert.Same(t, JourneyTemplates.Find(t.Id));
            // The Chinese name is the journey's own name, so publishing the template keeps it.
            Assert.Equal(t.NameZh, Definition(t.Id).Name);
        }
        Assert.Null(JourneyTemplates.Find("nope"));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Template_parses_without_errors(string id)
    {
        var d = Definition(id);
        Assert.Equal(JourneyKind.Journey, d.Kind);
        Assert.NotNull(d.Goal);
        Assert.All(d.Steps.OfType<SendStep>(), s => Assert.NotNull(s.Text));
    }

    [Fact]
    public void A_tenant_without_the_attributes_or_audience_gets_errors_not_a_journey()
    {
        // The parser checks the catalog: without audience 1 the win-back template must be adapted first.
        var empty = new ConditionCatalog();
        var winBack = JourneyParser.Parse(Template("retail_silent_win_back").Json, empty, 500, 1);
        Assert.Contains(winBack.Errors, e => e.Path == "trigger.audience_id");
        var finance = JourneyParser.Parse(Template("finance_risk_assessment_follow_up").Json, new ConditionCatalog
        {
            AttributeOverrides = new(StringComparer.Ordinal) { ["risk_level"] = AttributeType.Number },
        }, 500, 1);
        Assert.Contains(finance.Errors, e => e.Path.StartsWith("steps[4].branch.condition", StringComparison.Ordinal));
    }

    [Fact]
    public void Each_trigger_is_the_one_described()
    {
        var birthday = Assert.IsType<DateRelativeTrigger>(Definition("retail_birthday_care").Trigger);
        Assert.Equal(new DateRelative("birthday", -3, new TimeOnly(10, 0), Yearly: true), birthday.When);

        var winBack = Assert.IsType<ScheduleTrigger>(Definition("retail_silent_win_back").Trigger);
        Assert.Equal(1, winBack.AudienceId);
        Assert.Equal("weekly mon 10:00", winBack.Schedule.Text);

        var trial = Assert.IsType<EventTrigger>(Definition("education_trial_to_paid").Trigger);
        Assert.Equal("trial.booked", trial.Event.EventType);
        Assert.Empty(trial.Event.Where);

        var renewal = Assert.IsType<DateRelativeTrigger>(Definition("education_renewal_warning").Trigger);
        Assert.Equal(new DateRelative("course_expires_at", -30, new TimeOnly(10, 0), Yearly: false), renewal.When);

        var finance = Assert.IsType<EventTrigger>(Definition("finance_risk_assessment_follow_up").Trigger);
        Assert.Equal("account.opened", finance.Event.EventType);
    }

    [Fact]
    public void Re_entry_goals_channels_and_topics_are_as_designed()
    {
        var birthday = Definition("retail_birthday_care");
        Assert.Equal(new ReEntryPolicy(ReEntryMode.Always, TimeSpan.FromDays(300)), birthday.ReEntry);
        Assert.Equal(("order.paid", TimeSpan.FromDays(7)), (birthday.Goal!.Event.EventType, birthday.Goal.Window));
        var coupon = (SendStep)birthday.Steps[0];
        Assert.Equal(("wecom_private", "marketing"), (coupon.Channel, coupon.Topic));
        Assert.Equal("link", Assert.Single(coupon.Attachments).Type);

        var winBack = Definition("retail_silent_win_back");
        Assert.Equal(("order.paid", TimeSpan.FromDays(14)), (winBack.Goal!.Event.EventType, winBack.Goal.Window));
        var split = Assert.IsType<SplitStep>(winBack.Steps[0]);
        Assert.Equal(1_000, split.HoldoutBasisPoints);
        Assert.Equal(2, split.Variants.Count);

        var renewal = Definition("education_renewal_warning");
        var sms = Assert.Single(renewal.Steps.OfType<SendStep>(), s => s.Channel == "sms");
        Assert.Equal("reminder", sms.Topic);

        var finance = Definition("finance_risk_assessment_follow_up");
        Assert.Equal("service", ((SendStep)finance.Steps[0]).Topic);
        Assert.Equal(ReEntryPolicy.Once, finance.ReEntry);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Every_send_text_is_a_valid_message_template_reading_known_fields(string id)
    {
        foreach (var send in Definition(id).Steps.OfType<SendStep>())
        {
            var parsed = MessageTemplate.Parse(send.Text!, path: $"{id}.{send.Id}");
            Assert.True(parsed.Success, string.Join("; ", parsed.Errors.Select(e => $"{e.Path}: {e.Message}")));
            var template = parsed.Template!;
            Assert.NotEmpty(template.Placeholders);
            foreach (var p in template.Placeholders)
            {
                Assert.True(ProfileTemplateValues.BuiltInFields.Contains(p.Field) || p.Field.StartsWith(ProfileTemplateValues.AttributePrefix, StringComparison.Ordinal),
                    $"{id}.{send.Id}: '{p.Field}' is not a profile field.");
                // Only the risk level goes without a default: the branch before that send checked it is set.
                Assert.True(p.Default is not null || p.Field == "attributes.risk_level", $"{id}.{send.Id}: {{{{{p.Field}}}}} has no default.");
            }

            // Rendered for a customer with nothing set, and for one with everything: no braces left, no single-brace {name} style.
            var bare = RenderWithDefaults(send.Text!);
            Assert.DoesNotContain("{", bare);
            Assert.DoesNotContain("}", bare);
            var values = new DictionaryTemplateValues(new Dictionary<string, string?>
            {
                ["name"] = "王小明",
                ["attributes.trial_course"] = "少儿编程试听课",
                ["attributes.trial_class_time"] = "5月20日 19:00",
                ["attributes.course_name"] = "Python 进阶课",
                ["attributes.course_expires_at"] = "2026-06-30",
                ["attributes.risk_level"] = "C4",
            });
            var full = template.Render(values);
            Assert.Contains("王小明", full);
            Assert.DoesNotContain("{", full);
        }
    }

    [Fact]
    public void Dates_render_in_chinese_and_fall_back_when_unset()
    {
        var renewal = Definition("education_renewal_warning");
        var first = MessageTemplate.Parse(((SendStep)renewal.Steps[0]).Text!).Template!;
        var profile = new CustomerProfile { CustomerId = Customer };
        profile.Attributes["name"] = new AttributeValue { Value = JsonValue.Create("李华"), Ticks = 1 };
        profile.Attributes["course_expires_at"] = new AttributeValue { Value = JsonValue.Create("2026-06-30"), Ticks = 1 };
        Assert.StartsWith("李华，您好！您的课程将于2026年6月30日到期。", first.Render(new ProfileTemplateValues(profile)));
        Assert.StartsWith("同学，您好！您的课程将于一个月后到期。", RenderWithDefaults(first.Text));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void No_text_has_a_block_hit_in_the_general_pack_nor_any_hit_in_its_industry_packs(string id)
    {
        var t = Template(id);
        var general = ContentReview.ForIndustry(Industry.General);
        var industry = ContentReview.ForIndustry(IndustryOf(t));
        foreach (var (where, raw) in Texts(Definition(id)))
        {
            var text = RenderWithDefaults(raw);
            var generalResult = general.Review(text, where);
            Assert.DoesNotContain(generalResult.Hits, h => h.Action == ReviewAction.Block);
            // Stricter than required: templates should not even need a reviewer's approval in their own industry.
            var result = industry.Review(text, where);
            Assert.True(result.Outcome == ReviewOutcome.Pass, $"{id} {where}: " + string.Join(", ", result.Hits.Select(h => $"{h.Matched} ({h.Action}, {h.Reason})")));
        }
    }

    [Fact]
    public void Finance_texts_pass_the_finance_pack_and_product_texts_carry_the_risk_notice()
    {
        var review = ContentReview.ForIndustry(Industry.Finance);
        var d = Definition("finance_risk_assessment_follow_up");
        foreach (var (where, text) in Texts(d))
        {
            Assert.DoesNotContain(review.Review(RenderWithDefaults(text), where).Hits, h => h.Action == ReviewAction.Block);
        }
        foreach (var id in new[] { "product_info", "investor_education" })
        {
            var text = ((SendStep)d.Steps[d.IndexOf(id)]).Text!;
            Assert.Contains("风险提示：理财有风险，投资需谨慎", text);
            Assert.DoesNotMatch(PromiseWords(), text);
        }
    }

    [GeneratedRegex("保本|稳赚|保证收益|收益承诺|承诺收益|无风险|零风险")]
    private static partial Regex PromiseWords();

    // ---- walking the templates through the runner ----

    private static readonly DateTimeOffset T0 = At("2026-05-07T02:00:00Z"); // 10:00 in Shanghai

    private static AdvanceResult Start(JourneyDefinition d, JourneyEntry entry, IJourneyContext ctx)
    {
        var decision = JourneyRunner.TryEnter(d, Customer, [], entry, T0);
        Assert.True(decision.Entered, decision.Refusal.ToString());
        return JourneyRunner.Advance(decision.Instance, d, ctx, T0);
    }

    [Fact]
    public void Birthday_reminder_comes_the_day_before_the_seven_day_coupon_expires()
    {
        var d = Definition("retail_birthday_care");
        var ctx = new FakeContext(Shanghai, T0);
        var started = Start(d, JourneyEntry.DateReached, ctx);
        Assert.Equal(["enter send_coupon", "send send_coupon wecom_private", "enter wait_paid"], Lines(started.Effects));
        Assert.Equal((T0 + TimeSpan.FromDays(6)).UtcTicks, started.DueTicks);

        var timeout = JourneyRunner.OnDue(started.Instance, d, ctx, T0 + TimeSpan.FromDays(6));
        Assert.Equal(["enter remind_expiry", "send remind_expiry wecom_private", "enter done", "exit Completed End"], Lines(timeout.Effects));

        var paidAt = T0 + TimeSpan.FromDays(2);
        var paid = JourneyRunner.OnEvent(started.Instance, d, Event(Customer, "order.paid", paidAt), ctx, paidAt);
        Assert.Equal(["enter converted", "exit Completed End"], Lines(paid.Effects));
    }

    [Fact]
    public void Win_back_splits_holds_out_and_asks_staff_to_call_after_fourteen_days()
    {
        var d = Definition("retail_silent_win_back");
        var ctx = new FakeContext(Shanghai, T0);
        var seen = new HashSet<string>();
        AdvanceResult? waiting = null;
        var held = 0;
        for (var c = 1L; c <= 1_000; c++)
        {
            var decision = JourneyRunner.TryEnter(d, c, [], JourneyEntry.Scheduled(1), T0);
            Assert.True(decision.Entered);
            var result = JourneyRunner.Advance(decision.Instance, d, ctx, T0);
            var lines = Lines(result.Effects);
            seen.Add(lines[1]);
            if (lines[1].EndsWith("holdout", StringComparison.Ordinal))
            {
                held++;
                Assert.Equal(JourneyStatus.Exited, result.Instance.Status);
            }
            else
            {
                Assert.Equal(JourneyStatus.WaitingEvent, result.Instance.Status);
                waiting ??= result;
            }
        }
        Assert.Equal(["variant ab_split A 优惠券", "variant ab_split B 会员新品", "variant ab_split holdout"], seen.Order(StringComparer.Ordinal));
        Assert.InRange(held, 60, 140); // 10 %

        var started = waiting!.Value;
        var timeout = JourneyRunner.OnDue(started.Instance, d, ctx, T0 + TimeSpan.FromDays(14));
        Assert.Equal(["enter call_customer", "task call_customer owner", "enter done", "exit Completed End"], Lines(timeout.Effects));
        var paidAt = T0 + TimeSpan.FromDays(5);
        var paid = JourneyRunner.OnEvent(started.Instance, d, Event(started.Instance.CustomerId, "order.paid", paidAt), ctx, paidAt);
        Assert.Equal(["enter converted", "exit Completed End"], Lines(paid.Effects));
    }

    [Fact]
    public void Trial_attended_gets_the_offer_a_day_later_and_no_show_gets_the_reschedule_message()
    {
        var d = Definition("education_trial_to_paid");
        var ctx = new FakeContext(Shanghai, T0);
        var started = Start(d, JourneyEntry.ForEvent(Event(Customer, "trial.booked", T0)), ctx);
        Assert.Equal(["enter welcome", "send welcome wecom_private", "enter wait_trial"], Lines(started.Effects));
        Assert.Equal(At("2026-05-09T01:00:00Z").UtcTicks, started.DueTicks); // a day later, then the next 09:00

        var day = At("2026-05-09T01:00:00Z");
        var reminded = JourneyRunner.OnDue(started.Instance, d, ctx, day);
        Assert.Equal(["enter remind_trial", "send remind_trial wecom_private", "enter wait_attended"], Lines(reminded.Effects));

        var noShow = JourneyRunner.OnDue(reminded.Instance, d, ctx, day + TimeSpan.FromDays(3));
        Assert.Equal(["enter reschedule", "send reschedule wecom_private", "enter done", "exit Completed End"], Lines(noShow.Effects));

        var attendedAt = day + TimeSpan.FromHours(9);
        var attended = JourneyRunner.OnEvent(reminded.Instance, d, Event(Customer, "trial.attended", attendedAt), ctx, attendedAt);
        Assert.Equal(["enter wait_offer"], Lines(attended.Effects));
        var offer = JourneyRunner.OnDue(attended.Instance, d, ctx, attendedAt + TimeSpan.FromDays(1));
        Assert.Equal(["enter send_offer", "send send_offer wecom_private", "enter wait_paid"], Lines(offer.Effects));
        var followUp = JourneyRunner.OnDue(offer.Instance, d, ctx, attendedAt + TimeSpan.FromDays(8));
        Assert.Equal(["enter follow_up", "task follow_up owner", "enter done", "exit Completed End"], Lines(followUp.Effects));
    }

    [Fact]
    public void Renewal_stops_for_payers_and_reminds_the_rest_by_sms_unless_they_pay_meanwhile()
    {
        var d = Definition("education_renewal_warning");
        var ctx = new FakeContext(Shanghai, T0) { Decide = _ => false };
        var started = Start(d, JourneyEntry.DateReached, ctx);
        Assert.Equal(["enter remind_renewal", "send remind_renewal wecom_private", "enter wait_15d"], Lines(started.Effects));

        var day15 = T0 + TimeSpan.FromDays(15);
        var unpaid = JourneyRunner.OnDue(started.Instance, d, ctx, day15);
        Assert.Equal(["enter check_paid", "enter staff_follow_up", "task staff_follow_up owner", "enter wait_final"], Lines(unpaid.Effects));
        var final = JourneyRunner.OnDue(unpaid.Instance, d, ctx, day15 + TimeSpan.FromDays(10));
        Assert.Equal(["enter final_reminder", "send final_reminder sms", "enter done", "exit Completed End"], Lines(final.Effects));
        var paidAt = day15 + TimeSpan.FromDays(3);
        var paidMeanwhile = JourneyRunner.OnEvent(unpaid.Instance, d, Event(Customer, "order.paid", paidAt), ctx, paidAt);
        Assert.Equal(["enter renewed", "exit Completed End"], Lines(paidMeanwhile.Effects));

        ctx.Decide = c => c.Root is BehaviorNode { EventType: "order.paid", LastDays: 15, Measure: Measure.Count, Op: CompareOp.Gte };
        var paid = JourneyRunner.OnDue(started.Instance, d, ctx, day15);
        Assert.Equal(["enter check_paid", "enter renewed", "exit Completed End"], Lines(paid.Effects));
    }

    [Theory]
    [InlineData("C5", "product_info")]
    [InlineData("C4", "product_info")]
    [InlineData("C3", "investor_education")]
    [InlineData(null, "investor_education")]
    public void Finance_sends_product_information_only_to_C4_and_C5(string? level, string expected)
    {
        var d = Definition("finance_risk_assessment_follow_up");
        var profile = new CustomerProfile { CustomerId = Customer };
        if (level is not null)
        {
            profile.Attributes["risk_level"] = new AttributeValue { Value = JsonValue.Create(level), Ticks = T0.UtcTicks };
        }
        var ctx = new ProfileJourneyContext(profile, Shanghai, T0);
        var started = Start(d, JourneyEntry.ForEvent(Event(Customer, "account.opened", T0)), ctx);
        Assert.Equal(["enter invite_assessment", "send invite_assessment wecom_private", "enter wait_assessment"], Lines(started.Effects));

        var doneAt = T0 + TimeSpan.FromHours(5);
        var completed = JourneyRunner.OnEvent(started.Instance, d, Event(Customer, "risk_assessment.completed", doneAt), ctx, doneAt);
        Assert.Equal(["enter wait_result"], Lines(completed.Effects));
        var routed = JourneyRunner.OnDue(completed.Instance, d, ctx, doneAt + TimeSpan.FromMinutes(10));
        Assert.Equal(["enter check_risk_level", $"enter {expected}", $"send {expected} wecom_private", "enter done", "exit Completed End"], Lines(routed.Effects));

        var ignored = JourneyRunner.OnDue(started.Instance, d, ctx, T0 + TimeSpan.FromDays(3));
        Assert.Equal(["enter assist_task", "task assist_task owner", "enter done", "exit Completed End"], Lines(ignored.Effects));
    }

    [Fact]
    public void Live_stream_warms_up_with_a_coupon_reminds_at_start_and_splits_viewers_from_the_rest()
    {
        var d = Definition("retail_live_stream_loop");
        var ctx = new FakeContext(Shanghai, T0);
        ctx.Dates["next_live_at"] = new DateOnly(2026, 5, 9);
        var started = Start(d, JourneyEntry.ForEvent(Event(Customer, "live.reserved", T0)), ctx);
        Assert.Equal(["enter warm_up", "send warm_up wecom_private", "enter seckill_coupon", "coupon seckill_coupon 1", "enter wait_live"], Lines(started.Effects));
        var start = At("2026-05-09T11:50:00Z"); // 19:50 in Shanghai on the live day
        Assert.Equal(start.UtcTicks, started.DueTicks);

        var reminded = JourneyRunner.OnDue(started.Instance, d, ctx, start);
        Assert.Equal(["enter live_reminder", "send live_reminder wecom_private", "enter wait_watch"], Lines(reminded.Effects));

        // A viewer: product links at once, the review invitation the next morning at 10:00, 50 points once the review is posted.
        var watchedAt = start + TimeSpan.FromMinutes(15);
        var watched = JourneyRunner.OnEvent(reminded.Instance, d, Event(Customer, "live.watched", watchedAt), ctx, watchedAt);
        Assert.Equal(["enter in_live_links", "send in_live_links wecom_private", "enter wait_next_morning"], Lines(watched.Effects));
        var nextMorning = At("2026-05-10T02:00:00Z");
        Assert.Equal(nextMorning.UtcTicks, watched.DueTicks);
        var invited = JourneyRunner.OnDue(watched.Instance, d, ctx, nextMorning);
        Assert.Equal(["enter review_invite", "send review_invite wecom_private", "enter wait_review"], Lines(invited.Effects));
        var reviewedAt = nextMorning + TimeSpan.FromDays(2);
        var reviewed = JourneyRunner.OnEvent(invited.Instance, d, Event(Customer, "review.posted", reviewedAt), ctx, reviewedAt);
        Assert.Equal(["enter review_points", "points review_points 50", "enter done", "exit Completed End"], Lines(reviewed.Effects));

        // Not in the live room within 4 hours: the replay, then a staff task when no order follows in 2 days.
        var missed = JourneyRunner.OnDue(reminded.Instance, d, ctx, start + TimeSpan.FromHours(4));
        Assert.Equal(["enter replay", "send replay wecom_private", "enter wait_order"], Lines(missed.Effects));
        var noOrder = JourneyRunner.OnDue(missed.Instance, d, ctx, start + TimeSpan.FromHours(4) + TimeSpan.FromDays(2));
        Assert.Equal(["enter follow_up", "task follow_up owner", "enter done", "exit Completed End"], Lines(noOrder.Effects));
    }
}
