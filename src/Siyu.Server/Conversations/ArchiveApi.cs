using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Access;
using Siyu.Core.Compliance;
using Siyu.Core.Conversations;
using Siyu.Core.Events;
using Siyu.Server.Auth;
using Siyu.Server.Compliance;
using Siyu.Server.Data;
using Siyu.Server.Ingest;

namespace Siyu.Server.Conversations;

/// <summary>
/// Session archive (会话内容存档): the sidecar contract (messages, cursor, random keys), key and retention settings
/// for admins, and conversation reads per customer and across the tenant.
/// </summary>
public static class ArchiveApi
{
    public static IEndpointRouteBuilder MapArchiveApi(this IEndpointRouteBuilder api)
    {
        var archive = api.MapGroup("/archive").WithTags("Session archive");
        archive.MapPost("/messages", PostMessages).WithName("IngestArchiveMessages").Requires(Permission.ArchiveIngest)
            .WithSummary("Batch of up to 1000 decrypted archive messages {items:[{seq, msgid, message}]}; idempotent by msgid; stored before 202; per-item results");
        archive.MapPost("/random-keys", DecryptRandomKeys).WithName("DecryptArchiveRandomKeys").Requires(Permission.ArchiveIngest)
            .WithSummary("RSA-decrypts encrypt_random_key with the tenant's private key of publickey_ver, for the SDK's DecryptData");
        archive.MapGet("/cursor", GetCursor).WithName("GetArchiveCursor").Requires(Permission.ArchiveIngest).WithSummary("The seq the sidecar resumes GetChatData from");
        archive.MapPut("/cursor", PutCursor).WithName("PutArchiveCursor").Requires(Permission.ArchiveIngest).WithSummary("Store the seq after a batch was accepted");
        archive.MapGet("/keys", ListKeys).WithName("ListArchiveKeys").Requires(Permission.SettingsWrite).WithSummary("Versions and fingerprints; the keys are never returned");
        archive.MapPut("/keys/{publickey_ver}", PutKey).WithName("PutArchiveKey").Requires(Permission.SettingsWrite)
            .WithSummary("Store the PEM private key of one publickey_ver (encrypted at rest, audited)");
        archive.MapGet("/settings", GetSettings).WithName("GetArchiveSettings").Requires(Permission.ConversationsRead);
        archive.MapPut("/settings", PutSettings).WithName("PutArchiveSettings").Requires(Permission.SettingsWrite).WithSummary("retention_days (0 keeps everything); audited");
        api.MapGet("/conversations/search", Search).WithName("SearchConversations").WithTags("Session archive").Requires(Permission.ConversationsRead)
            .WithSummary("Full text (Chinese n-grams) across the tenant's conversations in the caller's data scope: q, staff, from, to, before, limit");
        api.MapGet("/customers/{id:long}/conversation", CustomerConversation).WithName("CustomerConversation").WithTags("Session archive").Requires(Permission.ConversationsRead)
            .WithSummary("One customer's archived messages, newest first, optionally matching q");
        return api;
    }

    public sealed record CursorRequest(long? Cursor);
    public sealed record KeyRequest(string? PrivateKey);
    public sealed record SettingsRequest(int? RetentionDays);

