using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Delivery;
using Siyu.Core.Events;
using Siyu.Server.Compliance;
using Siyu.Server.Data;

namespace Siyu.Server.Delivery;

/// <summary>A rule pack in the list: what it is, whether it is on, and how many words it has.</summary>
public sealed record ReviewPackSummary(
    string Id, string Name, string? Description, bool BuiltIn, bool Enabled, bool DefaultEnabled,
    int BlockWords, int ReviewWords, int AllowWords, DateTimeOffset? UpdatedAt, string? UpdatedBy);

/// <summary>One word of a pack with what it does.</summary>
public sealed record ReviewPackWord(string Word, ReviewAction Action, string Reason, string Category);

/// <summary>A rule pack with its words.</summary>
public sealed record ReviewPackDetail(
    string Id, string Name, string? Description, bool BuiltIn, bool Enabled, bool DefaultEnabled,
    IReadOnlyList<ReviewPackWord> Rules, IReadOnlyList<string> Allow, DateTimeOffset? UpdatedAt, string? UpdatedBy);

/// <summary>
/// Content review rule packs per tenant: the built-in ones (read-only, switchable) and the tenant's custom packs. Every
/// change is audited and takes effect for the next message reviewed (<see cref="DeliverySettingsStore.Invalidate"/>).
/// </summary>
public sealed class ReviewPacks(IDbContextFactory<SiyuDb> dbs, DeliverySettingsStore settings, TimeProvider time)
{
    /// <summary>Custom packs per tenant; each is compiled into every review, so the automaton stays bounded.</summary>
    public const int MaxCustomPacks = 50;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The packs the tenant's review compiles: the enabled built-ins (switch or industry default) and enabled custom packs.</summary>
    internal static async Task<IReadOnlyList<ReviewRulePack>> EnabledAsync(SiyuDb db, int tenantId, Industry industry)
    {
        var switches = await db.ReviewPackSwitches.AsNoTracking().Where(s => s.TenantId == tenantId).ToDictionaryAsync(s => s.PackId, s => s.Enabled);
        var custom = await db.ReviewPacks.AsNoTracking().Where(p => p.TenantId == tenantId && p.Enabled).OrderBy(p => p.Id).ToListAsync();
        return ReviewPackSelection.Enabled(industry, switches, custom.Select(Pack));
    }

    public async Task<IReadOnlyList<ReviewPackSummary>> ListAsync(int tenantId)
    {
        var industry = await IndustryAsync(tenantId);
        await using var db = await dbs.CreateDbContextAsync();
        var switches = await db.ReviewPackSwitches.AsNoTracking().Where(s => s.TenantId == tenantId).ToDictionaryAsync(s => s.PackId);
        var custom = await db.ReviewPacks.AsNoTracking().Where(p => p.TenantId == tenantId).OrderBy(p => p.Id).ToListAsync();
        var list = new List<ReviewPackSummary>();
        foreach (var pack in BuiltInRulePacks.All)
        {
            var on = ReviewPackSelection.DefaultEnabled(industry, pack.Id);
            var sw = switches.GetValueOrDefault(pack.Id);
            list.Add(Summary(pack, builtIn: true, sw?.Enabled ?? on, on, sw is null ? null : At(sw.UpdatedAtTicks), sw?.UpdatedBy));
        }
        foreach (var row in custom)
        {
            list.Add(Summary(Pack(row), builtIn: false, row.Enabled, true, At(row.UpdatedAtTicks), row.UpdatedBy) with { Description = row.Description });
        }
        return list;
    }

    public async Task<ReviewPackDetail?> GetAsync(int tenantId, string id)
    {
        if (ReviewPackSelection.BuiltIn(id) is { } builtIn)
        {
            var industry = await IndustryAsync(tenantId);
            await using var db = await dbs.CreateDbContextAsync();
            var sw = await db.ReviewPackSwitches.AsNoTracking().FirstOrDefaultAsync(s => s.TenantId == tenantId && s.PackId == id);
            var on = ReviewPackSelection.DefaultEnabled(industry, id);
            return Detail(builtIn, null, true, sw?.Enabled ?? on, on, sw is null ? null : At(sw.UpdatedAtTicks), sw?.UpdatedBy);
        }
        if (!ReviewPackSelection.TryParseCustomId(id, out var customId))
        {
            return null;
        }
        await using (var db = await dbs.CreateDbContextAsync())
        {
            var row = await db.ReviewPacks.AsNoTracking().FirstOrDefaultAsync(p => p.TenantId == tenantId && p.Id == customId);
            return row is null ? null : Detail(Pack(row), row.Description, false, row.Enabled, true, At(row.UpdatedAtTicks), row.UpdatedBy);
        }
    }

