using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Siyu.WeCom.Api;

/// <summary>
/// The WeCom server API for one (corp, secret). Paths are relative to <see cref="HttpClient.BaseAddress"/>
/// (<c>https://qyapi.weixin.qq.com/</c>, or the simulator's address). Token errors (40001/40014/42001/42009)
/// refresh the token once and retry; frequency limits (45009/45033), "system busy" (-1) and HTTP 5xx are
/// retried with exponential backoff and jitter (<see cref="WeComRetryOptions"/>); any other non-zero errcode
/// throws <see cref="WeComApiException"/>.
/// </summary>
public sealed class WeComApiClient
{
    /// <summary>Where the real WeCom API lives.</summary>
    public static readonly Uri DefaultBaseAddress = new("https://qyapi.weixin.qq.com/");

    private static readonly WeComJsonContext Json = WeComJsonContext.Default;

    private readonly HttpClient _http;
    private readonly Uri _baseAddress;
    private readonly WeComTokenCache _tokens;
    private readonly Func<CancellationToken, Task<WeComAccessToken>> _fetchToken;
    private readonly WeComRetryOptions _retry;
    private readonly TimeProvider _time;

    /// <param name="http">Requests go to its BaseAddress (e.g. the simulator's); when unset, to the real WeCom API.</param>
    /// <param name="tokens">Share one cache per process so all clients of a (corp, secret) share one token.</param>
    /// <param name="retry">Backoff for frequency limits and server errors; defaults to <see cref="WeComRetryOptions"/>' defaults.</param>
    /// <param name="time">Drives the backoff delays.</param>
    public WeComApiClient(
        HttpClient http, WeComCredentials credentials, WeComTokenCache? tokens = null, WeComRetryOptions? retry = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentException.ThrowIfNullOrEmpty(credentials.CorpId);
        ArgumentException.ThrowIfNullOrEmpty(credentials.Secret);
        _http = http;
        _baseAddress = WithTrailingSlash(http.BaseAddress ?? DefaultBaseAddress);
        Credentials = credentials;
        _tokens = tokens ?? new WeComTokenCache();
        _fetchToken = FetchTokenAsync;
        _retry = retry ?? new WeComRetryOptions();
        _retry.Validate();
        _time = time ?? TimeProvider.System;
    }

    public WeComCredentials Credentials { get; }

    /// <summary>The cached access token for these credentials, fetched via <c>gettoken</c> when missing or due.</summary>
    public Task<string> GetTokenAsync(CancellationToken cancellationToken = default) =>
        _tokens.GetAsync(Credentials, _fetchToken, cancellationToken).AsTask();

    // ---- Contacts (通讯录) ----

    /// <summary><c>department/list</c>: all departments, or the subtree under <paramref name="id"/>.</summary>
    public async Task<IReadOnlyList<WeComDepartment>> ListDepartmentsAsync(long? id = null, CancellationToken cancellationToken = default)
    {
        var response = await GetAsync("cgi-bin/department/list", Json.DepartmentListResponse, cancellationToken,
            id is null ? [] : [("id", id.Value.ToString(System.Globalization.CultureInfo.InvariantCulture))]).ConfigureAwait(false);
        return response.Department;
    }

