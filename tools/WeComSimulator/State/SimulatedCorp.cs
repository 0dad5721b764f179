using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Siyu.WeCom.Api;

namespace Siyu.WeComSimulator.State;

/// <summary>
/// The simulated corp's whole state and the rules of each API. One lock guards everything: the
/// simulator serves a demo and tests, and simple correctness beats throughput here.
/// </summary>
public sealed partial class SimulatedCorp
{
    private const string IdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private readonly Lock _lock = new();
    private readonly SimulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly Random _random;

    private readonly List<SimDepartment> _departments = [];
    private readonly List<SimUser> _users = [];
    private readonly List<SimContact> _contacts = [];
    private readonly List<SimFollow> _follows = [];
    private readonly List<SimTagGroup> _tagGroups = [];
    private readonly List<SimContactWay> _contactWays = [];
    private readonly Dictionary<string, SimWelcomeCode> _welcomeCodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SimToken> _tokens = new(StringComparer.Ordinal);
    private readonly List<SimMessage> _messages = [];
    private readonly List<SimCallbackDelivery> _callbacks = [];
    private readonly List<SimGroupChat> _groups = [];
    private readonly List<SimMassTask> _massTasks = [];
    private readonly Dictionary<string, List<long>> _massReceipts = new(StringComparer.Ordinal);
    private readonly List<SimTransfer> _transfers = [];
    private readonly List<SimFault> _faults = [];
    private readonly Dictionary<string, int> _apiCalls = new(StringComparer.Ordinal);
    private int _getTokenCalls;

    internal SimulatedCorp(SimulatorOptions options)
    {
        _options = options;
        _time = options.TimeProvider;
        _random = new Random(options.Seed);
        DemoData.SeedStructure(this);
        if (options.SeedDemoData)
        {
            DemoData.SeedCustomers(this, _random, options.ExternalContactCount);
            // Its own random stream, so adding groups left the customers (and every later id) as they were.
            DemoData.SeedGroups(this, new Random(options.Seed ^ 0x5EED), options.GroupChatCount);
        }
    }

    public string CorpId => _options.CorpId;

    /// <summary>The moment demo relations and groups are dated from (unix seconds).</summary>
    internal long DemoEpochSeconds => _options.DemoEpoch?.ToUnixTimeSeconds() ?? DemoData.FixedEpoch;
    public long AgentId => _options.AgentId;

    /// <summary>How many gettoken requests succeeded or failed; tests assert token caching with it.</summary>
    public int GetTokenCalls
    {
        get
        {
            lock (_lock)
            {
                return _getTokenCalls;
            }
        }
    }

    public IReadOnlyList<SimMessage> Messages
    {
        get
        {
            lock (_lock)
            {
                return [.. _messages];
            }
        }
    }

    public IReadOnlyList<SimCallbackDelivery> Callbacks
    {
        get
        {
            lock (_lock)
            {
                return [.. _callbacks];
            }
        }
    }

    /// <summary>external_userids of every current customer, in creation order.</summary>
    public IReadOnlyList<string> ExternalUserIds
    {
        get
        {
            lock (_lock)
            {
                return [.. _contacts.Select(c => c.ExternalUserId)];
            }
        }
    }

    /// <summary>userids of every staff member.</summary>
    public IReadOnlyList<string> UserIds
    {
        get
        {
            lock (_lock)
            {
                return [.. _users.Select(u => u.UserId)];
            }
        }
    }

    /// <summary>Revokes every issued token, as WeCom may do "for operational reasons": next calls get 42001.</summary>
    public void ExpireAllTokens()
    {
        lock (_lock)
        {
            foreach (var token in _tokens.Values)
            {
                token.Revoked = true;
            }
        }
    }

    // ---- Tokens ----

