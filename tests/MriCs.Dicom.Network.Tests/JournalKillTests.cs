using System.Reflection;
using System.Text.RegularExpressions;

namespace MriCs.Dicom.Network.Tests;

/// <summary>
/// Journal mode against a REAL kill -9: `dotnet mrics.dll dicom scp --storage journal` runs as a child process, real
/// storescu sends to it, the process gets SIGKILL, a new process starts on the same folder, and every instance that
/// storescu saw acknowledged must then be on disk with the data set that was sent.
/// </summary>
public class JournalKillTests
{
    internal static string MricsDll()
    {
        var config = typeof(JournalKillTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var dll = Path.Combine(TestEnv.RepoRoot(), "src", "MriCs.Cli", "bin", config, "net10.0", "mrics.dll");
        Assert.True(File.Exists(dll), $"{dll} is not built (it is a project reference of this test project; build it in {config})");
        return dll;
    }

    private static async Task<(PeerProcess Scp, int Port)> StartScpAsync(string dir, params string[] extra)
    {
        var port = TestEnv.FreePort();
        var scp = PeerProcess.Start("dotnet",
            [MricsDll(), "dicom", "scp", "--port", port.ToString(), "--ae-title", "MRICS", "--out", dir, "--bind", "127.0.0.1",
             "--storage", "journal", "--min-free-mb", "1", .. extra]);
        await TestEnv.WaitForPortAsync(port, TimeSpan.FromSeconds(60), scp);
        return (scp, port);
    }

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
            var until = DateTime.UtcNow.AddSeconds(120);
            while (Regex.Matches(storescu.Output, @"Received Store Response \(Success\)").Count < 20)
            {
                if (storescu.HasExited) Assert.Fail($"storescu ended before the kill:\n{storescu.Output}\n{scp.Output}");
                if (DateTime.UtcNow > until) Assert.Fail($"storescu got no 20 successes in 120 s:\n{storescu.Output}\n{scp.Output}");
                await Task.Delay(5);
            }
            scp.Kill9();
            await storescu.WaitAsync(TimeSpan.FromSeconds(60));
            storescuOutput = storescu.Output;
        }
        // Pair each "Sending file" with the store response that follows it.
        var acknowledged = new List<string>();
        string? current = null;
        foreach (var line in storescuOutput.Split('\n'))
        {
            var m = Regex.Match(line, @"Sending file: (.+?)\s*$");
            if (m.Success) { current = m.Groups[1].Value; continue; }
            if (line.Contains("Received Store Response (Success)", StringComparison.Ordinal) && current is not null)
            {
                acknowledged.Add(current);
                current = null;
            }
        }
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
