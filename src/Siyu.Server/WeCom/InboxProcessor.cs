using System.Data.Common;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Customers;
using Siyu.Core.Events;
using Siyu.Core.Tags;
using Siyu.Server.Data;
using Siyu.Server.Ingest;
using Siyu.WeCom.Api;
using Siyu.WeCom.Callbacks;

namespace Siyu.Server.WeCom;

/// <summary>Welcome-message timing, from the callback's arrival to WeCom accepting the message.</summary>
public sealed class WelcomeTimings
{
    private readonly List<double> _ms = [];
    private readonly Lock _lock = new();

    public void Add(double ms)
    {
        lock (_lock)
        {
            _ms.Add(ms);
        }
    }

    public IReadOnlyList<double> Snapshot()
    {
        lock (_lock)
        {
            return [.. _ms];
        }
    }
}

/// <summary>
/// Acts on stored callbacks in arrival order, right after they are stored (woken by the endpoint) and again on a
/// timer for retries. Every effect is idempotent — events carry keys derived from the callback, tag requests carry
/// its id — so a crash between effects and the "processed" mark only repeats harmless work.
/// </summary>
public sealed partial class InboxProcessor(
    IDbContextFactory<SiyuDb> dbs, WeComConnections connections, ChannelCodes channels, IngestWriter writer, Tags.TagWriter tagWriter,
    Tags.TagCatalog tagCatalog, WeComSync sync, CustomerGroups groups, Groups.GroupCodeService groupCodes, Customers.CustomerReader reader, WelcomeTimings timings, Tenants.TenantDirectory tenants,
    Referrals.ReferralService referrals, TimeProvider time, ILogger<InboxProcessor> logger) : BackgroundService
{
    public const int MaxAttempts = 8;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>A callback was stored: start its welcome fast lane (adds only), then let the processor pick it up.</summary>
    public void Accepted(WeComInboxRow row)
    {
        // In a cluster the processor may run on another node; this one's prepared welcomes would never be taken.
        if (_running)
        {
            StartPreparing(row);
        }
        Wake();
    }

    private volatile bool _running;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _running = true;
        try
        {
            await ProcessAsync(stoppingToken);
        }
        finally
        {
            _running = false;
        }
    }

    private async Task ProcessAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await DrainOnceAsync(stoppingToken) > 0)
                {
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogLoopFailed(logger, e);
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            try
            {
                await _wake.Reader.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
            }
        }
    }

    /// <summary>Processes one batch of pending callbacks; returns how many it handled.</summary>
    public async Task<int> DrainOnceAsync(CancellationToken cancellationToken)
    {
        List<WeComInboxRow> pending;
        await using (var db = await dbs.CreateDbContextAsync(cancellationToken))
        {
            pending = await db.WeComInbox.AsNoTracking().Where(r => r.ProcessedAtTicks == null && r.Attempts < MaxAttempts)
                .OrderBy(r => r.Id).Take(100).ToListAsync(cancellationToken);
        }
        // Rows stored before a restart join the fast lane here, all of the batch at once.
        foreach (var row in pending)
        {
            StartPreparing(row);
        }
        foreach (var row in pending)
        {
            string? error = null;
            try
            {
                var prepared = _prepared.TryRemove(row.Id, out var preparing) ? await preparing : null;
                await HandleAsync(row, prepared, cancellationToken);
            }
            catch (Exception e) when (e is WeComApiException or HttpRequestException or IngestOverloadedException or DbUpdateException or TaskCanceledException)
            {
                error = e.Message;
                LogHandleFailed(logger, e, row.Id, row.Kind, row.Attempts + 1);
            }
            await using var db = await dbs.CreateDbContextAsync(cancellationToken);
            await db.WeComInbox.Where(r => r.Id == row.Id).ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Attempts, r => r.Attempts + 1)
                .SetProperty(r => r.LastError, error)
                .SetProperty(r => r.ProcessedAtTicks, error == null ? time.GetUtcNow().UtcTicks : null), cancellationToken);
        }
        return pending.Count;
    }

    /// <summary>What the welcome fast lane already did for an add: the channel, the contact's details, whether the welcome went out.</summary>
    private sealed record PreparedAdd(ChannelCodeRow? Channel, WeComExternalContactDetail? Detail, bool Welcomed);

    /// <summary>
    /// Welcome codes die about 20 seconds after the add, and a livestream QR code can bring hundreds of adds at once,
    /// while the processor handles rows one by one (a durable event, tags, statistics each). So each add gets its contact
    /// details and welcome message as soon as it is stored, several at a time, independent of the processor's queue.
    /// Failures here are left to the processor's normal path, which retries.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, Task<PreparedAdd?>> _prepared = new();
    private readonly SemaphoreSlim _fastLane = new(8);

    private void StartPreparing(WeComInboxRow row)
    {
        if (row.Attempts == 0 && !_prepared.ContainsKey(row.Id) && connections.Get(row.TenantId) is { CanCallApi: true } connection
            && CallbackEventParser.Parse(row.Xml, connection.CorpId) is ExternalContactChanged
            {
                ChangeType: ExternalContactChangeType.AddExternalContact or ExternalContactChangeType.AddHalfExternalContact, ExternalUserId.Length: > 0,
            } change)
        {
            _prepared[row.Id] = Task.Run(() => PrepareAsync(row, connection, change));
        }
    }

    private async Task<PreparedAdd?> PrepareAsync(WeComInboxRow row, WeComConnection connection, ExternalContactChanged change)
    {
        await _fastLane.WaitAsync();
        try
        {
            var channel = change.State is { Length: > 0 } state ? await channels.FindByStateAsync(row.TenantId, state) : null;
            var detail = await TryGetContactAsync(connection, change.ExternalUserId!, CancellationToken.None);
            var welcomed = false;
            if (channel is not null && change.WelcomeCode is { Length: > 0 } code
                && ChannelCodes.Welcome(channel, code, detail?.ExternalContact.Name) is { } welcome)
            {
                await SendWelcomeAsync(connection, welcome, row, CancellationToken.None);
                welcomed = true;
            }
            return new PreparedAdd(channel, detail, welcomed);
        }
        catch (Exception e) when (e is WeComApiException or HttpRequestException or TaskCanceledException or DbException)
        {
            LogPrepareFailed(logger, e, row.Id);
            return null;
        }
        finally
        {
            _fastLane.Release();
        }
    }

    private async Task HandleAsync(WeComInboxRow row, PreparedAdd? prepared, CancellationToken cancellationToken)
    {
        if (connections.Get(row.TenantId) is not { } connection)
        {
            return;
        }
        var callback = CallbackEventParser.Parse(row.Xml, connection.CorpId);
        var at = callback.Envelope.CreateTime ?? new DateTimeOffset(row.ReceivedAtTicks, TimeSpan.Zero);
        switch (callback)
        {
            case ExternalContactChanged { ExternalUserId: { Length: > 0 } externalUserId } c:
                await HandleContactAsync(row, connection, c, externalUserId, at, prepared, cancellationToken);
                break;
            case ContactChanged c:
                await HandleStaffAsync(row.TenantId, c, cancellationToken);
                break;
            case ExternalChatChanged { ChatId: { Length: > 0 } chatId } chat:
                if (chat.ChangeType == ExternalChatChangeType.Dismiss)
                {
                    await groups.DismissAsync(row.TenantId, chatId, cancellationToken);
                }
                else if (connection.CanCallApi)
                {
                    var (joined, left) = await groups.RefreshAsync(row.TenantId, connections.Client(connection), chatId, cancellationToken);
                    // Group codes: day counts, and full groups rotate off their join ways.
                    await groupCodes.AfterGroupChangeAsync(row.TenantId, chatId, chat.ChangeType == ExternalChatChangeType.Create, joined, left, cancellationToken);
                }
                break;
            case ExternalTagChanged when connection.CanCallApi:
                await sync.SyncTagsAsync(row.TenantId, connections.Client(connection), cancellationToken);
                break;
        }
    }

    private async Task HandleContactAsync(WeComInboxRow row, WeComConnection connection, ExternalContactChanged c, string externalUserId,
        DateTimeOffset at, PreparedAdd? prepared, CancellationToken cancellationToken)
    {
        var key = "wecom:" + row.DedupKey;
        switch (c.ChangeType)
        {
            case ExternalContactChangeType.AddExternalContact or ExternalContactChangeType.AddHalfExternalContact:
                var channel = prepared is not null ? prepared.Channel
                    : c.State is { Length: > 0 } state ? await channels.FindByStateAsync(row.TenantId, state) : null;
                var detail = prepared is not null ? prepared.Detail
                    : connection.CanCallApi ? await TryGetContactAsync(connection, externalUserId, cancellationToken) : null;
                // Fast path first (when the fast lane did not already): the welcome code dies about 20 s after the add.
                if (prepared is not { Welcomed: true } && channel is not null && c.WelcomeCode is { Length: > 0 } code && connection.CanCallApi
                    && ChannelCodes.Welcome(channel, code, detail?.ExternalContact.Name) is { } welcome)
                {
                    await SendWelcomeAsync(connection, welcome, row, cancellationToken);
                }
                var identifiers = new List<(IdentifierType, string)> { (IdentifierType.ExternalUserId, externalUserId) };
                if (detail?.ExternalContact.UnionId is { Length: > 0 } unionId)
                {
                    identifiers.Add((IdentifierType.UnionId, unionId));
                }
                var attributes = new JsonObject();
                if (detail?.ExternalContact is { } contact)
                {
                    attributes["name"] = contact.Name;
                    attributes["gender"] = contact.Gender switch { 1 => "男", 2 => "女", _ => null };
                    attributes["avatar"] = contact.Avatar;
                }
                if (channel is not null)
                {
                    attributes["first_channel"] = channel.Name;
                }
                var outcome = (await writer.AppendAsync(row.TenantId, [new IncomingEvent(key, EventTypes.CustomerAdded, at, identifiers, null,
                    new JsonObject
                    {
                        ["staff_userid"] = c.UserId, ["state"] = c.State, ["channel"] = channel?.Name, ["half"] = c.ChangeType == ExternalContactChangeType.AddHalfExternalContact,
                        ["source"] = "wecom_callback",
                    }, attributes, "wecom")]))[0];
                if (outcome.Error is null)
                {
                    await referrals.OnAddedAsync(row.TenantId, c.State, key, outcome.CustomerId, outcome.Seq, c.UserId ?? "", at);
                }
                if (channel is null || outcome.Error is not null)
                {
                    return;
                }
                if (ChannelCodes.TagIdsOf(channel) is { Count: > 0 } tagIds)
                {
                    await tagWriter.ApplyAsync(row.TenantId, new Tags.TagChangeRequest([outcome.CustomerId], tagIds, [], TagSource.Channel, "wecom",
                        $"渠道活码：{channel.Name}", row.DedupKey));
                }
                if (!outcome.Duplicate)
                {
                    await channels.CountAsync(row.TenantId, channel.Id, c.UserId ?? "", add: true, at);
                    await channels.ReconcileRotationAsync(row.TenantId, channel.Id, cancellationToken);
                }
                // Not only on the first attempt: a retry after a failed remark must still set it (WeCom keeps the last one).
                if (connection.CanCallApi && c.UserId is { Length: > 0 } staffUserId
                    && ChannelCodes.CustomerRemarkFor(channel, detail?.ExternalContact.Name, DateOnly.FromDayNumber(tenants.Today(row.TenantId, time))) is { } remark)
                {
                    await SetRemarkAsync(connection, staffUserId, externalUserId, remark, cancellationToken);
                }
                break;
            case ExternalContactChangeType.EditExternalContact:
                if (connection.CanCallApi && await TryGetContactAsync(connection, externalUserId, cancellationToken) is { } edited)
                {
                    var updated = (await writer.AppendAsync(row.TenantId, [new IncomingEvent(key, EventTypes.ProfileUpdated, at,
                        [(IdentifierType.ExternalUserId, externalUserId)], null, new JsonObject { ["source"] = "wecom_callback", ["staff_userid"] = c.UserId },
                        new JsonObject { ["name"] = edited.ExternalContact.Name }, "wecom")]))[0];
                    if (updated.Error is null)
                    {
                        await ReconcileWeComTagsAsync(row, edited, updated.CustomerId);
                    }
                }
                break;
            case ExternalContactChangeType.DelExternalContact or ExternalContactChangeType.DelFollowUser:
                var customerId = reader.FindCustomer(row.TenantId, IdentifierType.ExternalUserId, externalUserId);
                // Which channel brought this relation in: the state recorded when the staff member added them.
                var relationState = customerId is { } id && await reader.GetAsync(row.TenantId, id) is { } existing
                    ? existing.Profile.Staff.GetValueOrDefault(c.UserId ?? "") : null;
                var deleted = (await writer.AppendAsync(row.TenantId, [new IncomingEvent(key, EventTypes.CustomerDeleted, at,
                    [(IdentifierType.ExternalUserId, externalUserId)], null, new JsonObject
                    {
                        ["staff_userid"] = c.UserId, ["by"] = c.ChangeType == ExternalContactChangeType.DelExternalContact ? "staff" : "customer",
                        ["reason"] = c.Source, ["state"] = relationState,
                    }, null, "wecom")]))[0];
                if (deleted.Error is null)
                {
                    await referrals.OnDeletedAsync(row.TenantId, deleted.CustomerId, c.UserId ?? "", at);
                }
                if (!deleted.Duplicate && relationState is { Length: > 0 } && await channels.FindByStateAsync(row.TenantId, relationState) is { } from)
                {
                    await channels.CountAsync(row.TenantId, from.Id, c.UserId ?? "", add: false, at);
                }
                break;
            case ExternalContactChangeType.TransferFail:
                await writer.AppendAsync(row.TenantId, [new IncomingEvent(key, "customer.transfer_failed", at,
                    [(IdentifierType.ExternalUserId, externalUserId)], null, new JsonObject { ["staff_userid"] = c.UserId, ["reason"] = c.FailReason }, null, "wecom")]);
                await using (var db = await dbs.CreateDbContextAsync(cancellationToken))
                {
                    await db.CustomerTransfers.Where(t => t.TenantId == row.TenantId && t.ExternalUserId == externalUserId && (t.Status == "requested" || t.Status == "waiting"))
                        .ExecuteUpdateAsync(s => s.SetProperty(t => t.Status, c.FailReason == "customer_refused" ? "refused" : "limited")
                            .SetProperty(t => t.FinishedAtTicks, time.GetUtcNow().UtcTicks), cancellationToken);
                }
                break;
        }
    }

    /// <summary>
    /// Tags edited in the WeCom client arrive as edit_external_contact: the corp tags on the customer's relations become
    /// the customer's WeCom-linked tags in Siyu (added or removed with source wecom).
    /// </summary>
    private async Task ReconcileWeComTagsAsync(WeComInboxRow row, WeComExternalContactDetail detail, long customerId)
    {
        var linked = tagCatalog.Groups(row.TenantId).SelectMany(g => g.Tags).Where(t => t.WeComTagId is not null).ToDictionary(t => t.WeComTagId!, t => t.Id, StringComparer.Ordinal);
        if (linked.Count == 0 || await reader.GetAsync(row.TenantId, customerId) is not { } customer)
        {
            return;
        }
        var wanted = detail.FollowUser.SelectMany(f => f.Tags ?? []).Where(t => t.Type == 1 && t.TagId is not null && linked.ContainsKey(t.TagId))
            .Select(t => linked[t.TagId!]).ToHashSet();
        var present = customer.Profile.Tags.Select(t => t.TagId).Where(linked.ContainsValue).ToHashSet();
        var add = wanted.Except(present).ToList();
        var remove = present.Except(wanted).ToList();
        if (add.Count + remove.Count > 0)
        {
            await tagWriter.ApplyAsync(row.TenantId, new Tags.TagChangeRequest([customerId], add, remove, TagSource.WeCom, "wecom", "企业微信中修改", row.DedupKey));
        }
    }

    private async Task SendWelcomeAsync(WeComConnection connection, WeComWelcomeMessage welcome, WeComInboxRow row, CancellationToken cancellationToken)
    {
        try
        {
            await connections.Client(connection).SendWelcomeMessageAsync(welcome, cancellationToken);
            var ms = (time.GetUtcNow().UtcTicks - row.ReceivedAtTicks) / (double)TimeSpan.TicksPerMillisecond;
            timings.Add(ms);
            LogWelcomed(logger, row.Id, ms);
        }
        catch (WeComApiException e) when (e.IsWelcomeCodeUsed)
        {
            // Already sent (the callback was processed before, e.g. retried after a crash): nothing to redo.
            LogWelcomeSkipped(logger, row.Id, e.ErrCode);
        }
    }

    private async Task SetRemarkAsync(WeComConnection connection, string staffUserId, string externalUserId, string remark, CancellationToken cancellationToken)
    {
        try
        {
            await connections.Client(connection).UpdateRemarkAsync(new WeComRemarkUpdate { UserId = staffUserId, ExternalUserId = externalUserId, Remark = remark }, cancellationToken);
        }
        catch (WeComApiException e) when (e.ErrCode is 84061 or 60111)
        {
            // The relation is already gone (the customer deleted the staff member right away) or the member left: nothing to remark.
            LogRemarkSkipped(logger, externalUserId, e.ErrCode);
        }
    }

    private async Task<WeComExternalContactDetail?> TryGetContactAsync(WeComConnection connection, string externalUserId, CancellationToken cancellationToken)
    {
        try
        {
            return await connections.Client(connection).GetExternalContactAsync(externalUserId, cancellationToken: cancellationToken);
        }
        catch (WeComApiException e) when (e.ErrCode is 84061 or 60011)
        {
            return null; // not (or no longer) an external contact, or outside the app's visibility
        }
    }

    private async Task HandleStaffAsync(int tenantId, ContactChanged c, CancellationToken cancellationToken)
    {
        if (c.UserId is not { Length: > 0 } userId || c.ChangeType is not (ContactChangeType.CreateUser or ContactChangeType.UpdateUser or ContactChangeType.DeleteUser))
        {
            return;
        }
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var staff = await db.Staff.FirstOrDefaultAsync(s => s.TenantId == tenantId && s.UserId == userId, cancellationToken);
        if (staff is null)
        {
            db.Staff.Add(staff = new StaffRow { TenantId = tenantId, UserId = userId });
        }
        if (c.NewUserId is { Length: > 0 } renamed && renamed != userId)
        {
            db.Staff.Remove(staff);
            db.Staff.Add(staff = new StaffRow { TenantId = tenantId, UserId = renamed, Name = staff.Name, Mobile = staff.Mobile, Departments = staff.Departments, Status = staff.Status });
        }
        staff.Name = c.Name ?? staff.Name;
        staff.Mobile = c.Mobile ?? staff.Mobile;
        staff.Position = c.Position ?? staff.Position;
        if (c.Department.Count > 0)
        {
            staff.Departments = string.Join(',', c.Department);
        }
        staff.Status = c.ChangeType == ContactChangeType.DeleteUser ? "deleted" : c.Status switch { 2 => "disabled", 5 => "resigned", _ => "active" };
        staff.UpdatedAtTicks = time.GetUtcNow().UtcTicks;
        await db.SaveChangesAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "WeCom inbox loop failed; retrying")]
    private static partial void LogLoopFailed(ILogger logger, Exception e);

    [LoggerMessage(Level = LogLevel.Warning, Message = "WeCom callback {Id} ({Kind}) failed on attempt {Attempt}; will retry")]
    private static partial void LogHandleFailed(ILogger logger, Exception e, long id, string kind, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Welcome message for callback {Id} sent {Ms:F0} ms after the callback arrived")]
    private static partial void LogWelcomed(ILogger logger, long id, double ms);

    [LoggerMessage(Level = LogLevel.Information, Message = "Remark for {External} not set: WeCom {ErrCode}")]
    private static partial void LogRemarkSkipped(ILogger logger, string external, int errCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Welcome fast lane failed for callback {Id}; the normal path retries")]
    private static partial void LogPrepareFailed(ILogger logger, Exception e, long id);

    [LoggerMessage(Level = LogLevel.Information, Message = "Welcome message for callback {Id} not sent: WeCom {ErrCode}")]
    private static partial void LogWelcomeSkipped(ILogger logger, long id, int errCode);
}
