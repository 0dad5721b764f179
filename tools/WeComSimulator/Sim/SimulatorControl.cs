using Siyu.WeComSimulator.State;

namespace Siyu.WeComSimulator.Sim;

/// <summary>The result of a simulated "customer adds staff member".</summary>
/// <param name="Callback">Null when no CallbackUrl is configured.</param>
public sealed record SimContactAdded(string ExternalUserId, string WelcomeCode, SimCallbackDelivery? Callback);

/// <summary>The outcome of a staff member confirming their part of a mass-send task.</summary>
public sealed record SimMassSendConfirmed(
    [property: System.Text.Json.Serialization.JsonPropertyName("sent")] int Sent,
    [property: System.Text.Json.Serialization.JsonPropertyName("not_friend")] int NotFriend,
    [property: System.Text.Json.Serialization.JsonPropertyName("cap_reached")] int CapReached);

/// <summary>One transfer completed by the simulation (status as transfer_result reports it).</summary>
public sealed record SimTransferCompleted(
    [property: System.Text.Json.Serialization.JsonPropertyName("handover_userid")] string HandoverUserId,
    [property: System.Text.Json.Serialization.JsonPropertyName("takeover_userid")] string TakeoverUserId,
    [property: System.Text.Json.Serialization.JsonPropertyName("external_userid")] string ExternalUserId,
    [property: System.Text.Json.Serialization.JsonPropertyName("status")] int Status);

/// <summary>What a simulated action changed, and the callbacks it sent (empty when no CallbackUrl is configured).</summary>
/// <param name="Id">The id the action created or touched (chat_id, member id, tag id…), when there is one.</param>
public sealed record SimActionResult(
    [property: System.Text.Json.Serialization.JsonPropertyName("id")] string? Id,
    [property: System.Text.Json.Serialization.JsonPropertyName("callbacks")] IReadOnlyList<SimCallbackDelivery> Callbacks);

/// <summary>The group a scan of a group join way landed in, the member's id, and whether the room was created for it.</summary>
public sealed record SimScanResult(
    [property: System.Text.Json.Serialization.JsonPropertyName("chat_id")] string ChatId,
    [property: System.Text.Json.Serialization.JsonPropertyName("member_id")] string MemberId,
    [property: System.Text.Json.Serialization.JsonPropertyName("created_room")] bool CreatedRoom,
    [property: System.Text.Json.Serialization.JsonPropertyName("callbacks")] IReadOnlyList<SimCallbackDelivery> Callbacks);

/// <summary>
/// Things that happen on the WeChat side (a customer adds or removes a staff member), which real WeCom
/// reports to Siyu through callbacks, plus what happens in the WeCom client and admin console (staff confirming
/// mass sends, admins editing tags and staff, transfers completing). Used by the /sim endpoints and directly by
/// in-process hosts. Unknown ids throw <see cref="KeyNotFoundException"/>; impossible actions
/// <see cref="InvalidOperationException"/>.
/// </summary>
public sealed class SimulatorControl
{
    private readonly SimulatedCorp _corp;
    private readonly CallbackSender _callbacks;
    private readonly TimeProvider _time;

    internal SimulatorControl(SimulatedCorp corp, CallbackSender callbacks, SimulatorOptions options)
    {
        _corp = corp;
        _callbacks = callbacks;
        _time = options.TimeProvider;
    }

    public SimulatedCorp Corp => _corp;

    /// <summary>
    /// A WeChat user named <paramref name="name"/> adds staff member <paramref name="userId"/>, via a channel
    /// code whose state is <paramref name="state"/>. Sends add_external_contact with a fresh WelcomeCode.
    /// Returns null when the userid does not exist.
    /// </summary>
    public async Task<SimContactAdded?> AddContactAsync(
        string userId, string name, string? state = null, string? externalUserId = null, CancellationToken cancellationToken = default)
    {
        var added = _corp.AddContact(userId, name, state, externalUserId);
        if (added is not { } a)
        {
            return null;
        }

        var xml = CallbackXml.ChangeExternalContact(_corp.CorpId, a.CreateTime, "add_external_contact", userId, a.ExternalUserId,
            state: state ?? string.Empty, welcomeCode: a.WelcomeCode);
        var delivery = await _callbacks.SendAsync("change_external_contact", "add_external_contact", xml, cancellationToken);
        return new SimContactAdded(a.ExternalUserId, a.WelcomeCode, delivery);
    }

