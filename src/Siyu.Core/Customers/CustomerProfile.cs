using System.Text.Json.Nodes;
using Siyu.Core.Events;
using Siyu.Core.Tags;

namespace Siyu.Core.Customers;

/// <summary>An event as the partition applies it: already resolved to a customer and sequenced by the log.</summary>
public sealed record ProfileEvent(long Seq, long CustomerId, string Type, long TimestampTicks, JsonObject? Properties, JsonObject? Attributes);

/// <summary>One attribute value with the event time that set it (needed for the merge strategies).</summary>
public sealed class AttributeValue
{
    public JsonNode? Value { get; set; }
    public long Ticks { get; set; }
}

/// <summary>One recent event kept on the profile for behaviour windows: its scalar properties as text or number.</summary>
public sealed class BehaviourEvent
{
    public string Type { get; set; } = "";
    public long Ticks { get; set; }
    public Dictionary<string, string>? Text { get; set; }
    public Dictionary<string, double>? Numbers { get; set; }

    /// <summary>Scalar properties only; strings longer than this are not something anyone filters on.</summary>
    public const int MaxTextLength = 200;
    public const int MaxProperties = 32;

    public static BehaviourEvent From(string type, long ticks, JsonObject? properties)
    {
        var e = new BehaviourEvent { Type = type, Ticks = ticks };
        if (properties is null)
        {
            return e;
        }
        foreach (var (name, value) in properties.Take(MaxProperties))
        {
            if (value is not JsonValue v)
            {
                continue;
            }
            switch (v.GetValueKind())
            {
                case System.Text.Json.JsonValueKind.Number:
                    (e.Numbers ??= new(StringComparer.Ordinal))[name] = Audiences.Conditions.Comparisons.AsNumber(v);
                    break;
                case System.Text.Json.JsonValueKind.String or System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False:
                    if (Audiences.Conditions.Comparisons.AsText(v) is { Length: <= MaxTextLength } text)
                    {
                        (e.Text ??= new(StringComparer.Ordinal))[name] = text;
                    }
                    break;
            }
        }
        return e;
    }
}

public sealed class CategoryStats
{
    public int Orders { get; set; }
    public decimal Spend { get; set; }
    public long LastOrderTicks { get; set; }
}

/// <summary>
/// A customer's profile as a projection of its events. Applying the same events in any order gives
/// the same profile (strategies compare event timestamps), which is what makes merges and rebuilds exact.
/// </summary>
/// <summary>A customer's latest consent decision for one channel and topic.</summary>
public sealed class ConsentMark
{
    public bool Granted { get; set; }
    public long Ticks { get; set; }
    public string? Source { get; set; }
}

/// <summary>A precise location the customer shared (WGS-84 degrees), with when.</summary>
public sealed class SharedLocation
{
    public double Latitude { get; set; }
    public double Longitude { get; set; }
    public long Ticks { get; set; }
}

