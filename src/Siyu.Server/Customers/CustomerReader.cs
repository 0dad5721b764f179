using System.Text.Json.Nodes;
using System.Data.Common;
using Siyu.Core.Compliance;
using Siyu.Core.Customers;
using Siyu.Core.Events;
using Siyu.Server.Data;
using Siyu.Server.Partitions;
using Siyu.Server.Tenants;

namespace Siyu.Server.Customers;

public sealed record IdentifierView(string Type, string Value, long AttachedAtTicks);
public sealed record TimelineEvent(long Seq, string Type, long TimestampTicks, string? Properties, string? Attributes, string Source, long OriginalCustomerId);
public sealed record MergeView(long Id, long SurvivorId, long MergedId, IReadOnlyList<string> MovedIdentifiers, bool Manual, string Reason, string? Actor, long AtTicks, long? UndoneAtTicks);
public sealed record MergeConflictView(long Id, long CustomerA, long CustomerB, string Reason, string? Identifier, long AtTicks);
public sealed record CustomerDetail(CustomerView Profile, IReadOnlyList<IdentifierView> Identifiers, IReadOnlyList<MergeView> Merges, long RequestedId);
public sealed record CustomerPage(IReadOnlyList<CustomerSummary> Items, long? NextBefore, int Total);

/// <summary>Reads for the API and the console: profiles from partition grains, identity and history from the store.</summary>
public sealed class CustomerReader(IGrainFactory grains, EventStore store, TenantDirectory tenants)
{
    /// <summary>Search within a data scope (null = every customer): the only way lists of customers are read for a user.</summary>
    public async Task<CustomerPage> SearchAsync(int tenantId, string? text, long? before, int limit, long? tagId = null, Core.Access.DataScope? scope = null)
    {
        var staff = scope is { StaffUserIds: { } inScope } ? inScope.ToArray() : null;
        limit = Math.Clamp(limit, 1, 200);
        var partitions = tenants.Partitions(tenantId);
        text = string.IsNullOrWhiteSpace(text) ? null : text.Trim();
        var found = new List<CustomerSummary>();
        if (text is not null)
        {
            // Identifiers and phone suffixes are looked up in the identity index; names in the partitions.
            var ids = FindByIdentifier(tenantId, text).Where(id => before is null || id < before).ToList();
            foreach (var group in ids.GroupBy(id => Partitioning.Of(id, partitions)))
            {
                found.AddRange(await Grain(tenantId, group.Key).GetMany([.. group], tagId));
            }
        }
        if (staff is not null)
        {
            found.RemoveAll(c => !scope!.Allows(c.Staff));
        }
        var query = new CustomerQuery(text, before, limit, tagId, staff);
        var perPartition = await Task.WhenAll(Enumerable.Range(0, partitions).Select(p => Grain(tenantId, p).Search(query)));
        foreach (var page in perPartition)
        {
            found.AddRange(page);
        }
        var items = found.DistinctBy(c => c.Id).OrderByDescending(c => c.Id).Take(limit).ToList();
        var total = (text, tagId) switch
        {
            _ when staff is not null => items.Count,
            (null, null) => (await Task.WhenAll(Enumerable.Range(0, partitions).Select(p => Grain(tenantId, p).Stats()))).Sum(s => s.Customers),
            (null, { } tag) => (await TagCountsAsync(tenantId)).GetValueOrDefault(tag),
            _ => items.Count,
        };
        return new CustomerPage(items, items.Count == limit ? items[^1].Id : null, total);
    }

    /// <param name="readYourWrites">Wait (bounded) until the customer's acknowledged events are applied: for reads that answer a
    /// client who may have just written; background work reads what the partition has.</param>
    public async Task<CustomerDetail?> GetAsync(int tenantId, long customerId, bool readYourWrites = false)
    {
        var canonical = Canonical(tenantId, customerId);
        if (canonical is null)
        {
            return null;
        }
        // Read your writes: an acknowledged event shows on the next read even while its partition is still applying it
        // (bounded: under a backlog the read answers what the partition has after the wait).
        if (readYourWrites && LastSeq(tenantId, canonical.Value) is { } seq)
        {
            await WaitAppliedAsync(tenantId, canonical.Value, seq, ReadYourWritesTimeout);
        }
        var profile = await Grain(tenantId, Partitioning.Of(canonical.Value, tenants.Partitions(tenantId))).Get(canonical.Value);
        if (profile is null)
        {
            return null;
        }
        return new CustomerDetail(profile, Identifiers(tenantId, canonical.Value), Merges(tenantId, canonical.Value), customerId);
    }