    private static async Task<IResult> PostMessages(HttpContext http, ArchiveIngestor ingestor, JsonObject body, CancellationToken ct)
    {
        if (body["items"] is not JsonArray items)
        {
            return Problems.Validation("items", "Required: an array of {seq, msgid, message}.");
        }
        if (items.Count > ArchiveIngestor.MaxItems)
        {
            return Problems.Validation("items", $"At most {ArchiveIngestor.MaxItems} items per request (GetChatData's own limit).");
        }
        var parsed = new List<ArchiveItem>();
        var failed = new List<ArchiveItemResult>();
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"items[{i}]";
            var errors = new List<FieldError>();
            if (items[i] is not JsonObject item)
            {
                failed.Add(new ArchiveItemResult(i, null, "error", null, [new FieldError(path, "Expected an object.")]));
                continue;
            }
            long seq = 0;
            if (item["seq"] is { } seqNode && !(seqNode is JsonValue sv && sv.TryGetValue(out seq) && seq >= 0))
            {
                errors.Add(new FieldError(path + ".seq", "Expected a non-negative integer."));
            }
            var message = ArchiveMessageParser.Parse(item["message"] as JsonObject, path + ".message", errors);
            var msgId = item["msgid"] is JsonValue mv && mv.TryGetValue<string>(out var outer) ? outer : message?.MsgId
                ?? ((item["message"] as JsonObject)?["msgid"] as JsonValue)?.ToString();
            if (message is not null && msgId != message.MsgId)
            {
                errors.Add(new FieldError(path + ".msgid", "Differs from message.msgid."));
            }
            if (errors.Count > 0 || string.IsNullOrEmpty(msgId))
            {
                failed.Add(new ArchiveItemResult(i, msgId, "error", null, errors.Count > 0 ? errors : [new FieldError(path + ".msgid", "Required.")]));
                continue;
            }
            parsed.Add(new ArchiveItem(i, seq, msgId, message));
        }
        List<ArchiveItemResult> stored;
        try
        {
            stored = parsed.Count == 0 ? [] : await ingestor.IngestAsync(http.User.TenantId(), parsed, ct);
        }
        catch (IngestOverloadedException overloaded)
        {
            http.Response.Headers.RetryAfter = overloaded.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            return TypedResults.Problem(statusCode: 429, title: "Ingest is saturated", detail: "Nothing was stored. Retry the batch after the given number of seconds.");
        }
        var results = stored.Concat(failed).OrderBy(r => r.Index).ToList();
        return TypedResults.Accepted((string?)null, new
        {
            stored = results.Count(r => r.Status == "stored"),
            duplicates = results.Count(r => r.Status == "duplicate"),
            ignored = results.Count(r => r.Status == "ignored"),
            failed = results.Count(r => r.Status == "error"),
            items = results,
        });
    }

    private static async Task<IResult> DecryptRandomKeys(HttpContext http, ArchiveIngestor ingestor, JsonObject body, CancellationToken ct)
    {
        if (body["items"] is not JsonArray items || items.Count > ArchiveIngestor.MaxItems)
        {
            return Problems.Validation("items", $"Required: an array of at most {ArchiveIngestor.MaxItems} {{msgid, publickey_ver, encrypt_random_key}}.");
        }
        var tenant = http.User.TenantId();
        var results = new List<object>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i] as JsonObject;
            var msgid = (item?["msgid"] as JsonValue)?.TryGetValue<string>(out var m) == true ? m : null;
            if (item?["publickey_ver"] is not JsonValue vv || !vv.TryGetValue<int>(out var version) || version < 1)
            {
                results.Add(new { index = i, msgid, error = new FieldError($"items[{i}].publickey_ver", "Required: a positive integer.") });
                continue;
            }
            if (item["encrypt_random_key"] is not JsonValue kv || !kv.TryGetValue<string>(out var encrypted) || encrypted.Length == 0)
            {
                results.Add(new { index = i, msgid, error = new FieldError($"items[{i}].encrypt_random_key", "Required: base64.") });
                continue;
            }
            var (key, error) = await ingestor.DecryptRandomKeyAsync(tenant, version, encrypted, ct);
            results.Add(key is null
                ? new { index = i, msgid, error = new FieldError($"items[{i}].encrypt_random_key", error!) }
                // WeCom's random key is printable text that DecryptData takes as a string; base64 too for binary-safe callers.
                : new { index = i, msgid, random_key = Encoding.UTF8.GetString(key), random_key_base64 = Convert.ToBase64String(key) });
        }
        return TypedResults.Ok(new { items = results });
    }

    private static async Task<IResult> GetCursor(HttpContext http, SiyuDb db)
    {
        var row = await db.ArchiveSettings.AsNoTracking().FirstOrDefaultAsync(s => s.TenantId == http.User.TenantId());
        return TypedResults.Ok(new { cursor = row?.Cursor ?? 0, updated_at = row is { CursorUpdatedAtTicks: > 0 } ? new DateTimeOffset(row.CursorUpdatedAtTicks, TimeSpan.Zero) : (DateTimeOffset?)null });
    }

    private static async Task<IResult> PutCursor(HttpContext http, SiyuDb db, TimeProvider time, CursorRequest body)
    {
        if (body.Cursor is not { } cursor || cursor < 0)
        {
            return Problems.Validation("cursor", "Required: the last seq of the batch Siyu accepted (a non-negative integer).");
        }
        var row = await SettingsRow(db, http.User.TenantId());
        row.Cursor = cursor;
        row.CursorUpdatedAtTicks = time.GetUtcNow().UtcTicks;
        await db.SaveChangesAsync();
        return TypedResults.Ok(new { cursor });
    }

    private static async Task<IResult> ListKeys(HttpContext http, SiyuDb db) =>
        TypedResults.Ok(new
        {
            items = (await db.ArchiveKeys.AsNoTracking().Where(k => k.TenantId == http.User.TenantId()).OrderBy(k => k.Version).ToListAsync())
                .Select(k => new { publickey_ver = k.Version, fingerprint = k.Fingerprint, key_size = k.KeySize, created_at = new DateTimeOffset(k.CreatedAtTicks, TimeSpan.Zero), created_by = k.CreatedBy }),
        });

    private static async Task<IResult> PutKey(HttpContext http, SiyuDb db, TimeProvider time, PiiProtector pii, ArchiveIngestor ingestor, string publickey_ver, KeyRequest body)
    {
        if (!int.TryParse(publickey_ver, NumberStyles.None, CultureInfo.InvariantCulture, out var version) || version < 1)
        {
            return Problems.Validation("publickey_ver", "A positive integer: the version WeCom shows for the public key (管理后台 → 会话内容存档).");
        }
        if (string.IsNullOrWhiteSpace(body.PrivateKey))
        {
            return Problems.Validation("private_key", "Required: the PEM RSA private key whose public key is registered in WeCom.");
        }
        using var rsa = ArchiveKeys.TryImport(body.PrivateKey, out var error);
        if (rsa is null)
        {
            return Problems.Validation("private_key", error!);
        }
        var tenant = http.User.TenantId();
        var now = time.GetUtcNow().UtcTicks;
        var fingerprint = ArchiveKeys.Fingerprint(rsa);
        // Stored as PKCS#8 whatever the input form, encrypted with the PII cipher (rotates with the PII keys).
        var sealedKey = pii.ProtectBlob(Encoding.UTF8.GetBytes(rsa.ExportPkcs8PrivateKeyPem()));
        var row = await db.ArchiveKeys.FirstOrDefaultAsync(k => k.TenantId == tenant && k.Version == version);
        var replaced = row is not null;
        if (row is null)
        {
            row = new ArchiveKeyRow { TenantId = tenant, Version = version, PrivateKey = sealedKey, Fingerprint = fingerprint, CreatedBy = http.User.Actor() };
            db.ArchiveKeys.Add(row);
        }
        row.PrivateKey = sealedKey;
        row.Fingerprint = fingerprint;
        row.KeySize = rsa.KeySize;
        row.CreatedAtTicks = now;
        row.CreatedBy = http.User.Actor();
        AuditLog.Record(db, tenant, now, http.User.Actor(), replaced ? "archive.key.replaced" : "archive.key.added", $"publickey_ver:{version}", $"fingerprint {fingerprint}");
        await db.SaveChangesAsync();
        ingestor.ForgetKey(tenant, version);
        return TypedResults.Ok(new { publickey_ver = version, fingerprint, key_size = rsa.KeySize, replaced });
    }

    private static async Task<IResult> GetSettings(HttpContext http, SiyuDb db)
    {
        var row = await db.ArchiveSettings.AsNoTracking().FirstOrDefaultAsync(s => s.TenantId == http.User.TenantId());
        return TypedResults.Ok(new { retention_days = row?.RetentionDays ?? 0, cursor = row?.Cursor ?? 0 });
    }

    private static async Task<IResult> PutSettings(HttpContext http, SiyuDb db, TimeProvider time, SettingsRequest body)
    {
        if (body.RetentionDays is not { } days || days < 0 || days > 36500)
        {
            return Problems.Validation("retention_days", "Required: days to keep archived messages, 0 (keep everything) to 36500.");
        }
        var tenant = http.User.TenantId();
        var row = await SettingsRow(db, tenant);
        var before = row.RetentionDays;
        var now = time.GetUtcNow().UtcTicks;
        row.RetentionDays = days;
        row.UpdatedAtTicks = now;
        row.UpdatedBy = http.User.Actor();
        AuditLog.Record(db, tenant, now, http.User.Actor(), "archive.settings.changed", "retention_days", $"{before} -> {days}");
        await db.SaveChangesAsync();
        return TypedResults.Ok(new { retention_days = days, cursor = row.Cursor });
    }

    private static async Task<ArchiveSettingsRow> SettingsRow(SiyuDb db, int tenant)
    {
        var row = await db.ArchiveSettings.FirstOrDefaultAsync(s => s.TenantId == tenant);
        if (row is null)
        {
            row = new ArchiveSettingsRow { TenantId = tenant };
            db.ArchiveSettings.Add(row);
        }
        return row;
    }

    private static async Task<IResult> Search(HttpContext http, AccessDirectory access, ConversationSearch search,
        string? q, string? staff, string? from, string? to, long? before, int? limit, CancellationToken ct)
    {
        if (!TryTime(from, out var fromMs))
        {
            return Problems.Validation("from", "Expected a date (2026-01-31) or an ISO 8601 timestamp.");
        }
        if (!TryTime(to, out var toMs))
        {
            return Problems.Validation("to", "Expected a date (2026-01-31) or an ISO 8601 timestamp.");
        }
        if (limit is < 1 or > ConversationSearch.MaxLimit)
        {
            return Problems.Validation("limit", $"1 to {ConversationSearch.MaxLimit}.");
        }
        if (q is { Length: > 100 })
        {
            return Problems.Validation("q", "At most 100 characters.");
        }
        var scope = await access.ScopeAsync(http.User);
        return TypedResults.Ok(await search.SearchAsync(http.User.TenantId(), scope, new ConversationQuery(q, null, staff, fromMs, toMs, before, limit ?? 50), ct));
    }

    private static async Task<IResult> CustomerConversation(HttpContext http, AccessDirectory access, ConversationSearch search, long id, string? q, long? before, int? limit, CancellationToken ct)
    {
        if (limit is < 1 or > ConversationSearch.MaxLimit)
        {
            return Problems.Validation("limit", $"1 to {ConversationSearch.MaxLimit}.");
        }
        if (q is { Length: > 100 })
        {
            return Problems.Validation("q", "At most 100 characters.");
        }
        var scope = await access.ScopeAsync(http.User);
        return TypedResults.Ok(await search.SearchAsync(http.User.TenantId(), scope, new ConversationQuery(q, id, null, null, null, before, limit ?? 100), ct));
    }

    /// <summary>A date is midnight UTC+8 (China Standard Time, WeCom's zone); a timestamp is taken as given.</summary>
    internal static bool TryTime(string? text, out long? ms)
    {
        ms = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            ms = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.FromHours(8)).ToUnixTimeMilliseconds();
            return true;
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            ms = at.ToUnixTimeMilliseconds();
            return true;
        }
        return false;
    }
}
