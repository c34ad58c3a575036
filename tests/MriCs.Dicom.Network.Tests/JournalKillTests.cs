namespace MriCs.Dicom.Network.Tests;

/// <summary>
/// Journal mode against a REAL kill -9: `dotnet mrics.dll dicom scp --storage journal` runs as a child process, real
/// storescu sends to it, the process gets SIGKILL, a new process starts on the same folder, and every instance that
/// storescu saw acknowledged must then be on disk with the data set that was sent.
/// </summary>
public class JournalKillTests
{
    private static Task<(PeerProcess Scp, int Port)> StartScpAsync(string dir, params string[] extra) =>
        ScpProcess.StartAsync(dir, "journal", extra);

    private static async Task WaitForFilesAsync(IReadOnlyList<string> stored, PeerProcess owner, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (!stored.All(File.Exists))
        {
            if (DateTime.UtcNow > until)
                Assert.Fail($"{stored.Count(f => !File.Exists(f))} of {stored.Count} acknowledged instances missing after the restart:\n{owner.Output}");
            if (owner.HasExited) Assert.Fail($"the restarted SCP exited ({owner.ExitCode}):\n{owner.Output}");
            await Task.Delay(100);
        }
    }

    private static async Task AssertStoredAsSentAsync(string dir, IEnumerable<string> sent)
    {
        foreach (var f in sent)
            await DicomTestFiles.AssertSameDataSetAsync(f, DicomTestFiles.StoredPath(dir, f));
    }

    private static int DcmCount(string dir) =>
        Directory.EnumerateFiles(dir, "*.dcm", SearchOption.AllDirectories).Count(f => !f.Contains("/.", StringComparison.Ordinal));

    [Fact]
    public async Task Kill_9_after_storescu_got_every_success_loses_nothing_the_restart_replays_the_journal()
    {
        var files = await DicomTestFiles.UniqueCopiesAsync(DicomTestFiles.Study(), TestEnv.TempDir(), copiesEach: 2);
        var dir = TestEnv.TempDir();
        // A materializer that lingers 10 minutes: at the kill, every acknowledged instance is only in the journal.
        var (scp, port) = await StartScpAsync(dir, "--journal-linger-ms", "600000");
        using (scp)
        {
            var (exit, output) = await PeerProcess.RunAsync("storescu",
                ["-aet", "DCMTK", "-aec", "MRICS", "127.0.0.1", port.ToString(), .. files], TimeSpan.FromSeconds(120));
            Assert.True(exit == 0, $"storescu did not get a success for every file:\n{output}\n{scp.Output}");
            Assert.Equal(0, DcmCount(dir)); // nothing materialized yet: the test really depends on the journal
            scp.Kill9();
        }
        var (again, _) = await StartScpAsync(dir);
        using (again)
        {
            await WaitForFilesAsync(files.Select(f => DicomTestFiles.StoredPath(dir, f)).ToList(), again, TimeSpan.FromSeconds(90));
            Assert.Contains($"store journal: {files.Count} acknowledged instance(s) not yet materialized at start-up", again.Output);
            await AssertStoredAsSentAsync(dir, files);
            Assert.Equal(files.Count, DcmCount(dir));
        }
    }

    [Fact]
    public async Task Kill_9_while_storescu_is_sending_keeps_every_acknowledged_instance()
    {
        var files = await DicomTestFiles.UniqueCopiesAsync(DicomTestFiles.Study(), TestEnv.TempDir(), copiesEach: 12);
        var dir = TestEnv.TempDir();
        var (scp, port) = await StartScpAsync(dir);
        string storescuOutput;
        using (scp)
        {
            using var storescu = PeerProcess.Start("storescu", ["-v", "-aet", "DCMTK", "-aec", "MRICS", "127.0.0.1", port.ToString(), .. files]);
            await ScpProcess.WaitForSuccessesAsync(storescu, scp, 20);
            scp.Kill9();
            await storescu.WaitAsync(TimeSpan.FromSeconds(60));
            storescuOutput = storescu.Output;
        }
        var acknowledged = ScpProcess.Acknowledged(storescuOutput);
        Assert.True(acknowledged.Count >= 20, $"parsed only {acknowledged.Count} acknowledged files:\n{storescuOutput}");
        Assert.True(acknowledged.Count < files.Count, "the kill came after storescu had finished; the test needs more files");
        Assert.All(acknowledged, f => Assert.Contains(f, files));
        var (again, _) = await StartScpAsync(dir);
        using (again)
        {
            await WaitForFilesAsync(acknowledged.Select(f => DicomTestFiles.StoredPath(dir, f)).ToList(), again, TimeSpan.FromSeconds(90));
            await AssertStoredAsSentAsync(dir, acknowledged);
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(dir, ".incoming"), "*.part"));
        }
    }
}
