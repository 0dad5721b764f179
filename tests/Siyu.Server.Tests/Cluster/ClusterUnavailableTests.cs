using Siyu.Server.Operations;

namespace Siyu.Server.Tests.Cluster;

public sealed class ClusterUnavailableTests
{
    [Fact]
    public void Outages_of_the_cluster_are_unavailable_and_user_errors_are_not()
    {
        Assert.True(ClusterUnavailable.IsUnavailable(new SiloUnavailableException()));
        Assert.True(ClusterUnavailable.IsUnavailable(new SiloUnavailableException("connection refused")));
        Assert.True(ClusterUnavailable.IsUnavailable(new InvalidOperationException("wrapped", new SiloUnavailableException())));
        Assert.True(ClusterUnavailable.IsUnavailable(new AggregateException(new ArgumentException("x"), new SiloUnavailableException("y"))));
        Assert.False(ClusterUnavailable.IsUnavailable(new ArgumentException("bad input")));
        Assert.False(ClusterUnavailable.IsUnavailable(new TimeoutException("a database timeout is not the cluster")));
    }
}
