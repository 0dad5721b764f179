using System.Text.Json;
using FsCheck.Xunit;
using Siyu.Core.Delivery;
using Xunit;

namespace Siyu.Core.Tests.Delivery;

public sealed class ConsentPolicyTests
{
    private static ConsentRecord Grant(DeliveryChannel? channel, DeliveryTopic? topic, long at) => new(channel, topic, ConsentAction.Granted, at, "h5_form");

    private static ConsentRecord Revoke(DeliveryChannel? channel, DeliveryTopic? topic, long at) => new(channel, topic, ConsentAction.Revoked, at, "sms_reply_td");

    private static ConsentVerdict Check(DeliveryChannel channel, DeliveryTopic topic, params ConsentRecord[] records) =>
        ConsentPolicy.Evaluate(ConsentState.From(records), channel, topic);

    [Fact]
    public void Without_records_wecom_marketing_is_allowed_but_sms_marketing_needs_an_opt_in()
    {
        Assert.True(Check(DeliveryChannel.WeComMass, DeliveryTopic.Marketing).Allowed);
        Assert.True(Check(DeliveryChannel.WeComPrivate, DeliveryTopic.Marketing).Allowed);
        var sms = Check(DeliveryChannel.Sms, DeliveryTopic.Marketing);
        Assert.Equal((false, "consent.no_opt_in", (ConsentRecord?)null), (sms.Allowed, sms.Code, sms.Record));
        Assert.True(Check(DeliveryChannel.Sms, DeliveryTopic.Transactional).Allowed);
        Assert.True(Check(DeliveryChannel.Sms, DeliveryTopic.Reminder).Allowed);
    }

    [Theory]
    [InlineData(null, DeliveryTopic.Marketing)]
    [InlineData(DeliveryChannel.Sms, DeliveryTopic.Marketing)]
    [InlineData(null, null)]
    [InlineData(DeliveryChannel.Sms, null)]
    public void Any_matching_grant_is_an_sms_marketing_opt_in(DeliveryChannel? channel, DeliveryTopic? topic) =>
        Assert.True(Check(DeliveryChannel.Sms, DeliveryTopic.Marketing, Grant(channel, topic, 10)).Allowed);

    [Fact]
    public void An_unsubscribe_wins_over_an_earlier_grant_and_over_a_grant_at_the_same_instant()
    {
        var verdict = Check(DeliveryChannel.Sms, DeliveryTopic.Marketing, Grant(DeliveryChannel.Sms, DeliveryTopic.Marketing, 10), Revoke(DeliveryChannel.Sms, null, 20));
        Assert.Equal((false, "unsubscribed"), (verdict.Allowed, verdict.Code));
        Assert.Equal("sms_reply_td", verdict.Record!.Source);
        Assert.False(Check(DeliveryChannel.Sms, DeliveryTopic.Marketing, Grant(DeliveryChannel.Sms, null, 30), Revoke(DeliveryChannel.Sms, null, 30)).Allowed);
        Assert.False(Check(DeliveryChannel.Sms, DeliveryTopic.Marketing, Revoke(DeliveryChannel.Sms, null, 30), Grant(DeliveryChannel.Sms, null, 30)).Allowed);
    }

    [Fact]
    public void A_later_explicit_grant_renews_consent_after_an_unsubscribe()
    {
        Assert.True(Check(DeliveryChannel.WeComMass, DeliveryTopic.Marketing, Revoke(null, null, 10), Grant(null, DeliveryTopic.Marketing, 20)).Allowed);
        Assert.False(Check(DeliveryChannel.WeComMass, DeliveryTopic.Marketing, Grant(null, DeliveryTopic.Marketing, 10), Revoke(null, null, 20)).Allowed);
    }

    [Fact]
    public void Unsubscribing_from_everything_stops_marketing_and_reminders_but_not_service_or_transactional_notices()
    {
        var all = Revoke(null, null, 10);
        Assert.False(Check(DeliveryChannel.WeComMass, DeliveryTopic.Marketing, all).Allowed);
        Assert.False(Check(DeliveryChannel.WeComPrivate, DeliveryTopic.Reminder, all).Allowed);
        Assert.True(Check(DeliveryChannel.Sms, DeliveryTopic.Transactional, all).Allowed);
        Assert.True(Check(DeliveryChannel.WeComPrivate, DeliveryTopic.Service, all).Allowed);
    }

