using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Siyu.WeComSimulator.State;

namespace Siyu.WeComSimulator.Sim;

/// <summary>
/// <c>/sim/...</c>: not part of WeCom. Drives what happens on the WeChat side and lets tests and the demo
/// read what Siyu did (messages sent, callbacks delivered).
/// </summary>
internal static class SimApi
{
    public static IEndpointRouteBuilder MapSimApi(this IEndpointRouteBuilder app)
    {
        var sim = app.MapGroup("/sim");

        sim.MapPost("/contacts/add", async (AddContactRequest request, SimulatorControl control, CancellationToken ct) =>
        {
            if (string.IsNullOrEmpty(request.UserId) || string.IsNullOrEmpty(request.Name))
            {
                return Results.Json(new { error = "userid and name are required" }, SimJson.Options, statusCode: 400);
            }

            var added = await control.AddContactAsync(request.UserId, request.Name, request.State, request.ExternalUserId, ct);
            return added is null
                ? Results.Json(new { error = "unknown userid " + request.UserId }, SimJson.Options, statusCode: 404)
                : Results.Json(new { external_userid = added.ExternalUserId, welcome_code = added.WelcomeCode, callback = added.Callback }, SimJson.Options);
        });

        sim.MapPost("/contacts/delete", async (DeleteContactRequest request, SimulatorControl control, CancellationToken ct) =>
        {
            if (string.IsNullOrEmpty(request.UserId) || string.IsNullOrEmpty(request.ExternalUserId))
            {
                return Results.Json(new { error = "userid and external_userid are required" }, SimJson.Options, statusCode: 400);
            }

            try
            {
                var callback = await control.DeleteContactAsync(request.UserId, request.ExternalUserId, request.By == "customer", ct);
                return Results.Json(new { deleted = true, callback }, SimJson.Options);
            }
            catch (InvalidOperationException ex)
            {
                return Results.Json(new { error = ex.Message }, SimJson.Options, statusCode: 404);
            }
        });

        // The image behind a contact way's qr_code: a real PNG QR code of the way's link (see SimulatedCorp.ContactWayLink).
        sim.MapGet("/qr/{configId}.png", (string configId, SimulatedCorp corp) =>
        {
            if (!corp.HasContactWay(configId))
            {
                return Results.NotFound();
            }
            using var generator = new QRCoder.QRCodeGenerator();
            using var data = generator.CreateQrCode(SimulatedCorp.ContactWayLink(configId), QRCoder.QRCodeGenerator.ECCLevel.M);
            return Results.File(new QRCoder.PngByteQRCode(data).GetGraphic(8), "image/png");
        });

        sim.MapGet("/messages", (string? kind, SimulatedCorp corp) =>
            Results.Json(new { messages = corp.Messages.Where(m => kind is null || m.Kind == kind).ToList() }, SimJson.Options));

        // What an SDK sidecar has after GetChatData(seq, limit) and DecryptData: Siyu's demo puller reads it like one.
        sim.MapGet("/archive/chatdata", (long? seq, int? limit, SimulatedCorp corp) =>
            Results.Json(new { errcode = 0, errmsg = "ok", chatdata = corp.ArchiveSince(seq ?? 0, limit ?? 100) }, SimJson.Options));

        sim.MapGet("/callbacks", (SimulatedCorp corp) => Results.Json(new { callbacks = corp.Callbacks }, SimJson.Options));

        sim.MapGet("/state", (SimulatedCorp corp) => Results.Json(corp.Snapshot(), SimJson.Options));

        sim.MapPost("/tokens/expire", (SimulatedCorp corp) =>
        {
            corp.ExpireAllTokens();
            return Results.Json(new { expired = true }, SimJson.Options);
        });

        sim.MapPost("/ratelimit", (RateLimitRequest request, SimulatorControl control) => Guard(() =>
        {
            control.InjectRateLimit(request.Count ?? 1, request.Path, request.ErrCode ?? WeCom.Api.WeComErrorCodes.ApiFrequencyLimit, request.HttpStatus);
            return Task.FromResult<object>(new { injected = request.Count ?? 1 });
        }));

        sim.MapDelete("/ratelimit", (SimulatedCorp corp) =>
        {
            corp.ClearFaults();
            return Results.Json(new { cleared = true }, SimJson.Options);
        });

        sim.MapPost("/masssend/confirm", (MassSendConfirmRequest request, SimulatorControl control) => Guard(() =>
            Task.FromResult<object>(control.ConfirmMassSend(Required(request.MsgId, "msgid"), Required(request.UserId, "userid")))));

        sim.MapPost("/masssend/received", (MassReceivedRequest request, SimulatorControl control) => Guard(() =>
        {
            control.AddMassReceipts(Required(request.ExternalUserId, "external_userid"), request.Count ?? 1);
            return Task.FromResult<object>(new { cap = control.Corp.MassMessageMonthlyCap });
        }));

        sim.MapPost("/transfers/complete", (CompleteTransfersRequest request, SimulatorControl control, CancellationToken ct) => Guard(async () =>
        {
            var outcome = request.Outcome switch
            {
                null or "accept" => SimTransferOutcome.Accept,
                "refuse" => SimTransferOutcome.Refuse,
                "limit" => SimTransferOutcome.Limit,
                _ => throw new ArgumentException("outcome is accept, refuse or limit."),
            };
            var (completed, callbacks) = await control.CompleteTransfersAsync(request.HandoverUserId, request.TakeoverUserId, request.ExternalUserId, outcome, ct);
            return new { completed, callbacks };
        }));

        sim.MapPost("/users/create", (UserRequest request, SimulatorControl control, CancellationToken ct) => Guard(async () =>
            await control.CreateUserAsync(Required(request.UserId, "userid"), Required(request.Name, "name"), request.Department,
                request.Position, request.Mobile, request.Gender, request.Email, ct)));

        sim.MapPost("/users/update", (UserRequest request, SimulatorControl control, CancellationToken ct) => Guard(async () =>
            await control.UpdateUserAsync(Required(request.UserId, "userid"), request.Name, request.Department, request.Position, request.Mobile,
                request.Email, ct)));

        sim.MapPost("/users/resign", (UserRequest request, SimulatorControl control, CancellationToken ct) => Guard(async () =>
            await control.ResignUserAsync(Required(request.UserId, "userid"), ct)));

        sim.MapPost("/groups/create", (GroupRequest request, SimulatorControl control, CancellationToken ct) => Guard(async () =>
            await control.CreateGroupAsync(Required(request.Owner, "owner"), Required(request.Name, "name"), request.Members, ct)));

        sim.MapPost("/groups/join", (GroupRequest request, SimulatorControl control, CancellationToken ct) => Guard(async () =>
            await control.JoinGroupAsync(Required(request.ChatId, "chat_id"), request.ExternalUserId ?? request.UserId, request.Name,
                request.JoinScene ?? 3, request.Invitor, ct)));

        // A WeChat user scans a group join way (群活码): config_id, and external_userid for one of the corp's customers or name for a new WeChat user.
        sim.MapPost("/groups/scan", (GroupScanRequest request, SimulatorControl control, CancellationToken ct) => Guard(async () =>
            await control.ScanJoinWayAsync(Required(request.ConfigId, "config_id"), request.ExternalUserId, request.Name, ct)));

        sim.MapPost("/groups/leave", (GroupRequest request, SimulatorControl control, CancellationToken ct) => Guard(async () =>
            await control.LeaveGroupAsync(Required(request.ChatId, "chat_id"), Required(request.ExternalUserId ?? request.UserId, "userid or external_userid"),
                request.QuitScene ?? 0, ct)));

        sim.MapPost("/groups/dismiss", (GroupRequest request, SimulatorControl control, CancellationToken ct) => Guard(async () =>
            await control.DismissGroupAsync(Required(request.ChatId, "chat_id"), ct)));

        sim.MapPost("/tags/change", (TagChangeRequest request, SimulatorControl control, CancellationToken ct) => Guard(async () =>
            await control.ChangeCorpTagAsync(Required(request.ChangeType, "change_type"), request.Id, request.GroupName, request.Name, ct)));

        // WeCom's OAuth page (open.weixin.qq.com/connect/oauth2/authorize): back to redirect_uri with a one-time code for
        // the member (sim_userid, or the first member), as the WeCom client does for a signed-in member.
        app.MapGet("/connect/oauth2/authorize", (string? redirect_uri, string? state, string? sim_userid, SimulatedCorp corp) =>
        {
            if (redirect_uri is null || !Uri.TryCreate(redirect_uri, UriKind.Absolute, out var target))
            {
                return Results.BadRequest("redirect_uri is required");
            }
            string code;
            try
            {
                code = corp.IssueOAuthCode(sim_userid);
            }
            catch (KeyNotFoundException e)
            {
                return Results.NotFound(e.Message);
            }
            var query = $"code={Uri.EscapeDataString(code)}&state={Uri.EscapeDataString(state ?? "")}";
            return Results.Redirect(redirect_uri + (string.IsNullOrEmpty(target.Query) ? "?" : "&") + query);
        });

        sim.MapGet("/jsapi-tickets", (SimulatedCorp corp) =>
        {
            var (corpTicket, agentTicket) = corp.JsApiTickets();
            return Results.Json(new { corp = corpTicket, agent = agentTicket }, SimJson.Options);
        });

        sim.MapPost("/oauth/code", (UserRequest request, SimulatedCorp corp) => Guard(() =>
            Task.FromResult<object>(new { code = corp.IssueOAuthCode(Required(request.UserId, "userid")) })));

        return app;
    }

