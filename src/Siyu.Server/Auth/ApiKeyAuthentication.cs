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
    IDbContextFactory<SiyuDb> dbFactory) : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
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
        if (row is null)
        {
            return AuthenticateResult.Fail("Unknown or revoked API key.");
        }
        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.Name, $"apikey:{row.Prefix}"),
            new Claim(SiyuClaims.Tenant, row.TenantId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new Claim(ClaimTypes.Role, "ingest"),
        ], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}

public static class ApiKeys
{
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>Creates a key; the secret is returned once and only its hash is stored.</summary>
    public static (ApiKey Row, string Secret) Create(int tenantId, string name, long nowTicks)
    {
        var secret = "sk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        return (new ApiKey { TenantId = tenantId, Name = name, Prefix = secret[..10], SecretHash = Hash(secret), CreatedAtTicks = nowTicks }, secret);
    }
}

public static class SiyuClaims
{
    public const string Tenant = "siyu:tenant";

    public static int TenantId(this ClaimsPrincipal user) =>
        int.Parse(user.FindFirstValue(Tenant) ?? throw new InvalidOperationException("No tenant claim."), System.Globalization.CultureInfo.InvariantCulture);

    public static string Actor(this ClaimsPrincipal user) => user.Identity?.Name ?? "anonymous";
}
