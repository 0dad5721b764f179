using Siyu.Core.Groups;
using Xunit;

namespace Siyu.Core.Tests.Groups;

public sealed class GroupRotationTests
{
    [Fact]
    public void Next_member_goes_to_the_first_group_with_room()
    {
        var plan = GroupRotation.Plan([new("a", 200), new("b", 199), new("c", 10)]);
        Assert.Equal("b", plan.Next);
        Assert.Equal(["b", "c"], plan.Listed);
        Assert.False(plan.NeedsNewGroup);
    }

    [Fact]
    public void Full_groups_drop_out_and_standby_groups_move_in_up_to_five()
    {
        var pool = new List<PooledGroup> { new("g1", 200), new("g2", 0), new("g3", 5), new("g4", 0, Dismissed: true), new("g5", 0), new("g6", 0), new("g7", 0), new("g8", 0) };
        var plan = GroupRotation.Plan(pool);
        Assert.Equal(["g2", "g3", "g5", "g6", "g7"], plan.Listed);
        Assert.Equal("g2", plan.Next);
    }

    [Fact]
    public void When_every_group_is_full_the_last_stays_listed_and_a_new_group_is_needed()
    {
        var plan = GroupRotation.Plan([new("a", 200), new("b", 200), new("c", 3, Dismissed: true)]);
        Assert.Null(plan.Next);
        Assert.Equal(["b"], plan.Listed);
        Assert.True(plan.NeedsNewGroup);
    }

    [Fact]
    public void An_empty_pool_lists_nothing()
    {
        var plan = GroupRotation.Plan([]);
        Assert.Empty(plan.Listed);
        Assert.True(plan.NeedsNewGroup);
    }

    [Fact]
    public void Auto_room_names_append_the_base_id() => Assert.Equal("VIP群3", GroupRotation.AutoRoomName("VIP群", 3));
}

public sealed class TierRoutingTests
{
    private static readonly GroupTier Normal = new(1, "普通群", 0, false);
    private static readonly GroupTier Vip = new(2, "VIP群", 10, true);
    private static readonly GroupTier Svip = new(3, "SVIP群", 20, true);

    [Fact]
    public async Task The_highest_tier_the_customer_meets_wins()
    {
        var asked = new List<string>();
        var choice = await TierRouting.ChooseAsync([Normal, Svip, Vip], t =>
        {
            asked.Add(t.Name);
            return Task.FromResult((t.Id == 2, "spend 5000"));
        });
        Assert.Equal(Vip, choice.Tier);
        Assert.Equal(["SVIP群", "VIP群"], asked);
        Assert.Equal(2, choice.Reasons.Count);
        Assert.Contains("does not meet", choice.Reasons[0]);
    }

    [Fact]
    public async Task A_customer_meeting_no_condition_gets_the_open_tier()
    {
        var choice = await TierRouting.ChooseAsync([Normal, Vip], _ => Task.FromResult((false, "")));
        Assert.Equal(Normal, choice.Tier);
    }

    [Fact]
    public async Task Without_an_open_tier_a_customer_meeting_nothing_gets_none()
    {
        var choice = await TierRouting.ChooseAsync([Vip, Svip], _ => Task.FromResult((false, "")));
        Assert.Null(choice.Tier);
        Assert.Equal(2, choice.Reasons.Count);
    }
}
