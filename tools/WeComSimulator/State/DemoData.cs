namespace Siyu.WeComSimulator.State;

/// <summary>
/// The demo corp: a retailer with head office and two stores, eight staff, two tag groups and
/// customers with remarks, tags and channel states. Everything derives from the seed, so the same
/// seed always gives the same corp (System.Random with a seed is stable across .NET versions).
/// </summary>
internal static class DemoData
{
    // Follow relations are dated from a fixed epoch, not from the clock, so the data is reproducible.
    private static readonly long Epoch = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.FromHours(8)).ToUnixTimeSeconds();

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

        corp.AddTagGroup("客户等级", ["普通", "VIP", "SVIP"], Epoch);
        corp.AddTagGroup("兴趣", ["母婴", "美妆", "运动"], Epoch);
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
                    CreateTime = Epoch + random.Next(0, 300 * 86400),
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
