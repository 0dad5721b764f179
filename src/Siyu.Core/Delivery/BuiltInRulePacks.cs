namespace Siyu.Core.Delivery;

/// <summary>
/// The built-in content rule packs, as data. Words are phrases, not single characters: 广告法 forbids 绝对化用语 such as
/// "最佳", but a rule on "最" alone would flag 最新, 最近 and 最后 in every message. Phrases that are often innocent
/// ("最好" as in "最好提前预约") route to a human (Review) instead of blocking. Each pack also carries allow-listed
/// phrases that contain a rule word but say the opposite (a risk disclosure "本产品不保本" must never be blocked).
/// </summary>
public static class BuiltInRulePacks
{
    /// <summary>广告法 第九条: absolute terms, false authority, state organs' names; applies to every industry.</summary>
    public static ReviewRulePack AdsLaw { get; } = new("ads_law", "广告法极限词",
    [
        new(["最佳", "最优", "最强", "最低价", "最便宜", "最先进", "最优秀", "最高级", "最高端", "最奢侈", "最正宗", "最权威",
             "最受欢迎", "最畅销", "最热销", "最赚钱", "销量最高", "销量冠军", "全网最低", "全网最低价", "史上最低价", "全网第一",
             "全国第一", "全球第一", "世界第一", "行业第一", "销量第一", "排名第一", "第一品牌", "领导品牌", "领袖品牌", "NO.1",
             "TOP1", "国家级", "世界级", "全球级", "宇宙级", "顶级", "极品", "终极", "至尊", "巅峰",
             "绝无仅有", "史无前例", "前无古人", "独一无二", "万能", "百分之百有效", "100%有效", "100%安全", "100%成功",
             "无与伦比", "空前绝后", "举世无双", "王者之选", "全网独家", "全球首发", "全国首发", "首家独创"],
            "ads_law", ReviewAction.Block, "绝对化用语，违反《广告法》第九条第三项"),
        new(["最好", "最大", "最高", "最低", "最新科技", "最先", "第一", "首选", "首个", "首家", "首款", "独家", "唯一",
             "绝对", "冠军", "王牌", "百分之百", "无敌", "神器", "极佳", "极致", "顶尖", "专供"],
            "ads_law", ReviewAction.Review, "疑似绝对化用语，请确认是否为事实陈述（《广告法》第九条）"),
        new(["国家机关推荐", "国务院推荐", "领导人推荐", "国家领导人", "政府推荐", "特供", "国家机关专供", "国宾", "人民大会堂指定",
             "驰名商标", "免检产品", "国家免检", "质量免检", "中央台推荐", "央视推荐"],
            "ads_law", ReviewAction.Block, "使用国家机关名义、特供专供或驰名商标等字样（《广告法》第九条第二项、《商标法》第十四条）"),
    ],
    ["最新", "最近", "最后", "最初", "最终", "最少", "最多", "最快", "第一次", "第一天", "第一步", "第一时间", "第一期", "第一节",
     "第一课", "第一单", "第一批", "第一名", "最大限度", "最大程度", "最高可", "最高省", "最高减",
     "最高返", "最低至"]);

    /// <summary>诱导分享 / 诱导关注: WeChat's external-link rules and WeCom's customer-contact rules punish these with bans.</summary>
    public static ReviewRulePack Inducement { get; } = new("inducement", "诱导分享",
    [
        new(["转发到朋友圈领", "转发朋友圈领", "分享到朋友圈领", "分享朋友圈领", "转发朋友圈即可", "分享朋友圈即可", "转发朋友圈送",
             "分享到朋友圈送", "转发领红包", "分享领红包", "分享得红包", "转发得红包", "转发抽奖", "分享抽奖", "集赞领取", "集赞送",
             "集满赞", "集赞即可", "砍一刀", "帮我砍一刀", "帮忙砍一刀", "助力砍价", "拉好友助力", "邀请好友助力", "分享到3个群",
             "分享到三个群", "转发到3个群", "转发到三个群", "转发到微信群", "分享到微信群", "转发后截图", "分享后截图",
             "截图发给客服领取", "转发即可领取", "分享即可领取", "不转不是中国人", "转发有好运", "必须转发", "诱导分享",
             "关注公众号领", "关注后领取", "点击领取红包", "领取现金红包", "现金红包免费领"],
            "inducement", ReviewAction.Block, "以奖励诱导分享、关注或助力，违反微信外部链接内容管理规范"),
        new(["点击领取", "免费领取", "领取红包", "领红包", "抢红包", "现金红包", "扫码领", "扫码送", "邀请好友", "好友助力", "助力领",
             "拼团免费", "0元购", "零元购", "免费送", "转发给好友", "分享给好友"],
            "inducement", ReviewAction.Review, "可能构成诱导分享或利益诱导，请人工确认"),
    ],
    []);

