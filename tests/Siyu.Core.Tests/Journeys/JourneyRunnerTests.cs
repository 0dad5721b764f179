using System.Text.Json.Nodes;
using Siyu.Core.Audiences.Conditions;
using Siyu.Core.Customers;
using Siyu.Core.Journeys;
using Siyu.Core.Tags;
using Xunit;
using static Siyu.Core.Tests.Journeys.JourneyTestKit;

namespace Siyu.Core.Tests.Journeys;

public sealed class JourneyRunnerTests
{
    private const long Customer = 1001;
    private static readonly DateTimeOffset T0 = At("2026-05-07T02:00:00Z"); // 10:00 in Shanghai

    private static JourneyInstance Enter(JourneyDefinition d, DateTimeOffset now, params JourneyInstance[] existing)
    {
        var entry = d.Trigger switch
        {
            DateRelativeTrigger => JourneyEntry.DateReached,
            _ => JourneyEntry.Manual,
        };
        var decision = JourneyRunner.TryEnter(d, Customer, existing, entry, now);
        Assert.True(decision.Entered, decision.Refusal.ToString());
        return decision.Instance;
    }

    [Fact]
    public void Birthday_care_customer_who_pays_gets_coupon_then_tag_then_exits()
    {
        var d = Parse(BirthdayCare);
        var ctx = new FakeContext(Shanghai, T0);
        var entered = JourneyRunner.Advance(Enter(d, T0), d, ctx, T0);

        Assert.Equal(["enter send_coupon", "send send_coupon wecom_private", "enter wait_paid"], Lines(entered.Effects));
        Assert.Equal(JourneyStatus.WaitingEvent, entered.Instance.Status);
        Assert.Equal((T0 + TimeSpan.FromDays(7)).UtcTicks, entered.DueTicks);

        // Some other event does nothing; the order resumes the wait.
        var paidAt = T0 + TimeSpan.FromDays(2);
        var other = JourneyRunner.OnEvent(entered.Instance, d, Event(Customer, "page.viewed", paidAt), ctx, paidAt);
        Assert.False(other.Changed);
        Assert.Empty(other.Effects);
        var paid = JourneyRunner.OnEvent(entered.Instance, d, Event(Customer, "order.paid", paidAt, new JsonObject { ["amount"] = 199 }), ctx, paidAt);

        Assert.Equal(["enter mark_used", "tags mark_used +[1] -[]", "enter done", "exit Completed End"], Lines(paid.Effects));
        Assert.Equal(JourneyStatus.Completed, paid.Instance.Status);
        Assert.Null(paid.DueTicks);
    }

    [Fact]
    public void Birthday_care_customer_who_does_not_pay_gets_the_reminder_after_seven_days()
    {
        var d = Parse(BirthdayCare);
        var ctx = new FakeContext(Shanghai, T0);
        var waiting = JourneyRunner.Advance(Enter(d, T0), d, ctx, T0).Instance;

        var early = JourneyRunner.OnDue(waiting, d, ctx, T0 + TimeSpan.FromDays(6.9));
        Assert.False(early.Changed);
        var timeout = JourneyRunner.OnDue(waiting, d, ctx, T0 + TimeSpan.FromDays(7.5));

        Assert.Equal(["enter remind", "send remind wecom_private", "enter done", "exit Completed End"], Lines(timeout.Effects));
        // A late timer resumes at its due instant, not at the moment it was processed.
        Assert.Equal((T0 + TimeSpan.FromDays(7)).UtcTicks, timeout.Instance.UpdatedTicks);
    }

    [Fact]
    public void Order_timestamped_after_the_timeout_does_not_resume_the_wait()
    {
        var d = Parse(BirthdayCare);
        var ctx = new FakeContext(Shanghai, T0);
        var waiting = JourneyRunner.Advance(Enter(d, T0), d, ctx, T0).Instance;
        var late = T0 + TimeSpan.FromDays(7) + TimeSpan.FromSeconds(1);

        Assert.False(JourneyRunner.OnEvent(waiting, d, Event(Customer, "order.paid", late), ctx, late).Changed);
    }

