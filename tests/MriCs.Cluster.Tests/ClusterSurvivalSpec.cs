using MriCs.Actors.Results;
using Xunit.Abstractions;

namespace MriCs.Cluster.Tests;

/// <summary>
/// Issue 7's acceptance test: Lighthouse, one ingest node and two GPU-worker nodes as separate processes on a real
/// PostgreSQL journal; phantom studies stream in through the C-STORE SCP (dcmtk storescu); one worker is killed
/// with SIGKILL while it grades, later the ingest node too, which is restarted. Every study ends with exactly one
/// recommendation, equal to a clean single-process run (`mrics process`) of the same studies; after stopping
/// every node and starting the cluster again, the recommendations are all still there and a new study is graded.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterSurvivalSpec(TestPostgres postgres, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(5);
    private readonly string _dir = Directory.CreateTempSubdirectory("mrics-cluster-").FullName;

    [Fact]
    public async Task Every_study_gets_exactly_one_recommendation_equal_to_a_single_process_run_through_kills_and_restarts()
    {
        // 7 studies: 2 before any failure, 2 while a worker dies, 2 while the ingest dies, 1 after a full restart.
        var (studies, folders) = SingleProcessRun.WriteStudies(_dir, 20261127, 7);

        var baseline = SingleProcessRun.Run(_dir, studies);
        Assert.Equal(7, baseline.Count);

        var db = await postgres.CreateDatabaseAsync();
        using var cluster = new TestCluster(Path.Combine(_dir, "cluster"), db, taskTimeout: TimeSpan.FromSeconds(15));
        try
        {
            cluster.StartLighthouse();
            await cluster.Lighthouse!.WaitForOutputAsync("forming a new cluster", Long); // the seed joins itself
            cluster.StartIngest();
            var w1 = cluster.StartWorker("worker-1");
            var w2 = cluster.StartWorker("worker-2");
            await cluster.WaitReadyAsync(Long);
            output.WriteLine($"cluster up: lighthouse {cluster.LighthousePort}, ingest {cluster.IngestPort}, SCP {cluster.DicomPort}");

            // 1. two studies, no failure
            Dcmtk.Store(cluster.DicomPort, folders[0]);
            Dcmtk.Store(cluster.DicomPort, folders[1]);
            await cluster.WaitForJournalAsync(j => Recommended(j) == 2, Long, "2 recommendations");

            // 2. two more; kill -9 a worker that holds a slot while they are graded
            const string slotReady = "ready: model set"; // WorkerLog.SlotReady: this worker hosts a slot that graded
            var victim = w1.Output.Contains(slotReady, StringComparison.Ordinal) ? w1 : w2;
            Assert.True(victim.Output.Contains(slotReady, StringComparison.Ordinal), "no worker logged a ready slot after two studies:\n" + cluster.Tails());
            Dcmtk.Store(cluster.DicomPort, folders[2]);
            Dcmtk.Store(cluster.DicomPort, folders[3]);
            victim.KillHard();
            var atKill = await cluster.ReadJournalAsync();
            output.WriteLine($"killed {victim.Name} (pid {victim.Pid}) with {Recommended(atKill)} of 4 recommended");
            await cluster.WaitForJournalAsync(j => Recommended(j) == 4, Long, "4 recommendations after a worker died");

            // 3. two more; kill -9 the ingest node as soon as they are stored, then start it again (same data dir and port)
            Dcmtk.Store(cluster.DicomPort, folders[4]);
            Dcmtk.Store(cluster.DicomPort, folders[5]);
            cluster.Ingest!.KillHard();
            var atIngestKill = await cluster.ReadJournalAsync();
            output.WriteLine($"killed ingest with {Recommended(atIngestKill)} of 6 recommended");
            Assert.True(Directory.EnumerateFiles(Path.Combine(cluster.IngestDataDir, "staging"), "*.dcm", SearchOption.AllDirectories).Any(),
                "the staged instances must survive the ingest crash");
            cluster.StartIngest();
            await cluster.WaitReadyAsync(Long);
            var afterCrash = await cluster.WaitForJournalAsync(j => Recommended(j) == 6, Long, "6 recommendations after the ingest restarted");
            SingleProcessRun.AssertOneEachAndEqual(afterCrash, baseline, 6);

            // 4. stop everything, start again: every recommendation still there; a new study is graded; none twice
            await cluster.StopAllAsync();
            cluster.StartLighthouse();
            await cluster.Lighthouse!.WaitForOutputAsync("forming a new cluster", Long);
            cluster.StartIngest();
            cluster.StartWorker("worker-1");
            cluster.StartWorker("worker-2");
            await cluster.WaitReadyAsync(Long);
            Dcmtk.Store(cluster.DicomPort, folders[6]);
            var final = await cluster.WaitForJournalAsync(j => Recommended(j) == 7, Long, "7 recommendations after a full restart");
            SingleProcessRun.AssertOneEachAndEqual(final, baseline, 7);
            await cluster.StopAllAsync();
        }
        catch (Exception) when (cluster.WriteTails(output))
        {
            throw;
        }
    }

    private static int Recommended(IReadOnlyList<StudyJournal> journal) => journal.Count(s => s.Issued.Count > 0);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