    /// <summary>
    /// 广告法 第十七条: outside medical/drug/device ads no disease-treatment claims or medical terms (retail goods).
    /// The exception is the notice health food must carry (本品不能代替药物治疗), which contains 治疗.
    /// </summary>
    public static ReviewRulePack MedicalClaims { get; } = new("medical", "医疗功效用语",
    [
        new(["根治", "治愈", "药到病除", "包治百病", "祖传秘方", "神医", "特效药", "抗癌", "防癌", "抗肿瘤", "降血压", "降血糖",
             "降血脂", "无副作用", "零副作用", "一次见效", "永不复发", "彻底根除", "立竿见影", "起死回生", "延年益寿", "壮阳",
             "补肾", "治疗失眠", "治疗脱发", "消炎杀菌", "排毒养颜", "清除宿便", "医学证明", "临床证明", "专家推荐", "医生推荐"],
            "medical", ReviewAction.Block, "普通商品宣称疾病治疗功能或使用医疗用语，违反《广告法》第十七条"),
        new(["治疗", "疗效", "消炎", "排毒", "减肥", "瘦身", "增强免疫力", "提高免疫力", "美白", "祛斑", "生发", "纯天然",
             "纯中药", "药用", "处方"],
            "medical", ReviewAction.Review, "涉及功效宣称，需确认产品资质（特殊化妆品、保健食品须有批准文号）"),
    ],
    ["不能代替药物治疗", "不能替代药物治疗"]);

    /// <summary>广告法 第二十四条: education and training ads may not guarantee results or use examiners' names.</summary>
    public static ReviewRulePack Education { get; } = new("education", "教育培训",
    [
        new(["保过", "包过", "保证通过", "通过率100%", "100%通过", "不过退款", "不过全额退款", "不过退费", "保证升学", "保录取",
             "包录取", "保证录取", "稳上名校", "包上名校", "包拿证", "保证拿证", "包拿学位", "保证提分", "提分保障", "保分",
             "必过", "包毕业", "包就业", "保就业", "包分配", "保证就业", "稳过"],
            "education", ReviewAction.Block, "对升学、考试通过或培训效果作保证性承诺，违反《广告法》第二十四条第一项"),
        new(["押题", "押中原题", "命题专家", "命题老师", "命题组专家", "考官亲授", "阅卷老师", "阅卷组", "考前密卷", "内部密卷",
             "真题泄露", "考试内部资料", "考试院专家"],
            "education", ReviewAction.Block, "明示或暗示考试机构、命题人员参与，违反《广告法》第二十四条第二项"),
        new(["提分", "快速提分", "特级教师", "清北学霸", "高考状元", "状元", "通过率", "升学率", "超前教学", "学科类培训",
             "小升初", "奥数", "全科辅导"],
            "education", ReviewAction.Review, "涉及培训效果或学科类培训（“双减”），请人工确认"),
    ],
    ["不保证通过", "无法保证通过"]);

