using System.Net;
using System.Net.Sockets;

namespace Siyu.Server.Cluster;

/// <summary>
/// <c>Siyu:Cluster</c>: N server processes form one Orleans cluster over the shared database. Off by default: one
/// process with an in-process silo is the embedded start.
/// </summary>
public sealed class ClusterSettings
{
    public bool Enabled { get; set; }
    /// <summary>Silos with the same id (and database) form one cluster; a second cluster on the same database needs another id.</summary>
    public string ClusterId { get; set; } = "siyu";
    /// <summary>The IP other silos reach this one at (the pod IP in Kubernetes); empty = the first non-loopback IPv4, else loopback.</summary>
    public string? AdvertisedIp { get; set; }
    /// <summary>Silo-to-silo probe timeout; a silo missing three probes in a row is suspected, and declared dead on two votes.</summary>
    public double ProbeTimeoutSeconds { get; set; } = 2;
    /// <summary>A cluster-wide singleton (scheduler, worker) holds its lease this long without renewing before another node may take over.</summary>
    public double LeaseSeconds { get; set; } = 10;
    /// <summary>How often the partition keeper touches every partition, so partitions of a lost silo come back (with their timers) elsewhere.</summary>
    public double KeeperSeconds { get; set; } = 2;

    public IPAddress ResolveAdvertisedIp()
    {
        if (!string.IsNullOrWhiteSpace(AdvertisedIp))
        {
            return IPAddress.TryParse(AdvertisedIp, out var configured)
                ? configured
                : throw new InvalidOperationException($"Siyu:Cluster:AdvertisedIp '{AdvertisedIp}' is not an IP address.");
        }
        var candidates = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == System.Net.NetworkInformation.OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .Where(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        return candidates.FirstOrDefault() ?? IPAddress.Loopback;
    }

    /// <summary>
    /// What a node of a cluster must share with the others, checked before anything starts so a wrong setting stops
    /// the start with its name: keys generated per node would make each node unable to read the others' data.
    /// </summary>
    public static IReadOnlyList<string> MissingForCluster(IConfiguration configuration, Tenants.SiyuOptions options)
    {
        var missing = new List<string>();
        if (!configuration.GetSection("Siyu:Pii:Keys").GetChildren().Any())
        {
            missing.Add("Siyu:Pii:Keys:{kid}, Siyu:Pii:ActiveKey and Siyu:Pii:HashKey (every node must encrypt and hash personal data alike)");
        }
        if (string.IsNullOrEmpty(options.LinkKey))
        {
            missing.Add("Siyu:LinkKey (short links made on one node are opened on another)");
        }
        if (string.IsNullOrEmpty(options.Database))
        {
            missing.Add("Siyu:Database (the shared database; the default is a file in this node's data directory)");
        }
        return missing;
    }
}
