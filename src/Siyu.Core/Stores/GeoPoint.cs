namespace Siyu.Core.Stores;

/// <summary>A WGS-84 position in degrees (what WeCom, WeChat and map SDKs report; GCJ-02 offsets are ignored).</summary>
public readonly record struct GeoPoint(double Latitude, double Longitude)
{
    /// <summary>Mean Earth radius (IUGG), km.</summary>
    public const double EarthRadiusKm = 6371.0088;

    public bool IsValid => Latitude is >= -90 and <= 90 && Longitude is >= -180 and <= 180 && !double.IsNaN(Latitude) && !double.IsNaN(Longitude);

    /// <summary>Great-circle distance in km (haversine, exact enough at every range for store routing).</summary>
    public double DistanceKm(GeoPoint other)
    {
        var dLat = DegreesToRadians(other.Latitude - Latitude);
        var dLon = DegreesToRadians(other.Longitude - Longitude);
        var a = Math.Pow(Math.Sin(dLat / 2), 2)
            + Math.Cos(DegreesToRadians(Latitude)) * Math.Cos(DegreesToRadians(other.Latitude)) * Math.Pow(Math.Sin(dLon / 2), 2);
        return 2 * EarthRadiusKm * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }

    /// <summary>The point on the unit sphere: straight-line (chord) distance there grows with great-circle distance.</summary>
    internal (double X, double Y, double Z) ToUnitVector()
    {
        var lat = DegreesToRadians(Latitude);
        var lon = DegreesToRadians(Longitude);
        return (Math.Cos(lat) * Math.Cos(lon), Math.Cos(lat) * Math.Sin(lon), Math.Sin(lat));
    }

    /// <summary>The chord length on the unit sphere for a great-circle distance.</summary>
    internal static double ChordFor(double km) => 2 * Math.Sin(Math.Min(Math.PI, km / EarthRadiusKm) / 2);

    private static double DegreesToRadians(double degrees) => degrees * Math.PI / 180;
}
