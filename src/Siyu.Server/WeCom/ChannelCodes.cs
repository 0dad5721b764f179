using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Audiences.Conditions;
using Siyu.Core.Events;
using Siyu.Server.Data;
using Siyu.WeCom.Api;
using Siyu.Server.Compliance;

namespace Siyu.Server.WeCom;

public sealed record RotationMember([property: JsonPropertyName("userid")] string UserId, [property: JsonPropertyName("daily_cap")] int DailyCap = 0);

public sealed record WelcomeAttachment(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("title")] string? Title = null,
    [property: JsonPropertyName("url")] string? Url = null,
    [property: JsonPropertyName("pic_url")] string? PicUrl = null,
    [property: JsonPropertyName("desc")] string? Desc = null,
    [property: JsonPropertyName("appid")] string? AppId = null,
    [property: JsonPropertyName("page")] string? Page = null,
    [property: JsonPropertyName("media_id")] string? MediaId = null);

/// <summary>A channel's welcome message. <c>{nickname}</c> in the text becomes the customer's WeCom name.</summary>
public sealed record WelcomeMessage(
    [property: JsonPropertyName("text")] string? Text,
    [property: JsonPropertyName("attachments")] IReadOnlyList<WelcomeAttachment>? Attachments = null);

public sealed record ChannelCodeInput(
    string? Name, IReadOnlyList<RotationMember>? Staff, IReadOnlyList<string>? BackupStaff, IReadOnlyList<long>? TagIds,
    string? Remark, bool? SkipVerify, WelcomeMessage? Welcome, string? CustomerRemark = null);

public sealed record ChannelCodeView(
    long Id, string Name, string State, string? ConfigId, string? QrCode, IReadOnlyList<RotationMember> Staff, IReadOnlyList<string> BackupStaff,
    IReadOnlyList<string> ActiveStaff, IReadOnlyList<long> TagIds, string? Remark, bool SkipVerify, WelcomeMessage? Welcome, string? CustomerRemark,
    DateTimeOffset CreatedAt,
    // Only in the answer to a save that content review let through with words to check (an admin's save approves them).
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<Core.Delivery.ReviewHit>? ReviewHits = null);

public sealed record ChannelDayStats(string Date, int Adds, int Deletes, int Net);

public sealed record ChannelStatsView(long ChannelId, int Adds, int Deletes, int Net, IReadOnlyList<ChannelDayStats> Days, IReadOnlyDictionary<string, int> AddsByStaff);

