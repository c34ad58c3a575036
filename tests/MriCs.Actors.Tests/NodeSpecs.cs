using Akka.Actor;
using Akka.Hosting;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MriCs.Actors.Grading;
using MriCs.Actors.Hosting;
using MriCs.Actors.Protocol;
using MriCs.Actors.Serialization;

namespace MriCs.Actors.Tests;

/// <summary>A whole all-in-one node (cluster of one, sharding, SQLite journal) with the test reader and grader.</summary>
public sealed class TestNode : IAsyncDisposable
{
    private readonly IHost _host;

    private TestNode(IHost host)
    {
        _host = host;
        var system = host.Services.GetRequiredService<ActorSystem>();
        Registry = host.Services.GetRequiredService<IActorRegistry>();
        Client = new PipelineClient(system, Registry);
    }

    public PipelineClient Client { get; }
    public IActorRegistry Registry { get; }
    public ActorSystem System => Client.System;

    public static async Task<TestNode> StartAsync(string dataDir, ISliceGraderFactory grader, Dictionary<string, string?>? extra = null, string? hocon = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["MriCs:DataDir"] = dataDir,
            ["MriCs:Ingest:StudyInactivity"] = "00:00:02",
            ["MriCs:Ingest:QueueCapacity"] = "4",
            ["MriCs:Inference:MaxInFlightPerSlot"] = "2",
            ["MriCs:Inference:Slots"] = "2",
        };
        foreach (var (k, v) in extra ?? []) settings[k] = v;
        var host = MriCsNode.Build(settings, s =>
        {
            s.AddSingleton<IInstanceReader>(new FakeReader());
            s.AddSingleton<ISliceGraderFactory>(grader);
        }, configureAkka: a => a.AddHocon("akka.test.timefactor = 4\n" + hocon, HoconAddMode.Prepend));
        await host.StartAsync();
        return new TestNode(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}

public sealed class TempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mrics-actors-" + Guid.NewGuid().ToString("N"));
    public TempDir() => Directory.CreateDirectory(Path);
    public string Sub(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose() { try { Directory.Delete(Path, true); } catch (IOException) { } }
}

public class NodeSpecs
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    private static async Task<int> CountEvents(ActorSystem system, string studyUid, Type eventType)
    {
        var journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var events = await journal.CurrentEventsByPersistenceId("study-" + studyUid, 0, long.MaxValue)
            .RunWith(Sink.Seq<EventEnvelope>(), system.Materializer());
        return events.Count(e => e.Event.GetType() == eventType);
    }

    [Fact]
    public async Task A_folder_of_studies_becomes_persisted_recommendations_with_bad_input_reported()
    {
        using var tmp = new TempDir();
        var input = tmp.Sub("in");
        TestData.WriteStudy(input, "1.1", "PA", [0, 0, 1, 0]);
        TestData.WriteStudy(input, "1.2", "PB", [0, 2, 1, 0], skipLevel: 3);
        TestData.WriteStudy(input, "1.3", "PC", [0, 0, 0, 0]);
        File.WriteAllText(Path.Combine(input, "notes.txt"), "not an image");
        TestData.Write(Path.Combine(input, "sag"), TestData.Header("1.4", "1.4.1", orientation: TestData.Sagittal, patient: "PD"), 2);
        var grader = new FakeGraderFactory(TimeSpan.FromMilliseconds(2));

        await using var node = await TestNode.StartAsync(tmp.Sub("data"), grader);
        Assert.IsType<MriCsSerializer>(node.System.Serialization.FindSerializerFor(new SliceTask("a", "b", "c", "d", "e")));
        var ingested = await node.Client.IngestFolderAsync(input, Wait);
        Assert.Equal(["1.1", "1.2", "1.3", "1.4"], ingested.StudyUids.Order());
        var rejected = Assert.Single(ingested.Rejected);
        Assert.EndsWith("notes.txt", rejected.Path);
        Assert.Contains("not a DICOM file", rejected.Reason);

        var recs = (await node.Client.WaitForRecommendationsAsync(ingested.StudyUids, Wait)).ToDictionary(r => r.StudyUid);
        Assert.Equal(1, recs["1.1"].Grade);
        Assert.Equal("C5/6", recs["1.1"].DecidingLevel);
        Assert.Equal(2, recs["1.2"].Grade);
        Assert.Contains("C6/7", recs["1.2"].Explanation);
        Assert.Equal("missing", recs["1.2"].Levels.Single(l => l.Level == "C6/7").Outcome);
        Assert.Equal(0, recs["1.3"].Grade);
        Assert.False(recs["1.3"].SurgeryConsidered);
        Assert.Null(recs["1.4"].Grade);
        Assert.Contains("not axial", recs["1.4"].Reason);
        Assert.Equal(4 + 3 + 4, grader.Graded);
        Assert.Equal(TestData.ModelSet.Models.Select(m => m.Sha256), recs["1.1"].ModelSet!.Models.Select(m => m.Sha256));
    }

