using System.Globalization;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Siyu.Server.Data;

namespace Siyu.Server.Cluster;

/// <summary>
/// Orleans cluster membership kept in Siyu's own database (PostgreSQL in a real cluster): which silos exist, their
/// status and heartbeats. Every change to a member row also moves the version row on, conditionally, in one
/// transaction — the optimistic concurrency Orleans' membership protocol is built on: of two silos writing from the
/// same version, one wins and the other re-reads.
/// </summary>
public sealed class MembershipTable(IDbContextFactory<SiyuDb> factory, ClusterSettings settings) : IMembershipTable
{
    private string ClusterId => settings.ClusterId;

    public async Task InitializeMembershipTable(bool tryInitTableVersion)
    {
        if (!tryInitTableVersion)
        {
            return;
        }
        await using var db = await factory.CreateDbContextAsync();
        if (await db.ClusterVersions.AnyAsync(v => v.ClusterId == ClusterId))
        {
            return;
        }
        db.ClusterVersions.Add(new ClusterVersionRow { ClusterId = ClusterId, Version = 0, UpdatedAtTicks = DateTime.UtcNow.Ticks });
        try
        {
            await db.SaveChangesAsync();
        }
        catch (DbUpdateException)
        {
            // Another silo created it first: the row exists, which is all that was wanted.
        }
    }

    public async Task DeleteMembershipTableEntries(string clusterId)
    {
        await using var db = await factory.CreateDbContextAsync();
        await db.ClusterMembers.Where(m => m.ClusterId == clusterId).ExecuteDeleteAsync();
        await db.ClusterVersions.Where(v => v.ClusterId == clusterId).ExecuteDeleteAsync();
    }

    public async Task CleanupDefunctSiloEntries(DateTimeOffset beforeDate)
    {
        await using var db = await factory.CreateDbContextAsync();
        var before = beforeDate.UtcTicks;
        var active = (int)SiloStatus.Active;
        await db.ClusterMembers.Where(m => m.ClusterId == ClusterId && m.Status != active && m.IAmAliveTicks < before).ExecuteDeleteAsync();
    }

    public async Task<MembershipTableData> ReadRow(SiloAddress key)
    {
        await using var db = await factory.CreateDbContextAsync();
        var address = key.Endpoint.Address.ToString();
        var rows = await db.ClusterMembers.AsNoTracking()
            .Where(m => m.ClusterId == ClusterId && m.Address == address && m.Port == key.Endpoint.Port && m.Generation == key.Generation)
            .ToListAsync();
        return new MembershipTableData([.. rows.Select(ToEntry)], await VersionAsync(db));
    }

    public async Task<MembershipTableData> ReadAll()
    {
        await using var db = await factory.CreateDbContextAsync();
        var rows = await db.ClusterMembers.AsNoTracking().Where(m => m.ClusterId == ClusterId).ToListAsync();
        return new MembershipTableData([.. rows.Select(ToEntry)], await VersionAsync(db));
    }

    public async Task<bool> InsertRow(MembershipEntry entry, TableVersion tableVersion)
    {
        await using var db = await factory.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        if (!await MoveVersionAsync(db, tableVersion))
        {
            return false;
        }
        var row = new ClusterMemberRow { ClusterId = ClusterId, Address = entry.SiloAddress.Endpoint.Address.ToString() };
        Fill(row, entry);
        db.ClusterMembers.Add(row);
        try
        {
            await db.SaveChangesAsync();
        }
        catch (DbUpdateException)
        {
            return false; // this silo incarnation is already in the table
        }
        await tx.CommitAsync();
        return true;
    }

