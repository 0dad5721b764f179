using System.Text.Json;
using System.Text.Json.Nodes;
using Siyu.Core.Compliance;
using Siyu.Core.Customers;
using Siyu.Core.Events;
using Siyu.Server.Data;

namespace Siyu.Server.Ingest;

/// <summary>What an erasure did: the anonymous id that stays, the ids that were this person, and the closing event.</summary>
[GenerateSerializer, Immutable]
public sealed record ErasureResult([property: Id(0)] long CustomerId, [property: Id(1)] IReadOnlyList<long> Members, [property: Id(2)] int IdentifiersRemoved, [property: Id(3)] int EventsRewritten, [property: Id(4)] long Seq);

/// <summary>
/// Erasure (PIPL deletion) runs in the single writer, because the identity graph lives there: identifiers leave the
/// graph and the index in the same transaction that rewrites the person's events, so no event can attach to the person
/// between the two, and after it a known phone or external_userid creates a new customer.
/// </summary>
public sealed partial class IngestWriter
{
    private readonly Dictionary<int, HashSet<long>> _erased = [];

    internal Task<ErasureResult> EraseLocalAsync(int tenantId, long customerId, string actor)
    {
        var item = new EraseItem(tenantId, customerId, actor);
        _queue.Writer.TryWrite(item);
        return item.Done.Task;
    }

