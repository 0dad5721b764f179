using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Siyu.Core.Conversations;
using Siyu.Core.Events;
using Xunit;

namespace Siyu.Core.Tests.Conversations;

/// <summary>
/// WeCom's documented decrypted archive messages (verbatim from shared/wecom-samples/archive, which cites the official
/// 消息格式 page via WxJava's tests) parse into what Siyu stores; n-gram terms and the RSA key step.
/// </summary>
public sealed class ArchiveParsingTests
{
    private const string TextSample = """{"msgid":"CAQQluDa4QUY0On2rYSAgAMgzPrShAE=","action":"send","from":"XuJinSheng","tolist":["icefog"],"roomid":"","msgtime":1547087894783,"msgtype":"text","text":{"content":"test"}}""";
    private const string RevokeSample = """{"msgid":"15775510700152506326_1603875615","action":"recall","from":"kenshin","tolist":["wmUu0zBgAALV7ZymkcMyxvbTe8YdWxxA"],"roomid":"","msgtime":1603875615723,"msgtype":"revoke","revoke":{"pre_msgid":"14822339130656386894_1603875600"}}""";
    private const string AgreeSample = """{"msgid":"8891446340739254950_1603875826","action":"send","from":"wmGAgeDQAAvQeaTqWwkMTxGMkvI7OOuQ","tolist":["kenshin"],"roomid":"","msgtime":1603875826656,"msgtype":"agree","agree":{"userid":"wmGAgeDQAAvQeaTqWwkMTxGMkvI7OOuQ","agree_time":1603875826656}}""";

    private static ArchivedMessage? Parse(string json, List<FieldError> errors) => ArchiveMessageParser.Parse(JsonNode.Parse(json) as JsonObject, "message", errors);

    [Fact]
    public void Archive_samples_parse_with_parties_kind_and_recall_target()
    {
        var errors = new List<FieldError>();
        var text = Parse(TextSample, errors)!;
        Assert.Equal(("text", "test", 1547087894783L, "XuJinSheng"), (text.Kind, text.SearchText, text.MsgTimeMs, text.StaffUserId));
        Assert.Null(text.ExternalUserId); // member to member: no customer

        var revoke = Parse(RevokeSample, errors)!;
        Assert.Equal(("recall", "14822339130656386894_1603875600", "kenshin", "wmUu0zBgAALV7ZymkcMyxvbTe8YdWxxA", false),
            (revoke.Action, revoke.RevokesMsgId, revoke.StaffUserId, revoke.ExternalUserId, revoke.FromCustomer));

        var agree = Parse(AgreeSample, errors)!;
        Assert.Equal(("agree", "kenshin", "wmGAgeDQAAvQeaTqWwkMTxGMkvI7OOuQ", true), (agree.Kind, agree.StaffUserId, agree.ExternalUserId, agree.FromCustomer));
        Assert.Empty(errors);
    }

    [Fact]
    public void Archive_parser_names_the_field_at_fault_and_skips_switch_records()
    {
        var errors = new List<FieldError>();
        Assert.Null(Parse("""{"msgid":"s","action":"switch","time":1554119421840,"user":"XuJinSheng"}""", errors));
        Assert.Empty(errors);
        Assert.Null(Parse("""{"msgid":"x","action":"send","from":"a","tolist":["b"],"msgtime":1,"msgtype":"video","video":{}}""", errors));
        Assert.Null(Parse("""{"msgid":"x","action":"send","from":"a","tolist":["b"],"msgtype":"text","text":{"content":"hi"}}""", errors));
        Assert.Null(Parse("""{"msgid":"x","action":"recall","from":"a","tolist":["b"],"msgtime":1,"msgtype":"revoke","revoke":{}}""", errors));
        Assert.Equal(["message.msgtype", "message.msgtime", "message.revoke.pre_msgid"], errors.Select(e => e.Path));
    }

    [Fact]
    public void Archive_mixed_and_link_messages_are_searchable_by_their_words()
    {
        var mixed = JsonNode.Parse("""{"item":[{"type":"text","content":"{\"content\":\"退款进度\"}"},{"type":"image","content":"{\"sdkfileid\":\"x\"}"},{"type":"text","content":"{\"content\":\"谢谢\"}"}]}""")!.AsObject();
        Assert.Equal("退款进度\n谢谢", ArchiveMessageParser.SearchTextOf("mixed", mixed));
        var link = JsonNode.Parse("""{"title":"价格表","description":"最新","link_url":"https://x"}""")!.AsObject();
        Assert.Equal("价格表\n最新", ArchiveMessageParser.SearchTextOf("link", link));
    }

    [Fact]
    public void Archive_ngrams_cover_every_substring_query_of_a_text()
    {
        const string text = "请问 Price 退款什么时候到账？";
        var index = NGrams.IndexTerms(text);
        // Oracle: every substring of the text must find all its query terms in the index.
        for (var i = 0; i < text.Length; i++)
        {
            for (var n = 1; i + n <= text.Length; n++)
            {
                Assert.Subset(index, NGrams.QueryTerms(text.Substring(i, n)));
            }
        }
        Assert.Equal([(3, 5)], NGrams.Highlights(text, "price"));
        Assert.Equal([(0, 2), (2, 2)], NGrams.Highlights("退款退款", "退款"));
    }

    [Fact]
    public void Archive_random_key_decrypts_only_with_the_matching_private_key()
    {
        using var rsa = RSA.Create(2048);
        using var other = RSA.Create(2048);
        using var imported = ArchiveKeys.TryImport(rsa.ExportPkcs8PrivateKeyPem(), out var error)!;
        Assert.Null(error);
        var encrypted = Convert.ToBase64String(rsa.Encrypt(Encoding.ASCII.GetBytes("random-key-123"), RSAEncryptionPadding.Pkcs1));
        Assert.Equal("random-key-123", Encoding.ASCII.GetString(ArchiveKeys.DecryptRandomKey(imported, encrypted)!));
        using var wrong = ArchiveKeys.TryImport(other.ExportRSAPrivateKeyPem(), out _)!;
        Assert.Null(ArchiveKeys.DecryptRandomKey(wrong, encrypted));
        Assert.Null(ArchiveKeys.TryImport(rsa.ExportSubjectPublicKeyInfoPem(), out var publicError));
        Assert.NotNull(publicError);
        Assert.Equal(ArchiveKeys.Fingerprint(rsa), ArchiveKeys.Fingerprint(imported));
    }
}
