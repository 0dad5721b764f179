using Siyu.Core.Customers;

namespace Siyu.Core.Journeys;

/// <summary>
/// The instance after a call, the effects it produced (in order), and whether anything changed. When the instance waits,
/// <see cref="DueTicks"/> is when the server's due queue should call <see cref="JourneyRunner.OnDue"/>.
/// </summary>
public readonly record struct AdvanceResult(JourneyInstance Instance, IReadOnlyList<JourneyEffect> Effects, bool Changed)
{
    public long? DueTicks => Instance.IsWaiting ? Instance.DueTicks : null;
}

/// <summary>
/// The journey engine as pure functions: state in, state and effects out. No clock, no I/O, no randomness — the same
/// inputs give the same instance and the same effects with the same idempotency keys, so the server can replay after a
/// crash and drop effects it already executed.
/// <para>
/// Time: <c>now</c> is passed in. A timer resumes at its due instant, not at the moment it is processed, so a late timer
/// does not push later waits back and a replay computes the same due times. An event resumes at its own timestamp
/// (clamped between the start of the wait and now). An event timestamped after the wait's timeout does not resume it:
/// the timeout came first (the server should pop due timers up to an event's time before feeding it).
/// </para>
/// </summary>
public static class JourneyRunner
{
    /// <summary>
    /// The parser rejects loops without a wait, so a run of instantaneous steps is at most the step count (≤ 200); this guard
    /// only stops definitions built without the parser from spinning.
    /// </summary>
    public const int MaxStepsPerAdvance = 256;

    /// <summary>
    /// Enters the customer if the entry fits the trigger and the re-entry policy allows it. <paramref name="existing"/> are
    /// the customer's instances of this journey (any version, finished ones too, or at least the latest per occurrence).
    /// The new instance is Active at the first step; pass it to <see cref="Advance"/>.
    /// </summary>
    public static EntryDecision TryEnter(JourneyDefinition definition, long customerId, IReadOnlyList<JourneyInstance> existing, JourneyEntry entry, DateTimeOffset now)
    {
        if (!entry.Fits(definition.Trigger))
        {
            return new EntryDecision(default, EntryRefusal.TriggerMismatch);
        }
        var occurrence = 0;
        var running = false;
        var lastEntered = long.MinValue;
        foreach (var other in existing)
        {
            if (other.JourneyId != definition.Id || other.CustomerId != customerId)
            {
                throw new ArgumentException($"Instance of journey {other.JourneyId} for customer {other.CustomerId} passed as an instance of journey {definition.Id} for customer {customerId}.", nameof(existing));
            }
            occurrence = Math.Max(occurrence, other.Occurrence);
            running |= other.IsRunning;
            lastEntered = Math.Max(lastEntered, other.EnteredTicks);
        }
        var refusal = definition.ReEntry.Mode switch
        {
            ReEntryMode.Once when occurrence > 0 => EntryRefusal.AlreadyEntered,
            ReEntryMode.AfterExit when running => EntryRefusal.StillRunning,
            ReEntryMode.Always when occurrence > 0 && now.UtcTicks - lastEntered < definition.ReEntry.MinInterval.Ticks => EntryRefusal.TooSoon,
            _ => EntryRefusal.None,
        };
        if (refusal != EntryRefusal.None)
        {
            return new EntryDecision(default, refusal);
        }
        return new EntryDecision(new JourneyInstance
        {
            CustomerId = customerId,
            JourneyId = definition.Id,
            Version = definition.Version,
            Occurrence = occurrence + 1,
            Step = 0,
            Status = JourneyStatus.Active,
            EnteredTicks = now.UtcTicks,
            UpdatedTicks = now.UtcTicks,
        }, EntryRefusal.None);
    }

    /// <summary>
    /// Runs an Active instance through instantaneous steps until it waits, waits for an event, or finishes. Other
    /// statuses are left as they are. Effects are appended to <paramref name="effects"/> when given (reuse one list on hot paths).
    /// </summary>
    public static AdvanceResult Advance(in JourneyInstance instance, JourneyDefinition definition, IJourneyContext context, DateTimeOffset now, List<JourneyEffect>? effects = null)
    {
        CheckVersion(instance, definition);
        effects ??= [];
        if (instance.Status != JourneyStatus.Active)
        {
            return new AdvanceResult(instance, effects, false);
        }
        return new AdvanceResult(Run(instance, definition, context, now.UtcTicks, effects), effects, true);
    }

