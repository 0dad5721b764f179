using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Siyu.Server.Data;

namespace Siyu.Server.Tests.Access;

/// <summary>
/// Data scopes end to end: staff see their own customers only, a department scope covers its sub-departments, a role or
/// scope change applies at the user's next request, and users are managed (validated, audited) through the API.
/// Staff: zhang (华东/上海), wang (华东), li (华南); customers A (zhang), B (wang), C (li), D (zhang and li).
/// </summary>
public sealed class DataScopeTests : IAsyncLifetime
{
    private const string Password = "scope-test-密码-123";
    private readonly SiyuFactory _factory = new();
    private HttpClient _admin = null!;
    private readonly Dictionary<string, long> _ids = [];

    public async Task InitializeAsync()
    {
        var dbs = _factory.Services.GetRequiredService<IDbContextFactory<SiyuDb>>();
        await using (var db = await dbs.CreateDbContextAsync())
        {
            var tenant = (await db.Tenants.SingleAsync(t => t.Slug == "demo")).Id;
            db.Departments.AddRange(
                new DepartmentRow { TenantId = tenant, Id = 1, Name = "总部" },
                new DepartmentRow { TenantId = tenant, Id = 2, Name = "华东", ParentId = 1 },
                new DepartmentRow { TenantId = tenant, Id = 3, Name = "上海", ParentId = 2 },
                new DepartmentRow { TenantId = tenant, Id = 4, Name = "华南", ParentId = 1 });
            db.Staff.AddRange(
                new StaffRow { TenantId = tenant, UserId = "zhang", Name = "张三", Departments = "3" },
                new StaffRow { TenantId = tenant, UserId = "wang", Name = "王五", Departments = "2" },
                new StaffRow { TenantId = tenant, UserId = "li", Name = "李四", Departments = "4" });
            await db.SaveChangesAsync();
        }
        _admin = await _factory.AdminClientAsync();
        var api = _factory.ApiClient();
        foreach (var (name, phone, staff) in new[] { ("A", "13900000001", new[] { "zhang" }), ("B", "13900000002", ["wang"]), ("C", "13900000003", ["li"]), ("D", "13900000004", ["zhang", "li"]) })
        {
            var events = staff.Select(s => (object)new
            {
                id = $"add-{name}-{s}", type = "customer.added", timestamp = DateTimeOffset.UtcNow.AddDays(-1).ToString("O"),
                identifiers = new { phone }, properties = new { staff_userid = s }, attributes = new { name = "客户" + name },
            }).ToArray();
            var response = await api.PostEventsAsync(new { events });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            _ids[name] = (await response.ReadAsync())["results"]![0]!["customer_id"]!.GetValue<long>();
        }
        // The partitions apply just after the durable append.
        await Json.EventuallyAsync(() => _admin.GetJsonOrNull("/api/v1/customers?limit=200"), page => page["items"]!.AsArray().Count == 4);
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private async Task<int> CreateUserAsync(string name, string role, string? scope = null, string? staff = null, long? department = null)
    {
        var response = await _admin.PostAsJsonAsync("/api/v1/users", new { user_name = name, password = Password, role, data_scope = scope, staff_user_id = staff, department_id = department });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.ReadAsync())["id"]!.GetValue<int>();
    }

