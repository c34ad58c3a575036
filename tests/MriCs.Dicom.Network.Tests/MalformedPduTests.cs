using System.Buffers.Binary;
using System.Net.Sockets;

namespace MriCs.Dicom.Network.Tests;

/// <summary>Raw sockets sending broken PDUs: the SCP answers A-ABORT, closes, and keeps serving others.</summary>
public class MalformedPduTests
{
    private static async Task<byte[]> SendRawAndReadReplyAsync(int port, byte[] bytes, TimeSpan timeout)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        await stream.WriteAsync(bytes);
        var reply = new MemoryStream();
        var buf = new byte[4096];
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var n = await stream.ReadAsync(buf, cts.Token); // a hang here fails the test by cancellation
            if (n == 0) break;
            reply.Write(buf, 0, n);
        }
        return reply.ToArray();
    }

    private static byte[] ValidRq() => PduCodec.Encode(new AAssociateRq("MRICS", "SCU", TestEnv.EchoContexts, new UserInformation(16384, "1.2.3")));

    private static async Task AssertServerStillEchoesAsync(DicomServer server)
    {
        await using var a = await DicomClientAssociation.OpenAsync("127.0.0.1", server.LocalEndPoint.Port,
            new DicomClientOptions { CalledAeTitle = "MRICS" }, TestEnv.EchoContexts);
        Assert.Equal(DimseStatus.Success, (await a.EchoAsync()).Status);
        await a.ReleaseAsync();
    }

    private static void AssertAbort(byte[] reply, AbortReason reason)
    {
        Assert.True(reply.Length >= 10, $"expected an A-ABORT, got {reply.Length} bytes");
        var abortAt = reply[0] == (byte)PduType.AssociateAc ? 6 + (int)BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(2)) : 0;
        Assert.Equal((byte)PduType.Abort, reply[abortAt]);
        Assert.Equal((byte)AbortSource.ServiceProvider, reply[abortAt + 8]);
        Assert.Equal((byte)reason, reply[abortAt + 9]);
    }

    [Fact]
    public async Task Unknown_pdu_type_gets_an_abort()
    {
        await using var server = TestEnv.StartServer(TestEnv.FastOptions());
        var reply = await SendRawAndReadReplyAsync(server.LocalEndPoint.Port, [0x42, 0, 0, 0, 0, 4, 1, 2, 3, 4], TimeSpan.FromSeconds(10));
        AssertAbort(reply, AbortReason.UnrecognizedPdu);
        await AssertServerStillEchoesAsync(server);
    }

    [Fact]
    public async Task Absurd_length_gets_an_abort_without_allocating_it()
    {
        await using var server = TestEnv.StartServer(TestEnv.FastOptions());
        var reply = await SendRawAndReadReplyAsync(server.LocalEndPoint.Port, [1, 0, 0xFF, 0xFF, 0xFF, 0xF0], TimeSpan.FromSeconds(10));
        AssertAbort(reply, AbortReason.InvalidPduParameterValue);
        await AssertServerStillEchoesAsync(server);
    }

    [Fact]
    public async Task Inconsistent_item_length_gets_an_abort()
    {
        await using var server = TestEnv.StartServer(TestEnv.FastOptions());
        var rq = ValidRq();
        BinaryPrimitives.WriteUInt16BigEndian(rq.AsSpan(76), 0x7000); // application context item overruns the PDU
        AssertAbort(await SendRawAndReadReplyAsync(server.LocalEndPoint.Port, rq, TimeSpan.FromSeconds(10)), AbortReason.InvalidPduParameterValue);
        await AssertServerStillEchoesAsync(server);
    }

    [Fact]
    public async Task Pdata_before_association_gets_an_abort()
    {
        await using var server = TestEnv.StartServer(TestEnv.FastOptions());
        var reply = await SendRawAndReadReplyAsync(server.LocalEndPoint.Port, [4, 0, 0, 0, 0, 8, 0, 0, 0, 4, 1, 3, 0, 0], TimeSpan.FromSeconds(10));
        Assert.Equal((byte)PduType.Abort, reply[0]);
        await AssertServerStillEchoesAsync(server);
    }

    [Fact]
    public async Task Pdata_on_an_unaccepted_context_gets_an_abort()
    {
        await using var server = TestEnv.StartServer(TestEnv.FastOptions());
        byte[] pdata = [4, 0, 0, 0, 0, 8, 0, 0, 0, 4, 5, 3, 0, 0]; // context 5 was never proposed
        var reply = await SendRawAndReadReplyAsync(server.LocalEndPoint.Port, [.. ValidRq(), .. pdata], TimeSpan.FromSeconds(10));
        Assert.Equal((byte)PduType.AssociateAc, reply[0]);
        AssertAbort(reply, AbortReason.UnexpectedPduParameter);
    }

    [Fact]
    public async Task Truncated_pdu_then_stall_is_aborted_by_the_stall_timer()
    {
        var options = TestEnv.FastOptions();
        options.StallTimeout = TimeSpan.FromMilliseconds(500);
        await using var server = TestEnv.StartServer(options);
        var rq = ValidRq();
        var started = Environment.TickCount64;
        // Half a PDU, then nothing: the server must give up and close (an A-ABORT, then EOF).
        var reply = await SendRawAndReadReplyAsync(server.LocalEndPoint.Port, rq[..(rq.Length / 2)], TimeSpan.FromSeconds(10));
        Assert.True(Environment.TickCount64 - started < 5000);
        AssertAbort(reply, AbortReason.NotSpecified);
        await EchoTests.WaitUntilAsync(() => server.ActiveAssociations == 0);
        await AssertServerStillEchoesAsync(server);
    }

    [Fact]
    public async Task Silent_connection_is_closed_by_artim()
    {
        var options = TestEnv.FastOptions();
        options.ArtimTimeout = TimeSpan.FromMilliseconds(500);
        await using var server = TestEnv.StartServer(options);
        var reply = await SendRawAndReadReplyAsync(server.LocalEndPoint.Port, [], TimeSpan.FromSeconds(10));
        AssertAbort(reply, AbortReason.NotSpecified);
        await EchoTests.WaitUntilAsync(() => server.ActiveAssociations == 0);
    }

    [Fact]
    public async Task Idle_association_is_aborted_and_the_client_sees_it()
    {
        var options = TestEnv.FastOptions();
        options.IdleTimeout = TimeSpan.FromMilliseconds(500);
        await using var server = TestEnv.StartServer(options);
        await using var a = await DicomClientAssociation.OpenAsync("127.0.0.1", server.LocalEndPoint.Port,
            new DicomClientOptions { CalledAeTitle = "MRICS" }, TestEnv.EchoContexts);
        await Task.Delay(1500);
        await Assert.ThrowsAnyAsync<DicomNetworkException>(() => a.EchoAsync());
        Assert.Equal(0, server.ActiveAssociations);
    }

    [Fact]
    public async Task Shutdown_aborts_idle_associations_promptly()
    {
        var server = TestEnv.StartServer(TestEnv.FastOptions());
        var a = await DicomClientAssociation.OpenAsync("127.0.0.1", server.LocalEndPoint.Port,
            new DicomClientOptions { CalledAeTitle = "MRICS" }, TestEnv.EchoContexts);
        var started = Environment.TickCount64;
        await server.StopAsync();
        Assert.True(Environment.TickCount64 - started < 3000, "an idle association must not hold the shutdown for the grace period");
        await Assert.ThrowsAnyAsync<DicomNetworkException>(() => a.EchoAsync());
        await a.DisposeAsync();
        await server.DisposeAsync();
    }
}
