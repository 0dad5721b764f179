using System.Text.Json;
using System.Text.Json.Nodes;
using Siyu.Core.Audiences.Conditions;

namespace Siyu.Core.Journeys;

public enum JourneyKind { Journey, Sop }

/// <summary>
/// One published version of a journey (or SOP), parsed and validated by <see cref="JourneyParser"/>. Editing a journey
/// publishes a new version; instances keep running on the version they entered, so a definition never changes.
/// Step targets are resolved to indexes into <see cref="Steps"/> (<see cref="JourneyStep.End"/> = the journey completes).
/// </summary>
public sealed record JourneyDefinition(
    long Id,
    int Version,
    string Name,
    JourneyKind Kind,
    JourneyTrigger Trigger,
    IReadOnlyList<JourneyStep> Steps,
    ReEntryPolicy ReEntry,
    ConversionGoal? Goal)
{
    /// <summary>The JSON format version this build reads and writes (<c>"version": 1</c>).</summary>
    public const int FormatVersion = 1;

    public int IndexOf(string stepId)
    {
        for (var i = 0; i < Steps.Count; i++)
        {
            if (Steps[i].Id == stepId)
            {
                return i;
            }
        }
        return -1;
    }
}

public enum ReEntryMode
{
    /// <summary>A customer enters at most once, ever (any version).</summary>
    Once,
    /// <summary>A customer can enter again once their previous run has finished.</summary>
    AfterExit,
    /// <summary>Every trigger enters, also while a previous run is still going, at most once per <see cref="ReEntryPolicy.MinInterval"/>.</summary>
    Always,
}

public sealed record ReEntryPolicy(ReEntryMode Mode, TimeSpan MinInterval)
{
    public static readonly ReEntryPolicy Once = new(ReEntryMode.Once, TimeSpan.Zero);
}

/// <summary>What counts as a conversion for A/B reporting: a matching event within <see cref="Window"/> of entering.</summary>
public sealed record ConversionGoal(EventFilter Event, TimeSpan Window);

/// <summary>
/// An event type with optional property equalities (<c>{"channel": "直播间"}</c>; an array means any of). Numbers compare
/// as numbers, text and booleans as text, the way <see cref="Comparisons"/> reads event properties everywhere else.
/// </summary>
public sealed record EventFilter(string EventType, IReadOnlyList<PropertyMatch> Where)
{
    public bool Matches(string type, JsonObject? properties)
    {
        if (!string.Equals(type, EventType, StringComparison.Ordinal))
        {
            return false;
        }
        foreach (var match in Where)
        {
            if (!match.Matches(properties?[match.Property]))
            {
                return false;
            }
        }
        return true;
    }
}

