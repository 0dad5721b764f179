using Microsoft.EntityFrameworkCore;
using Siyu.Core.Access;
using Siyu.Core.Events;
using Siyu.Server.Compliance;
using Siyu.Server.Data;

namespace Siyu.Server.Auth;

public sealed record UserRequest(
    string? UserName = null, string? DisplayName = null, string? Password = null, string? Role = null,
    string? DataScope = null, string? StaffUserId = null, long? DepartmentId = null, bool? Disabled = null);

public sealed record UserView(
    int Id, string UserName, string DisplayName, string Role, string DataScope, string? StaffUserId, long? DepartmentId,
    bool Disabled, bool Locked, DateTimeOffset CreatedAt);

/// <summary>Console users (admin): role, data scope, the WeCom member they are, disabling, and lifting a lockout. Used by the API and the console.</summary>
public sealed class UserAdmin(IDbContextFactory<SiyuDb> dbs, Passwords passwords, TimeProvider time, AccessDirectory access, Security.LoginThrottle throttle)
{
    public const int MinPasswordLength = 10;

    private static string Tid(int tenant) => tenant.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private UserView View(ConsoleUser u) => new(
        u.Id, u.UserName, u.DisplayName, u.Role, u.DataScope, u.StaffUserId, u.DepartmentId, u.DisabledAtTicks is not null,
        throttle.LockedFor(Security.LoginThrottle.Key(Tid(u.TenantId), u.UserName)) is not null, new DateTimeOffset(u.CreatedAtTicks, TimeSpan.Zero));

    public async Task<IReadOnlyList<UserView>> ListAsync(int tenant)
    {
        await using var db = await dbs.CreateDbContextAsync();
        return [.. (await db.Users.AsNoTracking().Where(u => u.TenantId == tenant).OrderBy(u => u.Id).ToListAsync()).Select(View)];
    }

    /// <summary>Staff see their own customers unless told otherwise; every other role sees all.</summary>
    public static string DefaultScope(string? role) => role == RoleNames.Staff ? "own" : "all";

    /// <summary>Every problem with the request, each naming its field; <paramref name="existing"/> null means creating.</summary>
    private static async Task<List<FieldError>> ValidateAsync(SiyuDb db, int tenant, UserRequest r, ConsoleUser? existing)
    {
        var errors = new List<FieldError>();
        if (existing is null)
        {
            if (string.IsNullOrWhiteSpace(r.UserName) || r.UserName.Trim().Length > 64 || r.UserName.Any(char.IsControl))
            {
                errors.Add(new FieldError("user_name", "1–64 characters, no control characters."));
            }
            else if (await db.Users.AnyAsync(u => u.TenantId == tenant && u.UserName == r.UserName.Trim()))
            {
                errors.Add(new FieldError("user_name", $"A user named '{r.UserName.Trim()}' already exists."));
            }
            if (r.Password is null)
            {
                errors.Add(new FieldError("password", $"A password of at least {MinPasswordLength} characters is required."));
            }
            if (r.Role is null)
            {
                errors.Add(new FieldError("role", $"One of {string.Join(", ", RoleNames.Console)}."));
            }
        }
        else if (r.UserName is { } name && name.Trim() != existing.UserName)
        {
            errors.Add(new FieldError("user_name", "User names cannot change (the audit log refers to them); create a new user."));
        }
        if (r.Password is { } password && (password.Length < MinPasswordLength || password.Length > 200))
        {
            errors.Add(new FieldError("password", $"{MinPasswordLength}–200 characters."));
        }
        if (r.Role is { } role && !RolePermissions.IsKnownRole(role))
        {
            errors.Add(new FieldError("role", $"One of {string.Join(", ", RoleNames.Console)}."));
        }
        if (r.DisplayName is { } display && (display.Length > 100 || display.Any(char.IsControl)))
        {
            errors.Add(new FieldError("display_name", "At most 100 characters, no control characters."));
        }
        if (r.DataScope is { } scopeName && !DataScope.TryParse(scopeName, out _))
        {
            errors.Add(new FieldError("data_scope", "One of all, department, own."));
        }
        if (r.StaffUserId is { Length: > 0 } staff && !await db.Staff.AnyAsync(s => s.TenantId == tenant && s.UserId == staff))
        {
            errors.Add(new FieldError("staff_user_id", $"No WeCom member '{staff}' (sync WeCom first, or check the userid)."));
        }
        if (r.DepartmentId is { } d && !await db.Departments.AnyAsync(x => x.TenantId == tenant && x.Id == d))
        {
            errors.Add(new FieldError("department_id", $"No department {d}."));
        }
        var scope = r.DataScope ?? existing?.DataScope ?? DefaultScope(r.Role);
        var staffUserId = r.StaffUserId ?? existing?.StaffUserId;
        if (scope == "own" && string.IsNullOrEmpty(staffUserId) && errors.All(e => e.Path != "staff_user_id"))
        {
            errors.Add(new FieldError("staff_user_id", "The own-customers scope needs the WeCom member this user is."));
        }
        if (scope == "department" && (r.DepartmentId ?? existing?.DepartmentId) is null && errors.All(e => e.Path != "department_id"))
        {
            errors.Add(new FieldError("department_id", "The department scope needs a department."));
        }
        return errors;
    }

