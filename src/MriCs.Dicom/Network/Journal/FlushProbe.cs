namespace MriCs.Dicom.Network.Journal;

/// <summary>
/// What one durable append costs on a volume, measured the way the journal appends: a write of the given size into
/// a zero-filled, synced file, then fdatasync. With one association every C-STORE pays this once (the sender waits
/// for each response), so it is the floor under the journal's per-instance time. The probe file is removed.
/// </summary>
public static class FlushProbe
{
    public static double MeanMilliseconds(string directory, int bytes, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var path = Path.Combine(directory, $".flush-probe-{Guid.NewGuid():N}");
        try
        {
            StoreJournal.WriteZeroFilled(path, (long)bytes * count, FileMode.CreateNew);
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            var data = new byte[bytes];
            Random.Shared.NextBytes(data);
            var start = System.Diagnostics.Stopwatch.GetTimestamp();
            for (var i = 0; i < count; i++)
            {
                RandomAccess.Write(handle, data, (long)i * bytes);
                Fsync.Data(handle, "the flush probe");
            }
            return System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds / count;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
