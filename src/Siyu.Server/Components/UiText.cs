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
        ["dashboard.customers"] = ("客户总数", "Customers"),
        ["dashboard.events"] = ("事件总数", "Events"),
        ["dashboard.welcome"] = ("欢迎使用私域：客户数据、标签人群、企业微信运营与自动化一体化平台。", "Welcome to Siyu: customer data, audiences, WeCom operations and automation in one product."),
        ["lang"] = ("English", "中文"),
    };

    public bool IsChinese => CultureInfo.CurrentUICulture.Name.StartsWith("zh", StringComparison.Ordinal);

    public string this[string key] => Strings.TryGetValue(key, out var s) ? (IsChinese ? s.Zh : s.En) : key;

    public string Format(string key, params object[] args) => string.Format(CultureInfo.CurrentCulture, this[key], args);

    public string OtherCulture => IsChinese ? "en" : "zh-CN";

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
