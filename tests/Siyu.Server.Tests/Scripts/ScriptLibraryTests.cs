using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Siyu.Server.Tests.Scripts;

/// <summary>
/// The script library (话术库): folders, scripts of every kind validated field by field, content review before save,
/// Chinese search, rendering for a customer from their profile, uses counted per staff member, and the data scope on
/// rendering for a customer.
/// </summary>
public sealed class ScriptLibraryTests : IAsyncLifetime
{
    private readonly SiyuFactory _factory = new();
    private HttpClient _admin = null!;
    private long _customer;

    public async Task InitializeAsync()
    {
        _admin = await _factory.AdminClientAsync();
        _customer = await _factory.AddCustomerAsync(_admin, "13600002222", "zhang", "李雷", new { city = "杭州" });
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private async Task<long> FolderAsync(string name, long? parent = null)
    {
        var response = await _admin.PostAsJsonAsync("/api/v1/script-folders", new { name, parent_id = parent });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.ReadAsync())["id"]!.GetValue<long>();
    }

    private async Task<JsonNode> CreateAsync(object body)
    {
        var response = await _admin.PostAsJsonAsync("/api/v1/scripts", body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.ReadAsync();
    }

    private async Task<JsonObject> ErrorsAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        return (await response.ReadAsync())["errors"]!.AsObject();
    }

    [Fact]
    public async Task Scripts_are_validated_reviewed_found_in_chinese_and_rendered_for_a_customer()
    {
        var folder = await FolderAsync("售前话术");
        var greeting = await CreateAsync(new { folder_id = folder, kind = "text", title = "首次问候", text = "{{name|您}}好，{{attributes.city|本地}}门店本周有会员日活动～" });
        var id = greeting["script"]!["id"]!.GetValue<long>();
        await CreateAsync(new { folder_id = folder, kind = "link", title = "会员权益", url = "https://example.com/vip", description = "会员专享折扣" });
        await CreateAsync(new { kind = "miniprogram", title = "在线商城", appid = "wx1234567890abcdef", page = "pages/index/index" });

        var bad = await ErrorsAsync(await _admin.PostAsJsonAsync("/api/v1/scripts", new { kind = "file", title = "", url = "ftp://x", text = "{{unknown_field}}" }));
        Assert.True(bad.ContainsKey("title") && bad.ContainsKey("url") && bad.ContainsKey("file_name"), bad.ToJsonString());
        Assert.Contains(bad, e => e.Key.StartsWith("text", StringComparison.Ordinal));
        var mini = await ErrorsAsync(await _admin.PostAsJsonAsync("/api/v1/scripts", new { kind = "miniprogram", title = "x", appid = "wx-!", page = "" }));
        Assert.True(mini.ContainsKey("appid") && mini.ContainsKey("page"));
        Assert.True((await ErrorsAsync(await _admin.PostAsJsonAsync("/api/v1/scripts", new { kind = "text", title = "x", text = "y", folder_id = 999 }))).ContainsKey("folder_id"));

        // 广告法 extreme words are on for every tenant: a blocking word refuses the save and names the field.
        var blocked = await ErrorsAsync(await _admin.PostAsJsonAsync("/api/v1/scripts", new { kind = "text", title = "促销", text = "全网第一的好产品" }));
        Assert.True(blocked.ContainsKey("text"), blocked.ToJsonString());
        Assert.Equal(3, (await _admin.GetJsonOrNull("/api/v1/scripts"))!.AsArray().Count);

        Assert.Equal(["首次问候"], (await _admin.GetJsonOrNull("/api/v1/scripts?q=" + Uri.EscapeDataString("会员日")))!.AsArray().Select(s => s!["title"]!.GetValue<string>()));
        Assert.Equal(2, (await _admin.GetJsonOrNull($"/api/v1/scripts?folder_id={folder}"))!.AsArray().Count);
        Assert.Single((await _admin.GetJsonOrNull("/api/v1/scripts?kind=miniprogram"))!.AsArray());
        Assert.True((await ErrorsAsync(await _admin.GetAsync("/api/v1/scripts?kind=video"))).ContainsKey("kind"));

        var rendered = await (await _admin.PostAsync($"/api/v1/customers/{_customer}/scripts/{id}/use", null)).ReadAsync();
        Assert.Equal("李雷好，杭州门店本周有会员日活动～", rendered["text"]!.GetValue<string>());
        var plain = await (await _admin.PostAsync($"/api/v1/scripts/{id}/use", null)).ReadAsync();
        Assert.Equal("您好，本地门店本周有会员日活动～", plain["text"]!.GetValue<string>());

        var stats = (await _admin.GetJsonOrNull($"/api/v1/scripts/{id}/stats"))!;
        Assert.Equal(2, stats["uses"]!.GetValue<int>());
        Assert.Equal(2, stats["by_staff"]!.AsArray().Single()!["uses"]!.GetValue<int>());
        Assert.Equal("admin", stats["by_staff"]![0]!["actor"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.Conflict, (await _admin.DeleteAsync($"/api/v1/script-folders/{folder}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/v1/scripts/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.PostAsync($"/api/v1/scripts/{id}/use", null)).StatusCode);
    }

    [Fact]
    public async Task A_folder_cannot_move_into_its_own_subfolder()
    {
        var parent = await FolderAsync("售后");
        var child = await FolderAsync("退换货", parent);
        var errors = await ErrorsAsync(await _admin.PatchAsJsonAsync($"/api/v1/script-folders/{parent}", new { name = "售后", parent_id = child }));
        Assert.True(errors.ContainsKey("parent_id"));
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.PatchAsJsonAsync("/api/v1/script-folders/9999", new { name = "x" })).StatusCode);
    }

    [Fact]
    public async Task Staff_use_scripts_only_for_customers_in_their_scope_and_cannot_edit_the_library()
    {
        var script = (await CreateAsync(new { kind = "text", title = "回访", text = "{{name|您}}，最近使用还满意吗？" }))["script"]!["id"]!.GetValue<long>();
        var dbs = _factory.Services.GetRequiredService<IDbContextFactory<Data.SiyuDb>>();
        await using (var db = await dbs.CreateDbContextAsync())
        {
            var tenant = (await db.Tenants.SingleAsync(t => t.Slug == "demo")).Id;
            db.Staff.AddRange(new Data.StaffRow { TenantId = tenant, UserId = "zhang" }, new Data.StaffRow { TenantId = tenant, UserId = "wang" });
            await db.SaveChangesAsync();
        }
        const string password = "staff-script-密码1";
        Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsJsonAsync("/api/v1/users", new { user_name = "s-wang", password, role = "staff", staff_user_id = "wang" })).StatusCode);
        var wang = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        await wang.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["tenant"] = "demo", ["username"] = "s-wang", ["password"] = password }));

        Assert.Single((await wang.GetJsonOrNull("/api/v1/scripts"))!.AsArray());
        Assert.Equal(HttpStatusCode.NotFound, (await wang.PostAsync($"/api/v1/customers/{_customer}/scripts/{script}/use", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await wang.PostAsJsonAsync("/api/v1/scripts", new { kind = "text", title = "x", text = "y" })).StatusCode);
        Assert.Equal(0, (await _admin.GetJsonOrNull($"/api/v1/scripts/{script}/stats"))!["uses"]!.GetValue<int>());
    }
}
