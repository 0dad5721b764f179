using System.Globalization;

namespace Siyu.Server.Components;

/// <summary>Console strings, Chinese first. A key missing in English falls back to Chinese.</summary>
public sealed class UiText
{
    private static readonly Dictionary<string, (string Zh, string En)> Strings = new()
    {
        ["app.name"] = ("私域", "Siyu"),
        ["nav.dashboard"] = ("概览", "Overview"),
        ["nav.customers"] = ("客户", "Customers"),
        ["nav.tags"] = ("标签", "Tags"),
        ["nav.audiences"] = ("人群", "Audiences"),
        ["nav.journeys"] = ("旅程与SOP", "Journeys & SOPs"),
        ["nav.wecom"] = ("企业微信", "WeCom"),
        ["nav.conversations"] = ("会话", "Conversations"),
        ["nav.campaigns"] = ("活动", "Campaigns"),
        ["nav.analytics"] = ("分析", "Analytics"),
        ["nav.compliance"] = ("合规", "Compliance"),
        ["nav.settings"] = ("设置", "Settings"),
        ["nav.api"] = ("API 文档", "API reference"),
        ["nav.soon"] = ("即将推出", "coming soon"),
        ["login.title"] = ("登录私域", "Sign in to Siyu"),
        ["login.tenant"] = ("商户", "Tenant"),
        ["login.username"] = ("用户名", "User name"),
        ["login.password"] = ("密码", "Password"),
        ["login.submit"] = ("登录", "Sign in"),
        ["login.error"] = ("用户名或密码错误", "Wrong user name or password"),
        ["logout"] = ("退出", "Sign out"),
        ["customers.title"] = ("客户列表", "Customers"),
        ["customers.search"] = ("搜索姓名、手机号后四位或任意标识", "Search name, phone suffix or any identifier"),
        ["customers.total"] = ("共 {0} 位客户", "{0} customers"),
        ["customers.more"] = ("加载更多", "Load more"),
        ["customers.none"] = ("没有找到客户", "No customers found"),
        ["col.id"] = ("ID", "ID"),
        ["col.name"] = ("姓名", "Name"),
        ["col.orders"] = ("订单数", "Orders"),
        ["col.spend"] = ("净消费", "Net spend"),
        ["col.firstSeen"] = ("首次出现", "First seen"),
        ["col.lastSeen"] = ("最近活跃", "Last seen"),
        ["col.staff"] = ("跟进员工", "Staff"),
        ["customer.identifiers"] = ("身份标识", "Identifiers"),
        ["customer.attributes"] = ("属性", "Attributes"),
        ["customer.orders"] = ("订单", "Orders"),
        ["customer.timeline"] = ("时间线", "Timeline"),
        ["customer.merges"] = ("合并记录", "Merges"),
        ["customer.categories"] = ("品类消费", "Spend by category"),
        ["customer.edit"] = ("编辑属性", "Edit attributes"),
        ["customer.save"] = ("保存", "Save"),
        ["customer.cancel"] = ("取消", "Cancel"),
        ["customer.saved"] = ("已保存", "Saved"),
        ["customer.notFound"] = ("客户不存在", "Customer not found"),
        ["customer.spend"] = ("累计消费", "Total spend"),
        ["customer.refunded"] = ("退款", "Refunded"),
        ["customer.lastOrder"] = ("最近下单", "Last order"),
        ["customer.undo"] = ("撤销合并", "Undo merge"),
        ["customer.newAttribute"] = ("新属性名", "New attribute"),
        ["customer.newValue"] = ("值", "Value"),
        ["customer.orderList"] = ("订单明细", "Orders"),
        ["order.id"] = ("订单号", "Order"),
        ["order.paidAt"] = ("支付时间", "Paid at"),
        ["order.category"] = ("品类", "Category"),
        ["order.amount"] = ("实付", "Paid"),
        ["order.net"] = ("净额", "Net"),
        ["nav.merges"] = ("身份合并", "Identity merges"),
        ["merges.title"] = ("身份合并", "Identity merges"),
        ["merges.intro"] = ("两个都有企业微信或 unionid 强标识的客户不会被自动合并，需要管理员确认并填写原因（记入审计日志）。任何合并都可以撤销。",
            "Two customers that both have a strong identifier (WeCom external_userid or unionid) are never merged automatically: an admin confirms with a reason, which is audited. Any merge can be undone."),
        ["merges.conflicts"] = ("待确认的合并（{0}）", "Merges awaiting review ({0})"),
        ["merges.noConflicts"] = ("没有待确认的合并。", "Nothing awaits review."),
        ["merges.customerA"] = ("客户 A", "Customer A"),
        ["merges.customerB"] = ("客户 B", "Customer B"),
        ["merges.why"] = ("未自动合并原因", "Why not automatic"),
        ["merges.identifier"] = ("关联标识", "Linking identifier"),
        ["merges.bothStrong"] = ("双方均为强标识", "Both strongly identified"),
        ["merges.limit"] = ("超出标识数量上限", "Identifier limit exceeded"),
        ["merges.merge"] = ("合并", "Merge"),
        ["merges.confirm"] = ("确认合并", "Confirm merge"),
        ["merges.reasonHint"] = ("合并原因（必填）", "Reason (required)"),
        ["merges.mergeDone"] = ("已将 {0} 合并到 {1}", "Merged {0} into {1}"),
        ["merges.undoDone"] = ("已撤销，客户 {0} 已恢复", "Undone: customer {0} restored"),
        ["merges.none"] = ("还没有合并记录。", "No merges yet."),
        ["merges.survivor"] = ("保留客户", "Survivor"),
        ["merges.merged"] = ("被合并客户", "Merged"),
        ["merges.kind"] = ("方式", "How"),
        ["merges.manual"] = ("人工", "Manual"),
        ["merges.auto"] = ("自动", "Automatic"),
        ["merges.reason"] = ("原因", "Reason"),
        ["merges.at"] = ("时间", "When"),
        ["merges.undone"] = ("已撤销", "Undone"),
        ["dashboard.customers"] = ("客户总数", "Customers"),
        ["dashboard.events"] = ("事件总数", "Events"),
        ["dashboard.welcome"] = ("欢迎使用私域：客户数据、标签人群、企业微信运营与自动化一体化平台。", "Welcome to Siyu: customer data, audiences, WeCom operations and automation in one product."),
        ["lang"] = ("English", "中文"),
    };

