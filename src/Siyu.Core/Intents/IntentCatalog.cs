namespace Siyu.Core.Intents;

/// <summary>One intent a customer message can carry: a stable code (used in event properties and conditions) and its names.</summary>
public sealed record IntentDefinition(string Code, string NameZh, string NameEn, bool BuiltIn = true);

/// <summary>
/// The built-in intents and their keyword rules. Keywords are precise phrases an operator would agree with on sight;
/// everything they miss goes to the model. When keywords of several intents occur, <see cref="Priority"/> decides:
/// the intent whose follow-up matters most (a complaint before a refund, a refund before a parcel question).
/// </summary>
public static class IntentCatalog
{
    public const string PriceInquiry = "price_inquiry";
    public const string PurchaseIntent = "purchase_intent";
    public const string AfterSales = "after_sales";
    public const string Logistics = "logistics";
    public const string Complaint = "complaint";
    public const string Unsubscribe = "unsubscribe";
    /// <summary>Greetings, thanks, chit-chat and anything the model is not confident about.</summary>
    public const string Other = "other";

    public static readonly IReadOnlyList<IntentDefinition> BuiltIn =
    [
        new(PriceInquiry, "咨询价格", "Price inquiry"),
        new(PurchaseIntent, "购买意向", "Purchase intent"),
        new(AfterSales, "售后", "After-sales"),
        new(Logistics, "物流查询", "Delivery status"),
        new(Complaint, "投诉", "Complaint"),
        new(Unsubscribe, "退订", "Unsubscribe"),
        new(Other, "其他", "Other"),
    ];

    /// <summary>Highest first; custom intents come after these, in the order they were defined.</summary>
    public static readonly IReadOnlyList<string> Priority = [Complaint, Unsubscribe, AfterSales, Logistics, PurchaseIntent, PriceInquiry];

    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> BuiltInKeywords = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        [Complaint] = ["投诉", "12315", "举报", "消协", "曝光你们", "骗子", "欺骗", "虚假宣传", "起诉", "差评", "态度恶劣"],
        [Unsubscribe] = ["退订", "取消订阅", "别再发", "不要再发", "请勿打扰", "别骚扰", "unsubscribe"],
        [AfterSales] = ["退货", "换货", "退款", "退费", "售后", "保修", "维修", "发错货", "质量问题", "破损"],
        [Logistics] = ["快递", "物流", "发货", "单号", "包裹", "签收", "顺丰"],
        [PurchaseIntent] = ["下单", "我要买", "我想买", "我要报名", "订购", "预定", "入手"],
        [PriceInquiry] = ["多少钱", "什么价", "价格", "报价", "收费", "优惠价", "折扣", "学费"],
    };

    public static IntentDefinition? Find(string code) => BuiltIn.FirstOrDefault(i => i.Code == code);

    /// <summary>Intent codes: lower-case ASCII letters, digits and underscores, starting with a letter, at most 40.</summary>
    public static bool IsValidCode(string? code) =>
        code is { Length: > 0 and <= 40 } && char.IsAsciiLetterLower(code[0]) && code.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_');
}
