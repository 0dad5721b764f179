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
        app.MapGet("/cgi-bin/gettoken", (string? corpid, string? corpsecret, SimulatedCorp corp) =>
            SimJson.Write(corp.GetToken(corpid, corpsecret)));

        // Every other API needs a valid access_token: 41001 missing, 40014 unknown, 42001 expired.
        var api = app.MapGroup("/cgi-bin").AddEndpointFilter(async (context, next) =>
        {
            var corp = context.HttpContext.RequestServices.GetRequiredService<SimulatedCorp>();
            var rejection = corp.CheckToken(context.HttpContext.Request.Query["access_token"]);
            return rejection is null ? await next(context) : SimJson.Write(rejection);
        });

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

        api.MapPost("/externalcontact/mark_tag", (HttpRequest request, SimulatedCorp corp) =>
            WithBody(request, body => corp.MarkTag(
                SimulatedCorp.Str(body, "userid"), SimulatedCorp.Str(body, "external_userid"),
                SimulatedCorp.StrList(body, "add_tag"), SimulatedCorp.StrList(body, "remove_tag"))));

        api.MapPost("/externalcontact/add_contact_way", (HttpRequest request, SimulatedCorp corp) =>
            WithBody<WeComContactWay>(request, corp.AddContactWay));

        api.MapPost("/externalcontact/get_contact_way", (HttpRequest request, SimulatedCorp corp) =>
            WithBody(request, body => corp.GetContactWay(SimulatedCorp.Str(body, "config_id"))));

        api.MapPost("/externalcontact/del_contact_way", (HttpRequest request, SimulatedCorp corp) =>
            WithBody(request, body => corp.DeleteContactWay(SimulatedCorp.Str(body, "config_id"))));

        api.MapPost("/externalcontact/list_contact_way", (HttpRequest request, SimulatedCorp corp) =>
            WithBody(request, body => corp.ListContactWays(
                Long(body, "start_time"), Long(body, "end_time"), SimulatedCorp.Str(body, "cursor"), Int(body, "limit"))));

        api.MapPost("/externalcontact/send_welcome_msg", (HttpRequest request, SimulatedCorp corp) =>
            WithBody(request, corp.SendWelcomeMessage));

        api.MapPost("/externalcontact/add_msg_template", (HttpRequest request, SimulatedCorp corp) =>
            WithBody(request, corp.AddMsgTemplate));

        api.MapPost("/message/send", (HttpRequest request, SimulatedCorp corp) =>
            WithBody(request, corp.SendAppMessage));

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