    [Fact]
    public void Wait_event_filter_must_match_and_event_of_another_customer_is_ignored()
    {
        var d = Parse(Journey("""
            {"id":"w","wait_event":{"event":"order.paid","where":{"category":["美妆","护肤"]},"timeout":"1d"}},
            {"id":"thanks","send":{"channel":"wecom_private","topic":"service","text":"谢谢"}}
            """));
        var ctx = new FakeContext(Shanghai, T0);
        var waiting = JourneyRunner.Advance(Enter(d, T0), d, ctx, T0).Instance;
        var t = T0 + TimeSpan.FromHours(1);

        Assert.False(JourneyRunner.OnEvent(waiting, d, Event(Customer, "order.paid", t, new JsonObject { ["category"] = "食品" }), ctx, t).Changed);
        Assert.False(JourneyRunner.OnEvent(waiting, d, Event(Customer + 1, "order.paid", t, new JsonObject { ["category"] = "护肤" }), ctx, t).Changed);
        Assert.False(JourneyRunner.OnEvent(waiting, d, Event(Customer, "order.paid", t), ctx, t).Changed);
        var matched = JourneyRunner.OnEvent(waiting, d, Event(Customer, "order.paid", t, new JsonObject { ["category"] = "护肤" }), ctx, t);
        Assert.Equal(["enter thanks", "send thanks wecom_private", "exit Completed End"], Lines(matched.Effects));

        // Without on_timeout, a timeout ends the journey.
        var timedOut = JourneyRunner.OnDue(waiting, d, ctx, T0 + TimeSpan.FromDays(1));
        Assert.Equal(["exit Completed End"], Lines(timedOut.Effects));
        Assert.Equal("w", timedOut.Effects[0].Key.StepId);
    }

    [Fact]
    public void Five_step_journey_runs_send_wait_branch_send_wait_exit()
    {
        var d = Parse(Journey("""
            {"id":"welcome","send":{"channel":"wecom_private","topic":"service","text":"欢迎"}},
            {"id":"pause","wait":{"duration":"2d"}},
            {"id":"vip","branch":{"condition":{"version":1,"root":{"type":"tags","op":"has_any","tag_ids":[2]}},"yes":"vip_offer","no":"offer"}},
            {"id":"vip_offer","send":{"channel":"wecom_private","topic":"marketing","text":"VIP 专享"},"next":"settle"},
            {"id":"offer","send":{"channel":"sms","topic":"marketing","text":"新人礼"},"next":"settle"},
            {"id":"settle","wait":{"duration":"1d","at":"10:00"}},
            {"id":"done","exit":{}}
            """));
        var ctx = new FakeContext(Shanghai, T0) { Decide = _ => false };
        var r1 = JourneyRunner.Advance(Enter(d, T0), d, ctx, T0);
        Assert.Equal(["enter welcome", "send welcome wecom_private", "enter pause"], Lines(r1.Effects));
        Assert.Equal((T0 + TimeSpan.FromDays(2)).UtcTicks, r1.DueTicks);

        var t2 = T0 + TimeSpan.FromDays(2);
        var r2 = JourneyRunner.OnDue(r1.Instance, d, ctx, t2);
        Assert.Equal(["enter vip", "enter offer", "send offer sms", "enter settle"], Lines(r2.Effects));
        Assert.Equal(1, ctx.Evaluations);
        // "1 day, then at 10:00": 2026-05-09 10:00 + 1 day = 2026-05-10 10:00 local, exactly a time of day → that instant.
        Assert.Equal(At("2026-05-10T02:00:00Z").UtcTicks, r2.DueTicks);

        var r3 = JourneyRunner.OnDue(r2.Instance, d, ctx, At("2026-05-10T02:00:00Z"));
        Assert.Equal(["enter done", "exit Completed End"], Lines(r3.Effects));
        Assert.Equal(6, r3.Instance.Seq); // welcome, pause, vip, offer, settle, done
    }

