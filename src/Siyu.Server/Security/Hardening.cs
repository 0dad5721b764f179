using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.RateLimiting;
using Siyu.Server.Auth;
using Siyu.Server.Tenants;

namespace Siyu.Server.Security;

/// <summary>Cross-cutting protections, composed here: sign-in throttling, security headers, body size limit, cross-site request refusal.</summary>
public static class Hardening
{
    /// <summary>Rate-limiter policy on <c>POST /account/login</c>, partitioned by client IP.</summary>
    public const string LoginPolicy = "login";

    public static void AddSiyuSecurity(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Siyu:Security").Get<SecurityOptions>() ?? new SecurityOptions();
        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton<LoginThrottle>();
        services.AddHsts(o => o.MaxAge = options.HstsMaxAge);
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // Behind a reverse proxy every client shares the proxy's address unless forwarded headers are configured.
            o.AddPolicy(LoginPolicy, http => RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = options.LoginAttemptsPerIp, Window = options.LoginIpWindow, QueueLimit = 0 }));
            o.OnRejected = (context, _) => new ValueTask(LoginThrottle.RefuseAsync(context.HttpContext, "limited",
                context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retry) ? retry : options.LoginIpWindow));
        });
    }

    /// <summary>Right after the error handlers (so a cut-off body is answered here, not by status code pages) and before anything reads a body; the headers go on every answer, errors included.</summary>
    public static void UseSiyuSecurity(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<SecurityOptions>();
        var siyu = app.Services.GetRequiredService<SiyuOptions>();
        var headers = new SecurityHeaders(options);
        app.Use((http, next) =>
        {
            http.Response.OnStarting(() =>
            {
                headers.Apply(http);
                return Task.CompletedTask;
            });
            return next(http);
        });
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
        }
        app.Use((http, next) => CrossSiteRequests.IsRefused(http, siyu.PublicBaseUrl) ? CrossSiteRequests.RefuseAsync(http) : next(http));
        app.Use((http, next) => RequestBodyLimit.InvokeAsync(http, next, options.MaxRequestBodyBytes));
    }
}

/// <summary>Content-Security-Policy and friends, computed once.</summary>
internal sealed class SecurityHeaders(SecurityOptions options)
{
    // Blazor Server needs only its own scripts (no eval: that is WebAssembly) and a WebSocket to itself ('self' covers
    // ws/wss in CSP 3); MudBlazor sets inline styles, so styles allow 'unsafe-inline'; customer avatars come from WeCom's CDN.
    private readonly string _csp = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; " +
        $"font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors {options.FrameAncestors}";

    // The Scalar API reference page boots from an inline script and loads fonts from its CDN.
    private readonly string _scalarCsp = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline' https:; img-src 'self' data: https:; " +
        $"font-src 'self' data: https:; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors {options.FrameAncestors}";

    // The staff sidebar loads WeCom's JS-SDK (only inside the WeCom client) to learn the chat's customer and send into it.
    private readonly string _sidebarCsp = "default-src 'self'; script-src 'self' https://res.wx.qq.com https://open.work.weixin.qq.com; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; " +
        $"font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors {options.FrameAncestors}";

    // X-Frame-Options cannot name origins: send it only when frame-ancestors is one of the two values it can express.
    private readonly string? _frameOptions = options.FrameAncestors.Trim() switch
    {
        "'none'" => "DENY",
        "'self'" => "SAMEORIGIN",
        _ => null,
    };

    public void Apply(HttpContext http)
    {
        var h = http.Response.Headers;
        h.ContentSecurityPolicy = http.Request.Path.StartsWithSegments("/scalar") ? _scalarCsp : http.Request.Path.StartsWithSegments("/sidebar") ? _sidebarCsp : _csp;
        h.XContentTypeOptions = "nosniff";
        if (_frameOptions is not null)
        {
            h.XFrameOptions = _frameOptions;
        }
        h["Referrer-Policy"] = "strict-origin-when-cross-origin";
    }
}

/// <summary>
/// CSRF: the console's cookie rides along on requests other sites make, so a state-changing request authenticated by
/// the cookie must come from the console's own origin. Browsers say where a request comes from (Sec-Fetch-Site, else
/// Origin, sent on every non-GET request); a request without either is not a browser's cross-site request. API-key
/// callers are exempt: a page on another site cannot add the key header without a CORS preflight, which Siyu refuses.
/// </summary>
internal static class CrossSiteRequests
{
    public static bool IsRefused(HttpContext http, string? publicBaseUrl)
    {
        var request = http.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method) || HttpMethods.IsTrace(request.Method))
        {
            return false;
        }
        if (!request.Path.StartsWithSegments("/api") && !request.Path.StartsWithSegments("/account"))
        {
            return false;
        }
        if (ApiKeyAuthenticationHandler.SelectScheme(http) is not null)
        {
            return false;
        }
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0)
        {
            return site is not ("same-origin" or "none");
        }
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            return false;
        }
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var from))
        {
            return true; // "null" (sandboxed frames, file://) and garbage
        }
        if (string.Equals(from.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        return !(Uri.TryCreate(publicBaseUrl, UriKind.Absolute, out var own) && string.Equals(from.Authority, own.Authority, StringComparison.OrdinalIgnoreCase));
    }

    public static Task RefuseAsync(HttpContext http) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Cross-site request refused",
            detail: "A request that changes something and is signed in with the console cookie must come from the console itself; scripts use an API key.",
            extensions: new Dictionary<string, object?> { ["field"] = "Origin" }).ExecuteAsync(http);
}

/// <summary>
/// A body limit for every endpoint: the endpoint's own <see cref="IRequestSizeLimitMetadata"/> (ingest declares its
/// larger one) or the global default. Too large a Content-Length is refused before anything reads; a chunked body is
/// cut off where it crosses the limit. Either way the answer is 413 with a problem naming the body.
/// </summary>
internal static class RequestBodyLimit
{
    public static async Task InvokeAsync(HttpContext http, RequestDelegate next, long defaultLimit)
    {
        var metadata = http.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>();
        if ((metadata is null ? defaultLimit : metadata.MaxRequestBodySize) is not long limit)
        {
            await next(http);
            return;
        }
        if (http.Request.ContentLength > limit)
        {
            await Problems.TooLarge(limit).ExecuteAsync(http);
            return;
        }
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } kestrel)
        {
            kestrel.MaxRequestBodySize = limit;
        }
        var body = new CountingBody(http.Request.Body, limit);
        http.Request.Body = body;
        try
        {
            await next(http);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge && !http.Response.HasStarted)
        {
            body.Exceeded = true;
        }
        if (body.Exceeded && !http.Response.HasStarted)
        {
            // Model binding answers a cut-off body with an empty 400/413 of its own; the caller learns the limit instead.
            http.Response.Clear();
            await Problems.TooLarge(limit).ExecuteAsync(http);
        }
    }

    /// <summary>Throws what Kestrel throws at its own limit, so servers without that limit (tests) behave the same.</summary>
    private sealed class CountingBody(Stream inner, long limit) : Stream
    {
        private long _read;
        public bool Exceeded { get; set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => Count(await inner.ReadAsync(buffer, cancellationToken));
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Count(int n)
        {
            _read += n;
            if (_read <= limit)
            {
                return n;
            }
            Exceeded = true;
            throw new BadHttpRequestException($"The request body exceeds {limit} bytes.", StatusCodes.Status413PayloadTooLarge);
        }
    }
}
