using Microsoft.Playwright;

namespace Siyu.E2E.Tests;

/// <summary>
/// Picks an option of a MudSelect the way a user does (open, click the item) and checks the field then shows it. Opening
/// the popover and taking the click are each a round trip over the Blazor circuit; on a loaded machine either can be
/// lost to a re-render, so a pick that did not take is tried again (a user would click again too).
/// </summary>
internal static class MudSelect
{
    private const string InputValue = "el => { const i = el.matches('input') ? el : el.querySelector('input'); return i ? i.value : ''; }";

    /// <param name="field">The select (or an element containing its input).</param>
    /// <param name="option">Text of the option to pick; null picks the first one.</param>
    public static async Task PickAsync(IPage page, ILocator field, string? option = null)
    {
        var items = page.Locator(".mud-popover-open .mud-list-item");
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var before = await field.EvaluateAsync<string>(InputValue);
                await field.ClickAsync();
                var item = option is null ? items.First : items.Filter(new LocatorFilterOptions { HasText = option }).First;
                await item.ClickAsync(new LocatorClickOptions { Timeout = 20_000 });
                await Assertions.Expect(items).ToHaveCountAsync(0, new LocatorAssertionsToHaveCountOptions { Timeout = 10_000 });
                // The pick took when the field's value changed (or already showed the option: picking it again changes nothing).
                var deadline = DateTime.UtcNow.AddSeconds(10);
                while (await field.EvaluateAsync<string>(InputValue) is var now && now == before && (option is null || !now.Contains(option, StringComparison.Ordinal)))
                {
                    if (DateTime.UtcNow > deadline)
                    {
                        throw new TimeoutException($"The select still holds \"{before}\" after picking {option ?? "its first option"}.");
                    }
                    await Task.Delay(100);
                }
                return;
            }
            catch (Exception e) when (e is TimeoutException or PlaywrightException && attempt < 3)
            {
                await page.Keyboard.PressAsync("Escape");
            }
        }
    }
}
