using Siyu.WeCom.Callbacks;

namespace Siyu.WeCom.Tests.Callbacks;

/// <summary>Every golden event in shared/wecom-samples/events parses into the right record with the right fields.</summary>
public sealed class EventSampleTests
{
    private const string ThirdPartyCorp = "wxf8b4f85f3a794e77";
    private const string Suite = "ww4asffe99e54c0f4c";

    private static readonly Dictionary<string, Action<WeComCallbackEvent>> Expectations = new()
    {
        ["3p_change_external_chat.create.xml"] = e =>
        {
            var chat = ThirdParty<ExternalChatChanged>(e, "change_external_chat");
            Assert.Equal(ExternalChatChangeType.Create, chat.ChangeType);
            Assert.Equal("CHAT_ID", chat.ChatId);
            Assert.Null(chat.UpdateDetail);
            Assert.Empty(chat.MemChangeList);
        },
        ["3p_change_external_chat.dismiss.xml"] = e =>
        {
            var chat = ThirdParty<ExternalChatChanged>(e, "change_external_chat");
            Assert.Equal(ExternalChatChangeType.Dismiss, chat.ChangeType);
            Assert.Equal("CHAT_ID", chat.ChatId);
        },
        ["3p_change_external_chat.update_add_member.xml"] = e =>
        {
            var chat = ThirdParty<ExternalChatChanged>(e, "change_external_chat");
            Assert.Equal(ExternalChatChangeType.Update, chat.ChangeType);
            Assert.Equal("update", chat.RawChangeType);
            Assert.Equal("CHAT_ID", chat.ChatId);
            Assert.Equal("add_member", chat.UpdateDetail);
            Assert.Equal(1, chat.JoinScene);
            Assert.Equal(0, chat.QuitScene);
            Assert.Equal(10, chat.MemChangeCnt);
            Assert.Equal(new[] { "Jack", "Rose" }, chat.MemChangeList);
            Assert.Equal("9c3f97c2ada667dfb5f6d03308d963e1", chat.LastMemVer);
            Assert.Equal("71217227bbd112ecfe3a49c482195cb4", chat.CurMemVer);
        },
        ["3p_change_external_contact.add_external_contact.xml"] = e =>
        {
            var c = ThirdParty<ExternalContactChanged>(e, "change_external_contact");
            Assert.Equal(ExternalContactChangeType.AddExternalContact, c.ChangeType);
            Assert.Equal("zhangsan", c.UserId);
            Assert.Equal("woAJ2GCAAAXtWyujaWJHDDGi0mACH71w", c.ExternalUserId);
            Assert.Equal("teststate", c.State);
            Assert.Equal("WELCOMECODE", c.WelcomeCode);
        },
        ["3p_change_external_contact.add_half_external_contact.xml"] = e =>
        {
            var c = ThirdParty<ExternalContactChanged>(e, "change_external_contact");
            Assert.Equal(ExternalContactChangeType.AddHalfExternalContact, c.ChangeType);
            Assert.Equal("zhangsan", c.UserId);
            Assert.Equal("woAJ2GCAAAXtWyujaWJHDDGi0mACH71w", c.ExternalUserId);
            Assert.Equal("teststate", c.State);
            Assert.Equal("WELCOMECODE", c.WelcomeCode);
        },
        ["3p_change_external_contact.del_external_contact.xml"] = e =>
        {
            var c = ThirdParty<ExternalContactChanged>(e, "change_external_contact");
            Assert.Equal(ExternalContactChangeType.DelExternalContact, c.ChangeType);
            Assert.Equal("zhangsan", c.UserId);
            Assert.Equal("woAJ2GCAAAXtWyujaWJHDDGi0mACH71w", c.ExternalUserId);
            Assert.Null(c.Source);
            Assert.Null(c.WelcomeCode);
        },
        ["3p_change_external_contact.del_follow_user.xml"] = e =>
        {
            var c = ThirdParty<ExternalContactChanged>(e, "change_external_contact");
            Assert.Equal(ExternalContactChangeType.DelFollowUser, c.ChangeType);
            Assert.Equal("zhangsan", c.UserId);
            Assert.Equal("woAJ2GCAAAXtWyujaWJHDDGi0mACH71w", c.ExternalUserId);
        },
        ["3p_change_external_contact.edit_external_contact.xml"] = e =>
        {
            var c = ThirdParty<ExternalContactChanged>(e, "change_external_contact");
            Assert.Equal(ExternalContactChangeType.EditExternalContact, c.ChangeType);
            Assert.Equal("zhangsan", c.UserId);
            Assert.Equal("woAJ2GCAAAXtWyujaWJHDDGi0mACH71w", c.ExternalUserId);
            Assert.Null(c.State);
        },
        ["3p_change_external_contact.transfer_fail.xml"] = e =>
        {
            var c = ThirdParty<ExternalContactChanged>(e, "change_external_contact");
            Assert.Equal(ExternalContactChangeType.TransferFail, c.ChangeType);
            Assert.Equal("customer_refused", c.FailReason);
            Assert.Equal("zhangsan", c.UserId);
            Assert.Equal("woAJ2GCAAAXtWyujaWJHDDGi0mACH71w", c.ExternalUserId);
        },
        ["3p_change_external_tag.create.xml"] = e =>
        {
            var t = ThirdParty<ExternalTagChanged>(e, "change_external_tag");
            Assert.Equal(ExternalTagChangeType.Create, t.ChangeType);
            Assert.Equal("TAG_ID", t.Id);
            Assert.Equal("tag", t.TagType);
        },
        ["3p_change_external_tag.delete.xml"] = e =>
        {
            var t = ThirdParty<ExternalTagChanged>(e, "change_external_tag");
            Assert.Equal(ExternalTagChangeType.Delete, t.ChangeType);
            Assert.Equal("TAG_ID", t.Id);
            Assert.Equal("tag", t.TagType);
        },
        ["3p_change_external_tag.update.xml"] = e =>
        {
            var t = ThirdParty<ExternalTagChanged>(e, "change_external_tag");
            Assert.Equal(ExternalTagChangeType.Update, t.ChangeType);
            Assert.Equal("TAG_ID", t.Id);
            Assert.Equal("tag", t.TagType);
        },
        ["selfbuilt_change_external_chat.update_change_name.xml"] = e =>
        {
            var chat = SelfBuilt<ExternalChatChanged>(e, "change_external_chat", "wwea4ccebadeefd11a", 1700642907);
            Assert.Equal(ExternalChatChangeType.Update, chat.ChangeType);
            Assert.Equal("wree9uDgAAfxkLu5-lEbsmQBjsb7V8Cg", chat.ChatId);
            Assert.Equal("change_name", chat.UpdateDetail);
            Assert.Equal(0, chat.JoinScene);
            Assert.Null(chat.QuitScene);
            Assert.Equal(2, chat.MemChangeCnt);
            Assert.Empty(chat.MemChangeList);
            Assert.Equal("6ebe7c3f89cb839ec2e1720f04eae2e0", chat.LastMemVer);
            Assert.Equal("15722766561cf8bce92480a3d1457654", chat.CurMemVer);
        },
        ["selfbuilt_change_external_contact.add_external_contact.xml"] = e =>
        {
            var c = SelfBuilt<ExternalContactChanged>(e, "change_external_contact", "toUser", 1403610513);
            Assert.Equal(ExternalContactChangeType.AddExternalContact, c.ChangeType);
            Assert.Equal("zhangsan", c.UserId);
            Assert.Equal("woAJ2GCAAAXtWyujaWJHDDGi0mAAAA", c.ExternalUserId);
            Assert.Equal("teststate", c.State);
            Assert.Equal("WELCOMECODE", c.WelcomeCode);
        },
        ["selfbuilt_change_external_contact.edit_external_contact.xml"] = e =>
        {
            var c = SelfBuilt<ExternalContactChanged>(e, "change_external_contact", "toUser", 1403610513);
            Assert.Equal(ExternalContactChangeType.EditExternalContact, c.ChangeType);
            Assert.Equal("zhangsan", c.UserId);
            Assert.Equal("woAJ2GCAAAXtWyujaWJHDDGi0mAAAA", c.ExternalUserId);
            Assert.Equal("teststate", c.State);
        },
        ["selfbuilt_change_external_contact.msg_audit_approved.xml"] = e =>
        {
            var c = SelfBuilt<ExternalContactChanged>(e, "change_external_contact", "toUser", 1403610513);
            Assert.Equal(ExternalContactChangeType.MsgAuditApproved, c.ChangeType);
            Assert.Equal("zhangsan", c.UserId);
            Assert.Equal("woAJ2GCAAABiuyujaWJHDDGi0mACHAAA", c.ExternalUserId);
            Assert.Equal("WELCOMECODE", c.WelcomeCode);
        },
        ["selfbuilt_change_external_tag.shuffle.xml"] = e =>
        {
            var t = SelfBuilt<ExternalTagChanged>(e, "change_external_tag", "CORPID", 1403610513);
            Assert.Equal(ExternalTagChangeType.Shuffle, t.ChangeType);
            Assert.Equal("TAG_ID", t.Id);
            Assert.Equal("STRATEGY_ID", t.StrategyId);
            Assert.Null(t.TagType);
        },
        ["selfbuilt_msgaudit_notify.xml"] = e =>
        {
            var n = SelfBuilt<MsgAuditNotify>(e, "msgaudit_notify", "CorpID", 1629101687);
            Assert.Equal("2000004", n.Envelope.AgentId);
        },
    };

