using Siyu.Core.Access;
using Siyu.Core.Events;
using Siyu.Core.Stores;
using Siyu.Server.Auth;

namespace Siyu.Server.Stores;

/// <summary>Stores (门店) and LBS routing: the store list for the console, the locator and routing for H5 pages and mini-programs.</summary>
public static class StoresApi
{
    public static IEndpointRouteBuilder MapStoresApi(this IEndpointRouteBuilder api)
    {
        var g = api.MapGroup("/stores").WithTags("Stores");
        g.MapGet("", List).WithName("ListStores").Requires(Permission.CampaignsRead).WithSummary("Stores by code (?city=), with whether each is open now");
        g.MapPost("", Create).WithName("CreateStore").Requires(Permission.CampaignsWrite)
            .WithSummary("{code, name, city, address?, latitude, longitude (WGS-84), service_radius_km, status (open|closed), opens_at?, closes_at? (HH:mm China time), staff_userids[], channel_code_id?}");
        g.MapPost("/import", Import).WithName("ImportStores").Requires(Permission.CampaignsWrite)
            .WithSummary("{stores: [...]} up to 10,000, upserted by code in one transaction; any invalid row rejects the whole import with its path");
        g.MapGet("/{id:long}", Get).WithName("GetStore").Requires(Permission.CampaignsRead).WithSummary("One store");
        g.MapPut("/{id:long}", Update).WithName("UpdateStore").Requires(Permission.CampaignsWrite).WithSummary("Replace a store's fields");
        g.MapDelete("/{id:long}", Delete).WithName("DeleteStore").Requires(Permission.CampaignsWrite).WithSummary("Remove a store (its code is freed)");
        g.MapGet("/nearest", Nearest).WithName("NearestStores").Requires(Permission.CampaignsParticipate)
            .WithSummary("Store locator: open stores nearest first (?lat=&lng=&max_km= (default 50)&limit= (default 5)); nothing about the caller is stored");
        g.MapPost("/route", Route).WithName("RouteToStore").Requires(Permission.CampaignsParticipate)
            .WithSummary("{customer_id, lat?, lng?, city?}: with location consent the nearest open store serving the point (the location is recorded); else an open store of the city; answers the store's QR code and staff");
        return api;
    }

    public sealed record StoreRequest(
        string? Code, string? Name, string? City, string? Address, double? Latitude, double? Longitude, double? ServiceRadiusKm, string? Status,
        string? OpensAt, string? ClosesAt, List<string?>? StaffUserids, long? ChannelCodeId)
    {
        public StoreInput ToInput() => new(Code, Name, City, Address, Latitude, Longitude, ServiceRadiusKm, Status, OpensAt, ClosesAt, StaffUserids, ChannelCodeId);
    }

    public sealed record ImportRequest(List<StoreRequest?>? Stores);
    public sealed record RouteRequest(long? CustomerId, double? Lat, double? Lng, string? City);

    private static async Task<List<FieldError>> ValidateAsync(StoreService service, int tenant, StoreInput input)
    {
        var errors = StoreService.Validate(input);
        if (errors.Count == 0)
        {
            errors.AddRange(await service.ValidateReferencesAsync(tenant, [input], _ => ""));
        }
        return errors;
    }

    private static async Task<IResult> List(HttpContext http, StoreService service, string? city) =>
        TypedResults.Ok(new { items = await service.ListAsync(http.User.TenantId(), city) });

    private static async Task<IResult> Get(HttpContext http, StoreService service, long id) =>
        await service.GetAsync(http.User.TenantId(), id) is { } view ? TypedResults.Ok(view) : Problems.NotFound("store");

    private static async Task<IResult> Create(HttpContext http, StoreService service, StoreRequest body)
    {
        var input = body.ToInput();
        var errors = await ValidateAsync(service, http.User.TenantId(), input);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        return await service.CreateAsync(http.User.TenantId(), http.User.Actor(), input) is { } view
            ? TypedResults.Created($"/api/v1/stores/{view.Id}", view)
            : Problems.Conflict($"A store with code '{input.Code!.Trim()}' exists; update it instead.", "code");
    }

