using System.Diagnostics;

namespace MriCs.Dicom.Network;

/// <summary>
/// Where a storage SCP's time went, summed over the instances it stored: waiting for the data set after the
/// command, receiving it, checking it (UID scan), and making it durable (journal append + fdatasync, or fsync +
/// rename + directory fsync). With one association, a cycle less these parts is the sender's own turnaround.
/// </summary>
public sealed record StoreTimings(long Instances, TimeSpan WaitForData, TimeSpan Receive, TimeSpan Check, TimeSpan Commit)
{
    private double PerInstanceMs(TimeSpan t) => Instances == 0 ? 0 : t.TotalMilliseconds / Instances;
    public double WaitForDataMs => PerInstanceMs(WaitForData);
    public double ReceiveMs => PerInstanceMs(Receive);
    public double CheckMs => PerInstanceMs(Check);
    public double CommitMs => PerInstanceMs(Commit);
    public double TotalMs => WaitForDataMs + ReceiveMs + CheckMs + CommitMs;
}

/// <summary>Lock-free sums behind <see cref="StoreTimings"/>; one stopwatch reading per phase boundary.</summary>
internal sealed class StoreTimer
{
    private long _instances, _wait, _receive, _check, _commit;

    /// <summary>Phase boundaries of one stored instance (Stopwatch timestamps); zero where a phase did not happen.</summary>
    public struct Marks
    {
        public long Accepted, FirstFragment, LastFragment, CommitStarted;
    }

    public static long Now => Stopwatch.GetTimestamp();

    public void Record(in Marks m, long committed)
    {
        var first = m.FirstFragment == 0 ? m.CommitStarted : m.FirstFragment;
        var last = m.LastFragment == 0 ? first : m.LastFragment;
        Interlocked.Add(ref _wait, first - m.Accepted);
        Interlocked.Add(ref _receive, last - first);
        Interlocked.Add(ref _check, m.CommitStarted - last);
        Interlocked.Add(ref _commit, committed - m.CommitStarted);
        Interlocked.Increment(ref _instances);
    }

    public StoreTimings Snapshot() => new(Interlocked.Read(ref _instances), Span(ref _wait), Span(ref _receive), Span(ref _check), Span(ref _commit));

    private static TimeSpan Span(ref long ticks) => TimeSpan.FromSeconds(Interlocked.Read(ref ticks) / (double)Stopwatch.Frequency);
}
