using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Siyu.Server.Tests.Auth;

/// <summary>
/// Every endpoint added with journeys, delivery and analytics refuses callers without credentials (401), and the ones
/// that change something refuse the ingest API key (403: it may send events and read, not operate); the alert writes
/// also refuse console users whose role only reads.
/// </summary>
public sealed class NewEndpointAuthorizationTests(NewEndpointAuthorizationTests.Server server) : IClassFixture<NewEndpointAuthorizationTests.Server>
{
    /// <summary>One server for all the cases (they only read or are refused).</summary>
    public sealed class Server : IAsyncLifetime
    {
        public SiyuFactory Factory { get; } = new();

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync() => await Factory.DisposeAsync();

        private readonly SemaphoreSlim _users = new(1, 1);
        // One sign-in per role: the per-IP login limit (30 a minute) is lower than the number of role cases.
        private readonly Dictionary<string, string> _cookies = [];

        /// <summary>A client signed in as a console user with this role (created and signed in on first use).</summary>
        public async Task<HttpClient> ConsoleClientAsync(string role)
        {
            var name = "test-" + role;
            const string password = "role-test-密码";
            string? cookie;
            await _users.WaitAsync();
            try
            {
                if (!_cookies.TryGetValue(role, out cookie))
                {
                    var dbs = Factory.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<Data.SiyuDb>>();
                    await using var db = await dbs.CreateDbContextAsync();
                    var tenant = await db.Tenants.SingleAsync(t => t.Slug == "demo");
                    if (!await db.Users.AnyAsync(u => u.TenantId == tenant.Id && u.UserName == name))
                    {
                        var user = new Data.ConsoleUser { TenantId = tenant.Id, UserName = name, PasswordHash = "", Role = role };
                        user.PasswordHash = Factory.Services.GetRequiredService<Siyu.Server.Auth.Passwords>().Hash(user, password);
                        db.Users.Add(user);
                        await db.SaveChangesAsync();
                    }
                    using var login = Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
                    var response = await login.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
                    {
                        ["tenant"] = "demo", ["username"] = name, ["password"] = password, ["returnUrl"] = "/",
                    }));
                    Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
                    cookie = string.Join("; ", response.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
                    _cookies[role] = cookie;
                }
            }
            finally
            {
                _users.Release();
            }
            var client = Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
            client.DefaultRequestHeaders.Add("Cookie", cookie);
            return client;
        }
    }

    private readonly HttpClient _anonymous = server.Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
    private readonly HttpClient _ingestKey = server.Factory.ApiClient();

    private static readonly object Funnel = new { steps = new object[] { new { @event = "page.viewed" }, new { @event = "order.paid" } }, step = 1 };

    /// <summary>(method, path, body) of the reads: any signed-in caller.</summary>
    public static TheoryData<string, string> Reads => new()
    {
        { "GET", "/api/v1/analytics/rfm" },
        { "POST", "/api/v1/analytics/funnels/query" },
        { "POST", "/api/v1/analytics/attribution" },
        { "POST", "/api/v1/analytics/cohorts" },
        { "GET", "/api/v1/analytics/purchase-cycles" },
        { "GET", "/api/v1/analytics/kpis" },
        { "GET", "/api/v1/analytics/kpis?format=csv" },
        { "POST", "/api/v1/analytics/cohorts?format=csv" },
        { "GET", "/api/v1/analytics/settings" },
        { "GET", "/api/v1/analytics/lifecycle" },
        { "GET", "/api/v1/journeys/1/experiment" },
        { "GET", "/api/v1/journeys" },
        { "GET", "/api/v1/delivery/messages" },
        { "GET", "/api/v1/analytics/alerts" },
        { "GET", "/api/v1/analytics/alerts/settings" },
    };

    /// <summary>The writes: admins or operators (approvals: admins) only.</summary>
    public static TheoryData<string, string> Writes => new()
    {
        { "POST", "/api/v1/analytics/rfm/refresh" },
        { "POST", "/api/v1/customers/1/reveal" },
        { "PUT", "/api/v1/analytics/settings" },
        { "POST", "/api/v1/customers/1/lifecycle" },
        { "POST", "/api/v1/analytics/funnels/dropoff" },
        { "POST", "/api/v1/mass-sends/1/approve" },
        { "POST", "/api/v1/mass-sends/1/reject" },
        { "POST", "/api/v1/journeys" },
        { "POST", "/api/v1/journeys/1/status" },
        { "POST", "/api/v1/journeys/1/enter" },
        { "PUT", "/api/v1/delivery/settings" },
        { "POST", "/api/v1/analytics/alerts/run" },
        { "POST", "/api/v1/analytics/alerts/1/acknowledge" },
        { "PUT", "/api/v1/analytics/alerts/settings" },
        { "POST", "/api/v1/api-keys/1/rotate" },
        { "POST", "/api/v1/compliance/requests" },
        { "POST", "/api/v1/compliance/requests/1/process" },
        { "POST", "/api/v1/compliance/requests/1/complete" },
        { "POST", "/api/v1/compliance/requests/1/reject" },
        { "POST", "/api/v1/compliance/pii/rotate" },
    };

    /// <summary>Data-subject requests: admins and auditors read (the export download: admins only).</summary>
    public static TheoryData<string, string> ComplianceReads => new()
    {
        { "GET", "/api/v1/compliance/requests" },
        { "GET", "/api/v1/compliance/requests/1" },
        { "GET", "/api/v1/compliance/requests/1/export" },
    };

    /// <summary>What only admins may do with data-subject requests, against the roles that may do something else.</summary>
    public static TheoryData<string, string, string> ComplianceAdminOnly
    {
        get
        {
            var data = new TheoryData<string, string, string>();
            foreach (var role in new[] { Data.Roles.Operator, Data.Roles.Auditor })
            {
                data.Add(role, "POST", "/api/v1/compliance/requests/1/complete");
                data.Add(role, "POST", "/api/v1/compliance/requests/1/reject");
                data.Add(role, "GET", "/api/v1/compliance/requests/1/export");
            }
            data.Add(Data.Roles.Auditor, "POST", "/api/v1/compliance/requests");
            data.Add(Data.Roles.Auditor, "POST", "/api/v1/compliance/requests/1/process");
            return data;
        }
    }

    /// <summary>The alert writes against the console roles that only read (admins and operators may).</summary>
    public static TheoryData<string, string, string> AlertWritesByReaders => new()
    {
        { Data.Roles.Auditor, "POST", "/api/v1/analytics/alerts/1/acknowledge" },
        { Data.Roles.ReadOnly, "PUT", "/api/v1/analytics/alerts/settings" },
        { Data.Roles.ReadOnly, "POST", "/api/v1/analytics/alerts/run" },
    };

    /// <summary>The audit log: admins and auditors only.</summary>
    public static TheoryData<string, string> AuditReads => new()
    {
        { "GET", "/api/v1/audit" },
        { "GET", "/api/v1/audit/verify" },
        { "GET", "/api/v1/audit/export" },
    };

    /// <summary>Every audit endpoint against every console role that may not read the audit log.</summary>
    public static TheoryData<string, string, string> AuditReadsByOtherRoles
    {
        get
        {
            var data = new TheoryData<string, string, string>();
            foreach (var role in new[] { Data.Roles.Operator, Data.Roles.Staff, Data.Roles.ReadOnly })
            {
                foreach (var path in new[] { "/api/v1/audit", "/api/v1/audit/verify", "/api/v1/audit/export" })
                {
                    data.Add(role, "GET", path);
                }
            }
            return data;
        }
    }

    private static HttpRequestMessage Request(string method, string path) => new(new HttpMethod(method), path)
    {
        Content = method == "GET" ? null : JsonContent.Create(path.Contains("funnels", StringComparison.Ordinal) ? Funnel : new { }),
    };

    [Theory]
    [MemberData(nameof(Reads))]
    [MemberData(nameof(Writes))]
    [MemberData(nameof(AuditReads))]
    [MemberData(nameof(ComplianceReads))]
    public async Task Without_credentials_the_answer_is_401(string method, string path) =>
        Assert.Equal(HttpStatusCode.Unauthorized, (await _anonymous.SendAsync(Request(method, path))).StatusCode);

    [Theory]
    [MemberData(nameof(Writes))]
    [MemberData(nameof(AuditReads))]
    [MemberData(nameof(ComplianceReads))]
    public async Task The_ingest_key_may_not_operate(string method, string path) =>
        Assert.Equal(HttpStatusCode.Forbidden, (await _ingestKey.SendAsync(Request(method, path))).StatusCode);

    [Theory]
    [MemberData(nameof(AlertWritesByReaders))]
    public async Task Console_roles_that_only_read_may_not_operate_alerts(string role, string method, string path)
    {
        using var client = await server.ConsoleClientAsync(role);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(Request(method, path))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/analytics/alerts")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Reads))]
    public async Task The_ingest_key_may_read(string method, string path)
    {
        var status = (await _ingestKey.SendAsync(Request(method, path))).StatusCode;
        Assert.True(status is HttpStatusCode.OK or HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"{method} {path}: {status}");
    }

    [Theory]
    [MemberData(nameof(AuditReadsByOtherRoles))]
    public async Task Only_admins_and_auditors_may_read_the_audit_log(string role, string method, string path)
    {
        using var client = await server.ConsoleClientAsync(role);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(Request(method, path))).StatusCode);
    }

    [Theory]
    [MemberData(nameof(AuditReads))]
    public async Task Auditors_may_read_the_audit_log(string method, string path)
    {
        using var client = await server.ConsoleClientAsync(Data.Roles.Auditor);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Request(method, path))).StatusCode);
    }

    [Theory]
    [InlineData(Data.Roles.Operator)]
    [InlineData(Data.Roles.Staff)]
    [InlineData(Data.Roles.Auditor)]
    [InlineData(Data.Roles.ReadOnly)]
    public async Task Only_admins_may_reveal_personal_information(string role)
    {
        using var client = await server.ConsoleClientAsync(role);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync("/api/v1/customers/1/reveal", new { reason = "核对退款" })).StatusCode);
    }

    [Theory]
    [InlineData(Data.Roles.Operator)]
    [InlineData(Data.Roles.Staff)]
    [InlineData(Data.Roles.ReadOnly)]
    public async Task Only_admins_and_auditors_may_read_data_subject_requests(string role)
    {
        using var client = await server.ConsoleClientAsync(role);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/compliance/requests")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/compliance/requests/1")).StatusCode);
    }

    [Fact]
    public async Task Auditors_may_read_data_subject_requests()
    {
        using var client = await server.ConsoleClientAsync(Data.Roles.Auditor);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/compliance/requests")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(ComplianceAdminOnly))]
    public async Task Only_admins_complete_reject_and_download_data_subject_requests(string role, string method, string path)
    {
        using var client = await server.ConsoleClientAsync(role);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(Request(method, path))).StatusCode);
    }

    [Fact]
    public async Task Operators_file_exports_but_not_deletions()
    {
        using var client = await server.ConsoleClientAsync(Data.Roles.Operator);
        var deletion = await client.PostAsJsonAsync("/api/v1/compliance/requests", new { customer_id = 1, kind = "delete" });
        Assert.Equal(HttpStatusCode.Forbidden, deletion.StatusCode);
        // Allowed to file an export: refused here only because customer 1 does not exist (a named field, not 403).
        var export = await client.PostAsJsonAsync("/api/v1/compliance/requests", new { customer_id = 987654321, kind = "export" });
        Assert.Equal(HttpStatusCode.BadRequest, export.StatusCode);
        Assert.Contains("customer_id", await export.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
