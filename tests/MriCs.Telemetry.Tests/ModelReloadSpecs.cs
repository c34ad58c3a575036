using System.Globalization;
using System.Text.Json.Nodes;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using MriCs.Actors;
using MriCs.Actors.Grading;
using MriCs.Actors.Hosting;
using MriCs.Actors.Protocol;
using MriCs.Management;
using MriCs.Management.Slots;
using System.Text.Json;
using MriCs.Phantom;
using MriCs.Phantom.Studies;

namespace MriCs.Telemetry.Tests;

/// <summary>`models reload`: rolling across slots, no slice lost while slots drain and swap, a bad set refused while the old one serves.</summary>
public class ModelReloadSpecs
{
    private static readonly TimeSpan Wait = TimeSpan.FromMinutes(3);

    private static Task<TestNode> FakeNode(string data, VersionedGraderFactory grader) => TestNode.StartAsync(new Dictionary<string, string?>
    {
        ["MriCs:DataDir"] = data,
        ["MriCs:Ingest:StudyInactivity"] = "00:00:02",
        ["MriCs:Ingest:QueueCapacity"] = "8",
        ["MriCs:Inference:Slots"] = "2",
        ["MriCs:Inference:MaxInFlightPerSlot"] = "3",
    }, s => s.AddSingleton<IInstanceReader>(new FakeReader()).AddSingleton<ISliceGraderFactory>(grader));

    private static Akka.Actor.IActorRef Workers(TestNode node) => node.Services.GetRequiredService<IActorRegistry>().Get<ActorKeys.GpuWorkerRegion>();

    [Fact]
    public async Task A_rolling_reload_with_slices_in_flight_loses_none_and_grades_none_twice()
    {
        using var tmp = new TempDir();
        var input = tmp.Sub("in");
        var studies = Enumerable.Range(1, 10).Select(i => $"9.{i}").ToList();
        foreach (var s in studies) FakeStudies.Write(input, s);
        var grader = new VersionedGraderFactory(TimeSpan.FromMilliseconds(150));
        await using var node = await FakeNode(tmp.Sub("data"), grader);
        await node.Client.WaitForSlotsAsync(2, Wait);
        var slots = new[] { "slot-0", "slot-1" };
        var v1 = ModelSetVersion.Of(VersionedGraderFactory.SetFor(1));
        var v2 = ModelSetVersion.Of(VersionedGraderFactory.SetFor(2));

        var ingest = node.Client.IngestFolderAsync(input, Wait);
        var deadline = DateTime.UtcNow + Wait;
        while ((await SlotOperations.DetailsAsync(Workers(node), slots, Wait)).All(d => d.InFlight == 0))
        {
            Assert.True(DateTime.UtcNow < deadline, "no slice went in flight");
            await Task.Delay(20);
        }
        grader.Version = 2; // the files on disk changed
        var report = await SlotOperations.RollingReloadAsync(Workers(node), slots, Wait);

        Assert.True(report.Ok, string.Join("; ", report.Slots.Select(s => s.Error)));
        Assert.Equal(slots, report.Slots.Select(s => s.SlotId));
        Assert.All(report.Slots, s => Assert.Equal((v1, v2), (s.OldVersion, s.NewVersion)));
        await ingest;
        var recommendations = await node.Client.WaitForRecommendationsAsync(studies, Wait);
        Assert.All(recommendations, r => Assert.Equal(4, r.Levels.Count(l => l.Grade is not null)));
        Assert.Equal(studies.Count * 4, grader.GradedBy.Count);
        Assert.Equal(studies.Count * 4, grader.Graded); // each slice graded exactly once: none lost, none repeated
        Assert.Contains(v1, grader.GradedBy.Values);   // some before the swap ...
        Assert.Contains(v2, grader.GradedBy.Values);   // ... and the rest after it
        var details = await SlotOperations.DetailsAsync(Workers(node), slots, Wait);
        Assert.All(details, d => Assert.Equal((v2, "ready", 0), (d.ModelSetVersion, d.State, d.InFlight)));
    }