    public async Task<(UserView? User, IReadOnlyList<FieldError> Errors)> CreateAsync(int tenant, string actor, UserRequest request)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var errors = await ValidateAsync(db, tenant, request, existing: null);
        if (errors.Count > 0)
        {
            return (null, errors);
        }
        var now = time.GetUtcNow().UtcTicks;
        var user = new ConsoleUser
        {
            TenantId = tenant, UserName = request.UserName!.Trim(), PasswordHash = "", Role = request.Role!,
            DisplayName = request.DisplayName?.Trim() ?? "", CreatedAtTicks = now, DataScope = request.DataScope ?? DefaultScope(request.Role),
            StaffUserId = string.IsNullOrEmpty(request.StaffUserId) ? null : request.StaffUserId, DepartmentId = request.DepartmentId,
            DisabledAtTicks = request.Disabled == true ? now : null,
        };
        user.PasswordHash = passwords.Hash(user, request.Password!);
        db.Users.Add(user);
        AuditLog.Record(db, tenant, now, actor, "user.create", target: user.UserName, detail: $"role={user.Role} scope={user.DataScope}");
        await db.SaveChangesAsync();
        access.Invalidate(user.Id);
        return (View(user), []);
    }

    /// <summary>Null user and no errors: not found.</summary>
    public async Task<(UserView? User, IReadOnlyList<FieldError> Errors)> UpdateAsync(int tenant, string actor, int id, UserRequest request)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var user = await db.Users.FirstOrDefaultAsync(u => u.TenantId == tenant && u.Id == id);
        if (user is null)
        {
            return (null, []);
        }
        var errors = await ValidateAsync(db, tenant, request, user);
        // The tenant must keep an enabled admin, or nobody can manage users again.
        var losesAdmin = user.Role == RoleNames.Admin && user.DisabledAtTicks is null
            && ((request.Role is { } r && r != RoleNames.Admin) || request.Disabled == true);
        if (losesAdmin && !await db.Users.AnyAsync(u => u.TenantId == tenant && u.Id != id && u.Role == RoleNames.Admin && u.DisabledAtTicks == null))
        {
            errors.Add(new FieldError(request.Disabled == true ? "disabled" : "role", "This is the last enabled admin; make another user admin first."));
        }
        if (errors.Count > 0)
        {
            return (null, errors);
        }
        var now = time.GetUtcNow().UtcTicks;
        var changes = new List<string>();
        if (request.Role is { } role && role != user.Role)
        {
            user.Role = role;
            changes.Add("role=" + role);
        }
        if (request.DataScope is { } scope && scope != user.DataScope)
        {
            user.DataScope = scope;
            changes.Add("data_scope=" + scope);
        }
        if (request.DisplayName?.Trim() is { } display && display != user.DisplayName)
        {
            user.DisplayName = display;
            changes.Add("display_name");
        }
        if (request.StaffUserId is { } staff && staff != (user.StaffUserId ?? ""))
        {
            user.StaffUserId = staff.Length == 0 ? null : staff;
            changes.Add("staff_user_id=" + staff);
        }
        if (request.DepartmentId is { } department && department != user.DepartmentId)
        {
            user.DepartmentId = department;
            changes.Add("department_id=" + department.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        if (request.Password is { } password)
        {
            user.PasswordHash = passwords.Hash(user, password);
            changes.Add("password");
        }
        if (request.Disabled is { } disabled && disabled != (user.DisabledAtTicks is not null))
        {
            user.DisabledAtTicks = disabled ? now : null;
            changes.Add(disabled ? "disabled" : "enabled");
        }
        if (changes.Count > 0)
        {
            AuditLog.Record(db, tenant, now, actor, "user.update", target: user.UserName, detail: string.Join(' ', changes));
            await db.SaveChangesAsync();
        }
        access.Invalidate(user.Id);
        return (View(user), []);
    }

    /// <summary>Lifts a lockout; null when there is no such user, else whether it was locked.</summary>
    public async Task<bool?> UnlockAsync(int tenant, string actor, int id)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.TenantId == tenant && u.Id == id);
        if (user is null)
        {
            return null;
        }
        var wasLocked = throttle.Unlock(Security.LoginThrottle.Key(Tid(tenant), user.UserName));
        AuditLog.Record(db, tenant, time.GetUtcNow().UtcTicks, actor, "user.unlock", target: user.UserName, detail: wasLocked ? null : "was not locked");
        await db.SaveChangesAsync();
        return wasLocked;
    }
}

