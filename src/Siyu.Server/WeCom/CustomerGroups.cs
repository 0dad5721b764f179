using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Customers;
using Siyu.Core.Events;
using Siyu.Server.Data;
using Siyu.Server.Ingest;
using Siyu.WeCom.Api;

namespace Siyu.Server.WeCom;

/// <summary>
/// Customer groups (客户群) and their members, kept from WeCom: a full pass at sync time and one group at a time when a
/// change_external_chat callback says it changed. A customer joining or leaving becomes <c>group.joined</c> /
/// <c>group.left</c> on their history (keyed by group, member and join time, so passes repeat nothing).
/// </summary>
public sealed class CustomerGroups(IDbContextFactory<SiyuDb> dbs, IngestWriter writer, TimeProvider time)
{
    public async Task<int> SyncAllAsync(int tenantId, WeComApiClient api, CancellationToken cancellationToken)
    {
        var chatIds = new List<string>();
        string? cursor = null;
        do
        {
            var page = await api.ListGroupChatsAsync(new WeComGroupChatListRequest { Cursor = cursor, Limit = 1000 }, cancellationToken);
            chatIds.AddRange(page.GroupChatList.Select(g => g.ChatId));
            cursor = string.IsNullOrEmpty(page.NextCursor) ? null : page.NextCursor;
        }
        while (cursor is not null);
        foreach (var chatId in chatIds)
        {
            await RefreshAsync(tenantId, api, chatId, cancellationToken);
        }
        return chatIds.Count;
    }

    /// <summary>Re-reads one group and applies the difference in members; returns how many customers joined and left.</summary>
    public async Task<(int Joined, int Left)> RefreshAsync(int tenantId, WeComApiClient api, string chatId, CancellationToken cancellationToken)
    {
        WeComGroupChat chat;
        try
        {
            chat = await api.GetGroupChatAsync(chatId, needName: true, cancellationToken);
        }
        catch (WeComApiException e) when (e.ErrCode is 40050 or 90500 or 701008)
        {
            await DismissAsync(tenantId, chatId, cancellationToken); // gone: dismissed, or no longer visible to the app
            return (0, 0);
        }
        var now = time.GetUtcNow();
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var group = await db.CustomerGroups.FirstOrDefaultAsync(g => g.TenantId == tenantId && g.ChatId == chatId, cancellationToken);
        if (group is null)
        {
            db.CustomerGroups.Add(group = new CustomerGroupRow { TenantId = tenantId, ChatId = chatId });
        }
        (group.Name, group.Owner, group.Notice, group.DismissedAtTicks) = (chat.Name, chat.Owner, chat.Notice, null);
        group.CreatedAtTicks = chat.CreateTime > 0 ? DateTimeOffset.FromUnixTimeSeconds(chat.CreateTime).UtcTicks : group.CreatedAtTicks;
        group.Members = chat.MemberList.Count;
        group.ExternalMembers = chat.MemberList.Count(m => m.Type == WeComGroupChatMemberType.External);
        group.UpdatedAtTicks = now.UtcTicks;

        var existing = await db.CustomerGroupMembers.Where(m => m.TenantId == tenantId && m.ChatId == chatId).ToDictionaryAsync(m => m.MemberId, StringComparer.Ordinal, cancellationToken);
        var current = chat.MemberList.ToDictionary(m => m.UserId, StringComparer.Ordinal);
        var events = new List<IncomingEvent>();
        var (joinedCount, leftCount) = (0, 0);
        foreach (var m in chat.MemberList)
        {
            var joined = m.JoinTime > 0 ? DateTimeOffset.FromUnixTimeSeconds(m.JoinTime) : now;
            if (!existing.TryGetValue(m.UserId, out var row))
            {
                db.CustomerGroupMembers.Add(row = new CustomerGroupMemberRow { TenantId = tenantId, ChatId = chatId, MemberId = m.UserId });
                joinedCount += m.Type == WeComGroupChatMemberType.External ? 1 : 0;
            }
            (row.Type, row.JoinTimeTicks, row.JoinScene, row.Name) = ((int)m.Type, joined.UtcTicks, m.JoinScene, m.GroupNickname ?? m.Name);
            if (m.Type == WeComGroupChatMemberType.External)
            {
                events.Add(new IncomingEvent($"wecom:group:{chatId}:{m.UserId}:{m.JoinTime}", EventTypes.GroupJoined, joined,
                    Identifiers(m.UserId, m.UnionId), null,
                    new JsonObject { ["chat_id"] = chatId, ["group_name"] = chat.Name, ["join_scene"] = m.JoinScene, ["invitor"] = m.Invitor?.UserId, ["state"] = m.State },
                    // Group members who are nobody's contact are known only from here: their WeChat name names them.
                    m.Name is { Length: > 0 } name ? new JsonObject { ["name"] = name } : null, "wecom"));
            }
        }
        foreach (var gone in existing.Values.Where(m => !current.ContainsKey(m.MemberId)))
        {
            db.CustomerGroupMembers.Remove(gone);
            if (gone.Type == (int)WeComGroupChatMemberType.External)
            {
                leftCount++;
                events.Add(new IncomingEvent($"wecom:groupleft:{chatId}:{gone.MemberId}:{gone.JoinTimeTicks}", EventTypes.GroupLeft, now,
                    Identifiers(gone.MemberId, null), null, new JsonObject { ["chat_id"] = chatId, ["group_name"] = chat.Name }, null, "wecom"));
            }
        }
        await db.SaveChangesAsync(cancellationToken);
        if (events.Count > 0)
        {
            await writer.AppendAsync(tenantId, events); // idempotent keys: a repeated pass stores nothing new
        }
        return (joinedCount, leftCount);
    }

    public async Task DismissAsync(int tenantId, string chatId, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        await db.CustomerGroups.Where(g => g.TenantId == tenantId && g.ChatId == chatId)
            .ExecuteUpdateAsync(s => s.SetProperty(g => g.DismissedAtTicks, time.GetUtcNow().UtcTicks), cancellationToken);
    }

    private static List<(IdentifierType, string)> Identifiers(string externalUserId, string? unionId)
    {
        var ids = new List<(IdentifierType, string)> { (IdentifierType.ExternalUserId, externalUserId) };
        if (!string.IsNullOrEmpty(unionId))
        {
            ids.Add((IdentifierType.UnionId, unionId));
        }
        return ids;
    }
}
