using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Siyu.Server.Security;
using Siyu.Server.Tests.Audiences;

namespace Siyu.Server.Tests.Auth;

/// <summary>
/// Sign-in lockout and rate limit, security headers, body size limit and cross-site refusal, through the real server
/// (Production environment, so HSTS is on; a small per-IP limit and body limit so the cases stay cheap).
/// </summary>
public sealed class HardeningTests(HardeningTests.Server server) : IClassFixture<HardeningTests.Server>
{
    public sealed class Server : IAsyncLifetime
    {
        public MovableTime Time { get; } = new(new DateTimeOffset(2026, 12, 2, 8, 0, 0, TimeSpan.Zero));
        private readonly SiyuFactory _root;
        public WebApplicationFactory<Program> Factory { get; }
        public HttpClient Admin { get; private set; } = null!;
        private int _ip;

        public Server()
        {
            _root = new SiyuFactory(time: Time);
            Factory = _root.WithWebHostBuilder(b =>
            {
                b.UseEnvironment("Production");
                b.UseSetting("Siyu:Security:LoginAttemptsPerIp", "3");
                b.UseSetting("Siyu:Security:LoginIpWindow", "01:00:00");
                b.UseSetting("Siyu:Security:MaxRequestBodyBytes", "65536");
            });
        }