    private static async Task<IResult> Update(HttpContext http, StoreService service, long id, StoreRequest body)
    {
        var input = body.ToInput();
        var errors = await ValidateAsync(service, http.User.TenantId(), input);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        var (view, taken) = await service.UpdateAsync(http.User.TenantId(), id, http.User.Actor(), input);
        return taken ? Problems.Conflict($"Another store has code '{input.Code!.Trim()}'.", "code")
            : view is null ? Problems.NotFound("store") : TypedResults.Ok(view);
    }

    private static async Task<IResult> Delete(HttpContext http, StoreService service, long id) =>
        await service.DeleteAsync(http.User.TenantId(), id, http.User.Actor()) ? TypedResults.NoContent() : Problems.NotFound("store");

    private static async Task<IResult> Import(HttpContext http, StoreService service, ImportRequest body)
    {
        if (body.Stores is not { Count: > 0 and <= StoreService.MaxImport } rows)
        {
            return Problems.Validation("stores", $"Required: 1 to {StoreService.MaxImport:N0} stores.");
        }
        var errors = new List<FieldError>();
        var inputs = new List<StoreInput>(rows.Count);
        var codes = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < rows.Count && errors.Count < 100; i++)
        {
            if (rows[i] is not { } row)
            {
                errors.Add(new($"stores[{i}]", "Expected a store object."));
                continue;
            }
            var input = row.ToInput();
            var rowErrors = StoreService.Validate(input, $"stores[{i}].");
            if (rowErrors.Count == 0 && !codes.Add(input.Code!.Trim()))
            {
                rowErrors.Add(new($"stores[{i}].code", $"Code '{input.Code.Trim()}' appears twice in the import."));
            }
            errors.AddRange(rowErrors);
            inputs.Add(input);
        }
        if (errors.Count == 0)
        {
            errors.AddRange(await service.ValidateReferencesAsync(http.User.TenantId(), inputs, i => $"stores[{i}]."));
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors, "Nothing was imported.");
        }
        var (created, updated) = await service.ImportAsync(http.User.TenantId(), http.User.Actor(), inputs);
        return TypedResults.Ok(new { created, updated });
    }

    private static List<FieldError> Point(double? lat, double? lng, bool required)
    {
        var errors = new List<FieldError>();
        if (lat is null && lng is null && !required)
        {
            return errors;
        }
        if (lat is not (>= -90 and <= 90))
        {
            errors.Add(new("lat", "WGS-84 latitude in degrees, -90 to 90 (give lat and lng together)."));
        }
        if (lng is not (>= -180 and <= 180))
        {
            errors.Add(new("lng", "WGS-84 longitude in degrees, -180 to 180 (give lat and lng together)."));
        }
        return errors;
    }

    private static async Task<IResult> Nearest(HttpContext http, StoreService service, double? lat, double? lng, double? max_km, int? limit)
    {
        var errors = Point(lat, lng, required: true);
        if (max_km is not (null or (> 0 and <= 1000)))
        {
            errors.Add(new("max_km", "Above 0 and at most 1000."));
        }
        if (limit is not (null or (>= 1 and <= 50)))
        {
            errors.Add(new("limit", "1 to 50."));
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        return TypedResults.Ok(new { items = await service.NearestAsync(http.User.TenantId(), new GeoPoint(lat!.Value, lng!.Value), max_km ?? 50, limit ?? 5) });
    }

    private static async Task<IResult> Route(HttpContext http, StoreService service, RouteRequest body)
    {
        var errors = Point(body.Lat, body.Lng, required: false);
        if (body.CustomerId is not > 0)
        {
            errors.Add(new("customer_id", "Required: the customer to route."));
        }
        if (body.City is { Length: > 30 })
        {
            errors.Add(new("city", "At most 30 characters."));
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        GeoPoint? point = body.Lat is { } la && body.Lng is { } ln ? new GeoPoint(la, ln) : null;
        return await service.RouteAsync(http.User.TenantId(), body.CustomerId!.Value, point, body.City) is { } answer
            ? TypedResults.Ok(answer)
            : Problems.Validation("customer_id", "No customer with this id.");
    }
}
