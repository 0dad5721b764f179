using Orleans.Placement;
using Orleans.Runtime.Placement;
using Siyu.Core.Cluster;

namespace Siyu.Server.Cluster;

/// <summary>Partitions go to the silo <see cref="Rendezvous"/> names for their key, so they spread over the cluster.</summary>
[GenerateSerializer, Immutable]
public sealed class PartitionPlacement : PlacementStrategy
{
    public static readonly PartitionPlacement Instance = new();
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class PartitionPlacementAttribute() : PlacementAttribute(PartitionPlacement.Instance);

public sealed class PartitionPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        // The keeper migrates a misplaced partition with a hint naming its silo.
        if (IPlacementDirector.GetPlacementHint(target.RequestContextData, silos) is { } hinted)
        {
            return Task.FromResult(hinted);
        }
        var owner = PreferredSilo(target.GrainIdentity.Key.ToString()!, silos);
        return Task.FromResult(owner ?? context.LocalSilo);
    }

    /// <summary>Where a partition (key "tenant/partition") belongs among these silos.</summary>
    public static SiloAddress? PreferredSilo(string partitionKey, IReadOnlyCollection<SiloAddress> silos)
    {
        var byName = silos.ToDictionary(s => s.ToParsableString());
        return Rendezvous.Owner(partitionKey, byName.Keys) is { } name ? byName[name] : null;
    }
}