    [Fact]
    public void Branch_reads_the_customer_profile_through_the_profile_context()
    {
        var d = Parse(Journey("""
            {"id":"vip","branch":{"condition":{"version":1,"root":{"type":"tags","op":"has_any","tag_ids":[2]}},"yes":"a","no":"b"}},
            {"id":"a","task":{"text":"VIP 客户，请一对一跟进"},"next":"done"},
            {"id":"b","webhook":{"url":"https://crm.example.com/hook"},"next":"done"},
            {"id":"done","exit":{}}
            """));
        var profile = new CustomerProfile { CustomerId = Customer };
        var notVip = JourneyRunner.Advance(Enter(d, T0), d, new ProfileJourneyContext(profile, Shanghai, T0), T0);
        Assert.Equal(["enter vip", "enter b", "webhook b https://crm.example.com/hook", "enter done", "exit Completed End"], Lines(notVip.Effects));

        profile.Tags[2] = new TagMark { Present = true, Ticks = T0.UtcTicks, Source = TagSource.Manual };
        var vip = JourneyRunner.Advance(Enter(d, T0), d, new ProfileJourneyContext(profile, Shanghai, T0), T0);
        Assert.Equal(["enter vip", "enter a", "task a owner", "enter done", "exit Completed End"], Lines(vip.Effects));
    }

    [Fact]
    public void Date_wait_waits_until_the_relative_instant_or_not_at_all_when_unset_or_past()
    {
        var d = Parse(Journey("""
            {"id":"until","wait":{"until_date":{"attribute":"course_expires_at","days_before":30,"at":"09:00"}}},
            {"id":"warn","set_attribute":{"name":"renewal_warned","value":true}}
            """));
        var ctx = new FakeContext(Shanghai, T0);
        ctx.Dates["course_expires_at"] = new DateOnly(2026, 7, 1);
        var waiting = JourneyRunner.Advance(Enter(d, T0), d, ctx, T0);
        Assert.Equal(["enter until"], Lines(waiting.Effects));
        Assert.Equal(At("2026-06-01T01:00:00Z").UtcTicks, waiting.DueTicks); // 2026-06-01 09:00 in Shanghai

        ctx.Dates["course_expires_at"] = new DateOnly(2026, 5, 20); // 30 days before is already past
        Assert.Equal(["enter until", "enter warn", "set renewal_warned=true", "exit Completed End"], Lines(JourneyRunner.Advance(Enter(d, T0), d, ctx, T0).Effects));
        ctx.Dates.Clear();
        Assert.Equal(["enter until", "enter warn", "set renewal_warned=true", "exit Completed End"], Lines(JourneyRunner.Advance(Enter(d, T0), d, ctx, T0).Effects));
    }

    [Fact]
    public void Birthday_trigger_next_entry_comes_from_the_profile_attribute()
    {
        var d = Parse(BirthdayCare);
        var trigger = (DateRelativeTrigger)d.Trigger;
        var profile = new CustomerProfile { CustomerId = Customer };
        var now = At("2026-04-01T00:00:00Z");
        Assert.Null(JourneyTriggers.NextEntry(trigger, new ProfileJourneyContext(profile, Shanghai, now), now));

        profile.Attributes["birthday"] = new AttributeValue { Value = JsonValue.Create("1990-05-10"), Ticks = now.UtcTicks };
        var ctx = new ProfileJourneyContext(profile, Shanghai, now);
        Assert.Equal(At("2026-05-07T02:00:00Z"), JourneyTriggers.NextEntry(trigger, ctx, now));
        // Once it has fired, the next is a year later.
        Assert.Equal(At("2027-05-07T02:00:00Z"), JourneyTriggers.NextEntry(trigger, ctx, At("2026-05-07T02:00:00Z")));
    }

    [Fact]
    public void Time_of_day_wait_is_strictly_later_and_follows_the_tenant_zone()
    {
        var d = Parse(Journey("""{"id":"w","wait":{"at":"10:00"}},{"id":"x","exit":{}}"""));
        var ctx = new FakeContext(Shanghai, T0);
        // At exactly 10:00 local the next 10:00 is tomorrow's.
        Assert.Equal(At("2026-05-08T02:00:00Z").UtcTicks, JourneyRunner.Advance(Enter(d, T0), d, ctx, T0).DueTicks);
        var nine = At("2026-05-07T01:00:00Z");
        Assert.Equal(At("2026-05-07T02:00:00Z").UtcTicks, JourneyRunner.Advance(Enter(d, nine), d, ctx, nine).DueTicks);
    }

