using System.Globalization;
using System.Text.Json.Nodes;

namespace Siyu.WeComSimulator.State;

/// <summary>
/// Session archive (会话内容存档): chats between staff and their customers, as an SDK sidecar sees them after
/// GetChatData and DecryptData (seq, msgid, publickey_ver and the decrypted message JSON). The encrypted fields are
/// left out: the real ones need WeCom's proprietary SDK, and Siyu's RSA step is tested with keys made in the tests.
/// </summary>
public sealed partial class SimulatedCorp
{
    private List<JsonObject>? _archive;

    private static readonly string[][] Chats =
    [
        ["c:你好，请问这款面霜现在什么价格？", "s:您好！这款面霜现在活动价是299元，比平时便宜了50元哦。", "c:价格还能再优惠一点吗？", "s:现在下单还送同系列小样，已经是最低价格啦。", "c:好的，那我考虑一下"],
        ["c:我上周买的衣服尺码不对，想申请退款", "s:抱歉给您添麻烦了，请把订单号发我一下，我帮您处理退款。", "c:订单号是 20250301-8812", "s:已经帮您提交退款申请，预计3个工作日到账。", "c:谢谢！"],
        ["c:快递已经一周了还没到，我要投诉", "s:非常抱歉！我马上帮您查一下物流。", "s:已联系快递公司加急派送，明天之内送达。", "c:再不到我就去投诉平台了", "s:理解您的心情，明天如果没收到请直接联系我，我来跟进。"],
        ["s:亲，店庆活动明天开始，全场八折，您之前看的那款包包也参加哦", "c:真的吗？那个包现在什么价格", "s:活动价是1280元，还可以叠加优惠券", "c:好的，我明天下单"],
        ["c:请问会员积分怎么兑换？", "s:在小程序「我的」→「积分商城」里就可以兑换啦", "c:找到了，谢谢", "s:不客气，有问题随时找我～"],
        ["c:收到的杯子有裂痕，可以退款吗", "s:非常抱歉，请拍一张照片给我", "i:", "s:收到，已为您安排退款，杯子不用寄回了", "c:服务真好，谢谢"],
        ["s:您好，这是我们新品的介绍，您看看感不感兴趣", "l:", "c:这个价格有点贵", "s:新品首发有九折优惠，另外还有赠品"],
        ["c:上次的售后问题一直没人处理，我要投诉你们", "s:非常抱歉让您久等了，我现在就跟进，您的问题是？", "c:退款申请提交十天了还没到账", "s:已经帮您催财务加急，今天内到账，再次抱歉", "r:", "s:今天内一定到账，请您放心"],
        ["c:有没有适合敏感肌的护肤品推荐", "s:推荐这款舒缓修护系列，很多敏感肌顾客反馈很好", "f:", "c:好的我看看说明书", "v:"],
        ["c:双十一会有活动吗", "s:会的，双十一当天全场满300减50", "c:那我等双十一再买", "m:"],
        // For quality inspection (质检): 'S' is a staff reply three days later (late whatever the hours), with a forbidden phrase.
        ["c:我的订单为什么还没发货？太失望了", "S:物流的事不归我管，你自己看物流信息吧", "c:这什么服务态度"],
    ];

    /// <summary>Archive records with seq greater than <paramref name="seq"/>, at most <paramref name="limit"/>, as GetChatData pages them.</summary>
    public IReadOnlyList<JsonObject> ArchiveSince(long seq, int limit)
    {
        lock (_lock)
        {
            _archive ??= BuildArchive();
            return [.. _archive.Where(r => r["seq"]!.GetValue<long>() > seq).Take(Math.Clamp(limit, 1, 1000)).Select(r => (JsonObject)r.DeepClone())];
        }
    }

