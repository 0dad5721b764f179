using Microsoft.EntityFrameworkCore;
using Siyu.Server.Auth;
using Siyu.Server.Data;
using Siyu.Server.Compliance;

namespace Siyu.Server.Tenants;

/// <summary>Who am I, and per-tenant API keys (the secret is shown once at creation).</summary>
public static class TenantApi
{
    public static RouteGroupBuilder MapTenantApi(this RouteGroupBuilder api)
    {
        api.MapGet("/tenant", Current).WithTags("Tenant").WithName("CurrentTenant").WithSummary("The tenant of the caller's key or session");
        var keys = api.MapGroup("/api-keys").WithTags("Tenant").RequireAuthorization(p => p.RequireRole(Roles.Admin));
        keys.MapGet("/", ListKeys).WithName("ListApiKeys");
        keys.MapPost("/", CreateKey).WithName("CreateApiKey").WithSummary("Create an ingest key; the secret is returned only in this response");
        keys.MapDelete("/{id:int}", RevokeKey).WithName("RevokeApiKey");
        return api;
    }

    private static IResult Current(HttpContext http, TenantDirectory tenants)
    {
        var t = tenants.Get(http.User.TenantId());
        return TypedResults.Ok(new { id = t.Id, slug = t.Slug, name = t.Name, partitions = t.Partitions, time_zone = t.TimeZone, actor = http.User.Actor() });
    }

    private static async Task<IResult> ListKeys(HttpContext http, SiyuDb db)
    {
        var tenant = http.User.TenantId();
        var keys = await db.ApiKeys.AsNoTracking().Where(k => k.TenantId == tenant).OrderBy(k => k.Id)
            .Select(k => new { id = k.Id, name = k.Name, prefix = k.Prefix, created_at_ticks = k.CreatedAtTicks, revoked = k.RevokedAtTicks != null }).ToListAsync();
        return TypedResults.Ok(keys);
    }

    public sealed record CreateKeyRequest(string? Name);

    private static async Task<IResult> CreateKey(HttpContext http, SiyuDb db, TimeProvider time, CreateKeyRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 100)
        {
            return Problems.Validation("name", "A key needs a name of 1–100 characters.");
        }
        var now = time.GetUtcNow().UtcTicks;
        var (row, secret) = ApiKeys.Create(http.User.TenantId(), request.Name.Trim(), now);
        db.ApiKeys.Add(row);
        AuditLog.Record(db, row.TenantId, now, http.User.Actor(), "apikey.create", target: row.Prefix);
        await db.SaveChangesAsync();
        return TypedResults.Created($"/api/v1/api-keys/{row.Id}", new { id = row.Id, name = row.Name, prefix = row.Prefix, secret });
    }

    private static async Task<IResult> RevokeKey(HttpContext http, SiyuDb db, TimeProvider time, int id)
    {
        var tenant = http.User.TenantId();
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == id && k.TenantId == tenant);
        if (key is null)
        {
            return Problems.NotFound($"No API key {id}.");
        }
        key.RevokedAtTicks = time.GetUtcNow().UtcTicks;
        AuditLog.Record(db, tenant, key.RevokedAtTicks.Value, http.User.Actor(), "apikey.revoke", target: key.Prefix);
        await db.SaveChangesAsync();
        return TypedResults.NoContent();
    }
}