    /// <summary>
    /// Ends a relation: <paramref name="byCustomer"/> false means the staff member removed the customer
    /// (del_external_contact), true that the customer deleted the staff member (del_follow_user).
    /// Throws <see cref="InvalidOperationException"/> when there is no such relation; returns the callback
    /// delivery, or null when no CallbackUrl is configured.
    /// </summary>
    public async Task<SimCallbackDelivery?> DeleteContactAsync(
        string userId, string externalUserId, bool byCustomer = false, CancellationToken cancellationToken = default)
    {
        if (!_corp.DeleteContact(userId, externalUserId))
        {
            throw new InvalidOperationException($"{userId} does not follow {externalUserId}.");
        }

        var changeType = byCustomer ? "del_follow_user" : "del_external_contact";
        var xml = CallbackXml.ChangeExternalContact(_corp.CorpId, _time.GetUtcNow().ToUnixTimeSeconds(), changeType, userId, externalUserId);
        return await _callbacks.SendAsync("change_external_contact", changeType, xml, cancellationToken);
    }

    // ---- Rate limits ----

    /// <summary>
    /// The next <paramref name="count"/> calls (of <paramref name="path"/>, e.g. <c>user/get</c>, or of any API)
    /// answer <paramref name="errCode"/> (45009 "api freq out of limit" by default), or the HTTP status
    /// <paramref name="httpStatus"/> when set.
    /// </summary>
    public void InjectRateLimit(int count, string? path = null, int errCode = WeCom.Api.WeComErrorCodes.ApiFrequencyLimit, int? httpStatus = null) =>
        _corp.InjectFaults(count, path, errCode, httpStatus);

    // ---- Mass send ----

    /// <summary>Staff member <paramref name="userId"/> confirms (sends) their part of mass-send task <paramref name="msgId"/>.</summary>
    public SimMassSendConfirmed ConfirmMassSend(string msgId, string userId)
    {
        var (sent, notFriend, capReached) = _corp.ConfirmMassTask(msgId, userId);
        return new SimMassSendConfirmed(sent, notFriend, capReached);
    }

    /// <summary>Makes a customer have received <paramref name="count"/> corp mass messages this month already.</summary>
    public void AddMassReceipts(string externalUserId, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _corp.AddMassReceipts(externalUserId, count);
    }

    // ---- Transfers ----

    /// <summary>
    /// Completes the waiting transfers matching the filters (null matches all). Accepted on-job transfers send
    /// del_external_contact (Source DELETE_BY_TRANSFER) to the handover and add_external_contact to the takeover
    /// member; accepted resigned transfers only the latter; refused or over-limit ones transfer_fail.
    /// </summary>
    public async Task<(IReadOnlyList<SimTransferCompleted> Completed, IReadOnlyList<SimCallbackDelivery> Callbacks)> CompleteTransfersAsync(
        string? handoverUserId = null, string? takeoverUserId = null, string? externalUserId = null,
        SimTransferOutcome outcome = SimTransferOutcome.Accept, CancellationToken cancellationToken = default)
    {
        var completed = _corp.CompleteTransfers(handoverUserId, takeoverUserId, externalUserId, outcome);
        var deliveries = new List<SimCallbackDelivery>();
        foreach (var t in completed)
        {
            if (t.Status == 1)
            {
                if (!t.Resigned)
                {
                    await SendContactEventAsync(deliveries, "del_external_contact",
                        CallbackXml.ChangeExternalContact(_corp.CorpId, t.At, "del_external_contact", t.Handover, t.ExternalUserId, source: "DELETE_BY_TRANSFER"),
                        cancellationToken);
                }

                await SendContactEventAsync(deliveries, "add_external_contact",
                    CallbackXml.ChangeExternalContact(_corp.CorpId, t.At, "add_external_contact", t.Takeover, t.ExternalUserId),
                    cancellationToken);
            }
            else
            {
                var reason = t.Status == 4 ? "customer_limit_exceed" : "customer_refused";
                await SendContactEventAsync(deliveries, "transfer_fail",
                    CallbackXml.ChangeExternalContact(_corp.CorpId, t.At, "transfer_fail", t.Takeover, t.ExternalUserId, failReason: reason),
                    cancellationToken);
            }
        }

        return ([.. completed.Select(t => new SimTransferCompleted(t.Handover, t.Takeover, t.ExternalUserId, t.Status))], deliveries);
    }

