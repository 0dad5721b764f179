using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Events;
using Siyu.Core.Groups;
using Siyu.Server.Compliance;
using Siyu.Server.Data;
using Siyu.Server.Delivery;
using Siyu.Server.WeCom;
using Siyu.WeCom.Api;

namespace Siyu.Server.Groups;

public sealed record TierInput(string? Name, int? Rank, JsonElement? Condition, List<string?>? ChatIds);

public sealed record GroupCodeInput(string? Name, string? RoomBaseName, bool? AutoCreateRoom, string? WelcomeText, List<TierInput?>? Tiers);

public sealed record GroupChatView(string ChatId, string? Name, string? Owner, int Members, double Fill, bool Listed, bool Dismissed, bool AutoCreated, int Position);

public sealed record TierView(
    long Id, string Name, int Rank, JsonElement? Condition, string? ConfigId, string? QrCode, string State, int Members, IReadOnlyList<GroupChatView> Chats,
    DateTimeOffset? RotatedAt, string? SyncError);

public sealed record GroupCodeView(
    long Id, string Name, string Status, string RoomBaseName, bool AutoCreateRoom, string? WelcomeText, string? WelcomeTemplateId, int Members,
    IReadOnlyList<TierView> Tiers, DateTimeOffset CreatedAt, string CreatedBy);

public sealed record RouteView(long CustomerId, long? TierId, string? TierName, string? QrCode, string? ConfigId, IReadOnlyList<string> Reasons);

public sealed record GroupDayView(string Date, int Joins, int Leaves, int ActiveMembers);

public sealed record GroupStatsView(long GroupCodeId, int Days, int Joins, int Leaves, IReadOnlyList<GroupDayView> Daily, IReadOnlyList<GroupChatStatsView> Groups);

public sealed record GroupChatStatsView(string ChatId, string? Name, int Members, int Joins, int Leaves, int ActiveMembers);

public sealed record SopInput(string? Name, string? Text, string? Time, string? Status);

public sealed record SopView(long Id, long GroupCodeId, string Name, string Text, string Time, string Status, DateTimeOffset CreatedAt);

