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

    /// <summary>Serves each API path's golden response file, and a plain ok for APIs without one.</summary>
    private sealed class GoldenHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath.TrimStart('/');
            Assert.StartsWith("cgi-bin/", path, StringComparison.Ordinal);
            var file = Path.Combine(WeComSamples.ApiDirectory, path["cgi-bin/".Length..].Replace("/", "__", StringComparison.Ordinal) + ".response.json");
            var body = File.Exists(file) ? WeComSamples.ReadPayload(file) : """{"errcode":0,"errmsg":"ok"}""";
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
        }
    }
}