    // ---- Staff (change_contact) ----

    /// <summary>An admin adds staff member <paramref name="userId"/>: change_contact create_user.</summary>
    public Task<SimActionResult> CreateUserAsync(
        string userId, string name, IReadOnlyList<long>? departments = null, string? position = null, string? mobile = null,
        string? gender = null, string? email = null, CancellationToken cancellationToken = default)
    {
        var change = _corp.CreateUser(userId, name, departments, position, mobile, gender, email);
        return SendUserChangeAsync("create_user", change, cancellationToken);
    }

    /// <summary>An admin edits staff member <paramref name="userId"/>: change_contact update_user with the changed fields.</summary>
    public Task<SimActionResult> UpdateUserAsync(
        string userId, string? name = null, IReadOnlyList<long>? departments = null, string? position = null, string? mobile = null,
        string? email = null, CancellationToken cancellationToken = default)
    {
        var change = _corp.UpdateUser(userId, name, departments, position, mobile, email);
        return SendUserChangeAsync("update_user", change, cancellationToken);
    }

    /// <summary>
    /// Staff member <paramref name="userId"/> leaves and is deleted from the address book (change_contact
    /// delete_user); their customers wait for resigned/transfer_customer, their groups for inheritance.
    /// </summary>
    public Task<SimActionResult> ResignUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        _corp.ResignUser(userId);
        return SendUserChangeAsync("delete_user", new SimulatedCorp.UserChange(userId), cancellationToken);
    }

    // ---- Customer groups (change_external_chat) ----

    /// <summary>Staff member <paramref name="owner"/> creates a customer group: change_external_chat create.</summary>
    public async Task<SimActionResult> CreateGroupAsync(
        string owner, string name, IReadOnlyList<string>? memberIds = null, CancellationToken cancellationToken = default)
    {
        var chatId = _corp.CreateGroup(owner, name, memberIds ?? []);
        var xml = CallbackXml.ChangeExternalChat(_corp.CorpId, Now(), chatId, "create");
        return new SimActionResult(chatId, await SendAsync("change_external_chat", "create", xml, cancellationToken));
    }

    /// <summary>
    /// Someone joins a group (a customer by <paramref name="memberId"/>, a staff member by userid, or a new WeChat
    /// user named <paramref name="name"/> when <paramref name="memberId"/> is null): change_external_chat update
    /// add_member with JoinScene (1 direct invite, 2 link, 3 QR code) and the member versions.
    /// </summary>
    public async Task<SimActionResult> JoinGroupAsync(
        string chatId, string? memberId = null, string? name = null, int joinScene = 3, string? invitor = null,
        CancellationToken cancellationToken = default)
    {
        if (joinScene is < 1 or > 3)
        {
            throw new ArgumentOutOfRangeException(nameof(joinScene), "join_scene is 1, 2 or 3.");
        }

        var (id, last, current) = _corp.JoinGroup(chatId, memberId, name, joinScene, invitor);
        var xml = CallbackXml.ChangeExternalChat(_corp.CorpId, Now(), chatId, "update", "add_member",
            joinScene: joinScene, memChangeList: [id], lastMemVer: last, curMemVer: current);
        return new SimActionResult(id, await SendAsync("change_external_chat", "update", xml, cancellationToken));
    }

    /// <summary>
    /// A WeChat user scans group join way <paramref name="configId"/> (群活码): joins the first listed group with room
    /// (scene 3, the join way's state); when all are full and auto_create_room is 1 a new room is created first
    /// (change_external_chat create, then update add_member).
    /// </summary>
    public async Task<SimScanResult> ScanJoinWayAsync(
        string configId, string? memberId = null, string? name = null, CancellationToken cancellationToken = default)
    {
        var (chatId, created, state) = _corp.ScanJoinWay(configId);
        var callbacks = new List<SimCallbackDelivery>();
        if (created)
        {
            callbacks.AddRange(await SendAsync("change_external_chat", "create", CallbackXml.ChangeExternalChat(_corp.CorpId, Now(), chatId, "create"), cancellationToken));
        }

        var (id, last, current) = _corp.JoinGroup(chatId, memberId, name, 3, null, state);
        var xml = CallbackXml.ChangeExternalChat(_corp.CorpId, Now(), chatId, "update", "add_member",
            joinScene: 3, memChangeList: [id], lastMemVer: last, curMemVer: current);
        callbacks.AddRange(await SendAsync("change_external_chat", "update", xml, cancellationToken));
        return new SimScanResult(chatId, id, created, callbacks);
    }

    /// <summary>A member leaves (quit scene 0) or is removed (1): change_external_chat update del_member.</summary>
    public async Task<SimActionResult> LeaveGroupAsync(
        string chatId, string memberId, int quitScene = 0, CancellationToken cancellationToken = default)
    {
        var (last, current) = _corp.LeaveGroup(chatId, memberId);
        var xml = CallbackXml.ChangeExternalChat(_corp.CorpId, Now(), chatId, "update", "del_member",
            quitScene: quitScene, memChangeList: [memberId], lastMemVer: last, curMemVer: current);
        return new SimActionResult(memberId, await SendAsync("change_external_chat", "update", xml, cancellationToken));
    }

    /// <summary>The owner dismisses the group: change_external_chat dismiss.</summary>
    public async Task<SimActionResult> DismissGroupAsync(string chatId, CancellationToken cancellationToken = default)
    {
        _corp.DismissGroup(chatId);
        var xml = CallbackXml.ChangeExternalChat(_corp.CorpId, Now(), chatId, "dismiss");
        return new SimActionResult(chatId, await SendAsync("change_external_chat", "dismiss", xml, cancellationToken));
    }

    // ---- Corp tags (change_external_tag) ----

    /// <summary>
    /// An admin changes corp tags in the admin console: <paramref name="changeType"/> <c>create</c> (tag
    /// <paramref name="name"/> in group <paramref name="groupName"/>, created when missing), <c>update</c>
    /// (rename tag or group <paramref name="id"/> to <paramref name="name"/>) or <c>delete</c> (tag or group
    /// <paramref name="id"/>). Sends change_external_tag with Id and TagType (tag or tag_group).
    /// </summary>
    public async Task<SimActionResult> ChangeCorpTagAsync(
        string changeType, string? id = null, string? groupName = null, string? name = null, CancellationToken cancellationToken = default)
    {
        string tagType;
        switch (changeType)
        {
            case "create":
                if (string.IsNullOrEmpty(groupName) || string.IsNullOrEmpty(name))
                {
                    throw new ArgumentException("create needs group_name and name.");
                }

                (id, tagType) = _corp.AdminCreateTag(groupName, name);
                break;
            case "update":
                if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(name))
                {
                    throw new ArgumentException("update needs id and name.");
                }

                tagType = _corp.AdminRenameTag(id, name);
                break;
            case "delete":
                if (string.IsNullOrEmpty(id))
                {
                    throw new ArgumentException("delete needs id.");
                }

                tagType = _corp.AdminDeleteTag(id);
                break;
            default:
                throw new ArgumentException("change_type is create, update or delete.");
        }

        var xml = CallbackXml.ChangeExternalTag(_corp.CorpId, Now(), id, tagType, changeType);
        return new SimActionResult(id, await SendAsync("change_external_tag", changeType, xml, cancellationToken));
    }

    // ---- Helpers ----

    private long Now() => _time.GetUtcNow().ToUnixTimeSeconds();

    private async Task<SimActionResult> SendUserChangeAsync(string changeType, SimulatedCorp.UserChange c, CancellationToken cancellationToken)
    {
        var xml = CallbackXml.ChangeContactUser(_corp.CorpId, Now(), changeType, c.UserId, c.Name, c.Departments, c.IsLeaderInDept,
            c.Position, c.Mobile, c.Gender, c.Email, c.Status, c.Alias);
        return new SimActionResult(c.UserId, await SendAsync("change_contact", changeType, xml, cancellationToken));
    }

    private async Task SendContactEventAsync(List<SimCallbackDelivery> deliveries, string changeType, string xml, CancellationToken cancellationToken) =>
        deliveries.AddRange(await SendAsync("change_external_contact", changeType, xml, cancellationToken));

    private async Task<IReadOnlyList<SimCallbackDelivery>> SendAsync(string eventName, string changeType, string xml, CancellationToken cancellationToken) =>
        await _callbacks.SendAsync(eventName, changeType, xml, cancellationToken) is { } delivery ? [delivery] : [];
}
