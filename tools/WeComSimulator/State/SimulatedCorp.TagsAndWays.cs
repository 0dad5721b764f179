using System.Text.Json.Nodes;
using Siyu.WeCom.Api;

namespace Siyu.WeComSimulator.State;

// edit_corp_tag, del_corp_tag, update_contact_way, and the admin-console tag changes that produce callbacks.
public sealed partial class SimulatedCorp
{
    internal SimResult EditCorpTag(JsonObject body)
    {
        var id = Str(body, "id");
        var name = Str(body, "name");
        var order = body["order"] is JsonValue v && v.TryGetValue<long>(out var o) ? o : (long?)null;
        if (string.IsNullOrEmpty(id))
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "id required");
        }

        if (name is not null && (name.Trim().Length == 0 || name.Length > 30))
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "tag name must be 1..30 characters");
        }

        lock (_lock)
        {
            var error = RenameTagLocked(id, name, order, out _);
            return error ?? SimResult.Ok();
        }
    }

    internal SimResult DeleteCorpTag(IReadOnlyList<string> tagIds, IReadOnlyList<string> groupIds)
    {
        if (tagIds.Count == 0 && groupIds.Count == 0)
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "tag_id or group_id required");
        }

        lock (_lock)
        {
            if (tagIds.Any(id => TagById(id) is null) || groupIds.Any(id => _tagGroups.All(g => g.GroupId != id)))
            {
                // All or nothing: WeCom rejects the request rather than deleting the valid part.
                return SimResult.Error(WeComErrorCodes.InvalidTagId, "invalid tagid");
            }

            DeleteTagsLocked(tagIds, groupIds);
            return SimResult.Ok();
        }
    }

    internal SimResult UpdateContactWay(WeComContactWayUpdate update)
    {
        if (string.IsNullOrEmpty(update.ConfigId))
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "config_id required");
        }

        if (update.State is { Length: > 30 } || update.Remark is { Length: > 30 })
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "state or remark exceeds 30 characters");
        }

        lock (_lock)
        {
            var found = _contactWays.FirstOrDefault(c => c.Way.ConfigId == update.ConfigId);
            if (found is null)
            {
                return SimResult.Error(WeComErrorCodes.InvalidParameter, "invalid config_id");
            }

            if (update.User is { } users && users.Any(u => ActiveUser(u) is null))
            {
                return SimResult.Error(WeComErrorCodes.UserNotFound, "invalid userid");
            }

            var way = found.Way;
            var newUsers = update.User ?? way.User ?? [];
            var newParties = update.Party ?? way.Party;
            if (way.Type == 1 && (newUsers.Count != 1 || newParties is { Count: > 0 }))
            {
                return SimResult.Error(WeComErrorCodes.InvalidParameter, "type 1 takes exactly one user");
            }

            if (newUsers.Count == 0 && newParties is not { Count: > 0 })
            {
                return SimResult.Error(WeComErrorCodes.InvalidParameter, "users or parties required");
            }

            found.Way = way with
            {
                Remark = update.Remark ?? way.Remark,
                SkipVerify = update.SkipVerify ?? way.SkipVerify,
                Style = update.Style ?? way.Style,
                State = update.State ?? way.State,
                User = update.User ?? way.User,
                Party = update.Party ?? way.Party,
                ExpiresIn = update.ExpiresIn ?? way.ExpiresIn,
                ChatExpiresIn = update.ChatExpiresIn ?? way.ChatExpiresIn,
                UnionId = update.UnionId ?? way.UnionId,
                MarkSource = update.MarkSource ?? way.MarkSource,
                Conclusions = update.Conclusions ?? way.Conclusions,
            };
            return SimResult.Ok();
        }
    }

    // ---- Admin-console changes (simulation; they produce change_external_tag callbacks) ----

    /// <summary>
    /// An admin creates tag <paramref name="tagName"/> in group <paramref name="groupName"/> (created when
    /// missing). Returns the id and type the callback reports: the group when it is new, else the tag.
    /// </summary>
    internal (string Id, string TagType) AdminCreateTag(string groupName, string tagName)
    {
        lock (_lock)
        {
            var group = _tagGroups.FirstOrDefault(g => g.GroupName == groupName);
            if (group is not null && group.Tags.Any(t => t.Name == tagName))
            {
                throw new InvalidOperationException($"Tag {tagName} exists in {groupName}.");
            }

            var now = Now();
            var isNewGroup = group is null;
            if (group is null)
            {
                group = new SimTagGroup { GroupId = NewId("et", 30), GroupName = groupName, CreateTime = now, Order = 0 };
                _tagGroups.Add(group);
            }

            var tag = new SimTag { Id = NewId("et", 30), Name = tagName, CreateTime = now, Order = 0 };
            group.Tags.Add(tag);
            return isNewGroup ? (group.GroupId, "tag_group") : (tag.Id, "tag");
        }
    }

    /// <summary>An admin renames a tag or tag group; returns <c>tag</c> or <c>tag_group</c>.</summary>
    internal string AdminRenameTag(string id, string name)
    {
        lock (_lock)
        {
            var error = RenameTagLocked(id, name, null, out var tagType);
            return error is null ? tagType! : throw new InvalidOperationException(error.ErrMsg);
        }
    }

    /// <summary>An admin deletes a tag or tag group; returns <c>tag</c> or <c>tag_group</c>.</summary>
    internal string AdminDeleteTag(string id)
    {
        lock (_lock)
        {
            if (_tagGroups.Any(g => g.GroupId == id))
            {
                DeleteTagsLocked([], [id]);
                return "tag_group";
            }

            if (TagById(id) is not null)
            {
                DeleteTagsLocked([id], []);
                return "tag";
            }

            throw new KeyNotFoundException("No tag or tag group " + id + ".");
        }
    }

    private SimResult? RenameTagLocked(string id, string? name, long? order, out string? tagType)
    {
        var group = _tagGroups.FirstOrDefault(g => g.GroupId == id);
        if (group is not null)
        {
            tagType = "tag_group";
            if (name is not null && name != group.GroupName && _tagGroups.Any(g => g.GroupName == name))
            {
                return SimResult.Error(WeComErrorCodes.TagNameExists, "tag group name exists");
            }

            group.GroupName = name ?? group.GroupName;
            group.Order = order ?? group.Order;
            return null;
        }

        if (TagById(id) is { } found)
        {
            tagType = "tag";
            if (name is not null && found.Group.Tags.Any(t => t.Name == name && t.Id != id))
            {
                return SimResult.Error(WeComErrorCodes.TagNameExists, "tag name exists");
            }

            found.Tag.Name = name ?? found.Tag.Name;
            found.Tag.Order = order ?? found.Tag.Order;
            return null;
        }

        tagType = null;
        return SimResult.Error(WeComErrorCodes.InvalidTagId, "invalid tagid");
    }

    /// <summary>Deletes tags and groups; a group left without tags goes too, and customers lose the deleted tags.</summary>
    private void DeleteTagsLocked(IReadOnlyList<string> tagIds, IReadOnlyList<string> groupIds)
    {
        var removed = new HashSet<string>(tagIds, StringComparer.Ordinal);
        foreach (var group in _tagGroups.Where(g => groupIds.Contains(g.GroupId)))
        {
            removed.UnionWith(group.Tags.Select(t => t.Id));
        }

        foreach (var group in _tagGroups)
        {
            group.Tags.RemoveAll(t => removed.Contains(t.Id));
        }

        _tagGroups.RemoveAll(g => groupIds.Contains(g.GroupId) || g.Tags.Count == 0);
        foreach (var follow in _follows)
        {
            follow.TagIds.RemoveAll(removed.Contains);
        }
    }
}