public static class UsersApi
{
    public static RouteGroupBuilder MapUsersApi(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/users").WithTags("Users");
        g.MapGet("", async (HttpContext http, UserAdmin users) => TypedResults.Ok(await users.ListAsync(http.User.TenantId())))
            .WithName("ListUsers").Requires(Permission.UsersManage).WithSummary("Console users with role, data scope, linked WeCom member and lockout state");
        g.MapPost("", Create).WithName("CreateUser").Requires(Permission.UsersManage)
            .WithSummary("Create a console user: role (admin, operator, staff, auditor, readonly) and data scope (all, department, own)");
        g.MapPatch("/{id:int}", Update).WithName("UpdateUser").Requires(Permission.UsersManage)
            .WithSummary("Change role, data scope, linked member, department, display name, password, or disable/enable (omitted fields stay)");
        g.MapPost("/{id:int}/unlock", Unlock).WithName("UnlockUser").Requires(Permission.UsersManage).WithSummary("Lift a sign-in lockout now");
        g.MapGet("/me", Me).WithName("CurrentUser").Requires(Permission.SignedIn).WithSummary("The caller's role, data scope and permissions");
        return api;
    }

    private static async Task<IResult> Create(HttpContext http, UserAdmin users, UserRequest request)
    {
        var (user, errors) = await users.CreateAsync(http.User.TenantId(), http.User.Actor(), request);
        return user is null ? Problems.Validation(errors) : TypedResults.Created($"/api/v1/users/{user.Id}", user);
    }

    private static async Task<IResult> Update(HttpContext http, UserAdmin users, int id, UserRequest request)
    {
        var (user, errors) = await users.UpdateAsync(http.User.TenantId(), http.User.Actor(), id, request);
        return user is not null ? TypedResults.Ok(user) : errors.Count > 0 ? Problems.Validation(errors) : Problems.NotFound($"No user {id}.");
    }

    private static async Task<IResult> Unlock(HttpContext http, UserAdmin users, int id) =>
        await users.UnlockAsync(http.User.TenantId(), http.User.Actor(), id) is { } wasLocked
            ? TypedResults.Ok(new { was_locked = wasLocked })
            : Problems.NotFound($"No user {id}.");

    private static async Task<IResult> Me(HttpContext http, AccessDirectory access)
    {
        var me = await access.ForAsync(http.User);
        var permissions = (await access.PermissionsAsync(http.User)).Order().Select(p => p.ToString()).ToList();
        var scope = await access.ScopeAsync(http.User);
        return TypedResults.Ok(new
        {
            actor = http.User.Actor(), role = me?.Role ?? RoleNames.ApiKey, data_scope = DataScope.Name(scope.Kind),
            staff_user_ids = scope.StaffUserIds?.Order(StringComparer.Ordinal).ToArray(), permissions,
        });
    }
}
