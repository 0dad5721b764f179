using System.Text.Json.Nodes;
using Siyu.Core.Audiences.Conditions;
using Siyu.Core.Audiences.Engine;
using Siyu.Core.Customers;
using Siyu.Core.Events;
using Siyu.Core.Tags;
using Siyu.Server.Audiences;
using Siyu.Server.Ingest;

namespace Siyu.Server.Partitions;

/// <summary>
/// The partition's audience side: a columnar index kept in step with the profiles, condition queries, and rule
/// tags — evaluated for the customers an applied batch touched, and for everyone at each local midnight.
/// </summary>
public sealed partial class PartitionGrain
{
    private AudienceIndex _index = new(TimeZoneInfo.Utc);
    private bool _indexStale;
    private readonly HashSet<long> _touched = [];
    /// <summary>Rule tag changes written but not yet applied back, so a busy customer doesn't get them twice.</summary>
    private readonly Dictionary<(long Customer, long Tag), bool> _pendingRuleChanges = [];
    private readonly Dictionary<string, Condition> _parsed = new(StringComparer.Ordinal);
    private long _parsedVersion = -1;
    private IGrainTimer? _midnightTimer;

    private TimeZoneInfo Zone => ServiceProvider.GetRequiredService<Tenants.TenantDirectory>().Zone(_tenantId);

    private void BuildIndex()
    {
        _index = new AudienceIndex(Zone);
        foreach (var p in _profiles.Values)
        {
            _index.Load(p);
        }
        _indexStale = false;
    }

    private AudienceIndex Index()
    {
        if (_indexStale)
        {
            BuildIndex();
        }
        return _index;
    }

    /// <summary>Brings the index up to date with one applied event: only what that event can have changed.</summary>
    private void IndexApplied(CustomerProfile profile, ProfileEvent e)
    {
        long? tagId = e.Type is EventTypes.TagAdded or EventTypes.TagRemoved && e.Properties?["tag_id"] is JsonValue tag
            && long.TryParse(tag.ToJsonString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) ? id : null;
        if (tagId is { } changedTag)
        {
            _pendingRuleChanges.Remove((profile.CustomerId, changedTag));
        }
        _touched.Add(profile.CustomerId);
        if (_indexStale)
        {
            return;
        }
        var ordinal = _index.Ordinal(profile.CustomerId);
        if (tagId is { } t)
        {
            _index.SetTag(ordinal, t, profile.HasTag(t));
        }
        if (e.Attributes is not null)
        {
            foreach (var (name, _) in e.Attributes)
            {
                if (profile.Attributes.TryGetValue(name, out var value))
                {
                    _index.SetAttribute(ordinal, name, value.Value);
                }
            }
        }
        if (profile.LastRecorded is { } recorded)
        {
            _index.AddEvent(ordinal, recorded);
        }
        if (e.Type is EventTypes.LocationReported or EventTypes.ConsentGranted or EventTypes.ConsentRevoked or EventTypes.CustomerAnonymised)
        {
            // A shared location counts only under location consent: either side may have changed.
            _index.SetLocation(ordinal, profile.UsableLocation);
        }
    }

    private int Today() => TenantClock.Today(time.GetUtcNow(), _index.Zone);

    private Condition Parse(string json)
    {
        var tenant = ServiceProvider.GetRequiredService<ConditionCatalogs>().Get(_tenantId);
        if (tenant.Version != _parsedVersion || _parsed.Count > 256)
        {
            _parsed.Clear();
            _parsedVersion = tenant.Version;
        }
        if (!_parsed.TryGetValue(json, out var condition))
        {
            var result = ConditionParser.Parse(json, tenant.Catalog);
            if (!result.Ok)
            {
                throw new ArgumentException($"Condition no longer valid: {result.Errors[0].Path}: {result.Errors[0].Message}");
            }
            _parsed[json] = condition = result.Condition!;
        }
        return condition;
    }

