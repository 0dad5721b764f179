using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Siyu.Server.Tests;

namespace Siyu.E2E.Tests;

/// <summary>
/// The staff sidebar in chromium at a phone's width: opened as the WeCom client opens it (its user agent, WeCom OAuth
/// through the simulator, the JS-SDK unreachable so sending degrades to copying), and opened from a desktop browser
/// (search for the customer).
/// </summary>
public sealed class SidebarBrowserTests : IAsyncLifetime
{
    private const string Password = "sidebar-e2e-密码";
    private const string WeComUserAgent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 wxwork/4.1.22 MicroMessenger/7.0.1 Language/zh";
    private ServerProcess _server = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private HttpClient _admin = null!;
    private HttpClient _sim = null!;

    public async Task InitializeAsync()
    {
        _server = await ServerProcess.StartAsync(Path.Combine(Path.GetTempPath(), "siyu-tests", "e2e-sidebar-" + Guid.NewGuid().ToString("N")), demo: true);
        _playwright = await Playwright.CreateAsync();
        _browser = await Chromium.LaunchAsync(_playwright);
        _admin = await _server.AdminClientAsync();
        _sim = await ServerProcess.SimulatorClientAsync(_admin);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _server.DisposeAsync();
    }

    private static string Screenshot(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), "siyu-screenshots");
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, name);
    }

    private async Task<JsonNode> PostAsync(string url, object body)
    {
        var response = await _admin.PostAsJsonAsync(url, body);
        Assert.True(response.IsSuccessStatusCode, $"{url}: {await response.Content.ReadAsStringAsync()}");
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private static Task WaitInteractiveAsync(IPage page) =>
        Assertions.Expect(page.Locator("[data-testid=main]")).ToHaveAttributeAsync("data-interactive", "true");

    [Fact]
    public async Task Staff_open_the_sidebar_from_a_WeCom_chat_tag_the_customer_and_use_a_suggested_script()
    {
        // A staff member linked to the WeCom member the simulator's OAuth page signs in by default (the first, zhaolei).
        await PostAsync("/api/v1/users", new { user_name = "s-zhaolei", password = Password, role = "staff", data_scope = "own", staff_user_id = "zhaolei" });
        var external = (await (await _sim.PostAsJsonAsync("/sim/contacts/add", new { userid = "zhaolei", name = "小王" })).Content.ReadFromJsonAsync<JsonObject>())!["external_userid"]!.GetValue<string>();
        var api = _server.ApiClient();
        var customer = (await (await api.PostAsJsonAsync("/api/v1/events", new
        {
            type = "message.received", timestamp = DateTimeOffset.UtcNow.ToString("O"), identifiers = new { external_userid = external }, properties = new { text = "有没有优惠价呀" },
        })).Content.ReadFromJsonAsync<JsonObject>())!["results"]![0]!["customer_id"]!.GetValue<long>();
        var group = (await PostAsync("/api/v1/tag-groups", new { name = "跟进" }))["id"]!.GetValue<long>();
        var tag = (await PostAsync("/api/v1/tags", new { group_id = group, name = "意向客户" }))["id"]!.GetValue<long>();
        await PostAsync("/api/v1/scripts", new { kind = "text", title = "优惠说明", text = "{{name|您}}好，本周会员价再减30元", intents = new[] { "price_inquiry" } });
        await PostAsync("/api/v1/scripts", new { kind = "text", title = "退款说明", text = "退款3个工作日内原路退回", intents = new[] { "after_sales" } });
        for (var i = 0; i < 100 && JsonNode.Parse(await _admin.GetStringAsync($"/api/v1/customers/{customer}"))!["staff"]?.AsObject().ContainsKey("zhaolei") != true; i++)
        {
            await Task.Delay(200);
        }

        await using var context = await _browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 390, Height = 844 }, UserAgent = WeComUserAgent, IsMobile = true, HasTouch = true,
            Permissions = ["clipboard-read", "clipboard-write"], BaseURL = _server.BaseUrl,
        });
        // No internet here: WeCom's JS-SDK does not load, as when the client blocks it; the page must still work.
        await context.RouteAsync("https://res.wx.qq.com/**", r => r.AbortAsync());
        await context.RouteAsync("https://open.work.weixin.qq.com/**", r => r.AbortAsync());
        var page = await context.NewPageAsync();

        // The toolbar link: WeCom OAuth (the simulator's page) signs the staff member in without a password.
        await page.GotoAsync("/sidebar/open?tenant=demo");
        // The authorize link ends in #wechat_redirect, and a fragment survives redirects.
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/sidebar(#.*)?$"));
        await WaitInteractiveAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=sidebar-search]")).ToBeVisibleAsync();

        // The chat's customer (what getCurExternalContact answers inside WeCom).
        await page.GotoAsync("/sidebar?external_userid=" + external);
        await WaitInteractiveAsync(page);
        var card = page.Locator("[data-testid=sidebar-customer]");
        await Assertions.Expect(card).ToHaveAttributeAsync("data-customer", customer.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Assertions.Expect(page.Locator("[data-testid=sidebar-intent][data-intent=price_inquiry]")).ToBeVisibleAsync();
        // Recommended for the price question (the demo library's own price script may rank alongside it).
        var first = page.Locator("[data-testid=sidebar-script]").Filter(new LocatorFilterOptions { HasText = "优惠说明" });
        await Assertions.Expect(first.Locator("[data-testid=sidebar-script-text]")).ToContainTextAsync("本周会员价再减30元");

        await page.ClickAsync("[data-testid=sidebar-add-tag]");
        await page.GetByText("跟进 / 意向客户").ClickAsync();
        await Assertions.Expect(page.Locator($"[data-testid=sidebar-tag][data-tag='{tag}']")).ToBeVisibleAsync();
        var tags = JsonNode.Parse(await _admin.GetStringAsync($"/api/v1/customers/{customer}"))!["tags"]!.AsArray();
        Assert.Contains(tags, t => t!["id"]!.GetValue<long>() == tag);

        // Sending degrades to copying when the JS-SDK is not there.
        await first.Locator("[data-testid=sidebar-send]").ClickAsync();
        await Assertions.Expect(page.GetByText("已复制，粘贴到聊天即可")).ToBeVisibleAsync();
        var copied = await page.EvaluateAsync<string>("navigator.clipboard.readText()");
        Assert.EndsWith("好，本周会员价再减30元", copied, StringComparison.Ordinal);

        // Nothing is wider than the phone.
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), "horizontal overflow at 390 px");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("sidebar.png"), FullPage = true });
    }

    [Fact]
    public async Task Outside_WeCom_the_sidebar_offers_a_search()
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 } });
        await page.GotoAsync(_server.BaseUrl + "/sidebar");
        await page.WaitForURLAsync("**/login**");
        await page.FillAsync("input[name=username]", "admin");
        await page.FillAsync("input[name=password]", ServerProcess.AdminPassword);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync("**/sidebar");
        await WaitInteractiveAsync(page);
        var customers = JsonNode.Parse(await _admin.GetStringAsync("/api/v1/customers?limit=5"))!["items"]!.AsArray();
        for (var i = 0; i < 100 && customers.Count == 0; i++)
        {
            await Task.Delay(300);
            customers = JsonNode.Parse(await _admin.GetStringAsync("/api/v1/customers?limit=5"))!["items"]!.AsArray();
        }
        var name = customers.Select(c => c!["name"]?.GetValue<string>()).First(n => !string.IsNullOrEmpty(n))!;
        await page.Locator("input[data-testid=sidebar-search], [data-testid=sidebar-search] input").First.FillAsync(name);
        await page.Keyboard.PressAsync("Enter");
        await page.Locator("[data-testid=sidebar-result]").First.ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=sidebar-customer]")).ToContainTextAsync(name);
        await Assertions.Expect(page.Locator("[data-testid=sidebar-send]").First.Or(page.GetByText("话术库还是空的。"))).ToBeVisibleAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("sidebar-search.png"), FullPage = true });
    }
}
