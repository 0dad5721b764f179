using Siyu.Core.Audiences.Conditions;

namespace Siyu.Core.Analytics;

public enum CohortPeriod { Week, Month }

/// <summary>One cohort: customers who joined in the period starting <see cref="Start"/> (and group), and how many were active k periods later.</summary>
public sealed record CohortRow(DateOnly Start, string? Group, int Size, int[] Retained);

/// <summary>
/// Retention by cohort. A customer joins the cohort of the (tenant-local) week — Monday to Sunday — or calendar month
/// of their join instant; they are retained in period k (k = 0 is the joining period) when they have at least one
/// activity event in that period. Periods that have not ended by <c>now</c> still count what happened so far; periods
/// that have not started are left out (the row is shorter).
/// </summary>
public static class Cohorts
{
    public static DateOnly PeriodStart(DateOnly day, CohortPeriod period) => period == CohortPeriod.Week
        ? day.AddDays(-(((int)day.DayOfWeek + 6) % 7))
        : new DateOnly(day.Year, day.Month, 1);

    public static DateOnly Next(DateOnly start, CohortPeriod period, int k = 1) => period == CohortPeriod.Week ? start.AddDays(7 * k) : start.AddMonths(k);

    /// <param name="members">Each customer once: when they joined (UTC ticks) and their group (null when not broken down).</param>
    /// <param name="activity">Activity events (customer, UTC ticks), any order.</param>
    public static IReadOnlyList<CohortRow> Compute(
        IEnumerable<(long Customer, long JoinedTicks, string? Group)> members, IEnumerable<(long Customer, long Ticks)> activity,
        CohortPeriod period, int periods, TimeZoneInfo zone, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(periods, 1);
        var today = DateOnly.FromDayNumber(TenantClock.Today(now, zone));
        var joined = new Dictionary<long, (DateOnly Start, string? Group)>();
        foreach (var (customer, ticks, group) in members)
        {
            joined[customer] = (PeriodStart(DateOnly.FromDayNumber(Comparisons.LocalDay(ticks, zone)), period), group);
        }
        // Per customer, the periods (offsets from their cohort) with activity.
        var active = new Dictionary<long, HashSet<int>>();
        foreach (var (customer, ticks) in activity)
        {
            if (!joined.TryGetValue(customer, out var j))
            {
                continue;
            }
            var day = DateOnly.FromDayNumber(Comparisons.LocalDay(ticks, zone));
            var k = Offset(j.Start, PeriodStart(day, period), period);
            if (k >= 0 && k < periods)
            {
                if (!active.TryGetValue(customer, out var set))
                {
                    active[customer] = set = [];
                }
                set.Add(k);
            }
        }
        var rows = new List<CohortRow>();
        foreach (var cohort in joined.GroupBy(j => (j.Value.Start, j.Value.Group)).OrderBy(g => g.Key.Start).ThenBy(g => g.Key.Group, StringComparer.Ordinal))
        {
            var started = 0;
            while (started < periods && Next(cohort.Key.Start, period, started) <= today)
            {
                started++;
            }
            var retained = new int[started];
            foreach (var (customer, _) in cohort)
            {
                if (active.TryGetValue(customer, out var set))
                {
                    foreach (var k in set)
                    {
                        if (k < started)
                        {
                            retained[k]++;
                        }
                    }
                }
            }
            rows.Add(new CohortRow(cohort.Key.Start, cohort.Key.Group, cohort.Count(), retained));
        }
        return rows;
    }

    private static int Offset(DateOnly cohort, DateOnly activity, CohortPeriod period) => period == CohortPeriod.Week
        ? (activity.DayNumber - cohort.DayNumber) / 7 // both are Mondays
        : (activity.Year - cohort.Year) * 12 + activity.Month - cohort.Month;
}
