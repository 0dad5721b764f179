using System.Text.Json.Nodes;
using Siyu.WeCom.Api;

namespace Siyu.WeComSimulator.State;

// Customer groups (客户群): groupchat/list and groupchat/get, and the WeChat-side membership changes.
public sealed partial class SimulatedCorp
{
    /// <summary>chat_ids of every group that has not been dismissed, in creation order.</summary>
    public IReadOnlyList<string> GroupChatIds
    {
        get
        {
            lock (_lock)
            {
                return [.. _groups.Where(g => !g.Dismissed).Select(g => g.ChatId)];
            }
        }
    }

    internal SimResult ListGroupChats(JsonObject body)
    {
        var statusFilter = body["status_filter"] is JsonValue sv && sv.TryGetValue<int>(out var s) ? s : 0;
        var limit = body["limit"] is JsonValue lv && lv.TryGetValue<int>(out var l) ? l : (int?)null;
        var owners = StrList(body["owner_filter"] as JsonObject, "userid_list");
        if (statusFilter is < 0 or > 3)
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "invalid status_filter");
        }

        if (limit is not (>= 1 and <= 1000))
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "limit must be 1..1000");
        }

        if (owners.Count > 100)
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "owner_filter.userid_list exceeds 100");
        }

        lock (_lock)
        {
            if (owners.FirstOrDefault(o => AnyUser(o) is null) is { } unknown)
            {
                return SimResult.Error(WeComErrorCodes.InvalidUserId, "invalid userid " + unknown);
            }

            var rows = _groups
                .Where(g => !g.Dismissed && (statusFilter == 0 || g.Status == statusFilter) && (owners.Count == 0 || owners.Contains(g.Owner)))
                .Select(g => new WeComGroupChatRef { ChatId = g.ChatId, Status = (WeComGroupChatStatus)g.Status })
                .ToList();
            if (Paginate(rows, Str(body, "cursor"), limit.Value) is not { } paged)
            {
                return SimResult.Error(WeComErrorCodes.InvalidParameter, "invalid cursor");
            }

            return SimResult.Ok(("group_chat_list", paged.Page), ("next_cursor", paged.Next));
        }
    }

    internal SimResult GetGroupChat(JsonObject body)
    {
        var chatId = Str(body, "chat_id");
        var needName = body["need_name"] is JsonValue v && v.TryGetValue<int>(out var n) && n == 1;
        lock (_lock)
        {
            var group = _groups.FirstOrDefault(g => g.ChatId == chatId && !g.Dismissed);
            if (group is null)
            {
                return SimResult.Error(WeComErrorCodes.InvalidChatId, "chatid not found");
            }

            var members = group.Members.Select(m =>
            {
                var contact = m.Type == 2 ? _contacts.FirstOrDefault(c => c.ExternalUserId == m.UserId) : null;
                var name = m.Type == 1 ? AnyUser(m.UserId)?.Name : contact?.Name ?? m.Name;
                return new WeComGroupChatMember
                {
                    UserId = m.UserId,
                    Type = (WeComGroupChatMemberType)m.Type,
                    UnionId = contact?.UnionId,
                    JoinTime = m.JoinTime,
                    JoinScene = m.JoinScene,
                    Invitor = m.Invitor is null ? null : new WeComGroupChatInvitor { UserId = m.Invitor },
                    GroupNickname = m.GroupNickname ?? string.Empty,
                    Name = needName ? name ?? string.Empty : null,
                    State = m.State,
                };
            }).ToList();
            var dto = new WeComGroupChat
            {
                ChatId = group.ChatId,
                Name = group.Name,
                Owner = group.Owner,
                CreateTime = group.CreateTime,
                Notice = group.Notice ?? string.Empty,
                MemberList = members,
                AdminList = [.. group.Admins.Select(a => new WeComGroupChatAdmin { UserId = a })],
                MemberVersion = group.MemberVersion,
            };
            return SimResult.Ok(("group_chat", dto));
        }
    }

    // ---- Simulation (WeChat-side changes that produce change_external_chat callbacks) ----

    /// <summary>
    /// Staff member <paramref name="owner"/> creates a group with <paramref name="memberIds"/> (staff userids or
    /// the corp's external_userids). Returns the chat_id.
    /// </summary>
    internal string CreateGroup(string owner, string name, IReadOnlyList<string> memberIds)
    {
        lock (_lock)
        {
            if (ActiveUser(owner) is null)
            {
                throw new KeyNotFoundException("Unknown userid " + owner + ".");
            }

            var ids = memberIds.Where(id => id != owner).Distinct().ToList();
            if (ids.Count + 1 > _options.MaxGroupMembers)
            {
                throw new InvalidOperationException($"A group holds at most {_options.MaxGroupMembers} members.");
            }

            var now = Now();
            var group = new SimGroupChat { ChatId = NewId("wr", 30), Name = name, Owner = owner, CreateTime = now, MemberVersion = NewHex(32) };
            group.Members.Add(new SimGroupMember { UserId = owner, Type = 1, JoinTime = now, JoinScene = 1 });
            foreach (var id in ids)
            {
                group.Members.Add(new SimGroupMember { UserId = id, Type = MemberType(id), JoinTime = now, JoinScene = 1, Invitor = owner });
            }

            _groups.Add(group);
            return group.ChatId;
        }
    }

    /// <summary>
    /// Someone joins group <paramref name="chatId"/>: a staff member, one of the corp's customers, or (when
    /// <paramref name="memberId"/> is null) a WeChat user who is nobody's customer yet, named <paramref name="name"/>.
    /// Returns the member id and the member versions before and after.
    /// </summary>
    internal (string MemberId, string LastMemVer, string CurMemVer) JoinGroup(
        string chatId, string? memberId, string? name, int joinScene, string? invitor, string? state = null)
    {
        lock (_lock)
        {
            var group = LiveGroup(chatId);
            if (group.Members.Count >= _options.MaxGroupMembers)
            {
                throw new InvalidOperationException($"The group is full ({_options.MaxGroupMembers} members).");
            }

            if (memberId is not null && group.Members.Any(m => m.UserId == memberId))
            {
                throw new InvalidOperationException(memberId + " is in the group already.");
            }

            if (invitor is not null && ActiveUser(invitor) is null)
            {
                throw new KeyNotFoundException("Unknown invitor " + invitor + ".");
            }

            var id = memberId ?? NewId("wm", 30);
            var type = memberId is null ? 2 : MemberType(memberId);
            group.Members.Add(new SimGroupMember
            {
                UserId = id,
                Type = type,
                JoinTime = Now(),
                JoinScene = joinScene,
                Invitor = joinScene == 3 ? null : invitor ?? group.Owner,
                Name = memberId is null ? name ?? "微信用户" : null,
                State = state,
            });
            return (id, group.MemberVersion, group.MemberVersion = NewHex(32));
        }
    }

    /// <summary>A member leaves (or is removed from) a group. Returns the member versions before and after.</summary>
    internal (string LastMemVer, string CurMemVer) LeaveGroup(string chatId, string memberId)
    {
        lock (_lock)
        {
            var group = LiveGroup(chatId);
            if (memberId == group.Owner)
            {
                throw new InvalidOperationException("The owner cannot leave; dismiss the group instead.");
            }

            if (group.Members.RemoveAll(m => m.UserId == memberId) == 0)
            {
                throw new KeyNotFoundException(memberId + " is not in the group.");
            }

            group.Admins.Remove(memberId);
            return (group.MemberVersion, group.MemberVersion = NewHex(32));
        }
    }

    internal void DismissGroup(string chatId)
    {
        lock (_lock)
        {
            LiveGroup(chatId).Dismissed = true;
        }
    }

    internal void AddGroupChat(SimGroupChat group)
    {
        lock (_lock)
        {
            _groups.Add(group);
        }
    }

    internal string UserName(string userId)
    {
        lock (_lock)
        {
            return AnyUser(userId)?.Name ?? userId;
        }
    }

    private SimGroupChat LiveGroup(string chatId) =>
        _groups.FirstOrDefault(g => g.ChatId == chatId && !g.Dismissed) ?? throw new KeyNotFoundException("No group " + chatId + ".");

    /// <summary>1 for a staff member, 2 for one of the corp's customers; anything else is refused.</summary>
    private int MemberType(string id)
    {
        if (ActiveUser(id) is not null)
        {
            return 1;
        }

        if (_contacts.Any(c => c.ExternalUserId == id))
        {
            return 2;
        }

        throw new KeyNotFoundException("Unknown userid or external_userid " + id + ".");
    }
}
