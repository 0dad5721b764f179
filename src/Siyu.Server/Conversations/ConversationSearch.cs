using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Siyu.Core.Access;
using Siyu.Core.Conversations;
using Siyu.Server.Customers;
using Siyu.Server.Data;

namespace Siyu.Server.Conversations;

public sealed record ConversationMessage(
    long Id, string Msgid, long Seq, DateTimeOffset Time, string Kind, string Action, string From, IReadOnlyList<string> ToList, string RoomId,
    string? StaffUserid, string? ExternalUserid, long? CustomerId, bool FromCustomer, bool Revoked, string Text, JsonObject Body);

public sealed record ConversationCustomer(long Id, string? Name);

/// <summary>A message with its customer and where the query occurs in <see cref="ConversationMessage.Text"/> ([start, length] pairs).</summary>
public sealed record ConversationHit(ConversationMessage Message, ConversationCustomer? Customer, IReadOnlyList<int[]> Highlights);

/// <summary>Newest first; <see cref="NextBefore"/> is the <c>before</c> id of the next page.</summary>
public sealed record ConversationPage(IReadOnlyList<ConversationHit> Items, long? NextBefore);

public sealed record ConversationQuery(string? Text, long? CustomerId = null, string? Staff = null, long? FromMs = null, long? ToMs = null, long? Before = null, int Limit = 50);

/// <summary>
/// Conversation reads: per customer and across the tenant, with Chinese full text through the n-gram term index
/// (<see cref="NGrams"/>), always filtered by the caller's data scope (a message is visible when its staff member is).
/// </summary>
public sealed class ConversationSearch(IDbContextFactory<SiyuDb> dbs, ArchiveIngestor ingestor, CustomerReader reader)
{
    public const int MaxLimit = 200;

    public async Task<ConversationPage> SearchAsync(int tenantId, DataScope scope, ConversationQuery query, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var messages = db.ArchiveMessages.AsNoTracking().Where(m => m.TenantId == tenantId && m.Kind != ArchiveKinds.Revoke);
        if (!scope.IsAll)
        {
            var staff = (scope.StaffUserIds ?? new HashSet<string>()).ToList();
            messages = messages.Where(m => m.StaffUserId != null && staff.Contains(m.StaffUserId));
        }
        if (query.CustomerId is { } customerId)
        {
            // By every external id the customer has now, so messages archived before a merge still belong to the survivor.
            var externals = reader.Identifiers(tenantId, customerId).Where(i => i.Type == "external_userid").Select(i => i.Value).ToList();
            messages = messages.Where(m => m.CustomerId == customerId || (m.ExternalUserId != null && externals.Contains(m.ExternalUserId)));
        }
        if (!string.IsNullOrEmpty(query.Staff))
        {
            messages = messages.Where(m => m.StaffUserId == query.Staff);
        }
        if (query.FromMs is { } from)
        {
            messages = messages.Where(m => m.MsgTimeMs >= from);
        }
        if (query.ToMs is { } to)
        {
            messages = messages.Where(m => m.MsgTimeMs < to);
        }
        var text = query.Text?.Trim();
        var terms = string.IsNullOrEmpty(text) ? [] : NGrams.QueryTerms(text).Select(ingestor.Term).Distinct().ToList();
        if (!string.IsNullOrEmpty(text) && terms.Count == 0)
        {
            return new ConversationPage([], null);
        }
        if (terms.Count > 0)
        {
            var count = terms.Count;
            var matching = db.ArchiveTerms.Where(t => t.TenantId == tenantId && terms.Contains(t.Term)).GroupBy(t => t.MessageId)
                .Where(g => g.Count() == count).Select(g => g.Key);
            messages = messages.Where(m => matching.Contains(m.Id));
        }

        var limit = Math.Clamp(query.Limit, 1, MaxLimit);
        var hits = new List<(ArchiveMessageRow Row, JsonObject Body, string Text, List<int[]> Highlights)>();
        var before = query.Before;
        long? next = null;
        // The term index may over-match (bigrams in another order); candidates are checked for the exact text.
        for (var round = 0; round < 10 && hits.Count < limit; round++)
        {
            var page = messages;
            if (before is { } b)
            {
                page = page.Where(m => m.Id < b);
            }
            var batch = await page.OrderByDescending(m => m.Id).Take(limit * 2).ToListAsync(ct);
            foreach (var row in batch)
            {
                var (body, plain) = ingestor.Open(row.Content);
                var marks = string.IsNullOrEmpty(text) ? [] : NGrams.Highlights(plain, text).Select(h => new[] { h.Start, h.Length }).ToList();
                if (string.IsNullOrEmpty(text) || marks.Count > 0)
                {
                    hits.Add((row, body, plain, marks));
                    if (hits.Count == limit)
                    {
                        next = row.Id;
                        break;
                    }
                }
            }
            if (batch.Count < limit * 2 || hits.Count == limit)
            {
                break;
            }
            before = batch[^1].Id;
        }

        var customerIds = hits.Where(h => h.Row.CustomerId is not null).Select(h => h.Row.CustomerId!.Value).Distinct().ToList();
        var names = customerIds.Count == 0 ? [] : (await reader.SummariesAsync(tenantId, customerIds)).ToDictionary(s => s.Id, s => s.Name);
        return new ConversationPage([.. hits.Select(h => new ConversationHit(
            ToMessage(h.Row, h.Body, h.Text),
            h.Row.CustomerId is { } id ? new ConversationCustomer(id, names.GetValueOrDefault(id)) : null,
            h.Highlights))], next);
    }

    private static ConversationMessage ToMessage(ArchiveMessageRow r, JsonObject body, string text) => new(
        r.Id, r.MsgId, r.Seq, DateTimeOffset.FromUnixTimeMilliseconds(r.MsgTimeMs), r.Kind, r.Action, r.FromId,
        JsonSerializer.Deserialize<List<string>>(r.ToList) ?? [], r.RoomId, r.StaffUserId, r.ExternalUserId, r.CustomerId, r.FromCustomer, r.Revoked, text, body);
}