    /// <summary>
    /// Feeds an event to an instance waiting in a wait_event step: a match (type and filter, not later than the timeout)
    /// moves it to the step's <c>next</c> and advances. Anything else leaves it unchanged.
    /// </summary>
    public static AdvanceResult OnEvent(in JourneyInstance instance, JourneyDefinition definition, ProfileEvent e, IJourneyContext context, DateTimeOffset now, List<JourneyEffect>? effects = null)
    {
        CheckVersion(instance, definition);
        effects ??= [];
        if (instance.Status != JourneyStatus.WaitingEvent
            || definition.Steps[instance.Step] is not WaitEventStep step
            || e.CustomerId != instance.CustomerId
            || e.TimestampTicks > instance.DueTicks
            || !step.Event.Matches(e.Type, e.Properties))
        {
            return new AdvanceResult(instance, effects, false);
        }
        var at = Math.Min(Math.Max(e.TimestampTicks, instance.UpdatedTicks), Math.Max(now.UtcTicks, instance.UpdatedTicks));
        return new AdvanceResult(Resume(instance, definition, step, step.Next, context, at, effects), effects, true);
    }

    /// <summary>
    /// The instance's timer came due: a wait ends (→ next), a wait_event times out (→ on_timeout). Before the due time, or
    /// when not waiting (the timer is stale), nothing happens.
    /// </summary>
    public static AdvanceResult OnDue(in JourneyInstance instance, JourneyDefinition definition, IJourneyContext context, DateTimeOffset now, List<JourneyEffect>? effects = null)
    {
        CheckVersion(instance, definition);
        effects ??= [];
        if (!instance.IsWaiting || now.UtcTicks < instance.DueTicks)
        {
            return new AdvanceResult(instance, effects, false);
        }
        var step = definition.Steps[instance.Step];
        var target = step switch
        {
            WaitStep w => w.Next,
            WaitEventStep w => w.OnTimeout,
            _ => throw new InvalidOperationException($"Instance waits at step '{step.Id}', which is a {step.Kind}."),
        };
        return new AdvanceResult(Resume(instance, definition, step, target, context, instance.DueTicks, effects), effects, true);
    }

    /// <summary>Takes a running instance out (manual stop, audience exit, unsubscribe, journey archived).</summary>
    public static AdvanceResult Exit(in JourneyInstance instance, JourneyDefinition definition, DateTimeOffset now, List<JourneyEffect>? effects = null)
    {
        CheckVersion(instance, definition);
        effects ??= [];
        if (!instance.IsRunning)
        {
            return new AdvanceResult(instance, effects, false);
        }
        var key = KeyOf(instance, definition.Steps[instance.Step].Id);
        return new AdvanceResult(Finish(instance, key, JourneyStatus.Exited, ExitReason.Removed, now.UtcTicks, effects), effects, true);
    }

    private static JourneyInstance Resume(JourneyInstance instance, JourneyDefinition definition, JourneyStep from, int target, IJourneyContext context, long at, List<JourneyEffect> effects)
    {
        var i = instance with { Status = JourneyStatus.Active, DueTicks = 0, UpdatedTicks = at };
        if (target == JourneyStep.End)
        {
            return Finish(i, KeyOf(i, from.Id), JourneyStatus.Completed, ExitReason.End, at, effects);
        }
        return Run(i with { Step = target }, definition, context, at, effects);
    }