    /// <summary>Validates and creates a custom pack, switched on.</summary>
    public async Task<(ReviewPackDetail? Pack, IReadOnlyList<FieldError> Errors)> CreateAsync(int tenantId, string actor, CustomReviewPackInput input)
    {
        var errors = input.Validate().ToList();
        await using var db = await dbs.CreateDbContextAsync();
        if (errors.Count == 0)
        {
            await CheckNameAsync(db, tenantId, 0, input.Name!.Trim(), errors);
            if (await db.ReviewPacks.CountAsync(p => p.TenantId == tenantId) >= MaxCustomPacks)
            {
                errors.Add(new FieldError("name", $"At most {MaxCustomPacks} custom packs per tenant; delete or merge one first."));
            }
        }
        if (errors.Count > 0)
        {
            return (null, errors);
        }
        var now = time.GetUtcNow().UtcTicks;
        var row = new ReviewPackRow { TenantId = tenantId, Name = "", Rules = "[]", Allow = "[]", Enabled = true, CreatedAtTicks = now };
        Apply(row, input, actor, now);
        db.ReviewPacks.Add(row);
        AuditLog.Record(db, tenantId, now, actor, "review_pack.create", target: row.Name, detail: WordCounts(Pack(row)));
        await db.SaveChangesAsync();
        settings.Invalidate(tenantId);
        return (Detail(Pack(row), row.Description, false, row.Enabled, true, At(now), actor), []);
    }

    /// <summary>Replaces a custom pack's name, description, words and allow-list; null when there is no such custom pack.</summary>
    public async Task<(ReviewPackDetail? Pack, IReadOnlyList<FieldError> Errors)> UpdateAsync(int tenantId, string actor, long id, CustomReviewPackInput input)
    {
        var errors = input.Validate().ToList();
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.ReviewPacks.FirstOrDefaultAsync(p => p.TenantId == tenantId && p.Id == id);
        if (row is null)
        {
            return (null, []);
        }
        if (errors.Count == 0)
        {
            await CheckNameAsync(db, tenantId, id, input.Name!.Trim(), errors);
        }
        if (errors.Count > 0)
        {
            return (null, errors);
        }
        var now = time.GetUtcNow().UtcTicks;
        Apply(row, input, actor, now);
        AuditLog.Record(db, tenantId, now, actor, "review_pack.update", target: row.Name, detail: WordCounts(Pack(row)));
        await db.SaveChangesAsync();
        settings.Invalidate(tenantId);
        return (Detail(Pack(row), row.Description, false, row.Enabled, true, At(now), actor), []);
    }