public sealed class CustomerProfile
{
    public long CustomerId { get; set; }
    public long FirstSeenTicks { get; set; } = long.MaxValue;
    public long LastSeenTicks { get; set; }
    public Dictionary<string, AttributeValue> Attributes { get; set; } = new(StringComparer.Ordinal);
    public int Orders { get; set; }
    public decimal Spend { get; set; }
    public decimal Refunded { get; set; }
    public long FirstOrderTicks { get; set; }
    public long LastOrderTicks { get; set; }
    public Dictionary<string, CategoryStats> Categories { get; set; } = new(StringComparer.Ordinal);
    public Dictionary<string, int> EventCounts { get; set; } = new(StringComparer.Ordinal);
    public Dictionary<string, long> LastEventTicks { get; set; } = new(StringComparer.Ordinal);
    /// <summary>WeCom staff (userid) currently following this customer, with the channel state they came through.</summary>
    public Dictionary<string, string?> Staff { get; set; } = new(StringComparer.Ordinal);
    /// <summary>
    /// Per tag, its latest add or remove by event time. After a merge both histories are here, so tags of either
    /// customer are kept (a union), unless one side removed the same tag later than the other added it.
    /// </summary>
    public Dictionary<long, TagMark> Tags { get; set; } = [];
    public long LastSeq { get; set; }
    /// <summary>Events of the last <see cref="Audiences.Conditions.ConditionLimits.DefaultRetentionDays"/> days, for behaviour windows.</summary>
    public List<BehaviourEvent> Behaviour { get; set; } = [];
    /// <summary>Lifetime sums of numeric event properties, keyed "type|property" (e.g. "order.paid|amount").</summary>
    public Dictionary<string, double> Sums { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Consent per "channel/topic" (e.g. "sms/marketing", "wecom_mass/*"): the latest grant or revoke by event time.</summary>
    public Dictionary<string, ConsentMark> Consents { get; set; } = new(StringComparer.Ordinal);
    /// <summary>
    /// The customer's journey runs: every running occurrence, plus the last finished one of each journey (re-entry
    /// policies need it). Kept with the profile so snapshots carry journey state and timers survive restarts.
    /// </summary>
    public List<Journeys.JourneyInstance> Journeys { get; set; } = [];
    /// <summary>Computed scores (RFM, lifecycle stage…) written by analytics; the audience engine reads them by name.</summary>
    public Dictionary<string, double> Scores { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The lifecycle stage (kept by the partition from the tenant's rules, and by operators' moves) and its history.</summary>
    public Analytics.LifecycleState Lifecycle { get; set; } = new();

    /// <summary>When the customer was erased (0 = never): from then on the profile is an anonymous id that keeps counts, not people.</summary>
    public long ErasedAtTicks { get; set; }

    public bool Erased => ErasedAtTicks != 0;

    /// <summary>When the customer is expected to buy again (0 = unknown), kept by the partition from the tenant's purchase cycles.</summary>
    public long PurchaseDueTicks { get; set; }

    /// <summary>The open (or claimed) handoff (转人工) of the customer, 0 when none: while set, automation for them is paused.</summary>
    public long OpenHandoffId { get; set; }

    public bool HandoffOpen => OpenHandoffId != 0;

    /// <summary>The behaviour event the last <see cref="Apply"/> recorded (for the partition's audience index).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public BehaviourEvent? LastRecorded { get; private set; }

    /// <summary>The latest location the customer shared (<c>location.reported</c>); see <see cref="UsableLocation"/>.</summary>
    public SharedLocation? Location { get; set; }

    /// <summary>
    /// The shared location, only while location consent stands and only if it was shared after the latest opt-in: a
    /// revoke makes it unusable at once, and a later opt-in does not bring an old position back.
    /// </summary>
    public Stores.GeoPoint? UsableLocation =>
        Location is { } l && !Erased && AllowsDataUse(ConsentScopes.Location)
        && Consents.TryGetValue(ConsentKey(ConsentScopes.DataChannel, ConsentScopes.Location), out var grant) && l.Ticks >= grant.Ticks
            ? new Stores.GeoPoint(l.Latitude, l.Longitude) : null;

    public static string SumKey(string type, string property) => type + "|" + property;

    public IEnumerable<long> TagIds => Tags.Where(t => t.Value.Present).Select(t => t.Key);

    public bool HasTag(long tagId) => Tags.TryGetValue(tagId, out var mark) && mark.Present;

    public decimal NetSpend => Spend - Refunded;

    public string? DisplayName
    {
        get
        {
            if (!Attributes.TryGetValue("name", out var v) || v.Value is not JsonValue node)
            {
                return null;
            }
            // A value parsed from JSON makes a new string on every read, and customer search reads every profile's
            // name. Attribute updates always put a new node in place, so the node's identity says when to read again.
            var cached = _name;
            if (!ReferenceEquals(cached?.Node, node))
            {
                cached = new CachedName(node, node.TryGetValue<string>(out var name) ? name : null);
                _name = cached;
            }
            return cached.Name;
        }
    }

    private sealed record CachedName(JsonValue Node, string? Name);

    // One reference, so a concurrent reader sees a node together with its own name.
    private CachedName? _name;

    public void Apply(ProfileEvent e)
    {
        if (e.Seq > LastSeq)
        {
            LastSeq = e.Seq;
        }
        LastRecorded = null;
        if (e.Type is EventTypes.TagAdded or EventTypes.TagRemoved)
        {
            ApplyTag(e); // operator bookkeeping, not customer behaviour: first/last seen stay as they are
            return;
        }
        if (e.Type == EventTypes.CustomerAnonymised)
        {
            Erase(e.TimestampTicks);
            return;
        }
        if (e.Type is EventTypes.HandoffOpened or EventTypes.HandoffResolved)
        {
            // Siyu's bookkeeping, not customer behaviour.
            var id = e.Properties?["handoff_id"] is JsonValue hv && hv.TryGetValue<long>(out var h) ? h : 0;
            if (e.Type == EventTypes.HandoffOpened && id != 0)
            {
                OpenHandoffId = id;
            }
            else if (e.Type == EventTypes.HandoffResolved && id == OpenHandoffId)
            {
                OpenHandoffId = 0;
            }
            return;
        }
        if (e.Type == EventTypes.LocationReported)
        {
            // Siyu's record of a shared position (written only after a consent check); the latest by time wins.
            if (!Erased && ReadDouble(e.Properties?["lat"]) is { } lat && ReadDouble(e.Properties?["lng"]) is { } lng
                && new Stores.GeoPoint(lat, lng).IsValid && (Location is null || e.TimestampTicks >= Location.Ticks))
            {
                Location = new SharedLocation { Latitude = lat, Longitude = lng, Ticks = e.TimestampTicks };
            }
            return;
        }
        if (e.Type is EventTypes.ConsentGranted or EventTypes.ConsentRevoked)
        {
            ApplyConsent(e);
        }
        if (e.Type == EventTypes.LifecycleMoved && Analytics.Lifecycle.Parse(ReadString(e.Properties?["stage"])) is { } stage)
        {
            Lifecycle.Move(stage, e.TimestampTicks, ReadString(e.Properties?["by"]), ReadString(e.Properties?["reason"]));
        }
        if (!EventTypes.NotCustomerActivity.Contains(e.Type))
        {
            FirstSeenTicks = Math.Min(FirstSeenTicks, e.TimestampTicks);
            LastSeenTicks = Math.Max(LastSeenTicks, e.TimestampTicks);
        }
        EventCounts[e.Type] = EventCounts.GetValueOrDefault(e.Type) + 1;
        if (!LastEventTicks.TryGetValue(e.Type, out var last) || e.TimestampTicks > last)
        {
            LastEventTicks[e.Type] = e.TimestampTicks;
        }

        RecordBehaviour(e);

        // An erased customer must not become identifiable again through a late event naming them.
        if (e.Attributes is not null && !Erased)
        {
            foreach (var (name, value) in e.Attributes)
            {
                SetAttribute(name, value, e.TimestampTicks);
            }
        }

        var p = e.Properties;
        switch (e.Type)
        {
            case EventTypes.OrderPaid when p is not null:
                var amount = ReadDecimal(p["amount"]);
                Orders++;
                Spend += amount;
                FirstOrderTicks = FirstOrderTicks == 0 ? e.TimestampTicks : Math.Min(FirstOrderTicks, e.TimestampTicks);
                LastOrderTicks = Math.Max(LastOrderTicks, e.TimestampTicks);
                if (ReadString(p["category"]) is { Length: > 0 } category)
                {
                    if (!Categories.TryGetValue(category, out var stats))
                    {
                        Categories[category] = stats = new CategoryStats();
                    }
                    stats.Orders++;
                    stats.Spend += amount;
                    stats.LastOrderTicks = Math.Max(stats.LastOrderTicks, e.TimestampTicks);
                }
                break;
            case EventTypes.MessageReceived when UnsubscribeReply.Matches(ReadString(p?["text"])):
                // Honoured the moment the reply is applied: every channel's marketing, as of the reply.
                SetConsent(ConsentScopes.AllChannels, "marketing", false, e.TimestampTicks, UnsubscribeReply.Source);
                break;
            case EventTypes.OrderRefunded when p is not null:
                Refunded += ReadDecimal(p["amount"]);
                break;
            case EventTypes.CustomerAdded when p is not null:
                if (ReadString(p["staff_userid"]) is { Length: > 0 } staff)
                {
                    Staff[staff] = ReadString(p["state"]);
                }
                break;
            case EventTypes.CustomerDeleted when p is not null:
                if (ReadString(p["staff_userid"]) is { Length: > 0 } removed)
                {
                    Staff.Remove(removed);
                }
                break;
        }
    }

    /// <summary>
    /// Forgets everything personal (attributes, staff relations, the text of recent events) and revokes every consent,
    /// so nothing is sent any more; counts, amounts, tags and lifecycle stay for the statistics.
    /// </summary>
    private void Erase(long ticks)
    {
        ErasedAtTicks = ErasedAtTicks == 0 ? Math.Max(ticks, 1) : ErasedAtTicks;
        Attributes.Clear();
        Staff.Clear();
        Location = null;
        foreach (var b in Behaviour)
        {
            b.Text = null;
        }
        foreach (var key in Consents.Keys.ToList())
        {
            var parts = key.Split('/', 2);
            SetConsent(parts[0], parts.Length > 1 ? parts[1] : ConsentScopes.AllTopics, false, Math.Max(ticks, Consents[key].Ticks), "erasure");
        }
        SetConsent(ConsentScopes.AllChannels, ConsentScopes.AllTopics, false, ticks, "erasure");
    }

    private void RecordBehaviour(ProfileEvent e)
    {
        var recorded = BehaviourEvent.From(e.Type, e.TimestampTicks, e.Properties);
        if (recorded.Numbers is not null)
        {
            foreach (var (name, value) in recorded.Numbers)
            {
                var key = SumKey(e.Type, name);
                Sums[key] = Sums.GetValueOrDefault(key) + value;
            }
        }
        Behaviour.Add(recorded);
        LastRecorded = recorded;
        // Trim now and then: events older than retention before the newest one can't be in any window.
        if (Behaviour.Count >= 64 && (Behaviour.Count & 63) == 0)
        {
            TrimBehaviour();
        }
    }

    public void TrimBehaviour()
    {
        var horizon = LastSeenTicks - TimeSpan.FromDays(Audiences.Conditions.ConditionLimits.DefaultRetentionDays + 2).Ticks;
        Behaviour.RemoveAll(b => b.Ticks < horizon);
    }

    public static string ConsentKey(string channel, string topic) => channel + "/" + topic;

    /// <summary>
    /// Whether a data use (<see cref="ConsentScopes.DataUses"/>) is allowed: only after an explicit opt-in, and not
    /// when a later revoke of everything (erasure) came after it.
    /// </summary>
    public bool AllowsDataUse(string use) => ConsentScopes.AllowsDataUse(Consents.Select(c =>
    {
        var parts = c.Key.Split('/', 2);
        return (parts[0], parts.Length > 1 ? parts[1] : ConsentScopes.AllTopics, c.Value.Granted, c.Value.Ticks);
    }), use);

    private void ApplyConsent(ProfileEvent e)
    {
        if (ReadString(e.Properties?["channel"]) is not { Length: > 0 } channel || ReadString(e.Properties?["topic"]) is not { Length: > 0 } topic)
        {
            return;
        }
        SetConsent(channel, topic, e.Type == EventTypes.ConsentGranted, e.TimestampTicks, ReadString(e.Properties?["source"]));
    }

    private void SetConsent(string channel, string topic, bool granted, long ticks, string? source)
    {
        var key = ConsentKey(channel, topic);
        // Latest change wins; at equal times a revoke wins (unsubscribing must never lose to a replay or a merge).
        if (Consents.TryGetValue(key, out var mark) && (ticks < mark.Ticks || (ticks == mark.Ticks && !mark.Granted)))
        {
            return;
        }
        Consents[key] = new ConsentMark { Granted = granted, Ticks = ticks, Source = source };
    }

    private void ApplyTag(ProfileEvent e)
    {
        // Any JSON number that is a whole id (events built in code may carry an int).
        if (e.Properties?["tag_id"] is not JsonValue idValue || idValue.GetValueKind() != System.Text.Json.JsonValueKind.Number
            || !long.TryParse(idValue.ToJsonString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var tagId))
        {
            return;
        }
        var present = e.Type == EventTypes.TagAdded;
        // Latest change wins; at equal times a removal wins, so replay order never matters.
        if (Tags.TryGetValue(tagId, out var mark) && (e.TimestampTicks < mark.Ticks || (e.TimestampTicks == mark.Ticks && !mark.Present)))
        {
            return;
        }
        Tags[tagId] = new TagMark { Present = present, Ticks = e.TimestampTicks, Source = ReadString(e.Properties["source"]) ?? TagSource.Manual };
    }

    private void SetAttribute(string name, JsonNode? value, long ticks)
    {
        var strategy = AttributeSchema.StrategyOf(name);
        // An empty first channel says nothing: oldest keeps the oldest value that is there, like non-empty keeps the latest.
        if (strategy is MergeStrategy.NonEmpty or MergeStrategy.Oldest && IsEmpty(value))
        {
            return;
        }
        if (!Attributes.TryGetValue(name, out var current))
        {
            Attributes[name] = new AttributeValue { Value = value?.DeepClone(), Ticks = ticks };
            return;
        }
        switch (strategy)
        {
            case MergeStrategy.MostRecent when ticks >= current.Ticks:
            case MergeStrategy.NonEmpty when ticks >= current.Ticks:
                current.Value = value?.DeepClone();
                current.Ticks = ticks;
                break;
            case MergeStrategy.Oldest when ticks < current.Ticks:
                current.Value = value?.DeepClone();
                current.Ticks = ticks;
                break;
            case MergeStrategy.Sum:
                current.Value = JsonValue.Create(ReadDecimal(current.Value) + ReadDecimal(value));
                current.Ticks = Math.Max(current.Ticks, ticks);
                break;
        }
    }

    private static bool IsEmpty(JsonNode? value) => value is null || (value is JsonValue v && v.TryGetValue<string>(out var s) && string.IsNullOrWhiteSpace(s));

    /// <summary>Any JSON number (whatever CLR type backs the node) as a decimal; non-numbers count as 0.</summary>
    internal static decimal ReadDecimal(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number
            && decimal.TryParse(v.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d)
            ? d
            : 0m;

    internal static string? ReadString(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static double? ReadDouble(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number
            && double.TryParse(v.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d)
            ? d
            : null;
}
