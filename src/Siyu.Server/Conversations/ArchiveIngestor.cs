using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Siyu.Core.Compliance;
using Siyu.Core.Conversations;
using Siyu.Core.Customers;
using Siyu.Core.Events;
using Siyu.Server.Customers;
using Siyu.Server.Data;
using Siyu.Server.Ingest;

namespace Siyu.Server.Conversations;

/// <summary>One item of an ingestion batch after parsing: its seq and the message (null for a skipped <c>switch</c> record).</summary>
public sealed record ArchiveItem(int Index, long Seq, string MsgId, ArchivedMessage? Message);

/// <summary>What happened to one item: <c>stored</c>, <c>duplicate</c> (msgid already archived), <c>ignored</c> (switch records) or <c>error</c>.</summary>
public sealed record ArchiveItemResult(int Index, string? Msgid, string Status, long? CustomerId = null, IReadOnlyList<FieldError>? Errors = null);

/// <summary>
/// Stores archived messages: idempotent by msgid (a re-sent batch changes nothing), durable when it returns. Text
/// messages with a customer also go to the customer's event log (<c>message.received</c> or
/// <c>message.sent_by_staff</c>, idempotency key <c>archive:{msgid}</c>), so unsubscribe-by-reply, journeys and
/// analytics see conversations; the event append comes first, so a crash between the two is repaired by the
/// sidecar's retry (at-least-once) without a second event.
/// </summary>
public sealed class ArchiveIngestor(IDbContextFactory<SiyuDb> dbs, IngestWriter writer, CustomerReader reader, PiiProtector pii, TimeProvider time)
{
    public const int MaxItems = 1000;
    public const string EventSource = "wecom_archive";

    // One batch at a time: the msgid check and the insert must not interleave (the unique index is the backstop).
    private readonly SemaphoreSlim _gate = new(1, 1);
    // Derived from the PII hash key, so term hashes are as secret as identifier hashes and need no key of their own.
    private readonly byte[] _termKey = Convert.FromHexString(pii.Hasher.Hash("siyu.archive.ngram.v1")[PiiHasher.Prefix.Length..]);
    private readonly ConcurrentDictionary<(int, int), RSA> _keys = new();

