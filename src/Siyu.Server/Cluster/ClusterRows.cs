using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Siyu.Server.Cluster;

/// <summary>The membership table's version row: every change to the member list bumps it (optimistic concurrency).</summary>
public sealed class ClusterVersionRow
{
    public required string ClusterId { get; set; }
    public int Version { get; set; }
    public long UpdatedAtTicks { get; set; }
}

/// <summary>One silo incarnation (address, port, generation) of the cluster, as Orleans membership sees it.</summary>
public sealed class ClusterMemberRow
{
    public required string ClusterId { get; set; }
    public required string Address { get; set; }
    public int Port { get; set; }
    public int Generation { get; set; }
    public string SiloName { get; set; } = "";
    public string HostName { get; set; } = "";
    /// <summary><see cref="Orleans.Runtime.SiloStatus"/> as a number.</summary>
    public int Status { get; set; }
    public int ProxyPort { get; set; }
    /// <summary>Who suspects this silo and since when: <c>silo-address@ticks</c> joined by <c>|</c>.</summary>
    public string? SuspectTimes { get; set; }
    public long StartTimeTicks { get; set; }
    public long IAmAliveTicks { get; set; }
    /// <summary>Bumped on every update but the I-am-alive heartbeat; the row's etag.</summary>
    public int ETag { get; set; }
}

internal static class ClusterRowsModel
{
    public static void Configure(ModelBuilder b)
    {
        b.Entity<ClusterVersionRow>(e =>
        {
            e.ToTable("cluster_versions");
            e.HasKey(v => v.ClusterId);
            e.Property(v => v.ClusterId).HasMaxLength(100);
        });
        b.Entity<ClusterMemberRow>(e =>
        {
            e.ToTable("cluster_members");
            e.HasKey(m => new { m.ClusterId, m.Address, m.Port, m.Generation });
            e.Property(m => m.ClusterId).HasMaxLength(100);
            e.Property(m => m.Address).HasMaxLength(45);
            e.Property(m => m.SiloName).HasMaxLength(150);
            e.Property(m => m.HostName).HasMaxLength(150);
        });
        // The data-protection key ring (cookies, stored WeCom secrets): shared by every node in cluster mode.
        b.Entity<DataProtectionKey>(e => e.ToTable("data_protection_keys"));
    }
}
