using System.Net;
using System.Text;
using Siyu.WeCom.Api;

namespace Siyu.WeCom.Tests.Api;

/// <summary>WeCom's documented response examples (shared/wecom-samples/api) deserialize through the client.</summary>
public sealed class GoldenResponseTests : IDisposable
{
    private readonly GoldenHandler _handler = new();
    private readonly HttpClient _http;
    private readonly WeComApiClient _client;

    public GoldenResponseTests()
    {
        _http = new HttpClient(_handler) { BaseAddress = new Uri("https://qyapi.example/") };
        _client = new WeComApiClient(_http, new WeComCredentials("ww1", "secret"));
    }

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task Gettoken_sample_gives_the_token()
    {
        Assert.Equal("accesstoken000001", await _client.GetTokenAsync());
    }

    [Fact]
    public async Task Department_list_sample()
    {
        var departments = await _client.ListDepartmentsAsync();

        Assert.Equal(2, departments.Count);
        Assert.Equal("广州研发中心", departments[0].Name);
        Assert.Equal(new[] { "zhangsan", "lisi" }, departments[0].DepartmentLeader);
        Assert.Equal(2, departments[1].ParentId);
    }

    [Fact]
    public async Task User_list_id_sample()
    {
        var page = await _client.ListUserIdsAsync();

        Assert.Equal("aaaaaaaaa", page.NextCursor);
        Assert.Equal(3, page.DeptUser.Count);
        Assert.Equal(2, page.DeptUser[2].Department);
    }

    [Fact]
    public async Task User_get_sample_has_string_gender()
    {
        var user = await _client.GetUserAsync("zhangsan");

        Assert.Equal("张三", user.Name);
        Assert.Equal("1", user.Gender);
        Assert.Equal(new long[] { 1, 2 }, user.Department);
        Assert.Equal(1, user.MainDepartment);
        Assert.Equal(1, user.Status);
    }

    [Fact]
    public async Task Externalcontact_get_sample_has_int_gender_and_follow_users()
    {
        var detail = await _client.GetExternalContactAsync("woAJ2GCAAAXtWyujaWJHDDGi0mACHAAA");

        Assert.Equal("李四", detail.ExternalContact.Name);
        Assert.Equal(1, detail.ExternalContact.Gender);
        Assert.Equal(2, detail.ExternalContact.Type);
        Assert.Equal("ozynqsulJFCZ2z1aYeS8h-nuasdAAA", detail.ExternalContact.UnionId);
        Assert.Equal(2, detail.FollowUser.Count);
        Assert.Equal("etAJ2GCAAAXtWyujaWJHDDGi0mACHAAA", detail.FollowUser[0].Tags![0].TagId);
        Assert.Equal("外联二维码1", detail.FollowUser[1].State);
        Assert.Equal(3, detail.FollowUser[1].AddWay);
        Assert.Equal("NEXT_CUROSR", detail.NextCursor);
    }

    [Fact]
    public async Task Externalcontact_list_and_follow_user_list_samples()
    {
        Assert.Equal(2, (await _client.ListExternalContactsAsync("zhangsan")).Count);
        Assert.Equal(new[] { "zhangsan", "lissi" }, await _client.GetFollowUserListAsync());
    }

    [Fact]
    public async Task Batch_get_by_user_sample()
    {
        var page = await _client.BatchGetByUserAsync(["rocky"]);

        Assert.Equal(2, page.ExternalContactList.Count);
        Assert.Equal("rocky", page.ExternalContactList[0].FollowInfo.UserId);
        Assert.Equal(2, page.ExternalContactList[1].FollowInfo.TagId!.Count);
        Assert.Equal("r9FqSqsI8fgNbHLHE5QoCP50UIg2cFQbfma3l2QsmwI", page.NextCursor);
    }

