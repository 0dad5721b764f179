using Siyu.Core.Analytics;
using Xunit;

namespace Siyu.Core.Tests.Analytics;

public sealed class HeuristicAttributionTests
{
    [Fact]
    public void First_last_and_linear_touch_by_hand()
    {
        var paths = new AttributionPaths();
        paths.Add("a > a > b", " > ", 3, 300, 1);
        paths.Add("b > c", " > ", 1, 50, 0);
        paths.Add("c", " > ", 0, 0, 4);
        var credits = HeuristicAttribution.Compute(paths).ToDictionary(c => c.Channel);
        Assert.Equal((3.0, 300.0), (credits["a"].FirstTouchConversions, credits["a"].FirstTouchValue));
        Assert.Equal((1.0, 50.0), (credits["b"].FirstTouchConversions, credits["b"].FirstTouchValue));
        Assert.Equal((3.0, 300.0), (credits["b"].LastTouchConversions, credits["b"].LastTouchValue));
        Assert.Equal((1.0, 50.0), (credits["c"].LastTouchConversions, credits["c"].LastTouchValue));
        // Linear counts repeats: a > a > b gives a two thirds of 3 conversions, b one third; b > c halves.
        Assert.Equal(2.0, credits["a"].LinearConversions, 12);
        Assert.Equal(1.0 + 0.5, credits["b"].LinearConversions, 12);
        Assert.Equal(0.5, credits["c"].LinearConversions, 12);
        Assert.Equal(200.0 + 0, credits["a"].LinearValue, 9);
        Assert.Equal(100.0 + 25, credits["b"].LinearValue, 9);
        Assert.Equal(["a", "b", "c"], credits.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_path_separator_without_spaces_also_splits_and_names_are_trimmed()
    {
        Assert.Equal(["搜索", "直播", "私聊"], AttributionPaths.Split(" 搜索>直播 >  私聊 ", " > "));
        Assert.Throws<FormatException>(() => AttributionPaths.Split("a >  > b", " > "));
        Assert.Throws<FormatException>(() => AttributionPaths.Split("   ", " > "));
    }
}
