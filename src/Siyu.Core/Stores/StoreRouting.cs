namespace Siyu.Core.Stores;

/// <summary>Opening hours as minutes after local midnight; a closing time before the opening time means open overnight.</summary>
public static class OpeningHours
{
    public static bool IsOpen(int? opensAt, int? closesAt, int minuteOfDay)
    {
        if (opensAt is not { } open || closesAt is not { } close || open == close)
        {
            return true; // no hours given (or 24 hours)
        }
        return open < close ? minuteOfDay >= open && minuteOfDay < close : minuteOfDay >= open || minuteOfDay < close;
    }

    /// <summary>"HH:mm" to minutes after midnight, or null when it is not a time of day.</summary>
    public static int? Parse(string? text) =>
        text is { Length: 5 } && text[2] == ':' && int.TryParse(text.AsSpan(0, 2), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var h)
            && int.TryParse(text.AsSpan(3, 2), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var m) && h < 24 && m < 60
            ? h * 60 + m
            : null;

    public static string Format(int minutes) => $"{minutes / 60:D2}:{minutes % 60:D2}";
}

/// <summary>How a customer was routed to a store.</summary>
public static class RouteVia
{
    /// <summary>The nearest open store whose service radius covers the customer's shared location (with consent).</summary>
    public const string Location = "location";
    /// <summary>No usable location: an open store in the city the customer chose.</summary>
    public const string City = "city";
    public const string None = "none";
}

public static class CityRouting
{
    /// <summary>
    /// The store of a city for a customer without a usable location: stable per customer (the same customer always
    /// lands on the same store while the list is unchanged) and spread evenly over the city's open stores.
    /// </summary>
    public static T? Pick<T>(IReadOnlyList<T> openStoresOfCity, long customerId) where T : class =>
        openStoresOfCity.Count == 0 ? null : openStoresOfCity[(int)(Mix((ulong)customerId) % (ulong)openStoresOfCity.Count)];

    // SplitMix64's finaliser: consecutive ids spread over all stores.
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
