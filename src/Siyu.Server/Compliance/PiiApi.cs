using Siyu.Core.Access;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Siyu.Server.Auth;
using Siyu.Server.Data;

namespace Siyu.Server.Compliance;

/// <summary>
/// PII key status (admins and auditors: ids and counts only, never key material) and rotation (admins).
/// </summary>
public static class PiiApi
{
    public static RouteGroupBuilder MapPiiApi(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/compliance/pii").WithTags("Compliance");
        g.MapGet("/keys", Keys).WithName("PiiKeys").Requires(Permission.ComplianceRead)
            .WithSummary("Key ids, which is active, and how many stored values (identifiers, event fields, snapshots) each still protects");
        g.MapPost("/rotate", Rotate).WithName("RotatePii").Requires(Permission.ComplianceManage)
            .WithSummary("Re-encrypt every value of the tenant not under the active key (admin; audited as pii.rotate); answers the counts");
        return api;
    }

    /// <summary>One key id: <see cref="Configured"/> is false for an id found in the data but missing from the configuration (its values cannot be read).</summary>
    public sealed record KeyDto(string Id, bool Active, bool Configured, long Identifiers, long EventValues, long Snapshots, long Total);

    public sealed record KeysDto(string ActiveKey, IReadOnlyList<KeyDto> Keys);

    public sealed record RotationDto(string ActiveKey, int Identifiers, int Events, int Snapshots, int Failed, long RemainingUnderOtherKeys);

    private static Ok<KeysDto> Keys(HttpContext http, PiiRotation rotation)
    {
        var usage = rotation.Usage(http.User.TenantId());
        return TypedResults.Ok(new KeysDto(usage.Single(u => u.Active).KeyId,
            [.. usage.Select(u => new KeyDto(u.KeyId, u.Active, u.Configured, u.Identifiers, u.EventValues, u.Snapshots, u.Identifiers + u.EventValues + u.Snapshots))]));
    }

    private static async Task<Ok<RotationDto>> Rotate(HttpContext http, PiiRotation rotation, IDbContextFactory<SiyuDb> dbs, TimeProvider time)
    {
        var tenant = http.User.TenantId();
        // Synchronous and batched: a rotation over a large log takes a while, and the caller wants the counts.
        var result = await Task.Run(() => rotation.Rotate(tenant), http.RequestAborted);
        await AuditLog.RecordAsync(dbs, tenant, time.GetUtcNow().UtcTicks, http.User.Actor(), "pii.rotate", $"key:{result.ActiveKey}",
            $"re-encrypted {result.Identifiers} identifiers, {result.Events} events, {result.Snapshots} snapshots; {result.Failed} unreadable");
        var remaining = rotation.Usage(tenant).Where(u => !u.Active).Sum(u => u.Identifiers + u.EventValues + u.Snapshots);
        return TypedResults.Ok(new RotationDto(result.ActiveKey, result.Identifiers, result.Events, result.Snapshots, result.Failed, remaining));
    }
}