    private static JourneyInstance Run(JourneyInstance i, JourneyDefinition definition, IJourneyContext context, long now, List<JourneyEffect> effects)
    {
        var steps = definition.Steps;
        for (var guard = 0; ; guard++)
        {
            var step = steps[i.Step];
            if (guard == MaxStepsPerAdvance)
            {
                // Keyed by the step it would have entered and the last seq: no entered step uses that pair.
                return Finish(i, KeyOf(i, step.Id), JourneyStatus.Exited, ExitReason.StepLimit, now, effects);
            }
            i = i with { Seq = i.Seq + 1, UpdatedTicks = now };
            var key = KeyOf(i, step.Id);
            effects.Add(new StepEntered(key, step.Kind));
            int next;
            switch (step)
            {
                case SendStep s:
                    effects.Add(new SendMessage(key, s.Channel, s.Topic, s.Text, s.TemplateId, s.Attachments));
                    next = s.Next;
                    break;
                case TagStep t:
                    effects.Add(new ChangeTags(key, t.Add, t.Remove));
                    next = t.Next;
                    break;
                case SetAttributeStep a:
                    effects.Add(new SetAttribute(key, a.Name, a.Value));
                    next = a.Next;
                    break;
                case TaskStep t:
                    effects.Add(new CreateStaffTask(key, t.StaffUserId, t.Text));
                    next = t.Next;
                    break;
                case CouponStep c:
                    effects.Add(new IssueCoupon(key, c.TemplateId));
                    next = c.Next;
                    break;
                case PointsStep p:
                    effects.Add(new AwardPoints(key, p.Amount, p.Reason));
                    next = p.Next;
                    break;
                case WebhookStep w:
                    effects.Add(new CallWebhook(key, w.Url, w.Payload));
                    next = w.Next;
                    break;
                case BranchStep b:
                    next = context.Matches(b.Condition) ? b.Yes : b.No;
                    break;
                case SplitStep s:
                    var variant = i.VariantAt(s.Slot);
                    if (variant == -1)
                    {
                        // First time through this split in this occurrence; a loop back here keeps the variant.
                        variant = Assign(definition.Id, s, i.CustomerId);
                        i = i.WithVariant(s.Slot, variant);
                        effects.Add(variant < 0
                            ? new VariantAssigned(key, -1, null, true)
                            : new VariantAssigned(key, variant, s.Variants[variant].Name, false));
                    }
                    if (variant < 0)
                    {
                        return Finish(i, key, JourneyStatus.Exited, ExitReason.Holdout, now, effects);
                    }
                    next = s.Variants[variant].Next;
                    break;
                case WaitStep w:
                    var due = WaitEnd(w, context, now);
                    if (due > now)
                    {
                        return i with { Status = JourneyStatus.Waiting, DueTicks = due };
                    }
                    next = w.Next;
                    break;
                case WaitEventStep w:
                    return i with { Status = JourneyStatus.WaitingEvent, DueTicks = now + w.Timeout.Ticks };
                case ExitStep:
                    return Finish(i, key, JourneyStatus.Completed, ExitReason.End, now, effects);
                default:
                    throw new NotSupportedException(step.GetType().Name);
            }
            if (next == JourneyStep.End)
            {
                return Finish(i, key, JourneyStatus.Completed, ExitReason.End, now, effects);
            }
            i = i with { Step = next };
        }
    }

    /// <summary>
    /// Holdout and variant come from independent halves of the hash, so the holdout is the same share of every variant.
    /// Returns −2 for the holdout, else the variant index.
    /// </summary>
    internal static int Assign(long journeyId, SplitStep split, long customerId)
    {
        var h = StableHash.Of(journeyId, split.Id, customerId);
        if ((int)((uint)h % 10_000) < split.HoldoutBasisPoints)
        {
            return -2;
        }
        var x = (int)((uint)(h >> 32) % (uint)split.TotalWeight);
        for (var v = 0; v < split.Variants.Count; v++)
        {
            x -= split.Variants[v].Weight;
            if (x < 0)
            {
                return v;
            }
        }
        return split.Variants.Count - 1;
    }

    /// <summary>When a wait step entered at <paramref name="now"/> ends; at or before now means it does not wait.</summary>
    internal static long WaitEnd(WaitStep w, IJourneyContext context, long now)
    {
        if (w.UntilDate is { } rule)
        {
            var date = context.DateAttribute(rule.Attribute);
            return date is null ? now : JourneyClock.Next(date.Value, rule, context.Zone, new DateTimeOffset(now, TimeSpan.Zero))?.UtcTicks ?? now;
        }
        var end = now + (w.Duration?.Ticks ?? 0);
        if (w.At is { } at)
        {
            // Duration first, then the next such local time at or after it ("1 day, then at 10:00"); alone, strictly after now.
            end = JourneyClock.NextTimeOfDay(new DateTimeOffset(w.Duration is null ? end : end - 1, TimeSpan.Zero), at, context.Zone).UtcTicks;
        }
        return end;
    }

    private static JourneyInstance Finish(JourneyInstance i, EffectKey key, JourneyStatus status, ExitReason reason, long now, List<JourneyEffect> effects)
    {
        effects.Add(new JourneyExited(key, status, reason));
        return i with { Status = status, ExitReason = reason, DueTicks = 0, UpdatedTicks = now };
    }

    private static EffectKey KeyOf(in JourneyInstance i, string stepId) => new(i.JourneyId, i.Version, i.CustomerId, i.Occurrence, i.Seq, stepId);

    private static void CheckVersion(in JourneyInstance instance, JourneyDefinition definition)
    {
        if (instance.JourneyId != definition.Id || instance.Version != definition.Version)
        {
            throw new ArgumentException(
                $"Instance runs on journey {instance.JourneyId} version {instance.Version}, not {definition.Id} version {definition.Version}: instances finish on the version they entered.",
                nameof(definition));
        }
    }
}
