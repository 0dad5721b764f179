using System.Globalization;
using System.Text;

namespace Siyu.WeComSimulator.Sim;

/// <summary>Builds callback XML the way WeCom sends it to a self-built app (CDATA strings, bare numbers).</summary>
internal static class CallbackXml
{
    public static string ChangeExternalContact(
        string corpId, long createTime, string changeType, string userId, string externalUserId,
        string? state = null, string? welcomeCode = null, string? source = null)
    {
        var xml = new StringBuilder("<xml>");
        Header(xml, corpId, createTime, "change_external_contact");
        Element(xml, "ChangeType", changeType);
        Element(xml, "UserID", userId);
        Element(xml, "ExternalUserID", externalUserId);
        if (state is not null)
        {
            Element(xml, "State", state);
        }

        if (welcomeCode is not null)
        {
            Element(xml, "WelcomeCode", welcomeCode);
        }

        if (source is not null)
        {
            Element(xml, "Source", source);
        }

        return xml.Append("</xml>").ToString();
    }

    /// <summary>The POST body WeCom sends: the encrypted message plus the corp and agent in clear.</summary>
    public static string Envelope(string corpId, long agentId, string encrypt)
    {
        var xml = new StringBuilder("<xml>");
        Element(xml, "ToUserName", corpId);
        Element(xml, "Encrypt", encrypt);
        Element(xml, "AgentID", agentId.ToString(CultureInfo.InvariantCulture));
        return xml.Append("</xml>").ToString();
    }

    private static void Header(StringBuilder xml, string corpId, long createTime, string eventName)
    {
        Element(xml, "ToUserName", corpId);
        Element(xml, "FromUserName", "sys");
        xml.Append("<CreateTime>").Append(createTime.ToString(CultureInfo.InvariantCulture)).Append("</CreateTime>");
        Element(xml, "MsgType", "event");
        Element(xml, "Event", eventName);
    }

    private static void Element(StringBuilder xml, string name, string value) =>
        // "]]>" cannot appear inside CDATA: split it across two sections.
        xml.Append('<').Append(name).Append("><![CDATA[").Append(value.Replace("]]>", "]]]]><![CDATA[>", StringComparison.Ordinal))
            .Append("]]></").Append(name).Append('>');
}
