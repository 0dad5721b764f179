using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Access;
using Siyu.Server.Data;

namespace Siyu.Server.Auth;

/// <summary>Endpoint and page metadata: the one permission this endpoint needs.</summary>
public sealed record RequiresPermission(Permission Permission);

/// <summary>What a console user is now: role, data scope, disabled (read from the database, not from the cookie).</summary>
public sealed record UserAccess(int UserId, string Role, DataScope Scope, bool Disabled);

public static class AccessEndpoints
{
    public static string PolicyName(Permission permission) => "perm:" + permission;

    /// <summary>Declares the permission an endpoint (or group) needs; <see cref="AccessGuard"/> refuses to start without one.</summary>
    public static TBuilder Requires<TBuilder>(this TBuilder builder, Permission permission) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiresPermission(permission)).RequireAuthorization(PolicyName(permission));

    public static AuthorizationBuilder AddPermissionPolicies(this AuthorizationBuilder builder)
    {
        foreach (var permission in Enum.GetValues<Permission>())
        {
            builder.AddPolicy(PolicyName(permission), p => p
                .AddAuthenticationSchemes(ApiKeyAuthenticationHandler.ApiOrCookie)
                .RequireAuthenticatedUser()
                .AddRequirements(new PermissionRequirement(permission)));
        }
        return builder;
    }
}

public sealed record PermissionRequirement(Permission Permission) : IAuthorizationRequirement;

/// <summary>
/// The one place permissions are decided, for the API and the console: the role grants the permission; an API key
/// also needs the matching scope; a user whose data scope is narrower than "all" only gets the scope-aware permissions.
/// </summary>
public sealed class PermissionHandler(AccessDirectory directory) : AuthorizationHandler<PermissionRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, PermissionRequirement requirement)
    {
        if (await directory.AllowsAsync(context.User, requirement.Permission))
        {
            context.Succeed(requirement);
        }
    }
}

/// <summary>Resolves users' current role and data scope, cached for a few seconds and dropped on every user change.</summary>
public sealed class AccessDirectory(IDbContextFactory<SiyuDb> dbs)
{
    public const string UserIdClaim = "siyu:uid";
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(15);
    private readonly ConcurrentDictionary<int, (UserAccess Access, DateTime At)> _cache = new();

    public void Invalidate(int userId) => _cache.TryRemove(userId, out _);

    public async Task<bool> AllowsAsync(ClaimsPrincipal user, Permission permission)
    {
        if (user.Identity?.IsAuthenticated != true)
        {
            return false;
        }
        if (user.Identity.AuthenticationType == ApiKeyAuthenticationHandler.SchemeName)
        {
            var scope = permission switch
            {
                Permission.EventsWrite => ApiScopes.EventsWrite,
                Permission.ArchiveIngest => ApiScopes.ArchiveWrite,
                Permission.CouponsRedeem => ApiScopes.CouponsRedeem,
                Permission.CampaignsParticipate => ApiScopes.CampaignsParticipate,
                _ => ApiScopes.Read,
            };
            return RolePermissions.Grants(RoleNames.ApiKey, permission) && user.HasClaim(ApiScopes.ClaimType, scope);
        }
        var access = await ForAsync(user);
        if (access is null || access.Disabled || !RolePermissions.Grants(access.Role, permission))
        {
            return false;
        }
        return access.Scope.IsAll || RolePermissions.ScopeAware.Contains(permission);
    }

    /// <summary>Every permission the caller holds now (the console's navigation, <c>GET /users/me</c>).</summary>
    public async Task<HashSet<Permission>> PermissionsAsync(ClaimsPrincipal user)
    {
        var held = new HashSet<Permission>();
        foreach (var permission in Enum.GetValues<Permission>())
        {
            if (await AllowsAsync(user, permission))
            {
                held.Add(permission);
            }
        }
        return held;
    }

