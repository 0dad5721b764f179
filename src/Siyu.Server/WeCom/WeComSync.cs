using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Customers;
using Siyu.Core.Events;
using Siyu.Core.Tags;
using Siyu.Server.Data;
using Siyu.Server.Ingest;
using Siyu.WeCom.Api;

namespace Siyu.Server.WeCom;

/// <summary>
/// Full sync from WeCom: departments, staff, corp tags (into Siyu tag groups and tags of kind <c>wecom</c>), external
/// contacts with their follow users and the corp tags on each relation, customer groups and their members. Idempotent: contacts become
/// <c>customer.added</c> events keyed by (external_userid, staff), tags are applied only where missing, rows are
/// upserts. Incremental changes arrive as callbacks (<see cref="InboxProcessor"/>).
/// </summary>
public sealed partial class WeComSync(
    IDbContextFactory<SiyuDb> dbs, WeComConnections connections, IngestWriter writer, Tags.TagWriter tagWriter, Tags.TagCatalog tagCatalog, CustomerGroups groups,
    Audiences.ConditionCatalogs conditions, TimeProvider time, ILogger<WeComSync> logger)
{
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    public bool Running => _oneAtATime.CurrentCount == 0;

    public async Task<WeComSyncRunRow> RunAsync(int tenantId, CancellationToken cancellationToken = default)
    {
        if (connections.Get(tenantId) is not { CanCallApi: true } connection)
        {
            throw new InvalidOperationException("WeCom is not connected (no app secret).");
        }
        await _oneAtATime.WaitAsync(cancellationToken);
        var run = new WeComSyncRunRow { TenantId = tenantId, StartedAtTicks = time.GetUtcNow().UtcTicks };
        try
        {
            await using (var db = await dbs.CreateDbContextAsync(cancellationToken))
            {
                db.WeComSyncRuns.Add(run);
                await db.SaveChangesAsync(cancellationToken);
            }
            var api = connections.Client(connection);
            run.Staff = await SyncStaffAsync(tenantId, api, cancellationToken);
            var tagMap = await SyncTagsAsync(tenantId, api, cancellationToken);
            run.Tags = tagMap.Count;
            run.Customers = await SyncContactsAsync(tenantId, api, tagMap, cancellationToken);
            run.Groups = await groups.SyncAllAsync(tenantId, api, cancellationToken);
        }
        catch (Exception e) when (e is WeComApiException or HttpRequestException or IngestOverloadedException)
        {
            run.Error = e.Message;
            LogSyncFailed(logger, e, tenantId);
        }
        finally
        {
            run.FinishedAtTicks = time.GetUtcNow().UtcTicks;
            await using var db = await dbs.CreateDbContextAsync(CancellationToken.None);
            db.WeComSyncRuns.Update(run);
            await db.SaveChangesAsync(CancellationToken.None);
            _oneAtATime.Release();
        }
        return run;
    }

    public async Task<WeComSyncRunRow?> LastRunAsync(int tenantId)
    {
        await using var db = await dbs.CreateDbContextAsync();
        return await db.WeComSyncRuns.AsNoTracking().Where(r => r.TenantId == tenantId).OrderByDescending(r => r.Id).FirstOrDefaultAsync();
    }

    private async Task<int> SyncStaffAsync(int tenantId, WeComApiClient api, CancellationToken cancellationToken)
    {
        var departments = await api.ListDepartmentsAsync(cancellationToken: cancellationToken);
        var userIds = new HashSet<string>(StringComparer.Ordinal);
        string? cursor = null;
        do
        {
            var page = await api.ListUserIdsAsync(cursor, 10_000, cancellationToken);
            foreach (var u in page.DeptUser)
            {
                userIds.Add(u.UserId);
            }
            cursor = string.IsNullOrEmpty(page.NextCursor) ? null : page.NextCursor;
        }
        while (cursor is not null);

        var users = new List<WeComUser>();
        foreach (var userId in userIds)
        {
            users.Add(await api.GetUserAsync(userId, cancellationToken));
        }
        var now = time.GetUtcNow().UtcTicks;
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var existingDepartments = await db.Departments.Where(d => d.TenantId == tenantId).ToDictionaryAsync(d => d.Id, cancellationToken);
        foreach (var d in departments)
        {
            if (!existingDepartments.TryGetValue(d.Id, out var row))
            {
                db.Departments.Add(row = new DepartmentRow { TenantId = tenantId, Id = d.Id, Name = d.Name ?? "" });
            }
            (row.Name, row.ParentId) = (d.Name ?? row.Name, d.ParentId == 0 ? null : d.ParentId);
        }
        var existing = await db.Staff.Where(s => s.TenantId == tenantId).ToDictionaryAsync(s => s.UserId, StringComparer.Ordinal, cancellationToken);
        foreach (var u in users)
        {
            if (!existing.TryGetValue(u.UserId, out var row))
            {
                db.Staff.Add(row = new StaffRow { TenantId = tenantId, UserId = u.UserId });
            }
            row.Name = u.Name;
            row.Mobile = u.Mobile;
            row.Position = u.Position;
            row.Departments = string.Join(',', u.Department ?? []);
            row.Status = u.Status switch { 2 => "disabled", 5 => "resigned", 4 => "inactive", _ => "active" };
            row.UpdatedAtTicks = now;
        }
        // Members WeCom no longer lists have left (or are outside the app's visibility): keep them for history, marked.
        foreach (var gone in existing.Values.Where(s => !userIds.Contains(s.UserId) && s.Status != "deleted"))
        {
            gone.Status = "deleted";
            gone.UpdatedAtTicks = now;
        }
        await db.SaveChangesAsync(cancellationToken);
        return users.Count;
    }

    /// <summary>Corp tag groups and tags into Siyu (matched by WeCom id, then by name); returns WeCom tag id → Siyu tag id.</summary>
    public async Task<Dictionary<string, long>> SyncTagsAsync(int tenantId, WeComApiClient api, CancellationToken cancellationToken)
    {
        var groups = await api.GetCorpTagListAsync(cancellationToken: cancellationToken);
        var now = time.GetUtcNow().UtcTicks;
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var siyuGroups = await db.TagGroups.Where(g => g.TenantId == tenantId && g.DeletedAtTicks == null).ToListAsync(cancellationToken);
        var siyuTags = await db.Tags.Where(t => t.TenantId == tenantId && t.DeletedAtTicks == null).ToListAsync(cancellationToken);
        var seenTagIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var g in groups.Where(g => !g.Deleted))
        {
            var group = siyuGroups.FirstOrDefault(x => x.WeComGroupId == g.GroupId) ?? siyuGroups.FirstOrDefault(x => x.WeComGroupId == null && x.Name == g.GroupName);
            if (group is null)
            {
                db.TagGroups.Add(group = new TagGroupRow { TenantId = tenantId, Name = g.GroupName, SortOrder = 100 + (int)Math.Min(g.Order, 1000), CreatedAtTicks = now });
                siyuGroups.Add(group);
                await db.SaveChangesAsync(cancellationToken);
            }
            (group.WeComGroupId, group.Name) = (g.GroupId, g.GroupName);
            foreach (var t in g.Tag.Where(t => !t.Deleted))
            {
                seenTagIds.Add(t.Id);
                var tag = siyuTags.FirstOrDefault(x => x.WeComTagId == t.Id)
                    ?? siyuTags.FirstOrDefault(x => x.WeComTagId == null && x.GroupId == group.Id && x.Name == t.Name);
                if (tag is null)
                {
                    db.Tags.Add(tag = new TagRow { TenantId = tenantId, GroupId = group.Id, Name = t.Name, Kind = TagSource.WeCom, CreatedAtTicks = now });
                    siyuTags.Add(tag);
                }
                (tag.WeComTagId, tag.Name, tag.GroupId) = (t.Id, t.Name, group.Id);
            }
        }
        // Deleted in WeCom: deleted here too (customers keep the history).
        foreach (var tag in siyuTags.Where(t => t.WeComTagId is not null && !seenTagIds.Contains(t.WeComTagId)))
        {
            tag.DeletedAtTicks = now;
        }
        await db.SaveChangesAsync(cancellationToken);
        tagCatalog.Invalidate(tenantId);
        conditions.Invalidate(tenantId);
        return siyuTags.Where(t => t.WeComTagId is not null && t.DeletedAtTicks is null).ToDictionary(t => t.WeComTagId!, t => t.Id, StringComparer.Ordinal);
    }

    private async Task<int> SyncContactsAsync(int tenantId, WeComApiClient api, Dictionary<string, long> tagMap, CancellationToken cancellationToken)
    {
        var staff = await api.GetFollowUserListAsync(cancellationToken);
        var contacts = 0;
        var wantedTags = new Dictionary<long, List<string>>(); // Siyu tag → external_userids carrying it
        foreach (var chunk in staff.Chunk(100))
        {
            string? cursor = null;
            do
            {
                var page = await api.BatchGetByUserAsync(chunk, cursor, 100, cancellationToken);
                var events = new List<IncomingEvent>(page.ExternalContactList.Count);
                foreach (var item in page.ExternalContactList)
                {
                    var c = item.ExternalContact;
                    var f = item.FollowInfo;
                    var identifiers = new List<(IdentifierType, string)> { (IdentifierType.ExternalUserId, c.ExternalUserId) };
                    if (!string.IsNullOrEmpty(c.UnionId))
                    {
                        identifiers.Add((IdentifierType.UnionId, c.UnionId));
                    }
                    var at = f.CreateTime > 0 ? DateTimeOffset.FromUnixTimeSeconds(f.CreateTime) : time.GetUtcNow();
                    events.Add(new IncomingEvent($"wecom:sync:{c.ExternalUserId}:{f.UserId}", EventTypes.CustomerAdded, at, identifiers, null,
                        new JsonObject { ["staff_userid"] = f.UserId, ["state"] = f.State, ["remark"] = f.Remark, ["source"] = "wecom_sync" },
                        new JsonObject { ["name"] = c.Name, ["gender"] = c.Gender switch { 1 => "男", 2 => "女", _ => null }, ["avatar"] = c.Avatar }, "wecom"));
                    foreach (var tagId in f.TagId ?? [])
                    {
                        if (tagMap.TryGetValue(tagId, out var siyuTag))
                        {
                            (wantedTags.TryGetValue(siyuTag, out var list) ? list : wantedTags[siyuTag] = []).Add(c.ExternalUserId);
                        }
                    }
                }
                if (events.Count > 0)
                {
                    await writer.AppendAsync(tenantId, events);
                }
                contacts += events.Count;
                cursor = string.IsNullOrEmpty(page.NextCursor) ? null : page.NextCursor;
            }
            while (cursor is not null);
        }
        await ApplyWeComTagsAsync(tenantId, wantedTags);
        return contacts;
    }

    /// <summary>Tags WeCom has on relations, applied in Siyu with source wecom (no-ops are skipped by the tag writer).</summary>
    private async Task ApplyWeComTagsAsync(int tenantId, Dictionary<long, List<string>> wantedTags)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var externalIds = wantedTags.Values.SelectMany(v => v).Distinct().ToList();
        var customers = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var chunk in externalIds.Chunk(500))
        {
            var rows = await db.Identifiers.AsNoTracking()
                .Where(i => i.TenantId == tenantId && i.Type == (int)IdentifierType.ExternalUserId && chunk.Contains(i.Value))
                .Select(i => new { i.Value, i.CustomerId }).ToListAsync();
            foreach (var r in rows)
            {
                customers[r.Value] = r.CustomerId;
            }
        }
        foreach (var (tagId, externals) in wantedTags)
        {
            var ids = externals.Where(customers.ContainsKey).Select(e => customers[e]).Distinct().ToList();
            foreach (var chunk in ids.Chunk(Tags.TagWriter.MaxCustomersPerRequest))
            {
                await tagWriter.ApplyAsync(tenantId, new Tags.TagChangeRequest(chunk, [tagId], [], TagSource.WeCom, "wecom-sync", "企业微信同步"));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "WeCom sync of tenant {Tenant} failed")]
    private static partial void LogSyncFailed(ILogger logger, Exception e, int tenant);
}