    public async Task<bool> UpdateRow(MembershipEntry entry, string etag, TableVersion tableVersion)
    {
        if (!int.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out var expected))
        {
            return false;
        }
        await using var db = await factory.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        if (!await MoveVersionAsync(db, tableVersion))
        {
            return false;
        }
        var key = entry.SiloAddress;
        var address = key.Endpoint.Address.ToString();
        var probe = new ClusterMemberRow { ClusterId = ClusterId, Address = address };
        Fill(probe, entry);
        var changed = await db.ClusterMembers
            .Where(m => m.ClusterId == ClusterId && m.Address == address && m.Port == key.Endpoint.Port && m.Generation == key.Generation && m.ETag == expected)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, probe.Status)
                .SetProperty(m => m.SuspectTimes, probe.SuspectTimes)
                .SetProperty(m => m.IAmAliveTicks, probe.IAmAliveTicks)
                .SetProperty(m => m.SiloName, probe.SiloName)
                .SetProperty(m => m.HostName, probe.HostName)
                .SetProperty(m => m.ProxyPort, probe.ProxyPort)
                .SetProperty(m => m.StartTimeTicks, probe.StartTimeTicks)
                .SetProperty(m => m.ETag, expected + 1));
        if (changed != 1)
        {
            return false;
        }
        await tx.CommitAsync();
        return true;
    }

    public async Task UpdateIAmAlive(MembershipEntry entry)
    {
        await using var db = await factory.CreateDbContextAsync();
        var key = entry.SiloAddress;
        var address = key.Endpoint.Address.ToString();
        var alive = entry.IAmAliveTime.ToUniversalTime().Ticks;
        await db.ClusterMembers
            .Where(m => m.ClusterId == ClusterId && m.Address == address && m.Port == key.Endpoint.Port && m.Generation == key.Generation)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.IAmAliveTicks, alive));
    }

    /// <summary>Moves the version row from the version the caller read to the next one; false when someone else moved it first.</summary>
    private async Task<bool> MoveVersionAsync(SiyuDb db, TableVersion next)
    {
        if (!int.TryParse(next.VersionEtag, NumberStyles.None, CultureInfo.InvariantCulture, out var read))
        {
            return false;
        }
        var now = DateTime.UtcNow.Ticks;
        var moved = await db.ClusterVersions
            .Where(v => v.ClusterId == ClusterId && v.Version == read)
            .ExecuteUpdateAsync(s => s.SetProperty(v => v.Version, next.Version).SetProperty(v => v.UpdatedAtTicks, now));
        return moved == 1;
    }

    private async Task<TableVersion> VersionAsync(SiyuDb db)
    {
        var version = await db.ClusterVersions.AsNoTracking().Where(v => v.ClusterId == ClusterId).Select(v => (int?)v.Version).FirstOrDefaultAsync() ?? 0;
        return new TableVersion(version, version.ToString(CultureInfo.InvariantCulture));
    }

    private static void Fill(ClusterMemberRow row, MembershipEntry entry)
    {
        row.Port = entry.SiloAddress.Endpoint.Port;
        row.Generation = entry.SiloAddress.Generation;
        row.SiloName = entry.SiloName ?? "";
        row.HostName = entry.HostName ?? "";
        row.Status = (int)entry.Status;
        row.ProxyPort = entry.ProxyPort;
        row.SuspectTimes = entry.SuspectTimes is { Count: > 0 } suspects
            ? string.Join('|', suspects.Select(s => s.Item1.ToParsableString() + "@" + s.Item2.ToUniversalTime().Ticks.ToString(CultureInfo.InvariantCulture)))
            : null;
        row.StartTimeTicks = entry.StartTime.ToUniversalTime().Ticks;
        row.IAmAliveTicks = entry.IAmAliveTime.ToUniversalTime().Ticks;
    }

    private static Tuple<MembershipEntry, string> ToEntry(ClusterMemberRow row)
    {
        var entry = new MembershipEntry
        {
            SiloAddress = SiloAddress.New(IPAddress.Parse(row.Address), row.Port, row.Generation),
            SiloName = row.SiloName,
            HostName = row.HostName,
            Status = (SiloStatus)row.Status,
            ProxyPort = row.ProxyPort,
            StartTime = new DateTime(row.StartTimeTicks, DateTimeKind.Utc),
            IAmAliveTime = new DateTime(row.IAmAliveTicks, DateTimeKind.Utc),
            SuspectTimes = row.SuspectTimes is null ? [] : [.. row.SuspectTimes.Split('|').Select(s =>
            {
                var at = s.LastIndexOf('@');
                return Tuple.Create(SiloAddress.FromParsableString(s[..at]), new DateTime(long.Parse(s[(at + 1)..], CultureInfo.InvariantCulture), DateTimeKind.Utc));
            })],
        };
        return Tuple.Create(entry, row.ETag.ToString(CultureInfo.InvariantCulture));
    }
}