    [Fact]
    public async Task Corp_tag_samples()
    {
        var groups = await _client.GetCorpTagListAsync();
        var added = await _client.AddCorpTagAsync(new WeComAddCorpTagRequest { GroupName = "GOURP_NAME", Tag = [new WeComNewCorpTag { Name = "NAME1" }] });

        Assert.True(groups[0].Tag[1].Deleted);
        Assert.Equal("TAG_GROUPID1", added.GroupId);
        Assert.Equal(2, added.Tag.Count);
    }

    [Fact]
    public async Task Contact_way_samples()
    {
        var created = await _client.AddContactWayAsync(new WeComContactWay { Type = 1, Scene = 2, User = ["zhangsan"], State = "teststate" });
        var way = await _client.GetContactWayAsync(created.ConfigId);
        var page = await _client.ListContactWaysAsync();

        Assert.Equal("42b34949e138eb6e027c123cba77fAAA", created.ConfigId);
        Assert.Equal("teststate", way.State);
        Assert.Equal(new long[] { 2, 3 }, way.Party);
        Assert.Equal("文本消息内容", way.Conclusions!.Text!.Content);
        Assert.Equal(2, page.ContactWay.Count);
    }

    [Fact]
    public async Task Msg_template_and_message_send_samples()
    {
        var template = await _client.AddMsgTemplateAsync(new WeComMsgTemplate { Text = new WeComText { Content = "hi" } });
        var sent = await _client.SendAppTextAsync(1, "UserID1", "hello");

        Assert.Equal("msgGCAAAXtWyujaWJHDDGi0mAAAA", template.MsgId);
        Assert.Equal(new[] { "wmqfasd1e1927831123109rBAAAA" }, template.FailList);
        Assert.Equal("userid1|userid2", sent.InvalidUser);
    }

    [Fact]
    public async Task Groupchat_list_and_get_samples()
    {
        var page = await _client.ListGroupChatsAsync(new WeComGroupChatListRequest { Limit = 10 });
        var chat = await _client.GetGroupChatAsync("wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA", needName: true);

        Assert.Equal(2, page.GroupChatList.Count);
        Assert.Equal(WeComGroupChatStatus.Normal, page.GroupChatList[1].Status);
        Assert.Equal("tJzlB9tdqfh-g7i_J-ehOz_TWcd7dSKa39_AqCIeMFw", page.NextCursor);
        Assert.Equal("销售客服群", chat.Name);
        Assert.Equal("ZhuShengBen", chat.Owner);
        Assert.Equal(1572505490, chat.CreateTime);
        Assert.Equal("文明沟通，拒绝脏话", chat.Notice);
        var staff = chat.MemberList[0];
        Assert.Equal((WeComGroupChatMemberType.Staff, "abel", "jack", "客服小张", "张三丰", "klsdup3kj3s1"),
            (staff.Type, staff.UserId, staff.Invitor!.UserId, staff.GroupNickname, staff.Name, staff.State));
        var external = chat.MemberList[1];
        Assert.Equal((WeComGroupChatMemberType.External, "ozynqsulJFCZ2z1aYeS8h-nuasdAAA", 1572505491L, 1, "王语嫣"),
            (external.Type, external.UnionId, external.JoinTime, external.JoinScene, external.Name));
        Assert.Null(external.Invitor);
        Assert.Equal(["sam", "pony"], chat.AdminList.Select(a => a.UserId));
        Assert.Equal("71217227bbd112ecfe3a49c482195cb4", chat.MemberVersion);
    }

