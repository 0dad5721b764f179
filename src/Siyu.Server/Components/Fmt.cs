using System.Globalization;

namespace Siyu.Server.Components;

/// <summary>Display helpers: times are shown in China Standard Time (the tenant default).</summary>
public static class Fmt
{
    private static readonly TimeZoneInfo China = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    public static string Date(long utcTicks) => utcTicks is 0 or long.MaxValue ? "—" : Local(utcTicks).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string DateTime(long utcTicks) => utcTicks is 0 or long.MaxValue ? "—" : Local(utcTicks).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    private static DateTimeOffset Local(long utcTicks) => TimeZoneInfo.ConvertTime(new DateTimeOffset(utcTicks, TimeSpan.Zero), China);
}
