using Microsoft.EntityFrameworkCore;
using Siyu.Core.Access;
using Siyu.Server.Auth;
using Siyu.Server.Compliance;
using Siyu.Server.Data;
using Siyu.Server.WeCom;
using Siyu.WeCom.Api;

namespace Siyu.Server.Sidebar;

/// <summary>
/// The sidebar over HTTP (the console page uses the service directly): JS-SDK signatures, the customer of a chat, and
/// the customer view; plus <c>/sidebar/open</c> and <c>/sidebar/oauth</c>, which sign a staff member in through WeCom
/// OAuth when the page is opened inside the WeCom client.
/// </summary>
public static class SidebarApi
{
    public static RouteGroupBuilder MapSidebarApi(this RouteGroupBuilder api)
    {
        var sidebar = api.MapGroup("/sidebar").WithTags("Sidebar");
        sidebar.MapGet("/js-config", JsConfig).WithName("SidebarJsConfig").Requires(Permission.SignedIn)
            .WithSummary("wx.config and wx.agentConfig signatures for ?url= (the page URL without #fragment); 404 when no WeCom app is configured");
        sidebar.MapGet("/customer", Resolve).WithName("SidebarCustomer").Requires(Permission.CustomersRead)
            .WithSummary("The customer id of a chat's ?external_userid= (what getCurExternalContact returns), within the caller's data scope");
        api.MapGet("/customers/{id:long}/sidebar", View).WithTags("Sidebar").WithName("SidebarView").Requires(Permission.CustomersRead)
            .WithSummary("The sidebar's customer view: masked identifiers, tags, recent orders, recent intents and recommended scripts filled in for the customer");
        return api;
    }

    private static async Task<IResult> JsConfig(HttpContext http, SidebarService sidebar, string? url)
    {
        if (url is null || url.Length > 2000 || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return Problems.Validation("url", "The absolute http(s) URL of the page calling wx.config.");
        }
        return await sidebar.JsConfigAsync(http.User.TenantId(), url) is { } config
            ? TypedResults.Ok(config)
            : Problems.NotFound("No WeCom app (corp id, agent id and secret) is configured for this tenant.");
    }

    private static async Task<IResult> Resolve(HttpContext http, SidebarService sidebar, AccessDirectory access, Customers.CustomerReader reader,
        [Microsoft.AspNetCore.Mvc.FromQuery(Name = "external_userid")] string? externalUserId)
    {
        if (string.IsNullOrWhiteSpace(externalUserId) || externalUserId.Length > 64)
        {
            return Problems.Validation("external_userid", "Required: the chat's external_userid (1–64 characters).");
        }
        var tenant = http.User.TenantId();
        // As for /customers/{id}: outside the caller's data scope the customer does not exist.
        if (sidebar.FindByExternalUserId(tenant, externalUserId) is { } id && await reader.GetVisibleAsync(tenant, id, await access.ScopeAsync(http.User)) is { } detail)
        {
            return TypedResults.Ok(new { customer_id = detail.Profile.Id });
        }
        return Problems.NotFound($"No customer with external_userid {externalUserId} among yours.");
    }

    private static async Task<IResult> View(HttpContext http, SidebarService sidebar, long id) =>
        // CustomerScopeFilter has already answered 404 outside the caller's scope.
        await sidebar.ViewAsync(http.User.TenantId(), id, Core.Access.DataScope.Everything) is { } view ? TypedResults.Ok(view) : Problems.NotFound($"No customer {id}.");

    public static IEndpointRouteBuilder MapSidebarEntry(this IEndpointRouteBuilder app)
    {
        var entry = app.MapGroup("/sidebar").ExcludeFromDescription();
        entry.MapGet("/open", Open);
        entry.MapGet("/oauth", OAuth).RequireRateLimiting(Security.Hardening.LoginPolicy);
        return app;
    }