    [Fact]
    public void Split_assignment_is_stable_per_customer_and_holdout_exits()
    {
        var d = Parse(Journey("""
            {"id":"ab","split":{"variants":[{"name":"A","weight":1,"next":"a"},{"name":"B","weight":1,"next":"b"}],"holdout_percent":20}},
            {"id":"a","send":{"channel":"wecom_private","topic":"marketing","text":"A"},"next":"done"},
            {"id":"b","send":{"channel":"wecom_private","topic":"marketing","text":"B"},"next":"done"},
            {"id":"done","exit":{}}
            """));
        var split = (SplitStep)d.Steps[0];
        var ctx = new FakeContext(Shanghai, T0);
        var counts = new Dictionary<string, int>();
        for (var c = 1L; c <= 20_000; c++)
        {
            var decision = JourneyRunner.TryEnter(d, c, [], JourneyEntry.Manual, T0);
            var r = JourneyRunner.Advance(decision.Instance, d, ctx, T0);
            var lines = Lines(r.Effects);
            var v = r.Effects.OfType<VariantAssigned>().Single();
            var name = v.Holdout ? "holdout" : v.VariantName!;
            counts[name] = counts.GetValueOrDefault(name) + 1;
            var expected = v.Holdout
                ? new[] { "enter ab", "variant ab holdout", "exit Exited Holdout" }
                : ["enter ab", $"variant ab {name}", $"enter {name.ToLowerInvariant()}", $"send {name.ToLowerInvariant()} wecom_private", "enter done", "exit Completed End"];
            Assert.Equal(expected, lines);
            // Same customer, same journey and step: same assignment, whatever the version or occurrence.
            Assert.Equal(JourneyRunner.Assign(d.Id, split, c), JourneyRunner.Assign(d.Id, split, c));
            Assert.Equal(v.Holdout ? -2 : v.Variant, r.Instance.VariantAt(0));
        }
        // 20 % holdout, the rest halved: 4,000 / 8,000 / 8,000 within ±3 standard deviations (~±170).
        Assert.InRange(counts["holdout"], 3_830, 4_170);
        Assert.InRange(counts["A"], 7_790, 8_210);
        Assert.InRange(counts["B"], 7_790, 8_210);
    }

    [Fact]
    public void Split_assignment_depends_on_journey_and_step_not_on_version()
    {
        var split = new SplitStep("ab", [new SplitVariant("A", 1, 1), new SplitVariant("B", 1, 2)], 0, 0);
        var otherStep = split with { Id = "ab2" };
        var sameUnderOtherJourney = 0;
        var sameUnderOtherStep = 0;
        for (var c = 1L; c <= 2_000; c++)
        {
            var v = JourneyRunner.Assign(100, split, c);
            sameUnderOtherJourney += v == JourneyRunner.Assign(101, split, c) ? 1 : 0;
            sameUnderOtherStep += v == JourneyRunner.Assign(100, otherStep, c) ? 1 : 0;
        }
        // Independent hashes agree about half the time on two equal variants.
        Assert.InRange(sameUnderOtherJourney, 900, 1_100);
        Assert.InRange(sameUnderOtherStep, 900, 1_100);
    }

    [Fact]
    public void Re_entry_once_refuses_any_second_entry()
    {
        var d = Parse(Journey("""{"id":"x","exit":{}}""", reEntry: """{"policy":"once"}"""));
        var first = JourneyRunner.Advance(Enter(d, T0), d, new FakeContext(Shanghai, T0), T0).Instance;
        Assert.Equal(1, first.Occurrence);
        Assert.Equal(EntryRefusal.AlreadyEntered, JourneyRunner.TryEnter(d, Customer, [first], JourneyEntry.Manual, T0 + TimeSpan.FromDays(400)).Refusal);
    }