/// <summary>
/// Channel QR codes (渠道活码): each is a WeCom contact way whose <c>state</c> identifies the channel. Staff rotate
/// with daily caps (a capped member is taken off the contact way until the next local day; when everyone is capped
/// the backup staff take over). Adds through a code are tagged, counted and welcomed (see <see cref="InboxProcessor"/>).
/// </summary>
public sealed partial class ChannelCodes(
    IDbContextFactory<SiyuDb> dbs, WeComConnections connections, Tags.TagCatalog tags, Tenants.TenantDirectory tenants,
    Delivery.DeliverySettingsStore deliverySettings, TimeProvider time, ILogger<ChannelCodes> logger)
{
    public const int MaxNameLength = 30;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public async Task<IReadOnlyList<ChannelCodeView>> ListAsync(int tenantId)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var rows = await db.ChannelCodes.AsNoTracking().Where(c => c.TenantId == tenantId && c.DeletedAtTicks == null).OrderByDescending(c => c.Id).ToListAsync();
        return [.. rows.Select(View)];
    }

    public async Task<ChannelCodeView?> GetAsync(int tenantId, long id)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.ChannelCodes.AsNoTracking().FirstOrDefaultAsync(c => c.TenantId == tenantId && c.Id == id && c.DeletedAtTicks == null);
        return row is null ? null : View(row);
    }

    public async Task<ChannelCodeRow?> FindByStateAsync(int tenantId, string state)
    {
        await using var db = await dbs.CreateDbContextAsync();
        // An inviter's personal code of a referral campaign (state rf_…) acts as the campaign's channel code: same tags, welcome and counts.
        if (Core.Referrals.ReferralState.CodeOf(state) is { } code)
        {
            return await (from p in db.ReferralParticipants
                          join r in db.ReferralCampaigns on p.CampaignId equals r.Id
                          join c in db.ChannelCodes on r.ChannelCodeId equals c.Id
                          where p.TenantId == tenantId && p.Code == code
                          select c).AsNoTracking().FirstOrDefaultAsync();
        }
        return await db.ChannelCodes.AsNoTracking().FirstOrDefaultAsync(c => c.TenantId == tenantId && c.State == state);
    }

    /// <summary>Validates, creates the WeCom contact way (its config_id and QR code are the only handles), then saves.</summary>
    public async Task<(ChannelCodeView? Code, IReadOnlyList<FieldError> Errors)> CreateAsync(int tenantId, string actor, ChannelCodeInput input, CancellationToken cancellationToken = default,
        bool mayApprove = false)
    {
        var errors = Validate(tenantId, input);
        var (reviewErrors, hits) = await ReviewWelcomeAsync(tenantId, input.Welcome, mayApprove);
        errors.AddRange(reviewErrors);
        if (connections.Get(tenantId) is not { CanCallApi: true } connection)
        {
            errors.Add(new FieldError("wecom", "Connect WeCom first (设置 → 企业微信)."));
        }
        else if (errors.Count == 0)
        {
            await using var db = await dbs.CreateDbContextAsync(cancellationToken);
            if (await db.ChannelCodes.AnyAsync(c => c.TenantId == tenantId && c.Name == input.Name!.Trim() && c.DeletedAtTicks == null, cancellationToken))
            {
                errors.Add(new FieldError("name", $"A channel named '{input.Name!.Trim()}' already exists."));
            }
            else
            {
                var now = time.GetUtcNow().UtcTicks;
                var row = new ChannelCodeRow
                {
                    TenantId = tenantId, Name = input.Name!.Trim(), State = "ch_" + Guid.NewGuid().ToString("N")[..16],
                    Staff = JsonSerializer.Serialize(input.Staff, Json), BackupStaff = JsonSerializer.Serialize(input.BackupStaff ?? [], Json),
                    TagIds = JsonSerializer.Serialize(input.TagIds ?? [], Json), Remark = input.Remark, SkipVerify = input.SkipVerify ?? true,
                    Welcome = input.Welcome is null ? null : JsonSerializer.Serialize(input.Welcome, Json), CustomerRemark = Blank(input.CustomerRemark),
                    CreatedAtTicks = now,
                };
                var active = ActiveStaff(row, new Dictionary<string, int>());
                try
                {
                    var created = await connections.Client(connection).AddContactWayAsync(new WeComContactWay
                    {
                        Type = active.Count == 1 ? 1 : 2, Scene = 2, State = row.State, Remark = row.Remark, SkipVerify = row.SkipVerify, User = active,
                    }, cancellationToken);
                    (row.ConfigId, row.QrCode, row.ActiveStaff) = (created.ConfigId, created.QrCode, JsonSerializer.Serialize(active, Json));
                }
                catch (WeComApiException e)
                {
                    errors.Add(new FieldError("staff", $"WeCom refused the contact way: {e.ErrCode} {e.ErrMsg}"));
                    return (null, errors);
                }
                db.ChannelCodes.Add(row);
                AuditLog.Record(db, tenantId, now, actor, "channel.create", target: row.Name);
                await db.SaveChangesAsync(cancellationToken);
                return (View(row) with { ReviewHits = hits }, []);
            }
        }
        return (null, errors);
    }

    /// <summary>
    /// Edits a code in place: the printed QR code stays valid (same contact way, same state); staff, remark and
    /// verification go to WeCom at once, tags/welcome/remark template apply to the next add.
    /// </summary>
    public async Task<(ChannelCodeView? Code, IReadOnlyList<FieldError> Errors)> UpdateAsync(int tenantId, string actor, long id, ChannelCodeInput input, CancellationToken cancellationToken = default,
        bool mayApprove = false)
    {
        var errors = Validate(tenantId, input);
        var (reviewErrors, hits) = await ReviewWelcomeAsync(tenantId, input.Welcome, mayApprove);
        errors.AddRange(reviewErrors);
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var row = await db.ChannelCodes.FirstOrDefaultAsync(c => c.TenantId == tenantId && c.Id == id && c.DeletedAtTicks == null, cancellationToken);
        if (row is null)
        {
            return (null, [new FieldError("id", $"No channel code {id}.")]);
        }
        if (connections.Get(tenantId) is not { CanCallApi: true } connection)
        {
            errors.Add(new FieldError("wecom", "Connect WeCom first (设置 → 企业微信)."));
            return (null, errors);
        }
        if (errors.Count == 0 && await db.ChannelCodes.AnyAsync(c => c.TenantId == tenantId && c.Id != id && c.Name == input.Name!.Trim() && c.DeletedAtTicks == null, cancellationToken))
        {
            errors.Add(new FieldError("name", $"A channel named '{input.Name!.Trim()}' already exists."));
        }
        if (errors.Count > 0)
        {
            return (null, errors);
        }
        row.Name = input.Name!.Trim();
        row.Staff = JsonSerializer.Serialize(input.Staff, Json);
        row.BackupStaff = JsonSerializer.Serialize(input.BackupStaff ?? [], Json);
        row.TagIds = JsonSerializer.Serialize(input.TagIds ?? [], Json);
        row.Remark = input.Remark;
        row.SkipVerify = input.SkipVerify ?? row.SkipVerify;
        row.Welcome = input.Welcome is null ? null : JsonSerializer.Serialize(input.Welcome, Json);
        row.CustomerRemark = Blank(input.CustomerRemark);
        var addsToday = await AddsTodayAsync(db, tenantId, id, cancellationToken);
        var active = ActiveStaff(row, addsToday);
        if (row.ConfigId is not null)
        {
            try
            {
                await connections.Client(connection).UpdateContactWayAsync(new WeComContactWayUpdate
                {
                    ConfigId = row.ConfigId, Remark = row.Remark, SkipVerify = row.SkipVerify, State = row.State, User = active,
                }, cancellationToken);
            }
            catch (WeComApiException e)
            {
                return (null, [new FieldError("staff", $"WeCom refused the contact way: {e.ErrCode} {e.ErrMsg}")]);
            }
        }
        row.ActiveStaff = JsonSerializer.Serialize(active, Json);
        AuditLog.Record(db, tenantId, time.GetUtcNow().UtcTicks, actor, "channel.update", target: row.Name);
        await db.SaveChangesAsync(cancellationToken);
        return (View(row) with { ReviewHits = hits }, []);
    }

    private Task<Dictionary<string, int>> AddsTodayAsync(SiyuDb db, int tenantId, long channelId, CancellationToken cancellationToken)
    {
        var today = tenants.Today(tenantId, time);
        return db.ChannelCodeStats.AsNoTracking().Where(s => s.TenantId == tenantId && s.ChannelId == channelId && s.Day == today)
            .ToDictionaryAsync(s => s.StaffUserId, s => s.Adds, cancellationToken);
    }

    public async Task<bool> DeleteAsync(int tenantId, string actor, long id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var row = await db.ChannelCodes.FirstOrDefaultAsync(c => c.TenantId == tenantId && c.Id == id && c.DeletedAtTicks == null, cancellationToken);
        if (row is null)
        {
            return false;
        }
        if (row.ConfigId is not null && connections.Get(tenantId) is { CanCallApi: true } connection)
        {
            try
            {
                await connections.Client(connection).DeleteContactWayAsync(row.ConfigId, cancellationToken);
            }
            catch (WeComApiException e)
            {
                LogDeleteFailed(logger, e, row.ConfigId, e.ErrCode);
            }
        }
        row.DeletedAtTicks = time.GetUtcNow().UtcTicks;
        AuditLog.Record(db, tenantId, row.DeletedAtTicks.Value, actor, "channel.delete", target: row.Name);
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    private List<FieldError> Validate(int tenantId, ChannelCodeInput input)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(input.Name) || input.Name.Trim().Length > MaxNameLength)
        {
            errors.Add(new FieldError("name", $"A channel name of 1–{MaxNameLength} characters is required."));
        }
        if (input.Staff is not { Count: > 0 } staff)
        {
            errors.Add(new FieldError("staff", "At least one staff member (userid) receives the customers."));
        }
        else
        {
            for (var i = 0; i < staff.Count; i++)
            {
                if (string.IsNullOrWhiteSpace(staff[i].UserId))
                {
                    errors.Add(new FieldError($"staff[{i}].userid", "Required."));
                }
                if (staff[i].DailyCap is < 0 or > 10_000)
                {
                    errors.Add(new FieldError($"staff[{i}].daily_cap", "0 (no cap) to 10,000 adds per day."));
                }
            }
            if (staff.Count > 100)
            {
                errors.Add(new FieldError("staff", "At most 100 staff members per code."));
            }
        }
        for (var i = 0; i < (input.TagIds?.Count ?? 0); i++)
        {
            if (tags.Find(tenantId, input.TagIds![i]) is not { Deleted: false } tag || tag.Kind == Core.Tags.TagSource.Rule)
            {
                errors.Add(new FieldError($"tag_ids[{i}]", $"No taggable tag {input.TagIds[i]} (rule tags are maintained by their rule)."));
            }
        }
        if (input.Remark is { Length: > 30 })
        {
            errors.Add(new FieldError("remark", "At most 30 characters (WeCom's limit)."));
        }
        if (Blank(input.CustomerRemark) is { } remarkTemplate)
        {
            var withoutPlaceholders = RemarkPlaceholders.Aggregate(remarkTemplate, (t, p) => t.Replace(p, "", StringComparison.Ordinal));
            if (withoutPlaceholders.Contains('{', StringComparison.Ordinal) || withoutPlaceholders.Contains('}', StringComparison.Ordinal))
            {
                errors.Add(new FieldError("customer_remark", $"Only {string.Join(", ", RemarkPlaceholders)} may be used."));
            }
            else if (remarkTemplate.Length > 60)
            {
                errors.Add(new FieldError("customer_remark", "At most 60 characters (the filled remark is cut to WeCom's 20)."));
            }
        }
        if (input.Welcome is { } welcome)
        {
            if (string.IsNullOrWhiteSpace(welcome.Text) && welcome.Attachments is not { Count: > 0 })
            {
                errors.Add(new FieldError("welcome", "A welcome message needs text or an attachment (or leave it out)."));
            }
            if (welcome.Text is { Length: > 4000 })
            {
                errors.Add(new FieldError("welcome.text", "At most 4,000 characters."));
            }
            ValidateAttachments(welcome.Attachments ?? [], "welcome.attachments", errors);
        }
        return errors;
    }

    /// <summary>
    /// The delivery pipeline's content review, applied when the welcome is saved (it is sent from the callback within
    /// seconds and cannot wait for a reviewer): block words are refused; review words need an admin, whose save is the approval.
    /// </summary>
    private async Task<(List<FieldError> Errors, IReadOnlyList<Core.Delivery.ReviewHit>? Hits)> ReviewWelcomeAsync(int tenantId, WelcomeMessage? welcome, bool mayApprove)
    {
        if (welcome is null)
        {
            return ([], null);
        }
        var fields = new List<(string, string)> { ("welcome.text", welcome.Text ?? "") };
        var attachments = welcome.Attachments ?? [];
        for (var i = 0; i < attachments.Count; i++)
        {
            fields.AddRange(new[] { ($"welcome.attachments[{i}].title", attachments[i]?.Title), ($"welcome.attachments[{i}].desc", attachments[i]?.Desc) }
                .Where(f => !string.IsNullOrEmpty(f.Item2)).Select(f => (f.Item1, f.Item2!)));
        }
        var review = await deliverySettings.ReviewFieldsAsync(tenantId, fields);
        var words = string.Join("、", review.Hits.Select(h => h.Matched).Distinct());
        return review.Outcome switch
        {
            Core.Delivery.ReviewOutcome.Blocked => (Delivery.DeliverySettingsStore.BlockingErrors(review), null),
            Core.Delivery.ReviewOutcome.NeedsApproval when !mayApprove => ([new FieldError("welcome.text", $"Needs approval by content review: {words}. An admin can save it (that approves it), or rephrase.")], null),
            Core.Delivery.ReviewOutcome.NeedsApproval => ([], review.Hits),
            _ => ([], null),
        };
    }

    /// <summary>
    /// The welcome message for one customer, personalised. Sent straight from the callback: the code expires in
    /// about 20 seconds and works once.
    /// </summary>
    public static WeComWelcomeMessage? Welcome(ChannelCodeRow channel, string welcomeCode, string? nickname)
    {
        if (channel.Welcome is null || JsonSerializer.Deserialize<WelcomeMessage>(channel.Welcome, Json) is not { } welcome)
        {
            return null;
        }
        return new WeComWelcomeMessage
        {
            WelcomeCode = welcomeCode,
            Text = string.IsNullOrEmpty(welcome.Text) ? null : new WeComText { Content = welcome.Text.Replace("{nickname}", nickname ?? "", StringComparison.Ordinal) },
            Attachments = welcome.Attachments is { Count: > 0 } list ? [.. list.Select(Attachment)] : null,
        };
    }

    /// <summary>WeCom's attachment rules for welcome and mass-send messages: at most 9; each type needs its fields.</summary>
    public static void ValidateAttachments(IReadOnlyList<WelcomeAttachment> attachments, string path, List<FieldError> errors)
    {
        if (attachments.Count > 9)
        {
            errors.Add(new FieldError(path, "At most 9 attachments."));
        }
        for (var i = 0; i < attachments.Count; i++)
        {
            var a = attachments[i];
            var ok = a.Type switch
            {
                "link" => !string.IsNullOrEmpty(a.Title) && Uri.TryCreate(a.Url, UriKind.Absolute, out _),
                "image" => !string.IsNullOrEmpty(a.PicUrl) || !string.IsNullOrEmpty(a.MediaId),
                "miniprogram" => !string.IsNullOrEmpty(a.Title) && !string.IsNullOrEmpty(a.AppId) && !string.IsNullOrEmpty(a.Page),
                _ => false,
            };
            if (!ok)
            {
                errors.Add(new FieldError($"{path}[{i}]", "link needs title and url; image needs pic_url or media_id; miniprogram needs title, appid and page."));
            }
        }
    }

    public static WeComAttachment Attachment(WelcomeAttachment a) => a.Type switch
    {
        "link" => new WeComAttachment { MsgType = "link", Link = new WeComLink { Title = a.Title!, Url = a.Url!, PicUrl = a.PicUrl, Desc = a.Desc } },
        "image" => new WeComAttachment { MsgType = "image", Image = new WeComImage { PicUrl = a.PicUrl, MediaId = a.MediaId } },
        _ => new WeComAttachment { MsgType = "miniprogram", MiniProgram = new WeComMiniProgram { Title = a.Title!, AppId = a.AppId!, Page = a.Page!, PicMediaId = a.MediaId } },
    };

    public static IReadOnlyList<long> TagIdsOf(ChannelCodeRow channel) => JsonSerializer.Deserialize<List<long>>(channel.TagIds, Json) ?? [];

    /// <summary>Counts an add or a delete for the channel's statistics, on the tenant's local day.</summary>
    public async Task CountAsync(int tenantId, long channelId, string staffUserId, bool add, DateTimeOffset at)
    {
        var day = TenantClock.Today(at, tenants.Zone(tenantId));
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.ChannelCodeStats.FirstOrDefaultAsync(s => s.TenantId == tenantId && s.ChannelId == channelId && s.Day == day && s.StaffUserId == staffUserId);
        if (row is null)
        {
            db.ChannelCodeStats.Add(row = new ChannelCodeStatRow { TenantId = tenantId, ChannelId = channelId, Day = day, StaffUserId = staffUserId });
        }
        if (add)
        {
            row.Adds++;
        }
        else
        {
            row.Deletes++;
        }
        await db.SaveChangesAsync();
    }

    public async Task<ChannelStatsView> StatsAsync(int tenantId, long channelId, int days = 30)
    {
        var today = tenants.Today(tenantId, time);
        await using var db = await dbs.CreateDbContextAsync();
        var rows = await db.ChannelCodeStats.AsNoTracking().Where(s => s.TenantId == tenantId && s.ChannelId == channelId).ToListAsync();
        var byDay = Enumerable.Range(0, days).Select(k => today - days + 1 + k).Select(d =>
        {
            var adds = rows.Where(r => r.Day == d).Sum(r => r.Adds);
            var deletes = rows.Where(r => r.Day == d).Sum(r => r.Deletes);
            return new ChannelDayStats(DateOnly.FromDayNumber(d).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), adds, deletes, adds - deletes);
        }).ToList();
        var totalAdds = rows.Sum(r => r.Adds);
        var totalDeletes = rows.Sum(r => r.Deletes);
        return new ChannelStatsView(channelId, totalAdds, totalDeletes, totalAdds - totalDeletes, byDay,
            rows.GroupBy(r => r.StaffUserId).ToDictionary(g => g.Key, g => g.Sum(r => r.Adds)));
    }

    /// <summary>
    /// Puts the right staff on the WeCom contact way for today: rotation members under their daily cap, else the
    /// backup staff. Calls WeCom only when the set changes.
    /// </summary>
    public async Task ReconcileRotationAsync(int tenantId, long channelId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var row = await db.ChannelCodes.FirstOrDefaultAsync(c => c.TenantId == tenantId && c.Id == channelId && c.DeletedAtTicks == null, cancellationToken);
        if (row?.ConfigId is null || connections.Get(tenantId) is not { CanCallApi: true } connection)
        {
            return;
        }
        var addsToday = await AddsTodayAsync(db, tenantId, channelId, cancellationToken);
        var active = ActiveStaff(row, addsToday);
        var current = JsonSerializer.Deserialize<List<string>>(row.ActiveStaff, Json) ?? [];
        if (active.SequenceEqual(current))
        {
            return;
        }
        await connections.Client(connection).UpdateContactWayAsync(new WeComContactWayUpdate
        {
            ConfigId = row.ConfigId, Remark = row.Remark, SkipVerify = row.SkipVerify, State = row.State, User = active,
        }, cancellationToken);
        row.ActiveStaff = JsonSerializer.Serialize(active, Json);
        await db.SaveChangesAsync(cancellationToken);
        LogRotated(logger, row.Name, string.Join(",", active));
    }

    public async Task ReconcileAllAsync(int tenantId, CancellationToken cancellationToken)
    {
        List<long> ids;
        await using (var db = await dbs.CreateDbContextAsync(cancellationToken))
        {
            ids = await db.ChannelCodes.AsNoTracking().Where(c => c.TenantId == tenantId && c.DeletedAtTicks == null).Select(c => c.Id).ToListAsync(cancellationToken);
        }
        foreach (var id in ids)
        {
            try
            {
                await ReconcileRotationAsync(tenantId, id, cancellationToken);
            }
            catch (WeComApiException e)
            {
                LogRotateFailed(logger, e, id, e.ErrCode);
            }
        }
    }

    /// <summary>Rotation members below their cap today; all capped → the backup staff (or, without backups, everyone).</summary>
    public static List<string> ActiveStaff(ChannelCodeRow row, IReadOnlyDictionary<string, int> addsToday)
    {
        var rotation = JsonSerializer.Deserialize<List<RotationMember>>(row.Staff, Json) ?? [];
        var open = rotation.Where(m => m.DailyCap == 0 || addsToday.GetValueOrDefault(m.UserId) < m.DailyCap).Select(m => m.UserId).Distinct().ToList();
        if (open.Count > 0)
        {
            return open;
        }
        var backup = JsonSerializer.Deserialize<List<string>>(row.BackupStaff, Json) ?? [];
        return backup.Count > 0 ? backup : [.. rotation.Select(m => m.UserId).Distinct()];
    }

    private static ChannelCodeView View(ChannelCodeRow r) => new(r.Id, r.Name, r.State, r.ConfigId, r.QrCode,
        JsonSerializer.Deserialize<List<RotationMember>>(r.Staff, Json) ?? [], JsonSerializer.Deserialize<List<string>>(r.BackupStaff, Json) ?? [],
        JsonSerializer.Deserialize<List<string>>(r.ActiveStaff, Json) ?? [], TagIdsOf(r), r.Remark, r.SkipVerify,
        r.Welcome is null ? null : JsonSerializer.Deserialize<WelcomeMessage>(r.Welcome, Json), r.CustomerRemark, new DateTimeOffset(r.CreatedAtTicks, TimeSpan.Zero));

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    /// <summary>Placeholders a customer remark template may use.</summary>
    public static readonly IReadOnlyList<string> RemarkPlaceholders = ["{nickname}", "{channel}", "{date}"];

    /// <summary>
    /// The remark the staff member sees for a customer who came through <paramref name="channel"/>: the template with its
    /// placeholders filled, cut to WeCom's 20 characters (whole characters, never half a surrogate pair).
    /// </summary>
    public static string? CustomerRemarkFor(ChannelCodeRow channel, string? nickname, DateOnly localDate)
    {
        if (channel.CustomerRemark is not { Length: > 0 } template)
        {
            return null;
        }
        var text = template.Replace("{nickname}", nickname ?? "", StringComparison.Ordinal)
            .Replace("{channel}", channel.Name, StringComparison.Ordinal)
            .Replace("{date}", localDate.ToString("MMdd", System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal).Trim();
        var runes = text.EnumerateRunes().Take(20).ToList();
        var cut = string.Concat(runes.Select(r => r.ToString()));
        return cut.Length == 0 ? null : cut;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting WeCom contact way {ConfigId} failed with {ErrCode}; removed in Siyu anyway")]
    private static partial void LogDeleteFailed(ILogger logger, Exception e, string configId, int errCode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Channel {Channel} now routes to {Staff}")]
    private static partial void LogRotated(ILogger logger, string channel, string staff);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rotating channel {Channel} failed with {ErrCode}")]
    private static partial void LogRotateFailed(ILogger logger, Exception e, long channel, int errCode);
}
