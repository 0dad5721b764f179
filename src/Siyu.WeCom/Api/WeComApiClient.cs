using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Siyu.WeCom.Api;

/// <summary>
/// The WeCom server API for one (corp, secret). Paths are relative to <see cref="HttpClient.BaseAddress"/>
/// (<c>https://qyapi.weixin.qq.com/</c>, or the simulator's address). Token errors (40001/40014/42001/42009)
/// refresh the token once and retry; any other non-zero errcode throws <see cref="WeComApiException"/>.
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

    /// <param name="http">Requests go to its BaseAddress (e.g. the simulator's); when unset, to the real WeCom API.</param>
    /// <param name="tokens">Share one cache per process so all clients of a (corp, secret) share one token.</param>
    public WeComApiClient(HttpClient http, WeComCredentials credentials, WeComTokenCache? tokens = null)
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

    /// <summary><c>externalcontact/update_contact_way</c>: changes staff, remark, state or skip_verify of an existing code.</summary>
    public Task UpdateContactWayAsync(WeComContactWay contactWay, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contactWay);
        ArgumentException.ThrowIfNullOrEmpty(contactWay.ConfigId);
        return PostAsync("cgi-bin/externalcontact/update_contact_way", contactWay with { QrCode = null, Type = 0, Scene = 0 },
            Json.WeComContactWay, Json.WeComStatus, cancellationToken);
    }

    /// <summary><c>externalcontact/list_contact_way</c>: config ids created in [start, end] (Unix seconds), paged.</summary>
    public Task<WeComContactWayPage> ListContactWaysAsync(
        long? startTime = null, long? endTime = null, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        return PostAsync("cgi-bin/externalcontact/list_contact_way",
            new ListContactWayRequest { StartTime = startTime, EndTime = endTime, Cursor = cursor, Limit = limit },
            Json.ListContactWayRequest, Json.WeComContactWayPage, cancellationToken);
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

    // ---- Plumbing ----

    private async Task<WeComAccessToken> FetchTokenAsync(CancellationToken cancellationToken)
    {
        const string path = "cgi-bin/gettoken";
        var uri = Absolute(path + "?corpid=" + Uri.EscapeDataString(Credentials.CorpId) + "&corpsecret=" + Uri.EscapeDataString(Credentials.Secret));
        var body = await SendOnceAsync(() => new HttpRequestMessage(HttpMethod.Get, uri), path, cancellationToken).ConfigureAwait(false);
        var status = Deserialize(body, Json.WeComStatus, path);
        if (status.ErrCode != WeComErrorCodes.Ok)
        {
            throw new WeComApiException(status.ErrCode, status.ErrMsg, path);
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
        var token = await GetTokenAsync(cancellationToken).ConfigureAwait(false);
        var body = await SendOnceAsync(() => createRequest(token), path, cancellationToken).ConfigureAwait(false);
        var status = Deserialize(body, Json.WeComStatus, path);

        if (WeComErrorCodes.IsTokenError(status.ErrCode))
        {
            // Only once: if a fresh token is rejected too, the secret or permissions are wrong and retrying cannot help.
            token = await _tokens.RefreshAsync(Credentials, token, _fetchToken, cancellationToken).ConfigureAwait(false);
            body = await SendOnceAsync(() => createRequest(token), path, cancellationToken).ConfigureAwait(false);
            status = Deserialize(body, Json.WeComStatus, path);
        }

        if (status.ErrCode != WeComErrorCodes.Ok)
        {
            throw new WeComApiException(status.ErrCode, status.ErrMsg, path);
        }

        return Deserialize(body, responseType, path);
    }

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

    // Without the slash, "http://host/prefix" + "cgi-bin/x" would drop "prefix".
    private static Uri WithTrailingSlash(Uri baseAddress) =>
        baseAddress.AbsoluteUri.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/");
}
