using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Siyu.Server.Tests;

namespace Siyu.E2E.Tests;

/// <summary>任务宝 in chromium: an operator creates a referral campaign, a customer joins and a friend scans their code, the page shows the result.</summary>
public sealed class ReferralBrowserTests : IAsyncLifetime
{
    private ServerProcess _server = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _server = await ServerProcess.StartAsync(Path.Combine(Path.GetTempPath(), "siyu-tests", "e2e-referral-" + Guid.NewGuid().ToString("N")), demo: true);
        _playwright = await Playwright.CreateAsync();
        _browser = await Chromium.LaunchAsync(_playwright);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _server.DisposeAsync();
    }

    private static ILocator Field(IPage page, string id) => page.Locator($"input[data-testid={id}], [data-testid={id}] input").First;

    [Fact]
    public async Task An_operator_creates_a_referral_campaign_and_sees_a_counted_invite()
    {
        using var admin = await _server.AdminClientAsync();
        var channel = await admin.PostAsJsonAsync("/api/v1/wecom/channels", new { name = "裂变承接码", staff = new object[] { new { userid = "zhangmin", daily_cap = 0 } } });
        Assert.True(channel.IsSuccessStatusCode, await channel.Content.ReadAsStringAsync());

        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1360, Height = 900 } });
        await page.GotoAsync(_server.BaseUrl + "/referrals");
        await page.WaitForURLAsync("**/login**");
        await page.FillAsync("input[name=username]", "admin");
        await page.FillAsync("input[name=password]", ServerProcess.AdminPassword);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync("**/referrals");
        await Assertions.Expect(page.Locator("[data-testid=main]")).ToHaveAttributeAsync("data-interactive", "true");

        await Field(page, "referral-name").FillAsync("邀好友领课程");
        // This MudSelect puts the data-testid on its input: click the field around it.
        await MudSelect.PickAsync(page, page.Locator("div.mud-input:has(input[data-testid=referral-channel])"), "裂变承接码");
        await Field(page, "referral-tier-invites").FillAsync("1");
        await page.ClickAsync("[data-testid=referral-create]");
        try
        {
            // Creating the campaign creates its WeCom contact way over HTTP first: give a loaded machine a minute.
            await page.WaitForURLAsync("**/referrals/*", new() { Timeout = 60_000 });
        }
        catch (TimeoutException e)
        {
            throw new Xunit.Sdk.XunitException($"No detail page after create; the form shows: {await page.Locator("[data-testid=main]").InnerTextAsync()}\n{e.Message}");
        }
        await Assertions.Expect(page.Locator("[data-testid=referral-detail-name]")).ToHaveTextAsync("邀好友领课程");
        var id = long.Parse(page.Url.Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture);

        // A customer joins from the H5 page and a friend scans their code in the (simulated) WeChat.
        using var sim = await ServerProcess.SimulatorClientAsync(admin);
        var added = await sim.PostAsJsonAsync("/sim/contacts/add", new { userid = "zhangmin", name = "邀请人" });
        var ext = (await added.Content.ReadFromJsonAsync<JsonObject>())!["external_userid"]!.GetValue<string>();
        var found = await Json.EventuallyAsync(() => admin.GetJsonOrNull($"/api/v1/customers?q={ext}"), p => p["items"]!.AsArray().Count == 1);
        var join = await admin.PostAsJsonAsync($"/api/v1/referrals/campaigns/{id}/join", new { customer_id = found["items"]![0]!["id"]!.GetValue<long>() });
        Assert.True(join.IsSuccessStatusCode, await join.Content.ReadAsStringAsync());
        var state = (await join.Content.ReadFromJsonAsync<JsonObject>())!["state"]!.GetValue<string>();
        await sim.PostAsJsonAsync("/sim/contacts/add", new { userid = "zhangmin", name = "新朋友", state });
        await Json.EventuallyAsync(() => admin.GetJsonOrNull($"/api/v1/referrals/campaigns/{id}"), c => c["counted"]!.GetValue<int>() == 1);

        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("[data-testid=main]")).ToHaveAttributeAsync("data-interactive", "true");
        await Assertions.Expect(page.Locator("[data-testid=referral-detail-counted]")).ToHaveTextAsync("1");
        await Assertions.Expect(page.Locator("[data-testid=referral-leader-valid]").First).ToHaveTextAsync("1");
        await Assertions.Expect(page.Locator("[data-testid=referral-tier-granted]").First).ToHaveTextAsync("1");
        await page.Locator("[data-testid=referral-preview]").First.ClickAsync();
        await Assertions.Expect(page.Locator("img[data-testid=referral-poster]")).ToBeVisibleAsync();
    }
}
