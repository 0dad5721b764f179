using System.Globalization;
using System.Text;

namespace Siyu.WeComSimulator.Sim;

/// <summary>Builds callback XML the way WeCom sends it to a self-built app (CDATA strings, bare numbers).</summary>
internal static class CallbackXml
{
    public static string ChangeExternalContact(
        string corpId, long createTime, string changeType, string userId, string externalUserId,
        string? state = null, string? welcomeCode = null, string? source = null, string? failReason = null)
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

        if (failReason is not null)
        {
            Element(xml, "FailReason", failReason);
        }

        return xml.Append("</xml>").ToString();
    }

    /// <summary><c>change_external_chat</c>: create, update (add_member, del_member, change_name…) or dismiss.</summary>
    public static string ChangeExternalChat(
        string corpId, long createTime, string chatId, string changeType, string? updateDetail = null,
        int? joinScene = null, int? quitScene = null, IReadOnlyList<string>? memChangeList = null,
        string? lastMemVer = null, string? curMemVer = null)
    {
        var xml = new StringBuilder("<xml>");
        Header(xml, corpId, createTime, "change_external_chat");
        Element(xml, "ChatId", chatId);
        Element(xml, "ChangeType", changeType);
        if (updateDetail is not null)
        {
            Element(xml, "UpdateDetail", updateDetail);
        }

        if (joinScene is not null)
        {
            Number(xml, "JoinScene", joinScene.Value);
        }

        if (quitScene is not null)
        {
            Number(xml, "QuitScene", quitScene.Value);
        }

        if (memChangeList is not null)
        {
            Number(xml, "MemChangeCnt", memChangeList.Count);
            xml.Append("<MemChangeList>");
            foreach (var member in memChangeList)
            {
                Element(xml, "Item", member);
            }

            xml.Append("</MemChangeList>");
        }

        if (lastMemVer is not null)
        {
            Element(xml, "LastMemVer", lastMemVer);
        }

        if (curMemVer is not null)
        {
            Element(xml, "CurMemVer", curMemVer);
        }

        return xml.Append("</xml>").ToString();
    }

    /// <summary><c>change_external_tag</c>: a corp tag (<c>tag</c>) or tag group (<c>tag_group</c>) was created, updated or deleted.</summary>
    public static string ChangeExternalTag(string corpId, long createTime, string id, string tagType, string changeType)
    {
        var xml = new StringBuilder("<xml>");
        Header(xml, corpId, createTime, "change_external_tag");
        Element(xml, "Id", id);
        Element(xml, "TagType", tagType);
        Element(xml, "ChangeType", changeType);
        return xml.Append("</xml>").ToString();
    }

    /// <summary>
    /// <c>change_contact</c> for a staff member (create_user, update_user, delete_user). Optional fields are
    /// sent only when given: WeCom's update_user carries just what changed.
    /// </summary>
    public static string ChangeContactUser(
        string corpId, long createTime, string changeType, string userId, string? name = null,
        IReadOnlyList<long>? departments = null, IReadOnlyList<int>? isLeaderInDept = null, string? position = null,
        string? mobile = null, string? gender = null, string? email = null, int? status = null, string? alias = null)
    {
        var xml = new StringBuilder("<xml>");
        Header(xml, corpId, createTime, "change_contact");
        Element(xml, "ChangeType", changeType);
        Element(xml, "UserID", userId);
        if (name is not null)
        {
            Element(xml, "Name", name);
        }

        if (departments is not null)
        {
            Element(xml, "Department", string.Join(',', departments.Select(d => d.ToString(CultureInfo.InvariantCulture))));
            if (departments.Count > 0)
            {
                Number(xml, "MainDepartment", departments[0]);
            }
        }

        if (isLeaderInDept is not null)
        {
            Element(xml, "IsLeaderInDept", string.Join(',', isLeaderInDept.Select(d => d.ToString(CultureInfo.InvariantCulture))));
        }

        if (position is not null)
        {
            Element(xml, "Position", position);
        }

        if (mobile is not null)
        {
            Element(xml, "Mobile", mobile);
        }

        if (gender is not null)
        {
            Element(xml, "Gender", gender);
        }

        if (email is not null)
        {
            Element(xml, "Email", email);
        }

        if (status is not null)
        {
            Number(xml, "Status", status.Value);
        }

        if (alias is not null)
        {
            Element(xml, "Alias", alias);
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

    // WeCom writes numbers bare, strings in CDATA.
    private static void Number(StringBuilder xml, string name, long value) =>
        xml.Append('<').Append(name).Append('>').Append(value.ToString(CultureInfo.InvariantCulture)).Append("</").Append(name).Append('>');

    private static void Element(StringBuilder xml, string name, string value) =>
        // "]]>" cannot appear inside CDATA: split it across two sections.
        xml.Append('<').Append(name).Append("><![CDATA[").Append(value.Replace("]]>", "]]]]><![CDATA[>", StringComparison.Ordinal))
            .Append("]]></").Append(name).Append('>');
}