    private List<JsonObject> BuildArchive()
    {
        var random = new Random(_options.Seed ^ 0xA2C1);
        var records = new List<JsonObject>();
        var start = _time.GetUtcNow().AddDays(-30).ToUnixTimeMilliseconds();
        long seq = 0;
        var chat = 0;
        foreach (var follow in _follows)
        {
            var lines = Chats[chat++ % Chats.Length];
            var at = start + random.NextInt64(0, 25L * 86_400_000);
            string? lastStaffMsg = null;
            foreach (var line in lines)
            {
                at += random.Next(20_000, 600_000);
                var kind = line[0];
                if (kind == 'S')
                {
                    at += 3 * 86_400_000L;
                }
                var fromCustomer = kind == 'c';
                var msgid = $"{seq + 1}_{at}_{follow.UserId}";
                var message = new JsonObject
                {
                    ["msgid"] = msgid,
                    ["action"] = kind == 'r' ? "recall" : "send",
                    ["from"] = fromCustomer ? follow.ExternalUserId : follow.UserId,
                    ["tolist"] = new JsonArray(fromCustomer ? follow.UserId : follow.ExternalUserId),
                    ["roomid"] = "",
                    ["msgtime"] = at,
                };
                switch (kind)
                {
                    case 'c' or 's' or 'S':
                        message["msgtype"] = "text";
                        message["text"] = new JsonObject { ["content"] = line[2..] };
                        break;
                    case 'i':
                        message["msgtype"] = "image";
                        message["image"] = new JsonObject { ["md5sum"] = "50de8e5ae8ffe4f1df7a93841f71993a", ["filesize"] = 70961, ["sdkfileid"] = "sim-image-" + msgid };
                        message["from"] = follow.ExternalUserId;
                        message["tolist"] = new JsonArray(follow.UserId);
                        break;
                    case 'l':
                        message["msgtype"] = "link";
                        message["link"] = new JsonObject { ["title"] = "新品上市：春季焕新系列", ["description"] = "限时九折，价格透明，点击查看详情", ["link_url"] = "https://siyu-demo.example/new", ["image_url"] = "https://siyu-demo.example/new.png" };
                        break;
                    case 'f':
                        message["msgtype"] = "file";
                        message["file"] = new JsonObject { ["md5sum"] = "8d7e5a1f0c", ["filename"] = "舒缓修护系列说明书.pdf", ["fileext"] = "pdf", ["filesize"] = 182044, ["sdkfileid"] = "sim-file-" + msgid };
                        break;
                    case 'v':
                        message["msgtype"] = "voice";
                        message["voice"] = new JsonObject { ["md5sum"] = "9a1b2c", ["voice_size"] = 4200, ["play_length"] = 6, ["sdkfileid"] = "sim-voice-" + msgid };
                        message["from"] = follow.ExternalUserId;
                        message["tolist"] = new JsonArray(follow.UserId);
                        break;
                    case 'm':
                        message["msgtype"] = "mixed";
                        message["mixed"] = new JsonObject
                        {
                            ["item"] = new JsonArray(
                                new JsonObject { ["type"] = "text", ["content"] = "{\"content\":\"双十一活动海报，欢迎提前收藏\"}" },
                                new JsonObject { ["type"] = "image", ["content"] = "{\"md5sum\":\"ab12\",\"filesize\":1024,\"sdkfileid\":\"sim-mixed\"}" }),
                        };
                        break;
                    case 'r' when lastStaffMsg is not null:
                        message["msgtype"] = "revoke";
                        message["revoke"] = new JsonObject { ["pre_msgid"] = lastStaffMsg };
                        break;
                    default:
                        continue;
                }
                if (kind is 's' or 'S')
                {
                    lastStaffMsg = msgid;
                }
                seq++;
                records.Add(new JsonObject { ["seq"] = seq, ["msgid"] = msgid, ["publickey_ver"] = 1, ["message"] = message });
            }
            if (chat % 7 == 0)
            {
                // Customers consent to archiving (agree) in some chats, as WeCom records it.
                seq++;
                var msgid = $"{seq}_{at + 1000}_agree";
                records.Add(new JsonObject
                {
                    ["seq"] = seq, ["msgid"] = msgid, ["publickey_ver"] = 1,
                    ["message"] = new JsonObject
                    {
                        ["msgid"] = msgid, ["action"] = "send", ["from"] = follow.ExternalUserId, ["tolist"] = new JsonArray(follow.UserId), ["roomid"] = "",
                        ["msgtime"] = at + 1000, ["msgtype"] = "agree",
                        ["agree"] = new JsonObject { ["userid"] = follow.ExternalUserId, ["agree_time"] = (at + 1000).ToString(CultureInfo.InvariantCulture) },
                    },
                });
            }
        }
        // One conversation of today (90 minutes ago) in which a customer asks for a refund: a sensitive topic, so
        // the demo's handoff queue (转人工) has something in it. 刘洋's customer: their leader 陈静 is notified.
        // A customer only 刘洋 follows, so other staff's demo customers (mass-send walkthroughs) are not paused.
        if ((_follows.FirstOrDefault(f => f.UserId == "liuyang" && _follows.Count(g => g.ExternalUserId == f.ExternalUserId) == 1)
            ?? _follows.FirstOrDefault(f => f.UserId == "liuyang") ?? _follows.LastOrDefault()) is { } recent)
        {
            var at = _time.GetUtcNow().AddMinutes(-90).ToUnixTimeMilliseconds();
            foreach (var (fromCustomer, text) in new[] { (true, "孩子的网课效果很差，我要退费，不处理我就打12315投诉"), (false, "非常抱歉，我马上请主管联系您处理") })
            {
                seq++;
                at += 60_000;
                var msgid = $"{seq}_{at}_{recent.UserId}";
                records.Add(new JsonObject
                {
                    ["seq"] = seq, ["msgid"] = msgid, ["publickey_ver"] = 1,
                    ["message"] = new JsonObject
                    {
                        ["msgid"] = msgid, ["action"] = "send", ["from"] = fromCustomer ? recent.ExternalUserId : recent.UserId,
                        ["tolist"] = new JsonArray(fromCustomer ? recent.UserId : recent.ExternalUserId), ["roomid"] = "", ["msgtime"] = at,
                        ["msgtype"] = "text", ["text"] = new JsonObject { ["content"] = text },
                    },
                });
            }
        }
        return records;
    }
}
