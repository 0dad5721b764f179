using System.Text.Json.Nodes;
using Siyu.Core.Customers;
using Siyu.Core.Events;
using Xunit;

namespace Siyu.Core.Tests.Customers;

public sealed class UnsubscribeReplyTests
{
    [Theory]
    [InlineData("退订", true)]
    [InlineData(" 退订！", true)]
    [InlineData("ＴＤ", true)]        // full-width, as Chinese keyboards type it
    [InlineData("td", true)]
    [InlineData("T", true)]
    [InlineData("Unsubscribe.", true)]
    [InlineData("取消 订阅", true)]
    [InlineData("我要退订", false)]   // a sentence is for a human to read
    [InlineData("怎么退订会员？", false)]
    [InlineData("tdd", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Only_a_bare_keyword_unsubscribes(string? text, bool expected) => Assert.Equal(expected, UnsubscribeReply.Matches(text));

    private static ProfileEvent Message(long seq, long ticks, string text) =>
        new(seq, 1, EventTypes.MessageReceived, ticks, new JsonObject { ["text"] = text }, null);

    [Fact]
    public void A_reply_revokes_marketing_on_every_channel_until_a_later_opt_in()
    {
        var profile = new CustomerProfile { CustomerId = 1 };
        profile.Apply(new ProfileEvent(1, 1, EventTypes.ConsentGranted, 100, new JsonObject { ["channel"] = "sms", ["topic"] = "marketing" }, null));
        profile.Apply(Message(2, 200, "请问还有货吗"));
        Assert.False(profile.Consents.ContainsKey(CustomerProfile.ConsentKey("*", "marketing")));

        profile.Apply(Message(3, 300, "退订"));
        var mark = profile.Consents[CustomerProfile.ConsentKey("*", "marketing")];
        Assert.False(mark.Granted);
        Assert.Equal((300L, UnsubscribeReply.Source), (mark.Ticks, mark.Source));

        // An earlier grant replayed later does not undo it; a later opt-in does.
        profile.Apply(new ProfileEvent(4, 1, EventTypes.ConsentGranted, 250, new JsonObject { ["channel"] = "*", ["topic"] = "marketing" }, null));
        Assert.False(profile.Consents[CustomerProfile.ConsentKey("*", "marketing")].Granted);
        profile.Apply(new ProfileEvent(5, 1, EventTypes.ConsentGranted, 400, new JsonObject { ["channel"] = "*", ["topic"] = "marketing", ["source"] = "h5_form" }, null));
        Assert.True(profile.Consents[CustomerProfile.ConsentKey("*", "marketing")].Granted);
    }
}
