namespace Siyu.Core.Audiences.Conditions;

/// <summary>
/// Conditions are day-granular in the tenant's zone ("last 30 days" = local days today−29..today), so answers only
/// change with events or at local midnight; that is when time-relative rules are re-evaluated.
/// </summary>
public static class TenantClock
{
    public static int Today(DateTimeOffset now, TimeZoneInfo zone) => Comparisons.LocalDay(now.UtcTicks, zone);

    /// <summary>The next instant at which the local date changes (DST-safe: found by conversion, not by adding 24 h).</summary>
    public static DateTimeOffset NextMidnight(DateTimeOffset now, TimeZoneInfo zone)
    {
        var tomorrow = DateOnly.FromDayNumber(Today(now, zone) + 1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        // A local midnight skipped by a DST jump does not exist; the day then starts at the first valid minute.
        while (zone.IsInvalidTime(tomorrow))
        {
            tomorrow = tomorrow.AddMinutes(1);
        }
        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(tomorrow, zone), TimeSpan.Zero);
    }
}
