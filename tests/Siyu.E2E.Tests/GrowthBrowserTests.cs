using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Siyu.Server.Tests;

namespace Siyu.E2E.Tests;

/// <summary>Growth campaign pages in chromium: an operator creates a lottery, customers draw through the API, the page shows results and the audit.</summary>
public sealed class GrowthBrowserTests : IAsyncLifetime
{
    private ServerProcess _server = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _server = await ServerProcess.StartAsync(Path.Combine(Path.GetTempPath(), "siyu-tests", "e2e-growth-" + Guid.NewGuid().ToString("N")), demo: true);
        _playwright = await Playwright.CreateAsync();
        _browser = await Chromium.LaunchAsync(_playwright);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<IPage> SignInAsync(string path)
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1360, Height = 900 } });
        await page.GotoAsync(_server.BaseUrl + path);
        await page.WaitForURLAsync("**/login**");
        await page.FillAsync("input[name=username]", "admin");
        await page.FillAsync("input[name=password]", ServerProcess.AdminPassword);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync("**" + path);
        await Assertions.Expect(page.Locator("[data-testid=main]")).ToHaveAttributeAsync("data-interactive", "true");
        return page;
    }

    /// <summary>A MudBlazor input by its data-testid (MudBlazor puts the attribute on the input element itself).</summary>
    private static ILocator Field(IPage page, string id) => page.Locator($"input[data-testid={id}], [data-testid={id}] input").First;

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), "siyu-screenshots");
        Directory.CreateDirectory(dir);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, name), FullPage = true });
    }

    [Fact]
    public async Task An_operator_runs_a_lottery_and_audits_it_after_the_end()
    {
        var page = await SignInAsync("/lotteries");
        await Field(page, "lottery-name").FillAsync("双十二大转盘");
        await Field(page, "lottery-prize-name").FillAsync("保温杯");
        await MudSelect.PickAsync(page, page.Locator("div[data-testid=lottery-prize-kind]"), "实物礼品");
        await Field(page, "lottery-prize-chance").FillAsync("50");
        await Field(page, "lottery-prize-stock").FillAsync("2");
        await Field(page, "lottery-per-day").FillAsync("3");
        await page.ClickAsync("[data-testid=lottery-create]");
        try
        {
            await page.WaitForURLAsync("**/lotteries/*", new() { Timeout = 60_000 });
        }
        catch (TimeoutException e)
        {
            throw new Xunit.Sdk.XunitException($"No detail page after create; the form shows: {await page.Locator("[data-testid=main]").InnerTextAsync()}\n{e.Message}");
        }
        await Assertions.Expect(page.Locator("[data-testid=lottery-detail-name]")).ToHaveTextAsync("双十二大转盘");
        var id = long.Parse(page.Url.Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture);

        // Customers draw from a mini-program with a campaigns:participate key.
        using var admin = await _server.AdminClientAsync();
        var key = await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "小程序", scopes = new[] { "campaigns:participate" } });
        using var app = new HttpClient { BaseAddress = new Uri(_server.BaseUrl) };
        app.DefaultRequestHeaders.Add("X-Api-Key", (await key.Content.ReadFromJsonAsync<JsonObject>())!["secret"]!.GetValue<string>());
        var customers = (await admin.GetFromJsonAsync<JsonObject>("/api/v1/customers?limit=4"))!["items"]!.AsArray().Select(c => c!["id"]!.GetValue<long>()).ToList();
        Assert.Equal(4, customers.Count);
        var won = 0;
        foreach (var c in customers)
        {
            var draw = await app.PostAsJsonAsync($"/api/v1/lotteries/{id}/draws", new { customer_id = c, idempotency_key = $"e2e-{c}" });
            Assert.True(draw.IsSuccessStatusCode, await draw.Content.ReadAsStringAsync());
            won += (await draw.Content.ReadFromJsonAsync<JsonObject>())!["draw"]!["outcome"]!.GetValue<string>() == "won" ? 1 : 0;
        }

        await page.ReloadAsync();
        // The reload prerenders first: clicks before the circuit connects are lost.
        await Assertions.Expect(page.Locator("[data-testid=main]")).ToHaveAttributeAsync("data-interactive", "true");
        await Assertions.Expect(page.Locator("[data-testid=lottery-detail-draws]")).ToHaveTextAsync("4");
        await Assertions.Expect(page.Locator("[data-testid=lottery-prize-won]")).ToHaveTextAsync(won.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Assertions.Expect(page.Locator("[data-testid=lottery-draw-outcome]")).ToHaveCountAsync(4);
        await Assertions.Expect(page.Locator("[data-testid=lottery-seed]")).ToHaveCountAsync(0);

        await page.ClickAsync("[data-testid=lottery-end]");
        await Assertions.Expect(page.Locator("[data-testid=lottery-detail-state]")).ToHaveTextAsync("已结束");
        await Assertions.Expect(page.Locator("[data-testid=lottery-audit-result]")).ToContainTextAsync("复算一致 4 / 4 次");
        await Assertions.Expect(page.Locator("[data-testid=lottery-audit-result]")).ToContainTextAsync("✓");
        await ScreenshotAsync(page, "lottery.png");

        // The overview counts the lottery (ended, so not running) and its four draws; demo mode seeded seven stores.
        await page.ClickAsync("[data-testid=nav-campaigns]");
        var lotteries = page.Locator("[data-testid=campaign-card][data-kind=lotteries]");
        await Assertions.Expect(lotteries.Locator("[data-testid=campaign-total]")).ToHaveTextAsync("1");
        await Assertions.Expect(lotteries.Locator("[data-testid=campaign-active]")).ToHaveTextAsync("0");
        await Assertions.Expect(lotteries.Locator("[data-testid=campaign-metric-draws]")).ToHaveTextAsync("4");
        await Assertions.Expect(page.Locator("[data-testid=campaign-card][data-kind=stores] [data-testid=campaign-total]")).ToHaveTextAsync("7");
        await ScreenshotAsync(page, "campaigns.png");
    }
}