    /// <summary>The stored form of a search term.</summary>
    public long Term(string gram)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_termKey, Encoding.UTF8.GetBytes(gram), mac);
        return BinaryPrimitives.ReadInt64LittleEndian(mac);
    }

    public byte[] Seal(ArchivedMessage m) =>
        pii.ProtectBlob(Encoding.UTF8.GetBytes(new JsonObject { ["body"] = m.Body.DeepClone(), ["text"] = m.SearchText }.ToJsonString()));

    public (JsonObject Body, string Text) Open(byte[] content)
    {
        var node = JsonNode.Parse(pii.UnprotectBlob(content)) as JsonObject;
        return (node?["body"] as JsonObject ?? [], node?["text"]?.GetValue<string>() ?? "");
    }

    public async Task<List<ArchiveItemResult>> IngestAsync(int tenantId, IReadOnlyList<ArchiveItem> items, CancellationToken ct = default)
    {
        var results = new List<ArchiveItemResult>(items.Count);
        await _gate.WaitAsync(ct);
        try
        {
            await using var db = await dbs.CreateDbContextAsync(ct);
            var ids = items.Select(i => i.MsgId).Distinct().ToList();
            var existing = (await db.ArchiveMessages.Where(m => m.TenantId == tenantId && ids.Contains(m.MsgId)).Select(m => m.MsgId).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
            var fresh = new List<ArchiveItem>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in items)
            {
                if (item.Message is null)
                {
                    results.Add(new ArchiveItemResult(item.Index, item.MsgId, "ignored"));
                }
                else if (existing.Contains(item.MsgId) || !seen.Add(item.MsgId))
                {
                    results.Add(new ArchiveItemResult(item.Index, item.MsgId, "duplicate"));
                }
                else
                {
                    fresh.Add(item);
                }
            }
            if (fresh.Count == 0)
            {
                return [.. results.OrderBy(r => r.Index)];
            }

            // Events first (see the type's summary); they resolve or create the customer through One ID.
            var customers = new Dictionary<string, long?>(StringComparer.Ordinal);
            var events = new List<IncomingEvent>();
            foreach (var item in fresh)
            {
                var m = item.Message!;
                if (m.Kind == ArchiveKinds.Text && m.ExternalUserId is { } external && m.RoomId.Length == 0)
                {
                    var properties = new JsonObject { ["msgid"] = m.MsgId, ["staff_userid"] = m.StaffUserId, ["channel"] = "wecom" };
                    if (m.FromCustomer)
                    {
                        // The text is what unsubscribe-by-reply reads; staff messages need no copy of their words in the log.
                        properties["text"] = m.SearchText;
                    }
                    events.Add(new IncomingEvent("archive:" + m.MsgId, m.FromCustomer ? EventTypes.MessageReceived : EventTypes.MessageSentByStaff,
                        DateTimeOffset.FromUnixTimeMilliseconds(m.MsgTimeMs), [(IdentifierType.ExternalUserId, external)], null, properties, null, EventSource));
                }
            }
            if (events.Count > 0)
            {
                var outcomes = await writer.AppendAsync(tenantId, events);
                for (var i = 0; i < outcomes.Length; i++)
                {
                    if (outcomes[i].Error is null && outcomes[i].CustomerId > 0)
                    {
                        customers[events[i].Identifiers[0].RawValue] = outcomes[i].CustomerId;
                    }
                }
            }

            var now = time.GetUtcNow().UtcTicks;
            var rows = new List<(ArchiveMessageRow Row, ArchivedMessage Message)>(fresh.Count);
            foreach (var item in fresh)
            {
                var m = item.Message!;
                long? customerId = null;
                if (m.ExternalUserId is { } external)
                {
                    if (!customers.TryGetValue(external, out customerId))
                    {
                        customerId = reader.FindCustomer(tenantId, IdentifierType.ExternalUserId, external);
                        customers[external] = customerId;
                    }
                }
                rows.Add((new ArchiveMessageRow
                {
                    TenantId = tenantId, MsgId = m.MsgId, Seq = item.Seq, MsgTimeMs = m.MsgTimeMs, Kind = m.Kind, Action = m.Action, FromId = m.From,
                    ToList = JsonSerializer.Serialize(m.ToList), RoomId = m.RoomId, StaffUserId = m.StaffUserId, ExternalUserId = m.ExternalUserId,
                    CustomerId = customerId, FromCustomer = m.FromCustomer, Content = Seal(m), RevokesMsgId = m.RevokesMsgId, ReceivedAtTicks = now,
                }, m));
                results.Add(new ArchiveItemResult(item.Index, m.MsgId, "stored", customerId));
            }

            // A recall can arrive before the message it recalls (at-least-once, any order): both directions are checked.
            var freshIds = rows.Select(r => r.Row.MsgId).ToList();
            var recalled = (await db.ArchiveMessages.Where(m => m.TenantId == tenantId && m.RevokesMsgId != null && freshIds.Contains(m.RevokesMsgId))
                .Select(m => m.RevokesMsgId!).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
            recalled.UnionWith(rows.Where(r => r.Row.RevokesMsgId is not null).Select(r => r.Row.RevokesMsgId!));
            foreach (var (row, _) in rows)
            {
                row.Revoked = recalled.Contains(row.MsgId);
            }
            var revokesOlder = rows.Where(r => r.Row.RevokesMsgId is not null).Select(r => r.Row.RevokesMsgId!).Except(freshIds).ToList();

            db.ChangeTracker.AutoDetectChangesEnabled = false;
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            db.ArchiveMessages.AddRange(rows.Select(r => r.Row));
            await db.SaveChangesAsync(ct);
            var terms = new List<ArchiveTermRow>();
            foreach (var (row, m) in rows)
            {
                foreach (var gram in NGrams.IndexTerms(m.SearchText))
                {
                    terms.Add(new ArchiveTermRow { TenantId = tenantId, Term = Term(gram), MessageId = row.Id });
                }
            }
            await InsertTermsAsync(db, terms, ct);
            if (revokesOlder.Count > 0)
            {
                await db.ArchiveMessages.Where(m => m.TenantId == tenantId && revokesOlder.Contains(m.MsgId)).ExecuteUpdateAsync(s => s.SetProperty(m => m.Revoked, true), ct);
            }
            await tx.CommitAsync(ct);
            return [.. results.OrderBy(r => r.Index)];
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Terms go in as one prepared statement per row inside the batch's transaction (the hot part of ingestion).</summary>
    private static async Task InsertTermsAsync(SiyuDb db, List<ArchiveTermRow> terms, CancellationToken ct)
    {
        if (terms.Count == 0)
        {
            return;
        }
        var connection = db.Database.GetDbConnection();
        await using var cmd = connection.CreateCommand();
        cmd.Transaction = db.Database.CurrentTransaction!.GetDbTransaction();
        // ON CONFLICT DO NOTHING rather than SQLite's INSERT OR IGNORE: the same statement runs on PostgreSQL.
        cmd.CommandText = "INSERT INTO archive_terms (TenantId, Term, MessageId) VALUES (@t, @term, @m) ON CONFLICT DO NOTHING";
        var t = cmd.CreateParameter();
        t.ParameterName = "@t";
        // Typed up front: PostgreSQL prepares the statement before any value is bound.
        t.DbType = System.Data.DbType.Int32;
        var term = cmd.CreateParameter();
        term.ParameterName = "@term";
        term.DbType = System.Data.DbType.Int64;
        var message = cmd.CreateParameter();
        message.ParameterName = "@m";
        message.DbType = System.Data.DbType.Int64;
        cmd.Parameters.Add(t);
        cmd.Parameters.Add(term);
        cmd.Parameters.Add(message);
        await cmd.PrepareAsync(ct);
        // Synchronous on purpose: Microsoft.Data.Sqlite's async calls run synchronously anyway, with a Task per row on top.
        foreach (var row in terms)
        {
            t.Value = row.TenantId;
            term.Value = row.Term;
            message.Value = row.MessageId;
            cmd.ExecuteNonQuery();
        }
    }

    /// <summary>Decrypts <c>encrypt_random_key</c> with the tenant's private key of that version; an error when there is none or it does not fit.</summary>
    public async Task<(byte[]? RandomKey, string? Error)> DecryptRandomKeyAsync(int tenantId, int version, string encryptRandomKey, CancellationToken ct = default)
    {
        if (!_keys.TryGetValue((tenantId, version), out var rsa))
        {
            await using var db = await dbs.CreateDbContextAsync(ct);
            var row = await db.ArchiveKeys.AsNoTracking().FirstOrDefaultAsync(k => k.TenantId == tenantId && k.Version == version, ct);
            if (row is null)
            {
                return (null, $"No private key for publickey_ver {version}: add it with PUT /api/v1/archive/keys/{version}.");
            }
            rsa = ArchiveKeys.TryImport(Encoding.UTF8.GetString(pii.UnprotectBlob(row.PrivateKey)), out _)
                ?? throw new InvalidOperationException($"The stored archive key {version} does not import.");
            _keys[(tenantId, version)] = rsa;
        }
        return ArchiveKeys.DecryptRandomKey(rsa, encryptRandomKey) is { } key
            ? (key, null)
            : (null, $"encrypt_random_key does not decrypt with the private key of publickey_ver {version} (wrong version, or not base64).");
    }

    /// <summary>
    /// PIPL erasure: the person's archived messages (by customer id or external user id) and their terms are deleted.
    /// Returns how many messages went.
    /// </summary>
    public async Task<int> ForgetCustomerAsync(int tenantId, IReadOnlyCollection<long> customerIds, IReadOnlyCollection<string> externalUserIds, CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        try
        {
            await using var db = await dbs.CreateDbContextAsync(ct);
            var ids = customerIds.ToList();
            var externals = externalUserIds.ToList();
            var theirs = db.ArchiveMessages.Where(m => m.TenantId == tenantId
                && ((m.CustomerId != null && ids.Contains(m.CustomerId.Value)) || (m.ExternalUserId != null && externals.Contains(m.ExternalUserId))));
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await db.ArchiveTerms.Where(t => t.TenantId == tenantId && theirs.Select(m => m.Id).Contains(t.MessageId)).ExecuteDeleteAsync(ct);
            var deleted = await theirs.ExecuteDeleteAsync(ct);
            // Quality results name the person (external user id, customer id) and point at the deleted messages.
            await db.QualityResults.Where(r => r.TenantId == tenantId && ((r.CustomerId != null && ids.Contains(r.CustomerId.Value)) || externals.Contains(r.ExternalUserId)))
                .ExecuteDeleteAsync(ct);
            // Handoffs (转人工) keep an excerpt of the message that raised them and a note: forgotten with the messages.
            await db.Handoffs.Where(h => h.TenantId == tenantId && ids.Contains(h.CustomerId))
                .ExecuteUpdateAsync(s => s.SetProperty(h => h.TriggerText, (string?)null).SetProperty(h => h.Note, (string?)null), ct);
            await tx.CommitAsync(ct);
            return deleted;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void ForgetKey(int tenantId, int version) => _keys.TryRemove((tenantId, version), out _);
}
