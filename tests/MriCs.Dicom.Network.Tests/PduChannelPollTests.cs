using System.Net;
using System.Net.Sockets;

namespace MriCs.Dicom.Network.Tests;

/// <summary>
/// The lone-association poll: a read that finds no data waits briefly in poll() on the socket before it goes
/// asynchronous. Reads must return the same PDUs either way; the poll is used only while its condition holds.
/// </summary>
public class PduChannelPollTests
{
    private static readonly byte[] ReleaseRq = [0x05, 0, 0, 0, 0, 4, 0, 0, 0, 0];

    private static async Task<(Socket Server, Socket Client)> ConnectedPairAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accept = listener.AcceptSocketAsync();
        await client.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
        return (await accept, client);
    }

    /// <summary>The peer sends a release request after <paramref name="delay"/>; the channel reads it.</summary>
    private static async Task<(PduType Type, long Polled)> ReadOneAsync(TimeSpan poll, bool lone, TimeSpan delay)
    {
        var (server, client) = await ConnectedPairAsync();
        using (client)
        {
            await using var channel = new PduChannel(new NetworkStream(server, ownsSocket: true), TimeSpan.FromSeconds(5), server, poll, () => lone);
            var send = Task.Run(async () =>
            {
                await Task.Delay(delay);
                client.Send(ReleaseRq);
            });
            var pdu = await channel.ReadAsync(64 * 1024, TimeSpan.FromSeconds(5), CancellationToken.None);
            await send;
            return (pdu.Type, channel.PolledReads);
        }
    }

    [Fact]
    public async Task Data_arriving_within_the_poll_is_read_after_polling()
    {
        var (type, polled) = await ReadOneAsync(TimeSpan.FromSeconds(2), lone: true, delay: TimeSpan.FromMilliseconds(20));
        Assert.Equal(PduType.ReleaseRq, type);
        Assert.True(polled >= 1, $"polled reads: {polled}");
    }

    [Fact]
    public async Task With_other_associations_open_or_the_poll_off_reads_go_asynchronous_at_once()
    {
        var (type, polled) = await ReadOneAsync(TimeSpan.FromSeconds(2), lone: false, delay: TimeSpan.FromMilliseconds(20));
        Assert.Equal(PduType.ReleaseRq, type);
        Assert.Equal(0, polled);
        (type, polled) = await ReadOneAsync(TimeSpan.Zero, lone: true, delay: TimeSpan.FromMilliseconds(20));
        Assert.Equal(PduType.ReleaseRq, type);
        Assert.Equal(0, polled);
    }

    [Fact]
    public async Task Data_arriving_after_the_poll_is_still_read_asynchronously()
    {
        var (type, polled) = await ReadOneAsync(TimeSpan.FromMilliseconds(1), lone: true, delay: TimeSpan.FromMilliseconds(300));
        Assert.Equal(PduType.ReleaseRq, type);
        Assert.Equal(0, polled); // the poll timed out; the asynchronous read got the PDU
    }

    /// <summary>storescu sends files over one association; the server's polled reads once the connection has ended.</summary>
    private static async Task<long> PolledReadsOfOneStorescuAsync(TimeSpan poll)
    {
        var dir = TestEnv.TempDir();
        await using var provider = new FileStorageProvider(new FileStorageOptions { Directory = dir, Durability = DurabilityMode.None, MinFreeBytes = 1024 * 1024 });
        var options = TestEnv.FastOptions();
        options.LoneAssociationPoll = poll;
        await using var server = TestEnv.StartServer(options, provider);
        var files = await DicomTestFiles.UniqueCopiesAsync([DicomTestFiles.Sample("MR_small.dcm")], TestEnv.TempDir(), copiesEach: 10);
        var (exit, output) = await PeerProcess.RunAsync("storescu",
            ["-aet", "DCMTK", "-aec", "MRICS", "127.0.0.1", server.LocalEndPoint.Port.ToString(), .. files], TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, output);
        Assert.Equal(files.Count, Directory.EnumerateFiles(dir, "*.dcm", SearchOption.AllDirectories).Count());
        var until = DateTime.UtcNow.AddSeconds(10);
        while (server.ActiveAssociations > 0 && DateTime.UtcNow < until) await Task.Delay(20);
        Assert.Equal(0, server.ActiveAssociations);
        return server.PolledReads;
    }

    [Fact]
    public async Task A_lone_storescu_association_is_served_by_polled_reads_unless_the_poll_is_off()
    {
        // Each of the 10 C-STOREs waits at least for its command after the previous response: the sender answers within 2 s.
        Assert.True(await PolledReadsOfOneStorescuAsync(TimeSpan.FromSeconds(2)) >= 10);
        Assert.Equal(0, await PolledReadsOfOneStorescuAsync(TimeSpan.Zero));
    }
}
