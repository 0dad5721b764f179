using System.Text.Json;
using FsCheck;
using FsCheck.Xunit;
using Siyu.Core.Journeys;
using Xunit;
using static Siyu.Core.Tests.Journeys.JourneyTestKit;

namespace Siyu.Core.Tests.Journeys;

/// <summary>
/// Crash and replay: the server snapshots instances now and then, executes effects as they come, and may crash at any
/// point. After a restart it restores the last snapshot and replays its inputs (log tail and timers). The replayed
/// inputs must produce exactly the keys they produced before, so effects already executed are recognised and dropped:
/// nothing is sent twice and nothing is lost.
/// </summary>
public sealed class JourneyReplayTests
{
    private const string LoopingJourney = """
        {"version":1,"name":"replay","trigger":{"type":"manual"},"re_entry":{"policy":"after_exit"},"steps":[
          {"id":"ab","split":{"variants":[{"name":"A","weight":1,"next":"offer"},{"name":"B","weight":1,"next":"morning"}],"holdout_percent":10}},
          {"id":"offer","send":{"channel":"wecom_private","topic":"marketing","text":"优惠"}},
          {"id":"wait_paid","wait_event":{"event":"order.paid","timeout":"3d","on_timeout":"vip"},"next":"bought"},
          {"id":"bought","tag":{"add":[1]},"next":"done"},
          {"id":"vip","branch":{"condition":{"version":1,"root":{"type":"tags","op":"has_any","tag_ids":[2]}},"yes":"pause","no":"call"}},
          {"id":"pause","wait":{"duration":"1d"},"next":"offer"},
          {"id":"call","task":{"text":"电话回访"},"next":"done"},
          {"id":"morning","wait":{"at":"10:00"}},
          {"id":"hello","send":{"channel":"sms","topic":"marketing","text":"早上好"}},
          {"id":"done","exit":{}}
        ]}
        """;

    private enum Kind { Enter, Due, Paid, Viewed }

    /// <summary>One input as the server would feed it; the branch answer is part of the input (the profile at that time).</summary>
    private sealed record Input(Kind Kind, DateTimeOffset At, bool Vip);

    private static List<Input> Script(int seed)
    {
        var random = new Random(seed);
        var t = At("2026-03-01T00:00:00Z") + TimeSpan.FromMinutes(random.Next(0, 1440));
        var inputs = new List<Input> { new(Kind.Enter, t, false) };
        for (var i = 0; i < 40; i++)
        {
            t += TimeSpan.FromHours(random.Next(0, 60));
            var kind = random.Next(10) switch
            {
                < 6 => Kind.Due,
                < 8 => Kind.Paid,
                8 => Kind.Viewed,
                _ => Kind.Enter,
            };
            inputs.Add(new Input(kind, t, random.Next(3) == 0));
        }
        return inputs;
    }

    /// <summary>The customer's instances of the journey, as the partition would hold them.</summary>
    private static List<JourneyInstance> Apply(List<JourneyInstance> state, Input input, JourneyDefinition d, long customer, List<JourneyEffect> effects)
    {
        var ctx = new FakeContext(Shanghai, input.At) { Decide = _ => input.Vip };
        var next = new List<JourneyInstance>(state);
        switch (input.Kind)
        {
            case Kind.Enter:
                var decision = JourneyRunner.TryEnter(d, customer, state, JourneyEntry.Manual, input.At);
                if (decision.Entered)
                {
                    next.Add(JourneyRunner.Advance(decision.Instance, d, ctx, input.At, effects).Instance);
                }
                break;
            case Kind.Due:
                for (var i = 0; i < next.Count; i++)
                {
                    next[i] = JourneyRunner.OnDue(next[i], d, ctx, input.At, effects).Instance;
                }
                break;
            default:
                var e = Event(customer, input.Kind == Kind.Paid ? "order.paid" : "page.viewed", input.At);
                for (var i = 0; i < next.Count; i++)
                {
                    next[i] = JourneyRunner.OnEvent(next[i], d, e, ctx, input.At, effects).Instance;
                }
                break;
        }
        return next;
    }