    /// <summary>Bad input 400, unknown ids 404, impossible actions 409; the body names the problem.</summary>
    private static async Task<IResult> Guard(Func<Task<object>> action)
    {
        try
        {
            return Results.Json(await action(), SimJson.Options);
        }
        catch (ArgumentException ex)
        {
            return Results.Json(new { error = ex.Message }, SimJson.Options, statusCode: 400);
        }
        catch (KeyNotFoundException ex)
        {
            return Results.Json(new { error = ex.Message }, SimJson.Options, statusCode: 404);
        }
        catch (InvalidOperationException ex)
        {
            return Results.Json(new { error = ex.Message }, SimJson.Options, statusCode: 409);
        }
    }

    private static string Required(string? value, string name) =>
        string.IsNullOrEmpty(value) ? throw new ArgumentException(name + " is required.") : value;

    /// <param name="Path">An API path such as <c>externalcontact/groupchat/list</c>; null for every API.</param>
    internal sealed record RateLimitRequest(
        [property: JsonPropertyName("count")] int? Count,
        [property: JsonPropertyName("path")] string? Path,
        [property: JsonPropertyName("errcode")] int? ErrCode,
        [property: JsonPropertyName("http_status")] int? HttpStatus);

    internal sealed record MassSendConfirmRequest(
        [property: JsonPropertyName("msgid")] string? MsgId,
        [property: JsonPropertyName("userid")] string? UserId);

