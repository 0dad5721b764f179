using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Siyu.Bench.Load;

/// <summary>
/// What the load generator sends. An event is a pure function of the run id and its number, so a batch can be rebuilt
/// at the end and re-posted to prove it was stored (every event must come back a duplicate) without keeping bodies.
/// </summary>
public sealed class Workload
{
    private static readonly JsonWriterOptions Writer = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly string[] Categories = ["母婴", "美妆", "运动", "食品", "家居", "服饰"];
    private static readonly string[] Cities = ["上海", "北京", "杭州", "广州", "深圳", "成都", "武汉", "南京"];
    private static readonly string[] Surnames = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];
    private static readonly string[] Given = ["芳", "伟", "娜", "敏", "静", "磊", "洋", "婷", "强", "丽"];
    private static readonly string[] Messages =
    [
        "你好，请问这款面霜现在什么价格？", "我上周买的衣服尺码不对，想申请退款", "快递已经一周了还没到，怎么回事",
        "店庆活动什么时候开始？会员有额外折扣吗", "请问会员积分怎么兑换？", "有没有适合敏感肌的护肤品推荐",
        "双十一的满减还能用吗", "好的，那我考虑一下", "宝宝一岁半，奶粉换段需要注意什么", "门店几点关门？周末营业吗",
    ];

    public Workload(string runId)
    {
        RunId = runId;
        // Two digits of the run id keep phone numbers of different runs apart (11 digits: 15 + salt + 7).
        Salt = (int)(uint.Parse(runId[..4], System.Globalization.NumberStyles.HexNumber) % 100);
    }

    public string RunId { get; }
    public int Salt { get; }

    public string Phone(long k) => $"15{Salt:D2}{k % 10_000_000:D7}";
    public string PrefillPhone(long k) => $"16{Salt:D2}{k % 10_000_000:D7}";
    public static string SearchSurname(int i) => Surnames[i % Surnames.Length];

    private static ulong Hash(ulong x)
    {
        // splitmix64: a cheap, well-spread hash so event kinds and customers do not follow the sequence.
        x += 0x9E3779B97F4A7C15;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EB;
        return x ^ (x >> 31);
    }

    private static int Pick(ulong h, int shift, int n) => (int)((h >> shift) % (uint)n);

    /// <summary>
    /// The batch of events <paramref name="first"/> … first+count−1. Customers grow by about one per four events;
    /// page views carry only a device id, orders a phone and sometimes that device id too, so the anonymous visitor
    /// merges into the buyer (One ID), messages an external_userid beside the phone.
    /// </summary>
    public byte[] EventBatch(long first, int count) => EventBatches([(first, count)]);

    /// <summary>Several ranges in one request body (the verification re-posts up to 1,000 events at a time).</summary>
    public byte[] EventBatches(IEnumerable<(long First, int Count)> ranges)
    {
        var buffer = new ArrayBufferWriter<byte>(32 * 1024);
        using (var w = new Utf8JsonWriter(buffer, Writer))
        {
            w.WriteStartObject();
            w.WriteStartArray("events");
            foreach (var (first, count) in ranges)
            {
                for (var n = first; n < first + count; n++)
                {
                    WriteEvent(w, n);
                }
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private void WriteEvent(Utf8JsonWriter w, long n)
    {
        var h = Hash((ulong)n ^ ((ulong)Salt << 56));
        var population = 1000 + n / 4;
        var k = (long)(h % (ulong)population);
        var kind = Pick(h, 40, 100);
        w.WriteStartObject();
        w.WriteString("id", $"{RunId}-{n}");
        switch (kind)
        {
            case < 45:
                w.WriteString("type", "page.viewed");
                w.WriteStartObject("identifiers");
                w.WriteString("device_id", $"d-{RunId}-{k}");
                w.WriteEndObject();
                w.WriteStartObject("properties");
                w.WriteString("url", $"/products/{(h >> 8) % 500}");
                w.WriteString("title", $"{Categories[Pick(h, 20, Categories.Length)]}新品");
                w.WriteNumber("duration_ms", (long)((h >> 24) % 60_000));
                w.WriteEndObject();
                break;
            case < 65:
                w.WriteString("type", "order.paid");
                w.WriteStartObject("identifiers");
                w.WriteString("phone", Phone(k));
                if ((h >> 16) % 3 == 0)
                {
                    w.WriteString("device_id", $"d-{RunId}-{k}");
                }
                w.WriteEndObject();
                w.WriteStartObject("properties");
                w.WriteString("order_id", $"{RunId}-o{n}");
                w.WriteNumber("amount", Math.Round(9.9 + (h >> 12) % 50_000 / 100.0, 2));
                w.WriteString("category", Categories[Pick(h, 20, Categories.Length)]);
                w.WriteString("channel", "小程序");
                w.WriteEndObject();
                break;
            case < 90:
                w.WriteString("type", "message.received");
                w.WriteStartObject("identifiers");
                w.WriteString("external_userid", $"wm{RunId}{k:D8}");
                w.WriteString("phone", Phone(k));
                w.WriteEndObject();
                w.WriteStartObject("properties");
                w.WriteString("msgtype", "text");
                w.WriteString("content", Messages[Pick(h, 28, Messages.Length)]);
                w.WriteString("staff", $"staff{k % 20}");
                w.WriteEndObject();
                break;
            default:
                w.WriteString("type", "profile.updated");
                w.WriteStartObject("identifiers");
                w.WriteString("phone", Phone(k));
                w.WriteEndObject();
                w.WriteStartObject("attributes");
                w.WriteString("name", Surnames[Pick(h, 8, Surnames.Length)] + Given[Pick(h, 16, Given.Length)]);
                w.WriteString("city", Cities[Pick(h, 24, Cities.Length)]);
                w.WriteNumber("points_sum", (long)((h >> 32) % 100));
                w.WriteEndObject();
                break;
        }
        w.WriteEndObject();
    }

    /// <summary>Prefill for sizing: customer k gets a profile (name, city, phone, external_userid) and one order.</summary>
    public byte[] PrefillBatch(long firstCustomer, int customers)
    {
        var buffer = new ArrayBufferWriter<byte>(customers * 500);
        using (var w = new Utf8JsonWriter(buffer, Writer))
        {
            w.WriteStartObject();
            w.WriteStartArray("events");
            for (var k = firstCustomer; k < firstCustomer + customers; k++)
            {
                var h = Hash((ulong)k ^ 0xABCDEF);
                w.WriteStartObject();
                w.WriteString("id", $"{RunId}-p{k}");
                w.WriteString("type", "profile.updated");
                w.WriteStartObject("identifiers");
                w.WriteString("phone", PrefillPhone(k));
                w.WriteString("external_userid", $"wp{RunId}{k:D8}");
                w.WriteEndObject();
                w.WriteStartObject("attributes");
                w.WriteString("name", Surnames[Pick(h, 8, Surnames.Length)] + Given[Pick(h, 16, Given.Length)]);
                w.WriteString("city", Cities[Pick(h, 24, Cities.Length)]);
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteStartObject();
                w.WriteString("id", $"{RunId}-q{k}");
                w.WriteString("type", "order.paid");
                w.WriteStartObject("identifiers");
                w.WriteString("phone", PrefillPhone(k));
                w.WriteEndObject();
                w.WriteStartObject("properties");
                w.WriteString("order_id", $"{RunId}-po{k}");
                w.WriteNumber("amount", Math.Round(9.9 + (h >> 12) % 50_000 / 100.0, 2));
                w.WriteString("category", Categories[Pick(h, 20, Categories.Length)]);
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A random condition tree, up to three levels of all/any/not, over tags, attributes and behaviour windows.</summary>
    public static JsonObject AudienceQuery(Random random, IReadOnlyList<long> tagIds) =>
        new() { ["condition"] = new JsonObject { ["version"] = 1, ["root"] = Group(random, tagIds, 0) } };

    private static JsonObject Group(Random random, IReadOnlyList<long> tagIds, int depth)
    {
        var children = new JsonArray();
        var n = random.Next(2, 4);
        for (var i = 0; i < n; i++)
        {
            var child = depth < 2 && random.Next(3) == 0 ? Group(random, tagIds, depth + 1) : Leaf(random, tagIds);
            children.Add(random.Next(5) == 0 ? new JsonObject { ["type"] = "not", ["child"] = child } : child);
        }
        return new JsonObject { ["type"] = random.Next(2) == 0 ? "all" : "any", ["children"] = children };
    }

    private static JsonObject Leaf(Random random, IReadOnlyList<long> tagIds)
    {
        switch (random.Next(tagIds.Count >= 2 ? 6 : 5))
        {
            case 0:
                return new JsonObject
                {
                    ["type"] = "attribute", ["name"] = "city", ["op"] = "in",
                    ["values"] = new JsonArray(Cities[random.Next(Cities.Length)], Cities[random.Next(Cities.Length)]),
                };
            case 1:
                return new JsonObject
                {
                    ["type"] = "behavior", ["event"] = "order.paid",
                    ["where"] = new JsonArray(new JsonObject { ["property"] = "category", ["op"] = "eq", ["value"] = Categories[random.Next(Categories.Length)] }),
                    ["window"] = new JsonObject { ["last_days"] = 30 }, ["measure"] = "sum", ["property"] = "amount", ["op"] = "gte", ["value"] = random.Next(50, 500),
                };
            case 2:
                return new JsonObject
                {
                    ["type"] = "behavior", ["event"] = "page.viewed", ["window"] = new JsonObject { ["last_days"] = 7 },
                    ["measure"] = "count", ["op"] = "gte", ["value"] = random.Next(1, 4),
                };
            case 3:
                return new JsonObject
                {
                    ["type"] = "behavior", ["event"] = "message.received", ["window"] = new JsonObject { ["all_time"] = true },
                    ["measure"] = "count", ["op"] = "gte", ["value"] = 1,
                };
            case 4:
                return new JsonObject { ["type"] = "attribute", ["name"] = "name", ["op"] = "is_set" };
            default:
                var a = tagIds[random.Next(tagIds.Count)];
                var b = tagIds[random.Next(tagIds.Count)];
                return new JsonObject
                {
                    ["type"] = "tags", ["op"] = random.Next(3) switch { 0 => "has_any", 1 => "has_all", _ => "has_none" },
                    ["tag_ids"] = a == b ? new JsonArray(a) : new JsonArray(a, b),
                };
        }
    }
}