        public async Task InitializeAsync()
        {
            // The only sign-in from the test client's (empty) address: the per-IP limit of 3 applies to it too.
            var client = Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
            var login = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["tenant"] = "demo", ["username"] = "admin", ["password"] = SiyuFactory.AdminPassword, ["returnUrl"] = "/",
            }));
            Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
            Admin = client;
        }

        public async Task DisposeAsync()
        {
            await Factory.DisposeAsync();
            await _root.DisposeAsync();
        }

        /// <summary>A fresh client address per sign-in, so the lockout cases never meet the per-IP limit.</summary>
        public string NextIp() => $"198.51.100.{Interlocked.Increment(ref _ip)}";

        public async Task CreateUserAsync(string name, string password)
        {
            var dbs = Factory.Services.GetRequiredService<IDbContextFactory<Data.SiyuDb>>();
            await using var db = await dbs.CreateDbContextAsync();
            var tenant = await db.Tenants.SingleAsync(t => t.Slug == "demo");
            var user = new Data.ConsoleUser { TenantId = tenant.Id, UserName = name, PasswordHash = "", Role = Data.Roles.Operator };
            user.PasswordHash = Factory.Services.GetRequiredService<Siyu.Server.Auth.Passwords>().Hash(user, password);
            db.Users.Add(user);
            await db.SaveChangesAsync();
        }

        /// <summary>POST /account/login as a form, from the given client address.</summary>
        public Task<HttpContext> LoginAsync(string user, string password, string? ip = null, bool browser = false) =>
            Factory.Server.SendAsync(c =>
            {
                var form = Encoding.UTF8.GetBytes($"tenant=demo&username={Uri.EscapeDataString(user)}&password={Uri.EscapeDataString(password)}&returnUrl=%2Fcustomers");
                c.Request.Method = "POST";
                c.Request.Path = "/account/login";
                c.Request.ContentType = "application/x-www-form-urlencoded";
                c.Request.ContentLength = form.Length;
                c.Request.Body = new MemoryStream(form);
                c.Connection.RemoteIpAddress = IPAddress.Parse(ip ?? NextIp());
                if (browser)
                {
                    c.Request.Headers.Accept = "text/html,application/xhtml+xml";
                }
            });
    }

    private const string Password = "right-密码-1";

    private static async Task<JsonNode> ProblemAsync(HttpContext response)
    {
        Assert.Equal("application/problem+json", response.Response.ContentType);
        return JsonNode.Parse(await new StreamReader(response.Response.Body).ReadToEndAsync())!;
    }

    [Fact]
    public async Task Five_failed_sign_ins_lock_the_account_for_fifteen_minutes()
    {
        await server.CreateUserAsync("lock-five", Password);
        for (var i = 0; i < 4; i++)
        {
            var failed = await server.LoginAsync("lock-five", "wrong");
            Assert.Equal(StatusCodes.Status302Found, failed.Response.StatusCode);
            Assert.StartsWith("/login?error=1", failed.Response.Headers.Location.ToString());
        }
        var fifth = await server.LoginAsync("lock-five", "wrong");
        Assert.Equal(StatusCodes.Status429TooManyRequests, fifth.Response.StatusCode);
        Assert.Equal("900", fifth.Response.Headers.RetryAfter.ToString());
        Assert.Equal("username", (await ProblemAsync(fifth))["field"]!.GetValue<string>());
        await using (var db = await server.Factory.Services.GetRequiredService<IDbContextFactory<Data.SiyuDb>>().CreateDbContextAsync())
        {
            var failures = await db.Audit.Where(a => a.Actor == "lock-five" && a.Action == "login.failed").OrderBy(a => a.Id).Select(a => a.Detail).ToListAsync();
            Assert.Equal(5, failures.Count);
            Assert.Equal("account locked for 15 minutes", failures.Last());
        }

        // Locked: the right password is refused too, without a cookie.
        var right = await server.LoginAsync("lock-five", Password);
        Assert.Equal(StatusCodes.Status429TooManyRequests, right.Response.StatusCode);
        Assert.Empty(right.Response.Headers.SetCookie.ToString());

        server.Time.Now += TimeSpan.FromMinutes(14);
        var stillLocked = await server.LoginAsync("lock-five", Password);
        Assert.Equal(StatusCodes.Status429TooManyRequests, stillLocked.Response.StatusCode);
        Assert.Equal("60", stillLocked.Response.Headers.RetryAfter.ToString());

        server.Time.Now += TimeSpan.FromMinutes(1);
        var after = await server.LoginAsync("lock-five", Password);
        Assert.Equal(StatusCodes.Status302Found, after.Response.StatusCode);
        Assert.Equal("/customers", after.Response.Headers.Location.ToString());
        Assert.Contains("siyu.auth=", after.Response.Headers.SetCookie.ToString());
    }

    [Fact]
    public async Task A_locked_browser_sign_in_returns_to_the_login_page_which_says_why()
    {
        await server.CreateUserAsync("lock-browser", Password);
        HttpContext last = null!;
        for (var i = 0; i < 5; i++)
        {
            last = await server.LoginAsync("lock-browser", "wrong", browser: true);
        }
        Assert.Equal(StatusCodes.Status302Found, last.Response.StatusCode);
        Assert.Equal("/login?error=locked&retry=15&returnUrl=%2Fcustomers", last.Response.Headers.Location.ToString());

        var page = WebUtility.HtmlDecode(await server.Factory.CreateClient().GetStringAsync(last.Response.Headers.Location.ToString()));
        Assert.True(page.Contains("账号已临时锁定，请 15 分钟后再试", StringComparison.Ordinal), page);
    }

    [Fact]
    public async Task A_successful_sign_in_resets_the_failure_count()
    {
        await server.CreateUserAsync("lock-reset", Password);
        for (var i = 0; i < 4; i++)
        {
            await server.LoginAsync("lock-reset", "wrong");
        }
        Assert.Equal(StatusCodes.Status302Found, (await server.LoginAsync("lock-reset", Password)).Response.StatusCode);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(StatusCodes.Status302Found, (await server.LoginAsync("lock-reset", "wrong")).Response.StatusCode);
        }
        var ok = await server.LoginAsync("lock-reset", Password);
        Assert.Equal("/customers", ok.Response.Headers.Location.ToString());
    }

    [Fact]
    public async Task Failures_older_than_fifteen_minutes_do_not_count_and_other_accounts_are_not_locked()
    {
        await server.CreateUserAsync("lock-window", Password);
        for (var i = 0; i < 4; i++)
        {
            await server.LoginAsync("lock-window", "wrong");
        }
        server.Time.Now += TimeSpan.FromMinutes(15);
        Assert.Equal(StatusCodes.Status302Found, (await server.LoginAsync("lock-window", "wrong")).Response.StatusCode);
        Assert.Equal("/customers", (await server.LoginAsync("lock-window", Password)).Response.Headers.Location.ToString());

        // Unknown users count as well (the answer does not reveal which names exist), and lock only themselves.
        for (var i = 0; i < 5; i++)
        {
            await server.LoginAsync("nobody-here", "wrong");
        }
        Assert.Equal(StatusCodes.Status429TooManyRequests, (await server.LoginAsync("nobody-here", "wrong")).Response.StatusCode);
        Assert.Equal(StatusCodes.Status302Found, (await server.LoginAsync("lock-window", Password)).Response.StatusCode);
    }

    [Fact]
    public async Task One_address_may_post_three_sign_ins_an_hour_here_then_gets_429_with_Retry_After()
    {
        const string ip = "203.0.113.7";
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(StatusCodes.Status302Found, (await server.LoginAsync("nobody-" + i, "wrong", ip)).Response.StatusCode);
        }
        var limited = await server.LoginAsync("admin", SiyuFactory.AdminPassword, ip);
        Assert.Equal(StatusCodes.Status429TooManyRequests, limited.Response.StatusCode);
        Assert.True(int.Parse(limited.Response.Headers.RetryAfter.ToString(), System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal("Too many sign-in attempts", (await ProblemAsync(limited))["title"]!.GetValue<string>());

        var browser = await server.LoginAsync("admin", SiyuFactory.AdminPassword, ip, browser: true);
        Assert.Equal(StatusCodes.Status302Found, browser.Response.StatusCode);
        Assert.StartsWith("/login?error=limited&retry=", browser.Response.Headers.Location.ToString());

        // Another address is unaffected.
        Assert.Equal("/customers", (await server.LoginAsync("admin", SiyuFactory.AdminPassword)).Response.Headers.Location.ToString());
    }

    [Theory]
    [InlineData("/login")]
    [InlineData("/api/v1/journeys")]
    [InlineData("/no-such-page")]
    public async Task Every_answer_carries_the_security_headers(string path)
    {
        var response = await server.Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }).GetAsync(path);
        var csp = string.Join("", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self';", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("strict-origin-when-cross-origin", response.Headers.GetValues("Referrer-Policy").Single());
    }

    [Fact]
    public async Task Hsts_is_sent_over_https_outside_development()
    {
        var https = server.Factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://siyu.example/"), AllowAutoRedirect = false });
        var secure = await https.GetAsync("/health");
        Assert.Equal("max-age=31536000", secure.Headers.GetValues("Strict-Transport-Security").Single());
        var plain = await server.Factory.CreateClient().GetAsync("/health");
        Assert.False(plain.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task Hsts_is_not_sent_in_development()
    {
        await using var dev = new SiyuFactory();
        var https = dev.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://siyu.example/") });
        var response = await https.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public void A_configured_frame_ancestors_replaces_X_Frame_Options()
    {
        var http = new DefaultHttpContext();
        new SecurityHeaders(new SecurityOptions { FrameAncestors = "'self' https://*.work.weixin.qq.com" }).Apply(http);
        Assert.EndsWith("frame-ancestors 'self' https://*.work.weixin.qq.com", http.Response.Headers.ContentSecurityPolicy.ToString());
        Assert.False(http.Response.Headers.ContainsKey("X-Frame-Options"));

        var self = new DefaultHttpContext();
        new SecurityHeaders(new SecurityOptions { FrameAncestors = "'self'" }).Apply(self);
        Assert.Equal("SAMEORIGIN", self.Response.Headers.XFrameOptions.ToString());
    }

    private static HttpRequestMessage SaveSettings(string json, string? origin = null, string? fetchSite = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, "/api/v1/delivery/settings") { Content = Json.Body(json) };
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }
        if (fetchSite is not null)
        {
            request.Headers.Add("Sec-Fetch-Site", fetchSite);
        }
        return request;
    }

    [Fact]
    public async Task Cookie_signed_writes_from_another_site_are_refused_and_same_origin_ones_pass()
    {
        var settings = await server.Admin.GetStringAsync("/api/v1/delivery/settings");

        var evil = await server.Admin.SendAsync(SaveSettings(settings, origin: "https://evil.example"));
        Assert.Equal(HttpStatusCode.Forbidden, evil.StatusCode);
        Assert.Equal("Cross-site request refused", (await evil.ReadAsync())["title"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Forbidden, (await server.Admin.SendAsync(SaveSettings(settings, fetchSite: "cross-site"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await server.Admin.SendAsync(SaveSettings(settings, fetchSite: "same-site"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await server.Admin.SendAsync(SaveSettings(settings, origin: "null"))).StatusCode);
        // A browser's own header wins over a matching Origin.
        Assert.Equal(HttpStatusCode.Forbidden, (await server.Admin.SendAsync(SaveSettings(settings, origin: "http://localhost", fetchSite: "cross-site"))).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await server.Admin.SendAsync(SaveSettings(settings, origin: "http://localhost"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Admin.SendAsync(SaveSettings(settings, fetchSite: "same-origin"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Admin.SendAsync(SaveSettings(settings))).StatusCode);
    }

    [Fact]
    public async Task Api_key_writes_and_safe_reads_are_not_checked_for_origin_but_a_cross_site_login_is()
    {
        var api = server.Factory.CreateClient();
        api.DefaultRequestHeaders.Add("X-Api-Key", SiyuFactory.ApiKey);
        var ingest = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events")
        {
            Content = Json.Body(new { type = "page.viewed", identifiers = new { phone = "13600000077" } }),
        };
        ingest.Headers.Add("Origin", "https://evil.example");
        Assert.Equal(HttpStatusCode.Accepted, (await api.SendAsync(ingest)).StatusCode);

        var read = new HttpRequestMessage(HttpMethod.Get, "/api/v1/delivery/settings");
        read.Headers.Add("Origin", "https://evil.example");
        Assert.Equal(HttpStatusCode.OK, (await server.Admin.SendAsync(read)).StatusCode);

        var login = new HttpRequestMessage(HttpMethod.Post, "/account/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["tenant"] = "demo", ["username"] = "admin", ["password"] = SiyuFactory.AdminPassword }),
        };
        login.Headers.Add("Origin", "https://evil.example");
        var refused = await server.Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }).SendAsync(login);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.False(refused.Headers.Contains("Set-Cookie"));
    }

    private static string Padded(int bytes) => "{\"pad\":\"" + new string('x', bytes) + "\"}";

    [Fact]
    public async Task A_body_over_the_global_limit_is_413_naming_the_body()
    {
        var response = await server.Admin.SendAsync(SaveSettings(Padded(70_000)));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var problem = await response.ReadAsync();
        Assert.Equal("body", problem["field"]!.GetValue<string>());
        Assert.Contains("65,536", problem["detail"]!.GetValue<string>());

        // Without Content-Length (chunked) the body is cut off where it crosses the limit, with the same answer.
        var chunked = new HttpRequestMessage(HttpMethod.Put, "/api/v1/delivery/settings")
        {
            Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(Padded(70_000)))),
        };
        chunked.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        chunked.Headers.TransferEncodingChunked = true;
        var cut = await server.Admin.SendAsync(chunked);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, cut.StatusCode);
        Assert.Equal("body", (await cut.ReadAsync())["field"]!.GetValue<string>());

        // Just under the limit is read (and judged on its content).
        var under = await server.Admin.SendAsync(SaveSettings(Padded(60_000)));
        Assert.NotEqual(HttpStatusCode.RequestEntityTooLarge, under.StatusCode);
    }

    [Fact]
    public async Task Ingest_keeps_its_own_larger_limit()
    {
        var api = server.Factory.CreateClient();
        api.DefaultRequestHeaders.Add("X-Api-Key", SiyuFactory.ApiKey);
        // ~100 KB: over the global 64 KB here, far under ingest's 5 MiB; read in full and judged on the batch size.
        var batch = new { events = Enumerable.Range(0, 1001).Select(i => new { type = "page.viewed", identifiers = new { phone = "13600000001" }, properties = new { n = i } }).ToArray() };
        var response = await api.PostEventsAsync(batch);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull((await response.ReadAsync())["errors"]!["events"]);
    }
}