    /// <summary><c>user/list_id</c>: one page of (userid, department) rows.</summary>
    public Task<WeComUserIdPage> ListUserIdsAsync(string? cursor = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        if (limit is < 1 or > 10000)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), "limit must be 1..10000.");
        }

        return PostAsync("cgi-bin/user/list_id", new UserListIdRequest { Cursor = cursor, Limit = limit },
            Json.UserListIdRequest, Json.WeComUserIdPage, cancellationToken);
    }

    /// <summary><c>user/get</c>.</summary>
    public Task<WeComUser> GetUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        return GetAsync("cgi-bin/user/get", Json.WeComUser, cancellationToken, [("userid", userId)]);
    }

    // ---- Customers (客户联系) ----

    /// <summary><c>externalcontact/get_follow_user_list</c>: staff who have customer contact enabled.</summary>
    public async Task<IReadOnlyList<string>> GetFollowUserListAsync(CancellationToken cancellationToken = default)
    {
        var response = await GetAsync("cgi-bin/externalcontact/get_follow_user_list", Json.FollowUserListResponse, cancellationToken).ConfigureAwait(false);
        return response.FollowUser;
    }

    /// <summary><c>externalcontact/list</c>: external_userids of one staff member's customers (empty when none).</summary>
    public async Task<IReadOnlyList<string>> ListExternalContactsAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        try
        {
            var response = await GetAsync("cgi-bin/externalcontact/list", Json.ExternalContactListResponse, cancellationToken, [("userid", userId)]).ConfigureAwait(false);
            return response.ExternalUserId;
        }
        catch (WeComApiException ex) when (ex.ErrCode == WeComErrorCodes.NotExternalContact)
        {
            // WeCom answers 84061 instead of an empty list when the staff member has no customers.
            return [];
        }
    }

    /// <summary><c>externalcontact/get</c>: one customer and the staff who have them.</summary>
    public Task<WeComExternalContactDetail> GetExternalContactAsync(string externalUserId, string? cursor = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(externalUserId);
        return GetAsync("cgi-bin/externalcontact/get", Json.WeComExternalContactDetail, cancellationToken,
            cursor is null ? [("external_userid", externalUserId)] : [("external_userid", externalUserId), ("cursor", cursor)]);
    }

    /// <summary><c>externalcontact/batch/get_by_user</c>: customers of up to 100 staff, paged by cursor (limit ≤ 100).</summary>
    public Task<WeComExternalContactPage> BatchGetByUserAsync(
        IReadOnlyList<string> userIds, string? cursor = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        if (userIds.Count is 0 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(userIds), "userid_list must hold 1..100 userids.");
        }

        if (limit is < 1 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), "limit must be 1..100.");
        }

        return PostAsync("cgi-bin/externalcontact/batch/get_by_user",
            new BatchGetByUserRequest { UserIdList = userIds, Cursor = cursor ?? string.Empty, Limit = limit },
            Json.BatchGetByUserRequest, Json.WeComExternalContactPage, cancellationToken);
    }

    /// <summary>
    /// <c>externalcontact/remark</c>: sets what <see cref="WeComRemarkUpdate.UserId"/> notes about the customer
    /// (remark, description, company, mobiles, picture); only the fields set change. WeCom sends no callback for
    /// API-made changes: update local state after this succeeds. 60111 unknown staff member, 84061 not their customer.
    /// </summary>
    public Task UpdateRemarkAsync(WeComRemarkUpdate update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        ArgumentException.ThrowIfNullOrEmpty(update.UserId, nameof(update));
        ArgumentException.ThrowIfNullOrEmpty(update.ExternalUserId, nameof(update));
        if (string.IsNullOrEmpty(update.Remark) && string.IsNullOrEmpty(update.Description) && string.IsNullOrEmpty(update.RemarkCompany)
            && update.RemarkMobiles is null && string.IsNullOrEmpty(update.RemarkPicMediaId))
        {
            throw new ArgumentException("Set at least one of remark, description, remark_company, remark_mobiles or remark_pic_mediaid.", nameof(update));
        }

        if (CharCount(update.Remark) > 20)
        {
            throw new ArgumentException("remark must be at most 20 characters.", nameof(update));
        }

        if (CharCount(update.Description) > 150)
        {
            throw new ArgumentException("description must be at most 150 characters.", nameof(update));
        }

        if (CharCount(update.RemarkCompany) > 20)
        {
            throw new ArgumentException("remark_company must be at most 20 characters.", nameof(update));
        }

        // WeCom documents [""] as the way to clear; an empty array counts as "not given".
        var sent = update.RemarkMobiles is { Count: 0 } ? update with { RemarkMobiles = [string.Empty] } : update;
        return PostAsync("cgi-bin/externalcontact/remark", sent, Json.WeComRemarkUpdate, Json.WeComStatus, cancellationToken);
    }

    // ---- Corp tags (企业标签) ----

    /// <summary><c>externalcontact/get_corp_tag_list</c>: all groups, or those matching the given tag/group ids.</summary>
    public async Task<IReadOnlyList<WeComCorpTagGroup>> GetCorpTagListAsync(
        IReadOnlyList<string>? tagIds = null, IReadOnlyList<string>? groupIds = null, CancellationToken cancellationToken = default)
    {
        var response = await PostAsync("cgi-bin/externalcontact/get_corp_tag_list",
            new CorpTagListRequest { TagId = tagIds, GroupId = groupIds },
            Json.CorpTagListRequest, Json.CorpTagListResponse, cancellationToken).ConfigureAwait(false);
        return response.TagGroup;
    }

    /// <summary><c>externalcontact/add_corp_tag</c>: returns the group with the created tags and their ids.</summary>
    public async Task<WeComCorpTagGroup> AddCorpTagAsync(WeComAddCorpTagRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var response = await PostAsync("cgi-bin/externalcontact/add_corp_tag", request,
            Json.WeComAddCorpTagRequest, Json.AddCorpTagResponse, cancellationToken).ConfigureAwait(false);
        return response.TagGroup;
    }

    /// <summary>
    /// <c>externalcontact/mark_tag</c>. WeCom sends no callback for API-made changes: update local state
    /// after this succeeds.
    /// </summary>
    public Task MarkTagAsync(
        string userId, string externalUserId, IReadOnlyList<string>? addTag, IReadOnlyList<string>? removeTag = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentException.ThrowIfNullOrEmpty(externalUserId);
        return PostAsync("cgi-bin/externalcontact/mark_tag",
            new MarkTagRequest { UserId = userId, ExternalUserId = externalUserId, AddTag = addTag, RemoveTag = removeTag },
            Json.MarkTagRequest, Json.WeComStatus, cancellationToken);
    }

    /// <summary>
    /// <c>externalcontact/edit_corp_tag</c>: renames or reorders a tag or a tag group (<paramref name="id"/> is either).
    /// </summary>
    public Task EditCorpTagAsync(string id, string? name = null, long? order = null, long? agentId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        if (name is null && order is null)
        {
            throw new ArgumentException("Set name or order.", nameof(name));
        }

        if (name is { Length: > 30 })
        {
            throw new ArgumentException("A tag name is at most 30 characters.", nameof(name));
        }

        return PostAsync("cgi-bin/externalcontact/edit_corp_tag",
            new EditCorpTagRequest { Id = id, Name = name, Order = order, AgentId = agentId },
            Json.EditCorpTagRequest, Json.WeComStatus, cancellationToken);
    }

    /// <summary>
    /// <c>externalcontact/del_corp_tag</c>: deletes tags and whole tag groups (a group whose last tag is deleted
    /// goes too). The tags also disappear from every customer.
    /// </summary>
    public Task DeleteCorpTagsAsync(
        IReadOnlyList<string>? tagIds, IReadOnlyList<string>? groupIds = null, long? agentId = null, CancellationToken cancellationToken = default)
    {
        if (tagIds is not { Count: > 0 } && groupIds is not { Count: > 0 })
        {
            throw new ArgumentException("Name at least one tag id or group id.", nameof(tagIds));
        }

        return PostAsync("cgi-bin/externalcontact/del_corp_tag",
            new DelCorpTagRequest { TagId = tagIds is { Count: > 0 } ? tagIds : null, GroupId = groupIds is { Count: > 0 } ? groupIds : null, AgentId = agentId },
            Json.DelCorpTagRequest, Json.WeComStatus, cancellationToken);
    }

    // ---- Channel codes (渠道活码) ----

    /// <summary><c>externalcontact/add_contact_way</c>. Keep the returned config_id: it is the only handle.</summary>
    public Task<WeComContactWayCreated> AddContactWayAsync(WeComContactWay contactWay, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contactWay);
        if (contactWay.State is { Length: > 30 })
        {
            throw new ArgumentException("state must be at most 30 characters.", nameof(contactWay));
        }

        if (contactWay.Remark is { Length: > 30 })
        {
            throw new ArgumentException("remark must be at most 30 characters.", nameof(contactWay));
        }

        return PostAsync("cgi-bin/externalcontact/add_contact_way", contactWay with { ConfigId = null, QrCode = null },
            Json.WeComContactWay, Json.WeComContactWayCreated, cancellationToken);
    }

    /// <summary><c>externalcontact/get_contact_way</c>.</summary>
    public async Task<WeComContactWay> GetContactWayAsync(string configId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(configId);
        var response = await PostAsync("cgi-bin/externalcontact/get_contact_way", new ConfigIdRequest { ConfigId = configId },
            Json.ConfigIdRequest, Json.GetContactWayResponse, cancellationToken).ConfigureAwait(false);
        return response.ContactWay;
    }

    /// <summary><c>externalcontact/del_contact_way</c>.</summary>
    public Task DeleteContactWayAsync(string configId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(configId);
        return PostAsync("cgi-bin/externalcontact/del_contact_way", new ConfigIdRequest { ConfigId = configId },
            Json.ConfigIdRequest, Json.WeComStatus, cancellationToken);
    }

    /// <summary><c>externalcontact/list_contact_way</c>: config ids created in [start, end] (Unix seconds), paged.</summary>
    public Task<WeComContactWayPage> ListContactWaysAsync(
        long? startTime = null, long? endTime = null, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        return PostAsync("cgi-bin/externalcontact/list_contact_way",
            new ListContactWayRequest { StartTime = startTime, EndTime = endTime, Cursor = cursor, Limit = limit },
            Json.ListContactWayRequest, Json.WeComContactWayPage, cancellationToken);
    }

    /// <summary><c>externalcontact/update_contact_way</c>: changes the fields set in <paramref name="update"/>.</summary>
    public Task UpdateContactWayAsync(WeComContactWayUpdate update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        ArgumentException.ThrowIfNullOrEmpty(update.ConfigId, nameof(update));
        if (update.State is { Length: > 30 })
        {
            throw new ArgumentException("state must be at most 30 characters.", nameof(update));
        }

        if (update.Remark is { Length: > 30 })
        {
            throw new ArgumentException("remark must be at most 30 characters.", nameof(update));
        }

        return PostAsync("cgi-bin/externalcontact/update_contact_way", update,
            Json.WeComContactWayUpdate, Json.WeComStatus, cancellationToken);
    }

    // ---- Customer groups (客户群) ----

    /// <summary><c>externalcontact/groupchat/list</c>: one page of customer groups (chat id and status only).</summary>
    public Task<WeComGroupChatPage> ListGroupChatsAsync(WeComGroupChatListRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Limit is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(request), "limit must be 1..1000.");
        }

        if (request.OwnerFilter is { UserIdList.Count: > 100 })
        {
            throw new ArgumentOutOfRangeException(nameof(request), "owner_filter takes at most 100 userids.");
        }

        return PostAsync("cgi-bin/externalcontact/groupchat/list", request,
            Json.WeComGroupChatListRequest, Json.WeComGroupChatPage, cancellationToken);
    }

    /// <summary>
    /// <c>externalcontact/groupchat/get</c>: the group with its members and admins. With <paramref name="needName"/>
    /// members carry their names (WeCom's need_name = 1).
    /// </summary>
    public async Task<WeComGroupChat> GetGroupChatAsync(string chatId, bool needName = false, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(chatId);
        var response = await PostAsync("cgi-bin/externalcontact/groupchat/get",
            new GroupChatGetRequest { ChatId = chatId, NeedName = needName ? 1 : 0 },
            Json.GroupChatGetRequest, Json.GroupChatGetResponse, cancellationToken).ConfigureAwait(false);
        return response.GroupChat;
    }

    // ---- Group join ways (群活码) ----

    /// <summary><c>externalcontact/groupchat/add_join_way</c>. Keep the config id; read the QR code with <see cref="GetJoinWayAsync"/>.</summary>
    public Task<WeComJoinWayCreated> AddJoinWayAsync(WeComJoinWay joinWay, CancellationToken cancellationToken = default)
    {
        ValidateJoinWay(joinWay);
        return PostAsync("cgi-bin/externalcontact/groupchat/add_join_way", joinWay with { ConfigId = null, QrCode = null },
            Json.WeComJoinWay, Json.WeComJoinWayCreated, cancellationToken);
    }

    /// <summary><c>externalcontact/groupchat/get_join_way</c>: the join way with its QR code and current chat list.</summary>
    public async Task<WeComJoinWay> GetJoinWayAsync(string configId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(configId);
        var response = await PostAsync("cgi-bin/externalcontact/groupchat/get_join_way", new ConfigIdRequest { ConfigId = configId },
            Json.ConfigIdRequest, Json.GetJoinWayResponse, cancellationToken).ConfigureAwait(false);
        return response.JoinWay;
    }

    /// <summary><c>externalcontact/groupchat/update_join_way</c>: replaces the join way's settings and chat list (scene and chat_id_list are required).</summary>
    public Task UpdateJoinWayAsync(WeComJoinWay joinWay, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(joinWay);
        ArgumentException.ThrowIfNullOrEmpty(joinWay.ConfigId, nameof(joinWay));
        ValidateJoinWay(joinWay);
        return PostAsync("cgi-bin/externalcontact/groupchat/update_join_way", joinWay with { QrCode = null },
            Json.WeComJoinWay, Json.WeComStatus, cancellationToken);
    }

    /// <summary><c>externalcontact/groupchat/del_join_way</c>.</summary>
    public Task DeleteJoinWayAsync(string configId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(configId);
        return PostAsync("cgi-bin/externalcontact/groupchat/del_join_way", new ConfigIdRequest { ConfigId = configId },
            Json.ConfigIdRequest, Json.WeComStatus, cancellationToken);
    }

    private static void ValidateJoinWay(WeComJoinWay joinWay)
    {
        ArgumentNullException.ThrowIfNull(joinWay);
        if (joinWay.Scene is not (1 or 2))
        {
            throw new ArgumentException("scene is 1 (mini-program) or 2 (QR code).", nameof(joinWay));
        }

        if (joinWay.ChatIdList.Count is < 1 or > WeComJoinWay.MaxChats)
        {
            throw new ArgumentException($"chat_id_list holds 1 to {WeComJoinWay.MaxChats} groups.", nameof(joinWay));
        }

        if (joinWay.State is { Length: > 30 } || joinWay.Remark is { Length: > 30 })
        {
            throw new ArgumentException("state and remark are at most 30 characters.", nameof(joinWay));
        }

        if (joinWay.RoomBaseName is { Length: > 40 })
        {
            throw new ArgumentException("room_base_name is at most 40 characters.", nameof(joinWay));
        }
    }

    // ---- Group welcome templates (入群欢迎语素材) ----

    /// <summary><c>externalcontact/group_welcome_template/add</c>.</summary>
    public Task<WeComGroupWelcomeTemplateCreated> AddGroupWelcomeTemplateAsync(WeComGroupWelcomeTemplate template, CancellationToken cancellationToken = default)
    {
        ValidateWelcomeTemplate(template);
        return PostAsync("cgi-bin/externalcontact/group_welcome_template/add", template with { TemplateId = null },
            Json.WeComGroupWelcomeTemplate, Json.WeComGroupWelcomeTemplateCreated, cancellationToken);
    }

    /// <summary><c>externalcontact/group_welcome_template/edit</c>: replaces the template's content.</summary>
    public Task EditGroupWelcomeTemplateAsync(WeComGroupWelcomeTemplate template, CancellationToken cancellationToken = default)
    {
        ValidateWelcomeTemplate(template);
        ArgumentException.ThrowIfNullOrEmpty(template.TemplateId, nameof(template));
        return PostAsync("cgi-bin/externalcontact/group_welcome_template/edit", template with { Notify = null },
            Json.WeComGroupWelcomeTemplate, Json.WeComStatus, cancellationToken);
    }

    /// <summary><c>externalcontact/group_welcome_template/get</c>.</summary>
    public Task<WeComGroupWelcomeTemplate> GetGroupWelcomeTemplateAsync(string templateId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(templateId);
        return PostAsync("cgi-bin/externalcontact/group_welcome_template/get", new TemplateIdRequest { TemplateId = templateId },
            Json.TemplateIdRequest, Json.WeComGroupWelcomeTemplate, cancellationToken);
    }

    /// <summary><c>externalcontact/group_welcome_template/del</c>.</summary>
    public Task DeleteGroupWelcomeTemplateAsync(string templateId, long? agentId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(templateId);
        return PostAsync("cgi-bin/externalcontact/group_welcome_template/del", new TemplateIdRequest { TemplateId = templateId, AgentId = agentId },
            Json.TemplateIdRequest, Json.WeComStatus, cancellationToken);
    }

    private static void ValidateWelcomeTemplate(WeComGroupWelcomeTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (template.Text is null && template.Image is null && template.Link is null && template.MiniProgram is null && template.File is null && template.Video is null)
        {
            throw new ArgumentException("A group welcome template needs text or an attachment.", nameof(template));
        }

        if (template.Text is { } text && System.Text.Encoding.UTF8.GetByteCount(text.Content) > 4000)
        {
            throw new ArgumentException("text.content is at most 4000 bytes.", nameof(template));
        }
    }

    // ---- Messages ----

    /// <summary>
    /// <c>externalcontact/send_welcome_msg</c>. The welcome_code from add_external_contact lives about 20 s and
    /// works once: 41051 means already sent, 41096 another app is sending (retryable).
    /// </summary>
    public Task SendWelcomeMessageAsync(WeComWelcomeMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Attachments is { Count: > 9 })
        {
            throw new ArgumentException("A welcome message holds at most 9 attachments.", nameof(message));
        }

        return PostAsync("cgi-bin/externalcontact/send_welcome_msg", message,
            Json.WeComWelcomeMessage, Json.WeComStatus, cancellationToken);
    }

    /// <summary><c>externalcontact/add_msg_template</c>: creates a mass-send task for the sender to confirm.</summary>
    public Task<WeComMsgTemplateResult> AddMsgTemplateAsync(WeComMsgTemplate template, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (template.ExternalUserId is { Count: > 10000 })
        {
            throw new ArgumentException("A mass-send task targets at most 10,000 customers.", nameof(template));
        }

        return PostAsync("cgi-bin/externalcontact/add_msg_template", template,
            Json.WeComMsgTemplate, Json.WeComMsgTemplateResult, cancellationToken);
    }

    /// <summary><c>externalcontact/get_groupmsg_list_v2</c>: mass-send tasks created in a window of at most one month.</summary>
    public Task<WeComGroupMsgPage> GetGroupMsgListV2Async(WeComGroupMsgListRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ChatType is not ("single" or "group"))
        {
            throw new ArgumentException("chat_type is single or group.", nameof(request));
        }

        if (request.EndTime < request.StartTime)
        {
            throw new ArgumentException("end_time is before start_time.", nameof(request));
        }

        if (request.Limit is < 1 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(request), "limit must be 1..100.");
        }

        return PostAsync("cgi-bin/externalcontact/get_groupmsg_list_v2", request,
            Json.WeComGroupMsgListRequest, Json.WeComGroupMsgPage, cancellationToken);
    }

    /// <summary><c>externalcontact/get_groupmsg_task</c>: each sender of a mass-send task and whether they sent it.</summary>
    public Task<WeComGroupMsgTaskPage> GetGroupMsgTaskAsync(
        string msgId, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(msgId);
        if (limit is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), "limit must be 1..1000.");
        }

        return PostAsync("cgi-bin/externalcontact/get_groupmsg_task",
            new GroupMsgTaskRequest { MsgId = msgId, Cursor = cursor, Limit = limit },
            Json.GroupMsgTaskRequest, Json.WeComGroupMsgTaskPage, cancellationToken);
    }

    /// <summary>
    /// <c>externalcontact/get_groupmsg_send_result</c>: the outcome per customer (or group) of one sender's part
    /// of a mass-send task; status 3 means the customer's receive cap was reached.
    /// </summary>
    public Task<WeComGroupMsgSendResultPage> GetGroupMsgSendResultAsync(
        string msgId, string userId, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(msgId);
        ArgumentException.ThrowIfNullOrEmpty(userId);
        if (limit is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), "limit must be 1..1000.");
        }

        return PostAsync("cgi-bin/externalcontact/get_groupmsg_send_result",
            new GroupMsgSendResultRequest { MsgId = msgId, UserId = userId, Cursor = cursor, Limit = limit },
            Json.GroupMsgSendResultRequest, Json.WeComGroupMsgSendResultPage, cancellationToken);
    }

    // ---- JS-SDK and OAuth (the staff sidebar) ----

    /// <summary><c>get_jsapi_ticket</c>: the corp's ticket for <c>wx.config</c>. WeCom limits how often it may be fetched: cache it for its lifetime.</summary>
    public Task<WeComJsApiTicket> GetCorpJsApiTicketAsync(CancellationToken cancellationToken = default) =>
        GetAsync("cgi-bin/get_jsapi_ticket", Json.WeComJsApiTicket, cancellationToken);

    /// <summary><c>ticket/get?type=agent_config</c>: the app's ticket for <c>wx.agentConfig</c> (needed for getCurExternalContact and sendChatMessage).</summary>
    public Task<WeComJsApiTicket> GetAgentJsApiTicketAsync(CancellationToken cancellationToken = default) =>
        GetAsync("cgi-bin/ticket/get", Json.WeComJsApiTicket, cancellationToken, [("type", "agent_config")]);

    /// <summary><c>auth/getuserinfo</c>: the member who followed an OAuth link, from the <c>code</c> WeCom added to the redirect (valid once, 5 minutes).</summary>
    public Task<WeComOAuthUser> GetUserInfoByCodeAsync(string code, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(code);
        return GetAsync("cgi-bin/auth/getuserinfo", Json.WeComOAuthUser, cancellationToken, [("code", code)]);
    }

    /// <summary><c>message/send</c>: an app message to staff. Invalid recipients are reported in the result, not thrown.</summary>
    public Task<WeComAppMessageResult> SendAppMessageAsync(WeComAppMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return PostAsync("cgi-bin/message/send", message, Json.WeComAppMessage, Json.WeComAppMessageResult, cancellationToken);
    }

    /// <summary>Convenience for <see cref="SendAppMessageAsync(WeComAppMessage, CancellationToken)"/> with a text message.</summary>
    public Task<WeComAppMessageResult> SendAppTextAsync(long agentId, string toUser, string content, CancellationToken cancellationToken = default) =>
        SendAppMessageAsync(new WeComAppMessage { AgentId = agentId, ToUser = toUser, MsgType = "text", Text = new WeComText { Content = content } },
            cancellationToken);

    // ---- Transfers (在职继承 / 离职继承) ----

    /// <summary>
    /// <c>externalcontact/transfer_customer</c> (on-job): starts handing customers over. Per-customer failures
    /// (e.g. 40128 transferred twice in 90 days, 40129 already in transfer) are results, not exceptions.
    /// </summary>
    public Task<IReadOnlyList<WeComTransferCustomerResult>> TransferCustomerAsync(
        WeComTransferCustomerRequest request, CancellationToken cancellationToken = default)
    {
        ValidateTransfer(request);
        if (request.TransferSuccessMsg is { Length: > 200 })
        {
            throw new ArgumentException("transfer_success_msg is at most 200 characters.", nameof(request));
        }

        return TransferAsync("cgi-bin/externalcontact/transfer_customer", request, cancellationToken);
    }

    /// <summary>
    /// <c>externalcontact/resigned/transfer_customer</c>: hands a departed member's customers over
    /// (40097 when the handover member has not left).
    /// </summary>
    public Task<IReadOnlyList<WeComTransferCustomerResult>> ResignedTransferCustomerAsync(
        WeComTransferCustomerRequest request, CancellationToken cancellationToken = default)
    {
        ValidateTransfer(request);
        if (request.TransferSuccessMsg is not null)
        {
            throw new ArgumentException("A resigned transfer sends no message to the customer.", nameof(request));
        }

        return TransferAsync("cgi-bin/externalcontact/resigned/transfer_customer", request, cancellationToken);
    }

    /// <summary><c>externalcontact/transfer_result</c>: where each on-job transfer from handover to takeover stands.</summary>
    public Task<WeComTransferResultPage> GetTransferResultAsync(
        string handoverUserId, string takeoverUserId, string? cursor = null, CancellationToken cancellationToken = default) =>
        TransferResultAsync("cgi-bin/externalcontact/transfer_result", handoverUserId, takeoverUserId, cursor, cancellationToken);

    /// <summary><c>externalcontact/resigned/transfer_result</c>: the same for resigned transfers.</summary>
    public Task<WeComTransferResultPage> GetResignedTransferResultAsync(
        string handoverUserId, string takeoverUserId, string? cursor = null, CancellationToken cancellationToken = default) =>
        TransferResultAsync("cgi-bin/externalcontact/resigned/transfer_result", handoverUserId, takeoverUserId, cursor, cancellationToken);

    private static void ValidateTransfer(WeComTransferCustomerRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(request.HandoverUserId, nameof(request));
        ArgumentException.ThrowIfNullOrEmpty(request.TakeoverUserId, nameof(request));
        if (request.ExternalUserId is not { Count: >= 1 and <= 100 })
        {
            throw new ArgumentOutOfRangeException(nameof(request), "external_userid must hold 1..100 customers.");
        }
    }

    private async Task<IReadOnlyList<WeComTransferCustomerResult>> TransferAsync(
        string path, WeComTransferCustomerRequest request, CancellationToken cancellationToken)
    {
        var response = await PostAsync(path, request, Json.WeComTransferCustomerRequest, Json.TransferCustomerResponse, cancellationToken)
            .ConfigureAwait(false);
        return response.Customer;
    }

    private Task<WeComTransferResultPage> TransferResultAsync(
        string path, string handoverUserId, string takeoverUserId, string? cursor, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(handoverUserId);
        ArgumentException.ThrowIfNullOrEmpty(takeoverUserId);
        return PostAsync(path, new TransferResultRequest { HandoverUserId = handoverUserId, TakeoverUserId = takeoverUserId, Cursor = cursor },
            Json.TransferResultRequest, Json.WeComTransferResultPage, cancellationToken);
    }

    // ---- Plumbing ----

    private async Task<WeComAccessToken> FetchTokenAsync(CancellationToken cancellationToken)
    {
        const string path = "cgi-bin/gettoken";
        var uri = Absolute(path + "?corpid=" + Uri.EscapeDataString(Credentials.CorpId) + "&corpsecret=" + Uri.EscapeDataString(Credentials.Secret));
        var body = await SendOnceAsync(() => new HttpRequestMessage(HttpMethod.Get, uri), path, cancellationToken).ConfigureAwait(false);
        var status = Deserialize(body, Json.WeComStatus, path);
        if (status.ErrCode != WeComErrorCodes.Ok)
        {
            throw new WeComApiException(status.ErrCode, status.ErrMsg, path) { IsWeComAnswer = true };
        }

        var token = Deserialize(body, Json.TokenResponse, path);
        if (string.IsNullOrEmpty(token.AccessToken))
        {
            throw new WeComApiException(WeComErrorCodes.SystemBusy, "gettoken returned no access_token", path);
        }

        return new WeComAccessToken(token.AccessToken, TimeSpan.FromSeconds(token.ExpiresIn));
    }

    private Task<TResponse> GetAsync<TResponse>(
        string path, JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken,
        params (string Name, string Value)[] query)
    {
        return CallAsync(path, token => new HttpRequestMessage(HttpMethod.Get, BuildUri(path, token, query)), responseType, cancellationToken);
    }

    private Task<TResponse> PostAsync<TRequest, TResponse>(
        string path, TRequest request, JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TResponse> responseType,
        CancellationToken cancellationToken)
    {
        return CallAsync(path, token => new HttpRequestMessage(HttpMethod.Post, BuildUri(path, token, []))
        {
            Content = JsonContent.Create(request, requestType),
        }, responseType, cancellationToken);
    }

    private async Task<TResponse> CallAsync<TResponse>(
        string path, Func<string, HttpRequestMessage> createRequest, JsonTypeInfo<TResponse> responseType,
        CancellationToken cancellationToken)
    {
        var refreshed = false;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var token = await GetTokenAsync(cancellationToken).ConfigureAwait(false);
                var body = await SendOnceAsync(() => createRequest(token), path, cancellationToken).ConfigureAwait(false);
                var status = Deserialize(body, Json.WeComStatus, path);

                if (WeComErrorCodes.IsTokenError(status.ErrCode) && !refreshed)
                {
                    // Only once per call: if a fresh token is rejected too, the secret or permissions are wrong
                    // and retrying cannot help.
                    refreshed = true;
                    token = await _tokens.RefreshAsync(Credentials, token, _fetchToken, cancellationToken).ConfigureAwait(false);
                    body = await SendOnceAsync(() => createRequest(token), path, cancellationToken).ConfigureAwait(false);
                    status = Deserialize(body, Json.WeComStatus, path);
                }

                if (status.ErrCode != WeComErrorCodes.Ok)
                {
                    throw new WeComApiException(status.ErrCode, status.ErrMsg, path) { IsWeComAnswer = true };
                }

                return Deserialize(body, responseType, path);
            }
            catch (WeComApiException ex)
            {
                WeComMetrics.RecordError(path, ex.ErrCode);
                if (attempt >= _retry.MaxAttempts || !ShouldBackOff(ex))
                {
                    throw;
                }
                await Task.Delay(_retry.DelayBefore(attempt, Random.Shared.NextDouble()), _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Answers that say "not done, come back later": WeCom's frequency limits and "system busy", and HTTP 5xx
    /// from its gateway. Gettoken failing this way is retried too, as part of the call that needed the token.
    /// </summary>
    private static bool ShouldBackOff(WeComApiException ex) =>
        (ex.IsWeComAnswer && ex.ErrCode is WeComErrorCodes.ApiFrequencyLimit or WeComErrorCodes.ApiConcurrencyLimit or WeComErrorCodes.SystemBusy)
        || ex.StatusCode is >= System.Net.HttpStatusCode.InternalServerError;

    private async Task<byte[]> SendOnceAsync(Func<HttpRequestMessage> createRequest, string path, CancellationToken cancellationToken)
    {
        using var request = createRequest();
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            // The request URI holds the access token or secret: report the path only.
            throw new WeComApiException(WeComErrorCodes.SystemBusy, "HTTP request failed: " + ex.HttpRequestError, path, ex.StatusCode, ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // HttpClient.Timeout, not the caller's cancellation: a retryable failure like "system busy".
            throw new WeComApiException(WeComErrorCodes.SystemBusy, "HTTP request timed out", path, inner: ex);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new WeComApiException(WeComErrorCodes.SystemBusy, $"HTTP {(int)response.StatusCode}", path, response.StatusCode);
            }

            return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static T Deserialize<T>(byte[] body, JsonTypeInfo<T> type, string path)
    {
        try
        {
            return JsonSerializer.Deserialize(body, type)
                ?? throw new WeComApiException(WeComErrorCodes.SystemBusy, "empty response body", path);
        }
        catch (JsonException ex)
        {
            throw new WeComApiException(WeComErrorCodes.SystemBusy, "malformed JSON response: " + ex.Message, path, inner: ex);
        }
    }

    private Uri BuildUri(string path, string token, (string Name, string Value)[] query)
    {
        var uri = path + "?access_token=" + Uri.EscapeDataString(token);
        foreach (var (name, value) in query)
        {
            uri += "&" + name + "=" + Uri.EscapeDataString(value);
        }

        return Absolute(uri);
    }

    private Uri Absolute(string relative) => new(_baseAddress, relative);

    // WeCom states its limits in characters; we count code points (our reading), so an emoji counts once, not as two UTF-16 units.
    private static int CharCount(string? text)
    {
        var count = 0;
        foreach (var _ in (text ?? string.Empty).EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    // Without the slash, "http://host/prefix" + "cgi-bin/x" would drop "prefix".
    private static Uri WithTrailingSlash(Uri baseAddress) =>
        baseAddress.AbsoluteUri.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/");
}
