namespace Siyu.Core.Delivery;

/// <summary>Wall-clock helpers: local days and weeks, and turning a local wall time into an instant across DST changes.</summary>
internal static class LocalTime
{
    /// <summary>China Standard Time (UTC+8, no DST since 1991): WeCom counts its limits in Beijing time.</summary>
    public static readonly TimeZoneInfo China = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    public static DateTime WallClock(DateTimeOffset at, TimeZoneInfo zone) =>
        DateTime.SpecifyKind(TimeZoneInfo.ConvertTimeFromUtc(at.UtcDateTime, zone), DateTimeKind.Unspecified);

    public static int Day(long utcTicks, TimeZoneInfo zone) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(new DateTime(utcTicks, DateTimeKind.Utc), zone)).DayNumber;

    /// <summary>The Monday (day number) of the ISO week that contains <paramref name="dayNumber"/>.</summary>
    public static int WeekStart(int dayNumber) => dayNumber - ((int)DateOnly.FromDayNumber(dayNumber).DayOfWeek + 6) % 7;

    /// <summary>
    /// The first instant at which the local wall clock shows <paramref name="wall"/> or later: a wall time skipped by
    /// a spring-forward jump becomes the first valid minute after it; a wall time that occurs twice (fall back) is
    /// its earlier occurrence, or the later one when the earlier is not after <paramref name="after"/>.
    /// </summary>
    public static DateTimeOffset Instant(DateTime wall, TimeZoneInfo zone, DateTimeOffset? after = null)
    {
        wall = DateTime.SpecifyKind(wall, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(wall))
        {
            wall = wall.AddMinutes(1);
        }
        if (zone.IsAmbiguousTime(wall))
        {
            // A larger offset is an earlier instant.
            var offsets = zone.GetAmbiguousTimeOffsets(wall);
            Array.Sort(offsets);
            for (var i = offsets.Length - 1; i >= 0; i--)
            {
                var candidate = new DateTimeOffset(wall, offsets[i]).ToUniversalTime();
                if (after is not { } a || candidate > a || i == 0)
                {
                    return candidate;
                }
            }
        }
        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(wall, zone), TimeSpan.Zero);
    }

    /// <summary>The instant local day <paramref name="dayNumber"/> begins.</summary>
    public static DateTimeOffset DayStart(int dayNumber, TimeZoneInfo zone) =>
        Instant(DateOnly.FromDayNumber(dayNumber).ToDateTime(TimeOnly.MinValue), zone);

    public static string Format(DateTimeOffset at, TimeZoneInfo zone) =>
        WallClock(at, zone).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);
}