    [Fact]
    public void Re_entry_after_exit_waits_for_the_previous_run_to_finish()
    {
        var d = Parse(Journey("""{"id":"w","wait":{"duration":"1d"}},{"id":"x","exit":{}}""", reEntry: """{"policy":"after_exit"}"""));
        var ctx = new FakeContext(Shanghai, T0);
        var running = JourneyRunner.Advance(Enter(d, T0), d, ctx, T0).Instance;
        Assert.Equal(EntryRefusal.StillRunning, JourneyRunner.TryEnter(d, Customer, [running], JourneyEntry.Manual, T0 + TimeSpan.FromHours(1)).Refusal);

        var done = JourneyRunner.OnDue(running, d, ctx, T0 + TimeSpan.FromDays(1)).Instance;
        var again = JourneyRunner.TryEnter(d, Customer, [done], JourneyEntry.Manual, T0 + TimeSpan.FromDays(1));
        Assert.True(again.Entered);
        Assert.Equal(2, again.Instance.Occurrence);
    }

    [Fact]
    public void Re_entry_always_allows_concurrent_runs_but_not_within_the_minimum_interval()
    {
        var d = Parse(Journey("""{"id":"w","wait":{"duration":"30d"}},{"id":"x","exit":{}}""", reEntry: """{"policy":"always","min_interval":"7d"}"""));
        var first = Enter(d, T0);
        Assert.Equal(EntryRefusal.TooSoon, JourneyRunner.TryEnter(d, Customer, [first], JourneyEntry.Manual, T0 + TimeSpan.FromDays(6.9)).Refusal);
        var second = JourneyRunner.TryEnter(d, Customer, [first], JourneyEntry.Manual, T0 + TimeSpan.FromDays(7));
        Assert.True(second.Entered);
        Assert.Equal(2, second.Instance.Occurrence);
        Assert.True(first.IsRunning);
    }

    [Fact]
    public void Entry_must_fit_the_trigger()
    {
        var d = Parse(Journey("""{"id":"x","exit":{}}""", trigger: """{"type":"event","event":"customer.added","where":{"channel":"直播间"}}"""));
        Assert.Equal(EntryRefusal.TriggerMismatch, JourneyRunner.TryEnter(d, Customer, [], JourneyEntry.Manual, T0).Refusal);
        Assert.Equal(EntryRefusal.TriggerMismatch, JourneyRunner.TryEnter(d, Customer, [],
            JourneyEntry.ForEvent(Event(Customer, "customer.added", T0, new JsonObject { ["channel"] = "门店" })), T0).Refusal);
        Assert.True(JourneyRunner.TryEnter(d, Customer, [],
            JourneyEntry.ForEvent(Event(Customer, "customer.added", T0, new JsonObject { ["channel"] = "直播间" })), T0).Entered);

        var audience = Parse(Journey("""{"id":"x","exit":{}}""", trigger: """{"type":"audience_entry","audience_id":7}"""));
        Assert.True(JourneyRunner.TryEnter(audience, Customer, [], JourneyEntry.AudienceEntered(7), T0).Entered);
        Assert.False(JourneyRunner.TryEnter(audience, Customer, [], JourneyEntry.AudienceExited(7), T0).Entered);
        Assert.False(JourneyRunner.TryEnter(audience, Customer, [], JourneyEntry.AudienceEntered(8), T0).Entered);
    }

    [Fact]
    public void Loop_with_a_wait_sends_on_every_pass_with_distinct_keys()
    {
        var d = Parse(Journey("""
            {"id":"remind","send":{"channel":"wecom_private","topic":"marketing","text":"续费提醒"}},
            {"id":"wait","wait_event":{"event":"order.paid","timeout":"7d","on_timeout":"remind"},"next":"done"},
            {"id":"done","exit":{}}
            """));
        var ctx = new FakeContext(Shanghai, T0);
        var r = JourneyRunner.Advance(Enter(d, T0), d, ctx, T0);
        var keys = r.Effects.OfType<SendMessage>().Select(e => e.IdempotencyKey).ToList();
        for (var week = 1; week <= 3; week++)
        {
            r = JourneyRunner.OnDue(r.Instance, d, ctx, T0 + TimeSpan.FromDays(7 * week));
            Assert.Equal(["enter remind", "send remind wecom_private", "enter wait"], Lines(r.Effects));
            keys.AddRange(r.Effects.OfType<SendMessage>().Select(e => e.IdempotencyKey));
        }
        Assert.Equal(4, keys.Distinct().Count());
        Assert.Equal("j100/v1/c1001/o1/1:remind/send", keys[0]);
        Assert.Equal("j100/v1/c1001/o1/3:remind/send", keys[1]);
    }

