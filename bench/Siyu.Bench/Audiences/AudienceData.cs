namespace Siyu.Bench.Audiences;

/// <summary>
/// Synthetic tenant for the audience benchmark, held column by column: customers with a city, gender and RFM score,
/// 50 tags of very different sizes, and events over 180 days. Deterministic for a given seed.
/// </summary>
public sealed class AudienceData
{
    public const int Days = 180;
    public const int TagCount = 50;
    public static readonly string[] Cities = ["上海", "北京", "杭州", "深圳", "成都", "南京", "广州", "武汉"];
    public static readonly string[] Categories = ["母婴", "美妆", "运动", "食品", "家居"];
    public static readonly string[] EventTypes = ["order.paid", "page.viewed", "campaign.joined", "message.received"];

    public int Customers { get; private init; }
    public byte[] City { get; private init; } = [];
    public byte[] Female { get; private init; } = [];
    public byte[] Rfm { get; private init; } = [];
    /// <summary>Members of each tag, ascending customer index. Tag k holds about 50% / 2^(k mod 10) of customers.</summary>
    public int[][] TagMembers { get; private init; } = [];

    public int EventCount { get; private init; }
    public int[] EventCustomer { get; private init; } = [];
    public byte[] EventType { get; private init; } = [];
    /// <summary>Day of the event, 0 = 179 days ago … 179 = today (tenant-local days).</summary>
    public byte[] EventDay { get; private init; } = [];
    /// <summary>Category index for orders, 255 otherwise.</summary>
    public byte[] EventCategory { get; private init; } = [];
    public float[] EventAmount { get; private init; } = [];

    public static AudienceData Generate(int customers, int events, int seed = 20261125)
    {
        var random = new Random(seed);
        var city = new byte[customers];
        var female = new byte[customers];
        var rfm = new byte[customers];
        for (var i = 0; i < customers; i++)
        {
            city[i] = (byte)random.Next(Cities.Length);
            female[i] = (byte)(random.Next(3) == 0 ? 0 : 1);
            rfm[i] = (byte)(1 + random.Next(5));
        }
        var tags = new int[TagCount][];
        for (var t = 0; t < TagCount; t++)
        {
            var probability = 0.5 / (1 << (t % 10));
            var members = new List<int>((int)(customers * probability * 1.1));
            for (var i = 0; i < customers; i++)
            {
                if (random.NextDouble() < probability)
                {
                    members.Add(i);
                }
            }
            tags[t] = [.. members];
        }
        var eventCustomer = new int[events];
        var eventType = new byte[events];
        var eventDay = new byte[events];
        var eventCategory = new byte[events];
        var eventAmount = new float[events];
        for (var e = 0; e < events; e++)
        {
            // Skewed activity: a few customers do much more than most.
            var u = random.NextDouble();
            eventCustomer[e] = (int)(customers * u * u);
            var kind = random.Next(100);
            eventType[e] = (byte)(kind < 20 ? 0 : kind < 80 ? 1 : kind < 85 ? 2 : 3);
            eventDay[e] = (byte)random.Next(Days);
            eventCategory[e] = eventType[e] == 0 ? (byte)random.Next(Categories.Length) : (byte)255;
            eventAmount[e] = eventType[e] == 0 ? 20 + (float)random.NextDouble() * 980 : 0;
        }
        return new AudienceData
        {
            Customers = customers, City = city, Female = female, Rfm = rfm, TagMembers = tags,
            EventCount = events, EventCustomer = eventCustomer, EventType = eventType, EventDay = eventDay,
            EventCategory = eventCategory, EventAmount = eventAmount,
        };
    }
}