    /// <summary>
    /// The URL to configure as the chat toolbar page (<c>/sidebar/open?tenant=slug</c>). Signed in: straight to the page.
    /// Inside the WeCom client (or with <c>?oauth=1</c>): WeCom OAuth, so staff never type a password. Elsewhere: the login page.
    /// </summary>
    private static IResult Open(HttpContext http, WeComConnections connections, Tenants.TenantDirectory tenants, string? tenant, string? oauth)
    {
        const string page = "/sidebar";
        if (http.User.Identity?.IsAuthenticated == true)
        {
            return Results.LocalRedirect(page);
        }
        var inWeCom = http.Request.Headers.UserAgent.ToString().Contains("wxwork", StringComparison.OrdinalIgnoreCase) || oauth == "1";
        var t = tenant is null ? null : (tenants.BySlug(tenant) is { } tid ? tenants.Get(tid) : null);
        if (inWeCom && t is not null && connections.Get(t.Id) is { AgentId: { } agentId } connection)
        {
            var redirect = $"{http.Request.Scheme}://{http.Request.Host}/sidebar/oauth?tenant={Uri.EscapeDataString(t.Slug)}";
            // The simulator serves WeCom's OAuth page next to its API; the real one is on open.weixin.qq.com.
            var authorize = new Uri(connection.ApiBase ?? new Uri("https://open.weixin.qq.com/"), "connect/oauth2/authorize");
            return Results.Redirect($"{authorize}?appid={Uri.EscapeDataString(connection.CorpId)}&redirect_uri={Uri.EscapeDataString(redirect)}"
                + $"&response_type=code&scope=snsapi_base&state=sidebar&agentid={agentId}#wechat_redirect");
        }
        return Results.LocalRedirect($"/login?returnUrl={Uri.EscapeDataString(page)}");
    }

    /// <summary>WeCom's OAuth redirect: the code names the member; the console user linked to that member is signed in.</summary>
    private static async Task<IResult> OAuth(HttpContext http, WeComConnections connections, Tenants.TenantDirectory tenants,
        IDbContextFactory<SiyuDb> dbs, TimeProvider time, ILoggerFactory logs, string? tenant, string? code)
    {
        if (tenant is null || (tenants.BySlug(tenant) is { } tid ? tenants.Get(tid) : null) is not { } t || connections.Get(t.Id) is not { CanCallApi: true } connection)
        {
            return Problems.Validation("tenant", "A tenant with a WeCom app configured.");
        }
        if (string.IsNullOrEmpty(code) || code.Length > 512)
        {
            return Problems.Validation("code", "The OAuth code WeCom adds to the redirect.");
        }
        WeComOAuthUser member;
        try
        {
            member = await connections.Client(connection).GetUserInfoByCodeAsync(code);
        }
        catch (WeComApiException e)
        {
            logs.CreateLogger("Siyu.Sidebar").LogInformation("WeCom OAuth code refused: {ErrCode}", e.ErrCode);
            return Problems.Validation("code", "WeCom did not accept this code (used already, or older than five minutes): open the sidebar again.");
        }
        await using var db = await dbs.CreateDbContextAsync();
        var user = member.UserId is null ? null
            : await db.Users.FirstOrDefaultAsync(u => u.TenantId == t.Id && u.StaffUserId == member.UserId && u.DisabledAtTicks == null);
        if (user is null)
        {
            AuditLog.Record(db, t.Id, time.GetUtcNow().UtcTicks, member.UserId ?? "(not a member)", "login.failed", detail: "WeCom OAuth: no console user for this member");
            await db.SaveChangesAsync();
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "No Siyu account for this WeCom member",
                detail: "Ask an administrator to link a console user to your WeCom userid (用户与权限 → 企业微信成员).");
        }
        await AccountEndpoints.SignInAsync(http, user);
        AuditLog.Record(db, t.Id, time.GetUtcNow().UtcTicks, user.UserName, "login", detail: "WeCom OAuth (sidebar)");
        await db.SaveChangesAsync();
        return Results.LocalRedirect("/sidebar");
    }
}