    [Fact]
    public async Task Groupmsg_list_task_and_send_result_samples()
    {
        var list = await _client.GetGroupMsgListV2Async(new WeComGroupMsgListRequest { ChatType = "single", StartTime = 1605171726, EndTime = 1605172726 });
        var tasks = await _client.GetGroupMsgTaskAsync("msgGCAAAXtWyujaWJHDDGi0mACAAAA");
        var results = await _client.GetGroupMsgSendResultAsync("msgGCAAAXtWyujaWJHDDGi0mACAAAA", "zhangsan");

        var msg = Assert.Single(list.GroupMsgList);
        Assert.Equal("CURSOR", list.NextCursor);
        Assert.Equal(("msgGCAAAXtWyujaWJHDDGi0mAAAA", "xxxx", 123456789L, 1), (msg.MsgId, msg.Creator, msg.CreateTime, msg.CreateType));
        Assert.Equal("文本消息内容", msg.Text!.Content);
        Assert.Equal(["image", "link", "miniprogram", "video"], msg.Attachments!.Select(a => a.MsgType));
        Assert.Equal("wx8bd80126147dfAAA", msg.Attachments![2].MiniProgram!.AppId);
        Assert.Equal("MEDIA_ID", msg.Attachments[3].Video!.MediaId);

        var task = Assert.Single(tasks.TaskList);
        Assert.Equal(("zhangsan", 1552536375L), (task.UserId, task.SendTime));
        Assert.Equal("CURSOR", tasks.NextCursor);

        var result = Assert.Single(results.SendList);
        Assert.Equal(("wmqfasd1e19278asdasAAAA", "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA", "zhangsan", WeComGroupMsgSendStatus.Sent, 1552536375L),
            (result.ExternalUserId, result.ChatId, result.UserId, result.Status, result.SendTime));
    }

    [Fact]
    public async Task Transfer_samples_report_per_customer_errcodes_and_statuses()
    {
        var request = new WeComTransferCustomerRequest
        {
            HandoverUserId = "zhangsan", TakeoverUserId = "lisi", ExternalUserId = ["woAJ2GCAAAXtWyujaWJHDDGi0mACAAAA", "woAJ2GCAAAXtWyujaWJHDDGi0mACBBBB"],
        };
        var onJob = await _client.TransferCustomerAsync(request);
        var resigned = await _client.ResignedTransferCustomerAsync(request);
        var result = await _client.GetTransferResultAsync("zhangsan", "lisi");
        var resignedResult = await _client.GetResignedTransferResultAsync("zhangsan", "lisi");

        Assert.Equal([(WeComErrorCodes.InvalidExternalUserId, false), (0, true)], onJob.Select(c => (c.ErrCode, c.Started)));
        Assert.Equal([0, WeComErrorCodes.InvalidExternalUserId], resigned.Select(c => c.ErrCode));
        foreach (var page in new[] { result, resignedResult })
        {
            Assert.Equal([WeComTransferStatus.Done, WeComTransferStatus.Waiting, WeComTransferStatus.Refused], page.Customer.Select(c => c.Status));
            Assert.Equal([1588262400L, 1588482400L, 0L], page.Customer.Select(c => c.TakeoverTime));
            Assert.Equal("NEXT_CURSOR", page.NextCursor);
        }
    }

    [Fact]
    public async Task Status_only_apis_succeed_on_a_plain_ok()
    {
        await _client.EditCorpTagAsync("TAG_ID", "NEW_TAG_NAME", 1);
        await _client.DeleteCorpTagsAsync(["TAG_ID_1"], ["GROUP_ID_1"]);
        await _client.UpdateContactWayAsync(new WeComContactWayUpdate { ConfigId = "42b34949e138eb6e027c123cba77fAAA", State = "teststate" });
    }

