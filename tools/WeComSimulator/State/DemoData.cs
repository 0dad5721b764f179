namespace Siyu.WeComSimulator.State;

/// <summary>
/// The demo corp: a retailer with head office and two stores, eight staff, two tag groups and
/// customers with remarks, tags and channel states. Everything derives from the seed, so the same
/// seed always gives the same corp (System.Random with a seed is stable across .NET versions).
/// </summary>
internal static class DemoData
{
    /// <summary>
    /// Follow relations are dated from a fixed epoch, not from the clock, so the data is reproducible; a host that wants
    /// recent-looking data (the product's demo mode) sets <see cref="SimulatorOptions.DemoEpoch"/>.
    /// </summary>
    public static readonly long FixedEpoch = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.FromHours(8)).ToUnixTimeSeconds();

    private static readonly string[] Surnames =
        ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高"];

    private static readonly string[] GivenNames =
        ["芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "艳", "勇", "杰", "娟", "涛", "明", "超", "秀兰", "霞", "平",
         "刚", "桂英", "婷", "雪", "欣怡", "子涵", "浩然", "雨萱", "梓轩", "思琪"];

    private static readonly string[] RemarkSuffixes = ["宝妈", "白领", "学生", "老客", "团购", "会员"];

    private static readonly string[] Descriptions =
        ["偏好母婴用品", "关注护肤新品", "周末常到店", "喜欢运动装备", "价格敏感，关注折扣", "生日在下半年", "老客转介绍"];

    private static readonly string[] Channels = ["", "", "store_sh01", "store_hz01", "live_0618", "poster_double11"];

    // add_way: 1 QR code, 2 phone search, 3 card share, 201 shared by an admin.
    private static readonly int[] AddWays = [1, 1, 1, 2, 3, 201];

    public static void SeedStructure(SimulatedCorp corp)
    {
        corp.AddDepartment(new SimDepartment { Id = 1, Name = "思域演示商户", NameEn = "Siyu Demo", ParentId = 0, Order = 100000000 });
        corp.AddDepartment(new SimDepartment { Id = 2, Name = "上海旗舰店", NameEn = "Shanghai Flagship", ParentId = 1, Order = 99999000 });
        corp.AddDepartment(new SimDepartment { Id = 3, Name = "杭州西湖店", NameEn = "Hangzhou West Lake", ParentId = 1, Order = 99998000 });

        (string UserId, string Name, long Dept, string Position, string Gender, bool Leader)[] staff =
        [
            ("zhaolei", "赵磊", 1, "客服主管", "1", true),
            ("huangting", "黄婷", 1, "客服", "2", false),
            ("lihua", "李华", 2, "店长", "1", true),
            ("zhangmin", "张敏", 2, "导购", "2", false),
            ("wangfang", "王芳", 2, "导购", "2", false),
            ("chenjing", "陈静", 3, "店长", "2", true),
            ("liuyang", "刘洋", 3, "导购", "1", false),
            ("yangli", "杨丽", 3, "导购", "2", false),
        ];

        for (var i = 0; i < staff.Length; i++)
        {
            var s = staff[i];
            corp.AddUser(new SimUser
            {
                UserId = s.UserId,
                Name = s.Name,
                Departments = [s.Dept],
                Position = s.Position,
                Mobile = "1380013" + (8000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture),
                Gender = s.Gender,
                Email = s.UserId + "@siyu-demo.example",
                Alias = s.Name,
                IsLeader = s.Leader,
            });
        }

        corp.AddTagGroup("客户等级", ["普通", "VIP", "SVIP"], corp.DemoEpochSeconds);
        corp.AddTagGroup("兴趣", ["母婴", "美妆", "运动"], corp.DemoEpochSeconds);
    }

    private static readonly string[] GroupNames =
        ["VIP会员群", "母婴交流群", "美妆种草群", "运动打卡群", "新品尝鲜群", "福利秒杀群", "老客回馈群", "周末活动群"];

    private static readonly string[] Nicknames = ["", "", "", "小美", "阿强", "宝妈一枚", "运动达人", "老顾客"];

    /// <summary>
    /// Customer groups owned by the store staff, each with the owner, sometimes a colleague, and customers
    /// of the corp plus a few WeChat users who are nobody's customer (as in real groups).
    /// </summary>
    public static void SeedGroups(SimulatedCorp corp, Random random, int count)
    {
        var staff = corp.FollowUserIds();
        var customers = corp.ExternalUserIds;
        if (staff.Count == 0 || customers.Count == 0)
        {
            return;
        }

        for (var i = 0; i < count; i++)
        {
            var owner = staff[random.Next(staff.Count)];
            var createTime = corp.DemoEpochSeconds + random.Next(0, 200 * 86400);
            var group = new SimGroupChat
            {
                ChatId = SimulatedCorp.NewId("wr", 30, random),
                Name = corp.UserName(owner) + "的" + GroupNames[random.Next(GroupNames.Length)] + (i / GroupNames.Length + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
                Owner = owner,
                CreateTime = createTime,
                Notice = random.Next(2) == 0 ? "文明交流，禁止广告" : null,
                MemberVersion = SimulatedCorp.NewHex(32, random),
            };
            group.Members.Add(new SimGroupMember { UserId = owner, Type = 1, JoinTime = createTime, JoinScene = 1 });

            var colleague = staff[random.Next(staff.Count)];
            if (colleague != owner && random.Next(2) == 0)
            {
                group.Members.Add(new SimGroupMember { UserId = colleague, Type = 1, JoinTime = createTime + 60, JoinScene = 1, Invitor = owner });
                group.Admins.Add(colleague);
            }

            var size = random.Next(5, 26);
            foreach (var customer in customers.OrderBy(_ => random.Next()).Take(size))
            {
                var scene = 1 + random.Next(3);
                group.Members.Add(new SimGroupMember
                {
                    UserId = customer,
                    Type = 2,
                    JoinTime = createTime + random.Next(60, 30 * 86400),
                    JoinScene = scene,
                    Invitor = scene == 3 ? null : owner,
                    GroupNickname = Nicknames[random.Next(Nicknames.Length)] is { Length: > 0 } nick ? nick : null,
                });
            }

            for (var s = random.Next(0, 3); s > 0; s--)
            {
                group.Members.Add(new SimGroupMember
                {
                    UserId = SimulatedCorp.NewId("wm", 30, random),
                    Type = 2,
                    JoinTime = createTime + random.Next(60, 30 * 86400),
                    JoinScene = 3,
                    Name = Surnames[random.Next(Surnames.Length)] + GivenNames[random.Next(GivenNames.Length)],
                });
            }

            corp.AddGroupChat(group);
        }
    }

    public static void SeedCustomers(SimulatedCorp corp, Random random, int count)
    {
        var followers = corp.FollowUserIds();
        var levelTags = corp.TagIdsOfGroup("客户等级");
        var interestTags = corp.TagIdsOfGroup("兴趣");

        for (var i = 0; i < count; i++)
        {
            var name = Surnames[random.Next(Surnames.Length)] + GivenNames[random.Next(GivenNames.Length)];
            var contact = corp.CreateContact(name, gender: random.Next(3), withUnionId: random.Next(4) != 0);

            // One staff member usually; every fifth customer also follows a second one.
            var owners = new List<string> { followers[random.Next(followers.Count)] };
            if (random.Next(5) == 0)
            {
                var second = followers[random.Next(followers.Count)];
                if (second != owners[0])
                {
                    owners.Add(second);
                }
            }

            foreach (var owner in owners)
            {
                var state = Channels[random.Next(Channels.Length)];
                var follow = new SimFollow
                {
                    UserId = owner,
                    ExternalUserId = contact.ExternalUserId,
                    Remark = random.Next(3) == 0 ? null : name + "-" + RemarkSuffixes[random.Next(RemarkSuffixes.Length)],
                    Description = random.Next(2) == 0 ? null : Descriptions[random.Next(Descriptions.Length)],
                    CreateTime = corp.DemoEpochSeconds + random.Next(0, 300 * 86400),
                    State = state.Length == 0 ? null : state,
                    AddWay = AddWays[random.Next(AddWays.Length)],
                    OperUserId = contact.ExternalUserId,
                };

                // 普通 most often, SVIP rarely.
                var level = random.Next(10) switch { < 6 => 0, < 9 => 1, _ => 2 };
                follow.TagIds.Add(levelTags[level]);
                foreach (var interest in interestTags)
                {
                    if (random.Next(3) == 0)
                    {
                        follow.TagIds.Add(interest);
                    }
                }

                corp.AddFollow(follow);
            }
        }
    }
}
