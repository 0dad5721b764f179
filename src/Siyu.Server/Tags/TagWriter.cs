using System.Text.Json.Nodes;
using Siyu.Core.Customers;
using Siyu.Core.Events;
using Siyu.Core.Tags;
using Siyu.Server.Customers;
using Siyu.Server.Ingest;
using Siyu.Server.Partitions;
using Siyu.Server.Tenants;

namespace Siyu.Server.Tags;

/// <summary>Add and remove tags on customers, one or ten thousand at a time. All or nothing: any bad id rejects the request.</summary>
public sealed record TagChangeRequest(
    IReadOnlyList<long> CustomerIds,
    IReadOnlyList<long> Add,
    IReadOnlyList<long> Remove,
    string Source,
    string Actor,
    string? Reason,
    string? RequestId = null);

/// <summary>Changes written (no-ops such as adding a tag the customer already has are skipped), and the last log seq written.</summary>
public sealed record TagChangeResult(int Added, int Removed, int Unchanged, long LastSeq, IReadOnlyList<FieldError> Errors)
{
    public static TagChangeResult Invalid(IReadOnlyList<FieldError> errors) => new(0, 0, 0, 0, errors);
}

/// <summary>
/// Writes tag changes as <c>tag.added</c>/<c>tag.removed</c> events through the ingest writer, so they are durable,
/// ordered with everything else the customer does, replayed on rebuilds, and carried along by merges.
/// </summary>
public sealed class TagWriter(TagCatalog catalog, CustomerReader reader, IngestWriter writer, IGrainFactory grains, TenantDirectory tenants, WeCom.WeComTagPush wecom, TimeProvider time)
{
    public const int MaxCustomersPerRequest = 10_000;

    public async Task<TagChangeResult> ApplyAsync(int tenantId, TagChangeRequest request)
    {
        var errors = Validate(tenantId, request, out var canonical);
        if (errors.Count > 0)
        {
            return TagChangeResult.Invalid(errors);
        }
        var requested = canonical.Distinct()
            .SelectMany(c => request.Add.Distinct().Select(t => new TagChange(c, t, true)).Concat(request.Remove.Distinct().Select(t => new TagChange(c, t, false))))
            .ToList();
        var partitions = tenants.Partitions(tenantId);
        var effective = (await Task.WhenAll(requested.GroupBy(c => Partitioning.Of(c.CustomerId, partitions))
            .Select(g => grains.GetGrain<IPartitionGrain>(PartitionDispatcher.GrainKey(tenantId, g.Key)).EffectiveTagChanges([.. g]))))
            .SelectMany(x => x).ToList();

        var now = time.GetUtcNow();
        var events = effective.Select(c => new IncomingEvent(
            request.RequestId is null ? $"tag:{Guid.NewGuid():N}" : $"tag:{request.RequestId}:{c.CustomerId}:{c.TagId}:{(c.Add ? "add" : "remove")}",
            c.Add ? EventTypes.TagAdded : EventTypes.TagRemoved,
            now, [], c.CustomerId,
            new JsonObject { ["tag_id"] = c.TagId, ["source"] = request.Source, ["actor"] = request.Actor, ["reason"] = request.Reason },
            null, request.Source)).ToList();
        long lastSeq = 0;
        foreach (var chunk in events.Chunk(1000))
        {
            var outcomes = await writer.AppendAsync(tenantId, chunk);
            lastSeq = Math.Max(lastSeq, outcomes.Max(o => o.Seq));
        }
        if (request.Source != TagSource.WeCom)
        {
            wecom.Push(tenantId, effective); // WeCom-linked tags follow to the WeCom client; changes from WeCom need no echo
        }
        return new TagChangeResult(effective.Count(c => c.Add), effective.Count(c => !c.Add), requested.Count - effective.Count, lastSeq, []);
    }

    private List<FieldError> Validate(int tenantId, TagChangeRequest request, out List<long> canonical)
    {
        var errors = new List<FieldError>();
        canonical = [];
        if (request.CustomerIds.Count == 0 || request.CustomerIds.Count > MaxCustomersPerRequest)
        {
            errors.Add(new FieldError("customer_ids", $"Give 1–{MaxCustomersPerRequest:N0} customer ids; got {request.CustomerIds.Count:N0}."));
        }
        if (request.Add.Count + request.Remove.Count == 0)
        {
            errors.Add(new FieldError("add", "Nothing to do: give tag ids in add and/or remove."));
        }
        if (!TagSource.IsValid(request.Source))
        {
            errors.Add(new FieldError("source", $"Unknown source '{request.Source}'; use one of {string.Join(", ", TagSource.All)}."));
        }
        if (request.Reason is { Length: > 200 })
        {
            errors.Add(new FieldError("reason", "At most 200 characters."));
        }
        CheckTags(tenantId, request.Add, "add", request.Source, errors);
        CheckTags(tenantId, request.Remove, "remove", request.Source, errors);
        foreach (var both in request.Add.Intersect(request.Remove))
        {
            errors.Add(new FieldError("remove", $"Tag {both} is both added and removed."));
        }
        for (var i = 0; i < request.CustomerIds.Count && i < MaxCustomersPerRequest; i++)
        {
            if (reader.Canonical(tenantId, request.CustomerIds[i]) is { } id)
            {
                canonical.Add(id);
            }
            else
            {
                errors.Add(new FieldError($"customer_ids[{i}]", $"No customer {request.CustomerIds[i]}."));
            }
        }
        return errors;
    }

    private void CheckTags(int tenantId, IReadOnlyList<long> ids, string field, string source, List<FieldError> errors)
    {
        for (var i = 0; i < ids.Count; i++)
        {
            var tag = catalog.Find(tenantId, ids[i]);
            if (tag is null || tag.Deleted)
            {
                errors.Add(new FieldError($"{field}[{i}]", tag is null ? $"No tag {ids[i]}." : $"Tag {ids[i]} ({tag.Name}) was deleted."));
            }
            else if (tag.Kind == TagSource.Rule && source != TagSource.Rule)
            {
                errors.Add(new FieldError($"{field}[{i}]", $"Tag {ids[i]} ({tag.Name}) is maintained by its rule; change the rule instead."));
            }
        }
    }
}