    public static IEnumerable<object[]> SampleNames => Expectations.Keys.Order(StringComparer.Ordinal).Select(k => new object[] { k });

    [Theory]
    [MemberData(nameof(SampleNames))]
    public void Golden_event_parses_into_the_expected_record(string fileName)
    {
        var path = Path.Combine(WeComSamples.EventsDirectory, fileName);
        Assert.True(File.Exists(path), $"Golden sample {path} is missing.");
        var xml = WeComSamples.ReadPayload(path);

        var parsed = CallbackEventParser.Parse(xml);

        Assert.Equal(xml, parsed.RawXml);
        Assert.StartsWith("wecom:", parsed.IdempotencyKey, StringComparison.Ordinal);
        Expectations[fileName](parsed);
    }

    [Fact]
    public void Every_golden_event_file_has_an_expectation_and_none_is_unknown()
    {
        var files = Directory.GetFiles(WeComSamples.EventsDirectory, "*.xml").Select(Path.GetFileName).ToList();

        Assert.NotEmpty(files);
        Assert.All(files, name => Assert.True(Expectations.ContainsKey(name!), $"No expectation for new sample {name}: add one."));
        Assert.All(files, name => Assert.IsNotType<UnknownCallback>(
            CallbackEventParser.Parse(WeComSamples.ReadPayload(Path.Combine(WeComSamples.EventsDirectory, name!)))));
    }