    /// <summary>The customer as <see cref="GetAsync"/> reads it, or null when outside <paramref name="scope"/> (as absent as an unknown one).</summary>
    public async Task<CustomerDetail?> GetVisibleAsync(int tenantId, long customerId, Core.Access.DataScope scope) =>
        await GetAsync(tenantId, customerId) is { } detail && (scope.IsAll || scope.Allows(detail.Profile.Staff.Keys)) ? detail : null;

    /// <summary>Summaries of the given (canonical) customers, in no particular order; unknown ids are left out.</summary>
    /// <summary>Summaries of these customers (only those carrying <paramref name="tagId"/>, when given).</summary>
    public async Task<IReadOnlyList<CustomerSummary>> SummariesAsync(int tenantId, IReadOnlyCollection<long> customerIds, long? tagId = null)
    {
        var partitions = tenants.Partitions(tenantId);
        var pages = await Task.WhenAll(customerIds.GroupBy(id => Partitioning.Of(id, partitions)).Select(g => Grain(tenantId, g.Key).GetMany([.. g], tagId)));
        return [.. pages.SelectMany(p => p)];
    }

    /// <summary>Customers per tag across all partitions.</summary>
    public async Task<Dictionary<long, int>> TagCountsAsync(int tenantId)
    {
        var counts = new Dictionary<long, int>();
        foreach (var partition in await Task.WhenAll(Enumerable.Range(0, tenants.Partitions(tenantId)).Select(p => Grain(tenantId, p).TagCounts())))
        {
            foreach (var (tag, n) in partition)
            {
                counts[tag] = counts.GetValueOrDefault(tag) + n;
            }
        }
        return counts;
    }

    /// <summary>Waits (bounded) until the partition owning a customer has applied a log entry, so a page reloaded after an edit shows it.</summary>
    public async Task<bool> WaitAppliedAsync(int tenantId, long customerId, long seq, TimeSpan timeout)
    {
        return await Grain(tenantId, Partitioning.Of(customerId, tenants.Partitions(tenantId))).WaitApplied(seq, timeout);
    }

    /// <summary>How long a profile read waits for the customer's acknowledged events to reach its partition.</summary>
    private static readonly TimeSpan ReadYourWritesTimeout = TimeSpan.FromSeconds(3);

    /// <summary>The customer's newest log entry (merged-in customers' entries are moved to it), or null when it has none.</summary>
    private long? LastSeq(int tenantId, long customerId)
    {
        using var c = store.OpenReader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT MAX(Seq) FROM events WHERE TenantId = @t AND CustomerId = @i";
        cmd.Param("@t", tenantId);
        cmd.Param("@i", customerId);
        return cmd.ExecuteScalar() is long seq ? seq : null;
    }

    /// <summary>Follows merge pointers in storage; null when the customer does not exist.</summary>
    public long? Canonical(int tenantId, long customerId)
    {
        using var c = store.OpenReader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT MergedInto FROM customers WHERE TenantId = @t AND Id = @i";
        cmd.Param("@t", tenantId);
        var p = cmd.Param("@i", customerId);
        for (var hops = 0; hops < 64; hops++)
        {
            p.Value = customerId;
            var result = cmd.ExecuteScalar();
            if (result is null)
            {
                return null;
            }
            if (result is DBNull)
            {
                return customerId;
            }
            customerId = (long)result;
        }
        return customerId;
    }

    public List<TimelineEvent> Timeline(int tenantId, long customerId, long? beforeSeq, int limit, string? type = null)
    {
        using var c = store.OpenReader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            SELECT Seq, Type, TimestampTicks, Properties, Attributes, Source, OriginalCustomerId FROM events
            WHERE TenantId = @t AND CustomerId = @c AND Seq < @b AND (@ty IS NULL OR Type = @ty)
            ORDER BY TimestampTicks DESC, Seq DESC LIMIT @l
            """;
        cmd.Param("@t", tenantId);
        cmd.Param("@c", customerId);
        cmd.Param("@b", beforeSeq ?? long.MaxValue);
        cmd.Param("@ty", type, System.Data.DbType.String);
        cmd.Param("@l", Math.Clamp(limit, 1, 500));
        using var r = cmd.ExecuteReader();
        var list = new List<TimelineEvent>();
        while (r.Read())
        {
            list.Add(new TimelineEvent(r.GetInt64(0), r.GetString(1), r.GetInt64(2), r.IsDBNull(3) ? null : store.Pii.UnprotectJson(r.GetString(3)),
                r.IsDBNull(4) ? null : store.Pii.UnprotectJson(r.GetString(4)), r.GetString(5), r.GetInt64(6)));
        }
        return list;
    }

    /// <summary>The customer's orders, one line per order id, newest first.</summary>
    public List<OrderLine> Orders(int tenantId, long customerId)
    {
        using var c = store.OpenReader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            SELECT Type, TimestampTicks, Properties FROM events
            WHERE TenantId = @t AND CustomerId = @c AND Type IN (@paid, @refunded)
            """;
        cmd.Param("@t", tenantId);
        cmd.Param("@c", customerId);
        cmd.Param("@paid", EventTypes.OrderPaid);
        cmd.Param("@refunded", EventTypes.OrderRefunded);
        using var r = cmd.ExecuteReader();
        var events = new List<(string, long, JsonObject?)>();
        while (r.Read())
        {
            events.Add((r.GetString(0), r.GetInt64(1), r.IsDBNull(2) ? null : store.Pii.ParseObject(r.GetString(2))));
        }
        return OrderHistory.Fold(events);
    }