    [Fact]
    public void Transactional_and_service_stop_only_when_the_topic_is_named()
    {
        Assert.False(Check(DeliveryChannel.Sms, DeliveryTopic.Transactional, Revoke(null, DeliveryTopic.Transactional, 10)).Allowed);
        Assert.False(Check(DeliveryChannel.Sms, DeliveryTopic.Service, Revoke(DeliveryChannel.Sms, DeliveryTopic.Service, 10)).Allowed);
        Assert.True(Check(DeliveryChannel.WeComPrivate, DeliveryTopic.Service, Revoke(DeliveryChannel.Sms, DeliveryTopic.Service, 10)).Allowed);
    }

    [Fact]
    public void A_revocation_on_one_channel_leaves_the_others()
    {
        var r = Revoke(DeliveryChannel.WeComPrivate, DeliveryTopic.Marketing, 10);
        Assert.False(Check(DeliveryChannel.WeComPrivate, DeliveryTopic.Marketing, r).Allowed);
        Assert.True(Check(DeliveryChannel.WeComMass, DeliveryTopic.Marketing, r).Allowed);
        Assert.True(Check(DeliveryChannel.WeComPrivate, DeliveryTopic.Reminder, r).Allowed);
    }

    [Fact]
    public void The_state_serialises_and_answers_the_same_after_a_round_trip()
    {
        var state = ConsentState.From([Grant(DeliveryChannel.Sms, DeliveryTopic.Marketing, 10), Revoke(null, null, 20), Revoke(null, null, 5)]);
        var json = JsonSerializer.Serialize(state);
        Assert.Contains("\"channel\":\"sms\"", json);
        Assert.Contains("\"action\":\"revoked\"", json);
        var back = JsonSerializer.Deserialize<ConsentState>(json)!;
        Assert.Equal(state.Latest, back.Latest);
        Assert.Equal(2, back.Latest.Count);
    }

    /// <summary>The rule written out from the documentation, as an oracle over the full record list.</summary>
    private static (bool Allowed, string Code) Oracle(IEnumerable<ConsentRecord> records, DeliveryChannel channel, DeliveryTopic topic)
    {
        var essential = topic is DeliveryTopic.Transactional or DeliveryTopic.Service;
        var applicable = records
            .Where(r => r.Channel is null || r.Channel == channel)
            .Where(r => r.Topic == topic || (r.Topic is null && !essential))
            .OrderBy(r => r.AtUtcTicks).ThenBy(r => r.Action == ConsentAction.Revoked ? 1 : 0)
            .ToList();
        if (applicable.Count == 0)
        {
            return channel == DeliveryChannel.Sms && topic == DeliveryTopic.Marketing ? (false, "consent.no_opt_in") : (true, "consent.allowed");
        }
        return applicable[^1].Action == ConsentAction.Revoked ? (false, "unsubscribed") : (true, "consent.allowed");
    }

    [Property(MaxTest = 300)]
    public void The_compacted_state_in_any_order_answers_like_the_full_history(int seed)
    {
        var random = new Random(seed);
        var records = Enumerable.Range(0, random.Next(0, 25)).Select(_ => new ConsentRecord(
            random.Next(3) == 0 ? null : (DeliveryChannel)random.Next(5),
            random.Next(3) == 0 ? null : (DeliveryTopic)random.Next(4),
            random.Next(2) == 0 ? ConsentAction.Granted : ConsentAction.Revoked,
            random.Next(0, 8), // few distinct instants, so ties are common
            "s")).ToList();
        var shuffled = records.OrderBy(_ => random.Next()).ToList();
        var folded = shuffled.Aggregate(ConsentState.Empty, (s, r) => s.With(r));
        Assert.True(folded.Latest.Count <= 30);
        foreach (var channel in Enum.GetValues<DeliveryChannel>())
        {
            foreach (var topic in Enum.GetValues<DeliveryTopic>())
            {
                var expected = Oracle(records, channel, topic);
                var full = ConsentPolicy.Evaluate(records, channel, topic);
                var compact = ConsentPolicy.Evaluate(folded, channel, topic);
                Assert.Equal(expected, (full.Allowed, full.Code));
                Assert.Equal(expected, (compact.Allowed, compact.Code));
            }
        }
    }
}
