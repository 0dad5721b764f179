namespace Siyu.Core.Journeys;

public enum JourneyStatus : byte
{
    /// <summary>About to enter <see cref="JourneyInstance.Step"/> (just entered the journey, or a wait just ended).</summary>
    Active,
    /// <summary>In a wait step until <see cref="JourneyInstance.DueTicks"/>.</summary>
    Waiting,
    /// <summary>In a wait_event step: an event resumes it, or <see cref="JourneyInstance.DueTicks"/> times it out.</summary>
    WaitingEvent,
    /// <summary>Left before the end: held out of a split, removed by the server, or stopped by the runaway guard.</summary>
    Exited,
    /// <summary>Reached an exit step or the end of the steps.</summary>
    Completed,
}

public enum ExitReason : byte
{
    None,
    /// <summary>An exit step or the end of the steps.</summary>
    End,
    /// <summary>Held out at an A/B split (the control group that gets nothing).</summary>
    Holdout,
    /// <summary>Taken out by the server: manual stop, audience exit, unsubscribe, journey archived.</summary>
    Removed,
    /// <summary>More than <see cref="JourneyRunner.MaxStepsPerAdvance"/> instantaneous steps in one go (a definition bug).</summary>
    StepLimit,
}

/// <summary>
/// One customer's run (occurrence) through one version of a journey. A small value (72 bytes, no references) because a
/// partition holds millions and snapshots them: the step is an index, times are UTC ticks, split assignments are packed
/// into <see cref="Splits"/> (one byte per split step: 0 = not yet, n = variant n−1, 255 = holdout).
/// Serialises with System.Text.Json as is.
/// </summary>
public readonly record struct JourneyInstance
{
    public long CustomerId { get; init; }
    public long JourneyId { get; init; }
    public int Version { get; init; }
    /// <summary>1 for the customer's first entry into this journey, 2 for the second…</summary>
    public int Occurrence { get; init; }
    /// <summary>Index into the definition's steps; <see cref="JourneyStep.End"/> once past the last.</summary>
    public int Step { get; init; }
    /// <summary>How many steps this occurrence has entered; tells loop passes apart in idempotency keys.</summary>
    public int Seq { get; init; }
    public JourneyStatus Status { get; init; }
    public ExitReason ExitReason { get; init; }
    /// <summary>When a wait ends or a wait_event times out (UTC ticks); 0 when not waiting.</summary>
    public long DueTicks { get; init; }
    public long EnteredTicks { get; init; }
    public long UpdatedTicks { get; init; }
    public ulong Splits { get; init; }

    public const int MaxSplits = 8;
    internal const byte HoldoutMark = 255;

    public bool IsRunning => Status is JourneyStatus.Active or JourneyStatus.Waiting or JourneyStatus.WaitingEvent;

    public bool IsWaiting => Status is JourneyStatus.Waiting or JourneyStatus.WaitingEvent;

    /// <summary>The variant assigned at split slot <paramref name="slot"/>: −1 not yet assigned, −2 held out, else the variant index.</summary>
    public int VariantAt(int slot)
    {
        var b = (byte)(Splits >> (slot * 8));
        return b switch
        {
            0 => -1,
            HoldoutMark => -2,
            _ => b - 1,
        };
    }

    internal JourneyInstance WithVariant(int slot, int variant)
    {
        var mark = variant < 0 ? HoldoutMark : (ulong)(variant + 1);
        var shift = slot * 8;
        return this with { Splits = (Splits & ~(0xFFUL << shift)) | (mark << shift) };
    }
}
