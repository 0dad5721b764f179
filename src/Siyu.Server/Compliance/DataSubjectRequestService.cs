using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Compliance;
using Siyu.Core.Events;
using Siyu.Server.Customers;
using Siyu.Server.Data;
using Siyu.Server.Ingest;
using Siyu.Server.Partitions;
using Siyu.Server.Tenants;

namespace Siyu.Server.Compliance;

/// <summary>A new request as the API and the console file it.</summary>
public sealed record NewDataSubjectRequest(long? CustomerId, string? Kind, string? Via, string? Note, JsonObject? Changes);

/// <summary>The outcome of an action: the request, or field errors (400), or a conflict (409), or not found (404).</summary>
public sealed record DsrOutcome(DataSubjectRequestRow? Request, IReadOnlyList<FieldError> Errors, string? Conflict = null, bool NotFound = false)
{
    public static DsrOutcome Ok(DataSubjectRequestRow r) => new(r, []);
    public static DsrOutcome Invalid(string field, string message) => new(null, [new FieldError(field, message)]);
    public static DsrOutcome Missing() => new(null, [], NotFound: true);
    public static DsrOutcome Refused(string why) => new(null, [], Conflict: why);
}

/// <summary>
/// The data-subject request workflow (PIPL): file, start, complete (export, correct, delete) or reject, each step
/// audited in the same unit of work as the change it describes. Completing does the work through the paths every
/// other change takes: corrections are attribute edits (profile.updated), deletions go through the ingest writer.
/// </summary>
public sealed class DataSubjectRequestService(
    IDbContextFactory<SiyuDb> dbs,
    CustomerReader reader,
    AttributeEditor editor,
    IngestWriter writer,
    CustomerExport export,
    TenantDirectory tenants,
    IGrainFactory grains,
    SiyuOptions options,
    TimeProvider time,
    Conversations.ArchiveIngestor archive)
{
    // Completions are rare and do heavy work; one at a time keeps two admins from erasing the same person twice.
    private static readonly SemaphoreSlim CompleteGate = new(1, 1);

    public int DueDays => Math.Max(1, options.Compliance.RequestDueDays);

    public async Task<DsrOutcome> CreateAsync(int tenantId, NewDataSubjectRequest body, string actor)
    {
        var errors = new List<FieldError>();
        if (body.Kind is null || !DsrKinds.All.Contains(body.Kind))
        {
            errors.Add(new FieldError("kind", $"One of {string.Join(", ", DsrKinds.All)}."));
        }
        var via = string.IsNullOrWhiteSpace(body.Via) ? "staff" : body.Via.Trim();
        if (!DsrChannels.All.Contains(via))
        {
            errors.Add(new FieldError("via", $"One of {string.Join(", ", DsrChannels.All)}."));
        }
        if (body.Note is { Length: > 1000 })
        {
            errors.Add(new FieldError("note", "At most 1000 characters."));
        }
        long? canonical = null;
        if (body.CustomerId is not { } requested || (canonical = reader.Canonical(tenantId, requested)) is null)
        {
            errors.Add(new FieldError("customer_id", $"No customer {body.CustomerId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(missing)"}."));
        }
        if (body.Kind == DsrKinds.Correct && body.Changes is not { Count: > 0 })
        {
            errors.Add(new FieldError("changes", "A correction names the attributes to change, e.g. {\"name\": \"…\"}."));
        }
        if (body.Kind != DsrKinds.Correct && body.Changes is not null)
        {
            errors.Add(new FieldError("changes", "Only correction requests carry changes."));
        }
        if (errors.Count > 0)
        {
            return new DsrOutcome(null, errors);
        }
        if (body.Kind is DsrKinds.Correct or DsrKinds.Delete && await reader.GetAsync(tenantId, canonical!.Value) is { Profile.Erased: true })
        {
            return DsrOutcome.Invalid("customer_id", $"Customer {canonical} is already erased.");
        }
        var now = time.GetUtcNow().UtcTicks;
        await using var db = await dbs.CreateDbContextAsync();
        var row = new DataSubjectRequestRow
        {
            TenantId = tenantId, CustomerId = canonical!.Value, Kind = body.Kind!, Status = DsrStatuses.Received, Via = via,
            Note = string.IsNullOrWhiteSpace(body.Note) ? null : body.Note.Trim(), Changes = body.Changes?.ToJsonString(),
            ReceivedAtTicks = now, DueAtTicks = DsrWorkflow.DueAtTicks(now, DueDays), CreatedBy = actor,
        };
        db.DataSubjectRequests.Add(row);
        await db.SaveChangesAsync(); // the id goes into the audit entry
        AuditLog.Record(db, tenantId, now, actor, "dsr.create", Target(row), $"{row.Kind} for customer {row.CustomerId} via {row.Via}, due {Iso(row.DueAtTicks)}");
        await db.SaveChangesAsync();
        return DsrOutcome.Ok(row);
    }

    public async Task<List<DataSubjectRequestRow>> ListAsync(int tenantId, string? status, bool overdueOnly, long? customerId = null, int limit = 200)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var q = db.DataSubjectRequests.AsNoTracking().Where(r => r.TenantId == tenantId);
        if (status is not null)
        {
            q = q.Where(r => r.Status == status);
        }
        if (customerId is not null)
        {
            q = q.Where(r => r.CustomerId == customerId);
        }
        if (overdueOnly)
        {
            var now = time.GetUtcNow().UtcTicks;
            q = q.Where(r => r.Status != DsrStatuses.Completed && r.Status != DsrStatuses.Rejected && r.DueAtTicks < now);
        }
        return await q.OrderByDescending(r => r.Id).Take(Math.Clamp(limit, 1, 500)).ToListAsync();
    }

    public async Task<DataSubjectRequestRow?> GetAsync(int tenantId, long id)
    {
        await using var db = await dbs.CreateDbContextAsync();
        return await db.DataSubjectRequests.AsNoTracking().SingleOrDefaultAsync(r => r.TenantId == tenantId && r.Id == id);
    }

    public bool IsOverdue(DataSubjectRequestRow r) => DsrWorkflow.IsOverdue(r.Status, r.DueAtTicks, time.GetUtcNow().UtcTicks);

    /// <summary>received → in_progress: someone is working on it.</summary>
    public Task<DsrOutcome> StartAsync(int tenantId, long id, string actor) =>
        MoveAsync(tenantId, id, DsrStatuses.InProgress, actor, "dsr.process", null, _ => Task.FromResult<(string?, FieldError?)>((null, null)));

    public Task<DsrOutcome> RejectAsync(int tenantId, long id, string actor, string? reason) =>
        reason?.Trim() is not { Length: >= 2 and <= 500 } why
            ? Task.FromResult(DsrOutcome.Invalid("reason", "Why the request is rejected, 2 to 500 characters; the requester is told."))
            : MoveAsync(tenantId, id, DsrStatuses.Rejected, actor, "dsr.reject", why, _ => Task.FromResult<(string?, FieldError?)>((why, null)));

    /// <summary>Does what the request asks and closes it: writes the export file, applies the correction, or erases the person.</summary>
    public async Task<DsrOutcome> CompleteAsync(int tenantId, long id, string actor)
    {
        await CompleteGate.WaitAsync();
        try
        {
            return await MoveAsync(tenantId, id, DsrStatuses.Completed, actor, null, null, row => row.Kind switch
            {
                DsrKinds.Export => ExportAsync(row),
                DsrKinds.Correct => CorrectAsync(row, actor),
                _ => EraseAsync(row, actor),
            });
        }
        finally
        {
            CompleteGate.Release();
        }
    }

    /// <summary>The export file of a completed export request, after auditing the download; null when there is none.</summary>
    public async Task<string?> DownloadAsync(int tenantId, long id, string actor)
    {
        var row = await GetAsync(tenantId, id);
        if (row is not { Kind: DsrKinds.Export, Status: DsrStatuses.Completed, ResultFile: { } file } || !File.Exists(Path.Combine(options.DataDirectory, file)))
        {
            return null;
        }
        await AuditLog.RecordAsync(dbs, tenantId, time.GetUtcNow().UtcTicks, actor, "dsr.export.download", Target(row), $"customer {row.CustomerId}");
        return Path.Combine(options.DataDirectory, file);
    }

    private async Task<DsrOutcome> MoveAsync(int tenantId, long id, string to, string actor, string? action, string? detail,
        Func<DataSubjectRequestRow, Task<(string? Result, FieldError? Error)>> work)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var row = await db.DataSubjectRequests.SingleOrDefaultAsync(r => r.TenantId == tenantId && r.Id == id);
        if (row is null)
        {
            return DsrOutcome.Missing();
        }
        if (DsrWorkflow.CheckMove(row.Status, to) is { } refused)
        {
            return DsrOutcome.Refused(refused);
        }
        var (result, error) = await work(row);
        if (error is not null)
        {
            return new DsrOutcome(null, [error]);
        }
        var now = time.GetUtcNow().UtcTicks;
        row.Status = to;
        row.HandledBy = actor;
        if (DsrStatuses.IsFinished(to))
        {
            row.CompletedAtTicks = now;
            row.Result = result;
        }
        AuditLog.Record(db, tenantId, now, actor, action ?? "dsr." + row.Kind, Target(row), detail ?? result);
        await db.SaveChangesAsync();
        return DsrOutcome.Ok(row);
    }

    private async Task<(string?, FieldError?)> ExportAsync(DataSubjectRequestRow row)
    {
        var now = time.GetUtcNow().UtcTicks;
        if (await export.BuildAsync(row.TenantId, row.CustomerId, now) is not { } document)
        {
            return (null, new FieldError("customer_id", $"Customer {row.CustomerId} has no profile to export."));
        }
        var relative = Path.Combine("exports", "dsr", $"{row.TenantId}-{row.Id}-{Guid.NewGuid():N}.json");
        var path = Path.Combine(options.DataDirectory, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, document.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        row.ResultFile = relative;
        return ($"exported {document["events"]!.AsArray().Count} events", null);
    }

    private async Task<(string?, FieldError?)> CorrectAsync(DataSubjectRequestRow row, string actor)
    {
        using var changes = JsonDocument.Parse(row.Changes ?? "{}");
        var (outcome, errors) = await editor.EditAsync(row.TenantId, row.CustomerId, changes.RootElement, actor, "dsr");
        if (outcome is not { } o)
        {
            return (null, errors.Count > 0 ? errors[0] with { Path = "changes." + errors[0].Path.Replace("attributes.", "", StringComparison.Ordinal) } : new FieldError("changes", "Not applied."));
        }
        await reader.WaitAppliedAsync(row.TenantId, o.CustomerId, o.Seq, TimeSpan.FromSeconds(5));
        // Names, not values: the audit log must not become a second copy of the personal data.
        var names = string.Join(", ", changes.RootElement.EnumerateObject().Select(p => p.Name));
        return ($"corrected {names} (event {o.Seq})", null);
    }

    private async Task<(string?, FieldError?)> EraseAsync(DataSubjectRequestRow row, string actor)
    {
        ErasureResult erased;
        // Read before the erasure removes them: archived chats are found by the person's external user ids too.
        var externals = reader.Identifiers(row.TenantId, row.CustomerId).Where(i => i.Type == "external_userid").Select(i => i.Value).ToList();
        try
        {
            erased = await writer.EraseAsync(row.TenantId, row.CustomerId, actor);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException && e.InnerException is null)
        {
            return (null, new FieldError("customer_id", e.Message));
        }
        // The partition must hold the erased profile before its snapshot is rewritten, or the old snapshot (with the
        // person in it) would stay on disk until the next scheduled one.
        var grain = grains.GetGrain<IPartitionGrain>(PartitionDispatcher.GrainKey(row.TenantId, Core.Customers.Partitioning.Of(erased.CustomerId, tenants.Partitions(row.TenantId))));
        if (await reader.WaitAppliedAsync(row.TenantId, erased.CustomerId, erased.Seq, TimeSpan.FromSeconds(10)))
        {
            await grain.SaveSnapshot();
        }
        await ForgetRequestDataAsync(row);
        var messages = await archive.ForgetCustomerAsync(row.TenantId, erased.Members, externals);
        return ($"erased: {erased.IdentifiersRemoved} identifiers removed, {erased.EventsRewritten} events anonymised, {messages} archived messages deleted, ids {string.Join(",", erased.Members)}", null);
    }

    /// <summary>Earlier requests of the person carried their data too: export files are deleted, correction values dropped.</summary>
    private async Task ForgetRequestDataAsync(DataSubjectRequestRow erasing)
    {
        await using var db = await dbs.CreateDbContextAsync();
        foreach (var other in await db.DataSubjectRequests.Where(r => r.TenantId == erasing.TenantId && r.CustomerId == erasing.CustomerId && r.Id != erasing.Id).ToListAsync())
        {
            if (other.ResultFile is { } file)
            {
                File.Delete(Path.Combine(options.DataDirectory, file));
                other.ResultFile = null;
            }
            other.Changes = other.Changes is null ? null : "{}";
        }
        await db.SaveChangesAsync();
    }

    private static string Target(DataSubjectRequestRow r) => $"dsr:{r.Id}";

    private static string Iso(long ticks) => new DateTimeOffset(ticks, TimeSpan.Zero).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}
