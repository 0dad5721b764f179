using Siyu.Core.Customers;

namespace Siyu.Core.Journeys;

public enum EntrySource { Event, AudienceEntry, AudienceExit, DateRelative, Schedule, Manual }

/// <summary>What happened that may enter a customer into a journey; <see cref="JourneyRunner.TryEnter"/> checks it against the trigger.</summary>
public sealed record JourneyEntry(EntrySource Source, ProfileEvent? Event = null, long AudienceId = 0)
{
    public static JourneyEntry ForEvent(ProfileEvent e) => new(EntrySource.Event, e);

    public static JourneyEntry AudienceEntered(long audienceId) => new(EntrySource.AudienceEntry, AudienceId: audienceId);

    public static JourneyEntry AudienceExited(long audienceId) => new(EntrySource.AudienceExit, AudienceId: audienceId);

    /// <summary>The customer's date-relative instant came (the server keeps it as a due entry timer).</summary>
    public static readonly JourneyEntry DateReached = new(EntrySource.DateRelative);

    /// <summary>A scheduled run over the trigger's audience reached this customer.</summary>
    public static JourneyEntry Scheduled(long audienceId) => new(EntrySource.Schedule, AudienceId: audienceId);

    public static readonly JourneyEntry Manual = new(EntrySource.Manual);

    public bool Fits(JourneyTrigger trigger) => trigger switch
    {
        EventTrigger t => Source == EntrySource.Event && Event is not null && t.Event.Matches(Event.Type, Event.Properties),
        AudienceTrigger t => Source == (t.OnEntry ? EntrySource.AudienceEntry : EntrySource.AudienceExit) && AudienceId == t.AudienceId,
        DateRelativeTrigger => Source == EntrySource.DateRelative,
        ScheduleTrigger t => Source == EntrySource.Schedule && AudienceId == t.AudienceId,
        ManualTrigger => Source == EntrySource.Manual,
        _ => false,
    };
}

public enum EntryRefusal
{
    None,
    /// <summary>The entry does not fit the journey's trigger (other event, filter not met, other audience).</summary>
    TriggerMismatch,
    /// <summary>Re-entry policy <c>once</c> and the customer has entered before.</summary>
    AlreadyEntered,
    /// <summary>Re-entry policy <c>after_exit</c> and a previous run is still going.</summary>
    StillRunning,
    /// <summary>Re-entry policy <c>always</c> and the last entry is more recent than the minimum interval.</summary>
    TooSoon,
}

/// <summary>The new instance (status Active at the first step, to be advanced), or why the customer did not enter.</summary>
public readonly record struct EntryDecision(JourneyInstance Instance, EntryRefusal Refusal)
{
    public bool Entered => Refusal == EntryRefusal.None;
}

/// <summary>When date-relative and scheduled triggers next fire; the server keeps these instants as entry timers.</summary>
public static class JourneyTriggers
{
    /// <summary>The customer's next entry instant strictly after <paramref name="after"/>, or null (date not set, or a one-off instant has passed).</summary>
    public static DateTimeOffset? NextEntry(DateRelativeTrigger trigger, IJourneyContext customer, DateTimeOffset after) =>
        customer.DateAttribute(trigger.When.Attribute) is { } date ? JourneyClock.Next(date, trigger.When, customer.Zone, after) : null;

    public static DateTimeOffset? NextRun(ScheduleTrigger trigger, TimeZoneInfo zone, DateTimeOffset after) => trigger.Schedule.Next(after, zone);
}
