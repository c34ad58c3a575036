using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.SBR;
using MriCs.Actors.Hosting;

namespace MriCs.Actors.Tests;

public class ClusterConfigSpecs
{
    [Fact]
    public async Task The_split_brain_resolver_is_akkas_keep_majority_with_the_configured_stable_after()
    {
        using var tmp = new TempDir();
        await using var node = await TestNode.StartAsync(tmp.Sub("d"), new FakeGraderFactory(TimeSpan.Zero), new() { ["MriCs:Cluster:SplitBrain:StableAfter"] = "00:00:07" });
        var config = node.System.Settings.Config;
        Assert.StartsWith("Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster", config.GetString("akka.cluster.downing-provider-class"));
        Assert.Equal("keep-majority", config.GetString("akka.cluster.split-brain-resolver.active-strategy"));
        Assert.Equal(TimeSpan.FromSeconds(7), config.GetTimeSpan("akka.cluster.split-brain-resolver.stable-after"));
        Assert.IsType<SplitBrainResolverProvider>(Cluster.Get(node.System).DowningProvider);
        // Graceful leave on host stop (SIGTERM) and on process exit: coordinated shutdown leaves the cluster.
        Assert.True(config.GetBoolean("akka.coordinated-shutdown.run-by-clr-shutdown-hook"));
        Assert.True(config.GetBoolean("akka.cluster.run-coordinated-shutdown-when-down"));
        // This node's capacity is in its roles, for every member to read.
        Assert.Contains("slots-2", Cluster.Get(node.System).SelfRoles);
    }

    [Fact]
    public async Task Keep_oldest_and_off_are_configurable()
    {
        using var tmp = new TempDir();
        await using (var oldest = await TestNode.StartAsync(tmp.Sub("o"), new FakeGraderFactory(TimeSpan.Zero), new() { ["MriCs:Cluster:SplitBrain:Strategy"] = "keep-oldest" }))
            Assert.Equal("keep-oldest", oldest.System.Settings.Config.GetString("akka.cluster.split-brain-resolver.active-strategy"));
        await using var off = await TestNode.StartAsync(tmp.Sub("f"), new FakeGraderFactory(TimeSpan.Zero), new() { ["MriCs:Cluster:SplitBrain:Strategy"] = "off" });
        Assert.IsType<NoDowning>(Cluster.Get(off.System).DowningProvider);
    }

    [Fact]
    public void Bad_split_brain_settings_are_reported()
    {
        var o = new MriCsOptions();
        o.Cluster.SplitBrain.Strategy = "keep-everyone";
        o.Cluster.SplitBrain.StableAfter = TimeSpan.Zero;
        var problems = o.Validate().ToList();
        Assert.Contains(problems, p => p.Contains("MriCs:Cluster:SplitBrain:") && p.Contains("keep-everyone"));
        Assert.Contains(problems, p => p.Contains("StableAfter"));
    }
}
