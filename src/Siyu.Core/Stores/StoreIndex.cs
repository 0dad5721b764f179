namespace Siyu.Core.Stores;

/// <summary>A store as routing sees it: where it is, how far it serves, and whether it is open now.</summary>
public sealed record StoreLocation(long Id, GeoPoint Position, double ServiceRadiusKm, bool Open = true);

/// <summary>A store found for a point, with the distance to it.</summary>
public readonly record struct StoreHit(StoreLocation Store, double DistanceKm);

/// <summary>
/// Spatial index over stores for LBS routing (门店活码, "customers within 3 km of store X"). Positions become unit
/// vectors on the sphere, where straight-line distance orders points exactly as great-circle distance does, so a plain
/// 3-d k-d tree answers nearest-first and radius queries without the pole and date-line special cases a lat/lng grid
/// has. Immutable: build a new index when the store list changes (10,000 stores build in milliseconds).
/// </summary>
public sealed class StoreIndex
{
    private readonly StoreLocation[] _stores;
    private readonly double[] _x, _y, _z;
    private readonly int[] _order; // k-d tree in implicit form: node i covers _order[lo..hi), median at the middle
    private readonly double _maxRadiusKm;

    public StoreIndex(IEnumerable<StoreLocation> stores)
    {
        _stores = [.. stores];
        foreach (var s in _stores)
        {
            if (!s.Position.IsValid || s.ServiceRadiusKm < 0 || double.IsNaN(s.ServiceRadiusKm))
            {
                throw new ArgumentException($"Store {s.Id}: invalid position or service radius.", nameof(stores));
            }
        }
        _x = new double[_stores.Length];
        _y = new double[_stores.Length];
        _z = new double[_stores.Length];
        for (var i = 0; i < _stores.Length; i++)
        {
            (_x[i], _y[i], _z[i]) = _stores[i].Position.ToUnitVector();
        }
        _maxRadiusKm = _stores.Length == 0 ? 0 : _stores.Max(s => s.ServiceRadiusKm);
        _order = [.. Enumerable.Range(0, _stores.Length)];
        Build(0, _stores.Length, 0);
    }

    public int Count => _stores.Length;

    /// <summary>
    /// The nearest open store whose service radius covers <paramref name="point"/> (门店活码 routing), or null. Searches
    /// nearest-first and stops once stores are farther than the largest radius of any store.
    /// </summary>
    public StoreHit? NearestServing(GeoPoint point) => NearestServing(point, s => s.Open);

    /// <summary>As <see cref="NearestServing(GeoPoint)"/>, with "open" decided now by the caller (opening hours).</summary>
    public StoreHit? NearestServing(GeoPoint point, Func<StoreLocation, bool> isOpen)
    {
        foreach (var hit in NearestFirst(point, _maxRadiusKm))
        {
            if (hit.DistanceKm <= hit.Store.ServiceRadiusKm && isOpen(hit.Store))
            {
                return hit;
            }
        }
        return null;
    }

    /// <summary>Stores within <paramref name="radiusKm"/> of <paramref name="point"/>, nearest first (ties by id).</summary>
    public List<StoreHit> Within(GeoPoint point, double radiusKm) => [.. NearestFirst(point, radiusKm)];

    /// <summary>Stores in increasing distance up to <paramref name="maxKm"/>: a best-first walk of the tree.</summary>
    public IEnumerable<StoreHit> NearestFirst(GeoPoint point, double maxKm = double.PositiveInfinity)
    {
        if (_stores.Length == 0)
        {
            yield break;
        }
        var (px, py, pz) = point.ToUnitVector();
        var maxChord = double.IsPositiveInfinity(maxKm) ? 2.0 : GeoPoint.ChordFor(maxKm);
        // Entries are subtrees (lo, hi, depth) keyed by a lower bound of their distance, or single stores (lo = -1 - index) keyed by their distance.
        var queue = new PriorityQueue<(int Lo, int Hi, int Depth), (double Chord, long Id)>();
        queue.Enqueue((0, _stores.Length, 0), (0, long.MinValue));
        while (queue.TryDequeue(out var item, out var key))
        {
            if (key.Chord > maxChord + 1e-12)
            {
                yield break;
            }
            if (item.Lo < 0)
            {
                var index = -1 - item.Lo;
                var store = _stores[index];
                var km = point.DistanceKm(store.Position);
                if (km <= maxKm)
                {
                    yield return new StoreHit(store, km);
                }
                continue;
            }
            var (lo, hi, depth) = item;
            var mid = (lo + hi) >>> 1;
            var m = _order[mid];
            queue.Enqueue((-1 - m, 0, 0), (Chord(px, py, pz, m), _stores[m].Id));
            var axis = depth % 3;
            var delta = Axis(px, py, pz, axis) - Axis(_x[m], _y[m], _z[m], axis);
            // The near side can hold anything; the far side is at least |delta| away along this axis.
            var nearLower = Math.Max(key.Chord, 0);
            if (delta < 0)
            {
                Push(queue, lo, mid, depth + 1, nearLower);
                Push(queue, mid + 1, hi, depth + 1, Math.Max(nearLower, -delta));
            }
            else
            {
                Push(queue, mid + 1, hi, depth + 1, nearLower);
                Push(queue, lo, mid, depth + 1, Math.Max(nearLower, delta));
            }
        }
    }

    private static void Push(PriorityQueue<(int, int, int), (double, long)> queue, int lo, int hi, int depth, double bound)
    {
        if (lo < hi)
        {
            // Subtrees sort before stores at the same bound (long.MinValue), so a store is never emitted early.
            queue.Enqueue((lo, hi, depth), (bound, long.MinValue));
        }
    }

    private double Chord(double px, double py, double pz, int i)
    {
        var dx = px - _x[i];
        var dy = py - _y[i];
        var dz = pz - _z[i];
        return Math.Sqrt(dx * dx + dy * dy + dz * dz);
    }

    private static double Axis(double x, double y, double z, int axis) => axis switch { 0 => x, 1 => y, _ => z };

    private void Build(int lo, int hi, int depth)
    {
        if (hi - lo <= 1)
        {
            return;
        }
        var axis = depth % 3;
        var mid = (lo + hi) >>> 1;
        var coordinates = axis switch { 0 => _x, 1 => _y, _ => _z };
        // A full sort of the range is simple and fast enough at this size (n log² n to build).
        Array.Sort(_order, lo, hi - lo, Comparer<int>.Create((a, b) => coordinates[a].CompareTo(coordinates[b])));
        Build(lo, mid, depth + 1);
        Build(mid + 1, hi, depth + 1);
    }
}
