using System.Text;

namespace Siyu.Bench.Text;

/// <summary>
/// Deterministic stand-ins for a sensitive-word list and a chat archive: words of 2–6 common characters (and some
/// English), and chat-like lines over the same characters with Chinese punctuation, Latin words, digits and emoji.
/// Both draw from the same characters, so the automaton is never idle on a character no pattern uses — the hard case.
/// </summary>
internal static class TextCorpus
{
    // About 900 of the most frequent characters in modern Chinese, roughly by frequency.
    private const string Common =
        "的一是不了人我在有他这为之大来以个中上们到说国和地也子时道出而要于就下得可你年生自会那后能对着事其里所去行过家十用发天如然作方成者多日都三小军二无同么经法当起与好看学进种将还分此心前面又定见只主没公从知使两样很把" +
        "些文现它己己外意问力关如点正已提已回想第走间被情体全最老打被开常给还意应高长期已但理本新实加意动此头感部电机重比无事已物所次做结新明者点走政位别力数路反通战反门果合直白信即少物色口样位候平话表安件全名其把" +
        "西相望手真美万活立内制像通因原候工思该气解运总再候取果已求路教记受完题四交议系美东何更感光利各区量五变先女解员带几样各山权热海认统条性少代强产车较北南任受问见达转组候指身改办必且员局入世资任报队深走传" +
        "病准流品难影写区级复书价世况术离声形满育飞基示研约收太却服观单流社确落式选何快接商亲台联团格断往百眼空儿据死线需类决放准清保石究观王则持满拿钱领支米论济务片色金且须低命酒包华院父听般请试改风众技团越候" +
        "送火整存费该买卖货店客户订单优惠活动微信群聊天消息红包朋友圈转发点赞评论私聊加好友扫码关注视频直播主播粉丝会员积分福利抽奖奖品秒杀团购拼单砍价返现折扣包邮售后退款退货换货物流快递签收地址电话号码" +
        "老师学生课程报名考试成绩作业家长孩子宝宝妈妈爸爸老公老婆亲爱哈嘿嗯哦啊呀吧呢吗嘛啦哇喔咯嗨早晚安谢谢不客气没问题好的收到明白了辛苦麻烦稍等马上今天明天昨天周末上午下午晚上中午时间地方见面吃饭喝茶咖啡";

    private static readonly string[] English =
        ["vip", "ok", "app", "wifi", "free", "sale", "shop", "link", "code", "pay", "cash", "bonus", "deal", "gift", "top", "new", "hot", "win"];

    private static readonly string[] Punctuation = ["，", "，", "，", "。", "。", "！", "？", "～", "、", " ", "…", "：", "😀", "👍", "🙏"];

    private static readonly char[] Characters = Common.Distinct().ToArray();

    /// <summary><paramref name="count"/> distinct words: 2–6 common characters, one in twenty an English word plus a character or digit.</summary>
    public static List<string> Patterns(int count, int seed = 42)
    {
        var random = new Random(seed);
        var words = new HashSet<string>(StringComparer.Ordinal);
        var sb = new StringBuilder();
        while (words.Count < count)
        {
            sb.Clear();
            if (random.Next(20) == 0)
            {
                sb.Append(English[random.Next(English.Length)]);
                sb.Append(random.Next(2) == 0 ? Pick(random) : (char)('0' + random.Next(10)));
            }
            else
            {
                // Frequent characters more often, as in real words (the square skews towards the front of the list).
                for (var n = random.Next(2, 7); n > 0; n--)
                {
                    sb.Append(Pick(random));
                }
            }
            words.Add(sb.ToString());
        }
        return [.. words];
    }

    /// <summary>About <paramref name="chars"/> characters of chat lines (one pattern word planted per line in ten, on top of chance matches).</summary>
    public static string Chat(int chars, IReadOnlyList<string> plant, int seed = 7)
    {
        var random = new Random(seed);
        var sb = new StringBuilder(chars + 64);
        while (sb.Length < chars)
        {
            var words = random.Next(3, 12);
            for (var w = 0; w < words; w++)
            {
                var r = random.Next(100);
                if (r < 4)
                {
                    sb.Append(English[random.Next(English.Length)]);
                }
                else if (r < 6)
                {
                    sb.Append(random.Next(1000));
                }
                else
                {
                    for (var n = random.Next(1, 4); n > 0; n--)
                    {
                        sb.Append(Pick(random));
                    }
                }
                if (random.Next(4) == 0)
                {
                    sb.Append(Punctuation[random.Next(Punctuation.Length)]);
                }
            }
            if (random.Next(10) == 0)
            {
                sb.Append(plant[random.Next(plant.Count)]);
            }
            sb.Append(random.Next(3) == 0 ? "！\n" : "。\n");
        }
        return sb.ToString(0, chars);
    }

    private static char Pick(Random random)
    {
        var x = random.NextDouble();
        return Characters[(int)(x * x * Characters.Length)];
    }
}