    public Task<AudienceAnswer> Query(AudienceQuery query)
    {
        var condition = Parse(query.ConditionJson);
        var index = Index();
        var members = new BitsetEvaluator(index, query.Today).Evaluate(condition.Root);
        // The first Limit ids after AfterId in a max-heap (priority = -id): a page of a large audience costs the page,
        // not a sort of every member.
        var page = new PriorityQueue<long, long>();
        var sample = new PriorityQueue<long, ulong>();
        foreach (var ordinal in members.Ones())
        {
            var id = index.CustomerId(ordinal);
            if (id > query.AfterId && query.Limit > 0)
            {
                KeepHighest(page, id, -id, query.Limit);
            }
            if (query.SampleSize > 0)
            {
                // Keep the ids with the smallest hashes: a deterministic, uniform sample that merges across partitions.
                var h = SampleHash(id);
                sample.Enqueue(id, ulong.MaxValue - h);
                if (sample.Count > query.SampleSize)
                {
                    sample.Dequeue();
                }
            }
        }
        var ids = page.UnorderedItems.Select(x => x.Element).ToArray();
        Array.Sort(ids);
        var sampled = new List<long>();
        while (sample.TryDequeue(out var id, out _))
        {
            sampled.Add(id);
        }
        return Task.FromResult(new AudienceAnswer(members.Count(), ids, [.. sampled]));
    }

    public static ulong SampleHash(long id) => unchecked((ulong)id * 0x9E3779B97F4A7C15UL) ^ ((ulong)id >> 17);

    public Task<ExplanationView?> Explain(string conditionJson, int today, long customerId, bool chinese)
    {
        if (!_profiles.TryGetValue(customerId, out var profile))
        {
            return Task.FromResult<ExplanationView?>(null);
        }
        var condition = Parse(conditionJson);
        var tags = ServiceProvider.GetRequiredService<Tags.TagCatalog>();
        var evaluator = new ProfileEvaluator(_index.Zone, today, id => tags.Find(_tenantId, id)?.Name ?? id.ToString(System.Globalization.CultureInfo.InvariantCulture), chinese);
        return Task.FromResult<ExplanationView?>(ExplanationView.From(evaluator.Explain(condition.Root, profile)));
    }

    private List<(long TagId, Condition Rule)> Rules()
    {
        var rules = new List<(long, Condition)>();
        foreach (var (tagId, json) in ServiceProvider.GetRequiredService<ConditionCatalogs>().Get(_tenantId).Rules)
        {
            try
            {
                rules.Add((tagId, Parse(json)));
            }
            catch (ArgumentException e)
            {
                LogRuleInvalid(logger, e, _tenantId, tagId);
            }
        }
        return rules;
    }

    /// <summary>Incremental rule tags: only the customers this batch changed are evaluated, from their profiles.</summary>
    private async Task EvaluateRulesForTouchedAsync()
    {
        if (_touched.Count == 0)
        {
            return;
        }
        var rules = Rules();
        if (rules.Count == 0)
        {
            _touched.Clear();
            return;
        }
        var evaluator = new ProfileEvaluator(_index.Zone, Today());
        var changes = new List<TagChange>();
        foreach (var customerId in _touched)
        {
            if (!_profiles.TryGetValue(customerId, out var profile))
            {
                continue;
            }
            foreach (var (tagId, rule) in rules)
            {
                Want(changes, customerId, tagId, profile.HasTag(tagId), evaluator.Matches(rule.Root, profile));
            }
        }
        _touched.Clear();
        await WriteRuleChangesAsync(changes);
    }

    public async Task ReevaluateRules()
    {
        var index = Index();
        var today = Today();
        index.Prune(today - ConditionLimits.DefaultRetentionDays);
        var changes = new List<TagChange>();
        foreach (var (tagId, rule) in Rules())
        {
            var wanted = new BitsetEvaluator(index, today).Evaluate(rule.Root);
            var current = index.Tag(tagId)?.Clone() ?? new Bitset(index.Size);
            current.And(index.Alive);
            var add = wanted.Clone();
            add.AndNot(current);
            var remove = current;
            remove.AndNot(wanted);
            foreach (var ordinal in add.Ones())
            {
                Want(changes, index.CustomerId(ordinal), tagId, false, true);
            }
            foreach (var ordinal in remove.Ones())
            {
                Want(changes, index.CustomerId(ordinal), tagId, true, false);
            }
        }
        await WriteRuleChangesAsync(changes);
    }