public sealed record PropertyMatch(string Property, IReadOnlyList<string> Texts, IReadOnlyList<double> Numbers)
{
    public bool Matches(JsonNode? value)
    {
        if (value is not JsonValue v)
        {
            return false;
        }
        if (v.GetValueKind() == JsonValueKind.Number)
        {
            var n = Comparisons.AsNumber(v);
            foreach (var expected in Numbers)
            {
                if (n == expected)
                {
                    return true;
                }
            }
            return false;
        }
        var text = Comparisons.AsText(v);
        if (text is null)
        {
            return false;
        }
        foreach (var expected in Texts)
        {
            if (string.Equals(text, expected, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }
}

/// <summary>
/// An instant relative to a date attribute: <see cref="OffsetDays"/> (negative = before) at local time <see cref="At"/>.
/// <see cref="Yearly"/> dates (birthdays, anniversaries) recur every year; 29 Feb falls on 28 Feb in other years.
/// </summary>
public sealed record DateRelative(string Attribute, int OffsetDays, TimeOnly At, bool Yearly);

public abstract record JourneyTrigger;

/// <summary>Enter when a matching event is applied to the customer.</summary>
public sealed record EventTrigger(EventFilter Event) : JourneyTrigger;

/// <summary>Enter when the customer enters (<see cref="OnEntry"/>) or leaves a saved audience.</summary>
public sealed record AudienceTrigger(long AudienceId, bool OnEntry) : JourneyTrigger;

/// <summary>Enter at an instant relative to a date attribute ("3 days before birthday at 10:00").</summary>
public sealed record DateRelativeTrigger(DateRelative When) : JourneyTrigger;

/// <summary>Enter every member of an audience on a schedule (daily, weekly, cron), in the tenant's time zone.</summary>
public sealed record ScheduleTrigger(JourneySchedule Schedule, long AudienceId) : JourneyTrigger;

/// <summary>Operators (or the API) enter customers by hand.</summary>
public sealed record ManualTrigger : JourneyTrigger;

/// <summary>A step of a journey. Targets are indexes into <see cref="JourneyDefinition.Steps"/>.</summary>
public abstract record JourneyStep(string Id)
{
    /// <summary>The target meaning "the journey is complete".</summary>
    public const int End = -1;

    public abstract string Kind { get; }

    /// <summary>What operators call the step ("发生日券"); the console shows it instead of the id.</summary>
    public string? Label { get; init; }
}

/// <summary>
/// Waits for <see cref="Duration"/>, then (or instead) until the next local <see cref="At"/>; or until an instant
/// relative to a date attribute. A date wait whose instant has passed or whose attribute is not set does not wait.
/// </summary>
public sealed record WaitStep(string Id, int Next, TimeSpan? Duration, TimeOnly? At, DateRelative? UntilDate) : JourneyStep(Id)
{
    public override string Kind => "wait";

    /// <summary>Duration and time-of-day waits always end strictly later, so they break loops; a date wait may not wait at all.</summary>
    public bool AlwaysWaits => UntilDate is null;
}

/// <summary>Waits for a matching event (→ <see cref="Next"/>) for at most <see cref="Timeout"/> (→ <see cref="OnTimeout"/>).</summary>
public sealed record WaitEventStep(string Id, int Next, EventFilter Event, TimeSpan Timeout, int OnTimeout) : JourneyStep(Id)
{
    public override string Kind => "wait_event";
}

/// <summary>Goes to <see cref="Yes"/> when the customer matches the condition (audience condition language), else <see cref="No"/>.</summary>
public sealed record BranchStep(string Id, Condition Condition, int Yes, int No) : JourneyStep(Id)
{
    public override string Kind => "branch";
}

public sealed record SplitVariant(string Name, int Weight, int Next);

/// <summary>
/// A/B/n split: each customer gets one variant by weight, stable per customer (hash of journey, step and customer);
/// <see cref="HoldoutBasisPoints"/> (1/100 of a percent) of customers are held out and exit. <see cref="Slot"/> is where
/// the instance records the assignment.
/// </summary>
public sealed record SplitStep(string Id, IReadOnlyList<SplitVariant> Variants, int HoldoutBasisPoints, int Slot) : JourneyStep(Id)
{
    public override string Kind => "split";

    public int TotalWeight { get; } = Variants.Sum(v => v.Weight);
}

public sealed record MessageAttachment(string Type, string Value, string? Title);

/// <summary>A message to the customer; the delivery pipeline applies consent (per <see cref="Channel"/> and <see cref="Topic"/>), caps, quiet hours and review.</summary>
public sealed record SendStep(string Id, int Next, string Channel, string Topic, string? Text, string? TemplateId, IReadOnlyList<MessageAttachment> Attachments) : JourneyStep(Id)
{
    public override string Kind => "send";
}

public sealed record TagStep(string Id, int Next, IReadOnlyList<long> Add, IReadOnlyList<long> Remove) : JourneyStep(Id)
{
    public override string Kind => "tag";
}

/// <summary>Sets a profile attribute; <see cref="Value"/> is a JSON scalar (null clears).</summary>
public sealed record SetAttributeStep(string Id, int Next, string Name, JsonElement Value) : JourneyStep(Id)
{
    public override string Kind => "set_attribute";
}

/// <summary>A staff task (SOP reminder) for the customer's owner, or for <see cref="StaffUserId"/> when given.</summary>
public sealed record TaskStep(string Id, int Next, string? StaffUserId, string Text) : JourneyStep(Id)
{
    public override string Kind => "task";
}

/// <summary>Issues one coupon of a template to the customer (the template's stock, caps and validity apply).</summary>
public sealed record CouponStep(string Id, int Next, long TemplateId) : JourneyStep(Id)
{
    public override string Kind => "coupon";
}

/// <summary>Credits points to the customer's ledger (an interaction reward), as a lot that expires like any other.</summary>
public sealed record PointsStep(string Id, int Next, long Amount, string Reason) : JourneyStep(Id)
{
    public override string Kind => "points";
}

public sealed record WebhookStep(string Id, int Next, Uri Url, string? Payload) : JourneyStep(Id)
{
    public override string Kind => "webhook";
}

public sealed record ExitStep(string Id) : JourneyStep(Id)
{
    public override string Kind => "exit";
}