    [Fact]
    public void Third_party_and_self_built_envelopes_carry_the_same_body_fields()
    {
        var thirdParty = Assert.IsType<ExternalContactChanged>(Parse("3p_change_external_contact.add_external_contact.xml"));
        var selfBuilt = Assert.IsType<ExternalContactChanged>(Parse("selfbuilt_change_external_contact.add_external_contact.xml"));

        Assert.Equal(thirdParty.ChangeType, selfBuilt.ChangeType);
        Assert.Equal(thirdParty.State, selfBuilt.State);
        Assert.Equal(thirdParty.WelcomeCode, selfBuilt.WelcomeCode);
        Assert.Equal(CallbackEnvelopeKind.ThirdParty, thirdParty.Envelope.Kind);
        Assert.Equal(CallbackEnvelopeKind.SelfBuilt, selfBuilt.Envelope.Kind);
    }

    [Fact]
    public void Idempotency_key_is_stable_for_the_same_xml_and_differs_per_corp_and_content()
    {
        var xml = WeComSamples.ReadPayload(Path.Combine(WeComSamples.EventsDirectory, "selfbuilt_change_external_contact.add_external_contact.xml"));

        var first = CallbackEventParser.Parse(xml).IdempotencyKey;
        var retry = CallbackEventParser.Parse(xml).IdempotencyKey;
        var otherCorp = CallbackEventParser.Parse(xml, corpId: "ww-other").IdempotencyKey;
        var otherEvent = CallbackEventParser.Parse(xml.Replace("teststate", "otherstate", StringComparison.Ordinal)).IdempotencyKey;

        Assert.Equal(first, retry);
        Assert.Equal(CallbackIdempotency.Compute("toUser", xml), first);
        Assert.NotEqual(first, otherCorp);
        Assert.NotEqual(first, otherEvent);
    }

