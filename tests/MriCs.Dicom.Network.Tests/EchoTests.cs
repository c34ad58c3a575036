using System.Net.Sockets;

namespace MriCs.Dicom.Network.Tests;

public class EchoTests
{
    [Fact]
    public async Task Mrics_scu_echoes_mrics_scp()
    {
        await using var server = TestEnv.StartServer(TestEnv.FastOptions());
        await using var a = await DicomClientAssociation.OpenAsync("127.0.0.1", server.LocalEndPoint.Port,
            new DicomClientOptions { CalledAeTitle = "MRICS", CallingAeTitle = "ECHOER" }, TestEnv.EchoContexts);
        Assert.Equal(NetworkUids.ImplementationClassUid, a.Accept.UserInformation.ImplementationClassUid);
        for (var i = 0; i < 3; i++)
            Assert.Equal(DimseStatus.Success, (await a.EchoAsync()).Status);
        await a.ReleaseAsync();
    }

    [Fact]
    public async Task Wrong_called_ae_is_rejected_with_the_reason()
    {
        await using var server = TestEnv.StartServer(TestEnv.FastOptions());
        var ex = await Assert.ThrowsAsync<DicomAssociationRejectedException>(() => DicomClientAssociation.OpenAsync("127.0.0.1", server.LocalEndPoint.Port,
            new DicomClientOptions { CalledAeTitle = "NOTME" }, TestEnv.EchoContexts));
        Assert.Equal(RejectReasons.CalledAeNotRecognized, ex.Reject.Reason);
        Assert.Equal(RejectSource.ServiceUser, ex.Reject.Source);
    }

    [Fact]
    public async Task Association_limit_rejects_transiently_and_frees_up()
    {
        var options = TestEnv.FastOptions();
        options.MaxAssociations = 2;
        await using var server = TestEnv.StartServer(options);
        var client = new DicomClientOptions { CalledAeTitle = "MRICS" };
        var port = server.LocalEndPoint.Port;
        var a1 = await DicomClientAssociation.OpenAsync("127.0.0.1", port, client, TestEnv.EchoContexts);
        var a2 = await DicomClientAssociation.OpenAsync("127.0.0.1", port, client, TestEnv.EchoContexts);
        var ex = await Assert.ThrowsAsync<DicomAssociationRejectedException>(() => DicomClientAssociation.OpenAsync("127.0.0.1", port, client, TestEnv.EchoContexts));
        Assert.Equal(new AAssociateRj(RejectResult.Transient, RejectSource.ServiceProviderPresentation, RejectReasons.LocalLimitExceeded), ex.Reject);
        Assert.Equal(DimseStatus.Success, (await a1.EchoAsync()).Status);
        await a1.ReleaseAsync();
        await WaitUntilAsync(() => server.ActiveAssociations <= 1);
        await using var a3 = await DicomClientAssociation.OpenAsync("127.0.0.1", port, client, TestEnv.EchoContexts);
        Assert.Equal(DimseStatus.Success, (await a3.EchoAsync()).Status);
        await a3.ReleaseAsync();
        await a2.ReleaseAsync();
    }

    [Fact]
    public async Task Dcmtk_echoscu_echoes_mrics_scp()
    {
        await using var server = TestEnv.StartServer(TestEnv.FastOptions());
        var (exit, output) = await PeerProcess.RunAsync("echoscu",
            ["-v", "-aet", "DCMTK", "-aec", "MRICS", "--repeat", "3", "127.0.0.1", server.LocalEndPoint.Port.ToString()], TimeSpan.FromSeconds(30));
        Assert.True(exit == 0, output);
        Assert.Equal(3, CountOccurrences(output, "Received Echo Response (Success)"));

        var (badExit, badOutput) = await PeerProcess.RunAsync("echoscu",
            ["-aet", "DCMTK", "-aec", "WRONG", "127.0.0.1", server.LocalEndPoint.Port.ToString()], TimeSpan.FromSeconds(30));
        Assert.NotEqual(0, badExit);
        Assert.Contains("Called AE Title Not Recognized", badOutput);
    }

    [Fact]
    public async Task Mrics_scu_echoes_dcmtk_storescp()
    {
        var port = TestEnv.FreePort();
        var dir = TestEnv.TempDir();
        using var scp = PeerProcess.Start("storescp", ["--aetitle", "PEER", "--output-directory", dir, port.ToString()]);
        await TestEnv.WaitForPortAsync(port, TimeSpan.FromSeconds(10), scp);
        await using var a = await DicomClientAssociation.OpenAsync("127.0.0.1", port,
            new DicomClientOptions { CalledAeTitle = "PEER" }, TestEnv.EchoContexts);
        Assert.Equal(DimseStatus.Success, (await a.EchoAsync()).Status);
        Assert.StartsWith("OFFIS_DCMTK", a.Accept.UserInformation.ImplementationVersionName ?? "");
        await a.ReleaseAsync();
    }

    internal static int CountOccurrences(string text, string what)
    {
        var n = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + 1, StringComparison.Ordinal)) n++;
        return n;
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, int timeoutMs = 5000)
    {
        var until = Environment.TickCount64 + timeoutMs;
        while (!condition())
        {
            if (Environment.TickCount64 > until) throw new TimeoutException("condition not reached");
            await Task.Delay(20);
        }
    }
}
