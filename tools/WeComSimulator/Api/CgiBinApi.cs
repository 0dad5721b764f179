using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Siyu.WeCom.Api;
using Siyu.WeComSimulator.State;

namespace Siyu.WeComSimulator.Api;

/// <summary>The WeCom server API (<c>/cgi-bin/...</c>) with WeCom's JSON shapes and errcodes.</summary>
internal static class CgiBinApi
{
    private const int DataFormatError = 47001;

    public static IEndpointRouteBuilder MapCgiBinApi(this IEndpointRouteBuilder app)
    {
        // Every call is counted and may hit an injected fault (45009 and friends, or an HTTP 5xx) first;
        // every API but gettoken then needs a valid access_token: 41001 missing, 40014 unknown, 42001 expired.
        var api = app.MapGroup("/cgi-bin").AddEndpointFilter(async (context, next) =>
        {
            var request = context.HttpContext.Request;
            var corp = context.HttpContext.RequestServices.GetRequiredService<SimulatedCorp>();
            var path = SimulatedCorp.NormalizePath(request.Path.Value ?? string.Empty);
            if (corp.OnApiCall(path) is { } fault)
            {
                return fault.HttpStatus is { } status
                    ? Results.Text("<html><body>simulated gateway error</body></html>", "text/html", statusCode: status)
                    : SimJson.Write(SimulatedCorp.FaultAnswer(fault));
            }

            if (path == "gettoken")
            {
                return await next(context);
            }

            var rejection = corp.CheckToken(request.Query["access_token"]);
            return rejection is null ? await next(context) : SimJson.Write(rejection);
        });

        api.MapGet("/gettoken", (string? corpid, string? corpsecret, SimulatedCorp corp) =>
            SimJson.Write(corp.GetToken(corpid, corpsecret)));

        api.MapGet("/department/list", (string? id, SimulatedCorp corp) =>
        {
            if (string.IsNullOrEmpty(id))
            {
                return SimJson.Write(corp.ListDepartments(null));
            }

            return long.TryParse(id, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed)
                ? SimJson.Write(corp.ListDepartments(parsed))
                : SimJson.Error(60123, "invalid party id");
        });

        api.MapPost("/user/list_id", (HttpRequest request, SimulatedCorp corp) =>
            WithBody(request, body => corp.ListUserIds(SimulatedCorp.Str(body, "cursor"), Int(body, "limit"))));

        api.MapGet("/user/get", (string? userid, SimulatedCorp corp) => SimJson.Write(corp.GetUser(userid)));

        api.MapGet("/externalcontact/get_follow_user_list", (SimulatedCorp corp) => SimJson.Write(corp.GetFollowUserList()));

        api.MapGet("/externalcontact/list", (string? userid, SimulatedCorp corp) => SimJson.Write(corp.ListExternalContacts(userid)));

        api.MapGet("/externalcontact/get", (string? external_userid, SimulatedCorp corp) =>
            SimJson.Write(corp.GetExternalContact(external_userid)));

        api.MapPost("/externalcontact/batch/get_by_user", (HttpRequest request, SimulatedCorp corp) =>
            WithBody(request, body => corp.BatchGetByUser(
                SimulatedCorp.StrList(body, "userid_list"), SimulatedCorp.Str(body, "cursor"), Int(body, "limit"))));

        api.MapPost("/externalcontact/remark", (HttpRequest request, SimulatedCorp corp) =>
            WithBody(request, corp.UpdateRemark));

        api.MapPost("/externalcontact/get_corp_tag_list", async (HttpRequest request, SimulatedCorp corp) =>
        {
            // An empty body means "all tags".
            if (request.ContentLength is 0)
            {
                return SimJson.Write(corp.GetCorpTagList([], []));
            }

            return await WithBody(request, body => corp.GetCorpTagList(
                SimulatedCorp.StrList(body, "tag_id"), SimulatedCorp.StrList(body, "group_id")));
        });

        api.MapPost("/externalcontact/add_corp_tag", (HttpRequest request, SimulatedCorp corp) =>
            WithBody<WeComAddCorpTagRequest>(request, corp.AddCorpTag));

        api.MapPost("/externalcontact/edit_corp_tag", (HttpRequest request, SimulatedCorp corp) =>
            WithBody(request, corp.EditCorpTag));

        api.MapPost("/externalcontact/del_corp_tag", (HttpRequest request, SimulatedCorp corp) =>
            WithBody(request, body => corp.DeleteCorpTag(SimulatedCorp.StrList(body, "tag_id"), SimulatedCorp.StrList(body, "group_id"))));

        api.MapPost("/externalcontact/mark_tag", (HttpRequest request, SimulatedCorp corp) =>
            WithBody(request, body => corp.MarkTag(
                SimulatedCorp.Str(body, "userid"), SimulatedCorp.Str(body, "external_userid"),
                SimulatedCorp.StrList(body, "add_tag"), SimulatedCorp.StrList(body, "remove_tag"))));

        api.MapPost("/externalcontact/add_contact_way", (HttpRequest request, SimulatedCorp corp) =>
            // The QR image is served by the simulator itself (/sim/qr/{config_id}.png), like WeCom's wework.qpic.cn links.
            WithBody<WeComContactWay>(request, way => corp.AddContactWay(way, $"{request.Scheme}://{request.Host}/sim/qr/")));

        api.MapPost("/externalcontact/get_contact_way", (HttpRequest request, SimulatedCorp corp) =>
            WithBody(request, body => corp.GetContactWay(SimulatedCorp.Str(body, "config_id"))));

        api.MapPost("/externalcontact/update_contact_way", (HttpRequest request, SimulatedCorp corp) =>
            WithBody<WeComContactWayUpdate>(request, corp.UpdateContactWay));

        api.MapPost("/externalcontact/del_contact_way", (HttpRequest request, SimulatedCorp corp) =>
            WithBody(request, body => corp.DeleteContactWay(SimulatedCorp.Str(body, "config_id"))));

        api.MapPost("/externalcontact/list_contact_way", (HttpRequest request, SimulatedCorp corp) =>
            WithBody(request, body => corp.ListContactWays(
                Long(body, "start_time"), Long(body, "end_time"), SimulatedCorp.Str(body, "cursor"), Int(body, "limit"))));

        api.MapPost("/externalcontact/send_welcome_msg", (HttpRequest request, SimulatedCorp corp) =>
            WithBody(request, corp.SendWelcomeMessage));

        api.MapPost("/externalcontact/add_msg_template", (HttpRequest request, SimulatedCorp corp) =>
            WithBody(request, corp.AddMsgTemplate));

        api.MapPost("/externalcontact/get_groupmsg_list_v2", (HttpRequest request, SimulatedCorp corp) =>
            WithBody(request, corp.GetGroupMsgListV2));

        api.MapPost("/externalcontact/get_groupmsg_task", (HttpRequest request, SimulatedCorp corp) =>
            WithBody(request, corp.GetGroupMsgTask));

        api.MapPost("/externalcontact/get_groupmsg_send_result", (HttpRequest request, SimulatedCorp corp) =>
            WithBody(request, corp.GetGroupMsgSendResult));

        api.MapPost("/externalcontact/groupchat/list", (HttpRequest request, SimulatedCorp corp) =>
            WithBody(request, corp.ListGroupChats));

        api.MapPost("/externalcontact/groupchat/get", (HttpRequest request, SimulatedCorp corp) =>
            WithBody(request, corp.GetGroupChat));

        api.MapPost("/externalcontact/groupchat/add_join_way", (HttpRequest request, SimulatedCorp corp) =>
            WithBody<WeComJoinWay>(request, corp.AddJoinWay));

        api.MapPost("/externalcontact/groupchat/get_join_way", (HttpRequest request, SimulatedCorp corp) =>
            WithBody(request, body => corp.GetJoinWay(SimulatedCorp.Str(body, "config_id"))));

        api.MapPost("/externalcontact/groupchat/update_join_way", (HttpRequest request, SimulatedCorp corp) =>
            WithBody<WeComJoinWay>(request, corp.UpdateJoinWay));

        api.MapPost("/externalcontact/groupchat/del_join_way", (HttpRequest request, SimulatedCorp corp) =>
            WithBody(request, body => corp.DeleteJoinWay(SimulatedCorp.Str(body, "config_id"))));

        api.MapPost("/externalcontact/group_welcome_template/add", (HttpRequest request, SimulatedCorp corp) =>
            WithBody<WeComGroupWelcomeTemplate>(request, corp.AddGroupWelcomeTemplate));

        api.MapPost("/externalcontact/group_welcome_template/edit", (HttpRequest request, SimulatedCorp corp) =>
            WithBody<WeComGroupWelcomeTemplate>(request, corp.EditGroupWelcomeTemplate));

        api.MapPost("/externalcontact/group_welcome_template/get", (HttpRequest request, SimulatedCorp corp) =>
            WithBody(request, corp.GetGroupWelcomeTemplate));

        api.MapPost("/externalcontact/group_welcome_template/del", (HttpRequest request, SimulatedCorp corp) =>
            WithBody(request, corp.DeleteGroupWelcomeTemplate));

        api.MapPost("/externalcontact/transfer_customer", (HttpRequest request, SimulatedCorp corp) =>
            WithBody(request, body => corp.TransferCustomer(body, resigned: false)));

        api.MapPost("/externalcontact/transfer_result", (HttpRequest request, SimulatedCorp corp) =>
            WithBody(request, body => corp.TransferResult(body, resigned: false)));

        api.MapPost("/externalcontact/resigned/transfer_customer", (HttpRequest request, SimulatedCorp corp) =>
            WithBody(request, body => corp.TransferCustomer(body, resigned: true)));

        api.MapPost("/externalcontact/resigned/transfer_result", (HttpRequest request, SimulatedCorp corp) =>
            WithBody(request, body => corp.TransferResult(body, resigned: true)));

        api.MapPost("/message/send", (HttpRequest request, SimulatedCorp corp) =>
            WithBody(request, corp.SendAppMessage));

        api.MapGet("/get_jsapi_ticket", (SimulatedCorp corp) => SimJson.Write(corp.GetJsApiTicket(agent: false)));
        api.MapGet("/ticket/get", (string? type, SimulatedCorp corp) =>
            type == "agent_config" ? SimJson.Write(corp.GetJsApiTicket(agent: true)) : SimJson.Error(40004, "invalid type"));
        api.MapGet("/auth/getuserinfo", (string? code, SimulatedCorp corp) => SimJson.Write(corp.GetUserInfoByCode(code)));

        return app;
    }

    private static async Task<IResult> WithBody(HttpRequest request, Func<JsonObject, SimResult> handle)
    {
        var body = await SimJson.ReadObjectAsync(request);
        return body is null ? SimJson.Error(DataFormatError, "data format error") : SimJson.Write(handle(body));
    }

    private static async Task<IResult> WithBody<T>(HttpRequest request, Func<T, SimResult> handle)
        where T : class
    {
        var body = await SimJson.ReadObjectAsync(request);
        var typed = body is null ? null : SimJson.As<T>(body);
        return typed is null ? SimJson.Error(DataFormatError, "data format error") : SimJson.Write(handle(typed));
    }

    private static int? Int(JsonObject body, string name) =>
        body[name] is JsonValue v && v.TryGetValue<int>(out var i) ? i : null;

    private static long? Long(JsonObject body, string name) =>
        body[name] is JsonValue v && v.TryGetValue<long>(out var l) ? l : null;
}
