using Siyu.Core.Access;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Siyu.Server.Auth;
using Siyu.Server.Data;

namespace Siyu.Server.WeCom;

/// <summary>REST API for the WeCom connection: settings, channel codes with statistics, staff and customer groups.</summary>
public static class WeComEndpoints
{

    public static RouteGroupBuilder MapWeComApi(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/wecom").WithTags("WeCom");
        g.MapGet("/settings", Settings).WithName("GetWeComSettings").Requires(Permission.SettingsWrite).WithSummary("The tenant's WeCom connection (secrets are never returned) and its callback URL path");
        g.MapPut("/settings", SaveSettings).WithName("SaveWeComSettings").Requires(Permission.SettingsWrite).WithSummary("Corp id, app secret, callback Token and EncodingAESKey; omitted secrets are kept");
        g.MapGet("/channels", Channels).WithName("ListChannelCodes").Requires(Permission.WeComRead).WithSummary("Channel QR codes (渠道活码)");
        g.MapPost("/channels", CreateChannel).WithName("CreateChannelCode").Requires(Permission.WeComWrite).WithSummary("Create a channel QR code: staff rotation with daily caps, backup staff, auto tags, welcome message");
        g.MapGet("/channels/{id:long}", Channel).WithName("GetChannelCode").Requires(Permission.WeComRead);
        g.MapGet("/channels/{id:long}/qr.png", ChannelQr).WithName("ChannelCodeQr").Requires(Permission.WeComRead).WithSummary("The channel's QR code image");
        g.MapPut("/channels/{id:long}", UpdateChannel).WithName("UpdateChannelCode").Requires(Permission.WeComWrite).WithSummary("Edit a channel code; the printed QR code stays valid");
        g.MapDelete("/channels/{id:long}", DeleteChannel).WithName("DeleteChannelCode").Requires(Permission.WeComWrite);
        g.MapGet("/channels/{id:long}/stats", ChannelStats).WithName("ChannelCodeStats").Requires(Permission.WeComRead).WithSummary("Adds, deletes and net per local day, adds per staff member");
        g.MapPost("/sync", StartSync).WithName("StartWeComSync").Requires(Permission.SettingsWrite).WithSummary("Start a full sync (staff, corp tags, customers with their tags); 202, then poll GET /wecom/sync");
        g.MapGet("/sync", LastSync).WithName("WeComSyncStatus").Requires(Permission.WeComRead).WithSummary("The latest sync run: counts, error, running or not");
        g.MapGet("/groups", Groups).WithName("ListCustomerGroups").Requires(Permission.WeComRead).WithSummary("Customer groups (客户群) with member counts");
        g.MapPost("/transfers", StartTransfer).WithName("TransferCustomers").Requires(Permission.CustomersTransfer)
            .WithSummary("在职继承 (onjob) or 离职继承 (resigned): hand customers from one staff member to another; WeCom completes after 24 h unless refused");
        g.MapGet("/transfers", Transfers).WithName("ListTransfers").Requires(Permission.WeComRead).WithSummary("Recent transfers with WeCom's outcome");
        g.MapPost("/transfers/refresh", RefreshTransfers).WithName("RefreshTransfers").Requires(Permission.WeComWrite).WithSummary("Ask WeCom now where pending transfers stand (also done every 10 minutes)");
        g.MapGet("/staff", Staff).WithName("ListStaff").Requires(Permission.WeComRead).WithSummary("WeCom members as synced");
        g.MapGet("/welcome-timings", WelcomeTimes).WithName("WelcomeTimings").Requires(Permission.WeComRead).WithSummary("Callback arrival → welcome message accepted, in ms (this process)");
        return api;
    }

    // WeCom spells user ids "userid": the API keeps that spelling so both sides read the same.
    public sealed record TransferRequest(
        string? Kind,
        [property: JsonPropertyName("handover_userid")] string? HandoverUserId,
        [property: JsonPropertyName("takeover_userid")] string? TakeoverUserId,
        IReadOnlyList<long>? CustomerIds, bool? All, string? Message);

    public sealed record TransferView(
        long Id, string Kind,
        [property: JsonPropertyName("handover_userid")] string HandoverUserId,
        [property: JsonPropertyName("takeover_userid")] string TakeoverUserId,
        [property: JsonPropertyName("external_userid")] string ExternalUserId,
        string Status, int ErrCode, string? RequestedBy, DateTimeOffset RequestedAt, DateTimeOffset? FinishedAt);

