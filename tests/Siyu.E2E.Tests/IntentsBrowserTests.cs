using Microsoft.Playwright;
using Siyu.Server.Tests;

namespace Siyu.E2E.Tests;

/// <summary>The 意图识别 console page in chromium: classify a text, see the model's quality, add a custom keyword intent.</summary>
public sealed class IntentsBrowserTests : IAsyncLifetime
{
    private ServerProcess _server = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _server = await ServerProcess.StartAsync(Path.Combine(Path.GetTempPath(), "siyu-tests", "e2e-intents-" + Guid.NewGuid().ToString("N")), demo: true);
        _playwright = await Playwright.CreateAsync();
        _browser = await Chromium.LaunchAsync(_playwright);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task An_operator_tries_texts_and_adds_a_custom_intent()
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1360, Height = 900 } });
        await page.GotoAsync(_server.BaseUrl + "/intents");
        await page.WaitForURLAsync("**/login**");
        await page.FillAsync("input[name=username]", "admin");
        await page.FillAsync("input[name=password]", ServerProcess.AdminPassword);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync("**/intents");
        await Assertions.Expect(page.Locator("[data-testid=main]")).ToHaveAttributeAsync("data-interactive", "true");

        var text = page.Locator("textarea[data-testid=intent-try-text], [data-testid=intent-try-text] textarea").First;
        await text.FillAsync("我要投诉你们的客服");
        await page.ClickAsync("[data-testid=intent-try]");
        await Assertions.Expect(page.Locator("[data-testid=intent-try-result]")).ToHaveAttributeAsync("data-intent", "complaint");
        await Assertions.Expect(page.Locator("[data-testid=intent-try-source]")).ToContainTextAsync("关键词「投诉」");
        // The cross-validation runs in the background at first use; the page shows it when ready.
        await Assertions.Expect(page.Locator("[data-testid=intent-accuracy]")).ToContainTextAsync("折交叉验证准确率", new() { Timeout = 60_000 });

        var custom = page.Locator("textarea[data-testid=intent-custom], [data-testid=intent-custom] textarea").First;
        await custom.FillAsync("trial_booking | 预约试听 | 试听, 体验课");
        await page.ClickAsync("[data-testid=intent-save]");
        await Assertions.Expect(page.Locator("[data-testid=intent-table]")).ToContainTextAsync("预约试听");
        await text.FillAsync("周六能约个试听吗");
        await page.ClickAsync("[data-testid=intent-try]");
        await Assertions.Expect(page.Locator("[data-testid=intent-try-result]")).ToHaveAttributeAsync("data-intent", "trial_booking");

        var dir = Path.Combine(Path.GetTempPath(), "siyu-screenshots");
        Directory.CreateDirectory(dir);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, "intents.png"), FullPage = true });
    }
}
