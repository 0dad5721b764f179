using Siyu.Core.Customers;
using Xunit;

namespace Siyu.Core.Tests.Customers;

public sealed class ConsentScopeTests
{
    [Theory]
    [InlineData("sms", "marketing", null)]
    [InlineData("*", "*", null)]
    [InlineData("data", "location", null)]
    [InlineData("data", "marketing", "topic")]
    [InlineData("sms", "location", "topic")]
    [InlineData("fax", "marketing", "channel")]
    [InlineData(null, "marketing", "channel")]
    [InlineData("wecom_mass", null, "topic")]
    public void Scopes_are_checked_naming_the_field_at_fault(string? channel, string? topic, string? field) =>
        Assert.Equal(field, ConsentScopes.Check(channel, topic)?.Field);

    [Fact]
    public void Location_is_off_until_an_explicit_opt_in_and_off_again_after_a_revoke_or_an_erasure()
    {
        Assert.False(ConsentScopes.AllowsDataUse([], "location"));
        Assert.False(ConsentScopes.AllowsDataUse([("*", "*", true, 1)], "location")); // a blanket opt-in is not the separate consent
        Assert.True(ConsentScopes.AllowsDataUse([("data", "location", true, 5)], "location"));
        Assert.False(ConsentScopes.AllowsDataUse([("data", "location", false, 5)], "location"));
        Assert.False(ConsentScopes.AllowsDataUse([("data", "location", true, 5), ("*", "*", false, 9)], "location"));
        Assert.True(ConsentScopes.AllowsDataUse([("*", "*", false, 3), ("data", "location", true, 5)], "location"));
        Assert.True(ConsentScopes.AllowsDataUse([("data", "location", true, 5), ("*", "marketing", false, 9)], "location"));
    }
}