    [Fact]
    public async Task A_restart_recovers_every_recommendation_and_a_study_pushed_twice_has_one()
    {
        using var tmp = new TempDir();
        var input = tmp.Sub("in");
        TestData.WriteStudy(input, "2.1", "PA", [0, 1, 2, 0]);
        TestData.WriteStudy(input, "2.2", "PB", [0, 0, 0, 0]);
        var data = tmp.Sub("data");
        var grader = new FakeGraderFactory(TimeSpan.Zero);

        string before;
        await using (var first = await TestNode.StartAsync(data, grader))
        {
            var ingested = await first.Client.IngestFolderAsync(input, Wait);
            var recs = await first.Client.WaitForRecommendationsAsync(ingested.StudyUids, Wait);
            before = string.Join("|", recs.OrderBy(r => r.StudyUid).Select(r => $"{r.StudyUid}:{r.Grade}:{r.DecidingLevel}"));
        }
        Assert.True(File.Exists(Path.Combine(data, "mrics.db")));

        await using var second = await TestNode.StartAsync(data, grader);
        var recovered = await second.Client.AllRecommendationsAsync();
        Assert.Equal(before, string.Join("|", recovered.OrderBy(r => r.StudyUid).Select(r => $"{r.StudyUid}:{r.Grade}:{r.DecidingLevel}")));

        // The same studies again (and one copied file twice in the folder): no new grading, one recommendation each.
        var gradedBefore = grader.Graded;
        var again = await second.Client.IngestFolderAsync(input, Wait);
        await second.Client.WaitForRecommendationsAsync(again.StudyUids, Wait);
        await Task.Delay(500);
        Assert.Equal(gradedBefore, grader.Graded);
        Assert.Equal(1, await CountEvents(second.System, "2.1", typeof(RecommendationIssued)));
        Assert.Equal(1, await CountEvents(second.System, "2.1", typeof(StudyOpened)));
        Assert.Equal(4, await CountEvents(second.System, "2.1", typeof(SliceResultRecorded)));
    }

    [Fact]
    public async Task A_watched_folder_completes_studies_on_inactivity()
    {
        using var tmp = new TempDir();
        var watch = tmp.Sub("watch");
        Directory.CreateDirectory(watch);
        var grader = new FakeGraderFactory(TimeSpan.Zero);
        await using var node = await TestNode.StartAsync(tmp.Sub("data"), grader, new() { ["MriCs:Ingest:WatchDir"] = watch, ["MriCs:Ingest:PollInterval"] = "00:00:00.200" });
        // Unlabelled stack: only the inactivity timeout completes it.
        for (var k = 0; k < 6; k++)
            TestData.Write(watch, TestData.Header("3.1", $"3.1.{k}", z: -3 * k), k == 4 ? 2 : 0);
        var recs = await node.Client.WaitForRecommendationsAsync(["3.1"], Wait);
        var r = Assert.Single(recs);
        Assert.Equal(2, r.Grade);
        Assert.Equal(DiscLevels.Unknown, r.DecidingLevel);
        Assert.Equal(6, r.Levels.Count(l => l.Level == DiscLevels.Unknown));
    }
}

public class TwoNodeSpec
{
    [Fact]
    public async Task An_ingest_node_and_a_gpu_worker_node_grade_a_study_across_the_wire()
    {
        using var tmp = new TempDir();
        var input = tmp.Sub("in");
        TestData.WriteStudy(input, "4.1", "PA", [0, 2, 1, 0]);
        var grader = new FakeGraderFactory(TimeSpan.Zero);
        await using var ingest = await TestNode.StartAsync(tmp.Sub("data"), grader, new()
        {
            ["MriCs:Roles:0"] = ClusterRoles.Ingest,
        });
        var seed = Akka.Cluster.Cluster.Get(ingest.System).SelfAddress.ToString();
        await using var worker = await TestNode.StartAsync(tmp.Sub("data-worker"), grader, new()
        {
            ["MriCs:Roles:0"] = ClusterRoles.GpuWorker,
            ["MriCs:Inference:Slots"] = "1", // the worker node's slots are the cluster's slots
            ["MriCs:Cluster:SeedNodes:0"] = seed,
        });
        var ingested = await ingest.Client.IngestFolderAsync(input, TimeSpan.FromSeconds(60));
        var r = Assert.Single(await ingest.Client.WaitForRecommendationsAsync(ingested.StudyUids, TimeSpan.FromSeconds(90)));
        Assert.Equal(2, r.Grade);
        Assert.Equal("C4/5", r.DecidingLevel);
        Assert.Equal(4, grader.Graded);
        var slot = await ingest.Client.SlotStatsAsync("slot-0");
        Assert.Equal(4, slot.Completed);
        Assert.False(File.Exists(Path.Combine(tmp.Sub("data-worker"), "mrics.db")), "a gpu-worker node keeps no journal");
    }
}

public class StagingResumeSpec
{
    [Fact]
    public async Task Instances_staged_before_a_restart_are_read_again_at_start()
    {
        using var tmp = new TempDir();
        var data = tmp.Sub("data");
        TestData.WriteStudy(Path.Combine(data, "staging"), "6.1", "PA", [1, 0, 0, 0]);
        foreach (var f in Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories)) File.SetLastWriteTimeUtc(f, DateTime.UtcNow.AddMinutes(-1));
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var node = await TestNode.StartAsync(data, new FakeGraderFactory(TimeSpan.Zero), new()
        {
            ["MriCs:Dicom:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["MriCs:Dicom:Bind"] = "127.0.0.1",
        });
        var r = Assert.Single(await node.Client.WaitForRecommendationsAsync(["6.1"], TimeSpan.FromSeconds(60)));
        Assert.Equal(1, r.Grade);
        Assert.Equal(4, Directory.EnumerateFiles(Path.Combine(data, "staging"), "*", SearchOption.AllDirectories).Count()); // never deleted
    }
}