    [Fact]
    public async Task A_set_that_fails_verification_is_refused_the_roll_stops_and_the_old_set_keeps_serving()
    {
        using var tmp = new TempDir();
        var grader = new VersionedGraderFactory(TimeSpan.FromMilliseconds(5));
        await using var node = await FakeNode(tmp.Sub("data"), grader);
        await node.Client.WaitForSlotsAsync(2, Wait);
        var slots = new[] { "slot-0", "slot-1" };
        var v1 = ModelSetVersion.Of(VersionedGraderFactory.SetFor(1));

        grader.Version = 2;
        grader.Corrupt = true;
        // Through the palette and the management endpoint: without the token the reload is refused outright.
        var (code, _, error) = Cli("models", "reload", "--host", node.ManagementAddress.Authority);
        Assert.Equal(1, code);
        Assert.Contains("401", error);
        (code, var json, error) = Cli("models", "reload", "--host", node.ManagementAddress.Authority, "--token", TestNode.Token, "--json");
        Assert.Equal(1, code);
        Assert.Contains("slot-0 refused the new model set", error);
        var report = JsonSerializer.Deserialize<ReloadView>(json, ManagementErrors.Json)!;

        Assert.False(report.Ok);
        var refused = Assert.Single(report.Slots);
        Assert.Equal(("slot-0", false, v1, v1), (refused.SlotId, refused.Ok, refused.OldVersion, refused.NewVersion));
        Assert.Contains("sha256", refused.Error);
        Assert.Equal(["slot-1"], report.NotAttempted);
        (code, json, _) = Cli("gpu", "slots", "--host", node.ManagementAddress.Authority, "--json");
        Assert.Equal(0, code);
        var details = JsonSerializer.Deserialize<SlotsView>(json, ManagementErrors.Json)!.Slots;
        Assert.Equal(slots, details.Select(d => d.SlotId));
        Assert.All(details, d => Assert.Equal((v1, "ready", "fake"), (d.ModelSetVersion, d.State, d.Provider)));
        Assert.All(details, d => Assert.StartsWith("akka.tcp://mrics@127.0.0.1:", d.Node));
        Assert.Contains("sha256", details[0].LastReloadError);
        (code, var table, _) = Cli("models", "list", "--host", node.ManagementAddress.Authority);
        Assert.Equal(0, code);
        Assert.Contains($"every slot runs model set version {v1}", table);
        (code, table, _) = Cli("gpu", "slots", "--host", node.ManagementAddress.Authority);
        Assert.Equal(0, code);
        Assert.Contains("slices/s", table);
        Assert.Contains("slot-1", table);

        var input = tmp.Sub("in");
        FakeStudies.Write(input, "8.1");
        var ingested = await node.Client.IngestFolderAsync(input, Wait);
        var recommendation = Assert.Single(await node.Client.WaitForRecommendationsAsync(ingested.StudyUids, Wait));
        Assert.Equal(v1, ModelSetVersion.Of(recommendation.ModelSet));
    }

    [Fact]
    public async Task Real_models_an_altered_file_is_refused_and_a_changed_model_set_is_rolled_in()
    {
        using var tmp = new TempDir();
        var models = tmp.Sub("models");
        CopyDirectory(Repo.Models, models);
        var studies = tmp.Sub("studies");
        PhantomStudy.Write(studies, new PhantomOptions(31337), 2, new StudyOptions());
        File.Delete(Path.Combine(studies, "labels.csv"));
        var patients = Directory.GetDirectories(studies);

        await using var node = await TestNode.StartAsync(new Dictionary<string, string?>
        {
            ["MriCs:DataDir"] = tmp.Sub("data"),
            ["MriCs:Inference:ModelsDir"] = models,
            ["MriCs:Inference:Provider"] = "cpu",
        }, s => s.AddMriCsRuntime());
        var before = Assert.Single(await node.Client.WaitForSlotsAsync(1, Wait));
        var original = Assert.Single(await SlotOperations.DetailsAsync(Workers(node), ["slot-0"], Wait));
        Assert.Equal(5, original.Models.Count);

        // An altered classifier file: refused, the slot keeps serving the verified set.
        var victim = Path.Combine(models, original.Models[^1].Id + ".onnx");
        Assert.True(File.Exists(victim), victim);
        var bytes = File.ReadAllBytes(victim);
        File.WriteAllBytes(victim, [.. bytes, 0x42]);
        var refused = await SlotOperations.RollingReloadAsync(Workers(node), ["slot-0"], Wait);
        Assert.False(refused.Ok);
        Assert.Contains("sha256", refused.Slots[0].Error);
        var first = await node.Client.IngestFolderAsync(patients[0], Wait);
        var graded = Assert.Single(await node.Client.WaitForRecommendationsAsync(first.StudyUids, Wait));
        Assert.NotNull(graded.Grade);
        Assert.Equal(original.ModelSetVersion, ModelSetVersion.Of(graded.ModelSet));

        // The file restored and the ensemble changed in the manifest (one classifier fewer): a new version rolls in.
        File.WriteAllBytes(victim, bytes);
        var manifestPath = Path.Combine(models, "manifest.json");
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        var set = manifest["modelSets"]!.AsArray().Single(s => (string?)s!["id"] == original.ModelSet)!;
        var classifiers = set["classifiers"]!.AsArray();
        classifiers.RemoveAt(classifiers.Count - 1);
        File.WriteAllText(manifestPath, manifest.ToJsonString());
        var rolled = await SlotOperations.RollingReloadAsync(Workers(node), ["slot-0"], Wait);
        Assert.True(rolled.Ok, rolled.Slots[0].Error);
        Assert.NotEqual(original.ModelSetVersion, rolled.Slots[0].NewVersion);
        var second = await node.Client.IngestFolderAsync(patients[1], Wait);
        var regraded = Assert.Single(await node.Client.WaitForRecommendationsAsync(second.StudyUids, Wait));
        Assert.Equal(rolled.Slots[0].NewVersion, ModelSetVersion.Of(regraded.ModelSet));
        Assert.Equal(4, regraded.ModelSet!.Models.Count);
        Assert.Equal(before.ModelSet, original.ModelSet);
    }

    private static (int Code, string Out, string Error) Cli(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = MriCs.Cli.CommandRouter.Run(args, MriCs.Cli.CommandTable.All, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(dir.Replace(from, to, StringComparison.Ordinal));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            if (file.Contains("/training/", StringComparison.Ordinal)) continue;
            File.Copy(file, file.Replace(from, to, StringComparison.Ordinal));
        }
    }
}
