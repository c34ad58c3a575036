using MriCs.Actors.Actors;
using MriCs.Dicom.Network;

namespace MriCs.Actors.Tests;

/// <summary>The staging rescan at start-up reads instances, never the C-STORE SCP's own work files.</summary>
public class IngestScanTests
{
    [Fact]
    public async Task The_staging_rescan_skips_the_journal_and_incoming_files_of_a_journal_mode_scp()
    {
        var staging = Path.Combine(Path.GetTempPath(), "mrics-scan-" + Guid.NewGuid().ToString("N")[..12]);
        // What a journal-mode SCP really leaves in its folder: staging/.journal (segments, checkpoint) and staging/.incoming.
        var store = new FileStorageProvider(new FileStorageOptions
        {
            Directory = staging, Mode = StorageMode.Journal, MinFreeBytes = 0, JournalSegmentBytes = 1024 * 1024, JournalMaxSegments = 2,
        });
        await store.DisposeAsync();
        var own = Directory.EnumerateFiles(staging, "*", SearchOption.AllDirectories).ToList();
        Assert.True(own.Any(f => f.Contains("/.journal/", StringComparison.Ordinal)), "the journal wrote no file: the test would prove nothing");
        File.WriteAllText(Path.Combine(staging, ".incoming", "x.part"), "partial");
        File.WriteAllText(Path.Combine(staging, ".incoming", "y.mat"), "materializing");
        var instance = Path.Combine(staging, "1.2", "1.2.3", "1.2.3.4.dcm");
        Directory.CreateDirectory(Path.GetDirectoryName(instance)!);
        File.WriteAllText(instance, "an instance");
        Assert.Equal([instance], IngestActor.EnumerateFiles(staging).ToList());
    }
}
