using System.Globalization;
using Siyu.Core.Events;

namespace Siyu.Core.Compliance;

/// <summary>
/// Filters of the audit log list and export. <c>action</c> matches the action or any under it (<c>mass_send</c> finds
/// <c>mass_send.create</c>); <c>actor</c> matches exactly; <c>from</c> (inclusive) and <c>to</c> (exclusive) are
/// RFC 3339 date-times, or dates taken as the tenant's local days (<c>to</c> a date includes that whole day);
/// <c>before_id</c> pages backwards (newest first); <c>limit</c> 1–500, default 100.
/// </summary>
public sealed record AuditFilter(string? Action, string? Actor, long? FromTicks, long? ToTicks, long? BeforeId, int Limit)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    public static (AuditFilter? Filter, IReadOnlyList<FieldError> Errors) Parse(
        string? action, string? actor, string? from, string? to, string? beforeId, string? limit, TimeZoneInfo zone)
    {
        var errors = new List<FieldError>();
        action = Blank(action);
        actor = Blank(actor);
        if (action is { Length: > 64 })
        {
            errors.Add(new FieldError("action", "At most 64 characters."));
        }
        if (actor is { Length: > 64 })
        {
            errors.Add(new FieldError("actor", "At most 64 characters."));
        }
        var fromTicks = Time("from", Blank(from), zone, endOfDay: false, errors);
        var toTicks = Time("to", Blank(to), zone, endOfDay: true, errors);
        if (fromTicks is { } f && toTicks is { } t && f >= t)
        {
            errors.Add(new FieldError("to", "Must be after from."));
        }
        long? before = null;
        if (Blank(beforeId) is { } b)
        {
            if (long.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0)
            {
                before = id;
            }
            else
            {
                errors.Add(new FieldError("before_id", "A positive entry id."));
            }
        }
        var take = DefaultLimit;
        if (Blank(limit) is { } l && !(int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out take) && take is >= 1 and <= MaxLimit))
        {
            errors.Add(new FieldError("limit", $"A whole number from 1 to {MaxLimit}."));
        }
        return errors.Count > 0 ? (null, errors) : (new AuditFilter(action, actor, fromTicks, toTicks, before, take), errors);
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static long? Time(string field, string? value, TimeZoneInfo zone, bool endOfDay, List<FieldError> errors)
    {
        if (value is null)
        {
            return null;
        }
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            var local = (endOfDay ? day.AddDays(1) : day).ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
            return TimeZoneInfo.ConvertTimeToUtc(local, zone).Ticks;
        }
        if (value.Contains('T', StringComparison.Ordinal)
            && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return at.UtcTicks;
        }
        errors.Add(new FieldError(field, "A date (2026-12-01) or an RFC 3339 date-time (2026-12-01T08:00:00+08:00)."));
        return null;
    }
}
