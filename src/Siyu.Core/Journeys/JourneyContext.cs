using Siyu.Core.Audiences.Conditions;
using Siyu.Core.Audiences.Engine;
using Siyu.Core.Customers;

namespace Siyu.Core.Journeys;

/// <summary>What the runner needs to know about one customer and the tenant while it advances an instance.</summary>
public interface IJourneyContext
{
    TimeZoneInfo Zone { get; }

    /// <summary>Today in the tenant's zone, as a <see cref="DateOnly.DayNumber"/> (conditions are day-granular).</summary>
    int Today { get; }

    /// <summary>Whether the customer matches a branch condition now.</summary>
    bool Matches(Condition condition);

    /// <summary>A date attribute of the customer as a local date, or null when it is not set or not a date.</summary>
    DateOnly? DateAttribute(string name);
}

/// <summary>The context straight from a <see cref="CustomerProfile"/>, evaluated by <see cref="ProfileEvaluator"/>.</summary>
public sealed class ProfileJourneyContext : IJourneyContext
{
    private readonly CustomerProfile _profile;
    private readonly ProfileEvaluator _evaluator;

    public ProfileJourneyContext(CustomerProfile profile, TimeZoneInfo zone, DateTimeOffset now)
    {
        _profile = profile;
        Zone = zone;
        Today = TenantClock.Today(now, zone);
        _evaluator = new ProfileEvaluator(zone, Today);
    }

    public TimeZoneInfo Zone { get; }

    public int Today { get; }

    public bool Matches(Condition condition) => _evaluator.Matches(condition.Root, _profile);

    /// <summary>
    /// A date attribute, or one of the dates the profile keeps itself: <c>last_order_at</c>, <c>first_order_at</c>,
    /// <c>last_seen_at</c>, <c>first_seen_at</c> ("day 85 after the last purchase"), <c>purchase_due_at</c> ("5 days
    /// before the purchase cycle is up"), as local dates in the tenant's zone.
    /// </summary>
    public DateOnly? DateAttribute(string name)
    {
        if (_profile.Attributes.TryGetValue(name, out var value))
        {
            return Comparisons.AsDay(value.Value, Zone) is var day && day != Comparisons.NoDay ? DateOnly.FromDayNumber(day) : null;
        }
        var ticks = BuiltInDateTicks(_profile, name);
        return ticks > 0 && ticks != long.MaxValue ? DateOnly.FromDayNumber(Comparisons.LocalDay(ticks, Zone)) : null;
    }

    /// <summary>Names of the profile's own dates that journeys can be relative to.</summary>
    public static readonly IReadOnlySet<string> BuiltInDates = new HashSet<string>(StringComparer.Ordinal) { "last_order_at", "first_order_at", "last_seen_at", "first_seen_at", PurchaseDueAt };

    /// <summary>The next date the customer is expected to buy again (their categories' purchase cycles): "remind 5 days before".</summary>
    public const string PurchaseDueAt = "purchase_due_at";

    private static long BuiltInDateTicks(CustomerProfile profile, string name) => name switch
    {
        "last_order_at" => profile.LastOrderTicks,
        "first_order_at" => profile.FirstOrderTicks,
        "last_seen_at" => profile.LastSeenTicks,
        "first_seen_at" => profile.FirstSeenTicks,
        PurchaseDueAt => profile.PurchaseDueTicks,
        _ => 0,
    };
}