    /// <summary>What goes into a partition snapshot and comes back from it.</summary>
    private static List<JourneyInstance> RoundTrip(List<JourneyInstance> state) =>
        JsonSerializer.Deserialize<List<JourneyInstance>>(JsonSerializer.Serialize(state))!;

    [Property(MaxTest = 300)]
    public void Replaying_from_a_restored_snapshot_yields_identical_keys_and_no_duplicate_or_lost_effect(int seed, NonNegativeInt snapshotAt, NonNegativeInt crashAfter)
    {
        var d = Parse(LoopingJourney);
        var customer = 1 + (long)(uint)seed % 5_000;
        var inputs = Script(seed);

        // The run without a crash: keys per input.
        var keysPerInput = new List<List<string>>();
        var states = new List<List<JourneyInstance>> { new() };
        foreach (var input in inputs)
        {
            var effects = new List<JourneyEffect>();
            states.Add(Apply(states[^1], input, d, customer, effects));
            keysPerInput.Add(effects.Select(e => e.IdempotencyKey).ToList());
        }
        var truth = keysPerInput.SelectMany(k => k).ToList();
        Assert.Equal(truth.Count, truth.Distinct().Count());

        // Snapshot after input s, crash after input k ≥ s: inputs s+1..k ran and their effects executed, the state did not survive.
        var s = snapshotAt.Get % (inputs.Count + 1);
        var k = s + crashAfter.Get % (inputs.Count + 1 - s);
        var executed = new HashSet<string>();
        var log = new List<string>();
        foreach (var key in keysPerInput.Take(k).SelectMany(x => x))
        {
            Assert.True(executed.Add(key));
            log.Add(key);
        }

        var state = RoundTrip(states[s]);
        Assert.Equal(states[s], state);
        for (var i = s; i < inputs.Count; i++)
        {
            var effects = new List<JourneyEffect>();
            state = Apply(state, inputs[i], d, customer, effects);
            var keys = effects.Select(e => e.IdempotencyKey).ToList();
            Assert.Equal(keysPerInput[i], keys);
            log.AddRange(keys.Where(executed.Add));
        }

        Assert.Equal(truth, log);
        Assert.Equal(states[^1], state);
    }

    [Fact]
    public void Script_reaches_every_path_of_the_replay_journey()
    {
        // Guards the property above against testing nothing: across seeds, every step is entered.
        var d = Parse(LoopingJourney);
        var entered = new HashSet<string>();
        var reasons = new HashSet<ExitReason>();
        for (var seed = 0; seed < 300; seed++)
        {
            var state = new List<JourneyInstance>();
            var effects = new List<JourneyEffect>();
            foreach (var input in Script(seed))
            {
                state = Apply(state, input, d, 1 + seed % 5_000, effects);
            }
            entered.UnionWith(effects.OfType<StepEntered>().Select(e => e.Key.StepId));
            reasons.UnionWith(effects.OfType<JourneyExited>().Select(e => e.Reason));
        }
        Assert.Equal(d.Steps.Select(x => x.Id).Order(), entered.Order());
        Assert.Contains(ExitReason.Holdout, reasons);
        Assert.Contains(ExitReason.End, reasons);
    }

    [Fact]
    public void Instance_serialises_and_restores_exactly()
    {
        var instance = new JourneyInstance
        {
            CustomerId = 123_456_789_012,
            JourneyId = 42,
            Version = 3,
            Occurrence = 2,
            Step = 5,
            Seq = 17,
            Status = JourneyStatus.WaitingEvent,
            ExitReason = ExitReason.None,
            DueTicks = At("2026-05-14T02:00:00Z").UtcTicks,
            EnteredTicks = At("2026-05-07T02:00:00Z").UtcTicks,
            UpdatedTicks = At("2026-05-07T02:00:01Z").UtcTicks,
            Splits = 0xFF02,
        };
        var json = JsonSerializer.Serialize(instance);
        var back = JsonSerializer.Deserialize<JourneyInstance>(json);
        Assert.Equal(instance, back);
        Assert.Equal(1, back.VariantAt(0));
        Assert.Equal(-2, back.VariantAt(1));
        Assert.Equal(-1, back.VariantAt(2));
    }
}