    /// <summary>Finance: promises of principal or returns (资管新规 打破刚性兑付, 广告法 第二十五条), insider tips, illegal finance.</summary>
    public static ReviewRulePack Finance { get; } = new("finance", "金融理财",
    [
        new(["保本", "保息", "保本保息", "保收益", "保证收益", "收益承诺", "承诺收益", "保证本金", "本金无忧", "本息无忧",
             "本息保障", "保本保收益", "刚性兑付", "刚兑", "稳赚", "稳赚不赔", "包赚", "只赚不赔", "稳赢", "零风险", "无风险",
             "高收益无风险", "低风险高收益", "年化收益保证", "保证年化", "保底收益", "固定收益保证", "收益有保障", "100%收益",
             "绝对安全", "国家担保", "政府担保", "亏损赔付", "亏了算我的", "不赚不要钱", "躺赚", "必涨", "必赚", "稳涨",
             "只涨不跌", "保值增值", "确保本金", "收益稳定有保障", "到期保本", "本金安全有保障"],
            "finance", ReviewAction.Block, "承诺保本保收益，违反《广告法》第二十五条及资管新规"),
        new(["内幕消息", "内幕交易", "内部消息", "庄家消息", "主力内幕", "涨停板预测", "必涨股", "牛股推荐", "荐股", "带单", "喊单",
             "代客理财", "代客操盘", "配资", "资金盘", "拉人头", "原始股", "刷单返利", "返利投资", "信用卡套现", "套现", "校园贷",
             "无视征信", "黑户可贷", "不查征信", "虚拟币投资", "数字货币投资", "区块链理财"],
            "finance", ReviewAction.Block, "内幕信息、荐股带单或非法金融活动，违反《证券法》及金融监管规定"),
        new(["翻倍", "高收益", "高回报", "收益翻番", "暴利", "暴富", "一夜暴富", "财务自由", "躺着赚钱", "日赚", "月入过万",
             "年化收益", "预期收益", "收益率高达", "超高收益", "最高收益", "理财收益", "稳健收益", "低息贷款", "秒批秒到",
             "当天放款"],
            "finance", ReviewAction.Review, "收益或贷款相关表述，须附风险提示并经合规复核"),
    ],
    ["不保本", "非保本", "不承诺保本", "不保证收益", "不承诺收益", "不保证本金", "不保本不保息", "并非无风险", "不是无风险",
     "无风险利率", "不存在无风险", "确保本", "环保本", "带单号"]);

    /// <summary>
    /// 零售促销: absolute price claims (广告法 第九条第三项 applies to prices too: 最低价, 全网最低) block; fictitious
    /// originals, clearance and urgency are 价格欺诈 only when untrue (价格法 第十四条, 明码标价和禁止价格欺诈规定), so
    /// they go to a reviewer. Not selected by any industry by default (retail tenants keep today's packs); a tenant
    /// switches it on in the console.
    /// </summary>
    public static ReviewRulePack Retail { get; } = new("retail", "零售促销",
    [
        new(["最低价", "全网最低", "全网最低价", "史上最低", "史上最低价", "全国最低价", "最便宜", "全网最便宜", "价格最低", "全网底价",
             "最低折扣", "全网最优价", "底价之王", "价格全网第一"],
            "retail", ReviewAction.Block, "价格绝对化用语，违反《广告法》第九条第三项"),
        new(["清仓", "清仓价", "跳楼价", "亏本甩卖", "亏本清仓", "血亏", "甩卖", "原价", "划线价", "吊牌价", "出厂价", "厂家直销",
             "成本价", "限时抢购", "仅限今天", "最后一天", "错过再等一年", "秒杀价", "今日特价", "全场一折"],
            "retail", ReviewAction.Review, "价格或促销表述须真实可查：虚构原价、虚假清仓或制造紧迫属价格欺诈（《价格法》第十四条、《明码标价和禁止价格欺诈规定》），请人工确认"),
    ],
    ["非最低价", "不承诺最低价"]);

    /// <summary>Every built-in pack.</summary>
    public static IReadOnlyList<ReviewRulePack> All { get; } = [AdsLaw, Inducement, MedicalClaims, Education, Finance, Retail];

    /// <summary>
    /// The packs for an industry: advertising law and inducement apply to everyone; retail adds medical claims,
    /// education the 第二十四条 pack, finance the finance pack. These are the defaults; a tenant can switch any built-in
    /// pack on or off (<see cref="ReviewPackSelection"/>).
    /// </summary>
    public static IReadOnlyList<ReviewRulePack> For(Industry industry) => industry switch
    {
        Industry.Retail => [AdsLaw, Inducement, MedicalClaims],
        Industry.Education => [AdsLaw, Inducement, Education],
        Industry.Finance => [AdsLaw, Inducement, Finance],
        _ => [AdsLaw, Inducement],
    };
}
