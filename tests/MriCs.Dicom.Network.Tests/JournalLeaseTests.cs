using System.Net;
using MriCs.Dicom.Network.Journal;

namespace MriCs.Dicom.Network.Tests;

/// <summary>
/// The journal's tail lease: a lone association writes its payload where its record will go while it arrives.
/// What replays after a crash must be exactly what was appended, leased or not, revoked or not, in order.
/// </summary>
public sealed class JournalLeaseTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mrics-lease-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static readonly AssociationInfo Peer = new(7, "SENDER", "MRICS", new IPEndPoint(IPAddress.Loopback, 11112));

    private static JournalMeta Meta(int i) => new("1.2.840.10008.5.1.4.1.1.4", $"1.2.826.0.1.3680043.9.7777.{i}", "1.2.840.10008.1.2.1",
        "1.2.826.0.1.3680043.9.7777.1000", "1.2.826.0.1.3680043.9.7777.2000", Peer);

    /// <summary>A synthetic "Part 10 header" and data set: random bytes, distinct per instance.</summary>
    private static (byte[] Header, byte[] Data) Instance(int i, int length)
    {
        var rng = new Random(i);
        var header = new byte[132 + i % 7];
        var data = new byte[length];
        rng.NextBytes(header);
        rng.NextBytes(data);
        return (header, data);
    }

    private StoreJournal Open(StoreJournal.MaterializeBatch materialize, bool paused, long segmentBytes = 4 * 1024 * 1024) =>
        new(_dir, segmentBytes, 4, TimeSpan.FromSeconds(5), 256, TimeSpan.Zero, materialize, startPaused: paused);

    private static Task NoMaterialize(IReadOnlyList<JournalEntry> batch, CancellationToken ct) => Task.CompletedTask;

    /// <summary>Appends one instance: under the lease (header, then the data set in fragments), or without one.</summary>
    private static async Task AppendAsync(StoreJournal journal, int i, byte[] header, byte[] data, TailLease? lease, int fragment = 48 * 1024)
    {
        var buffer = new ChunkBuffer();
        var crc = Crc32C.Append(0, header);
        if (lease is not null && !journal.WriteLeased(lease, header)) lease = null;
        for (var at = 0; at < data.Length; at += fragment)
        {
            var piece = data.AsSpan(at, Math.Min(fragment, data.Length - at));
            buffer.Append(piece);
            crc = Crc32C.Append(crc, piece);
            if (lease is not null && !journal.WriteLeased(lease, piece)) lease = null;
        }
        await journal.AppendAsync(Meta(i), header, buffer, crc, lease);
        buffer.Dispose();
    }

    /// <summary>Crash, reopen: what replays (SOP instance UID and payload bytes), in order.</summary>
    private async Task<List<(string Sop, byte[] Payload)>> ReplayAsync(StoreJournal crashed)
    {
        await crashed.SimulateCrashAsync();
        var replayed = new List<(string, byte[])>();
        await using var reopened = Open((batch, _) =>
        {
            foreach (var e in batch)
            {
                var bytes = new byte[e.PayloadLength];
                RandomAccess.Read(e.Segment.Handle, bytes, e.PayloadOffset);
                replayed.Add((e.Meta.SopInstanceUid, bytes));
            }
            return Task.CompletedTask;
        }, paused: false);
        await reopened.WhenMaterializedAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return replayed;
    }

    [Fact]
    public void Crc_of_a_concatenation_combines_from_the_crcs_of_its_parts()
    {
        var rng = new Random(3);
        foreach (var (a, b) in new[] { (0, 0), (0, 5), (5, 0), (1, 1), (17, 4096), (1024, 374 * 1024), (3, 1_000_003) })
        {
            var bytes = new byte[a + b];
            rng.NextBytes(bytes);
            var whole = Crc32C.Append(0, bytes);
            var combined = Crc32C.Combine(Crc32C.Append(0, bytes.AsSpan(0, a)), Crc32C.Append(0, bytes.AsSpan(a)), b);
            Assert.Equal(whole, combined);
        }
        // Not a plain XOR of the parts: the first part's CRC is shifted by the second's length.
        var x = new byte[] { 1, 2, 3 };
        Assert.NotEqual(Crc32C.Append(0, x) ^ Crc32C.Append(0, x), Crc32C.Combine(Crc32C.Append(0, x), Crc32C.Append(0, x), 3));
    }

    [Fact]
    public async Task A_lone_association_streams_into_the_tail_and_the_record_replays_byte_for_byte()
    {
        var journal = Open(NoMaterialize, paused: true);
        var instances = Enumerable.Range(1, 4).Select(i => Instance(i, 200_000 + i * 1000)).ToList();
        Assert.Null(journal.TryLease()); // a fresh journal has no active segment yet: the first record takes the usual way
        await AppendAsync(journal, 1, instances[0].Header, instances[0].Data, lease: null);
        for (var i = 2; i <= 4; i++)
        {
            var lease = journal.TryLease();
            Assert.NotNull(lease);
            await AppendAsync(journal, i, instances[i - 1].Header, instances[i - 1].Data, lease);
        }
        Assert.Equal(3, journal.Statistics.Streamed);
        Assert.Equal(4, journal.Statistics.Records);

        var replayed = await ReplayAsync(journal);
        Assert.Equal(Enumerable.Range(1, 4).Select(i => Meta(i).SopInstanceUid), replayed.Select(r => r.Sop));
        for (var i = 0; i < 4; i++)
            Assert.Equal(instances[i].Header.Concat(instances[i].Data).ToArray(), replayed[i].Payload);
    }

    [Fact]
    public async Task Another_record_revokes_the_lease_and_both_replay_in_order_with_their_own_bytes()
    {
        var journal = Open(NoMaterialize, paused: true);
        var first = Instance(1, 10_000);
        var leased = Instance(2, 300_000);
        var other = Instance(3, 150_000);
        await AppendAsync(journal, 1, first.Header, first.Data, lease: null);

        var lease = journal.TryLease();
        Assert.NotNull(lease);
        Assert.Null(journal.TryLease()); // one lease at a time
        Assert.True(journal.WriteLeased(lease!, leased.Header));
        Assert.True(journal.WriteLeased(lease!, leased.Data.AsSpan(0, 100_000)));
        // Another association's record arrives first: it takes the tail, over the bytes the lease wrote.
        await AppendAsync(journal, 3, other.Header, other.Data, lease: null);
        Assert.True(lease!.Revoked);
        Assert.False(journal.WriteLeased(lease, leased.Data.AsSpan(100_000)));
        // The leaseholder then appends the usual way (its whole payload, after the other record).
        var buffer = new ChunkBuffer();
        buffer.Append(leased.Data);
        await journal.AppendAsync(Meta(2), leased.Header, buffer, Crc32C.Append(Crc32C.Append(0, leased.Header), leased.Data), lease);
        buffer.Dispose();
        Assert.Equal(0, journal.Statistics.Streamed);

        var replayed = await ReplayAsync(journal);
        Assert.Equal(new[] { Meta(1), Meta(3), Meta(2) }.Select(m => m.SopInstanceUid), replayed.Select(r => r.Sop));
        Assert.Equal(other.Header.Concat(other.Data).ToArray(), replayed[1].Payload);
        Assert.Equal(leased.Header.Concat(leased.Data).ToArray(), replayed[2].Payload);
    }

    [Fact]
    public async Task A_released_lease_leaves_nothing_behind_and_the_next_record_takes_its_place()
    {
        var journal = Open(NoMaterialize, paused: true);
        var first = Instance(1, 10_000);
        await AppendAsync(journal, 1, first.Header, first.Data, lease: null);
        var abandoned = journal.TryLease()!;
        Assert.True(journal.WriteLeased(abandoned, Instance(9, 250_000).Data)); // an association aborted mid data set
        journal.ReleaseLease(abandoned);
        Assert.False(journal.WriteLeased(abandoned, new byte[10]));

        var next = Instance(2, 120_000);
        await AppendAsync(journal, 2, next.Header, next.Data, journal.TryLease());
        Assert.Equal(1, journal.Statistics.Streamed);
        var replayed = await ReplayAsync(journal);
        Assert.Equal(new[] { Meta(1), Meta(2) }.Select(m => m.SopInstanceUid), replayed.Select(r => r.Sop));
        Assert.Equal(next.Header.Concat(next.Data).ToArray(), replayed[1].Payload);
    }

    [Fact]
    public async Task A_data_set_that_outgrows_the_segment_under_a_lease_goes_to_the_next_segment_whole()
    {
        var journal = Open(NoMaterialize, paused: true);
        var first = Instance(1, 1_500_000);
        await AppendAsync(journal, 1, first.Header, first.Data, lease: null);
        var big = Instance(2, 3_000_000); // the lease has room for about 2.7 MB of it
        var lease = journal.TryLease();
        Assert.NotNull(lease);
        var written = 0;
        for (; written < big.Data.Length && journal.WriteLeased(lease!, big.Data.AsSpan(written, 64 * 1024)); written += 64 * 1024) { }
        Assert.InRange(written, 2_600_000, 2_700_000); // 4 MiB less the first record, 64 KiB at a time
        Assert.True(lease!.Revoked);
        var buffer = new ChunkBuffer();
        buffer.Append(big.Data);
        await journal.AppendAsync(Meta(2), big.Header, buffer, Crc32C.Append(Crc32C.Append(0, big.Header), big.Data), lease);
        buffer.Dispose();
        Assert.Equal(0, journal.Statistics.Streamed);

        var replayed = await ReplayAsync(journal);
        Assert.Equal(new[] { 1, 2 }.Select(i => Meta(i).SopInstanceUid), replayed.Select(r => r.Sop));
        Assert.Equal(first.Header.Concat(first.Data).ToArray(), replayed[0].Payload);
        Assert.Equal(big.Header.Concat(big.Data).ToArray(), replayed[1].Payload);
    }
}
