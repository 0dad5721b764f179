namespace Siyu.Server.Security;

/// <summary>Settings under <c>Siyu:Security</c>: sign-in throttling, response headers and request size.</summary>
public sealed class SecurityOptions
{
    /// <summary>Failed sign-ins per user name and tenant, within <see cref="LoginFailureWindow"/>, that lock the account.</summary>
    public int LoginMaxFailures { get; set; } = 5;
    public TimeSpan LoginFailureWindow { get; set; } = TimeSpan.FromMinutes(15);
    public TimeSpan LoginLockout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Sign-in posts one client IP may make per <see cref="LoginIpWindow"/>, whatever the account.</summary>
    public int LoginAttemptsPerIp { get; set; } = 30;
    public TimeSpan LoginIpWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>CSP <c>frame-ancestors</c> sources, e.g. <c>'self' https://*.work.weixin.qq.com</c> for a page framed by WeCom.</summary>
    public string FrameAncestors { get; set; } = "'none'";
    public TimeSpan HstsMaxAge { get; set; } = TimeSpan.FromDays(365);

    /// <summary>How long an API key stays valid after it is rotated, so callers can switch to the new secret.</summary>
    public TimeSpan ApiKeyRotationGrace { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Largest request body any endpoint accepts unless it declares its own limit (ingest does).</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;
}
