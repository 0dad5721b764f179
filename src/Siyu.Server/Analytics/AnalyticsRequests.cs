using System.Globalization;
using System.Text.Json;
using Siyu.Core.Events;

namespace Siyu.Server.Analytics;

/// <summary>Request fields the analytics queries share.</summary>
internal static class AnalyticsRequests
{
    /// <summary>An optional date field "yyyy-MM-dd" (tenant-local day); a bad value is an error at the field.</summary>
    public static DateOnly? Day(JsonElement json, string field, List<FieldError> errors)
    {
        if (!json.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind == JsonValueKind.String && DateOnly.TryParseExact(value.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }
        errors.Add(new FieldError(field, "A date yyyy-MM-dd."));
        return null;
    }

    /// <summary>The same for a query-string value: absent or empty is null, anything but "yyyy-MM-dd" an error at the field.</summary>
    public static DateOnly? Day(string? value, string field, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }
        errors.Add(new FieldError(field, "A date yyyy-MM-dd."));
        return null;
    }
}
