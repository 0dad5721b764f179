using System.Globalization;
using System.Text.Json.Serialization;
using Siyu.Core.Events;

namespace Siyu.Core.Delivery;

/// <summary>
/// A tenant's delivery settings as the console and API send them (JSON, snake_case). Check with <see cref="Validate"/>
/// at the edge; <see cref="CompiledDeliverySettings.Compile"/> turns valid settings into the engines. The server bumps
/// <see cref="Version"/> on every change: compiled settings are cached by (tenant, version).
/// </summary>
public sealed record TenantDeliverySettings
{
    public const int MaxCaps = 50;
    public const int MaxWordsPerList = 5000;

    [JsonPropertyName("tenant_id")] public required string TenantId { get; init; }

    [JsonPropertyName("version")] public long Version { get; init; }

    /// <summary>IANA (or Windows) time-zone id; local days, weeks and quiet hours are counted in it.</summary>
    [JsonPropertyName("time_zone")] public string TimeZone { get; init; } = "Asia/Shanghai";

    /// <summary><c>general</c>, <c>retail</c>, <c>education</c> or <c>finance</c>: selects the built-in rule packs.</summary>
    [JsonPropertyName("industry")] public string Industry { get; init; } = "general";

    [JsonPropertyName("caps")] public IReadOnlyList<CapSettings>? Caps { get; init; } = [];

    /// <summary>Transactional messages (order, payment, verification) skip the tenant's caps and do not count towards them.</summary>
    [JsonPropertyName("caps_exempt_transactional")] public bool CapsExemptTransactional { get; init; } = true;

    /// <summary>Defaults to 21:00–08:00 every day; null means no quiet hours.</summary>
    [JsonPropertyName("quiet_hours")] public QuietHoursSettings? QuietHours { get; init; } = new();

    [JsonPropertyName("review")] public ReviewSettings? Review { get; init; } = new();

    /// <summary>Every problem, each named by its JSON path (<c>caps[1].per_day</c>, <c>quiet_hours.start</c>); empty when valid.</summary>
    public IReadOnlyList<FieldError> Validate()
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(TenantId))
        {
            errors.Add(new FieldError("tenant_id", "Must not be empty."));
        }
        if (Version < 0)
        {
            errors.Add(new FieldError("version", "Must be 0 or more."));
        }
        if (!TryFindZone(TimeZone, out _))
        {
            errors.Add(new FieldError("time_zone", $"Unknown time zone '{TimeZone}'. Use an IANA id such as Asia/Shanghai."));
        }
        if (!TryParseIndustry(Industry, out _))
        {
            errors.Add(new FieldError("industry", "Must be one of general, retail, education, finance."));
        }
        ValidateCaps(errors);
        QuietHours?.Validate("quiet_hours", errors);
        Review?.Validate("review", errors);
        return errors;
    }

    private void ValidateCaps(List<FieldError> errors)
    {
        var caps = Caps ?? [];
        if (caps.Count > MaxCaps)
        {
            errors.Add(new FieldError("caps", $"At most {MaxCaps} rules."));
        }
        for (var i = 0; i < caps.Count; i++)
        {
            var path = $"caps[{i}]";
            var cap = caps[i];
            if (cap is null)
            {
                errors.Add(new FieldError(path, "Must be an object."));
                continue;
            }
            if (cap.Channel is not null && !DeliveryNames.TryParseChannel(cap.Channel, out _))
            {
                errors.Add(new FieldError($"{path}.channel", $"Unknown channel. Allowed: {string.Join(", ", DeliveryNames.Channels)} (or omit for all)."));
            }
            else if (cap.Channel == "wecom_welcome")
            {
                errors.Add(new FieldError($"{path}.channel", "Welcome messages cannot be capped: the welcome_code expires in about 20 seconds."));
            }
            if (cap.Topic is not null && !DeliveryNames.TryParseTopic(cap.Topic, out _))
            {
                errors.Add(new FieldError($"{path}.topic", $"Unknown topic. Allowed: {string.Join(", ", DeliveryNames.Topics)} (or omit for all)."));
            }
            else if (cap.Topic == "transactional" && CapsExemptTransactional)
            {
                errors.Add(new FieldError($"{path}.topic", "Transactional messages are exempt from caps (caps_exempt_transactional is true)."));
            }
            if (cap.PerDay is null && cap.PerWeek is null)
            {
                errors.Add(new FieldError(path, "Set per_day, per_week or both."));
            }
            if (cap.PerDay < 1)
            {
                errors.Add(new FieldError($"{path}.per_day", "Must be at least 1."));
            }
            if (cap.PerWeek < 1)
            {
                errors.Add(new FieldError($"{path}.per_week", "Must be at least 1."));
            }
            else if (cap.PerWeek < cap.PerDay)
            {
                errors.Add(new FieldError($"{path}.per_week", "Must be at least per_day (a week has seven days)."));
            }
        }
    }

    internal static bool TryFindZone(string? id, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        if (string.IsNullOrWhiteSpace(id))
        {
            return false;
        }
        return TimeZoneInfo.TryFindSystemTimeZoneById(id, out zone!);
    }

    public static bool TryParseIndustry(string? name, out Industry industry)
    {
        (var ok, industry) = name switch
        {
            "general" => (true, Delivery.Industry.General),
            "retail" => (true, Delivery.Industry.Retail),
            "education" => (true, Delivery.Industry.Education),
            "finance" => (true, Delivery.Industry.Finance),
            _ => (false, Delivery.Industry.General),
        };
        return ok;
    }
}

/// <summary>One tenant cap rule; omit channel or topic to count all of them.</summary>
public sealed record CapSettings
{
    [JsonPropertyName("channel")] public string? Channel { get; init; }