    internal SimResult GetToken(string? corpId, string? secret)
    {
        lock (_lock)
        {
            _getTokenCalls++;
            if (string.IsNullOrEmpty(corpId))
            {
                return SimResult.Error(41002, "corpid missing");
            }

            if (corpId != _options.CorpId)
            {
                return SimResult.Error(WeComErrorCodes.InvalidCorpId, "invalid corpid");
            }

            if (string.IsNullOrEmpty(secret))
            {
                return SimResult.Error(41004, "corpsecret missing");
            }

            if (!_options.Secrets.Contains(secret))
            {
                return SimResult.Error(WeComErrorCodes.InvalidCredential, "invalid credential");
            }

            var now = _time.GetUtcNow();
            // WeCom's documented behaviour: within its lifetime the same token comes back, with the time it has left.
            var live = _tokens.FirstOrDefault(t => t.Value.Secret == secret && !t.Value.Revoked && t.Value.ExpiresAt > now);
            if (live.Key is not null)
            {
                return SimResult.Ok(("access_token", live.Key), ("expires_in", (long)(live.Value.ExpiresAt - now).TotalSeconds));
            }

            var value = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)).Replace('+', '-').Replace('/', '_');
            _tokens[value] = new SimToken { Secret = secret, ExpiresAt = now + _options.TokenLifetime };
            return SimResult.Ok(("access_token", value), ("expires_in", (long)_options.TokenLifetime.TotalSeconds));
        }
    }

    /// <summary>Null when the token is good, else the 41001/40014/42001 answer.</summary>
    internal SimResult? CheckToken(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return SimResult.Error(WeComErrorCodes.MissingAccessToken, "access_token missing");
        }

        lock (_lock)
        {
            if (!_tokens.TryGetValue(token, out var issued))
            {
                return SimResult.Error(WeComErrorCodes.InvalidAccessToken, "invalid access_token");
            }

            if (issued.Revoked || issued.ExpiresAt <= _time.GetUtcNow())
            {
                return SimResult.Error(WeComErrorCodes.AccessTokenExpired, "access_token expired");
            }

            return null;
        }
    }

    // ---- Contacts ----

    internal SimResult ListDepartments(long? id)
    {
        lock (_lock)
        {
            IEnumerable<SimDepartment> selected = _departments;
            if (id is { } root)
            {
                if (_departments.All(d => d.Id != root))
                {
                    return SimResult.Error(60123, "invalid party id");
                }

                var subtree = new HashSet<long> { root };
                bool grew;
                do
                {
                    grew = false;
                    foreach (var d in _departments)
                    {
                        if (subtree.Contains(d.ParentId) && subtree.Add(d.Id))
                        {
                            grew = true;
                        }
                    }
                }
                while (grew);
                selected = _departments.Where(d => subtree.Contains(d.Id));
            }

            var list = selected.Select(d => new WeComDepartment
            {
                Id = d.Id,
                Name = d.Name,
                NameEn = d.NameEn,
                DepartmentLeader = [.. _users.Where(u => u.IsLeader && u.Departments.Contains(d.Id)).Select(u => u.UserId)],
                ParentId = d.ParentId,
                Order = d.Order,
            }).ToList();
            return SimResult.Ok(("department", list));
        }
    }

    internal SimResult ListUserIds(string? cursor, int? limit)
    {
        var pageSize = limit ?? 10000;
        if (pageSize is < 1 or > 10000)
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "invalid limit");
        }

        lock (_lock)
        {
            var rows = _users.Where(u => !u.Resigned)
                .SelectMany(u => u.Departments.Select(d => new WeComDeptUser { UserId = u.UserId, Department = d })).ToList();
            if (!TryDecodeCursor(cursor, out var offset))
            {
                return SimResult.Error(WeComErrorCodes.InvalidParameter, "invalid cursor");
            }

            var page = rows.Skip(offset).Take(pageSize).ToList();
            var next = offset + page.Count < rows.Count ? EncodeCursor(offset + page.Count) : string.Empty;
            return SimResult.Ok(("next_cursor", next), ("dept_user", page));
        }
    }

    internal SimResult GetUser(string? userId)
    {
        lock (_lock)
        {
            var user = ActiveUser(userId);
            if (user is null)
            {
                return SimResult.Error(WeComErrorCodes.UserNotFound, "invalid userid");
            }

            return SimResult.Ok(
                ("userid", user.UserId),
                ("name", user.Name),
                ("department", user.Departments),
                ("order", user.Departments.Select(_ => 0).ToList()),
                ("position", user.Position),
                ("mobile", user.Mobile),
                ("gender", user.Gender),
                ("email", user.Email),
                ("is_leader_in_dept", user.Departments.Select(_ => user.IsLeader ? 1 : 0).ToList()),
                ("direct_leader", new List<string>()),
                ("avatar", "https://wework.qpic.cn/wwhead/sim/" + user.UserId + "/0"),
                ("thumb_avatar", "https://wework.qpic.cn/wwhead/sim/" + user.UserId + "/100"),
                ("telephone", ""),
                ("alias", user.Alias),
                ("status", user.Status),
                ("main_department", user.Departments[0]),
                ("qr_code", "https://open.work.weixin.qq.com/wwopen/userQRCode?vcode=sim" + user.UserId),
                ("external_position", user.Position));
        }
    }

    // ---- Customers ----

    internal SimResult GetFollowUserList()
    {
        lock (_lock)
        {
            return SimResult.Ok(("follow_user", FollowUserIds()));
        }
    }

    internal SimResult ListExternalContacts(string? userId)
    {
        lock (_lock)
        {
            if (_users.All(u => u.UserId != userId))
            {
                return SimResult.Error(WeComErrorCodes.UserNotFound, "invalid userid");
            }

            var ids = _follows.Where(f => f.UserId == userId).Select(f => f.ExternalUserId).ToList();
            // Real WeCom answers "not external contact" rather than an empty list.
            return ids.Count == 0
                ? SimResult.Error(WeComErrorCodes.NotExternalContact, "not external contact")
                : SimResult.Ok(("external_userid", ids));
        }
    }

    internal SimResult GetExternalContact(string? externalUserId)
    {
        lock (_lock)
        {
            var contact = _contacts.FirstOrDefault(c => c.ExternalUserId == externalUserId);
            var follows = _follows.Where(f => f.ExternalUserId == externalUserId).ToList();
            if (contact is null || follows.Count == 0)
            {
                return SimResult.Error(WeComErrorCodes.NotExternalContact, "not external contact");
            }

            var followUsers = follows.Select(f => new WeComFollowUser
            {
                UserId = f.UserId,
                Remark = f.Remark ?? string.Empty,
                Description = f.Description ?? string.Empty,
                CreateTime = f.CreateTime,
                Tags = [.. f.TagIds.Select(TagById).OfType<(SimTagGroup Group, SimTag Tag)>()
                    .Select(t => new WeComFollowUserTag { GroupName = t.Group.GroupName, TagName = t.Tag.Name, TagId = t.Tag.Id, Type = 1 })],
                RemarkCorpName = f.RemarkCorpName,
                RemarkMobiles = [.. f.RemarkMobiles],
                OperUserId = f.OperUserId,
                AddWay = f.AddWay,
                State = f.State,
            }).ToList();
            return SimResult.Ok(("external_contact", ToDto(contact)), ("follow_user", followUsers));
        }
    }

    internal SimResult BatchGetByUser(IReadOnlyList<string> userIds, string? cursor, int? limit)
    {
        var pageSize = limit ?? 50;
        if (userIds.Count is 0 or > 100)
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "userid_list size must be 1..100");
        }

        if (pageSize is < 1 or > 100)
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "limit must be 1..100");
        }

        lock (_lock)
        {
            foreach (var userId in userIds)
            {
                if (_users.All(u => u.UserId != userId))
                {
                    return SimResult.Error(WeComErrorCodes.UserNotFound, "invalid userid " + userId);
                }
            }

            if (!TryDecodeCursor(cursor, out var offset))
            {
                return SimResult.Error(WeComErrorCodes.InvalidParameter, "invalid cursor");
            }

            var rows = userIds.Distinct().SelectMany(u => _follows.Where(f => f.UserId == u)).ToList();
            var page = rows.Skip(offset).Take(pageSize).Select(f => new WeComExternalContactWithFollow
            {
                ExternalContact = ToDto(_contacts.First(c => c.ExternalUserId == f.ExternalUserId)),
                FollowInfo = new WeComFollowInfo
                {
                    UserId = f.UserId,
                    Remark = f.Remark ?? string.Empty,
                    Description = f.Description ?? string.Empty,
                    CreateTime = f.CreateTime,
                    TagId = [.. f.TagIds],
                    RemarkCorpName = f.RemarkCorpName,
                    RemarkMobiles = [.. f.RemarkMobiles],
                    OperUserId = f.OperUserId,
                    AddWay = f.AddWay,
                    State = f.State,
                },
            }).ToList();
            var next = offset + page.Count < rows.Count ? EncodeCursor(offset + page.Count) : string.Empty;
            return SimResult.Ok(("external_contact_list", page), ("next_cursor", next));
        }
    }

    // ---- Corp tags ----

    internal SimResult GetCorpTagList(IReadOnlyList<string> tagIds, IReadOnlyList<string> groupIds)
    {
        lock (_lock)
        {
            IEnumerable<WeComCorpTagGroup> groups;
            if (groupIds.Count > 0)
            {
                // group_id wins over tag_id, as documented.
                groups = _tagGroups.Where(g => groupIds.Contains(g.GroupId)).Select(g => ToDto(g, g.Tags));
            }
            else if (tagIds.Count > 0)
            {
                groups = _tagGroups
                    .Select(g => (Group: g, Tags: g.Tags.Where(t => tagIds.Contains(t.Id)).ToList()))
                    .Where(x => x.Tags.Count > 0)
                    .Select(x => ToDto(x.Group, x.Tags));
            }
            else
            {
                groups = _tagGroups.Select(g => ToDto(g, g.Tags));
            }

            return SimResult.Ok(("tag_group", groups.ToList()));
        }
    }

    internal SimResult AddCorpTag(WeComAddCorpTagRequest request)
    {
        if (request.Tag is not { Count: > 0 } || request.Tag.Any(t => string.IsNullOrWhiteSpace(t.Name)))
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "tag name required");
        }

        if (request.Tag.Any(t => t.Name.Length > 30))
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "tag name exceeds 30 characters");
        }

        lock (_lock)
        {
            SimTagGroup? group;
            if (!string.IsNullOrEmpty(request.GroupId))
            {
                group = _tagGroups.FirstOrDefault(g => g.GroupId == request.GroupId);
                if (group is null)
                {
                    return SimResult.Error(WeComErrorCodes.InvalidTagId, "invalid tag group id");
                }
            }
            else if (!string.IsNullOrWhiteSpace(request.GroupName))
            {
                group = _tagGroups.FirstOrDefault(g => g.GroupName == request.GroupName);
            }
            else
            {
                return SimResult.Error(WeComErrorCodes.InvalidParameter, "group_id or group_name required");
            }

            var names = request.Tag.Select(t => t.Name).ToList();
            if (names.Distinct().Count() != names.Count || (group is not null && group.Tags.Any(t => names.Contains(t.Name))))
            {
                return SimResult.Error(WeComErrorCodes.TagNameExists, "tag name exists");
            }

            var now = Now();
            if (group is null)
            {
                group = new SimTagGroup { GroupId = NewId("et", 30), GroupName = request.GroupName!, CreateTime = now, Order = request.Order ?? 0 };
                _tagGroups.Add(group);
            }

            var created = request.Tag.Select(t => new SimTag { Id = NewId("et", 30), Name = t.Name, CreateTime = now, Order = t.Order ?? 0 }).ToList();
            group.Tags.AddRange(created);
            return SimResult.Ok(("tag_group", ToDto(group, created)));
        }
    }

    internal SimResult MarkTag(string? userId, string? externalUserId, IReadOnlyList<string> addTag, IReadOnlyList<string> removeTag)
    {
        if (addTag.Count == 0 && removeTag.Count == 0)
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "add_tag or remove_tag required");
        }

        lock (_lock)
        {
            if (_users.All(u => u.UserId != userId))
            {
                return SimResult.Error(WeComErrorCodes.UserNotFound, "invalid userid");
            }

            var follow = _follows.FirstOrDefault(f => f.UserId == userId && f.ExternalUserId == externalUserId);
            if (follow is null)
            {
                return SimResult.Error(WeComErrorCodes.NotExternalContact, "not external contact");
            }

            if (addTag.Concat(removeTag).Any(id => TagById(id) is null))
            {
                return SimResult.Error(WeComErrorCodes.InvalidTagId, "invalid tagid");
            }

            follow.TagIds.RemoveAll(removeTag.Contains);
            foreach (var id in addTag)
            {
                if (!follow.TagIds.Contains(id))
                {
                    follow.TagIds.Add(id);
                }
            }

            return SimResult.Ok();
        }
    }

    // ---- Channel codes ----

    internal SimResult AddContactWay(WeComContactWay way, string? qrBase = null)
    {
        if (way.Type is not (1 or 2) || way.Scene is not (1 or 2))
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "invalid type or scene");
        }

        if (way.State is { Length: > 30 } || way.Remark is { Length: > 30 })
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "state or remark exceeds 30 characters");
        }

        var users = way.User ?? [];
        if ((way.Type == 1 && (users.Count != 1 || way.Party is { Count: > 0 })) || (users.Count == 0 && way.Party is not { Count: > 0 }))
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "type 1 takes exactly one user; type 2 needs users or parties");
        }

        lock (_lock)
        {
            if (users.Any(u => _users.All(x => x.UserId != u)))
            {
                return SimResult.Error(WeComErrorCodes.UserNotFound, "invalid userid");
            }

            var configId = NewHex(32);
            var qrCode = way.Scene != 2 ? null : qrBase is null ? "https://wework.qpic.cn/wwpic/sim/" + configId + "/0" : qrBase + configId + ".png";
            _contactWays.Add(new SimContactWay { Way = way with { ConfigId = configId, QrCode = qrCode }, CreatedAt = Now() });
            return qrCode is null ? SimResult.Ok(("config_id", configId)) : SimResult.Ok(("config_id", configId), ("qr_code", qrCode));
        }
    }

    /// <summary>Whether a contact way exists (the QR image is served only for those).</summary>
    internal bool HasContactWay(string configId)
    {
        lock (_lock)
        {
            return _contactWays.Any(c => c.Way.ConfigId == configId);
        }
    }

    /// <summary>What a contact way's QR code encodes: a link naming its config_id, like WeCom's work.weixin.qq.com/ca/… links.</summary>
    public static string ContactWayLink(string configId) => "https://work.weixin.qq.com/ca/sim_" + configId;

    internal SimResult GetContactWay(string? configId)
    {
        lock (_lock)
        {
            var found = _contactWays.FirstOrDefault(c => c.Way.ConfigId == configId);
            return found is null
                ? SimResult.Error(WeComErrorCodes.InvalidParameter, "invalid config_id")
                : SimResult.Ok(("contact_way", found.Way));
        }
    }

    internal SimResult DeleteContactWay(string? configId)
    {
        lock (_lock)
        {
            return _contactWays.RemoveAll(c => c.Way.ConfigId == configId) == 0
                ? SimResult.Error(WeComErrorCodes.InvalidParameter, "invalid config_id")
                : SimResult.Ok();
        }
    }

    internal SimResult ListContactWays(long? startTime, long? endTime, string? cursor, int? limit)
    {
        var pageSize = limit ?? 100;
        if (pageSize is < 1 or > 1000)
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "limit must be 1..1000");
        }

        lock (_lock)
        {
            if (!TryDecodeCursor(cursor, out var offset))
            {
                return SimResult.Error(WeComErrorCodes.InvalidParameter, "invalid cursor");
            }

            var rows = _contactWays
                .Where(c => (startTime is null || c.CreatedAt >= startTime) && (endTime is null || c.CreatedAt <= endTime))
                .Select(c => new WeComContactWayRef { ConfigId = c.Way.ConfigId! })
                .ToList();
            var page = rows.Skip(offset).Take(pageSize).ToList();
            var next = offset + page.Count < rows.Count ? EncodeCursor(offset + page.Count) : string.Empty;
            return SimResult.Ok(("contact_way", page), ("next_cursor", next));
        }
    }

    // ---- Messages ----

    internal SimResult SendWelcomeMessage(JsonObject body)
    {
        var code = Str(body, "welcome_code");
        var text = Str(body["text"] as JsonObject, "content");
        var attachments = body["attachments"] as JsonArray;
        if (string.IsNullOrEmpty(text) && attachments is not { Count: > 0 })
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "text or attachments required");
        }

        if (attachments is { Count: > 9 })
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "at most 9 attachments");
        }

        lock (_lock)
        {
            if (code is null || !_welcomeCodes.TryGetValue(code, out var welcome))
            {
                return SimResult.Error(WeComErrorCodes.InvalidParameter, "invalid welcome_code");
            }

            // Used or expired: WeCom answers 41051 either way (the window to greet has closed).
            if (welcome.Used)
            {
                return SimResult.Error(WeComErrorCodes.WelcomeCodeUsed, "welcome_code already used");
            }

            if (welcome.ExpiresAt <= _time.GetUtcNow())
            {
                return SimResult.Error(WeComErrorCodes.WelcomeCodeUsed, "welcome_code expired");
            }

            welcome.Used = true;
            Record("welcome", null, welcome.UserId, [welcome.ExternalUserId], text, body);
            return SimResult.Ok();
        }
    }

    internal SimResult SendAppMessage(JsonObject body)
    {
        var msgType = Str(body, "msgtype");
        var agentId = body["agentid"] is JsonValue v && v.TryGetValue<long>(out var a) ? a
            : long.TryParse(Str(body, "agentid"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : 0;
        if (agentId != _options.AgentId)
        {
            return SimResult.Error(40056, "invalid agentid");
        }

        if (msgType is null || body[msgType] is not JsonObject)
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "msgtype and its content object required");
        }

        var toUser = Str(body, "touser") ?? string.Empty;
        lock (_lock)
        {
            var requested = toUser.Split('|', StringSplitOptions.RemoveEmptyEntries);
            var all = requested.Contains("@all");
            List<string> valid = all ? [.. _users.Where(u => !u.Resigned).Select(u => u.UserId)] : [.. requested.Where(id => ActiveUser(id) is not null)];
            List<string> invalid = all ? [] : [.. requested.Where(id => !valid.Contains(id))];
            if (valid.Count == 0 && string.IsNullOrEmpty(Str(body, "toparty")) && string.IsNullOrEmpty(Str(body, "totag")))
            {
                return SimResult.Error(81013, "user & party & tag all invalid");
            }

            var msgId = NewId("", 40);
            var content = Str(body[msgType] as JsonObject, "content");
            Record("app", msgId, null, valid, content, body);
            return SimResult.Ok(("invaliduser", string.Join('|', invalid)), ("msgid", msgId));
        }
    }

    // ---- Simulation (not WeCom) ----

    /// <summary>
    /// A WeChat user adds <paramref name="userId"/> (via a channel code with <paramref name="state"/>): the
    /// customer is created (or reused), followed, and a fresh welcome_code issued.
    /// </summary>
    internal (string ExternalUserId, string WelcomeCode, long CreateTime)? AddContact(string userId, string name, string? state, string? externalUserId)
    {
        lock (_lock)
        {
            if (_users.All(u => u.UserId != userId))
            {
                return null;
            }

            var contact = externalUserId is null ? null : _contacts.FirstOrDefault(c => c.ExternalUserId == externalUserId);
            contact ??= CreateContact(name, gender: _random.Next(3), withUnionId: true, externalUserId);
            var now = Now();
            _follows.RemoveAll(f => f.UserId == userId && f.ExternalUserId == contact.ExternalUserId);
            _follows.Add(new SimFollow
            {
                UserId = userId,
                ExternalUserId = contact.ExternalUserId,
                CreateTime = now,
                State = string.IsNullOrEmpty(state) ? null : state,
                AddWay = 1,
                OperUserId = contact.ExternalUserId,
            });

            var code = NewId("", 43);
            _welcomeCodes[code] = new SimWelcomeCode
            {
                UserId = userId,
                ExternalUserId = contact.ExternalUserId,
                ExpiresAt = _time.GetUtcNow() + _options.WelcomeCodeLifetime,
            };
            return (contact.ExternalUserId, code, now);
        }
    }

    /// <summary>Ends a follow relation; the customer disappears when nobody follows them any more.</summary>
    internal bool DeleteContact(string userId, string externalUserId)
    {
        lock (_lock)
        {
            if (_follows.RemoveAll(f => f.UserId == userId && f.ExternalUserId == externalUserId) == 0)
            {
                return false;
            }

            if (_follows.All(f => f.ExternalUserId != externalUserId))
            {
                _contacts.RemoveAll(c => c.ExternalUserId == externalUserId);
            }

            return true;
        }
    }

    internal void RecordCallback(SimCallbackDelivery delivery)
    {
        lock (_lock)
        {
            _callbacks.Add(delivery);
        }
    }

    internal object Snapshot()
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            return new Dictionary<string, object?>
            {
                ["corpid"] = _options.CorpId,
                ["agentid"] = _options.AgentId,
                ["now"] = now.ToUnixTimeSeconds(),
                ["gettoken_calls"] = _getTokenCalls,
                ["live_tokens"] = _tokens.Values.Count(t => !t.Revoked && t.ExpiresAt > now),
                ["departments"] = _departments.Count,
                ["users"] = _users.Select(u => new { userid = u.UserId, name = u.Name, department = u.Departments, position = u.Position }).ToList(),
                ["external_contacts"] = _contacts.Count,
                ["follows"] = _follows.Count,
                ["tag_groups"] = _tagGroups.Select(g => new { group_id = g.GroupId, group_name = g.GroupName, tags = g.Tags.Select(t => new { id = t.Id, name = t.Name }).ToList() }).ToList(),
                ["contact_ways"] = _contactWays.Select(c => new { config_id = c.Way.ConfigId, state = c.Way.State, user = c.Way.User }).ToList(),
                ["welcome_codes_pending"] = _welcomeCodes.Values.Count(w => !w.Used && w.ExpiresAt > now),
                ["messages"] = _messages.Count,
                ["group_chats"] = _groups.Count(g => !g.Dismissed),
                ["mass_tasks"] = _massTasks.Select(t => new { msgid = t.MsgId, chat_type = t.ChatType, senders = t.Senders.Select(x => new { userid = x.UserId, status = x.Status }).ToList() }).ToList(),
                ["transfers"] = _transfers.Select(t => new { handover_userid = t.Handover, takeover_userid = t.Takeover, external_userid = t.ExternalUserId, resigned = t.Resigned, status = t.Status }).ToList(),
                ["api_calls"] = new Dictionary<string, int>(_apiCalls),
                ["pending_faults"] = _faults.Select(f => new { path = f.Path, errcode = f.ErrCode, http_status = f.HttpStatus, remaining = f.Remaining }).ToList(),
                ["callbacks"] = _callbacks.ToList(),
            };
        }
    }

    // ---- Seeding helpers (DemoData) ----

    internal void AddDepartment(SimDepartment department)
    {
        lock (_lock)
        {
            _departments.Add(department);
        }
    }

    internal void AddUser(SimUser user)
    {
        lock (_lock)
        {
            _users.Add(user);
        }
    }

    internal void AddTagGroup(string groupName, IReadOnlyList<string> tagNames, long createTime)
    {
        lock (_lock)
        {
            var group = new SimTagGroup { GroupId = NewId("et", 30), GroupName = groupName, CreateTime = createTime, Order = _tagGroups.Count + 1 };
            for (var i = 0; i < tagNames.Count; i++)
            {
                group.Tags.Add(new SimTag { Id = NewId("et", 30), Name = tagNames[i], CreateTime = createTime, Order = i + 1 });
            }

            _tagGroups.Add(group);
        }
    }

    internal void AddFollow(SimFollow follow)
    {
        lock (_lock)
        {
            _follows.Add(follow);
        }
    }

    internal List<string> FollowUserIds()
    {
        lock (_lock)
        {
            return [.. _users.Where(u => !u.Resigned).Select(u => u.UserId)];
        }
    }

    internal List<string> TagIdsOfGroup(string groupName)
    {
        lock (_lock)
        {
            return [.. _tagGroups.First(g => g.GroupName == groupName).Tags.Select(t => t.Id)];
        }
    }

    internal SimContact CreateContact(string name, int gender, bool withUnionId, string? externalUserId = null)
    {
        lock (_lock)
        {
            var id = externalUserId ?? NewId("wm", 30);
            var contact = new SimContact
            {
                ExternalUserId = id,
                Name = name,
                Gender = gender,
                Avatar = "https://wx.qlogo.cn/mmhead/sim/" + id + "/0",
                UnionId = withUnionId ? NewId("o", 27) : null,
            };
            _contacts.Add(contact);
            return contact;
        }
    }

    // ---- Helpers ----

    private long Now() => _time.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>A staff member who has not left; resigned ones are invisible to the contact APIs.</summary>
    private SimUser? ActiveUser(string? userId) => _users.FirstOrDefault(u => u.UserId == userId && !u.Resigned);

    private SimUser? AnyUser(string? userId) => _users.FirstOrDefault(u => u.UserId == userId);

    private (SimTagGroup Group, SimTag Tag)? TagById(string id)
    {
        foreach (var group in _tagGroups)
        {
            foreach (var tag in group.Tags)
            {
                if (tag.Id == id)
                {
                    return (group, tag);
                }
            }
        }

        return null;
    }

    private static WeComExternalContact ToDto(SimContact c) => new()
    {
        ExternalUserId = c.ExternalUserId,
        Name = c.Name,
        Avatar = c.Avatar,
        Type = c.Type,
        Gender = c.Gender,
        UnionId = c.UnionId,
    };

    private static WeComCorpTagGroup ToDto(SimTagGroup g, IEnumerable<SimTag> tags) => new()
    {
        GroupId = g.GroupId,
        GroupName = g.GroupName,
        CreateTime = g.CreateTime,
        Order = g.Order,
        Tag = [.. tags.Select(t => new WeComCorpTag { Id = t.Id, Name = t.Name, CreateTime = t.CreateTime, Order = t.Order })],
    };

    private void Record(string kind, string? msgId, string? sender, IReadOnlyList<string> recipients, string? text, JsonObject body)
    {
        var payload = JsonSerializer.SerializeToElement(body, SimJson.Options);
        _messages.Add(new SimMessage(_messages.Count + 1, kind, msgId, Now(), sender, recipients, text, payload));
    }

    private string NewId(string prefix, int length) => NewId(prefix, length, _random);

    internal static string NewId(string prefix, int length, Random random)
    {
        var sb = new StringBuilder(prefix, prefix.Length + length);
        for (var i = 0; i < length; i++)
        {
            sb.Append(IdAlphabet[random.Next(IdAlphabet.Length)]);
        }

        return sb.ToString();
    }

    private string NewHex(int length) => NewHex(length, _random);

    internal static string NewHex(int length, Random random)
    {
        var sb = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            sb.Append("0123456789abcdef"[random.Next(16)]);
        }

        return sb.ToString();
    }

    /// <summary>One page of <paramref name="rows"/> from an opaque cursor: (page, next cursor or empty), or null for a bad cursor.</summary>
    private static (List<T> Page, string Next)? Paginate<T>(IReadOnlyList<T> rows, string? cursor, int pageSize)
    {
        if (!TryDecodeCursor(cursor, out var offset))
        {
            return null;
        }

        var page = rows.Skip(offset).Take(pageSize).ToList();
        var next = offset + page.Count < rows.Count ? EncodeCursor(offset + page.Count) : string.Empty;
        return (page, next);
    }

    // Cursors are opaque to clients; an offset is enough for a simulator.
    private static string EncodeCursor(int offset) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes("o:" + offset.ToString(CultureInfo.InvariantCulture)));

    private static bool TryDecodeCursor(string? cursor, out int offset)
    {
        offset = 0;
        if (string.IsNullOrEmpty(cursor))
        {
            return true;
        }

        try
        {
            var text = Encoding.ASCII.GetString(Convert.FromBase64String(cursor));
            return text.StartsWith("o:", StringComparison.Ordinal)
                && int.TryParse(text.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out offset);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    internal static string? Str(JsonObject? obj, string name) =>
        obj?[name] is JsonValue value && value.TryGetValue<string>(out var s) ? s : null;

    internal static List<string> StrList(JsonObject? obj, string name) =>
        obj?[name] is JsonArray array
            ? [.. array.OfType<JsonValue>().Select(v => v.TryGetValue<string>(out var s) ? s : null).OfType<string>()]
            : [];
}