    private async Task<HttpClient> SignInAsync(string name)
    {
        var client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var login = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["tenant"] = "demo", ["username"] = name, ["password"] = Password, ["returnUrl"] = "/" }));
        Assert.Equal("/", login.Headers.Location?.ToString());
        return client;
    }

    private async Task<HashSet<long>> ListedAsync(HttpClient client, string query = "")
    {
        var page = await client.GetJsonOrNull("/api/v1/customers?limit=200" + query);
        return [.. page!["items"]!.AsArray().Select(c => c!["id"]!.GetValue<long>())];
    }

    private HashSet<long> Ids(params string[] names) => [.. names.Select(n => _ids[n])];

    [Fact]
    public async Task Staff_see_and_change_only_their_own_customers()
    {
        await CreateUserAsync("s-zhang", "staff", staff: "zhang");
        var zhang = await SignInAsync("s-zhang");

        Assert.Equal(Ids("A", "D"), await ListedAsync(zhang));
        Assert.Equal(Ids("D"), await ListedAsync(zhang, "&q=13900000004"));
        Assert.Empty(await ListedAsync(zhang, "&q=13900000002"));
        Assert.Equal(HttpStatusCode.OK, (await zhang.GetAsync($"/api/v1/customers/{_ids["A"]}")).StatusCode);
        foreach (var path in new[] { "", "/events", "/orders", "/tag-history" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await zhang.GetAsync($"/api/v1/customers/{_ids["B"]}{path}")).StatusCode);
        }
        var edit = await zhang.PatchAsJsonAsync($"/api/v1/customers/{_ids["B"]}/attributes", new { attributes = new { city = "上海" } });
        Assert.Equal(HttpStatusCode.NotFound, edit.StatusCode);
        var own = await zhang.PatchAsJsonAsync($"/api/v1/customers/{_ids["A"]}/attributes", new { attributes = new { city = "上海" } });
        Assert.True(own.IsSuccessStatusCode, await own.Content.ReadAsStringAsync());

        // Tenant-wide reads are not for a narrowed scope, whatever the role grants.
        Assert.Equal(HttpStatusCode.Forbidden, (await zhang.GetAsync("/api/v1/analytics/kpis")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await zhang.GetAsync("/api/v1/audiences")).StatusCode);
        var me = await zhang.GetJsonOrNull("/api/v1/users/me");
        Assert.Equal("own", me!["data_scope"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_department_scope_covers_its_sub_departments_and_needs_all_for_tenant_wide_reads()
    {
        await CreateUserAsync("op-east", "operator", scope: "department", department: 2);
        var east = await SignInAsync("op-east");
        Assert.Equal(Ids("A", "B", "D"), await ListedAsync(east));
        Assert.Equal(HttpStatusCode.NotFound, (await east.GetAsync($"/api/v1/customers/{_ids["C"]}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await east.GetAsync("/api/v1/analytics/kpis")).StatusCode);

        await CreateUserAsync("op-south", "operator", scope: "department", department: 4);
        Assert.Equal(Ids("C", "D"), await ListedAsync(await SignInAsync("op-south")));
        await CreateUserAsync("op-all", "operator");
        var all = await SignInAsync("op-all");
        Assert.Equal(Ids("A", "B", "C", "D"), await ListedAsync(all));
        Assert.Equal(HttpStatusCode.OK, (await all.GetAsync("/api/v1/analytics/kpis")).StatusCode);
    }

    [Fact]
    public async Task Role_scope_and_disabling_apply_at_the_next_request_and_are_audited()
    {
        var id = await CreateUserAsync("s-wang", "staff", staff: "wang");
        var wang = await SignInAsync("s-wang");
        Assert.Equal(Ids("B"), await ListedAsync(wang));

        Assert.True((await _admin.PatchAsJsonAsync($"/api/v1/users/{id}", new { data_scope = "all", role = "readonly" })).IsSuccessStatusCode);
        Assert.Equal(Ids("A", "B", "C", "D"), await ListedAsync(wang));
        var write = await wang.PatchAsJsonAsync($"/api/v1/customers/{_ids["B"]}/attributes", new { attributes = new { city = "杭州" } });
        Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);

        Assert.True((await _admin.PatchAsJsonAsync($"/api/v1/users/{id}", new { disabled = true })).IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await wang.GetAsync("/api/v1/customers")).StatusCode);
        var relogin = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var refused = await relogin.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["tenant"] = "demo", ["username"] = "s-wang", ["password"] = Password }));
        Assert.StartsWith("/login?error", refused.Headers.Location?.ToString());

        var audit = (await _admin.GetJsonOrNull("/api/v1/audit?action=user&limit=500"))!;
        var actions = audit["items"]!.AsArray().Where(a => a!["target"]?.GetValue<string>() == "s-wang").Select(a => a!["action"]!.GetValue<string>()).ToList();
        Assert.Contains("user.create", actions);
        Assert.Equal(2, actions.Count(a => a == "user.update"));
    }

    [Fact]
    public async Task Bad_user_requests_name_the_field_and_the_last_admin_stays()
    {
        async Task<JsonObject> ErrorsAsync(HttpResponseMessage r)
        {
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            return (await r.ReadAsync())["errors"]!.AsObject();
        }
        var bad = await ErrorsAsync(await _admin.PostAsJsonAsync("/api/v1/users", new { user_name = "x", password = "short", role = "boss", data_scope = "planet" }));
        Assert.True(bad.ContainsKey("password") && bad.ContainsKey("role") && bad.ContainsKey("data_scope"));
        var own = await ErrorsAsync(await _admin.PostAsJsonAsync("/api/v1/users", new { user_name = "nostaff", password = Password, role = "staff" }));
        Assert.True(own.ContainsKey("staff_user_id"));
        var unknown = await ErrorsAsync(await _admin.PostAsJsonAsync("/api/v1/users", new { user_name = "ghost", password = Password, role = "staff", staff_user_id = "nobody" }));
        Assert.True(unknown.ContainsKey("staff_user_id"));
        var dept = await ErrorsAsync(await _admin.PostAsJsonAsync("/api/v1/users", new { user_name = "d", password = Password, role = "operator", data_scope = "department", department_id = 99 }));
        Assert.True(dept.ContainsKey("department_id"));

        var users = (await _admin.GetJsonOrNull("/api/v1/users"))!.AsArray();
        var adminId = users.Single(u => u!["user_name"]!.GetValue<string>() == "admin")!["id"]!.GetValue<int>();
        var demote = await ErrorsAsync(await _admin.PatchAsJsonAsync($"/api/v1/users/{adminId}", new { role = "operator" }));
        Assert.True(demote.ContainsKey("role"));
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.PatchAsJsonAsync("/api/v1/users/9999", new { role = "operator" })).StatusCode);
    }

    [Fact]
    public async Task An_admin_lifts_a_lockout()
    {
        var id = await CreateUserAsync("locked-out", "readonly");
        var client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        for (var i = 0; i < 5; i++)
        {
            await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["tenant"] = "demo", ["username"] = "locked-out", ["password"] = "wrong-" + i }));
        }
        var listed = (await _admin.GetJsonOrNull("/api/v1/users"))!.AsArray().Single(u => u!["id"]!.GetValue<int>() == id)!;
        Assert.True(listed["locked"]!.GetValue<bool>());
        var refused = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["tenant"] = "demo", ["username"] = "locked-out", ["password"] = Password }));
        Assert.NotEqual("/", refused.Headers.Location?.ToString());

        var unlock = await _admin.PostAsync($"/api/v1/users/{id}/unlock", null);
        Assert.True((await unlock.ReadAsync())["was_locked"]!.GetValue<bool>());
        await SignInAsync("locked-out");
    }
}