    /// <summary>The data scope of a caller; API keys see every customer of their tenant.</summary>
    public async Task<DataScope> ScopeAsync(ClaimsPrincipal user) =>
        user.Identity?.AuthenticationType == ApiKeyAuthenticationHandler.SchemeName
            ? DataScope.Everything
            : (await ForAsync(user))?.Scope ?? new DataScope(DataScopeKind.Own, new HashSet<string>());

    public async Task<UserAccess?> ForAsync(ClaimsPrincipal user)
    {
        if (!int.TryParse(user.FindFirstValue(UserIdClaim), System.Globalization.CultureInfo.InvariantCulture, out var id))
        {
            return null;
        }
        if (_cache.TryGetValue(id, out var hit) && DateTime.UtcNow - hit.At < Ttl)
        {
            return hit.Access;
        }
        var access = await LoadAsync(id);
        if (access is not null)
        {
            _cache[id] = (access, DateTime.UtcNow);
        }
        return access;
    }

    private async Task<UserAccess?> LoadAsync(int userId)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId);
        if (row is null)
        {
            return null;
        }
        DataScope.TryParse(row.DataScope, out var kind);
        DataScope scope;
        switch (kind)
        {
            case DataScopeKind.Own:
                scope = new DataScope(kind, row.StaffUserId is { Length: > 0 } own ? new HashSet<string>(StringComparer.Ordinal) { own } : []);
                break;
            case DataScopeKind.Department when row.DepartmentId is { } department:
                var parents = await db.Departments.AsNoTracking().Where(d => d.TenantId == row.TenantId).ToDictionaryAsync(d => d.Id, d => d.ParentId);
                var staff = await db.Staff.AsNoTracking().Where(s => s.TenantId == row.TenantId).Select(s => new { s.UserId, s.Departments }).ToListAsync();
                var members = Core.Access.DataScope.StaffOfDepartment(department, parents, staff.ToDictionary(
                    s => s.UserId,
                    s => (IReadOnlyList<long>)[.. s.Departments.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(d => long.TryParse(d, out var v) ? v : -1)]));
                if (row.StaffUserId is { Length: > 0 } self)
                {
                    members.Add(self);
                }
                scope = new DataScope(kind, members);
                break;
            case DataScopeKind.Department:
                scope = new DataScope(kind, new HashSet<string>());
                break;
            default:
                scope = DataScope.Everything;
                break;
        }
        return new UserAccess(row.Id, row.Role, scope, row.DisabledAtTicks is not null);
    }

    /// <summary>
    /// Cookie validation: a disabled or deleted user is signed out at the next request, and a changed role replaces
    /// the one in the cookie (pages that check roles see the current one).
    /// </summary>
    public static async Task ValidatePrincipalAsync(CookieValidatePrincipalContext context)
    {
        var directory = context.HttpContext.RequestServices.GetRequiredService<AccessDirectory>();
        if (context.Principal is null || await directory.ForAsync(context.Principal) is not { Disabled: false } access)
        {
            context.RejectPrincipal();
            return;
        }
        var identity = (ClaimsIdentity)context.Principal.Identity!;
        if (identity.FindFirst(ClaimTypes.Role)?.Value != access.Role)
        {
            foreach (var claim in identity.FindAll(ClaimTypes.Role).ToList())
            {
                identity.RemoveClaim(claim);
            }
            identity.AddClaim(new Claim(ClaimTypes.Role, access.Role));
        }
    }
}

/// <summary>Startup check: every API endpoint declares a permission (or is explicitly anonymous).</summary>
public static class AccessGuard
{
    public static IReadOnlyList<string> EndpointsWithoutPermission(IEnumerable<EndpointDataSource> sources) =>
    [
        .. sources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.TrimStart('/').StartsWith("api/", StringComparison.Ordinal) == true)
            .Where(e => e.Metadata.GetMetadata<RequiresPermission>() is null && e.Metadata.GetMetadata<IAllowAnonymous>() is null)
            .Select(e => $"{string.Join(',', e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [])} {e.RoutePattern.RawText}"),
    ];
}