    [Fact]
    public void Runaway_loop_in_a_hand_built_definition_stops_at_the_step_limit()
    {
        // The parser refuses this; a definition built in code is not checked, so the runner guards itself.
        var d = new JourneyDefinition(5, 1, "loop", JourneyKind.Journey, new ManualTrigger(),
            [new TagStep("a", 1, [2], []), new TagStep("b", 0, [], [2])], ReEntryPolicy.Once, null);
        var r = JourneyRunner.Advance(JourneyRunner.TryEnter(d, Customer, [], JourneyEntry.Manual, T0).Instance, d, new FakeContext(Shanghai, T0), T0);

        Assert.Equal(JourneyStatus.Exited, r.Instance.Status);
        Assert.Equal(ExitReason.StepLimit, r.Instance.ExitReason);
        Assert.Equal(JourneyRunner.MaxStepsPerAdvance, r.Effects.OfType<StepEntered>().Count());
        Assert.Equal(r.Effects.Count, r.Effects.Select(e => e.IdempotencyKey).Distinct().Count());
    }

    [Fact]
    public void Instances_finish_on_their_version()
    {
        var v1 = Parse(BirthdayCare, version: 1);
        var v2 = Parse(BirthdayCare.Replace("\"timeout\": \"7d\"", "\"timeout\": \"3d\""), version: 2);
        var ctx = new FakeContext(Shanghai, T0);
        var onV1 = JourneyRunner.Advance(Enter(v1, T0), v1, ctx, T0).Instance;

        Assert.Throws<ArgumentException>(() => JourneyRunner.OnDue(onV1, v2, ctx, T0 + TimeSpan.FromDays(7)));
        // Still the 7-day timeout of version 1; a new entry goes on version 2 and counts the earlier occurrence.
        Assert.False(JourneyRunner.OnDue(onV1, v1, ctx, T0 + TimeSpan.FromDays(5)).Changed);
        var next = JourneyRunner.TryEnter(v2, Customer, [onV1], JourneyEntry.DateReached, T0 + TimeSpan.FromDays(365)).Instance;
        Assert.Equal((2, 2), (next.Version, next.Occurrence));
    }

    [Fact]
    public void Server_exit_removes_a_running_instance_once()
    {
        var d = Parse(BirthdayCare);
        var ctx = new FakeContext(Shanghai, T0);
        var waiting = JourneyRunner.Advance(Enter(d, T0), d, ctx, T0).Instance;
        var removed = JourneyRunner.Exit(waiting, d, T0 + TimeSpan.FromDays(1));
        Assert.Equal(["exit Exited Removed"], Lines(removed.Effects));
        Assert.False(JourneyRunner.Exit(removed.Instance, d, T0 + TimeSpan.FromDays(1)).Changed);
        Assert.False(JourneyRunner.OnDue(removed.Instance, d, ctx, T0 + TimeSpan.FromDays(8)).Changed);
    }

    [Fact]
    public void Every_effect_of_a_run_has_a_distinct_idempotency_key()
    {
        var d = Parse(Journey("""
            {"id":"ab","split":{"variants":[{"name":"A","weight":1,"next":"s"}]}},
            {"id":"s","send":{"channel":"wecom_private","topic":"marketing","text":"hi"}},
            {"id":"t","tag":{"add":[2]}},
            {"id":"x","exit":{}}
            """));
        var r = JourneyRunner.Advance(Enter(d, T0), d, new FakeContext(Shanghai, T0), T0);
        Assert.Equal(["enter ab", "variant ab A", "enter s", "send s wecom_private", "enter t", "tags t +[2] -[]", "enter x", "exit Completed End"], Lines(r.Effects));
        Assert.Equal(r.Effects.Count, r.Effects.Select(e => e.IdempotencyKey).Distinct().Count());
    }
}
