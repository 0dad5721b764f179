using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Localization;
using Microsoft.EntityFrameworkCore;
using Siyu.Server.Data;
using Siyu.Server.Compliance;

namespace Siyu.Server.Auth;

/// <summary>Cookie sign-in for the console (form posts, so it works before any interactivity) and the language switch.</summary>
public static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/account").ExcludeFromDescription();
        account.MapPost("/login", (Delegate)Login).DisableAntiforgery().RequireRateLimiting(Security.Hardening.LoginPolicy);
        account.MapPost("/logout", (Delegate)Logout).DisableAntiforgery();
        account.MapGet("/culture", (Delegate)SetCulture);
        return app;
    }

    private static async Task<IResult> Login(HttpContext http, IDbContextFactory<SiyuDb> dbFactory, Passwords passwords, TimeProvider time, Security.LoginThrottle throttle)
    {
        var form = await http.Request.ReadFormAsync();
        var tenantSlug = form["tenant"].ToString();
        var userName = form["username"].ToString();
        var password = form["password"].ToString();
        var returnUrl = SafeReturnUrl(form["returnUrl"].ToString());
        await using var db = await dbFactory.CreateDbContextAsync();
        var tenant = string.IsNullOrEmpty(tenantSlug) ? await db.Tenants.OrderBy(t => t.Id).FirstOrDefaultAsync() : await db.Tenants.FirstOrDefaultAsync(t => t.Slug == tenantSlug);
        // Locked before the password is checked, so a locked account answers the same whatever is typed.
        var throttleKey = Security.LoginThrottle.Key(tenant?.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? tenantSlug, userName);
        if (throttle.LockedFor(throttleKey) is { } locked)
        {
            await Security.LoginThrottle.RefuseAsync(http, "locked", locked, returnUrl);
            return Results.Empty;
        }
        var user = tenant is null ? null : await db.Users.FirstOrDefaultAsync(u => u.TenantId == tenant.Id && u.UserName == userName);
        if (tenant is null || user is null || user.DisabledAtTicks is not null || !passwords.Verify(user, password))
        {
            var lockout = throttle.Failed(throttleKey);
            AuditLog.Record(db, tenant?.Id ?? 0, time.GetUtcNow().UtcTicks, userName, "login.failed",
                detail: lockout is null ? null : $"account locked for {lockout.Value.TotalMinutes:0} minutes");
            await db.SaveChangesAsync();
            if (lockout is not null)
            {
                await Security.LoginThrottle.RefuseAsync(http, "locked", lockout.Value, returnUrl);
                return Results.Empty;
            }
            return Results.Redirect($"/login?error=1&returnUrl={Uri.EscapeDataString(returnUrl)}");
        }
        throttle.Succeeded(throttleKey);
        await SignInAsync(http, user);
        AuditLog.Record(db, tenant.Id, time.GetUtcNow().UtcTicks, user.UserName, "login");
        await db.SaveChangesAsync();
        return Results.Redirect(returnUrl);
    }

    /// <summary>The console cookie for a user who proved who they are (password, or WeCom OAuth in the sidebar).</summary>
    public static Task SignInAsync(HttpContext http, ConsoleUser user)
    {
        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.Name, user.UserName),
            new Claim(ClaimTypes.GivenName, string.IsNullOrEmpty(user.DisplayName) ? user.UserName : user.DisplayName),
            new Claim(ClaimTypes.Role, user.Role),
            new Claim(AccessDirectory.UserIdClaim, user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new Claim(SiyuClaims.Tenant, user.TenantId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ], CookieAuthenticationDefaults.AuthenticationScheme);
        return http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
    }

    private static async Task<IResult> Logout(HttpContext http)
    {
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return Results.Redirect("/login");
    }

    private static IResult SetCulture(HttpContext http, string culture, string? redirectUri)
    {
        if (culture is "zh-CN" or "en")
        {
            http.Response.Cookies.Append(CookieRequestCultureProvider.DefaultCookieName,
                CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture, culture)),
                new CookieOptions { Expires = DateTimeOffset.UtcNow.AddYears(1), IsEssential = true, SameSite = SameSiteMode.Lax });
        }
        return Results.LocalRedirect(SafeReturnUrl(redirectUri));
    }

    internal static string SafeReturnUrl(string? url) =>
        !string.IsNullOrEmpty(url) && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal) ? url : "/";
}