    public sealed record SettingsRequest(string? CorpId, long? AgentId, string? Secret, string? Token, string? EncodingAesKey, string? ApiBaseAddress);
    public sealed record ChannelRequest(string? Name, IReadOnlyList<RotationMember>? Staff, IReadOnlyList<string>? BackupStaff, IReadOnlyList<long>? TagIds,
        string? Remark, bool? SkipVerify, WelcomeMessage? Welcome, string? CustomerRemark);

    private static IResult Settings(HttpContext http, WeComConnections connections, HttpRequest request) =>
        connections.View(http.User.TenantId()) is { } view
            ? TypedResults.Ok(new { view.CorpId, view.AgentId, view.HasSecret, view.Token, view.HasAesKey, view.ApiBaseAddress, CallbackUrl = $"{request.Scheme}://{request.Host}{view.CallbackPath}" })
            : Problems.NotFound("WeCom is not connected yet.");

    private static async Task<IResult> SaveSettings(HttpContext http, WeComConnections connections, SettingsRequest body)
    {
        var errors = await connections.SaveAsync(http.User.TenantId(), http.User.Actor(),
            new WeComSettingsInput(body.CorpId, body.AgentId, body.Secret, body.Token, body.EncodingAesKey, body.ApiBaseAddress));
        return errors.Count > 0 ? Problems.Validation(errors) : TypedResults.NoContent();
    }

    private static async Task<IResult> Channels(HttpContext http, ChannelCodes channels) => TypedResults.Ok(await channels.ListAsync(http.User.TenantId()));

    private static async Task<IResult> CreateChannel(HttpContext http, ChannelCodes channels, Auth.AccessDirectory access, ChannelRequest body, CancellationToken cancellationToken)
    {
        var (code, errors) = await channels.CreateAsync(http.User.TenantId(), http.User.Actor(),
            new ChannelCodeInput(body.Name, body.Staff, body.BackupStaff, body.TagIds, body.Remark, body.SkipVerify, body.Welcome, body.CustomerRemark), cancellationToken,
            mayApprove: await access.AllowsAsync(http.User, Permission.DeliveryApprove));
        return errors.Count > 0 ? Problems.Validation(errors) : TypedResults.Created($"/api/v1/wecom/channels/{code!.Id}", code);
    }

    private static async Task<IResult> UpdateChannel(HttpContext http, ChannelCodes channels, Auth.AccessDirectory access, long id, ChannelRequest body, CancellationToken cancellationToken)
    {
        var tenant = http.User.TenantId();
        if (await channels.GetAsync(tenant, id) is null)
        {
            return Problems.NotFound($"No channel code {id}.");
        }
        var (code, errors) = await channels.UpdateAsync(tenant, http.User.Actor(), id,
            new ChannelCodeInput(body.Name, body.Staff, body.BackupStaff, body.TagIds, body.Remark, body.SkipVerify, body.Welcome, body.CustomerRemark), cancellationToken,
            mayApprove: await access.AllowsAsync(http.User, Permission.DeliveryApprove));
        return errors.Count > 0 ? Problems.Validation(errors) : TypedResults.Ok(code);
    }

    private static async Task<IResult> Channel(HttpContext http, ChannelCodes channels, long id) =>
        await channels.GetAsync(http.User.TenantId(), id) is { } code ? TypedResults.Ok(code) : Problems.NotFound($"No channel code {id}.");

    /// <summary>
    /// Real WeCom hands out the QR image URL itself: redirect there. Against the simulator (or any custom API
    /// address) the URL is not an image, so render a QR code of it to scan in the demo.
    /// </summary>
    private static async Task<IResult> ChannelQr(HttpContext http, ChannelCodes channels, WeComConnections connections, long id)
    {
        var tenant = http.User.TenantId();
        if (await channels.GetAsync(tenant, id) is not { QrCode: { } qr })
        {
            return Problems.NotFound($"No channel code {id} with a QR code.");
        }
        if (connections.Get(tenant)?.ApiBase is null)
        {
            return TypedResults.Redirect(qr);
        }
        using var generator = new QRCoder.QRCodeGenerator();
        using var data = generator.CreateQrCode(qr, QRCoder.QRCodeGenerator.ECCLevel.M);
        return TypedResults.File(new QRCoder.PngByteQRCode(data).GetGraphic(8), "image/png");
    }

    private static async Task<IResult> DeleteChannel(HttpContext http, ChannelCodes channels, long id, CancellationToken cancellationToken) =>
        await channels.DeleteAsync(http.User.TenantId(), http.User.Actor(), id, cancellationToken) ? TypedResults.NoContent() : Problems.NotFound($"No channel code {id}.");

    private static async Task<IResult> ChannelStats(HttpContext http, ChannelCodes channels, long id, int? days) =>
        await channels.GetAsync(http.User.TenantId(), id) is null
            ? Problems.NotFound($"No channel code {id}.")
            : TypedResults.Ok(await channels.StatsAsync(http.User.TenantId(), id, Math.Clamp(days ?? 30, 1, 366)));