    private void Want(List<TagChange> changes, long customerId, long tagId, bool has, bool wanted)
    {
        if (_pendingRuleChanges.TryGetValue((customerId, tagId), out var pending) ? pending == wanted : has == wanted)
        {
            return;
        }
        _pendingRuleChanges[(customerId, tagId)] = wanted;
        changes.Add(new TagChange(customerId, tagId, wanted));
    }

    private async Task WriteRuleChangesAsync(List<TagChange> changes)
    {
        if (changes.Count == 0)
        {
            return;
        }
        var now = time.GetUtcNow();
        var events = changes.Select(c => new IncomingEvent(
            $"rule:{c.TagId}:{c.CustomerId}:{(c.Add ? "add" : "remove")}:{now.UtcTicks}",
            c.Add ? EventTypes.TagAdded : EventTypes.TagRemoved, now, [], c.CustomerId,
            new JsonObject { ["tag_id"] = c.TagId, ["source"] = TagSource.Rule, ["actor"] = "rule", ["reason"] = c.Add ? "rule matched" : "rule no longer matches" },
            null, TagSource.Rule)).ToList();
        if (await AppendTagEventsAsync(events) is { } failure)
        {
            // Not lost for good: the next event of the customer or the next midnight pass writes it again.
            foreach (var c in changes)
            {
                _pendingRuleChanges.Remove((c.CustomerId, c.TagId));
            }
            LogRuleWriteFailed(logger, failure, _tenantId, _partition, changes.Count);
        }
    }

    /// <summary>Appends tag changes the partition decided (rule and keyword tags) in batches; the failure, or null.</summary>
    private async Task<Exception?> AppendTagEventsAsync(IReadOnlyList<IncomingEvent> events)
    {
        var writer = ServiceProvider.GetRequiredService<IngestWriter>();
        try
        {
            foreach (var chunk in events.Chunk(1000))
            {
                await writer.AppendAsync(_tenantId, chunk);
            }
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return e;
        }
    }

    /// <summary>Full rule pass shortly after activation (midnights may have passed while inactive), then at every local midnight.</summary>
    private void StartRuleSchedule()
    {
        _touched.Clear(); // replayed customers are covered by the full pass below
        _keywordHits.Clear(); // replayed messages tagged (or not) when they were new
        this.RegisterGrainTimer(_ => ReevaluateRules(), new GrainTimerCreationOptions(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan) { Interleave = false });
        _midnightTimer = this.RegisterGrainTimer(OnMidnight, new GrainTimerCreationOptions(UntilMidnight(), Timeout.InfiniteTimeSpan) { Interleave = false, KeepAlive = true });
    }

    private TimeSpan UntilMidnight()
    {
        var now = time.GetUtcNow();
        // A second past midnight so "today" has certainly turned.
        return TenantClock.NextMidnight(now, _index.Zone) - now + TimeSpan.FromSeconds(1);
    }

    private async Task OnMidnight(CancellationToken cancellationToken)
    {
        RescoreAll(); // a day more since everyone's last order: recency, stages and due dates move
        await ReevaluateRules();
        ReevaluateAudienceTriggers();
        await FlushJourneyEffectsAsync();
        _midnightTimer?.Change(UntilMidnight(), Timeout.InfiniteTimeSpan);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rule of tag {Tag} in tenant {Tenant} no longer parses; skipped")]
    private static partial void LogRuleInvalid(ILogger logger, Exception e, int tenant, long tag);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing {Count} rule tag changes for partition {Tenant}/{Partition} failed; they are retried on the next event or midnight")]
    private static partial void LogRuleWriteFailed(ILogger logger, Exception e, int tenant, int partition, int count);
}
