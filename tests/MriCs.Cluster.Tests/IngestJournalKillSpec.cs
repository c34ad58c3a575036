using Xunit.Abstractions;

namespace MriCs.Cluster.Tests;

/// <summary>
/// Issue 3 on a whole node: the cluster's ingest node with its C-STORE SCP in journal mode is killed with SIGKILL
/// after dcmtk storescu got a success for every instance but before any of them was made into a file (the
/// materializer lingers 10 minutes). Restarted on the same data dir, it replays the journal, the studies are
/// assembled and graded once, and the recommendations equal a single-process run of the same studies.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class IngestJournalKillSpec(TestPostgres postgres, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(5);
    private readonly string _dir = Directory.CreateTempSubdirectory("mrics-ingest-journal-").FullName;

    [Fact]
    public async Task Acknowledged_instances_only_in_the_journal_survive_a_kill_of_the_ingest_node_and_are_graded_once()
    {
        var (studies, folders) = SingleProcessRun.WriteStudies(_dir, 20261128, 2);
        var sent = folders.Sum(f => Directory.EnumerateFiles(f, "*", SearchOption.AllDirectories).Count());
        var baseline = SingleProcessRun.Run(_dir, studies);
        Assert.Equal(2, baseline.Count);

        var db = await postgres.CreateDatabaseAsync();
        using var cluster = new TestCluster(Path.Combine(_dir, "cluster"), db, taskTimeout: TimeSpan.FromSeconds(15));
        try
        {
            cluster.StartLighthouse();
            await cluster.Lighthouse!.WaitForOutputAsync("forming a new cluster", Long);
            cluster.StartIngest("--MriCs:Dicom:StorageMode=journal", "--MriCs:Dicom:JournalLinger=00:10:00");
            cluster.StartWorker("worker-1");
            await cluster.WaitReadyAsync(Long);

            foreach (var f in folders) Dcmtk.Store(cluster.DicomPort, f); // throws unless storescu saw every success
            var staging = Path.Combine(cluster.IngestDataDir, "staging");
            Assert.Equal(0, Materialized(staging)); // acknowledged, but only in the journal
            cluster.Ingest!.KillHard();
            output.WriteLine($"killed the ingest node after {sent} acknowledged instances, {Materialized(staging)} made into files");
            Assert.Empty(await cluster.ReadJournalAsync()); // no study was assembled before the kill

            cluster.StartIngest("--MriCs:Dicom:StorageMode=journal");
            await cluster.WaitReadyAsync(Long);
            var done = await cluster.WaitForJournalAsync(j => j.Count(s => s.Issued.Count > 0) == 2, Long, "2 recommendations after the restart");
            SingleProcessRun.AssertOneEachAndEqual(done, baseline, 2);
            Assert.Equal(sent, Materialized(staging));
            await cluster.StopAllAsync();
        }
        catch (Exception) when (cluster.WriteTails(output))
        {
            throw;
        }
    }

    /// <summary>Instance files in the staging folder (the journal's own folder aside).</summary>
    private static int Materialized(string staging) =>
        Directory.Exists(staging)
            ? Directory.EnumerateFiles(staging, "*.dcm", SearchOption.AllDirectories)
                .Count(f => !f.Contains($"{Path.DirectorySeparatorChar}.journal{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                    && !f.Contains($"{Path.DirectorySeparatorChar}.incoming{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            : 0;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