    internal sealed record MassReceivedRequest(
        [property: JsonPropertyName("external_userid")] string? ExternalUserId,
        [property: JsonPropertyName("count")] int? Count);

    /// <param name="Outcome"><c>accept</c> (default), <c>refuse</c> or <c>limit</c>.</param>
    internal sealed record CompleteTransfersRequest(
        [property: JsonPropertyName("handover_userid")] string? HandoverUserId,
        [property: JsonPropertyName("takeover_userid")] string? TakeoverUserId,
        [property: JsonPropertyName("external_userid")] string? ExternalUserId,
        [property: JsonPropertyName("outcome")] string? Outcome);

    internal sealed record UserRequest(
        [property: JsonPropertyName("userid")] string? UserId,
        [property: JsonPropertyName("name")] string? Name,
        [property: JsonPropertyName("department")] IReadOnlyList<long>? Department,
        [property: JsonPropertyName("position")] string? Position,
        [property: JsonPropertyName("mobile")] string? Mobile,
        [property: JsonPropertyName("gender")] string? Gender,
        [property: JsonPropertyName("email")] string? Email);

    internal sealed record GroupScanRequest(
        [property: JsonPropertyName("config_id")] string? ConfigId,
        [property: JsonPropertyName("external_userid")] string? ExternalUserId,
        [property: JsonPropertyName("name")] string? Name);

    internal sealed record GroupRequest(
        [property: JsonPropertyName("chat_id")] string? ChatId,
        [property: JsonPropertyName("owner")] string? Owner,
        [property: JsonPropertyName("name")] string? Name,
        [property: JsonPropertyName("members")] IReadOnlyList<string>? Members,
        [property: JsonPropertyName("external_userid")] string? ExternalUserId,
        [property: JsonPropertyName("userid")] string? UserId,
        [property: JsonPropertyName("join_scene")] int? JoinScene,
        [property: JsonPropertyName("quit_scene")] int? QuitScene,
        [property: JsonPropertyName("invitor")] string? Invitor);

    /// <param name="ChangeType"><c>create</c> (group_name, name), <c>update</c> (id, name) or <c>delete</c> (id).</param>
    internal sealed record TagChangeRequest(
        [property: JsonPropertyName("change_type")] string? ChangeType,
        [property: JsonPropertyName("id")] string? Id,
        [property: JsonPropertyName("group_name")] string? GroupName,
        [property: JsonPropertyName("name")] string? Name);

    internal sealed record AddContactRequest(
        [property: System.Text.Json.Serialization.JsonPropertyName("userid")] string? UserId,
        [property: System.Text.Json.Serialization.JsonPropertyName("name")] string? Name,
        [property: System.Text.Json.Serialization.JsonPropertyName("state")] string? State,
        [property: System.Text.Json.Serialization.JsonPropertyName("external_userid")] string? ExternalUserId);

    /// <param name="By"><c>staff</c> (default: del_external_contact) or <c>customer</c> (del_follow_user).</param>
    internal sealed record DeleteContactRequest(
        [property: System.Text.Json.Serialization.JsonPropertyName("userid")] string? UserId,
        [property: System.Text.Json.Serialization.JsonPropertyName("external_userid")] string? ExternalUserId,
        [property: System.Text.Json.Serialization.JsonPropertyName("by")] string? By);
}