    [JsonPropertyName("topic")] public string? Topic { get; init; }

    [JsonPropertyName("per_day")] public int? PerDay { get; init; }

    [JsonPropertyName("per_week")] public int? PerWeek { get; init; }
}

/// <summary>Quiet hours: <c>start</c>/<c>end</c> as "HH:mm" local time for every day, replaced per weekday in <c>weekdays</c>.</summary>
public sealed record QuietHoursSettings
{
    public static readonly IReadOnlyList<string> DayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

    [JsonPropertyName("start")] public string Start { get; init; } = "21:00";

    [JsonPropertyName("end")] public string End { get; init; } = "08:00";

    /// <summary>Per-weekday windows; a window belongs to the day it starts on.</summary>
    [JsonPropertyName("weekdays")] public IReadOnlyList<WeekdayQuietHours>? Weekdays { get; init; } = [];

    /// <summary>Transactional messages go out during quiet hours (an order confirmation is expected at any hour).</summary>
    [JsonPropertyName("bypass_transactional")] public bool BypassTransactional { get; init; } = true;

    internal void Validate(string path, List<FieldError> errors)
    {
        var start = ParseTime(Start, $"{path}.start", errors);
        var end = ParseTime(End, $"{path}.end", errors);
        if (start is not null && start == end)
        {
            errors.Add(new FieldError($"{path}.end", "Must differ from start (use null quiet_hours for none)."));
        }
        var seen = new HashSet<int>();
        var weekdays = Weekdays ?? [];
        for (var i = 0; i < weekdays.Count; i++)
        {
            var p = $"{path}.weekdays[{i}]";
            var w = weekdays[i];
            if (w is null)
            {
                errors.Add(new FieldError(p, "Must be an object."));
                continue;
            }
            var day = IndexOf(w.Day);
            if (day < 0)
            {
                errors.Add(new FieldError($"{p}.day", $"Must be one of {string.Join(", ", DayNames)}."));
            }
            else if (!seen.Add(day))
            {
                errors.Add(new FieldError($"{p}.day", $"{w.Day} is listed twice."));
            }
            if ((w.Start is null) != (w.End is null))
            {
                errors.Add(new FieldError(w.Start is null ? $"{p}.start" : $"{p}.end", "Set both start and end, or neither for no quiet hours that day."));
                continue;
            }
            if (w.Start is null)
            {
                continue;
            }
            var ws = ParseTime(w.Start, $"{p}.start", errors);
            var we = ParseTime(w.End, $"{p}.end", errors);
            if (ws is not null && ws == we)
            {
                errors.Add(new FieldError($"{p}.end", "Must differ from start."));
            }
        }
    }

    internal QuietHours Compile(TimeZoneInfo zone)
    {
        var byDay = new Dictionary<DayOfWeek, QuietWindow?>();
        foreach (var w in Weekdays ?? [])
        {
            byDay[(DayOfWeek)IndexOf(w.Day)] = w.Start is null ? null : new QuietWindow(Parse(w.Start), Parse(w.End!));
        }
        return new QuietHours(zone, new QuietWindow(Parse(Start), Parse(End)), byDay);
    }

    private static int IndexOf(string? day)
    {
        for (var i = 0; i < DayNames.Count; i++)
        {
            if (DayNames[i] == day)
            {
                return i;
            }
        }
        return -1;
    }

    private static TimeOnly? ParseTime(string? value, string path, List<FieldError> errors)
    {
        if (value is not null && value.Length == 5
            && TimeOnly.TryParseExact(value, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var t))
        {
            return t;
        }
        errors.Add(new FieldError(path, "Must be a local time \"HH:mm\" such as 21:00."));
        return null;
    }

    private static TimeOnly Parse(string value) => TimeOnly.ParseExact(value, "HH:mm", CultureInfo.InvariantCulture);
}

/// <summary>The quiet window starting on <see cref="Day"/> (<c>monday</c>…); no start and end means none that day.</summary>
public sealed record WeekdayQuietHours
{
    [JsonPropertyName("day")] public required string Day { get; init; }

    [JsonPropertyName("start")] public string? Start { get; init; }

    [JsonPropertyName("end")] public string? End { get; init; }
}

/// <summary>The tenant's own words on top of the industry packs, and exceptions (allow-list) to any rule.</summary>
public sealed record ReviewSettings
{
    [JsonPropertyName("block")] public IReadOnlyList<string>? Block { get; init; } = [];

    [JsonPropertyName("review")] public IReadOnlyList<string>? Review { get; init; } = [];

    [JsonPropertyName("allow")] public IReadOnlyList<string>? Allow { get; init; } = [];

    internal bool IsEmpty => (Block?.Count ?? 0) == 0 && (Review?.Count ?? 0) == 0 && (Allow?.Count ?? 0) == 0;

    internal void Validate(string path, List<FieldError> errors)
    {
        ValidateList(Block, $"{path}.block", errors);
        ValidateList(Review, $"{path}.review", errors);
        ValidateList(Allow, $"{path}.allow", errors);
    }

    private static void ValidateList(IReadOnlyList<string>? words, string path, List<FieldError> errors)
    {
        if (words is null)
        {
            return;
        }
        if (words.Count > TenantDeliverySettings.MaxWordsPerList)
        {
            errors.Add(new FieldError(path, $"At most {TenantDeliverySettings.MaxWordsPerList} words."));
            return;
        }
        for (var i = 0; i < words.Count; i++)
        {
            if (ContentReview.ValidateWord(words[i]) is { } problem)
            {
                errors.Add(new FieldError($"{path}[{i}]", problem));
            }
        }
    }
}
