using Siyu.Core.Quality;
using Xunit;

namespace Siyu.Core.Tests.Quality;

/// <summary>
/// The inspector and its working-hours clock against hand-computed examples (Asia/Shanghai, UTC+8; 2026-11-27 is a
/// Friday, 11-30 a Monday), and the clock against a minute-by-minute counter on random inputs.
/// </summary>
public sealed class QualityInspectorTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    private static DateTimeOffset Local(int month, int day, int hour, int minute, int second = 0) => new(2026, month, day, hour, minute, second, TimeSpan.FromHours(8));

    private static long Ms(int month, int day, int hour, int minute, int second = 0) => Local(month, day, hour, minute, second).ToUnixTimeMilliseconds();

    private static QualityRules Rules(int timeout = 30, string[]? forbidden = null, string[]? required = null, string[]? negative = null, QualityWeights? weights = null) =>
        new(timeout, WorkingHours.Default, forbidden ?? [], required ?? [], negative ?? [], weights ?? new QualityWeights());

    private static QualityMessage C(long id, long at, string text = "在吗", bool revoked = false) => new(id, at, true, "text", revoked, text);

    private static QualityMessage S(long id, long at, string text = "您好", bool revoked = false) => new(id, at, false, "text", revoked, text);

    private static readonly long Later = Ms(12, 31, 0, 0);

    [Fact]
    public void Due_time_carries_over_the_end_of_the_day_and_the_weekend()
    {
        var clock = new WorkingClock(WorkingHours.Default, Shanghai);
        // Friday 17:50 + 30 min: 10 min on Friday, 20 on Monday from 09:00.
        Assert.Equal(Local(11, 30, 9, 20), clock.Due(Local(11, 27, 17, 50), TimeSpan.FromMinutes(30)));
        // Tuesday 17:50 + 30 min: Wednesday 09:20.
        Assert.Equal(Local(12, 2, 9, 20), clock.Due(Local(12, 1, 17, 50), TimeSpan.FromMinutes(30)));
        // Saturday 11:00 (day off): the clock starts Monday 09:00.
        Assert.Equal(Local(11, 30, 9, 10), clock.Due(Local(11, 28, 11, 0), TimeSpan.FromMinutes(10)));
        // Before hours: Monday 07:00 + 10 min = 09:10; inside: 10:00 + 10 = 10:10; exactly used up at the end: 17:30 + 30 = 18:00.
        Assert.Equal(Local(11, 30, 9, 10), clock.Due(Local(11, 30, 7, 0), TimeSpan.FromMinutes(10)));
        Assert.Equal(Local(11, 30, 10, 10), clock.Due(Local(11, 30, 10, 0), TimeSpan.FromMinutes(10)));
        Assert.Equal(Local(11, 30, 18, 0), clock.Due(Local(11, 30, 17, 30), TimeSpan.FromMinutes(30)));
        // Friday 17:50 to Monday 09:25: 10 + 25 working minutes.
        Assert.Equal(TimeSpan.FromMinutes(35), clock.WorkingTime(Local(11, 27, 17, 50), Local(11, 30, 9, 25)));
    }

    [Fact]
    public void A_reply_after_the_due_time_across_the_weekend_is_a_timeout_and_one_before_is_not()
    {
        var inspector = new QualityInspector(Rules(timeout: 30), Shanghai);
        var late = inspector.Inspect([C(1, Ms(11, 27, 17, 50)), S(2, Ms(11, 30, 9, 21))], null, Later);
        var timeout = Assert.Single(late.Findings);
        Assert.Equal(QualityRuleNames.Timeout, timeout.Rule);
        Assert.Equal([1L, 2L], timeout.MessageIds);
        Assert.Equal(31, timeout.WaitedMinutes);
        Assert.Equal(Ms(11, 30, 9, 20), timeout.DueMs);
        Assert.Equal(90, late.Score);

        var inTime = inspector.Inspect([C(1, Ms(11, 27, 17, 50)), S(2, Ms(11, 30, 9, 20))], null, Later);
        Assert.Empty(inTime.Findings);
        Assert.Equal(100, inTime.Score);
        Assert.Equal(0, inTime.Timeouts);
    }

    [Fact]
    public void Consecutive_customer_messages_start_the_clock_at_the_first_and_one_reply_answers_them()
    {
        var inspector = new QualityInspector(Rules(timeout: 10), Shanghai);
        // 10:00, 10:08 from the customer, reply at 10:12: 12 min after the first (late), though 4 after the second.
        var report = inspector.Inspect([C(1, Ms(11, 30, 10, 0)), C(2, Ms(11, 30, 10, 8)), S(3, Ms(11, 30, 10, 12)), C(4, Ms(11, 30, 11, 0)), S(5, Ms(11, 30, 11, 5))], null, Later);
        var timeout = Assert.Single(report.Findings);
        Assert.Equal([1L, 3L], timeout.MessageIds);
        Assert.Equal(12, timeout.WaitedMinutes);
        Assert.Equal(3, report.CustomerMessages);
        Assert.Equal(2, report.StaffMessages);
    }

    [Fact]
    public void Revoked_messages_are_ignored_for_the_clock_and_the_phrases()
    {
        var inspector = new QualityInspector(Rules(timeout: 10, forbidden: ["爱买不买"]), Shanghai);
        // The revoked customer message at 10:00 does not start the clock; the revoked staff message is not a reply and its phrase does not count.
        var report = inspector.Inspect(
            [C(1, Ms(11, 30, 10, 0), revoked: true), C(2, Ms(11, 30, 10, 5)), S(3, Ms(11, 30, 10, 7), "爱买不买", revoked: true), S(4, Ms(11, 30, 10, 14))], null, Later);
        Assert.Empty(report.Findings);
        Assert.Equal(100, report.Score);
        // Not revoked: the staff message at 10:07 answers in time and its phrase deducts 20.
        var kept = inspector.Inspect([C(1, Ms(11, 30, 10, 0)), S(3, Ms(11, 30, 10, 7), "爱买不买")], null, Later);
        Assert.Equal(80, kept.Score);
    }

    [Fact]
    public void An_open_run_is_answered_by_the_next_reply_or_times_out_when_due_or_stays_pending()
    {
        var inspector = new QualityInspector(Rules(timeout: 30), Shanghai);
        List<QualityMessage> day = [C(1, Ms(11, 27, 17, 50))];
        Assert.Empty(inspector.Inspect(day, S(9, Ms(11, 30, 9, 15)), Later).Findings);
        Assert.Equal([1L, 9L], Assert.Single(inspector.Inspect(day, S(9, Ms(11, 30, 9, 45)), Later).Findings).MessageIds);
        var pending = inspector.Inspect(day, null, Ms(11, 28, 12, 0));
        Assert.Empty(pending.Findings);
        Assert.Equal(Ms(11, 30, 9, 20), pending.PendingDueMs);
        Assert.True(pending.Unanswered);
        var unanswered = inspector.Inspect(day, null, Ms(11, 30, 10, 0));
        Assert.Equal([1L], Assert.Single(unanswered.Findings).MessageIds);
        Assert.Null(unanswered.PendingDueMs);
        Assert.True(unanswered.Unanswered);
        Assert.False(inspector.Inspect(day, S(9, Ms(11, 30, 9, 15)), Later).Unanswered);
        Assert.Equal(90, unanswered.Score);
    }

    [Fact]
    public void Forbidden_phrases_are_found_through_evasions_and_each_hit_deducts()
    {
        var inspector = new QualityInspector(Rules(forbidden: ["爱买不买", "不归我管"]), Shanghai);
        var report = inspector.Inspect(
            [S(1, Ms(11, 30, 10, 0), "爱 买-不·买，这事不歸我管"), S(2, Ms(11, 30, 10, 1), "ＡＢ爱买不买"), S(3, Ms(11, 30, 10, 2), "爱买的话可以下单")], null, Later);
        Assert.Equal(3, report.ForbiddenHits);
        Assert.Equal(40, report.Score); // 100 − 3 × 20
        var first = report.Findings.Where(f => f.Rule == QualityRuleNames.Forbidden && f.MessageIds[0] == 1).Select(f => f.Marks.Single()).ToList();
        Assert.Equal(["爱买不买", "不归我管"], first.Select(m => m.Word));
        Assert.Equal((0, 7), (first[0].Start, first[0].Length)); // "爱 买-不·买" spans 7 characters of the original text
        // A customer saying the phrase is not the staff's fault.
        Assert.Empty(inspector.Inspect([C(1, Ms(11, 30, 10, 0), "爱买不买"), S(2, Ms(11, 30, 10, 1))], null, Later).Findings);
        // Five hits: the score stops at 0.
        Assert.Equal(0, inspector.Inspect([S(1, Ms(11, 30, 10, 0), string.Concat(Enumerable.Repeat("爱买不买。", 6)))], null, Later).Score);
    }

    [Fact]
    public void Required_phrases_count_once_per_conversation_in_which_the_staff_wrote()
    {
        var inspector = new QualityInspector(Rules(required: ["双十一", "满减"]), Shanghai);
        var said = inspector.Inspect([C(1, Ms(11, 30, 10, 0)), S(2, Ms(11, 30, 10, 1), "现在有双 十 一满减活动")], null, Later);
        Assert.True(said.RequiredApplicable);
        Assert.True(said.RequiredHit);
        Assert.Equal(100, said.Score);
        Assert.Equal(["双十一", "满减"], Assert.Single(said.Findings, f => f.Rule == QualityRuleNames.RequiredSaid).Marks.Select(m => m.Word));
        var missing = inspector.Inspect([C(1, Ms(11, 30, 10, 0)), S(2, Ms(11, 30, 10, 1), "您好")], null, Later);
        Assert.True(missing.RequiredApplicable);
        Assert.False(missing.RequiredHit);
        Assert.Equal(90, missing.Score);
        // The staff member did not write that day (the Saturday message is answered on Monday, in time): not applicable.
        var silent = inspector.Inspect([C(1, Ms(11, 28, 10, 0), "双十一有满减吗")], S(5, Ms(11, 30, 9, 5)), Later);
        Assert.False(silent.RequiredApplicable);
        Assert.False(silent.RequiredHit);
        Assert.Equal(100, silent.Score);
        // No required phrase configured: never applicable.
        Assert.False(new QualityInspector(Rules(), Shanghai).Inspect([S(1, Ms(11, 30, 10, 0))], null, Later).RequiredApplicable);
    }

    [Fact]
    public void Negative_words_flag_and_deduct_only_when_their_run_was_answered_late()
    {
        var rules = Rules(timeout: 10, forbidden: ["你自己看"], negative: ["投诉", "太差"], weights: new QualityWeights(Timeout: 15, Forbidden: 20, RequiredMissing: 10, NegativeLate: 7));
        var inspector = new QualityInspector(rules, Shanghai);
        var report = inspector.Inspect(
        [
            C(1, Ms(11, 30, 10, 0), "服务太差了"), S(2, Ms(11, 30, 10, 5), "抱歉"),            // negative, in time: flag only
            C(3, Ms(11, 30, 11, 0), "我要投诉"), C(4, Ms(11, 30, 11, 2), "太差"), S(5, Ms(11, 30, 11, 30), "你自己看"), // two negatives in a late run
        ], null, Later);
        Assert.Equal(3, report.NegativeMessages);
        Assert.Equal(2, report.NegativeLate);
        Assert.Equal(1, report.Timeouts);
        Assert.Equal(1, report.ForbiddenHits);
        // 100 − 15 (timeout) − 2 × 7 (late negatives) − 20 (forbidden) = 51
        Assert.Equal(51, report.Score);
        Assert.Equal(report.Score, 100 - report.Findings.Sum(f => f.Deduction));
        Assert.Equal(0, report.Findings.Single(f => f.Rule == QualityRuleNames.Negative && f.MessageIds[0] == 1).Deduction);
    }

    [Fact]
    public void Rules_validation_names_the_fields()
    {
        var bad = new QualityRules(0, new WorkingHours(new HashSet<DayOfWeek>(), new TimeOnly(18, 0), new TimeOnly(9, 0)), ["ok", " "], ["。。"], [], new QualityWeights(Timeout: 101));
        Assert.Equal(
            ["timeout_minutes", "working_hours.days", "working_hours.end", "forbidden_phrases[1]", "required_phrases[0]", "weights.timeout"],
            bad.Validate().Select(e => e.Path));
        Assert.Empty(QualityRules.Default.Validate());
    }

    /// <summary>The oracle: walks minute by minute and counts the minutes whose local time is a working minute.</summary>
    private static bool IsWorkingMinute(DateTimeOffset at, WorkingHours hours, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(at, zone);
        var time = TimeOnly.FromDateTime(local.DateTime);
        return hours.Days.Contains(local.DayOfWeek) && time >= hours.Start && time < hours.End;
    }

    [Theory]
    [InlineData("Asia/Shanghai")]
    [InlineData("Europe/Berlin")]
    public void The_clock_agrees_with_a_minute_by_minute_counter_on_random_inputs(string zoneId)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        var random = new Random(8080);
        for (var round = 0; round < 300; round++)
        {
            var days = Enum.GetValues<DayOfWeek>().Where(_ => random.Next(3) > 0).ToHashSet();
            if (days.Count == 0)
            {
                days.Add((DayOfWeek)random.Next(7));
            }
            // Windows away from the small hours, where DST jumps happen.
            var start = new TimeOnly(random.Next(5, 12), random.Next(0, 60));
            var end = new TimeOnly(random.Next(13, 23), random.Next(0, 60));
            var hours = new WorkingHours(days, start, end);
            var clock = new WorkingClock(hours, zone);
            // Around the DST changes of 2026 (29 March, 25 October in Berlin) as well as any other time.
            var from = new DateTimeOffset(2026, random.Next(1, 13), random.Next(1, 29), random.Next(24), random.Next(60), 0, TimeSpan.Zero);
            var to = from.AddMinutes(random.Next(0, 6 * 24 * 60));

            var counted = 0;
            for (var t = from; t < to; t = t.AddMinutes(1))
            {
                counted += IsWorkingMinute(t, hours, zone) ? 1 : 0;
            }
            Assert.Equal(TimeSpan.FromMinutes(counted), clock.WorkingTime(from, to));

            var budget = random.Next(1, 3000);
            var due = from;
            for (var left = budget; left > 0; due = due.AddMinutes(1))
            {
                left -= IsWorkingMinute(due, hours, zone) ? 1 : 0;
            }
            Assert.Equal(due, clock.Due(from, TimeSpan.FromMinutes(budget)));
        }
    }
}
