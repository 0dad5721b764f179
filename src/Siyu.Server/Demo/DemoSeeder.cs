using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Customers;
using Siyu.Core.Events;
using Siyu.Server.Data;
using Siyu.Server.Ingest;
using Siyu.Server.Tenants;
using Siyu.WeCom.Api;
using Siyu.WeComSimulator;

namespace Siyu.Server.Demo;

/// <summary>
/// Fills an empty demo tenant with customers, orders and behaviour so the console has something to show.
/// Everything goes through the real ingest path; deterministic (fixed seed), so every fresh start looks the same.
/// </summary>
public sealed partial class DemoSeeder(
    SiyuOptions options,
    IDbContextFactory<SiyuDb> dbFactory,
    IngestWriter writer,
    EmbeddedWeComSimulator simulator,
    IHttpClientFactory httpClients,
    Tags.TagDefinitions tagDefinitions,
    Tags.TagWriter tagWriter,
    Audiences.AudienceService audiences,
    WeCom.WeComConnections wecom,
    WeCom.WeComSync wecomSync,
    Tags.TagCatalog tagCatalog,
    Scripts.ScriptLibrary scripts,
    Stores.StoreService stores,
    TimeProvider time,
    ILogger<DemoSeeder> logger) : BackgroundService
{
    private static JsonObject DemoAttributes(SyncedContact contact, Random random)
    {
        var attributes = new JsonObject
        {
            ["name"] = contact.Name,
            ["gender"] = contact.Gender switch { 1 => "男", 2 => "女", _ => null },
            ["city"] = Cities[random.Next(Cities.Length)],
            ["birthday"] = $"{random.Next(1970, 2005)}-{random.Next(1, 13):D2}-{random.Next(1, 29):D2}",
        };
        // The states of Siyu's own channel codes (ch_…, and referral codes rf_…) are named by the add callback; the seeder must not overwrite that name.
        if (contact.State is { Length: > 0 } state && !state.StartsWith("ch_", StringComparison.Ordinal) && Core.Referrals.ReferralState.CodeOf(state) is null)
        {
            attributes["first_channel"] = state;
        }
        return attributes;
    }

    private static readonly string[] Surnames = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高"];
    private static readonly string[] Given = ["芳", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "婷婷", "子涵", "浩然", "欣怡", "梓萱"];
    private static readonly string[] Categories = ["母婴", "美妆", "运动", "食品", "家居"];
    private static readonly string[] Staff = ["zhangmin", "liqiang", "wangfang", "chenjing"];
    private static readonly string[] Channels = ["门店海报", "公众号菜单", "直播间", "朋友圈广告", "老带新"];
    private static readonly string[] Cities = ["上海", "北京", "杭州", "深圳", "成都", "南京"];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Demo)
        {
            return;
        }
        await using var db = await dbFactory.CreateDbContextAsync(stoppingToken);
        var tenant = await db.Tenants.FirstOrDefaultAsync(t => t.Slug == options.DemoTenantSlug, stoppingToken);
        if (tenant is null)
        {
            return;
        }
        if (simulator.BaseAddress is { } simulatorAddress)
        {
            // Every start: the simulator listens on a new port, and the demo tenant talks to it like to a real corp.
            var sim = simulator.Options;
            await wecom.SaveAsync(tenant.Id, "demo", new WeCom.WeComSettingsInput(sim.CorpId, sim.AgentId, sim.Secrets[0], sim.Token, sim.EncodingAESKey,
                simulatorAddress.ToString()));
        }
        if (await db.Events.AnyAsync(e => e.TenantId == tenant.Id, stoppingToken))
        {
            return;
        }
        try
        {
            List<IncomingEvent> events;
            if (simulator.BaseAddress is { } wecomAddress)
            {
                // The product's own sync brings staff, corp tags and customers in; demo behaviour is added on top.
                await wecomSync.RunAsync(tenant.Id, stoppingToken);
                events = FromContacts(await SyncContactsAsync(wecomAddress, stoppingToken), time.GetUtcNow());
            }
            else
            {
                events = Generate(time.GetUtcNow(), 60);
            }
            var outcomes = new List<IngestOutcome>();
            for (var i = 0; i < events.Count; i += 500)
            {
                outcomes.AddRange(await writer.AppendAsync(tenant.Id, events.GetRange(i, Math.Min(500, events.Count - i))));
            }
            await SeedTagsAsync(tenant.Id, events, outcomes);
            await SeedScriptsAsync(tenant.Id);
            await SeedStoresAsync(tenant.Id);
            LogSeeded(logger, events.Count, tenant.Slug);
        }
        catch (Exception e) when (e is InvalidOperationException or IngestOverloadedException or HttpRequestException or WeComApiException)
        {
            // Demo data is a convenience: the product keeps running without it.
            LogSeedFailed(logger, e);
        }
    }

    /// <summary>A few everyday scripts, each for the intent it answers, so the sidebar has something to recommend.</summary>
    private async Task SeedScriptsAsync(int tenantId)
    {
        var (folder, _) = await scripts.SaveFolderAsync(tenantId, "demo", null, "常用话术", null);
        (string Title, string Text, string Intent)[] library =
        [
            ("报价说明", "{{name|您}}好，这款现在会员价 199 元，本周下单再送试用装，需要我帮您预留吗？", Core.Intents.IntentCatalog.PriceInquiry),
            ("下单引导", "好的{{name|}}，我这就帮您下单，收货地址还是上次那个吗？", Core.Intents.IntentCatalog.PurchaseIntent),
            ("售后登记", "{{name|您}}好，给您添麻烦了。请拍一下商品照片发我，我马上为您登记退换，运费由我们承担。", Core.Intents.IntentCatalog.AfterSales),
            ("物流查询", "{{name|您}}好，我帮您查了一下，包裹已在派送途中，预计明天送达，有问题随时找我。", Core.Intents.IntentCatalog.Logistics),
            ("投诉安抚", "非常抱歉给您带来不好的体验，我已把情况反馈给店长，30 分钟内给您回电处理。", Core.Intents.IntentCatalog.Complaint),
        ];
        foreach (var (title, text, intent) in library)
        {
            await scripts.SaveAsync(tenantId, "demo", null, new Core.Scripts.ScriptInput { FolderId = folder?.Id, Kind = Core.Scripts.ScriptKinds.Text, Title = title, Text = text, Intents = [intent] });
        }
    }

    /// <summary>One or two stores in each demo city, so store routing and near_store audiences have something to work on.</summary>
    private async Task SeedStoresAsync(int tenantId)
    {
        (string Code, string Name, string City, string Address, double Lat, double Lng, string[] Staff)[] list =
        [
            ("SH001", "人民广场店", "上海", "黄浦区南京东路 300 号", 31.2304, 121.4737, ["zhangmin", "wangfang"]),
            ("SH002", "陆家嘴店", "上海", "浦东新区陆家嘴环路 1000 号", 31.2397, 121.4998, ["wangfang"]),
            ("BJ001", "三里屯店", "北京", "朝阳区三里屯路 19 号", 39.9334, 116.4536, ["liuyang"]),
            ("HZ001", "西湖店", "杭州", "上城区湖滨路 28 号", 30.2590, 120.1649, ["yangli"]),
            ("SZ001", "南山店", "深圳", "南山区科技园南路 8 号", 22.5333, 113.9304, ["huangting"]),
            ("CD001", "春熙路店", "成都", "锦江区春熙路 99 号", 30.6570, 104.0817, ["lihua"]),
            ("NJ001", "新街口店", "南京", "秦淮区中山南路 1 号", 32.0415, 118.7784, ["chenjing"]),
        ];
        await stores.ImportAsync(tenantId, "demo", [.. list.Select(s =>
            new Stores.StoreInput(s.Code, s.Name, s.City, s.Address, s.Lat, s.Lng, 5, "open", "10:00", "22:00", s.Staff, null))]);
    }

    /// <summary>Tag groups as an operator would set them up, and tags derived from the demo behaviour.</summary>
    private async Task SeedTagsAsync(int tenantId, List<IncomingEvent> events, List<IngestOutcome> outcomes)
    {
        const string actor = "demo";
        var customers = events.Zip(outcomes).Where(x => x.Second.Error is null).ToList();
        var plan = new List<(string Group, string Tag, string Kind, IEnumerable<long> Customers)>
        {
            ("客户等级", "VIP", Siyu.Core.Tags.TagSource.Import, customers.Where(x => x.First.Type == EventTypes.OrderPaid)
                .GroupBy(x => x.Second.CustomerId).Where(g => g.Sum(x => (decimal)x.First.Properties["amount"]!.GetValue<double>()) >= 2000).Select(g => g.Key)),
            ("客户等级", "高潜客户", Siyu.Core.Tags.TagSource.Manual, customers.Where(x => x.First.Type == EventTypes.MessageReceived).Select(x => x.Second.CustomerId)),
        };
        foreach (var category in Categories)
        {
            plan.Add(("兴趣偏好", category, Siyu.Core.Tags.TagSource.Manual, customers
                .Where(x => x.First.Type == EventTypes.OrderPaid && x.First.Properties["category"]?.GetValue<string>() == category).Select(x => x.Second.CustomerId)));
        }
        foreach (var channel in Channels)
        {
            plan.Add(("来源渠道", channel, Siyu.Core.Tags.TagSource.Channel, customers
                .Where(x => x.First.Type is EventTypes.CustomerAdded or EventTypes.ProfileUpdated && x.First.Properties["state"]?.GetValue<string>() == channel)
                .Select(x => x.Second.CustomerId)));
        }
        // WeCom sync may already have brought groups and tags of the same names (the simulated corp has corp tags).
        var groups = tagCatalog.Groups(tenantId).ToDictionary(g => g.Name, g => g.Id);
        foreach (var (group, tag, kind, members) in plan)
        {
            if (!groups.TryGetValue(group, out var groupId))
            {
                groups[group] = groupId = (await tagDefinitions.CreateGroupAsync(tenantId, actor, new Tags.TagGroupInput(group, groups.Count))).Value!.Id;
            }
            var existing = tagCatalog.Groups(tenantId).FirstOrDefault(g => g.Id == groupId)?.Tags.FirstOrDefault(t => t.Name == tag);
            var tagId = existing?.Id ?? (await tagDefinitions.CreateTagAsync(tenantId, actor, new Tags.TagInput(groupId, tag, kind, null, null))).Value!.Id;
            var ids = members.Distinct().ToList();
            if (ids.Count > 0)
            {
                await tagWriter.ApplyAsync(tenantId, new Tags.TagChangeRequest(ids, [tagId], [], kind, actor, "演示数据"));
            }
        }

        // A rule tag and two saved audiences, so the engine has something to show on first start.
        await tagDefinitions.CreateTagAsync(tenantId, actor, new Tags.TagInput(groups["客户等级"], "高消费客户", Siyu.Core.Tags.TagSource.Rule, "#E53935",
            "累计消费满 3000 元自动打标", """
            {"version":1,"root":{"type":"behavior","event":"order.paid","window":{"all_time":true},"measure":"sum","property":"amount","op":"gte","value":3000}}
            """));
        await audiences.CreateAsync(tenantId, actor, new Audiences.AudienceInput("近90天母婴买家", "近 90 天买过母婴类商品", """
            {"version":1,"root":{"type":"behavior","event":"order.paid","where":[{"property":"category","op":"eq","value":"母婴"}],"window":{"last_days":90},"measure":"count","op":"gte","value":1}}
            """));
        await audiences.CreateAsync(tenantId, actor, new Audiences.AudienceInput("上海沉睡客户", "上海、买过东西，但 60 天没有下单", """
            {"version":1,"root":{"type":"all","children":[
              {"type":"attribute","name":"city","op":"eq","value":"上海"},
              {"type":"behavior","event":"order.paid","window":{"all_time":true},"measure":"count","op":"gte","value":1},
              {"type":"not","child":{"type":"behavior","event":"order.paid","window":{"last_days":60},"measure":"count","op":"gte","value":1}}]}}
            """));
    }

    /// <summary>A WeCom follow relation as the contact sync sees it.</summary>
    public sealed record SyncedContact(string ExternalUserId, string? UnionId, string? Name, int Gender, string StaffUserId, string? State, string? Remark, long CreateTime);

    /// <summary>Reads every staff member's customers from WeCom (here: the simulator) with the real API client.</summary>
    private async Task<List<SyncedContact>> SyncContactsAsync(Uri wecom, CancellationToken cancellationToken)
    {
        var http = httpClients.CreateClient(WeComApiClientFactory.HttpClientName);
        http.BaseAddress = wecom;
        var client = new WeComApiClient(http, new WeComCredentials(SimulatorOptions.DefaultCorpId, SimulatorOptions.DefaultSecret), new WeComTokenCache(time));
        var staff = await client.GetFollowUserListAsync(cancellationToken);
        var contacts = new List<SyncedContact>();
        foreach (var chunk in staff.Chunk(100))
        {
            string? cursor = null;
            do
            {
                var page = await client.BatchGetByUserAsync(chunk, cursor, 100, cancellationToken);
                contacts.AddRange(page.ExternalContactList.Select(c => new SyncedContact(
                    c.ExternalContact.ExternalUserId, c.ExternalContact.UnionId, c.ExternalContact.Name, c.ExternalContact.Gender,
                    c.FollowInfo.UserId, c.FollowInfo.State, c.FollowInfo.Remark, c.FollowInfo.CreateTime)));
                cursor = string.IsNullOrEmpty(page.NextCursor) ? null : page.NextCursor;
            }
            while (cursor is not null);
        }
        return contacts;
    }

    /// <summary>Demo behaviour for synced WeCom contacts: the add itself, then orders, page views and messages.</summary>
    public static List<IncomingEvent> FromContacts(IReadOnlyList<SyncedContact> contacts, DateTimeOffset now)
    {
        var random = new Random(20261125);
        var list = new List<IncomingEvent>();
        var c = 0;
        foreach (var contact in contacts)
        {
            var added = contact.CreateTime > 0 ? DateTimeOffset.FromUnixTimeSeconds(contact.CreateTime) : now.AddDays(-random.Next(5, 400));
            var ids = new List<(IdentifierType, string)> { (IdentifierType.ExternalUserId, contact.ExternalUserId) };
            if (!string.IsNullOrEmpty(contact.UnionId))
            {
                ids.Add((IdentifierType.UnionId, contact.UnionId));
            }
            // The add itself came in through the WeCom sync; this fills in what a CRM would know besides.
            list.Add(Event($"demo:sync:{contact.ExternalUserId}:{contact.StaffUserId}", EventTypes.ProfileUpdated, added, ids,
                new JsonObject { ["staff_userid"] = contact.StaffUserId, ["state"] = contact.State, ["remark"] = contact.Remark, ["source"] = "wecom_sync" },
                DemoAttributes(contact, random)));
            // The first order links a phone to the WeCom contact (One ID); later orders arrive by phone only.
            var phone = $"13{random.Next(0, 10)}{random.Next(10000000, 99999999)}";
            AddBehaviour(list, random, c++, contact.ExternalUserId, phone, added, now);
        }
        return list.Where(e => e.Timestamp <= now).ToList();
    }

    /// <summary>Demo customers without WeCom (simulator disabled): contacts with phones, orders, page views and messages.</summary>
    public static List<IncomingEvent> Generate(DateTimeOffset now, int customers)
    {
        var random = new Random(20261125);
        var list = new List<IncomingEvent>();
        for (var c = 0; c < customers; c++)
        {
            var name = Surnames[random.Next(Surnames.Length)] + Given[random.Next(Given.Length)];
            var externalId = $"wmDemo{c:D4}";
            var phone = $"13{random.Next(0, 10)}{random.Next(10000000, 99999999)}";
            var added = now.AddDays(-random.Next(5, 400)).AddMinutes(-random.Next(0, 1440));
            var staff = Staff[random.Next(Staff.Length)];
            var channel = Channels[random.Next(Channels.Length)];
            var ids = new List<(IdentifierType, string)> { (IdentifierType.ExternalUserId, externalId), (IdentifierType.Phone, phone) };
            list.Add(Event($"demo:{c}:added", EventTypes.CustomerAdded, added, ids,
                new JsonObject { ["staff_userid"] = staff, ["state"] = channel },
                new JsonObject
                {
                    ["name"] = name,
                    ["gender"] = random.Next(3) == 0 ? "男" : "女",
                    ["city"] = Cities[random.Next(Cities.Length)],
                    ["first_channel"] = channel,
                    ["birthday"] = $"{random.Next(1970, 2005)}-{random.Next(1, 13):D2}-{random.Next(1, 29):D2}",
                }));
            AddBehaviour(list, random, c, externalId, phone, added, now);
        }
        return list.Where(e => e.Timestamp <= now).ToList();
    }

    private static void AddBehaviour(List<IncomingEvent> list, Random random, int c, string externalId, string phone, DateTimeOffset added, DateTimeOffset now)
    {
        var orders = random.Next(0, 7);
        for (var o = 0; o < orders; o++)
        {
            var at = added.AddDays(random.Next(0, Math.Max(1, (int)(now - added).TotalDays)));
            var amount = Math.Round(49 + random.NextDouble() * 1200, 2);
            var category = Categories[random.Next(Categories.Length)];
            List<(IdentifierType, string)> orderIds = o == 0 ? [(IdentifierType.Phone, phone), (IdentifierType.ExternalUserId, externalId)] : [(IdentifierType.Phone, phone)];
            list.Add(Event($"demo:{c}:order:{o}", EventTypes.OrderPaid, at, orderIds,
                new JsonObject { ["order_id"] = $"T{c:D4}{o:D2}", ["amount"] = amount, ["category"] = category, ["platform"] = "youzan" }, null));
            if (random.Next(10) == 0)
            {
                list.Add(Event($"demo:{c}:refund:{o}", EventTypes.OrderRefunded, at.AddDays(2), [(IdentifierType.Phone, phone)],
                    new JsonObject { ["order_id"] = $"T{c:D4}{o:D2}", ["amount"] = amount, ["reason"] = "七天无理由" }, null));
            }
        }
        for (var v = random.Next(0, 5); v > 0; v--)
        {
            list.Add(Event($"demo:{c}:view:{v}", EventTypes.PageViewed, added.AddHours(random.Next(1, 2000)), [(IdentifierType.ExternalUserId, externalId)],
                new JsonObject { ["page"] = "/mall/item/" + random.Next(100, 999), ["title"] = Categories[random.Next(Categories.Length)] + "新品" }, null));
        }
        if (random.Next(2) == 0)
        {
            list.Add(Event($"demo:{c}:msg", EventTypes.MessageReceived, added.AddHours(random.Next(1, 200)), [(IdentifierType.ExternalUserId, externalId)],
                new JsonObject { ["text"] = "请问这个还有货吗？" }, null));
        }
    }

    private static IncomingEvent Event(string key, string type, DateTimeOffset at, List<(IdentifierType, string)> ids, JsonObject properties, JsonObject? attributes) =>
        new(key, type, at, ids, null, properties, attributes, "demo");

    [LoggerMessage(Level = LogLevel.Error, Message = "Seeding demo data failed")]
    private static partial void LogSeedFailed(ILogger logger, Exception e);

    [LoggerMessage(Level = LogLevel.Information, Message = "Seeded {Count} demo events into tenant {Tenant}")]
    private static partial void LogSeeded(ILogger logger, int count, string tenant);
}
