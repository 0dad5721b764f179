using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Siyu.Server.Data;

namespace Siyu.Server.Auth;

/// <summary>Per-tenant ingestion keys: <c>X-Api-Key: sk_...</c> or <c>Authorization: Bearer sk_...</c>.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    IDbContextFactory<SiyuDb> dbFactory,
    TimeProvider time) : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "ApiKey";

    /// <summary>Picks the API key scheme when a key is sent, the console cookie otherwise, so exactly one scheme answers a challenge.</summary>
    public const string ApiOrCookie = "ApiOrCookie";

    public static string? SelectScheme(HttpContext http) =>
        http.Request.Headers.ContainsKey("X-Api-Key") || http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.Ordinal)
            ? SchemeName
            : null;

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        WriteProblem(StatusCodes.Status401Unauthorized, "Authentication required", "Send a valid API key in X-Api-Key (or sign in to the console).");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteProblem(StatusCodes.Status403Forbidden, "Forbidden", "This API key's role does not allow this; an admin must sign in.");

    private Task WriteProblem(int status, string title, string detail)
    {
        if (Response.HasStarted)
        {
            return Task.CompletedTask;
        }
        Response.StatusCode = status;
        return Response.WriteAsJsonAsync(new { type = $"https://tools.ietf.org/html/rfc9110#section-15.5.{(status == 401 ? 2 : 4)}", title, status, detail },
            options: (System.Text.Json.JsonSerializerOptions?)null, contentType: "application/problem+json");
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? key = Request.Headers["X-Api-Key"];
        if (key is null && Request.Headers.Authorization.ToString() is { } auth && auth.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            key = auth["Bearer ".Length..].Trim();
        }
        if (string.IsNullOrEmpty(key))
        {
            return AuthenticateResult.NoResult();
        }
        var hash = ApiKeys.Hash(key);
        await using var db = await dbFactory.CreateDbContextAsync();
        var row = await db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.SecretHash == hash && k.RevokedAtTicks == null);
        if (row is null || row.ExpiresAtTicks <= time.GetUtcNow().UtcTicks)
        {
            return AuthenticateResult.Fail("Unknown, revoked or expired API key.");
        }
        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.Name, $"apikey:{row.Prefix}"),
            new Claim(SiyuClaims.Tenant, row.TenantId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new Claim(ClaimTypes.Role, "ingest"),
            .. ApiScopes.Parse(row.Scopes).Select(scope => new Claim(ApiScopes.ClaimType, scope)),
        ], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}

/// <summary>
/// What an API key may do; enforced with every other permission by <see cref="AccessDirectory.AllowsAsync"/>, which maps
/// each permission to the scope it needs. Console users are not limited by scopes (their role decides).
/// </summary>
public static class ApiScopes
{
    public const string EventsWrite = "events:write";
    public const string Read = "read";
    /// <summary>The archive sidecar's scope; not in <see cref="Default"/>: a key that can write conversations is created on purpose.</summary>
    public const string ArchiveWrite = "archive:write";
    /// <summary>Stores and mini-programs: verify and redeem coupon codes; not in <see cref="Default"/> either.</summary>
    public const string CouponsRedeem = "coupons:redeem";
    /// <summary>H5 pages and mini-programs taking part for a customer (lottery draws, store routing); not in <see cref="Default"/>.</summary>
    public const string CampaignsParticipate = "campaigns:participate";
    public const string ClaimType = "siyu:scope";
    public const string Default = EventsWrite + " " + Read;
    public static readonly IReadOnlyList<string> All = [EventsWrite, Read, ArchiveWrite, CouponsRedeem, CampaignsParticipate];

    public static string[] Parse(string scopes) => scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}

public static class ApiKeys
{
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>Creates a key; the secret is returned once and only its hash is stored.</summary>
    public static (ApiKey Row, string Secret) Create(int tenantId, string name, long nowTicks, string scopes = ApiScopes.Default, long? expiresAtTicks = null)
    {
        var secret = "sk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        return (new ApiKey { TenantId = tenantId, Name = name, Prefix = secret[..10], SecretHash = Hash(secret), CreatedAtTicks = nowTicks, Scopes = scopes, ExpiresAtTicks = expiresAtTicks }, secret);
    }
}

public static class SiyuClaims
{
    public const string Tenant = "siyu:tenant";

    public static int TenantId(this ClaimsPrincipal user) =>
        int.Parse(user.FindFirstValue(Tenant) ?? throw new InvalidOperationException("No tenant claim."), System.Globalization.CultureInfo.InvariantCulture);

    public static string Actor(this ClaimsPrincipal user) => user.Identity?.Name ?? "anonymous";
}
