namespace MriCs.Dicom.Network.Tests;

/// <summary>
/// `mrics dicom scp` as an operator runs it: a real process, real storescu sending, then SIGTERM or SIGINT from
/// kill(1). The SCP must stop on its own (exit 0, within the shutdown grace), and every instance storescu saw
/// acknowledged must be on disk as sent, with no partial file left.
/// </summary>
public class ScpSignalTests
{
    [Theory]
    [InlineData("TERM", "direct")]
    [InlineData("INT", "direct")]
    [InlineData("TERM", "journal")]
    public async Task A_signal_while_storescu_sends_stops_the_scp_cleanly_and_keeps_every_acknowledged_instance(string signal, string storage)
    {
        var files = await DicomTestFiles.UniqueCopiesAsync(DicomTestFiles.Study(), TestEnv.TempDir(), copiesEach: 12);
        var dir = TestEnv.TempDir();
        var (scpProcess, port) = await ScpProcess.StartAsync(dir, storage);
        using var scp = scpProcess;

        using var storescu = PeerProcess.Start("storescu", ["-v", "-aet", "DCMTK", "-aec", "MRICS", "127.0.0.1", port.ToString(), .. files]);
        await ScpProcess.WaitForSuccessesAsync(storescu, scp, 10);
        var signalled = DateTime.UtcNow;
        scp.Signal(signal);
        var exit = await scp.WaitAsync(TimeSpan.FromSeconds(60));
        var stoppedIn = DateTime.UtcNow - signalled;
        Assert.True(exit == 0, $"the SCP exited {exit} after SIG{signal}:\n{scp.Output}");
        Assert.Contains("stopping: finishing in-flight stores...", scp.Output);
        Assert.Contains("stopped", scp.Output);
        Assert.True(stoppedIn < TimeSpan.FromSeconds(35), $"stopping took {stoppedIn.TotalSeconds:0.0} s (grace 30 s)");
        await storescu.WaitAsync(TimeSpan.FromSeconds(60));

        var acknowledged = ScpProcess.Acknowledged(storescu.Output);
        Assert.True(acknowledged.Count >= 10, $"parsed only {acknowledged.Count} acknowledged files:\n{storescu.Output}");
        // Journal mode materializes what it holds before it exits: every acknowledged file is there without a restart.
        foreach (var f in acknowledged)
            await DicomTestFiles.AssertSameDataSetAsync(f, DicomTestFiles.StoredPath(dir, f));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(dir, ".incoming")));
        // Nothing storescu did not see acknowledged is half there: a file exists only whole, for an instance that was sent.
        foreach (var stored in Directory.EnumerateFiles(dir, "*.dcm", SearchOption.AllDirectories).Where(p => !p.Contains("/.", StringComparison.Ordinal)))
            Assert.Contains(files, f => DicomTestFiles.StoredPath(dir, f) == stored);
    }
}