    private static IResult StartSync(HttpContext http, WeComSync sync, WeComConnections connections, IHostApplicationLifetime lifetime, ILoggerFactory loggers)
    {
        var tenant = http.User.TenantId();
        if (connections.Get(tenant) is not { CanCallApi: true })
        {
            return Problems.Validation("wecom", "Connect WeCom first: corp id and app secret.");
        }
        if (sync.Running)
        {
            return TypedResults.Accepted("/api/v1/wecom/sync", new { running = true });
        }
        _ = Task.Run(async () =>
        {
            try
            {
                await sync.RunAsync(tenant, lifetime.ApplicationStopping);
            }
            catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
            {
                loggers.CreateLogger("Siyu.WeCom.Sync").LogWarning(e, "Sync did not run");
            }
        });
        return TypedResults.Accepted("/api/v1/wecom/sync", new { running = true });
    }

    private static async Task<IResult> LastSync(HttpContext http, WeComSync sync)
    {
        var run = await sync.LastRunAsync(http.User.TenantId());
        return TypedResults.Ok(new
        {
            running = sync.Running,
            last = run is null ? null : new
            {
                run.Id, StartedAt = new DateTimeOffset(run.StartedAtTicks, TimeSpan.Zero),
                FinishedAt = run.FinishedAtTicks is { } f ? new DateTimeOffset(f, TimeSpan.Zero) : (DateTimeOffset?)null,
                run.Staff, run.Customers, run.Tags, run.Groups, run.Error,
            },
        });
    }

    private static async Task<IResult> Groups(HttpContext http, IDbContextFactory<SiyuDb> dbs)
    {
        var tenant = http.User.TenantId();
        await using var db = await dbs.CreateDbContextAsync();
        var groups = await db.CustomerGroups.AsNoTracking().Where(g => g.TenantId == tenant && g.DismissedAtTicks == null).OrderByDescending(g => g.Members).ToListAsync();
        return TypedResults.Ok(groups.Select(g => new { g.ChatId, g.Name, g.Owner, g.Members, g.ExternalMembers, CreatedAt = new DateTimeOffset(g.CreatedAtTicks, TimeSpan.Zero) }));
    }

    private static async Task<IResult> StartTransfer(HttpContext http, CustomerTransfers transfers, TransferRequest body, CancellationToken cancellationToken)
    {
        var (outcome, errors) = await transfers.StartAsync(http.User.TenantId(), http.User.Actor(),
            new TransferInput(body.Kind, body.HandoverUserId, body.TakeoverUserId, body.CustomerIds, body.All ?? false, body.Message), cancellationToken);
        return errors.Count > 0 ? Problems.Validation(errors) : TypedResults.Ok(new { outcome!.Requested, outcome.Failed, Transfers = outcome.Rows.Select(TransferDto) });
    }

    private static async Task<IResult> Transfers(HttpContext http, CustomerTransfers transfers) =>
        TypedResults.Ok((await transfers.ListAsync(http.User.TenantId())).Select(TransferDto));

    private static async Task<IResult> RefreshTransfers(HttpContext http, CustomerTransfers transfers, CancellationToken cancellationToken) =>
        TypedResults.Ok(new { finished = await transfers.RefreshAsync(http.User.TenantId(), cancellationToken) });

    private static TransferView TransferDto(CustomerTransferRow t) => new(t.Id, t.Kind, t.HandoverUserId, t.TakeoverUserId, t.ExternalUserId, t.Status, t.ErrCode,
        t.RequestedBy, new DateTimeOffset(t.RequestedAtTicks, TimeSpan.Zero), t.FinishedAtTicks is { } f ? new DateTimeOffset(f, TimeSpan.Zero) : null);

    private static async Task<IResult> Staff(HttpContext http, IDbContextFactory<SiyuDb> dbs)
    {
        var tenant = http.User.TenantId();
        await using var db = await dbs.CreateDbContextAsync();
        return TypedResults.Ok(await db.Staff.AsNoTracking().Where(s => s.TenantId == tenant).OrderBy(s => s.UserId)
            .Select(s => new { s.UserId, s.Name, s.Position, s.Status, Departments = s.Departments }).ToListAsync());
    }

    private static IResult WelcomeTimes(WelcomeTimings timings)
    {
        var ms = timings.Snapshot().Order().ToList();
        return TypedResults.Ok(new { count = ms.Count, p50 = Percentile(ms, 0.5), p99 = Percentile(ms, 0.99), max = ms.Count == 0 ? 0 : ms[^1] });
    }

    private static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