    [Fact]
    public void Change_contact_user_events_parse_departments_and_string_gender()
    {
        const string xml = """
            <xml><ToUserName><![CDATA[ww5a1e0c4b2f3d9e70]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>
            <CreateTime>1764036000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event>
            <ChangeType><![CDATA[update_user]]></ChangeType><UserID><![CDATA[zhangmin]]></UserID><NewUserID><![CDATA[zhangmin2]]></NewUserID>
            <Name><![CDATA[张敏]]></Name><Department><![CDATA[1,2,3]]></Department><MainDepartment>2</MainDepartment>
            <IsLeaderInDept><![CDATA[1,0,0]]></IsLeaderInDept><Position><![CDATA[导购]]></Position><Mobile><![CDATA[13800138000]]></Mobile>
            <Gender>2</Gender><Email><![CDATA[zhangmin@example.com]]></Email><Status>1</Status><Alias><![CDATA[敏敏]]></Alias></xml>
            """;

        var contact = Assert.IsType<ContactChanged>(CallbackEventParser.Parse(xml));

        Assert.Equal(ContactChangeType.UpdateUser, contact.ChangeType);
        Assert.Equal("zhangmin", contact.UserId);
        Assert.Equal("zhangmin2", contact.NewUserId);
        Assert.Equal("张敏", contact.Name);
        Assert.Equal(new[] { 1L, 2L, 3L }, contact.Department);
        Assert.Equal(2, contact.MainDepartment);
        Assert.Equal(new[] { 1, 0, 0 }, contact.IsLeaderInDept);
        Assert.Equal("导购", contact.Position);
        Assert.Equal("2", contact.Gender);
        Assert.Equal(1, contact.Status);
        Assert.Equal("敏敏", contact.Alias);
        Assert.Null(contact.PartyId);
    }

    [Theory]
    [InlineData("create_user", ContactChangeType.CreateUser)]
    [InlineData("delete_user", ContactChangeType.DeleteUser)]
    [InlineData("create_party", ContactChangeType.CreateParty)]
    [InlineData("something_new", ContactChangeType.Unknown)]
    public void Change_contact_change_types_map(string changeType, ContactChangeType expected)
    {
        var xml = $"<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1</CreateTime>"
            + $"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event><ChangeType><![CDATA[{changeType}]]></ChangeType>"
            + "<UserID><![CDATA[u1]]></UserID><Id>7</Id><ParentId>1</ParentId></xml>";

        var contact = Assert.IsType<ContactChanged>(CallbackEventParser.Parse(xml));

        Assert.Equal(expected, contact.ChangeType);
        Assert.Equal(changeType, contact.RawChangeType);
        Assert.Equal(changeType.EndsWith("_party", StringComparison.Ordinal) ? 7L : null, contact.PartyId);
    }

    [Fact]
    public void Unmodelled_event_is_kept_whole_as_unknown()
    {
        const string xml = "<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1</CreateTime>"
            + "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[customer_acquisition]]></Event><ChangeType><![CDATA[balance_low]]></ChangeType></xml>";

        var unknown = Assert.IsType<UnknownCallback>(CallbackEventParser.Parse(xml));

        Assert.Equal("customer_acquisition", unknown.Envelope.EventType);
        Assert.Equal(xml, unknown.RawXml);
    }

    [Fact]
    public void Event_xml_with_a_dtd_is_rejected()
    {
        const string xml = "<!DOCTYPE xml [<!ENTITY a \"aaaa\">]><xml><Event>&a;</Event></xml>";

        var ex = Assert.Throws<WeComCallbackException>(() => CallbackEventParser.Parse(xml));
        Assert.Equal(WeComCallbackError.MalformedXml, ex.Reason);
    }

    private static WeComCallbackEvent Parse(string fileName) =>
        CallbackEventParser.Parse(WeComSamples.ReadPayload(Path.Combine(WeComSamples.EventsDirectory, fileName)));

    private static T ThirdParty<T>(WeComCallbackEvent e, string infoType)
        where T : WeComCallbackEvent
    {
        var typed = Assert.IsType<T>(e);
        Assert.Equal(CallbackEnvelopeKind.ThirdParty, typed.Envelope.Kind);
        Assert.Equal(ThirdPartyCorp, typed.Envelope.CorpId);
        Assert.Equal(Suite, typed.Envelope.SuiteId);
        Assert.Equal(infoType, typed.Envelope.EventType);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1403610513), typed.Envelope.CreateTime);
        return typed;
    }

    private static T SelfBuilt<T>(WeComCallbackEvent e, string eventType, string corpId, long createTime)
        where T : WeComCallbackEvent
    {
        var typed = Assert.IsType<T>(e);
        Assert.Equal(CallbackEnvelopeKind.SelfBuilt, typed.Envelope.Kind);
        Assert.Equal(corpId, typed.Envelope.CorpId);
        Assert.Equal("sys", typed.Envelope.FromUserName);
        Assert.Equal("event", typed.Envelope.MsgType);
        Assert.Equal(eventType, typed.Envelope.EventType);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(createTime), typed.Envelope.CreateTime);
        return typed;
    }
}
