using System.Runtime.CompilerServices;
using Microsoft.Playwright;

namespace Siyu.E2E.Tests;

internal static class PlaywrightDefaults
{
    /// <summary>
    /// Expectations wait up to 15 s instead of Playwright's 5: in CI these browsers share two cores with the server suite,
    /// and a Blazor round trip there can take several seconds. A wrong value still fails, only later.
    /// </summary>
    [ModuleInitializer]
    internal static void Initialize() => Assertions.SetDefaultExpectTimeout(15_000);
}
