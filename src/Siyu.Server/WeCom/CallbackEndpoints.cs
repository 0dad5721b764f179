using System.Text;
using Microsoft.EntityFrameworkCore;
using Siyu.Server.Data;
using Siyu.WeCom.Callbacks;

namespace Siyu.Server.WeCom;

/// <summary>
/// WeCom's 接收事件服务器 URL per tenant: <c>GET</c> verifies the URL, <c>POST</c> receives events. A verified event is
/// stored in the inbox (durable) and acknowledged with <c>success</c> at once; <see cref="InboxProcessor"/> acts on it.
/// </summary>
public static partial class CallbackEndpoints
{
    public const int MaxBodyBytes = 64 * 1024;

    public static void MapWeComCallbacks(this WebApplication app)
    {
        var callbacks = app.MapGroup("/wecom/callback/{tenant}").AllowAnonymous().WithTags("WeCom callbacks").ExcludeFromDescription();
        callbacks.MapGet("/", Verify);
        callbacks.MapPost("/", Receive);
    }

    private static IResult Verify(string tenant, string? msg_signature, string? timestamp, string? nonce, string? echostr,
        Tenants.TenantDirectory lookup, WeComConnections connections, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger("Siyu.WeCom.Callbacks");
        if (Resolve(tenant, lookup, connections) is not { } connection)
        {
            return TypedResults.NotFound();
        }
        if (msg_signature is null || timestamp is null || nonce is null || echostr is null)
        {
            LogRejected(logger, tenant, "missing query parameters");
            return TypedResults.BadRequest("msg_signature, timestamp, nonce and echostr are required");
        }
        try
        {
            return TypedResults.Text(WeComConnections.Crypto(connection).VerifyUrl(msg_signature, timestamp, nonce, echostr));
        }
        catch (WeComCallbackException e)
        {
            LogRejected(logger, tenant, $"{e.Reason}: {e.Message}");
            return Status(e.Reason);
        }
    }

    private static async Task<IResult> Receive(string tenant, string? msg_signature, string? timestamp, string? nonce, HttpRequest request,
        Tenants.TenantDirectory lookup, WeComConnections connections, IDbContextFactory<SiyuDb> dbs, InboxProcessor processor,
        TimeProvider time, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger("Siyu.WeCom.Callbacks");
        if (Resolve(tenant, lookup, connections) is not { } connection)
        {
            return TypedResults.NotFound();
        }
        if (msg_signature is null || timestamp is null || nonce is null)
        {
            LogRejected(logger, tenant, "missing query parameters");
            return TypedResults.BadRequest("msg_signature, timestamp and nonce are required");
        }
        if (request.ContentLength > MaxBodyBytes)
        {
            LogRejected(logger, tenant, "body too large");
            return TypedResults.StatusCode(StatusCodes.Status413PayloadTooLarge);
        }
        string body;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8))
        {
            var buffer = new char[MaxBodyBytes + 1];
            var read = await reader.ReadBlockAsync(buffer);
            if (read > MaxBodyBytes)
            {
                LogRejected(logger, tenant, "body too large");
                return TypedResults.StatusCode(StatusCodes.Status413PayloadTooLarge);
            }
            body = new string(buffer, 0, read);
        }
        WeComCallbackEvent callback;
        try
        {
            new CallbackFreshness(time).EnsureFresh(timestamp);
            var xml = WeComConnections.Crypto(connection).DecryptMessage(msg_signature, timestamp, nonce, body);
            callback = CallbackEventParser.Parse(xml, connection.CorpId);
        }
        catch (WeComCallbackException e)
        {
            LogRejected(logger, tenant, $"{e.Reason}: {e.Message}");
            return Status(e.Reason);
        }

        var row = new WeComInboxRow
        {
            TenantId = connection.TenantId, DedupKey = callback.IdempotencyKey, Kind = Kind(callback), Xml = callback.RawXml,
            ReceivedAtTicks = time.GetUtcNow().UtcTicks,
        };
        await using var db = await dbs.CreateDbContextAsync();
        db.WeComInbox.Add(row);
        try
        {
            await db.SaveChangesAsync();
            processor.Accepted(row);
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            // A retry of a callback we already hold (WeCom retries when it did not see "success" in time).
            LogDuplicate(logger, tenant, row.Kind);
        }
        return TypedResults.Text("success");
    }

    public static string Kind(WeComCallbackEvent callback) => callback switch
    {
        ExternalContactChanged c => $"change_external_contact/{c.RawChangeType}",
        ExternalChatChanged c => $"change_external_chat/{c.RawChangeType}",
        ExternalTagChanged c => $"change_external_tag/{c.RawChangeType}",
        ContactChanged c => $"change_contact/{c.RawChangeType}",
        _ => callback.Envelope.EventType ?? "unknown",
    };

    private static WeComConnection? Resolve(string slug, Tenants.TenantDirectory lookup, WeComConnections connections) =>
        lookup.BySlug(slug) is { } tenantId && connections.Get(tenantId) is { AesKey: not null } c ? c : null;

    /// <summary>Forged or tampered requests are 401/403; broken payloads 400 — none of them reach the inbox.</summary>
    private static IResult Status(WeComCallbackError reason) => reason switch
    {
        WeComCallbackError.BadSignature => TypedResults.Unauthorized(),
        WeComCallbackError.BadReceiveId or WeComCallbackError.StaleTimestamp => TypedResults.StatusCode(StatusCodes.Status403Forbidden),
        _ => TypedResults.BadRequest(reason.ToString()),
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "WeCom callback for tenant {Tenant} rejected: {Reason}")]
    private static partial void LogRejected(ILogger logger, string tenant, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "WeCom callback for tenant {Tenant} ({Kind}) was a retry; already stored")]
    private static partial void LogDuplicate(ILogger logger, string tenant, string kind);
}
