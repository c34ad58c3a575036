using System.Text.Json;
using MriCs.Actors.Protocol;

namespace MriCs.Management.Tests;

/// <summary>`gpu slots`, `models list --cluster` and `models reload` against the 3-node cluster: the slot lives on the
/// gpu-worker node and is reached from the ingest node (through its proxy) and from the worker itself.</summary>
public sealed class SlotSpecs(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Gpu_slots_and_a_rolling_model_reload_reach_the_worker_node_from_every_node_that_can_ask()
    {
        foreach (var node in new[] { cluster.Ingest, cluster.Worker })
        {
            var slots = await Eventually.UntilAsync(async () => await Cli.RunAsync("gpu", "slots", "--json", "--host", node.HostPort),
                r => r.Code == 0 && r.Json.GetProperty("slots").GetArrayLength() == 1 && r.Json.GetProperty("slots")[0].GetProperty("state").GetString() == "ready",
                Wait, $"one ready slot listed by {node.HostPort}");
            var slot = slots.Json.GetProperty("slots")[0];
            Assert.Equal("slot-0", slot.GetProperty("slotId").GetString());
            Assert.Equal(cluster.Worker.Address, slot.GetProperty("node").GetString()); // hosted on the gpu-worker node, not where we asked
            Assert.Equal("fake", slot.GetProperty("provider").GetString());
            Assert.Equal(ModelSetVersion.Of(Fake.ModelSet), slot.GetProperty("modelSetVersion").GetString());
        }

        // The Lighthouse has no gpu-worker region or proxy: it says whom to ask instead of guessing.
        var fromSeed = await Cli.RunAsync("gpu", "slots", "--json", "--host", cluster.Seed.HostPort);
        Assert.NotEqual(0, fromSeed.Code);
        Assert.Contains("ingest or gpu-worker node", fromSeed.Error);

        var list = await Cli.RunAsync("models", "list", "--json", "--host", cluster.Ingest.HostPort);
        Assert.True(list.Code == 0, list.Error);
        Assert.True(list.Json.GetProperty("consistent").GetBoolean());
        Assert.Equal(cluster.Worker.Address, list.Json.GetProperty("slots")[0].GetProperty("node").GetString());

        // Mutating: refused without the token, refused on the worker (it has no token configured), rolled with it.
        var anonymous = await Cli.RunAsync("models", "reload", "--json", "--host", cluster.Ingest.HostPort);
        Assert.NotEqual(0, anonymous.Code);
        var onWorker = await Cli.RunAsync("models", "reload", "--json", "--host", cluster.Worker.HostPort, "--token", Node.Token);
        Assert.NotEqual(0, onWorker.Code);
        var reload = await Cli.RunAsync("models", "reload", "--json", "--host", cluster.Ingest.HostPort, "--token", Node.Token);
        Assert.True(reload.Code == 0, reload.Error + reload.Out);
        Assert.True(reload.Json.GetProperty("ok").GetBoolean());
        var rolled = reload.Json.GetProperty("slots").EnumerateArray().ToList();
        Assert.Single(rolled);
        Assert.Equal(cluster.Worker.Address, rolled[0].GetProperty("node").GetString());
        Assert.True(rolled[0].GetProperty("ok").GetBoolean());

        // The slot still grades after the swap: a study ingested now gets its recommendation.
        using var input = new TempDir();
        Fake.WriteStudy(input.Path, "9.7", "PK-97", [0, 0, 1, 0]);
        var ingested = await cluster.Ingest.Client.IngestFolderAsync(input.Path, Wait);
        Assert.Equal(["9.7"], ingested.StudyUids);
        var shown = await Eventually.UntilAsync(async () => (await Cli.RunAsync("studies", "show", "9.7", "--json", "--host", cluster.Ingest.HostPort)).Out,
            o => o.Contains("\"status\":\"recommended\""), Wait, "study 9.7 recommended after the reload");
        Assert.Equal(1, JsonDocument.Parse(shown).RootElement.GetProperty("recommendation").GetProperty("grade").GetInt32());
    }
}