    /// <summary>Each request, with every field set, uses exactly the field names of WeCom's documented example.</summary>
    [Fact]
    public async Task Requests_use_the_documented_field_names()
    {
        var conclusions = new WeComConclusions
        {
            Text = new WeComText { Content = "bye" },
            Image = new WeComImage { MediaId = "m" },
            Link = new WeComLink { Title = "t", PicUrl = "p", Desc = "d", Url = "u" },
            MiniProgram = new WeComMiniProgram { Title = "t", PicMediaId = "m", AppId = "a", Page = "p" },
        };
        await _client.EditCorpTagAsync("TAG_ID", "NEW_TAG_NAME", 1, agentId: 1000014);
        await _client.DeleteCorpTagsAsync(["TAG_ID_1"], ["GROUP_ID_1"], agentId: 1000014);
        await _client.UpdateContactWayAsync(new WeComContactWayUpdate
        {
            ConfigId = "c", Remark = "r", SkipVerify = true, Style = 1, State = "s", User = ["u"], Party = [2], ExpiresIn = 86400,
            ChatExpiresIn = 86400, UnionId = "o", MarkSource = true, Conclusions = conclusions,
        });
        await _client.ListGroupChatsAsync(new WeComGroupChatListRequest
        {
            StatusFilter = 0, OwnerFilter = new WeComGroupChatOwnerFilter { UserIdList = ["abel"] }, Cursor = "c", Limit = 10,
        });
        await _client.GetGroupChatAsync("wr1", needName: true);
        await _client.GetGroupMsgListV2Async(new WeComGroupMsgListRequest
        {
            ChatType = "single", StartTime = 1, EndTime = 2, Creator = "zhangshan", FilterType = 1, Limit = 50, Cursor = "c",
        });
        await _client.GetGroupMsgTaskAsync("msg", "c", 50);
        await _client.GetGroupMsgSendResultAsync("msg", "zhangsan", "c", 50);
        var transfer = new WeComTransferCustomerRequest { HandoverUserId = "a", TakeoverUserId = "b", ExternalUserId = ["w"] };
        await _client.TransferCustomerAsync(transfer with { TransferSuccessMsg = "hi" });
        await _client.ResignedTransferCustomerAsync(transfer);
        await _client.GetTransferResultAsync("a", "b", "c");
        await _client.GetResignedTransferResultAsync("a", "b", "c");
        await _client.UpdateRemarkAsync(new WeComRemarkUpdate
        {
            UserId = "zhangsan", ExternalUserId = "w", Remark = "r", Description = "d", RemarkCompany = "c", RemarkMobiles = ["1"], RemarkPicMediaId = "m",
        });

        string[] paths =
        [
            "externalcontact/edit_corp_tag", "externalcontact/del_corp_tag", "externalcontact/update_contact_way",
            "externalcontact/groupchat/list", "externalcontact/groupchat/get", "externalcontact/get_groupmsg_list_v2",
            "externalcontact/get_groupmsg_task", "externalcontact/get_groupmsg_send_result", "externalcontact/transfer_customer",
            "externalcontact/resigned/transfer_customer", "externalcontact/transfer_result", "externalcontact/resigned/transfer_result",
            "externalcontact/remark",
        ];
        foreach (var path in paths)
        {
            var sample = WeComSamples.ReadPayload(Path.Combine(WeComSamples.ApiDirectory, path.Replace("/", "__", StringComparison.Ordinal) + ".request.json"));
            Assert.Equal(FieldNames(sample), FieldNames(_handler.Requests[path]));
        }
    }

    private static List<string> FieldNames(string json)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        var names = new List<string>();
        void Walk(System.Text.Json.JsonElement element, string prefix)
        {
            if (element.ValueKind != System.Text.Json.JsonValueKind.Object)
            {
                return;
            }

            foreach (var property in element.EnumerateObject())
            {
                names.Add(prefix + property.Name);
                Walk(property.Value, prefix + property.Name + ".");
            }
        }

        Walk(doc.RootElement, "");
        return [.. names.Order(StringComparer.Ordinal)];
    }

    /// <summary>Serves each API path's golden response file, and a plain ok for APIs without one; keeps the last request body per path.</summary>
    private sealed class GoldenHandler : HttpMessageHandler
    {
        public System.Collections.Concurrent.ConcurrentDictionary<string, string> Requests { get; } = new();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath.TrimStart('/');
            Assert.StartsWith("cgi-bin/", path, StringComparison.Ordinal);
            var apiPath = path["cgi-bin/".Length..];
            if (request.Content is not null)
            {
                Requests[apiPath] = await request.Content.ReadAsStringAsync(cancellationToken);
            }

            var file = Path.Combine(WeComSamples.ApiDirectory, apiPath.Replace("/", "__", StringComparison.Ordinal) + ".response.json");
            var body = File.Exists(file) ? WeComSamples.ReadPayload(file) : """{"errcode":0,"errmsg":"ok"}""";
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        }
    }
}
