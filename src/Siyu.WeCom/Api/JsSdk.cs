using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace Siyu.WeCom.Api;

/// <summary><c>get_jsapi_ticket</c> / <c>ticket/get?type=agent_config</c>: a JS-SDK ticket, valid for <see cref="ExpiresIn"/> seconds.</summary>
public sealed record WeComJsApiTicket
{
    [JsonPropertyName("ticket")] public string Ticket { get; init; } = "";
    [JsonPropertyName("expires_in")] public int ExpiresIn { get; init; }
}

/// <summary><c>auth/getuserinfo</c>: who opened an OAuth link (a member's userid; external visitors get an openid instead).</summary>
public sealed record WeComOAuthUser
{
    [JsonPropertyName("userid")] public string? UserId { get; init; }
    [JsonPropertyName("openid")] public string? OpenId { get; init; }
    [JsonPropertyName("external_userid")] public string? ExternalUserId { get; init; }
}

/// <summary>The JS-SDK signature WeCom checks in <c>wx.config</c> and <c>wx.agentConfig</c>.</summary>
public static class JsSdkSignature
{
    /// <summary>
    /// SHA-1 (lower-case hex) of <c>jsapi_ticket=…&amp;noncestr=…&amp;timestamp=…&amp;url=…</c> with the keys in that
    /// (alphabetical) order and the page URL without its <c>#fragment</c>.
    /// </summary>
    public static string Sign(string ticket, string nonceStr, long timestamp, string url)
    {
        var hash = url.IndexOf('#', StringComparison.Ordinal);
        var page = hash >= 0 ? url[..hash] : url;
        var text = $"jsapi_ticket={ticket}&noncestr={nonceStr}&timestamp={timestamp}&url={page}";
        return Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
