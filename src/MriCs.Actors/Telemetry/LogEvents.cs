using Microsoft.Extensions.Logging;

namespace MriCs.Actors.Telemetry;

/// <summary>
/// Event-id ranges per component (docs/operations.md, "Metrics and logs"): 1000-1999 DICOM network
/// (MriCs.Dicom), 2000-2999 ingest, 3000-3999 dispatcher and GPU-worker slots, 4000-4999 study
/// aggregators, 8000-8099 management endpoint (MriCs.Management). Messages carry <see cref="LogSafe"/> forms of UIDs and
/// paths, never patient names, IDs or birth dates.
/// </summary>
public static partial class IngestLog
{
    [LoggerMessage(2000, LogLevel.Information, "DICOM SCP {AeTitle} listening on {EndPoint}, staging {Staging}")]
    public static partial void ScpListening(ILogger logger, string aeTitle, System.Net.EndPoint? endPoint, string staging);

    [LoggerMessage(2001, LogLevel.Warning, "not ingested: {File}: {Reason}")]
    public static partial void FileRejected(ILogger logger, string file, string reason);

    [LoggerMessage(2002, LogLevel.Warning, "watch folder scan failed: {Reason}")]
    public static partial void ScanFailed(ILogger logger, string reason);

    [LoggerMessage(2003, LogLevel.Information, "study {Study} assembled: {Slices} slices to grade, {Missing} levels missing")]
    public static partial void StudyAssembled(ILogger logger, string study, int slices, int missing);

    [LoggerMessage(2004, LogLevel.Warning, "opening the aggregator of study {Study} failed ({Reason}); retrying")]
    public static partial void OpenFailed(ILogger logger, string study, string reason);

    [LoggerMessage(2005, LogLevel.Information, "instance {Instance} of study {Study} stored and handed to the assembler")]
    public static partial void InstanceStaged(ILogger logger, string instance, string study);
}

public static partial class WorkerLog
{
    [LoggerMessage(3000, LogLevel.Information, "slot {Slot} ready: model set {ModelSet} version {Version} on {Provider}")]
    public static partial void SlotReady(ILogger logger, string slot, string modelSet, string version, string provider);

    [LoggerMessage(3001, LogLevel.Error, "slot {Slot} cannot load its models: {Reason}")]
    public static partial void SlotFailed(ILogger logger, string slot, string reason);

    [LoggerMessage(3002, LogLevel.Warning, "{Count} slice tasks without a persisted result after {Timeout}; sent again")]
    public static partial void TasksResent(ILogger logger, int count, TimeSpan timeout);

    [LoggerMessage(3003, LogLevel.Information, "slot {Slot} reloading its model set: draining {InFlight} slices in flight")]
    public static partial void ReloadStarted(ILogger logger, string slot, int inFlight);

    [LoggerMessage(3004, LogLevel.Information, "slot {Slot} swapped model set {OldVersion} -> {NewVersion}")]
    public static partial void ReloadSwapped(ILogger logger, string slot, string oldVersion, string newVersion);

    [LoggerMessage(3005, LogLevel.Error, "slot {Slot} refused the new model set and keeps {Version}: {Reason}")]
    public static partial void ReloadRefused(ILogger logger, string slot, string version, string reason);

    [LoggerMessage(3006, LogLevel.Warning, "slot {Slot} failed slice {Instance}: {Reason}")]
    public static partial void SliceFailed(ILogger logger, string slot, string instance, string reason);

    [LoggerMessage(3007, LogLevel.Warning, "slot {Slot}: all {Capacity} local slots of this node are taken; waiting for one")]
    public static partial void SlotsTaken(ILogger logger, string slot, int capacity);

    [LoggerMessage(3008, LogLevel.Information, "slot set: {Slots} slot(s) on {Nodes} gpu-worker node(s)")]
    public static partial void SlotSetChanged(ILogger logger, int slots, int nodes);

    [LoggerMessage(3009, LogLevel.Information, "re-sending {Count} task(s) of slot(s) {Slots}: {Why}")]
    public static partial void SlotTasksResent(ILogger logger, int count, string slots, string why);
}

public static partial class AggregatorLog
{
    [LoggerMessage(4000, LogLevel.Information, "study {Study} opened: {Slices} slices expected")]
    public static partial void StudyOpened(ILogger logger, string study, int slices);

    [LoggerMessage(4001, LogLevel.Information, "study {Study} recommendation issued: grade {Grade}, review {Review}, in {Slices} slices")]
    public static partial void RecommendationIssued(ILogger logger, string study, int? grade, bool review, int slices);

    [LoggerMessage(4002, LogLevel.Warning, "study {Study}: no recommendation ({Reason})")]
    public static partial void NoRecommendation(ILogger logger, string study, string reason);

    [LoggerMessage(4003, LogLevel.Error, "study {Study}: journal write failed: {Reason}")]
    public static partial void PersistFailed(ILogger logger, string study, string reason);
}
