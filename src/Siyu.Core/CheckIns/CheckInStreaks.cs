namespace Siyu.Core.CheckIns;

public static class CheckInRefusals
{
    public const string NotStarted = "not_started";
    public const string Ended = "ended";
    public const string FutureDay = "future_day";
    public const string MakeUpNotAllowed = "make_up_not_allowed";
    public const string MakeUpTooOld = "make_up_too_old";
    public const string MakeUpLimit = "make_up_limit";
}

/// <summary>A run of consecutive checked days: its first day and length.</summary>
public readonly record struct Streak(int StartDay, int Length)
{
    public int EndDay => StartDay + Length - 1;
}

/// <summary>A reward milestone reached: reward rule <see cref="RewardIndex"/> at <see cref="Day"/> consecutive days of the streak starting <see cref="StreakStart"/>.</summary>
public readonly record struct Milestone(int RewardIndex, int StreakStart, int Day);

/// <summary>
/// The answer to a check-in: <see cref="Refusal"/> when not allowed, <see cref="Already"/> when the day was checked
/// before (idempotent), else the day taken, whether it is a make-up, and the streak that now contains it.
/// </summary>
public sealed record CheckInDecision(string? Refusal, bool Already, int Day, bool MakeUp, Streak Streak, IReadOnlyList<Milestone> Milestones);

/// <summary>
/// Streak arithmetic for daily check-in (群打卡), over local day numbers. One check-in per day. A streak is a run of
/// consecutive checked days; under <see cref="MissedDayRules.Reset"/> a gap ends it, under
/// <see cref="MissedDayRules.MakeUp"/> a missed day within the make-up window may be filled (补签) while the month of
/// the missed day has make-up cards left, which joins the runs on both sides. Rewards are milestones of the streak
/// that contains the day just checked, identified by (reward, streak start, day count) so each is granted at most once.
/// </summary>
public static class CheckInStreaks
{
    /// <summary>The run containing <paramref name="day"/> (length 0 if it is not checked).</summary>
    public static Streak RunContaining(IReadOnlySet<int> days, int day)
    {
        if (!days.Contains(day))
        {
            return new Streak(day, 0);
        }
        var start = day;
        while (days.Contains(start - 1))
        {
            start--;
        }
        var end = day;
        while (days.Contains(end + 1))
        {
            end++;
        }
        return new Streak(start, end - start + 1);
    }

    /// <summary>
    /// The customer's current streak on <paramref name="today"/>: the run ending today, or ending yesterday (still
    /// alive until today ends); otherwise none (length 0).
    /// </summary>
    public static Streak Current(IReadOnlySet<int> days, int today)
    {
        if (days.Contains(today))
        {
            return RunContaining(days, today);
        }
        return days.Contains(today - 1) ? RunContaining(days, today - 1) : new Streak(today, 0);
    }

    /// <summary>Milestones of <paramref name="streak"/>: every N-th day for every_days rewards, day N for at_day rewards.</summary>
    public static IReadOnlyList<Milestone> Milestones(IReadOnlyList<CheckInReward> rewards, Streak streak)
    {
        var reached = new List<Milestone>();
        for (var i = 0; i < rewards.Count; i++)
        {
            var r = rewards[i];
            if (r.EveryDays is > 0 and var every)
            {
                for (var d = every; d <= streak.Length; d += every)
                {
                    reached.Add(new Milestone(i, streak.StartDay, d));
                }
            }
            else if (r.AtDay is > 0 and var at && at <= streak.Length)
            {
                reached.Add(new Milestone(i, streak.StartDay, at));
            }
        }
        return reached;
    }

    /// <summary>
    /// Decides a check-in for <paramref name="day"/> (today unless a make-up) given the days already checked.
    /// <paramref name="firstDay"/>/<paramref name="lastDay"/> bound the campaign (local days, inclusive);
    /// <paramref name="makeUpsUsedInMonth"/> counts make-ups already used for days in the month of <paramref name="day"/>.
    /// </summary>
    public static CheckInDecision Decide(
        IReadOnlySet<int> days, int today, int day, CheckInSpec spec, int? firstDay, int? lastDay, int makeUpsUsedInMonth)
    {
        ArgumentNullException.ThrowIfNull(days);
        ArgumentNullException.ThrowIfNull(spec);
        CheckInDecision Refuse(string reason) => new(reason, false, day, false, new Streak(day, 0), []);
        if (day > today)
        {
            return Refuse(CheckInRefusals.FutureDay);
        }
        if (days.Contains(day))
        {
            return new CheckInDecision(null, true, day, false, RunContaining(days, day), []);
        }
        if (firstDay is { } first && day < first)
        {
            return Refuse(CheckInRefusals.NotStarted);
        }
        if (lastDay is { } last && day > last)
        {
            return Refuse(CheckInRefusals.Ended);
        }
        var makeUp = day < today;
        if (makeUp)
        {
            if (spec.MissedDayRule != MissedDayRules.MakeUp)
            {
                return Refuse(CheckInRefusals.MakeUpNotAllowed);
            }
            if (today - day > spec.MakeUpWindowDays)
            {
                return Refuse(CheckInRefusals.MakeUpTooOld);
            }
            if (makeUpsUsedInMonth >= spec.MakeUpsPerMonth)
            {
                return Refuse(CheckInRefusals.MakeUpLimit);
            }
        }
        var after = new HashSet<int>(days) { day };
        var streak = RunContaining(after, day);
        return new CheckInDecision(null, false, day, makeUp, streak, Milestones(spec.Rewards, streak));
    }
}
