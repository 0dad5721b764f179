using System.Net;
using System.Net.Http.Json;
using System.Text;
using Siyu.WeCom.Callbacks;

namespace Siyu.Server.Tests.WeCom;

/// <summary>The callback URL over HTTP: verification, signature, corp id, freshness, malformed XML, and retries.</summary>
public sealed class CallbackEndpointTests : IAsyncLifetime
{
    private const string CorpId = "wwTestCorp0001";
    private const string Token = "SiyuTestToken";
    private const string AesKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
    private readonly SiyuFactory _factory = new();
    private HttpClient _http = null!;
    private readonly WeComCallbackCrypto _crypto = new(Token, AesKey, CorpId);

    public async Task InitializeAsync()
    {
        var admin = await _factory.AdminClientAsync();
        var saved = await admin.PutAsJsonAsync("/api/v1/wecom/settings", new { corp_id = CorpId, token = Token, encoding_aes_key = AesKey });
        Assert.Equal(HttpStatusCode.NoContent, saved.StatusCode);
        _http = _factory.CreateClient();
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private static string Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string AddContactXml(string externalUserId, long createTime) => $"""
        <xml><ToUserName><![CDATA[{CorpId}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>{createTime}</CreateTime>
        <MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[add_external_contact]]></ChangeType>
        <UserID><![CDATA[zhangsan]]></UserID><ExternalUserID><![CDATA[{externalUserId}]]></ExternalUserID></xml>
        """;

    private async Task<HttpResponseMessage> PostAsync(string xml, string timestamp, string nonce = "n0nce", Func<string, string>? tamper = null)
    {
        var encrypt = _crypto.Encrypt(xml);
        var signature = _crypto.Sign(timestamp, nonce, encrypt);
        var body = $"<xml><ToUserName><![CDATA[{CorpId}]]></ToUserName><AgentID><![CDATA[1000002]]></AgentID><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>";
        var url = $"/wecom/callback/demo?msg_signature={(tamper ?? (s => s))(signature)}&timestamp={timestamp}&nonce={nonce}";
        return await _http.PostAsync(url, new StringContent(body, Encoding.UTF8, "text/xml"));
    }

    [Fact]
    public async Task Url_verification_answers_the_decrypted_echostr()
    {
        var ts = Now();
        var echo = _crypto.Encrypt("1616140317555161061");
        var signature = _crypto.Sign(ts, "abc", echo);
        var response = await _http.GetAsync($"/wecom/callback/demo?msg_signature={signature}&timestamp={ts}&nonce=abc&echostr={Uri.EscapeDataString(echo)}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("1616140317555161061", await response.Content.ReadAsStringAsync());

        var forged = await _http.GetAsync($"/wecom/callback/demo?msg_signature=0000&timestamp={ts}&nonce=abc&echostr={Uri.EscapeDataString(echo)}");
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/wecom/callback/nosuchtenant?msg_signature=1&timestamp={ts}&nonce=a&echostr=b")).StatusCode);
    }

    [Fact]
    public async Task A_valid_event_becomes_a_customer_once_even_when_wecom_retries()
    {
        var ts = Now();
        var xml = AddContactXml("wmCallbackTest01", DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var first = await PostAsync(xml, ts);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("success", await first.Content.ReadAsStringAsync());
        var retry = await PostAsync(xml, ts, nonce: "other");
        Assert.Equal("success", await retry.Content.ReadAsStringAsync());

        var api = _factory.ApiClient();
        var found = await Json.EventuallyAsync(() => api.GetJsonOrNull("/api/v1/customers?q=wmCallbackTest01"), p => p["items"]!.AsArray().Count == 1);
        var id = found["items"]![0]!["id"]!.GetValue<long>();
        var timeline = (await api.GetJsonOrNull($"/api/v1/customers/{id}/events"))!;
        Assert.Single(timeline.AsArray(), e => e!["type"]!.GetValue<string>() == "customer.added");
    }

    [Fact]
    public async Task Forged_foreign_stale_and_malformed_callbacks_are_refused()
    {
        var xml = AddContactXml("wmRejected01", DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(xml, Now(), tamper: s => (s[0] == 'f' ? "0" : "f") + s[1..])).StatusCode);

        var stale = DateTimeOffset.UtcNow.AddMinutes(-30).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(xml, stale)).StatusCode);

        // Encrypted for another corp: the receive id inside does not match.
        var foreign = new WeComCallbackCrypto(Token, AesKey, "wwSomeoneElse");
        var ts = Now();
        var encrypt = foreign.Encrypt(xml);
        var body = $"<xml><ToUserName>x</ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>";
        var response = await _http.PostAsync($"/wecom/callback/demo?msg_signature={foreign.Sign(ts, "n", encrypt)}&timestamp={ts}&nonce=n",
            new StringContent(body, Encoding.UTF8, "text/xml"));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);

        var notXml = await _http.PostAsync($"/wecom/callback/demo?msg_signature=abc&timestamp={Now()}&nonce=n", new StringContent("<xml><Encrypt>", Encoding.UTF8, "text/xml"));
        Assert.True(notXml.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized, notXml.StatusCode.ToString());

        var api = _factory.ApiClient();
        await Task.Delay(300);
        Assert.Empty((await api.GetJsonOrNull("/api/v1/customers?q=wmRejected01"))!["items"]!.AsArray());
    }
}
