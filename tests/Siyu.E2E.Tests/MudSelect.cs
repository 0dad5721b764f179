using Microsoft.Playwright;

namespace Siyu.E2E.Tests;

/// <summary>
/// Picks an option of a MudSelect the way a user does (open, click the item) and checks the field then shows it. Opening
/// the popover and taking the click are each a round trip over the Blazor circuit; on a loaded machine either can be
/// lost to a re-render, so a pick that did not take is tried again (a user would click again too).
/// </summary>
internal static class MudSelect
{
    // What the select shows and holds: its displayed text and its (hidden) input's value, from the select's root.
    private const string Shown = "el => { const root = el.closest('.mud-select') ?? el.closest('.mud-input-control') ?? el; return root.textContent + '|' + [...root.querySelectorAll('input')].map(i => i.value).join('|'); }";

    /// <param name="field">The select, or an element of it (MudSelect repeats its data-testid on a hidden input and the visible box).</param>
    /// <param name="option">Text of the option to pick; null picks the first one.</param>
    public static async Task PickAsync(IPage page, ILocator field, string? option = null)
    {
        var items = page.Locator(".mud-popover-open .mud-list-item");
        var box = field.Filter(new LocatorFilterOptions { Visible = true }).First;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var before = await box.EvaluateAsync<string>(Shown);
                await box.ClickAsync();
                var item = option is null ? items.First : items.Filter(new LocatorFilterOptions { HasText = option }).First;
                await item.ClickAsync(new LocatorClickOptions { Timeout = 20_000 });
                await Assertions.Expect(items).ToHaveCountAsync(0, new LocatorAssertionsToHaveCountOptions { Timeout = 10_000 });
                // A named pick took when the field changed or shows the option (picking the current one changes nothing);
                // "the first option" may be the one already chosen, so the closed list is all there is to check.
                var deadline = DateTime.UtcNow.AddSeconds(10);
                while (option is not null && await box.EvaluateAsync<string>(Shown) is var now && now == before && !now.Contains(option, StringComparison.Ordinal))
                {
                    if (DateTime.UtcNow > deadline)
                    {
                        throw new TimeoutException($"The select still holds \"{before}\" after picking {option}.");
                    }
                    await Task.Delay(100);
                }
                return;
            }
            catch (Exception e) when (e is TimeoutException or PlaywrightException && attempt < 3)
            {
                await page.Keyboard.PressAsync("Escape");
            }
            catch (Exception e) when (e is TimeoutException or PlaywrightException)
            {
                // What the page showed when the last try gave up, so a failure in CI says which round trip was lost.
                var popovers = await page.Locator(".mud-popover-open").CountAsync();
                var listed = await page.Locator(".mud-popover-open .mud-list-item").AllTextContentsAsync();
                var shown = await box.EvaluateAsync<string>(Shown);
                throw new TimeoutException($"Picking {option ?? "the first option"} failed 3 times; open popovers: {popovers}, items listed: [{string.Join(", ", listed)}], field: \"{shown}\"", e);
            }
        }
    }
}
