using System.Text.Json.Nodes;
using Siyu.Core.Analytics;
using Siyu.Core.Customers;
using Siyu.Core.Events;
using Xunit;

namespace Siyu.Core.Tests.Analytics;

public sealed class LifecycleTests
{
    private static readonly LifecycleRules Rules = LifecycleRules.Default; // new < 30 d, loyal ≥ 3 orders, silent ≥ 90 d, churned ≥ 180 d

    [Theory]
    [InlineData(0, null, null, null, false, LifecycleStage.Prospect)]
    [InlineData(0, null, null, 89, false, LifecycleStage.Prospect)]    // a prospect who talks is still a prospect
    [InlineData(0, null, null, 90, false, LifecycleStage.Silent)]      // …until 90 days of silence
    [InlineData(1, 0, 0, null, false, LifecycleStage.New)]
    [InlineData(1, 29, 29, null, false, LifecycleStage.New)]
    [InlineData(1, 30, 30, null, false, LifecycleStage.Active)]        // first order 30 days ago: no longer new
    [InlineData(2, 60, 10, null, false, LifecycleStage.Active)]
    [InlineData(3, 60, 10, null, false, LifecycleStage.Loyal)]
    [InlineData(2, 100, 89, null, false, LifecycleStage.Active)]
    [InlineData(2, 100, 90, null, false, LifecycleStage.Silent)]       // exactly 90 days: silent
    [InlineData(5, 400, 90, 5, false, LifecycleStage.Loyal)]           // an interaction 5 days ago keeps them in
    [InlineData(5, 400, 179, null, false, LifecycleStage.Silent)]
    [InlineData(5, 400, 180, null, false, LifecycleStage.Churned)]
    [InlineData(5, 400, 3, 1, true, LifecycleStage.Churned)]           // removed every staff member: churned whatever else
    public void Stages_by_hand(int orders, int? sinceFirst, int? sinceLast, int? sinceInteraction, bool removed, LifecycleStage expected) =>
        Assert.Equal(expected, Lifecycle.Evaluate(new LifecycleFacts(orders, sinceFirst, sinceLast, sinceInteraction, removed), Rules));

    [Fact]
    public void Interactions_only_count_when_the_rules_say_so()
    {
        var facts = new LifecycleFacts(2, 200, 120, 3, false);
        Assert.Equal(LifecycleStage.Active, Lifecycle.Evaluate(facts, Rules));
        Assert.Equal(LifecycleStage.Silent, Lifecycle.Evaluate(facts, Rules with { InteractionsCount = false }));
        Assert.Equal(LifecycleStage.Churned, Lifecycle.Evaluate(facts, Rules with { InteractionsCount = false, SilentDays = 30, ChurnedDays = 100 }));
    }

    [Fact]
    public void A_manual_move_holds_until_the_rules_change_their_answer()
    {
        var state = new LifecycleState();
        Assert.True(state.Update(LifecycleStage.New, 1));
        Assert.True(state.Move(LifecycleStage.Loyal, 2, "op", "大客户签约"));
        Assert.False(state.Update(LifecycleStage.New, 3)); // the rules still say new: the operator's stage holds
        Assert.Equal(LifecycleStage.Loyal, state.Stage);
        Assert.True(state.Update(LifecycleStage.Silent, 4)); // the rules moved on: they win again
        Assert.Equal(LifecycleStage.Silent, state.Stage);
        Assert.Null(state.ManualOver);
        Assert.Equal(
            [(LifecycleStage.New, 1L, false), (LifecycleStage.Loyal, 2L, true), (LifecycleStage.Silent, 4L, false)],
            state.History.Select(h => (h.Stage, h.Ticks, h.Manual)));
        Assert.Equal(("op", "大客户签约"), (state.History[1].By, state.History[1].Reason));
        Assert.Equal(4, state.SinceTicks);
    }

    [Fact]
    public void History_keeps_the_latest_changes()
    {
        var state = new LifecycleState();
        for (var i = 0; i < LifecycleState.MaxHistory + 7; i++)
        {
            state.Update(i % 2 == 0 ? LifecycleStage.Active : LifecycleStage.Silent, i);
        }
        Assert.Equal(LifecycleState.MaxHistory, state.History.Count);
        Assert.Equal(LifecycleState.MaxHistory + 6, state.History[^1].Ticks);
        Assert.Equal(7, state.History[0].Ticks);
    }

    [Fact]
    public void A_lifecycle_moved_event_moves_the_profile_and_is_not_customer_activity()
    {
        var profile = new CustomerProfile { CustomerId = 7 };
        profile.Apply(new ProfileEvent(1, 7, EventTypes.PageViewed, 100, null, null));
        profile.Lifecycle.Update(LifecycleStage.Prospect, 100);
        profile.Apply(new ProfileEvent(2, 7, EventTypes.LifecycleMoved, 500, new JsonObject { ["stage"] = "loyal", ["by"] = "admin", ["reason"] = "签约" }, null));
        Assert.Equal(LifecycleStage.Loyal, profile.Lifecycle.Stage);
        Assert.Equal(LifecycleStage.Prospect, profile.Lifecycle.ManualOver);
        Assert.Equal(100, profile.LastSeenTicks);
        profile.Apply(new ProfileEvent(3, 7, EventTypes.LifecycleMoved, 600, new JsonObject { ["stage"] = "vip" }, null)); // not a stage: ignored
        Assert.Equal(LifecycleStage.Loyal, profile.Lifecycle.Stage);
    }

    [Fact]
    public void Stage_names_parse_and_numbers_do_not()
    {
        Assert.Equal(LifecycleStage.Churned, Lifecycle.Parse("churned"));
        Assert.Equal(LifecycleStage.New, Lifecycle.Parse("New"));
        Assert.Null(Lifecycle.Parse("3"));
        Assert.Null(Lifecycle.Parse("vip"));
        Assert.Null(Lifecycle.Parse(null));
    }

    [Fact]
    public void Rule_validation_names_the_fields()
    {
        var errors = new LifecycleRules { NewDays = 0, LoyalOrders = 1, SilentDays = 100, ChurnedDays = 100 }.Validate();
        Assert.Equal(["new_days", "loyal_orders", "churned_days"], errors.Select(e => e.Path));
        Assert.Empty(LifecycleRules.Default.Validate());
    }

    [Theory]
    [InlineData(1, 5, 5, null, false, LifecycleStage.New, 5)]          // new since the first order
    [InlineData(2, 60, 20, null, false, LifecycleStage.Active, 30)]    // active since new ended: 60 − 30
    [InlineData(4, 300, 12, null, false, LifecycleStage.Loyal, 12)]    // loyal: dated by the last order
    [InlineData(2, 300, 100, null, false, LifecycleStage.Silent, 10)]  // silent since day 90 of inactivity
    [InlineData(2, 300, 250, 200, false, LifecycleStage.Churned, 20)]  // churned since day 180 (interaction 200 days ago)
    [InlineData(2, 300, 10, 3, true, LifecycleStage.Churned, 0)]       // removal: date unknown, today
    [InlineData(0, null, null, 4, false, LifecycleStage.Prospect, 0)]
    public void A_first_evaluation_dates_the_stage_from_the_facts(int orders, int? sinceFirst, int? sinceLast, int? sinceInteraction, bool removed, LifecycleStage stage, int days)
    {
        var facts = new LifecycleFacts(orders, sinceFirst, sinceLast, sinceInteraction, removed);
        Assert.Equal(stage, Lifecycle.Evaluate(facts, Rules));
        Assert.Equal(days, Lifecycle.DaysInStage(facts, Rules, stage));
    }
}
