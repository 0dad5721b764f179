using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Siyu.Server.Tests.Sidebar;

/// <summary>
/// The staff sidebar against a real server and the WeCom simulator over HTTP: WeCom OAuth signs the linked console user
/// in, JS-SDK signatures check out against the simulator's tickets, and the customer view resolves the chat's
/// external_userid within the staff member's scope and recommends scripts by the customer's intent and tags.
/// </summary>
public sealed class SidebarTests : IAsyncLifetime
{
    private const string Password = "sidebar-密码-123";
    private readonly string _data = Path.Combine(Path.GetTempPath(), "siyu-tests", Guid.NewGuid().ToString("N"));
    private ServerProcess _server = null!;
    private HttpClient _admin = null!;
    private HttpClient _api = null!;
    private HttpClient _sim = null!;

    public async Task InitializeAsync()
    {
        _server = await ServerProcess.StartAsync(_data, demo: true);
        _admin = await _server.AdminClientAsync();
        _api = _server.ApiClient();
        _sim = await ServerProcess.SimulatorClientAsync(_admin);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        try
        {
            Directory.Delete(_data, true);
        }
        catch (IOException)
        {
        }
    }

    private HttpClient Browser(string? userAgent = null)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(_server.BaseUrl) };
        if (userAgent is not null)
        {
            client.DefaultRequestHeaders.UserAgent.ParseAdd(userAgent);
        }
        return client;
    }

    private async Task CreateUserAsync(string name, string role, string staff)
    {
        var response = await _admin.PostAsJsonAsync("/api/v1/users", new { user_name = name, password = Password, role, data_scope = "own", staff_user_id = staff });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    private async Task<HttpClient> SignInAsync(string name)
    {
        var client = Browser();
        var login = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["tenant"] = "demo", ["username"] = name, ["password"] = Password, ["returnUrl"] = "/" }));
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        return client;
    }

    [Fact]
    public async Task Inside_WeCom_OAuth_signs_in_the_console_user_linked_to_the_member()
    {
        await CreateUserAsync("s-zhangmin", "staff", "zhangmin");
        var browser = Browser("Mozilla/5.0 (iPhone) wxwork/4.1.22 MicroMessenger/7.0.1");

        // 1. The toolbar URL sends the WeCom client to WeCom's OAuth page for this corp and app.
        var open = await browser.GetAsync("/sidebar/open?tenant=demo");
        Assert.Equal(HttpStatusCode.Redirect, open.StatusCode);
        var authorize = open.Headers.Location!.ToString();
        Assert.StartsWith(_sim.BaseAddress + "connect/oauth2/authorize?appid=", authorize, StringComparison.Ordinal);
        Assert.Contains("scope=snsapi_base", authorize, StringComparison.Ordinal);
        Assert.EndsWith("#wechat_redirect", authorize, StringComparison.Ordinal);

        // 2. WeCom (the simulator) sends the member back with a one-time code.
        var back = await browser.GetAsync(authorize[..authorize.IndexOf('#', StringComparison.Ordinal)] + "&sim_userid=zhangmin");
        Assert.Equal(HttpStatusCode.Redirect, back.StatusCode);
        var callback = back.Headers.Location!;
        Assert.Equal("/sidebar/oauth", callback.AbsolutePath);

        // 3. Siyu exchanges the code and signs in the linked user.
        var signedIn = await browser.GetAsync(callback);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/sidebar", signedIn.Headers.Location!.ToString());
        var me = await browser.GetJsonOrNull("/api/v1/users/me");
        Assert.Equal(("s-zhangmin", "staff"), (me!["actor"]!.GetValue<string>(), me["role"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/sidebar/open?tenant=demo")).StatusCode);

        // A code works once; a member without a console user gets no session; outside WeCom the login page.
        var reused = await Browser().GetAsync(callback);
        Assert.Equal(HttpStatusCode.BadRequest, reused.StatusCode);
        Assert.Contains("\"code\"", await reused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var code = (await (await _sim.PostAsJsonAsync("/sim/oauth/code", new { userid = "wangfang" })).ReadAsync())["code"]!.GetValue<string>();
        var stranger = Browser();
        Assert.Equal(HttpStatusCode.Forbidden, (await stranger.GetAsync($"/sidebar/oauth?tenant=demo&code={code}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await stranger.GetAsync("/api/v1/users/me")).StatusCode);
        var plain = await Browser("Mozilla/5.0 Chrome/130").GetAsync("/sidebar/open?tenant=demo");
        Assert.Equal("/login?returnUrl=%2Fsidebar", plain.Headers.Location!.ToString());
    }

    [Fact]
    public async Task JS_SDK_signatures_are_made_with_the_corps_tickets()
    {
        const string page = "https://siyu.example.com/sidebar?x=1";
        var config = (await _admin.GetJsonOrNull("/api/v1/sidebar/js-config?url=" + Uri.EscapeDataString(page + "#section")))!;
        var tickets = (await _sim.GetJsonOrNull("/sim/jsapi-tickets"))!;
        var nonce = config["nonce_str"]!.GetValue<string>();
        var timestamp = config["timestamp"]!.GetValue<long>();
        static string Sha1(string s) => Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(s)));
        Assert.Equal(Sha1($"jsapi_ticket={tickets["corp"]}&noncestr={nonce}&timestamp={timestamp}&url={page}"), config["signature"]!.GetValue<string>());
        Assert.Equal(Sha1($"jsapi_ticket={tickets["agent"]}&noncestr={nonce}&timestamp={timestamp}&url={page}"), config["agent_signature"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(config["corp_id"]!.GetValue<string>()));

        // Tickets are cached: a second page gets signatures from the same tickets.
        var again = (await _admin.GetJsonOrNull("/api/v1/sidebar/js-config?url=" + Uri.EscapeDataString("https://siyu.example.com/other")))!;
        Assert.Equal(tickets.ToJsonString(), (await _sim.GetJsonOrNull("/sim/jsapi-tickets"))!.ToJsonString());
        Assert.Equal(Sha1($"jsapi_ticket={tickets["corp"]}&noncestr={again["nonce_str"]}&timestamp={again["timestamp"]}&url=https://siyu.example.com/other"), again["signature"]!.GetValue<string>());

        var bad = await _admin.GetAsync("/api/v1/sidebar/js-config?url=javascript:alert(1)");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("\"url\"", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_chat_customer_resolves_within_scope_and_scripts_follow_intent_and_tags()
    {
        await CreateUserAsync("s-zhangmin", "staff", "zhangmin");
        await CreateUserAsync("s-wangfang", "staff", "wangfang");
        var added = await (await _sim.PostAsJsonAsync("/sim/contacts/add", new { userid = "zhangmin", name = "小李" })).ReadAsync();
        var external = added["external_userid"]!.GetValue<string>();
        // The chat: the customer gives a phone, pays an order and asks about a price.
        var now = DateTimeOffset.UtcNow;
        var events = await (await _api.PostEventsAsync(new
        {
            events = new object[]
            {
                new { type = "profile.updated", timestamp = now.AddMinutes(-3).ToString("O"), identifiers = new { external_userid = external, phone = "13812345678" } },
                new { type = "order.paid", timestamp = now.AddMinutes(-2).ToString("O"), identifiers = new { external_userid = external }, properties = new { order_id = "o-sb-1", amount = 88.5, category = "母婴" } },
                new { type = "message.received", timestamp = now.AddMinutes(-1).ToString("O"), identifiers = new { external_userid = external }, properties = new { text = "这个套装多少钱？" } },
            },
        })).ReadAsync();
        var customer = events["results"]![2]!["customer_id"]!.GetValue<long>();
        await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/customers/{customer}"), c => c["staff"]?.AsObject().ContainsKey("zhangmin") == true && c["orders"]!.GetValue<int>() >= 1);

        var group = (await (await _admin.PostAsJsonAsync("/api/v1/tag-groups", new { name = "等级" })).ReadAsync())["id"]!.GetValue<long>();
        var vip = (await (await _admin.PostAsJsonAsync("/api/v1/tags", new { group_id = group, name = "VIP" })).ReadAsync())["id"]!.GetValue<long>();
        (await _admin.PostAsJsonAsync($"/api/v1/customers/{customer}/tags", new { add = new[] { vip } })).EnsureSuccessStatusCode();
        async Task<long> ScriptAsync(string title, string text, string[] intents, long[] tags)
        {
            var r = await _admin.PostAsJsonAsync("/api/v1/scripts", new { kind = "text", title, text, intents, tag_ids = tags });
            Assert.True(r.StatusCode == HttpStatusCode.Created, await r.Content.ReadAsStringAsync());
            return (await r.ReadAsync())["script"]!["id"]!.GetValue<long>();
        }
        var price = await ScriptAsync("报价", "{{name|您}}好，这款今天下单立减20元", ["price_inquiry"], []);
        var vipCare = await ScriptAsync("会员关怀", "尊敬的会员，您有一张专属券", [], [vip]);
        var refund = await ScriptAsync("退款说明", "退款将在3个工作日内原路退回", ["after_sales"], []);

        var zhang = await SignInAsync("s-zhangmin");
        var resolved = await zhang.GetJsonOrNull("/api/v1/sidebar/customer?external_userid=" + external);
        Assert.Equal(customer, resolved!["customer_id"]!.GetValue<long>());
        var wang = await SignInAsync("s-wangfang");
        Assert.Equal(HttpStatusCode.NotFound, (await wang.GetAsync("/api/v1/sidebar/customer?external_userid=" + external)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await wang.GetAsync($"/api/v1/customers/{customer}/sidebar")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await zhang.GetAsync("/api/v1/sidebar/customer")).StatusCode);

        var view = await Json.EventuallyAsync(() => zhang.GetJsonOrNull($"/api/v1/customers/{customer}/sidebar"),
            // Demo seeding may still be running and give this new contact demo orders and tags too: look for ours.
            v => v["tags"]!.AsArray().Any(t => t!["id"]!.GetValue<long>() == vip)
                && v["intents"]!["counts"]!.AsArray().Any(c => c!["intent"]!.GetValue<string>() == "price_inquiry"));
        // The demo library (常用话术) is there too, so only the order of what this test made is checked:
        // price: 3 × (≈1 + 1 for the newest message) ≈ 6 > VIP care: 2 × 1 tag > refund: nothing of this customer.
        var scripts = view["scripts"]!.AsArray().Select(x => x!).ToList();
        int At(long id) => scripts.FindIndex(x => x["script_id"]!.GetValue<long>() == id);
        Assert.True(At(price) >= 0 && At(price) < At(vipCare), view["scripts"]!.ToJsonString());
        Assert.True(At(refund) == -1 || At(refund) > At(vipCare), view["scripts"]!.ToJsonString());
        // Everything above VIP care answers the customer's intent; nothing below it matches anything.
        Assert.All(scripts.Take(At(vipCare)), x => Assert.Equal(["price_inquiry"], x["matched_intents"]!.AsArray().Select(i => i!.GetValue<string>())));
        Assert.All(scripts.Skip(At(vipCare) + 1), x => Assert.Equal(0, x["score"]!.GetValue<double>()));
        var priceScript = scripts[At(price)];
        Assert.True(priceScript["score"]!.GetValue<double>() > 5.9, priceScript.ToJsonString());
        Assert.Equal(2, scripts[At(vipCare)]["score"]!.GetValue<double>());
        var name = view["name"]?.GetValue<string>() ?? "您";
        Assert.Equal($"{name}好，这款今天下单立减20元", priceScript["text"]!.GetValue<string>());
        Assert.Equal([vip], scripts[At(vipCare)]["matched_tags"]!.AsArray().Select(t => t!.GetValue<long>()));
        Assert.Contains(view["recent_orders"]!.AsArray(), o => o!["order_id"]!.GetValue<string>() == "o-sb-1");
        var phones = view["identifiers"]!.AsArray().Where(i => i!["type"]!.GetValue<string>() == "phone").Select(i => i!["value"]!.GetValue<string>()).ToList();
        Assert.Contains(phones, p => p.EndsWith("5678", StringComparison.Ordinal));
        Assert.All(phones, p => Assert.DoesNotContain("12345678", p, StringComparison.Ordinal));
    }
}
