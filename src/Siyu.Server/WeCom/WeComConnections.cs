using System.Collections.Concurrent;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Events;
using Siyu.Server.Data;
using Siyu.WeCom.Api;
using Siyu.WeCom.Callbacks;
using Siyu.Server.Compliance;

namespace Siyu.Server.WeCom;

/// <summary>A tenant's WeCom connection, secrets decrypted. Never logged: <see cref="ToString"/> hides them.</summary>
public sealed record WeComConnection(int TenantId, string CorpId, long? AgentId, string? Secret, string Token, string? AesKey, Uri? ApiBase)
{
    public bool CanCallApi => !string.IsNullOrEmpty(Secret);

    public override string ToString() => $"WeComConnection {{ Tenant = {TenantId}, CorpId = {CorpId}, Secret = ***, AesKey = *** }}";
}

public sealed record WeComSettingsInput(string? CorpId, long? AgentId, string? Secret, string? Token, string? EncodingAesKey, string? ApiBaseAddress);

/// <summary>What the console shows: never the secrets themselves, only whether they are set.</summary>
public sealed record WeComSettingsView(string CorpId, long? AgentId, bool HasSecret, string Token, bool HasAesKey, string? ApiBaseAddress, string CallbackPath);

/// <summary>
/// Per-tenant WeCom settings: stored with secrets protected by ASP.NET Data Protection (keys in the data
/// directory), overridable from configuration <c>Siyu:WeCom:Tenants:{slug}:Secret</c> / <c>EncodingAesKey</c>.
/// Hands out API clients and callback crypto for a tenant.
/// </summary>
public sealed class WeComConnections(
    IDbContextFactory<SiyuDb> dbs, IDataProtectionProvider protection, IHttpClientFactory httpClients, WeComTokenCache tokens,
    IConfiguration configuration, Tenants.TenantDirectory tenants, TimeProvider time)
{
    private readonly IDataProtector _protector = protection.CreateProtector("Siyu.WeCom.Secrets.v1");
    private readonly ConcurrentDictionary<int, WeComConnection?> _cache = new();

    public static string CallbackPath(string tenantSlug) => $"/wecom/callback/{tenantSlug}";

    public WeComConnection? Get(int tenantId) => _cache.GetOrAdd(tenantId, Load);

    private WeComConnection? Load(int tenantId)
    {
        using var db = dbs.CreateDbContext();
        var row = db.WeComSettings.AsNoTracking().FirstOrDefault(s => s.TenantId == tenantId);
        if (row is null)
        {
            return null;
        }
        var slug = tenants.Get(tenantId).Slug;
        var fromConfig = configuration.GetSection($"Siyu:WeCom:Tenants:{slug}");
        return new WeComConnection(tenantId, row.CorpId, row.AgentId,
            fromConfig["Secret"] ?? Unprotect(row.ProtectedSecret), row.Token,
            fromConfig["EncodingAesKey"] ?? Unprotect(row.ProtectedAesKey),
            row.ApiBaseAddress is null ? null : new Uri(row.ApiBaseAddress));
    }

    private string? Unprotect(string? value) => value is null ? null : _protector.Unprotect(value);

    public WeComSettingsView? View(int tenantId)
    {
        if (Get(tenantId) is not { } c)
        {
            return null;
        }
        return new WeComSettingsView(c.CorpId, c.AgentId, c.CanCallApi, c.Token, c.AesKey is not null, c.ApiBase?.ToString(), CallbackPath(tenants.Get(tenantId).Slug));
    }

    /// <summary>Creates or updates the settings; omitted secrets keep their stored values.</summary>
    public async Task<IReadOnlyList<FieldError>> SaveAsync(int tenantId, string actor, WeComSettingsInput input)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.WeComSettings.FirstOrDefaultAsync(s => s.TenantId == tenantId);
        var errors = new List<FieldError>();
        var corpId = input.CorpId?.Trim() ?? row?.CorpId;
        if (string.IsNullOrEmpty(corpId) || corpId.Length > 64)
        {
            errors.Add(new FieldError("corp_id", "Required: the corp id (企业ID) from 我的企业 → 企业信息."));
        }
        var token = input.Token?.Trim() ?? row?.Token;
        if (string.IsNullOrEmpty(token) || token.Length > 32 || !token.All(char.IsAsciiLetterOrDigit))
        {
            errors.Add(new FieldError("token", "Required: the callback Token, up to 32 letters and digits."));
        }
        if (input.EncodingAesKey is { } key)
        {
            try
            {
                _ = new WeComCallbackCrypto(token ?? "x", key.Trim(), corpId ?? "x");
            }
            catch (WeComCallbackException)
            {
                errors.Add(new FieldError("encoding_aes_key", "EncodingAESKey is 43 characters (letters and digits) as WeCom shows it."));
            }
        }
        if (input.Secret is { Length: > 128 })
        {
            errors.Add(new FieldError("secret", "At most 128 characters."));
        }
        if (input.ApiBaseAddress is { Length: > 0 } api && (!Uri.TryCreate(api, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            errors.Add(new FieldError("api_base_address", "An absolute http(s) URL, or empty for the real WeCom API."));
        }
        if (errors.Count > 0)
        {
            return errors;
        }
        if (row is null)
        {
            db.WeComSettings.Add(row = new WeComSettingsRow { TenantId = tenantId, CorpId = corpId!, Token = token! });
        }
        row.CorpId = corpId!;
        row.Token = token!;
        row.AgentId = input.AgentId ?? row.AgentId;
        if (!string.IsNullOrEmpty(input.Secret))
        {
            row.ProtectedSecret = _protector.Protect(input.Secret.Trim());
        }
        if (!string.IsNullOrEmpty(input.EncodingAesKey))
        {
            row.ProtectedAesKey = _protector.Protect(input.EncodingAesKey.Trim());
        }
        if (input.ApiBaseAddress is not null)
        {
            row.ApiBaseAddress = input.ApiBaseAddress.Length == 0 ? null : input.ApiBaseAddress;
        }
        row.UpdatedAtTicks = time.GetUtcNow().UtcTicks;
        AuditLog.Record(db, tenantId, row.UpdatedAtTicks, actor, "wecom.settings", target: $"corp {row.CorpId}");
        await db.SaveChangesAsync();
        _cache.TryRemove(tenantId, out _);
        return [];
    }

    /// <summary>An API client for the tenant's corp; tokens are shared across clients in one cache.</summary>
    public WeComApiClient Client(WeComConnection connection)
    {
        if (!connection.CanCallApi)
        {
            throw new InvalidOperationException($"Tenant {connection.TenantId} has no WeCom secret configured.");
        }
        var http = httpClients.CreateClient(WeComApiClientFactory.HttpClientName);
        if (connection.ApiBase is { } api)
        {
            http.BaseAddress = api;
        }
        return new WeComApiClient(http, new WeComCredentials(connection.CorpId, connection.Secret!), tokens);
    }

    public static WeComCallbackCrypto Crypto(WeComConnection connection) =>
        new(connection.Token, connection.AesKey ?? throw new InvalidOperationException("No EncodingAESKey configured."), connection.CorpId);
}
