using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Siyu.Core.Audiences.Conditions;

/// <summary>
/// How a stored value is read as text, number or date, and how one value compares with an operand. Both
/// evaluators (the bitset engine and the per-customer explainer) use these, so they agree on every edge.
/// </summary>
public static class Comparisons
{
    public static string? AsText(JsonNode? node) => node switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.ToJsonString(),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValueKind() == JsonValueKind.True ? "true" : "false",
        _ => null,
    };

    public static double AsNumber(JsonNode? node) => node switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture),
        JsonValue v when v.GetValueKind() == JsonValueKind.String
            && double.TryParse(v.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) => d,
        _ => double.NaN,
    };

    /// <summary>A date attribute as a local day number: "2026-03-01", or an ISO timestamp converted to the tenant's zone.</summary>
    public static int AsDay(JsonNode? node, TimeZoneInfo zone)
    {
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
        {
            return NoDay;
        }
        var s = v.GetValue<string>();
        if (DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date.DayNumber;
        }
        return s.Length > 10 && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? LocalDay(at.UtcTicks, zone)
            : NoDay;
    }

    public const int NoDay = int.MinValue;

    public static int LocalDay(long utcTicks, TimeZoneInfo zone) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(new DateTime(utcTicks, DateTimeKind.Utc), zone)).DayNumber;

    public static bool Number(CompareOp op, Operand operand, double value)
    {
        if (double.IsNaN(value))
        {
            return op == CompareOp.NotSet;
        }
        return op switch
        {
            CompareOp.IsSet => true,
            CompareOp.NotSet => false,
            CompareOp.Eq => value == operand.Numbers[0],
            CompareOp.Neq => value != operand.Numbers[0],
            CompareOp.In => operand.Numbers.Contains(value),
            CompareOp.Between => value >= operand.Numbers[0] && value <= operand.Numbers[1],
            CompareOp.Gt => value > operand.Numbers[0],
            CompareOp.Gte => value >= operand.Numbers[0],
            CompareOp.Lt => value < operand.Numbers[0],
            CompareOp.Lte => value <= operand.Numbers[0],
            _ => false,
        };
    }

    public static bool Text(CompareOp op, Operand operand, string? value)
    {
        if (value is null)
        {
            return op == CompareOp.NotSet;
        }
        return op switch
        {
            CompareOp.IsSet => true,
            CompareOp.NotSet => false,
            CompareOp.Eq => string.Equals(value, operand.Texts[0], StringComparison.Ordinal),
            CompareOp.Neq => !string.Equals(value, operand.Texts[0], StringComparison.Ordinal),
            CompareOp.In => operand.Texts.Contains(value, StringComparer.Ordinal),
            CompareOp.Contains => value.Contains(operand.Texts[0], StringComparison.OrdinalIgnoreCase),
            _ => false,
        };
    }

    public static bool Day(CompareOp op, Operand operand, int day, int today)
    {
        if (day == NoDay)
        {
            return op == CompareOp.NotSet;
        }
        return op switch
        {
            CompareOp.WithinNextDays => day >= today && day <= today + operand.Days,
            CompareOp.WithinLastDays => day <= today && day >= today - operand.Days,
            CompareOp.AnniversaryWithinNextDays => AnniversaryWithin(day, today, operand.Days),
            _ => Number(op, operand, day),
        };
    }

    /// <summary>Whether the month and day of <paramref name="day"/> come up in [today, today + days]; 29 Feb falls on 28 Feb in other years.</summary>
    public static bool AnniversaryWithin(int day, int today, int days)
    {
        var date = DateOnly.FromDayNumber(day);
        for (var k = 0; k <= Math.Min(days, 366); k++)
        {
            var candidate = DateOnly.FromDayNumber(today + k);
            if (candidate.Month == date.Month && (candidate.Day == date.Day
                || (date.Month == 2 && date.Day == 29 && candidate.Day == 28 && !DateTime.IsLeapYear(candidate.Year))))
            {
                return true;
            }
        }
        return false;
    }
}
