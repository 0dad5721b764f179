using Siyu.Core.Access;
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
        api.MapGet("/tenant", Current).WithTags("Tenant").WithName("CurrentTenant").Requires(Permission.SignedIn).WithSummary("The tenant of the caller's key or session");
        var keys = api.MapGroup("/api-keys").WithTags("Tenant");
        keys.MapGet("/", ListKeys).WithName("ListApiKeys").Requires(Permission.ApiKeysManage);
        keys.MapPost("/", CreateKey).WithName("CreateApiKey").Requires(Permission.ApiKeysManage).WithSummary("Create an ingest key; the secret is returned only in this response");
        keys.MapDelete("/{id:int}", RevokeKey).WithName("RevokeApiKey").Requires(Permission.ApiKeysManage);
        keys.MapPost("/{id:int}/rotate", RotateKey).WithName("RotateApiKey").Requires(Permission.ApiKeysManage)
            .WithSummary("A new secret with the same name, scopes and lifetime; the old one keeps working for the grace period (Siyu:Security:ApiKeyRotationGrace)");
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
            .ToListAsync();
        return TypedResults.Ok(keys.Select(k => new
        {
            id = k.Id, name = k.Name, prefix = k.Prefix, created_at_ticks = k.CreatedAtTicks, revoked = k.RevokedAtTicks != null,
            scopes = ApiScopes.Parse(k.Scopes), expires_at = ToTime(k.ExpiresAtTicks),
        }));
    }

    private static DateTimeOffset? ToTime(long? ticks) => ticks is { } t ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    /// <summary>Scopes default to both (send events and read); <c>expires_in_days</c> empty = no expiry.</summary>
    public sealed record CreateKeyRequest(string? Name, string[]? Scopes = null, int? ExpiresInDays = null);

    private static async Task<IResult> CreateKey(HttpContext http, SiyuDb db, TimeProvider time, CreateKeyRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 100)
        {
            return Problems.Validation("name", "A key needs a name of 1–100 characters.");
        }
        var scopes = request.Scopes ?? ApiScopes.Parse(ApiScopes.Default);
        if (scopes.Length == 0 || scopes.Any(s => !ApiScopes.All.Contains(s)))
        {
            return Problems.Validation("scopes", $"Scopes are one or more of {string.Join(", ", ApiScopes.All)}.");
        }
        if (request.ExpiresInDays is < 1 or > 3650)
        {
            return Problems.Validation("expires_in_days", "expires_in_days is 1–3650, or empty for a key that does not expire.");
        }
        var now = time.GetUtcNow();
        var expires = request.ExpiresInDays is { } days ? now.AddDays(days).UtcTicks : (long?)null;
        var (row, secret) = ApiKeys.Create(http.User.TenantId(), request.Name.Trim(), now.UtcTicks, string.Join(' ', scopes.Distinct()), expires);
        db.ApiKeys.Add(row);
        AuditLog.Record(db, row.TenantId, now.UtcTicks, http.User.Actor(), "apikey.create", target: row.Prefix);
        await db.SaveChangesAsync();
        return TypedResults.Created($"/api/v1/api-keys/{row.Id}", new
        {
            id = row.Id, name = row.Name, prefix = row.Prefix, secret, scopes = ApiScopes.Parse(row.Scopes), expires_at = ToTime(row.ExpiresAtTicks),
        });
    }

    private static async Task<IResult> RotateKey(HttpContext http, SiyuDb db, TimeProvider time, Security.SecurityOptions security, int id)
    {
        var tenant = http.User.TenantId();
        var now = time.GetUtcNow().UtcTicks;
        var old = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == id && k.TenantId == tenant);
        if (old is null)
        {
            return Problems.NotFound($"No API key {id}.");
        }
        if (old.RevokedAtTicks is not null || old.ExpiresAtTicks <= now)
        {
            return Problems.Conflict($"API key {id} is revoked or expired; create a new key instead.");
        }
        // The new key lives as long as the old one was meant to; the old one ends after the grace period (or sooner, as planned).
        var lifetime = old.ExpiresAtTicks - old.CreatedAtTicks;
        var (row, secret) = ApiKeys.Create(tenant, old.Name, now, old.Scopes, now + lifetime);
        old.ExpiresAtTicks = Math.Min(old.ExpiresAtTicks ?? long.MaxValue, now + security.ApiKeyRotationGrace.Ticks);
        db.ApiKeys.Add(row);
        AuditLog.Record(db, tenant, now, http.User.Actor(), "apikey.rotate", target: old.Prefix, detail: $"new key {row.Prefix}; old key valid until {ToTime(old.ExpiresAtTicks):O}");
        await db.SaveChangesAsync();
        return TypedResults.Created($"/api/v1/api-keys/{row.Id}", new
        {
            id = row.Id, name = row.Name, prefix = row.Prefix, secret, scopes = ApiScopes.Parse(row.Scopes), expires_at = ToTime(row.ExpiresAtTicks),
            previous = new { id = old.Id, prefix = old.Prefix, expires_at = ToTime(old.ExpiresAtTicks) },
        });
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