/// <summary>
/// Group codes (群活码) with tiers (社群分层). Each tier has a pool of customer groups and one WeCom join way listing
/// the first up to 5 pooled groups with room (<see cref="GroupRotation"/>); whenever a pooled group changes the join
/// way is re-planned, so full groups drop out and standby or WeCom auto-created rooms move in. Routing sends a customer
/// to the highest tier whose entry condition (an audience condition) they meet. Group SOPs become daily staff tasks
/// for each group's owner through the delivery pipeline; joins and leaves per group and day come from the callbacks.
/// </summary>
public sealed class GroupCodeService(
    IDbContextFactory<SiyuDb> dbs, WeComConnections connections, CustomerGroups groups, Audiences.AudienceService audiences, DeliveryService delivery,
    Tenants.TenantDirectory tenants, Customers.CustomerReader reader, TimeProvider time, ILogger<GroupCodeService> logger)
{
    public const int MaxTiers = 5;
    public const int MaxChatsPerTier = 50;

    // ---- codes ----

    public async Task<(GroupCodeView? View, List<FieldError> Errors)> CreateAsync(int tenantId, string actor, GroupCodeInput input, CancellationToken ct = default)
    {
        var errors = new List<FieldError>();
        var name = input.Name?.Trim() ?? "";
        if (name.Length is 0 or > 60)
        {
            errors.Add(new("name", "Required: 1 to 60 characters."));
        }
        var roomBase = string.IsNullOrWhiteSpace(input.RoomBaseName) ? name : input.RoomBaseName.Trim();
        if (roomBase.Length > 36)
        {
            errors.Add(new("room_base_name", "At most 36 characters (WeCom appends the room number)."));
        }
        if (input.WelcomeText is { Length: > 1000 })
        {
            errors.Add(new("welcome_text", "At most 1,000 characters."));
        }
        var tiers = input.Tiers ?? [];
        if (tiers.Count is 0 or > MaxTiers)
        {
            errors.Add(new("tiers", $"Required: 1 to {MaxTiers} tiers."));
        }
        await using var db = await dbs.CreateDbContextAsync(ct);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var ranks = new HashSet<int>();
        var conditions = new List<string?>();
        for (var i = 0; i < tiers.Count; i++)
        {
            var at = $"tiers[{i}]";
            conditions.Add(null);
            if (tiers[i] is not { } t)
            {
                errors.Add(new(at, "Expected a tier object."));
                continue;
            }
            if (string.IsNullOrWhiteSpace(t.Name) || t.Name.Trim().Length > 30)
            {
                errors.Add(new($"{at}.name", "Required: 1 to 30 characters."));
            }
            var rank = t.Rank ?? i;
            if (rank is < 0 or > 1000 || !ranks.Add(rank))
            {
                errors.Add(new($"{at}.rank", "A rank from 0 to 1000, different for every tier (higher ranks are checked first)."));
            }
            if (t.Condition is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } c)
            {
                var json = c.GetRawText();
                var parsed = audiences.Validate(tenantId, json, $"{at}.condition");
                if (parsed.Ok)
                {
                    conditions[i] = json;
                }
                else
                {
                    errors.AddRange(parsed.Errors);
                }
            }
            var chats = t.ChatIds ?? [];
            if (chats.Count is 0 or > MaxChatsPerTier)
            {
                errors.Add(new($"{at}.chat_ids", $"Required: 1 to {MaxChatsPerTier} customer groups (chat ids) in fill order."));
                continue;
            }
            for (var j = 0; j < chats.Count; j++)
            {
                if (string.IsNullOrWhiteSpace(chats[j]) || chats[j]!.Length > 64 || !seen.Add(chats[j]!))
                {
                    errors.Add(new($"{at}.chat_ids[{j}]", "A chat id, once per code."));
                }
            }
        }
        var ids = seen.ToList();
        var known = await db.CustomerGroups.AsNoTracking().Where(g => g.TenantId == tenantId && ids.Contains(g.ChatId) && g.DismissedAtTicks == null)
            .Select(g => g.ChatId).ToListAsync(ct);
        for (var i = 0; i < tiers.Count; i++)
        {
            for (var j = 0; j < (tiers[i]?.ChatIds?.Count ?? 0); j++)
            {
                if (tiers[i]!.ChatIds![j] is { } id && seen.Contains(id) && !known.Contains(id) && !errors.Any(e => e.Path == $"tiers[{i}].chat_ids[{j}]"))
                {
                    errors.Add(new($"tiers[{i}].chat_ids[{j}]", "No customer group with this chat id (sync groups from WeCom first)."));
                }
            }
        }
        if (errors.Count > 0)
        {
            return (null, errors);
        }
        var now = time.GetUtcNow().UtcTicks;
        var code = new GroupCodeRow
        {
            TenantId = tenantId, Name = name, RoomBaseName = roomBase, AutoCreateRoom = input.AutoCreateRoom ?? true,
            WelcomeText = string.IsNullOrWhiteSpace(input.WelcomeText) ? null : input.WelcomeText.Trim(), CreatedAtTicks = now, CreatedBy = actor,
        };
        db.GroupCodes.Add(code);
        await db.SaveChangesAsync(ct);
        var rows = new List<GroupCodeTierRow>();
        for (var i = 0; i < tiers.Count; i++)
        {
            var t = tiers[i]!;
            var tier = new GroupCodeTierRow { TenantId = tenantId, GroupCodeId = code.Id, Name = t.Name!.Trim(), Rank = t.Rank ?? i, Condition = conditions[i] };
            db.GroupCodeTiers.Add(tier);
            await db.SaveChangesAsync(ct);
            tier.State = $"gc{code.Id}t{tier.Id}";
            tier.RoomBaseId = t.ChatIds!.Count + 1; // auto-created rooms continue the numbering of the pooled groups
            var position = 0;
            foreach (var chat in t.ChatIds!)
            {
                db.GroupCodeChats.Add(new GroupCodeChatRow { TenantId = tenantId, GroupCodeId = code.Id, TierId = tier.Id, ChatId = chat!, Position = position++, AddedAtTicks = now });
            }
            rows.Add(tier);
        }
        AuditLog.Record(db, tenantId, now, actor, "group_code.create", target: $"group-code:{code.Id}", detail: $"{code.Name} ({rows.Count} tiers)");
        await db.SaveChangesAsync(ct);
        await SyncWelcomeAsync(tenantId, code.Id, ct);
        foreach (var tier in rows)
        {
            await RotateTierAsync(tenantId, tier.Id, ct);
        }
        return (await GetAsync(tenantId, code.Id, ct), []);
    }

    public async Task<IReadOnlyList<GroupCodeView>> ListAsync(int tenantId, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        return await ViewsAsync(db, tenantId, db.GroupCodes.AsNoTracking().Where(c => c.TenantId == tenantId).OrderByDescending(c => c.Id).Take(200), ct);
    }

    public async Task<GroupCodeView?> GetAsync(int tenantId, long id, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        return (await ViewsAsync(db, tenantId, db.GroupCodes.AsNoTracking().Where(c => c.TenantId == tenantId && c.Id == id), ct)).FirstOrDefault();
    }

    private static async Task<IReadOnlyList<GroupCodeView>> ViewsAsync(SiyuDb db, int tenantId, IQueryable<GroupCodeRow> query, CancellationToken ct)
    {
        var codes = await query.ToListAsync(ct);
        var ids = codes.Select(c => c.Id).ToList();
        var tiers = (await db.GroupCodeTiers.AsNoTracking().Where(t => t.TenantId == tenantId && ids.Contains(t.GroupCodeId)).ToListAsync(ct)).ToLookup(t => t.GroupCodeId);
        var chats = await db.GroupCodeChats.AsNoTracking().Where(c => c.TenantId == tenantId && ids.Contains(c.GroupCodeId)).ToListAsync(ct);
        var chatIds = chats.Select(c => c.ChatId).Distinct().ToList();
        var known = await db.CustomerGroups.AsNoTracking().Where(g => g.TenantId == tenantId && chatIds.Contains(g.ChatId)).ToDictionaryAsync(g => g.ChatId, StringComparer.Ordinal, ct);
        var byTier = chats.ToLookup(c => c.TierId);
        return [.. codes.Select(code =>
        {
            var tierViews = tiers[code.Id].OrderByDescending(t => t.Rank).Select(t =>
            {
                var listed = Listed(t);
                var pool = byTier[t.Id].OrderBy(c => c.Position).Select(c =>
                {
                    var g = known.GetValueOrDefault(c.ChatId);
                    var members = g?.Members ?? 0;
                    return new GroupChatView(c.ChatId, g?.Name, g?.Owner, members, Math.Round(GroupRotation.Fill(members), 3), listed.Contains(c.ChatId),
                        g?.DismissedAtTicks is not null, c.AutoCreated, c.Position);
                }).ToList();
                return new TierView(t.Id, t.Name, t.Rank, t.Condition is null ? null : JsonDocument.Parse(t.Condition).RootElement.Clone(), t.ConfigId, t.QrCode, t.State,
                    pool.Where(p => !p.Dismissed).Sum(p => p.Members), pool, t.RotatedAtTicks is { } r ? new DateTimeOffset(r, TimeSpan.Zero) : null, t.SyncError);
            }).ToList();
            return new GroupCodeView(code.Id, code.Name, code.Status, code.RoomBaseName, code.AutoCreateRoom, code.WelcomeText, code.WelcomeTemplateId,
                tierViews.Sum(t => t.Members), tierViews, new DateTimeOffset(code.CreatedAtTicks, TimeSpan.Zero), code.CreatedBy);
        })];
    }

    private static List<string> Listed(GroupCodeTierRow t) => JsonSerializer.Deserialize<List<string>>(t.Listed) ?? [];

    /// <summary>Pause or resume, change the welcome text. Null when there is no such code.</summary>
    public async Task<(GroupCodeView? View, List<FieldError> Errors)> PatchAsync(int tenantId, long id, string actor, string? status, string? welcomeText, CancellationToken ct = default)
    {
        if (status is not (null or "active" or "paused"))
        {
            return (null, [new("status", "One of active, paused.")]);
        }
        if (welcomeText is { Length: > 1000 })
        {
            return (null, [new("welcome_text", "At most 1,000 characters.")]);
        }
        await using var db = await dbs.CreateDbContextAsync(ct);
        var code = await db.GroupCodes.FirstOrDefaultAsync(c => c.TenantId == tenantId && c.Id == id, ct);
        if (code is null)
        {
            return (null, []);
        }
        var now = time.GetUtcNow().UtcTicks;
        if (status is not null && status != code.Status)
        {
            code.Status = status;
            AuditLog.Record(db, tenantId, now, actor, status == "paused" ? "group_code.pause" : "group_code.resume", target: $"group-code:{id}", detail: code.Name);
        }
        var welcomeChanged = welcomeText is not null && welcomeText.Trim() != (code.WelcomeText ?? "");
        if (welcomeChanged)
        {
            code.WelcomeText = welcomeText!.Trim().Length == 0 ? null : welcomeText.Trim();
            AuditLog.Record(db, tenantId, now, actor, "group_code.welcome", target: $"group-code:{id}", detail: code.Name);
        }
        await db.SaveChangesAsync(ct);
        if (welcomeChanged)
        {
            await SyncWelcomeAsync(tenantId, id, ct);
        }
        return (await GetAsync(tenantId, id, ct), []);
    }

    /// <summary>Adds standby groups to a tier's pool (after the existing ones) and re-plans its join way.</summary>
    public async Task<(GroupCodeView? View, List<FieldError> Errors)> AddChatsAsync(int tenantId, long id, long tierId, IReadOnlyList<string?> chatIds, string actor, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var tier = await db.GroupCodeTiers.AsNoTracking().FirstOrDefaultAsync(t => t.TenantId == tenantId && t.GroupCodeId == id && t.Id == tierId, ct);
        if (tier is null)
        {
            return (null, []);
        }
        var errors = new List<FieldError>();
        if (chatIds.Count is 0 or > MaxChatsPerTier)
        {
            errors.Add(new("chat_ids", $"Required: 1 to {MaxChatsPerTier} chat ids."));
        }
        var inCode = await db.GroupCodeChats.Where(c => c.TenantId == tenantId && c.GroupCodeId == id).Select(c => c.ChatId).ToListAsync(ct);
        var wanted = chatIds.Select(c => c ?? "").ToList();
        var known = await db.CustomerGroups.AsNoTracking().Where(g => g.TenantId == tenantId && wanted.Contains(g.ChatId) && g.DismissedAtTicks == null).Select(g => g.ChatId).ToListAsync(ct);
        for (var i = 0; i < wanted.Count; i++)
        {
            if (!known.Contains(wanted[i]) || inCode.Contains(wanted[i]) || wanted.IndexOf(wanted[i]) != i)
            {
                errors.Add(new($"chat_ids[{i}]", "A customer group not yet in this code."));
            }
        }
        if (errors.Count > 0)
        {
            return (null, errors);
        }
        var position = await db.GroupCodeChats.Where(c => c.TenantId == tenantId && c.TierId == tierId).Select(c => (int?)c.Position).MaxAsync(ct) ?? -1;
        var now = time.GetUtcNow().UtcTicks;
        foreach (var chat in wanted)
        {
            db.GroupCodeChats.Add(new GroupCodeChatRow { TenantId = tenantId, GroupCodeId = id, TierId = tierId, ChatId = chat, Position = ++position, AddedAtTicks = now });
        }
        AuditLog.Record(db, tenantId, now, actor, "group_code.add_groups", target: $"group-code:{id}", detail: $"{tier.Name}: {string.Join(", ", wanted)}");
        await db.SaveChangesAsync(ct);
        await RotateTierAsync(tenantId, tierId, ct);
        return (await GetAsync(tenantId, id, ct), []);
    }

    /// <summary>Live customer groups to pick from (largest first).</summary>
    public async Task<IReadOnlyList<(string ChatId, string? Name, int Members)>> GroupChoicesAsync(int tenantId, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var rows = await db.CustomerGroups.AsNoTracking().Where(g => g.TenantId == tenantId && g.DismissedAtTicks == null)
            .OrderByDescending(g => g.Members).Take(500).Select(g => new { g.ChatId, g.Name, g.Members }).ToListAsync(ct);
        return [.. rows.Select(r => (r.ChatId, r.Name, r.Members))];
    }

    // ---- WeCom: join ways and the welcome template ----

    private WeComApiClient? Client(int tenantId) => connections.Get(tenantId) is { CanCallApi: true } c ? connections.Client(c) : null;

    private async Task SyncWelcomeAsync(int tenantId, long codeId, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var code = await db.GroupCodes.FirstAsync(c => c.TenantId == tenantId && c.Id == codeId, ct);
        if (Client(tenantId) is not { } client)
        {
            return;
        }
        try
        {
            if (code.WelcomeText is null)
            {
                if (code.WelcomeTemplateId is { } old)
                {
                    await client.DeleteGroupWelcomeTemplateAsync(old, cancellationToken: ct);
                    code.WelcomeTemplateId = null;
                }
            }
            else if (code.WelcomeTemplateId is { } existing)
            {
                await client.EditGroupWelcomeTemplateAsync(new WeComGroupWelcomeTemplate { TemplateId = existing, Text = new WeComText { Content = code.WelcomeText } }, ct);
            }
            else
            {
                code.WelcomeTemplateId = (await client.AddGroupWelcomeTemplateAsync(
                    new WeComGroupWelcomeTemplate { Text = new WeComText { Content = code.WelcomeText }, Notify = 1 }, ct)).TemplateId;
            }
            await db.SaveChangesAsync(ct);
        }
        catch (WeComApiException e)
        {
            logger.LogWarning("Group welcome template for code {Code} not synced: {ErrCode}", codeId, e.ErrCode);
        }
    }

    /// <summary>
    /// Re-plans a tier's join way: learns rooms WeCom auto-created (get_join_way), adds them to the pool, then lists the
    /// first up to 5 pooled groups with room (creating the join way on first use, updating it when the list changed).
    /// </summary>
    public async Task RotateTierAsync(int tenantId, long tierId, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var tier = await db.GroupCodeTiers.FirstOrDefaultAsync(t => t.TenantId == tenantId && t.Id == tierId, ct);
        if (tier is null)
        {
            return;
        }
        var code = await db.GroupCodes.AsNoTracking().FirstAsync(c => c.Id == tier.GroupCodeId, ct);
        if (Client(tenantId) is not { } client)
        {
            tier.SyncError = "WeCom is not connected";
            await db.SaveChangesAsync(ct);
            return;
        }
        var now = time.GetUtcNow().UtcTicks;
        try
        {
            var pool = await db.GroupCodeChats.Where(c => c.TenantId == tenantId && c.TierId == tierId).OrderBy(c => c.Position).ToListAsync(ct);
            if (tier.ConfigId is { } configId)
            {
                var way = await client.GetJoinWayAsync(configId, ct);
                tier.RoomBaseId = way.RoomBaseId ?? tier.RoomBaseId;
                var position = pool.Count == 0 ? 0 : pool.Max(p => p.Position) + 1;
                foreach (var chat in way.ChatIdList.Where(c => pool.All(p => p.ChatId != c)))
                {
                    var row = new GroupCodeChatRow
                    {
                        TenantId = tenantId, GroupCodeId = tier.GroupCodeId, TierId = tierId, ChatId = chat, Position = position++, AutoCreated = true, AddedAtTicks = now,
                    };
                    db.GroupCodeChats.Add(row);
                    pool.Add(row);
                }
            }
            var ids = pool.Select(p => p.ChatId).ToList();
            var known = await db.CustomerGroups.AsNoTracking().Where(g => g.TenantId == tenantId && ids.Contains(g.ChatId)).ToDictionaryAsync(g => g.ChatId, StringComparer.Ordinal, ct);
            foreach (var missing in ids.Where(i => !known.ContainsKey(i)).ToList())
            {
                var (joined, left) = await groups.RefreshAsync(tenantId, client, missing, ct);
                if (pool.Any(p => p.ChatId == missing && p.AutoCreated))
                {
                    // A room WeCom just created for this join way: its first members joined through the code.
                    await CountAsync(tenantId, missing, joined, left, ct);
                }
                if (await db.CustomerGroups.AsNoTracking().FirstOrDefaultAsync(g => g.TenantId == tenantId && g.ChatId == missing, ct) is { } fresh)
                {
                    known[missing] = fresh;
                }
            }
            var plan = GroupRotation.Plan([.. pool.Select(p => known.TryGetValue(p.ChatId, out var g)
                ? new PooledGroup(p.ChatId, g.Members, g.DismissedAtTicks is not null) : new PooledGroup(p.ChatId, 0, Dismissed: true))]);
            if (plan.Listed.Count == 0)
            {
                tier.SyncError = "No live group in the pool";
            }
            else if (tier.ConfigId is null)
            {
                var created = await client.AddJoinWayAsync(JoinWay(code, tier, plan.Listed), ct);
                tier.ConfigId = created.ConfigId;
                tier.QrCode = (await client.GetJoinWayAsync(created.ConfigId, ct)).QrCode;
                (tier.Listed, tier.RotatedAtTicks, tier.SyncError) = (JsonSerializer.Serialize(plan.Listed), now, null);
            }
            else if (!plan.Listed.SequenceEqual(Listed(tier)))
            {
                await client.UpdateJoinWayAsync(JoinWay(code, tier, plan.Listed) with { ConfigId = tier.ConfigId }, ct);
                (tier.Listed, tier.RotatedAtTicks, tier.SyncError) = (JsonSerializer.Serialize(plan.Listed), now, null);
            }
            else
            {
                tier.SyncError = null;
            }
        }
        catch (WeComApiException e)
        {
            tier.SyncError = $"WeCom {e.ErrCode}: {e.ErrMsg}"[..Math.Min(300, $"WeCom {e.ErrCode}: {e.ErrMsg}".Length)];
        }
        await db.SaveChangesAsync(ct);
    }

    private static WeComJoinWay JoinWay(GroupCodeRow code, GroupCodeTierRow tier, IReadOnlyList<string> listed) => new()
    {
        Scene = 2, Remark = $"{code.Name}·{tier.Name}" is { Length: > 30 } r ? r[..30] : $"{code.Name}·{tier.Name}",
        AutoCreateRoom = code.AutoCreateRoom ? 1 : 0, RoomBaseName = code.AutoCreateRoom ? code.RoomBaseName : null,
        RoomBaseId = code.AutoCreateRoom ? tier.RoomBaseId : null, ChatIdList = listed, State = tier.State,
    };

    /// <summary>
    /// After a change_external_chat callback was applied: counts joins/leaves for the day, and re-plans the join ways of
    /// tiers that pool the group (for a newly created group, every auto-creating tier, since WeCom may have made it for one).
    /// </summary>
    public async Task AfterGroupChangeAsync(int tenantId, string chatId, bool created, int joined, int left, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        await CountAsync(tenantId, chatId, joined, left, ct);
        var tierIds = await db.GroupCodeChats.AsNoTracking().Where(c => c.TenantId == tenantId && c.ChatId == chatId).Select(c => c.TierId).ToListAsync(ct);
        if (created && tierIds.Count == 0)
        {
            tierIds = await (from t in db.GroupCodeTiers.AsNoTracking()
                             join c in db.GroupCodes.AsNoTracking() on t.GroupCodeId equals c.Id
                             where t.TenantId == tenantId && c.AutoCreateRoom && t.ConfigId != null
                             select t.Id).ToListAsync(ct);
        }
        foreach (var tierId in tierIds.Distinct())
        {
            await RotateTierAsync(tenantId, tierId, ct);
        }
    }

    /// <summary>Adds joins and leaves to the group's day (own context: a conflict retry must not drop the caller's tracked changes).</summary>
    private async Task CountAsync(int tenantId, string chatId, int joined, int left, CancellationToken ct)
    {
        if (joined == 0 && left == 0)
        {
            return;
        }
        await using var db = await dbs.CreateDbContextAsync(ct);
        var day = Core.CheckIns.CheckInCalendar.Day(time.GetUtcNow(), tenants.Zone(tenantId));
        var updated = await db.GroupDailyStats.Where(s => s.TenantId == tenantId && s.ChatId == chatId && s.Day == day)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.Joins, x => x.Joins + joined).SetProperty(x => x.Leaves, x => x.Leaves + left), ct);
        if (updated == 0)
        {
            db.GroupDailyStats.Add(new GroupDailyStatRow { TenantId = tenantId, ChatId = chatId, Day = day, Joins = joined, Leaves = left });
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                // Another pass inserted the day first: add to it.
                db.ChangeTracker.Clear();
                await db.GroupDailyStats.Where(s => s.TenantId == tenantId && s.ChatId == chatId && s.Day == day)
                    .ExecuteUpdateAsync(s => s.SetProperty(x => x.Joins, x => x.Joins + joined).SetProperty(x => x.Leaves, x => x.Leaves + left), ct);
            }
        }
    }

    // ---- routing ----

    public async Task<(RouteView? View, string? Error)> RouteAsync(int tenantId, long id, long customerId, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var code = await db.GroupCodes.AsNoTracking().FirstOrDefaultAsync(c => c.TenantId == tenantId && c.Id == id, ct);
        if (code is null)
        {
            return (null, "group_code");
        }
        if (reader.Canonical(tenantId, customerId) is null)
        {
            return (null, "customer_id");
        }
        var tiers = await db.GroupCodeTiers.AsNoTracking().Where(t => t.TenantId == tenantId && t.GroupCodeId == id).ToListAsync(ct);
        if (code.Status != "active")
        {
            return (new RouteView(customerId, null, null, null, null, ["The group code is paused."]), null);
        }
        var missing = false;
        var choice = await TierRouting.ChooseAsync(tiers.Select(t => new GroupTier(t.Id, t.Name, t.Rank, t.Condition is not null)), async tier =>
        {
            var explanation = await audiences.ExplainAsync(tenantId, tiers.First(t => t.Id == tier.Id).Condition!, customerId, chinese: false);
            missing |= explanation is null;
            return (explanation is { Result: true }, explanation?.Detail ?? "");
        });
        if (missing)
        {
            return (null, "customer_id");
        }
        var chosen = choice.Tier is { } c ? tiers.First(t => t.Id == c.Id) : null;
        return (new RouteView(customerId, chosen?.Id, chosen?.Name, chosen?.QrCode, chosen?.ConfigId, choice.Reasons), null);
    }

    // ---- statistics ----

    public async Task<GroupStatsView?> StatsAsync(int tenantId, long id, int days, CancellationToken ct = default)
    {
        days = Math.Clamp(days, 1, 90);
        await using var db = await dbs.CreateDbContextAsync(ct);
        if (!await db.GroupCodes.AnyAsync(c => c.TenantId == tenantId && c.Id == id, ct))
        {
            return null;
        }
        var zone = tenants.Zone(tenantId);
        var now = time.GetUtcNow();
        var today = Core.CheckIns.CheckInCalendar.Day(now, zone);
        var first = today - days + 1;
        var chatIds = await db.GroupCodeChats.AsNoTracking().Where(c => c.TenantId == tenantId && c.GroupCodeId == id).Select(c => c.ChatId).Distinct().ToListAsync(ct);
        var stats = await db.GroupDailyStats.AsNoTracking().Where(s => s.TenantId == tenantId && chatIds.Contains(s.ChatId) && s.Day >= first).ToListAsync(ct);
        // Active members: distinct senders per group and local day in the conversation archive.
        var sinceMs = now.AddDays(-days - 1).ToUnixTimeMilliseconds();
        var messages = await db.ArchiveMessages.AsNoTracking().Where(m => m.TenantId == tenantId && chatIds.Contains(m.RoomId) && m.MsgTimeMs >= sinceMs)
            .Select(m => new { m.RoomId, m.FromId, m.MsgTimeMs }).ToListAsync(ct);
        var active = messages.Select(m => (m.RoomId, m.FromId, Day: Core.CheckIns.CheckInCalendar.Day(DateTimeOffset.FromUnixTimeMilliseconds(m.MsgTimeMs), zone)))
            .Where(m => m.Day >= first).Distinct().ToList();
        var known = await db.CustomerGroups.AsNoTracking().Where(g => g.TenantId == tenantId && chatIds.Contains(g.ChatId)).ToDictionaryAsync(g => g.ChatId, StringComparer.Ordinal, ct);
        var daily = Enumerable.Range(first, days).Select(d => new GroupDayView(Core.CheckIns.CheckInCalendar.Format(d),
            stats.Where(s => s.Day == d).Sum(s => s.Joins), stats.Where(s => s.Day == d).Sum(s => s.Leaves),
            active.Where(a => a.Day == d).Select(a => (a.RoomId, a.FromId)).Distinct().Count())).ToList();
        var perGroup = chatIds.Select(c => new GroupChatStatsView(c, known.GetValueOrDefault(c)?.Name, known.GetValueOrDefault(c)?.Members ?? 0,
            stats.Where(s => s.ChatId == c).Sum(s => s.Joins), stats.Where(s => s.ChatId == c).Sum(s => s.Leaves),
            active.Where(a => a.RoomId == c).Select(a => a.FromId).Distinct().Count())).ToList();
        return new GroupStatsView(id, days, daily.Sum(d => d.Joins), daily.Sum(d => d.Leaves), daily, perGroup);
    }

    // ---- group SOP ----

    public async Task<(SopView? View, List<FieldError> Errors)> AddSopAsync(int tenantId, long id, string actor, SopInput input, CancellationToken ct = default)
    {
        var errors = ValidateSop(input);
        await using var db = await dbs.CreateDbContextAsync(ct);
        if (!await db.GroupCodes.AnyAsync(c => c.TenantId == tenantId && c.Id == id, ct))
        {
            return (null, []);
        }
        if (errors.Count > 0)
        {
            return (null, errors);
        }
        var now = time.GetUtcNow().UtcTicks;
        var row = new GroupSopRow
        {
            TenantId = tenantId, GroupCodeId = id, Name = input.Name!.Trim(), Text = input.Text!.Trim(), Time = input.Time!, Status = input.Status ?? "active", CreatedAtTicks = now,
        };
        db.GroupSops.Add(row);
        AuditLog.Record(db, tenantId, now, actor, "group_code.sop_add", target: $"group-code:{id}", detail: $"{row.Name} {row.Time}");
        await db.SaveChangesAsync(ct);
        return (View(row), []);
    }

    public async Task<(SopView? View, List<FieldError> Errors)> PatchSopAsync(int tenantId, long id, long sopId, string actor, SopInput input, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var row = await db.GroupSops.FirstOrDefaultAsync(s => s.TenantId == tenantId && s.GroupCodeId == id && s.Id == sopId, ct);
        if (row is null)
        {
            return (null, []);
        }
        var errors = ValidateSop(input with { Name = input.Name ?? row.Name, Text = input.Text ?? row.Text, Time = input.Time ?? row.Time });
        if (errors.Count > 0)
        {
            return (null, errors);
        }
        (row.Name, row.Text, row.Time, row.Status) = (input.Name?.Trim() ?? row.Name, input.Text?.Trim() ?? row.Text, input.Time ?? row.Time, input.Status ?? row.Status);
        AuditLog.Record(db, tenantId, time.GetUtcNow().UtcTicks, actor, "group_code.sop_change", target: $"group-code:{id}", detail: $"{row.Name} {row.Time} {row.Status}");
        await db.SaveChangesAsync(ct);
        return (View(row), []);
    }

    public async Task<IReadOnlyList<SopView>?> SopsAsync(int tenantId, long id, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        if (!await db.GroupCodes.AnyAsync(c => c.TenantId == tenantId && c.Id == id, ct))
        {
            return null;
        }
        return [.. (await db.GroupSops.AsNoTracking().Where(s => s.TenantId == tenantId && s.GroupCodeId == id).OrderBy(s => s.Id).ToListAsync(ct)).Select(View)];
    }

    private static List<FieldError> ValidateSop(SopInput input)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(input.Name) || input.Name.Trim().Length > 60)
        {
            errors.Add(new("name", "Required: 1 to 60 characters."));
        }
        if (string.IsNullOrWhiteSpace(input.Text) || input.Text.Length > 1000)
        {
            errors.Add(new("text", "Required: 1 to 1,000 characters."));
        }
        if (!Core.CheckIns.CheckInSpec.TryParseTime(input.Time, out _))
        {
            errors.Add(new("time", "A local time HH:mm, e.g. 09:30."));
        }
        if (input.Status is not (null or "active" or "paused"))
        {
            errors.Add(new("status", "One of active, paused."));
        }
        return errors;
    }

    private static SopView View(GroupSopRow s) => new(s.Id, s.GroupCodeId, s.Name, s.Text, s.Time, s.Status, new DateTimeOffset(s.CreatedAtTicks, TimeSpan.Zero));

    /// <summary>
    /// Group SOPs due today (local time reached): one staff task per pooled live group for its owner, through the delivery
    /// pipeline as an app message keyed by SOP, group and day, so repeated runs add nothing. Returns tasks enqueued.
    /// </summary>
    public async Task<int> RunDueSopsAsync(CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var sops = await (from s in db.GroupSops.AsNoTracking()
                          join c in db.GroupCodes.AsNoTracking() on s.GroupCodeId equals c.Id
                          where s.Status == "active" && c.Status == "active"
                          select new { Sop = s, CodeName = c.Name }).ToListAsync(ct);
        var now = time.GetUtcNow();
        var sent = 0;
        foreach (var item in sops)
        {
            var zone = tenants.Zone(item.Sop.TenantId);
            if (!Core.CheckIns.CheckInSpec.TryParseTime(item.Sop.Time, out var at) || Core.CheckIns.CheckInCalendar.TimeOfDay(now, zone) < at)
            {
                continue;
            }
            var day = Core.CheckIns.CheckInCalendar.Day(now, zone);
            var chats = await (from p in db.GroupCodeChats.AsNoTracking()
                               join g in db.CustomerGroups.AsNoTracking() on new { p.TenantId, p.ChatId } equals new { g.TenantId, g.ChatId }
                               where p.TenantId == item.Sop.TenantId && p.GroupCodeId == item.Sop.GroupCodeId && g.DismissedAtTicks == null && g.Owner != null
                               select new { g.ChatId, g.Name, g.Owner }).Distinct().ToListAsync(ct);
            foreach (var chat in chats)
            {
                var key = $"group-sop:{item.Sop.Id}:{chat.ChatId}:{day.ToString(CultureInfo.InvariantCulture)}";
                var (message, duplicate, _) = await delivery.EnqueueAsync(item.Sop.TenantId, new OutboundMessage(
                    key, 0, "app", "reminder", $"【群SOP】{item.CodeName}·{item.Sop.Name}：请在客户群「{chat.Name ?? chat.ChatId}」发送：{item.Sop.Text}", null, chat.Owner, "group-sop"));
                sent += message is not null && !duplicate ? 1 : 0;
            }
        }
        return sent;
    }
}