    public List<IdentifierView> Identifiers(int tenantId, long customerId)
    {
        using var c = store.OpenReader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT Type, Value, AttachedAtTicks, Encrypted FROM identifiers WHERE TenantId = @t AND CustomerId = @c";
        cmd.Param("@t", tenantId);
        cmd.Param("@c", customerId);
        using var r = cmd.ExecuteReader();
        var list = new List<(int Type, IdentifierView View)>();
        while (r.Read())
        {
            // Personal identifiers are stored as a keyed hash; the value shown is the decrypted copy.
            var value = r.IsDBNull(3) ? r.GetString(1) : store.Pii.Cipher.Decrypt(r.GetString(3));
            list.Add((r.GetInt32(0), new IdentifierView(IdentifierTypes.WireName((IdentifierType)r.GetInt32(0)), value, r.GetInt64(2))));
        }
        // Sorted here: in SQL the personal values would sort by their hash.
        return [.. list.OrderBy(i => i.Type).ThenBy(i => i.View.Value, StringComparer.Ordinal).Select(i => i.View)];
    }

    /// <summary>Merges a customer took part in, or (no customer) the tenant's latest merges.</summary>
    public List<MergeView> Merges(int tenantId, long? customerId, int limit = 200)
    {
        using var c = store.OpenReader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"""
            SELECT Id, SurvivorId, MergedId, MovedIdentifiers, Manual, Reason, Actor, AtTicks, UndoneAtTicks FROM merges
            WHERE TenantId = @t {(customerId is null ? "" : "AND (SurvivorId = @c OR MergedId = @c)")} ORDER BY Id DESC LIMIT @l
            """;
        cmd.Param("@t", tenantId);
        cmd.Param("@l", limit);
        if (customerId is not null)
        {
            cmd.Param("@c", customerId);
        }
        using var r = cmd.ExecuteReader();
        var list = new List<MergeView>();
        while (r.Read())
        {
            list.Add(new MergeView(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2),
                Ingest.WriterSql.DeserializeIdentifiers(r.GetString(3)).Select(i => Display(c, tenantId, i).ToString()).ToList(),
                r.GetBoolean(4), r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6), r.GetInt64(7), r.IsDBNull(8) ? null : r.GetInt64(8)));
        }
        return list;
    }

    /// <summary>
    /// Customers (canonical) this one shares a phone, unionid or device with that One ID kept apart (open merge
    /// conflicts): two accounts of one person, as anti-fraud rules see them.
    /// </summary>
    public HashSet<long> SharesIdentityWith(int tenantId, long customerId)
    {
        var others = new HashSet<long>();
        using (var c = store.OpenReader())
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT CustomerA, CustomerB FROM merge_conflicts WHERE TenantId = @t AND ResolvedAtTicks IS NULL AND (CustomerA = @c OR CustomerB = @c)";
            cmd.Param("@t", tenantId);
            cmd.Param("@c", customerId);
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                others.Add(r.GetInt64(0) == customerId ? r.GetInt64(1) : r.GetInt64(0));
            }
        }
        return [.. others.Select(o => Canonical(tenantId, o) ?? o).Where(o => o != customerId)];
    }

    /// <summary>Pairs an event linked but the guard rails kept apart (both strongly identified), newest first.</summary>
    public List<MergeConflictView> OpenConflicts(int tenantId, int limit = 500)
    {
        using var c = store.OpenReader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT Id, CustomerA, CustomerB, Reason, Identifier, AtTicks FROM merge_conflicts WHERE TenantId = @t AND ResolvedAtTicks IS NULL ORDER BY Id DESC LIMIT @l";
        cmd.Param("@t", tenantId);
        cmd.Param("@l", limit);
        using var r = cmd.ExecuteReader();
        var list = new List<MergeConflictView>();
        while (r.Read())
        {
            list.Add(new MergeConflictView(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3), r.IsDBNull(4) ? null : DisplayWire(c, tenantId, r.GetString(4)), r.GetInt64(5)));
        }
        return list;
    }

    /// <summary>The (canonical) customer holding one identifier exactly, e.g. a WeCom external_userid.</summary>
    public long? FindCustomer(int tenantId, IdentifierType type, string value)
    {
        using var c = store.OpenReader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT CustomerId FROM identifiers WHERE TenantId = @t AND Type = @type AND Value = @v";
        cmd.Param("@t", tenantId);
        cmd.Param("@type", (int)type);
        cmd.Param("@v", LookupValue(type, value) ?? value);
        return cmd.ExecuteScalar() is long id ? Canonical(tenantId, id) : null;
    }

    /// <summary>What the index stores for a searched personal value: the keyed hash of its normalised form (null when it is no such value).</summary>
    private string? LookupValue(IdentifierType type, string text) =>
        PiiProtector.IsPersonal(type) && IdentifierNormalizer.Default.TryNormalize(type, text, out var normalized, out _) ? store.Pii.Hasher.Hash(normalized) : null;

    /// <summary>
    /// Exact match on any identifier (personal ones by keyed hash of the normalised query, so <c>139 1234 5678</c> finds
    /// <c>13912345678</c>), and 手机号后四位: four or more digits match phones ending in them, found by the keyed hash of
    /// the last four digits and confirmed on the decrypted number.
    /// </summary>
    private static readonly string AllIdentifierTypes = string.Join(",", Enum.GetValues<IdentifierType>().Select(t => ((int)t).ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private List<long> FindByIdentifier(int tenantId, string text)
    {
        using var c = store.OpenReader();
        var ids = new List<long>();
        using (var cmd = c.CreateCommand())
        {
            // Type is listed and there is no DISTINCT (the ids are made distinct below) so SQLite probes the
            // (TenantId, Type, Value) key; otherwise it walked the (TenantId, CustomerId) index over every identifier of
            // the tenant, and each search cost grew with the customer base (a quarter of the server's time in a soak).
            cmd.CommandText = $"SELECT CustomerId FROM identifiers WHERE TenantId = @t AND Type IN ({AllIdentifierTypes}) AND Value IN (@v, @phone, @email) LIMIT 200";
            cmd.Param("@t", tenantId);
            cmd.Param("@v", text);
            cmd.Param("@phone", LookupValue(IdentifierType.Phone, text), System.Data.DbType.String);
            cmd.Param("@email", LookupValue(IdentifierType.Email, text), System.Data.DbType.String);
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                ids.Add(r.GetInt64(0));
            }
        }
        if (text.Length >= PiiHasher.SuffixLength && text.All(char.IsAsciiDigit))
        {
            using var cmd = c.CreateCommand();
            // Bounded: a four-digit suffix is shared by about one phone in ten thousand.
            cmd.CommandText = "SELECT CustomerId, Encrypted FROM identifiers WHERE TenantId = @t AND SuffixHash = @s LIMIT 20000";
            cmd.Param("@t", tenantId);
            cmd.Param("@s", store.Pii.Hasher.HashPhoneSuffix(text));
            using var r = cmd.ExecuteReader();
            while (r.Read() && ids.Count < 200)
            {
                if (text.Length == PiiHasher.SuffixLength || store.Pii.Cipher.Decrypt(r.GetString(1)).EndsWith(text, StringComparison.Ordinal))
                {
                    ids.Add(r.GetInt64(0));
                }
            }
        }
        return [.. ids.Distinct()];
    }

    /// <summary>An identifier as stored (personal ones by hash) with its value for display.</summary>
    private Identifier Display(DbConnection c, int tenantId, Identifier stored)
    {
        if (!PiiProtector.IsPersonal(stored.Type) || !PiiHasher.IsHash(stored.Value))
        {
            return stored;
        }
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT Encrypted FROM identifiers WHERE TenantId = @t AND Type = @y AND Value = @v";
        cmd.Param("@t", tenantId);
        cmd.Param("@y", (int)stored.Type);
        cmd.Param("@v", stored.Value);
        return cmd.ExecuteScalar() is string encrypted ? stored with { Value = store.Pii.Cipher.Decrypt(encrypted) } : stored;
    }

    /// <summary><see cref="Display(DbConnection, int, Identifier)"/> for the <c>type:value</c> form merge conflicts keep.</summary>
    private string DisplayWire(DbConnection c, int tenantId, string wire)
    {
        var colon = wire.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && IdentifierTypes.TryParseWireName(wire[..colon], out var type)
            ? Display(c, tenantId, new Identifier(type, wire[(colon + 1)..])).ToString()
            : wire;
    }

    private IPartitionGrain Grain(int tenantId, int partition) => grains.GetGrain<IPartitionGrain>(PartitionDispatcher.GrainKey(tenantId, partition));
}
