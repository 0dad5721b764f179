using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Customers;
using Siyu.Core.Events;
using Siyu.Core.Stores;
using Siyu.Server.Compliance;
using Siyu.Server.Data;
using Siyu.Server.Ingest;

namespace Siyu.Server.Stores;

public sealed record StoreInput(
    string? Code, string? Name, string? City, string? Address, double? Latitude, double? Longitude, double? ServiceRadiusKm, string? Status,
    string? OpensAt, string? ClosesAt, IReadOnlyList<string?>? StaffUserIds, long? ChannelCodeId);

public sealed record StoreView(
    long Id, string Code, string Name, string City, string? Address, double Latitude, double Longitude, double ServiceRadiusKm, string Status,
    string? OpensAt, string? ClosesAt, bool OpenNow, IReadOnlyList<string> StaffUserids, long? ChannelCodeId, DateTimeOffset UpdatedAt);

public sealed record NearbyStore(StoreView Store, double DistanceKm);

/// <summary>Where a customer was sent: the store, how it was chosen, and the store's QR code to add its staff.</summary>
public sealed record RouteAnswer(
    string Via, StoreView? Store, double? DistanceKm, string? QrCode, IReadOnlyList<string> StaffUserids, bool LocationStored, string? LocationIgnored);

/// <summary>
/// Stores and LBS routing (门店活码). A k-d tree over the tenant's stores (<see cref="StoreIndex"/>) is built on first
/// use and rebuilt after any change; opening hours are checked at question time. Routing uses a customer's precise
/// location only with location consent (PIPL: sensitive personal information): then the position is recorded as a
/// <c>location.reported</c> event (durable before the answer) for "within N km of store X" audiences; without consent
/// the coordinates are neither used nor stored and the customer's chosen city decides.
/// </summary>
public sealed class StoreService(
    IDbContextFactory<SiyuDb> dbs, IngestWriter writer, Customers.CustomerReader reader, Audiences.ConditionCatalogs catalogs, TimeProvider time)
{
    public const int MaxImport = 10_000;
    public static readonly TimeSpan LocalZone = TimeSpan.FromHours(8);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly ConcurrentDictionary<int, Snapshot> _snapshots = new();

    private sealed record Snapshot(StoreIndex Index, Dictionary<long, StoreRow> Rows, Dictionary<string, List<StoreRow>> ByCity);

    // ---- validation ----

    /// <summary>The errors of one store's fields, paths prefixed with <paramref name="at"/> ("" or "stores[3].").</summary>
    public static List<FieldError> Validate(StoreInput s, string at = "")
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(s.Code) || s.Code.Trim().Length > 32)
        {
            errors.Add(new(at + "code", "Required: the store code, 1 to 32 characters (unique; imports update by it)."));
        }
        if (string.IsNullOrWhiteSpace(s.Name) || s.Name.Trim().Length > 60)
        {
            errors.Add(new(at + "name", "Required: 1 to 60 characters."));
        }
        if (string.IsNullOrWhiteSpace(s.City) || s.City.Trim().Length > 30)
        {
            errors.Add(new(at + "city", "Required: the city (as customers choose it, e.g. 上海), 1 to 30 characters."));
        }
        if (s.Address is { Length: > 200 })
        {
            errors.Add(new(at + "address", "At most 200 characters."));
        }
        if (s.Latitude is not (>= -90 and <= 90))
        {
            errors.Add(new(at + "latitude", "Required: WGS-84 latitude in degrees, -90 to 90."));
        }
        if (s.Longitude is not (>= -180 and <= 180))
        {
            errors.Add(new(at + "longitude", "Required: WGS-84 longitude in degrees, -180 to 180."));
        }
        if (s.ServiceRadiusKm is not (> 0 and <= 100))
        {
            errors.Add(new(at + "service_radius_km", "Required: how far the store serves, above 0 and at most 100 km."));
        }
        if (s.Status is not (null or "open" or "closed"))
        {
            errors.Add(new(at + "status", "One of open, closed."));
        }
        if ((s.OpensAt is null) != (s.ClosesAt is null))
        {
            errors.Add(new(at + (s.OpensAt is null ? "opens_at" : "closes_at"), "Give both opening and closing time, or neither (always open)."));
        }
        if (s.OpensAt is not null && OpeningHours.Parse(s.OpensAt) is null)
        {
            errors.Add(new(at + "opens_at", "A time of day HH:mm (China time), e.g. 10:00."));
        }
        if (s.ClosesAt is not null && OpeningHours.Parse(s.ClosesAt) is null)
        {
            errors.Add(new(at + "closes_at", "A time of day HH:mm (China time), e.g. 22:00; before opens_at means open past midnight."));
        }
        for (var i = 0; i < (s.StaffUserIds?.Count ?? 0); i++)
        {
            if (s.StaffUserIds![i] is not { Length: > 0 and <= 64 })
            {
                errors.Add(new($"{at}staff_userids[{i}]", "A WeCom userid, 1 to 64 characters."));
            }
        }
        return errors;
    }

    /// <summary>Checks the channel codes the stores name, with one query for the whole batch; <paramref name="at"/> gives row i's path prefix.</summary>
    public async Task<List<FieldError>> ValidateReferencesAsync(int tenantId, IReadOnlyList<StoreInput> stores, Func<int, string> at)
    {
        var wanted = stores.Where(s => s.ChannelCodeId is not null).Select(s => s.ChannelCodeId!.Value).Distinct().ToList();
        if (wanted.Count == 0)
        {
            return [];
        }
        await using var db = await dbs.CreateDbContextAsync();
        var found = (await db.ChannelCodes.AsNoTracking().Where(c => c.TenantId == tenantId && wanted.Contains(c.Id) && c.DeletedAtTicks == null)
            .Select(c => c.Id).ToListAsync()).ToHashSet();
        return [.. stores.Select((s, i) => (s, i)).Where(x => x.s.ChannelCodeId is { } id && !found.Contains(id))
            .Select(x => new FieldError(at(x.i) + "channel_code_id", "No channel code with this id."))];
    }

    private static void Fill(StoreRow row, StoreInput s)
    {
        row.Code = s.Code!.Trim();
        row.Name = s.Name!.Trim();
        row.City = s.City!.Trim();
        row.Address = s.Address?.Trim();
        row.Latitude = s.Latitude!.Value;
        row.Longitude = s.Longitude!.Value;
        row.ServiceRadiusKm = s.ServiceRadiusKm!.Value;
        row.Status = s.Status ?? "open";
        row.OpensAtMinute = OpeningHours.Parse(s.OpensAt);
        row.ClosesAtMinute = OpeningHours.Parse(s.ClosesAt);
        row.StaffUserIds = JsonSerializer.Serialize(s.StaffUserIds?.Select(u => u!.Trim()).Distinct().ToList() ?? [], Json);
        row.ChannelCodeId = s.ChannelCodeId;
    }

    // ---- changes ----

    /// <summary>Creates the store, or null with a conflict when the code is taken.</summary>
    public async Task<StoreView?> CreateAsync(int tenantId, string actor, StoreInput input)
    {
        var now = time.GetUtcNow();
        await using var db = await dbs.CreateDbContextAsync();
        if (await db.Stores.AnyAsync(s => s.TenantId == tenantId && s.Code == input.Code!.Trim()))
        {
            return null;
        }
        var row = new StoreRow { TenantId = tenantId, CreatedAtTicks = now.UtcTicks, UpdatedAtTicks = now.UtcTicks };
        Fill(row, input);
        db.Stores.Add(row);
        AuditLog.Record(db, tenantId, now.UtcTicks, actor, "store.create", target: $"store:{row.Code}", detail: row.Name);
        await db.SaveChangesAsync();
        Changed(tenantId);
        return View(row, now);
    }

    public async Task<(StoreView? View, bool CodeTaken)> UpdateAsync(int tenantId, long id, string actor, StoreInput input)
    {
        var now = time.GetUtcNow();
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.Stores.FirstOrDefaultAsync(s => s.TenantId == tenantId && s.Id == id && s.DeletedAtTicks == null);
        if (row is null)
        {
            return (null, false);
        }
        if (await db.Stores.AnyAsync(s => s.TenantId == tenantId && s.Code == input.Code!.Trim() && s.Id != id))
        {
            return (null, true);
        }
        Fill(row, input);
        row.UpdatedAtTicks = now.UtcTicks;
        AuditLog.Record(db, tenantId, now.UtcTicks, actor, "store.update", target: $"store:{row.Code}", detail: row.Name);
        await db.SaveChangesAsync();
        Changed(tenantId);
        return (View(row, now), false);
    }

    /// <summary>Soft-deletes; the code is freed (renamed to ~id), so a later import with it creates a new store.</summary>
    public async Task<bool> DeleteAsync(int tenantId, long id, string actor)
    {
        var now = time.GetUtcNow();
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.Stores.FirstOrDefaultAsync(s => s.TenantId == tenantId && s.Id == id && s.DeletedAtTicks == null);
        if (row is null)
        {
            return false;
        }
        row.DeletedAtTicks = now.UtcTicks;
        AuditLog.Record(db, tenantId, now.UtcTicks, actor, "store.delete", target: $"store:{row.Code}", detail: row.Name);
        row.Code = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"~{row.Id}");
        await db.SaveChangesAsync();
        Changed(tenantId);
        return true;
    }

    /// <summary>Upserts by code, all in one transaction (already validated). Answers (created, updated).</summary>
    public async Task<(int Created, int Updated)> ImportAsync(int tenantId, string actor, IReadOnlyList<StoreInput> stores)
    {
        var now = time.GetUtcNow();
        await using var db = await dbs.CreateDbContextAsync();
        var existing = await db.Stores.Where(s => s.TenantId == tenantId && s.DeletedAtTicks == null).ToDictionaryAsync(s => s.Code, StringComparer.Ordinal);
        var (created, updated) = (0, 0);
        foreach (var input in stores)
        {
            if (!existing.TryGetValue(input.Code!.Trim(), out var row))
            {
                row = new StoreRow { TenantId = tenantId, CreatedAtTicks = now.UtcTicks };
                db.Stores.Add(row);
                existing[input.Code.Trim()] = row;
                created++;
            }
            else
            {
                updated++;
            }
            Fill(row, input);
            row.UpdatedAtTicks = now.UtcTicks;
        }
        AuditLog.Record(db, tenantId, now.UtcTicks, actor, "store.import", detail: $"{created} created, {updated} updated");
        await db.SaveChangesAsync();
        Changed(tenantId);
        return (created, updated);
    }

    private void Changed(int tenantId)
    {
        _snapshots.TryRemove(tenantId, out _);
        catalogs.Invalidate(tenantId); // near_store conditions resolve store positions at parse time
    }

    // ---- reading ----

    private async Task<Snapshot> SnapshotAsync(int tenantId)
    {
        if (_snapshots.TryGetValue(tenantId, out var snapshot))
        {
            return snapshot;
        }
        await using var db = await dbs.CreateDbContextAsync();
        var rows = await db.Stores.AsNoTracking().Where(s => s.TenantId == tenantId && s.DeletedAtTicks == null).ToListAsync();
        snapshot = new Snapshot(
            new StoreIndex(rows.Select(r => new StoreLocation(r.Id, new GeoPoint(r.Latitude, r.Longitude), r.ServiceRadiusKm, r.Status == "open"))),
            rows.ToDictionary(r => r.Id),
            rows.GroupBy(r => r.City, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.OrderBy(r => r.Id).ToList(), StringComparer.Ordinal));
        return _snapshots.GetOrAdd(tenantId, snapshot);
    }

    public async Task<IReadOnlyList<StoreView>> ListAsync(int tenantId, string? city)
    {
        var snapshot = await SnapshotAsync(tenantId);
        var now = time.GetUtcNow();
        return [.. snapshot.Rows.Values.Where(r => city is null || r.City == city).OrderBy(r => r.Code, StringComparer.Ordinal).Select(r => View(r, now))];
    }

    public async Task<StoreView?> GetAsync(int tenantId, long id) =>
        (await SnapshotAsync(tenantId)).Rows.TryGetValue(id, out var row) ? View(row, time.GetUtcNow()) : null;

    /// <summary>Open stores nearest first within <paramref name="maxKm"/> (a store locator; nothing about the caller is kept).</summary>
    public async Task<IReadOnlyList<NearbyStore>> NearestAsync(int tenantId, GeoPoint point, double maxKm, int limit)
    {
        var snapshot = await SnapshotAsync(tenantId);
        var now = time.GetUtcNow();
        return [.. snapshot.Index.NearestFirst(point, maxKm).Select(h => snapshot.Rows[h.Store.Id]).Where(r => IsOpen(r, now)).Take(limit)
            .Select(r => new NearbyStore(View(r, now), Math.Round(new GeoPoint(r.Latitude, r.Longitude).DistanceKm(point), 3)))];
    }

    /// <summary>
    /// Routes a customer (门店活码): with location consent and coordinates, records the location and answers the nearest
    /// open store whose radius covers it; otherwise an open store of the chosen city (the request's, else the customer's
    /// <c>city</c> attribute). Null when the customer does not exist. The console's tester passes
    /// <paramref name="recordLocation"/> false: a trial position must not become the customer's location.
    /// </summary>
    public async Task<RouteAnswer?> RouteAsync(int tenantId, long customerId, GeoPoint? point, string? city, bool recordLocation = true)
    {
        if (await reader.GetAsync(tenantId, customerId) is not { } detail)
        {
            return null;
        }
        var profile = detail.Profile;
        var consent = profile.AllowsDataUse(ConsentScopes.Location);
        var now = time.GetUtcNow();
        var snapshot = await SnapshotAsync(tenantId);
        string? ignored = null;
        var stored = false;
        if (point is { } at)
        {
            if (!consent)
            {
                ignored = "no_location_consent";
            }
            else if (recordLocation)
            {
                // Durable before the answer: the location is what "within N km of store X" audiences read.
                await writer.AppendAsync(tenantId, [new IncomingEvent($"location:{profile.Id}:{now.UtcTicks}", EventTypes.LocationReported, now, [], profile.Id,
                    new JsonObject { ["lat"] = at.Latitude, ["lng"] = at.Longitude, ["source"] = "store_route" }, null, "siyu")]);
                stored = true;
            }
            if (consent)
            {
                if (snapshot.Index.NearestServing(at, s => IsOpen(snapshot.Rows[s.Id], now)) is { } hit)
                {
                    return await AnswerAsync(RouteVia.Location, snapshot.Rows[hit.Store.Id], Math.Round(hit.DistanceKm, 3), stored, null, now);
                }
            }
        }
        var chosen = city?.Trim() is { Length: > 0 } c ? c : CityOf(profile.AttributesJson);
        if (chosen is not null && snapshot.ByCity.TryGetValue(chosen, out var ofCity)
            && CityRouting.Pick([.. ofCity.Where(r => IsOpen(r, now))], profile.Id) is { } store)
        {
            return await AnswerAsync(RouteVia.City, store, null, stored, ignored, now);
        }
        return new RouteAnswer(RouteVia.None, null, null, null, [], stored, ignored);
    }

    private async Task<RouteAnswer> AnswerAsync(string via, StoreRow row, double? km, bool stored, string? ignored, DateTimeOffset now)
    {
        string? qr = null;
        if (row.ChannelCodeId is { } channel)
        {
            await using var db = await dbs.CreateDbContextAsync();
            qr = await db.ChannelCodes.AsNoTracking().Where(c => c.Id == channel && c.DeletedAtTicks == null).Select(c => c.QrCode).FirstOrDefaultAsync();
        }
        var view = View(row, now);
        return new RouteAnswer(via, view, km, qr, view.StaffUserids, stored, ignored);
    }

    private static string? CityOf(string attributesJson) =>
        JsonNode.Parse(attributesJson)?["city"] is JsonValue v && v.TryGetValue<string>(out var c) && c.Trim().Length > 0 ? c.Trim() : null;

    private static bool IsOpen(StoreRow r, DateTimeOffset now)
    {
        var local = now.ToOffset(LocalZone);
        return r.Status == "open" && OpeningHours.IsOpen(r.OpensAtMinute, r.ClosesAtMinute, local.Hour * 60 + local.Minute);
    }

    private static StoreView View(StoreRow r, DateTimeOffset now) => new(
        r.Id, r.Code, r.Name, r.City, r.Address, r.Latitude, r.Longitude, r.ServiceRadiusKm, r.Status,
        r.OpensAtMinute is { } o ? OpeningHours.Format(o) : null, r.ClosesAtMinute is { } c ? OpeningHours.Format(c) : null, IsOpen(r, now),
        JsonSerializer.Deserialize<List<string>>(r.StaffUserIds, Json) ?? [], r.ChannelCodeId, new DateTimeOffset(r.UpdatedAtTicks, TimeSpan.Zero));

    /// <summary>Stores for condition catalogs (near_store).</summary>
    public static Dictionary<long, Core.Audiences.Conditions.StoreInfo> CatalogStores(SiyuDb db, int tenantId) =>
        db.Stores.AsNoTracking().Where(s => s.TenantId == tenantId && s.DeletedAtTicks == null)
            .Select(s => new { s.Id, s.Name, s.Latitude, s.Longitude, s.City }).AsEnumerable()
            .ToDictionary(s => s.Id, s => new Core.Audiences.Conditions.StoreInfo(s.Id, s.Name, new GeoPoint(s.Latitude, s.Longitude), s.City));
}
