using System.Net;
using MriCs.Actors.Hosting;

namespace MriCs.Management.Tests;

public sealed class HealthSpecs
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Ready_flips_to_200_once_the_node_has_joined_while_live_stays_200()
    {
        using var dirs = new TempDir();
        var grader = new FakeGraderFactory();
        await using var seed = await Node.StartAsync(dirs.Sub("seed"), ClusterRoles.Lighthouse, null, grader);
        // A seed nobody listens on: the node runs but is not a member.
        await using var node = await Node.StartAsync(dirs.Sub("ingest"), ClusterRoles.Ingest, "akka.tcp://mrics@127.0.0.1:9", grader);

        var (live, liveBody) = await node.SendAsync(HttpMethod.Get, "/health/live");
        Assert.Equal(HttpStatusCode.OK, live);
        Assert.Equal("ok", liveBody.GetProperty("status").GetString());
        var (ready, readyBody) = await node.SendAsync(HttpMethod.Get, "/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready);
        var checks = readyBody.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("ok").GetBoolean());
        Assert.False(checks["cluster"]);
        Assert.True(checks["journal"]);
        var cli = await Cli.RunAsync("health", "--host", node.HostPort);
        Assert.Equal(3, cli.Code);
        Assert.Contains("cluster", cli.Out);

        Akka.Cluster.Cluster.Get(node.System).Join(Akka.Actor.Address.Parse(seed.Address));
        await Eventually.UntilAsync(async () => (await node.SendAsync(HttpMethod.Get, "/health/ready")).Status, s => s == HttpStatusCode.OK, Wait, "ready after joining");
        var json = await Cli.RunAsync("health", "--json", "--host", node.HostPort);
        Assert.Equal(0, json.Code);
        Assert.Equal(["cluster", "journal"], json.Json.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        var seedReady = await seed.GetJsonAsync("/health/ready");
        Assert.Equal(["cluster"], seedReady.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task The_palette_says_clearly_when_no_endpoint_answers()
    {
        var r = await Cli.RunAsync("cluster", "show", "--host", "127.0.0.1:9");
        Assert.Equal(2, r.Code);
        Assert.Contains("cannot reach the management endpoint", r.Error);
    }
}
