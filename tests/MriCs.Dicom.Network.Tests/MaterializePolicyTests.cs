using MriCs.Dicom.Network.Journal;

namespace MriCs.Dicom.Network.Tests;

/// <summary>When the journal's materializer makes files: quiet first, never so late that stores wait for room.</summary>
public class MaterializePolicyTests
{
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxDefer = TimeSpan.FromSeconds(5);
    private const long Capacity = 8L * 64 * 1024 * 1024;

    private static TimeSpan Wait(double quietMs, double waitedMs, long backlog) =>
        MaterializePolicy.Wait(TimeSpan.FromMilliseconds(quietMs), TimeSpan.FromMilliseconds(waitedMs), backlog, Capacity, Linger, MaxDefer);

    [Fact]
    public void While_stores_keep_arriving_the_materializer_waits_for_the_rest_of_the_quiet_period()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(150), Wait(quietMs: 50, waitedMs: 1000, backlog: 10_000_000));
    }

    [Fact]
    public void Once_the_receive_path_has_been_quiet_for_the_linger_files_are_made_at_once()
    {
        Assert.Equal(TimeSpan.Zero, Wait(quietMs: 200, waitedMs: 300, backlog: 10_000_000));
        Assert.Equal(TimeSpan.Zero, Wait(quietMs: 5000, waitedMs: 5000, backlog: 1));
    }

    [Fact]
    public void A_steady_stream_cannot_defer_the_oldest_record_past_max_defer()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(20), Wait(quietMs: 0, waitedMs: 4980, backlog: 10_000_000));
        Assert.Equal(TimeSpan.Zero, Wait(quietMs: 0, waitedMs: 5000, backlog: 10_000_000));
    }

    [Fact]
    public void A_backlog_of_a_quarter_of_the_journal_is_materialized_at_once_so_stores_never_wait_for_room()
    {
        Assert.Equal(TimeSpan.Zero, Wait(quietMs: 0, waitedMs: 0, backlog: Capacity / 4));
        Assert.NotEqual(TimeSpan.Zero, Wait(quietMs: 0, waitedMs: 0, backlog: Capacity / 4 - 1));
    }

    [Fact]
    public void Without_a_linger_files_are_made_as_soon_as_records_are_there()
    {
        Assert.Equal(TimeSpan.Zero, MaterializePolicy.Wait(TimeSpan.Zero, TimeSpan.Zero, 1, Capacity, TimeSpan.Zero, MaxDefer));
    }
}

/// <summary>The flush probe `bench store` prints: a real write + fdatasync per append, and no file left behind.</summary>
public class FlushProbeTests
{
    [Fact]
    public void Measures_a_positive_time_per_append_and_leaves_nothing_behind()
    {
        var dir = Directory.CreateTempSubdirectory("mrics-flush-").FullName;
        try
        {
            var ms = FlushProbe.MeanMilliseconds(dir, 4096, 20);
            Assert.True(ms > 0 && double.IsFinite(ms), $"{ms} ms");
            Assert.Empty(Directory.EnumerateFileSystemEntries(dir));
            Assert.Throws<ArgumentOutOfRangeException>(() => FlushProbe.MeanMilliseconds(dir, 0, 1));
        }
        finally { Directory.Delete(dir, true); }
    }
}