    internal bool IsErased(int tenantId, long customerId, WriterSql sql)
    {
        if (!_erased.TryGetValue(tenantId, out var set))
        {
            set = [];
            using var cmd = sql.Adhoc("SELECT Id FROM customers WHERE TenantId = @t AND ErasedAtTicks IS NOT NULL");
            cmd.Param("@t", tenantId);
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                set.Add(r.GetInt64(0));
            }
            _erased[tenantId] = set;
        }
        return set.Contains(customerId);
    }

    private sealed class EraseItem(int tenantId, long customerId, string actor) : WorkItem
    {
        private ErasureResult? _result;
        public TaskCompletionSource<ErasureResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Execute(WriterContext ctx)
        {
            var graph = ctx.Writer.GraphOf(tenantId, ctx.Sql);
            if (!graph.Exists(customerId))
            {
                throw new ArgumentException($"Unknown customer {customerId}.");
            }
            var canonical = graph.Canonical(customerId);
            if (ctx.Writer.IsErased(tenantId, canonical, ctx.Sql))
            {
                throw new InvalidOperationException($"Customer {canonical} is already erased.");
            }
            var sql = ctx.Sql;
            ctx.MutatedSinceItemStart = true;
            var (removed, members) = graph.Forget(canonical);
            var memberList = string.Join(",", members); // ids are longs from the graph: safe to inline
            // Every value the person is known by: identifiers (also those stored only in rows about them) and attribute texts.
            var personal = new HashSet<string>(removed.Select(i => i.Value), StringComparer.Ordinal);
            using (var cmd = sql.Adhoc($"SELECT Value FROM identifiers WHERE TenantId = @t AND CustomerId IN ({memberList})"))
            {
                cmd.Param("@t", tenantId);
                using var r = cmd.ExecuteReader();
                while (r.Read())
                {
                    personal.Add(r.GetString(0));
                }
            }
            var externalIds = removed.Where(i => i.Type is IdentifierType.ExternalUserId or IdentifierType.UnionId).Select(i => i.Value).ToList();

            var events = new List<(long Seq, string Type, string? Properties, string? Attributes)>();
            using (var cmd = sql.Adhoc($"SELECT Seq, Type, Properties, Attributes FROM events WHERE TenantId = @t AND (CustomerId = @c OR OriginalCustomerId IN ({memberList}))"))
            {
                cmd.Param("@t", tenantId);
                cmd.Param("@c", canonical);
                using var r = cmd.ExecuteReader();
                while (r.Read())
                {
                    events.Add((r.GetInt64(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3)));
                }
            }
            foreach (var e in events)
            {
                if (e.Attributes is not null && JsonNode.Parse(e.Attributes) is JsonObject attributes)
                {
                    foreach (var (_, value) in attributes)
                    {
                        if (value is JsonValue v && v.GetValueKind() is JsonValueKind.String or JsonValueKind.Number && v.ToString() is { Length: >= 2 } text)
                        {
                            personal.Add(text);
                        }
                    }
                }
            }
            using (var update = sql.Adhoc("UPDATE events SET Properties = @p, Attributes = NULL, IdempotencyKey = @k WHERE Seq = @s"))
            {
                var p = update.Param("@p", null, System.Data.DbType.String);
                var k = update.Param("@k", null, System.Data.DbType.String);
                var s = update.Param("@s", null, System.Data.DbType.Int64);
                foreach (var e in events)
                {
                    var kept = Erasure.AnonymiseProperties(e.Properties is null ? null : JsonNode.Parse(e.Properties) as JsonObject, personal);
                    p.Value = (object?)kept?.ToJsonString() ?? DBNull.Value;
                    // Keys often embed an external_userid (wecom:sync:{id}:…); the sequence number keeps them unique.
                    k.Value = $"erased:{e.Seq}";
                    s.Value = e.Seq;
                    update.ExecuteNonQuery();
                }
            }

            Exec(sql, $"DELETE FROM identifiers WHERE TenantId = @t AND CustomerId IN ({memberList})");
            Exec(sql, $"UPDATE customers SET ErasedAtTicks = {ctx.NowTicks} WHERE TenantId = @t AND Id IN ({memberList})");
            Exec(sql, $"UPDATE merges SET MovedIdentifiers = '[]' WHERE TenantId = @t AND (SurvivorId IN ({memberList}) OR MergedId IN ({memberList}))");
            Exec(sql, $"UPDATE merge_conflicts SET Identifier = NULL WHERE TenantId = @t AND (CustomerA IN ({memberList}) OR CustomerB IN ({memberList}))");
            // Messages sent to them: the fact and the outcome stay (caps, statistics), the words and attachments go.
            Exec(sql, $"UPDATE outbound_messages SET Text = '', Attachments = NULL, Decision = NULL, Error = NULL WHERE TenantId = @t AND CustomerId IN ({memberList})");
            Exec(sql, $"UPDATE mass_send_recipients SET Target = 'erased:' || CustomerId WHERE TenantId = @t AND CustomerId IN ({memberList})");
            Exec(sql, $"UPDATE tracked_links SET Url = '' WHERE TenantId = @t AND CustomerId IN ({memberList})");
            foreach (var ext in externalIds)
            {
                ExecWith(sql, "DELETE FROM customer_group_members WHERE TenantId = @t AND MemberId = @v", ext);
                ExecWith(sql, "UPDATE customer_transfers SET ExternalUserId = 'erased' WHERE TenantId = @t AND ExternalUserId = @v", ext);
                ExecWith(sql, "UPDATE mass_send_recipients SET Target = 'erased:' || CustomerId WHERE TenantId = @t AND Target = @v", ext);
            }
            // Raw WeCom callbacks are kept for replay; they quote the external_userid, which must not outlive the person.
            foreach (var value in personal.Where(v => v.Length >= 4))
            {
                ExecWith(sql, $"UPDATE wecom_inbox SET Xml = replace(Xml, @v, 'erased') WHERE TenantId = @t AND {sql.Database.Instr("Xml", "@v")} > 0", value);
            }
            foreach (var member in members)
            {
                ctx.Writer._erased[tenantId].Add(member);
            }
            var props = JsonSerializer.Serialize(new { by = actor, members = members.Count });
            var seq = ctx.AppendLog(tenantId, $"sys:erase:{canonical}", canonical, EventTypes.CustomerAnonymised, ctx.NowTicks, props, null, "system");
            _result = new ErasureResult(canonical, members, removed.Count, events.Count, seq);
        }

        private void Exec(WriterSql sql, string text)
        {
            using var cmd = sql.Adhoc(text);
            cmd.Param("@t", tenantId);
            cmd.ExecuteNonQuery();
        }

        private void ExecWith(WriterSql sql, string text, string value)
        {
            using var cmd = sql.Adhoc(text);
            cmd.Param("@t", tenantId);
            cmd.Param("@v", value);
            cmd.ExecuteNonQuery();
        }

        protected override void Succeed() => Done.TrySetResult(_result!);
        public override void Fail(Exception e) => Done.TrySetException(e);
    }
}
