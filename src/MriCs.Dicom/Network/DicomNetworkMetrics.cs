using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MriCs.Dicom.Network;

/// <summary>
/// Instruments of the DICOM network layer (meter "MriCs.Dicom"). Tags carry no patient data and no UIDs:
/// only the DIMSE status class of a failed store.
/// </summary>
public static class DicomNetworkMetrics
{
    public const string MeterName = "MriCs.Dicom";

    private static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> AssociationsOpened =
        Meter.CreateCounter<long>("mrics.dicom.associations.opened", "{association}", "Associations accepted by the SCP");

    public static readonly UpDownCounter<long> AssociationsActive =
        Meter.CreateUpDownCounter<long>("mrics.dicom.associations.active", "{association}", "Associations established now");

    public static readonly Counter<long> BytesReceived =
        Meter.CreateCounter<long>("mrics.dicom.received", "By", "P-DATA bytes received by the SCP");

    public static readonly Counter<long> InstancesStored =
        Meter.CreateCounter<long>("mrics.dicom.instances.stored", "{instance}", "C-STORE requests answered with success");

    public static readonly Counter<long> StoreFailures =
        Meter.CreateCounter<long>("mrics.dicom.store.failures", "{instance}", "C-STORE requests answered with a failure or refusal status");

    public static readonly Histogram<double> StoreDuration =
        Meter.CreateHistogram<double>("mrics.dicom.store.duration", "s", "C-STORE latency: command received to response sent");

    /// <summary>Counts one answered C-STORE and its latency from <paramref name="startedTimestamp"/> (Stopwatch ticks).</summary>
    public static void StoreAnswered(ushort status, long startedTimestamp)
    {
        if (status == DimseStatus.Success || (status & 0xF000) == 0xB000) InstancesStored.Add(1); // success or warning
        else StoreFailures.Add(1, new KeyValuePair<string, object?>("status", $"0x{status:X4}"));
        StoreDuration.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds);
    }
}
