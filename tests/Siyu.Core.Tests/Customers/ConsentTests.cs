using Xunit;
using System.Text.Json.Nodes;
using Siyu.Core.Customers;
using Siyu.Core.Events;

namespace Siyu.Core.Tests.Customers;

public sealed class ConsentTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 12, 0, 0, TimeSpan.FromHours(8));

    private static ProfileEvent Consent(long seq, bool granted, string channel, string topic, int minutes) =>
        new(seq, 1, granted ? EventTypes.ConsentGranted : EventTypes.ConsentRevoked, T0.AddMinutes(minutes).UtcTicks,
            new JsonObject { ["channel"] = channel, ["topic"] = topic, ["source"] = "test" }, null);

    [Fact]
    public void Latest_consent_change_by_event_time_wins_whatever_the_order_applied()
    {
        ProfileEvent[] events = [Consent(1, false, "sms", "marketing", 0), Consent(2, true, "sms", "marketing", 10), Consent(3, false, "sms", "marketing", 5)];
        foreach (var order in new[] { new[] { 0, 1, 2 }, [2, 1, 0], [1, 0, 2], [2, 0, 1] })
        {
            var profile = new CustomerProfile { CustomerId = 1 };
            foreach (var i in order)
            {
                profile.Apply(events[i]);
            }
            var mark = profile.Consents[CustomerProfile.ConsentKey("sms", "marketing")];
            Assert.True(mark.Granted, $"order {string.Join(",", order)}");
            Assert.Equal(T0.AddMinutes(10).UtcTicks, mark.Ticks);
        }
    }

    [Fact]
    public void At_the_same_instant_an_unsubscribe_beats_an_opt_in()
    {
        var a = new CustomerProfile { CustomerId = 1 };
        a.Apply(Consent(1, true, "wecom_mass", "*", 0));
        a.Apply(Consent(2, false, "wecom_mass", "*", 0));
        var b = new CustomerProfile { CustomerId = 1 };
        b.Apply(Consent(2, false, "wecom_mass", "*", 0));
        b.Apply(Consent(1, true, "wecom_mass", "*", 0));
        Assert.False(a.Consents["wecom_mass/*"].Granted);
        Assert.False(b.Consents["wecom_mass/*"].Granted);
    }

    [Fact]
    public void Messages_siyu_sent_do_not_count_as_the_customers_activity()
    {
        var profile = new CustomerProfile { CustomerId = 1 };
        profile.Apply(new ProfileEvent(1, 1, EventTypes.PageViewed, T0.UtcTicks, null, null));
        profile.Apply(new ProfileEvent(2, 1, EventTypes.MessageSent, T0.AddDays(2).UtcTicks, new JsonObject { ["channel"] = "wecom_mass" }, null));
        profile.Apply(new ProfileEvent(3, 1, EventTypes.MessageExcluded, T0.AddDays(3).UtcTicks, new JsonObject { ["reason"] = "unsubscribed" }, null));
        Assert.Equal(T0.UtcTicks, profile.LastSeenTicks);
        Assert.Equal(1, profile.EventCounts[EventTypes.MessageSent]);
    }
}