    public async Task<bool> DeleteAsync(int tenantId, string actor, long id)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.ReviewPacks.FirstOrDefaultAsync(p => p.TenantId == tenantId && p.Id == id);
        if (row is null)
        {
            return false;
        }
        db.ReviewPacks.Remove(row);
        AuditLog.Record(db, tenantId, time.GetUtcNow().UtcTicks, actor, "review_pack.delete", target: row.Name);
        await db.SaveChangesAsync();
        settings.Invalidate(tenantId);
        return true;
    }

    /// <summary>Switches any pack on or off; false when there is no such pack.</summary>
    public async Task<bool> SetEnabledAsync(int tenantId, string actor, string id, bool enabled)
    {
        var now = time.GetUtcNow().UtcTicks;
        await using var db = await dbs.CreateDbContextAsync();
        string name;
        if (ReviewPackSelection.BuiltIn(id) is { } builtIn)
        {
            // Kept even when it equals the industry default: the admin's explicit choice survives an industry change.
            var sw = await db.ReviewPackSwitches.FirstOrDefaultAsync(s => s.TenantId == tenantId && s.PackId == id);
            if (sw is null)
            {
                db.ReviewPackSwitches.Add(sw = new ReviewPackSwitchRow { TenantId = tenantId, PackId = id });
            }
            (sw.Enabled, sw.UpdatedAtTicks, sw.UpdatedBy) = (enabled, now, actor);
            name = builtIn.Name;
        }
        else if (ReviewPackSelection.TryParseCustomId(id, out var customId)
            && await db.ReviewPacks.FirstOrDefaultAsync(p => p.TenantId == tenantId && p.Id == customId) is { } row)
        {
            (row.Enabled, row.UpdatedAtTicks, row.UpdatedBy) = (enabled, now, actor);
            name = row.Name;
        }
        else
        {
            return false;
        }
        AuditLog.Record(db, tenantId, now, actor, "review_pack.toggle", target: $"{id} {name}", detail: enabled ? "enabled" : "disabled");
        await db.SaveChangesAsync();
        settings.Invalidate(tenantId);
        return true;
    }

    private async Task<Industry> IndustryAsync(int tenantId)
    {
        TenantDeliverySettings.TryParseIndustry((await settings.GetAsync(tenantId)).Industry, out var industry);
        return industry;
    }

    private static async Task CheckNameAsync(SiyuDb db, int tenantId, long id, string name, List<FieldError> errors)
    {
        if (BuiltInRulePacks.All.Any(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
            || await db.ReviewPacks.AnyAsync(p => p.TenantId == tenantId && p.Id != id && p.Name == name))
        {
            errors.Add(new FieldError("name", $"A rule pack named '{name}' already exists."));
        }
    }

    private static void Apply(ReviewPackRow row, CustomReviewPackInput input, string actor, long now)
    {
        row.Name = input.Name!.Trim();
        row.Description = string.IsNullOrWhiteSpace(input.Description) ? null : input.Description.Trim();
        row.Rules = JsonSerializer.Serialize((input.Rules ?? []).OfType<CustomReviewRuleInput>().Select(r => r with
        {
            Word = r.Word!.Trim(), Reason = string.IsNullOrWhiteSpace(r.Reason) ? null : r.Reason.Trim(),
            Category = string.IsNullOrWhiteSpace(r.Category) ? null : r.Category.Trim(),
        }), Json);
        row.Allow = JsonSerializer.Serialize((input.Allow ?? []).OfType<string>().Select(a => a.Trim()), Json);
        row.UpdatedAtTicks = now;
        row.UpdatedBy = actor;
    }

    private static ReviewRulePack Pack(ReviewPackRow row) => new CustomReviewPackInput
    {
        Name = row.Name,
        Rules = JsonSerializer.Deserialize<List<CustomReviewRuleInput?>>(row.Rules, Json) ?? [],
        Allow = JsonSerializer.Deserialize<List<string?>>(row.Allow, Json) ?? [],
    }.ToPack(ReviewPackSelection.CustomId(row.Id));

    private static string WordCounts(ReviewRulePack pack)
    {
        var words = pack.Rules.Sum(r => r.Words.Count);
        return $"{words} words, {pack.Allow.Count} allowed";
    }

    private static ReviewPackSummary Summary(ReviewRulePack pack, bool builtIn, bool enabled, bool defaultEnabled, DateTimeOffset? updatedAt, string? updatedBy) =>
        new(pack.Id, pack.Name, builtIn ? BuiltInDescription(pack.Id) : null, builtIn, enabled, defaultEnabled,
            pack.Rules.Where(r => r.Action == ReviewAction.Block).Sum(r => r.Words.Count),
            pack.Rules.Where(r => r.Action == ReviewAction.Review).Sum(r => r.Words.Count),
            pack.Allow.Count, updatedAt, updatedBy);

    private static ReviewPackDetail Detail(ReviewRulePack pack, string? description, bool builtIn, bool enabled, bool defaultEnabled, DateTimeOffset? updatedAt, string? updatedBy) =>
        new(pack.Id, pack.Name, builtIn ? BuiltInDescription(pack.Id) : description, builtIn, enabled, defaultEnabled,
            [.. pack.Rules.SelectMany(r => r.Words.Select(w => new ReviewPackWord(w, r.Action, r.Reason, r.Category)))], pack.Allow, updatedAt, updatedBy);

    /// <summary>Which industries switch a built-in pack on by default, for the list.</summary>
    private static string BuiltInDescription(string id) => id switch
    {
        "ads_law" => "《广告法》第九条：绝对化用语、国家机关名义、特供专供。所有行业默认启用。",
        "inducement" => "微信外部链接内容管理规范：诱导分享、诱导关注、助力砍价。所有行业默认启用。",
        "medical" => "《广告法》第十七条：普通商品不得宣称疗效。零售行业默认启用。",
        "education" => "《广告法》第二十四条：不得承诺升学、通过考试，不得借命题人员名义。教育行业默认启用。",
        "finance" => "《广告法》第二十五条、资管新规：不得承诺保本保收益，禁止荐股带单与非法金融活动。金融行业默认启用。",
        "retail" => "《广告法》第九条价格极限词、《价格法》第十四条价格欺诈：最低价、清仓、虚构原价。默认不启用。",
        _ => "",
    };

    private static DateTimeOffset At(long ticks) => new(ticks, TimeSpan.Zero);
}