    public bool IsChinese => CultureInfo.CurrentUICulture.Name.StartsWith("zh", StringComparison.Ordinal);

    public string this[string key] => Strings.TryGetValue(key, out var s) ? (IsChinese ? s.Zh : s.En) : key;

    public string Format(string key, params object[] args) => string.Format(CultureInfo.CurrentCulture, this[key], args);

    public string OtherCulture => IsChinese ? "en" : "zh-CN";

    /// <summary>Display names of the built-in attributes; custom attributes show their own (often Chinese) name.</summary>
    public static string AttributeName(string name, bool chinese) => !chinese ? name : name switch
    {
        "name" => "姓名",
        "gender" => "性别",
        "birthday" => "生日",
        "city" => "城市",
        "province" => "省份",
        "avatar" => "头像",
        "company" => "公司",
        "first_channel" => "首次渠道",
        "first_source" => "首次来源",
        "registered_at" => "注册时间",
        _ => name,
    };

    public static string EventName(string type, bool chinese) => !chinese ? type : type switch
    {
        "order.paid" => "支付订单",
        "order.refunded" => "订单退款",
        "page.viewed" => "浏览页面",
        "message.received" => "收到消息",
        "message.sent" => "发送消息",
        "customer.added" => "添加好友",
        "customer.deleted" => "删除好友",
        "group.joined" => "加入客户群",
        "coupon.redeemed" => "核销优惠券",
        "campaign.joined" => "参与活动",
        "profile.updated" => "资料更新",
        "customer.merged" => "身份合并",
        "customer.unmerged" => "撤销合并",
        _ => type,
    };
}
