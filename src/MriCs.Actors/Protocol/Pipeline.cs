namespace MriCs.Actors.Protocol;

// ---- ingest ----

/// <summary>Ingest every file under a folder (recursively) as one batch; answered by <see cref="FolderIngested"/> once every study in it is opened.</summary>
public sealed record IngestFolder(string Directory);

/// <summary>A file that is not usable DICOM, with the reason (the file is left where it is).</summary>
public sealed record RejectedFile(string Path, string Reason);

public sealed record FolderIngested(string Directory, IReadOnlyList<string> StudyUids, IReadOnlyList<RejectedFile> Rejected, int Instances);

/// <summary>Instances received from one source (a folder scan, a watch, the C-STORE SCP).</summary>
public sealed record InstancesArrived(IReadOnlyList<InstanceHeader> Instances);

/// <summary>Completes these studies now (the batch that carried them is over) instead of waiting for the inactivity timeout; answered by <see cref="StudiesCompleted"/> once each is opened.</summary>
public sealed record CompleteStudies(IReadOnlyList<string> StudyUids);

public sealed record StudiesCompleted(IReadOnlyList<string> StudyUids);

// ---- dispatcher (bounded queue, credits per slot) ----

/// <summary>Offers a task to the dispatcher: answered with <see cref="SliceAccepted"/> or <see cref="DispatcherBusy"/>.</summary>
public sealed record SubmitSlice(SliceTask Task) : IMriCsMessage;

public sealed record SliceAccepted(string SopInstanceUid) : IMriCsMessage;

/// <summary>The queue is full: nothing was taken; offer again after <see cref="DispatcherReady"/>.</summary>
public sealed record DispatcherBusy(string SopInstanceUid, int QueueCapacity) : IMriCsMessage;

/// <summary>Sent to every refused sender once the queue has room again.</summary>
public sealed record DispatcherReady : IMriCsMessage
{
    public static DispatcherReady Instance { get; } = new();
}

public sealed record GetDispatcherStats : IMriCsMessage
{
    public static GetDispatcherStats Instance { get; } = new();
}

public sealed record DispatcherStats(int Queued, int InFlight, int MaxQueued, int MaxInFlightPerSlot, long Dispatched, long Finished, long Refused, long Resent) : IMriCsMessage;

// ---- GPU worker slots (sharded by slot id) ----

/// <summary>Grade one slice on a slot. The worker sends the result to the study's aggregator on behalf of the sender, which then gets the aggregator's <see cref="SliceResultAck"/> (the result is persisted: the credit returns).</summary>
public sealed record RunSlice(string SlotId, SliceTask Task) : IMriCsMessage, IWithSlotId;

/// <summary>A slot entity tells each dispatcher that sends it work where it lives (the sender): the dispatcher watches it and
/// re-sends that slot's tasks at once when it stops (hand-off, node left) or its node becomes unreachable.</summary>
public sealed record SlotHosted(string SlotId) : IMriCsMessage;

/// <summary>The slot already runs its maximum of tasks; nothing was taken.</summary>
public sealed record WorkerBusy(string SlotId, SliceTask Task) : IMriCsMessage;

public sealed record GetSlotStats(string SlotId) : IMriCsMessage, IWithSlotId;

public sealed record SlotStats(string SlotId, string Provider, string ModelSet, int InFlight, int MaxInFlight, int MaxObservedInFlight, long Completed, long Failed) : IMriCsMessage;


/// <summary>The dispatcher's slot set (follows the gpu-worker members) and the slots that take work now.</summary>
public sealed record GetDispatcherSlots
{
    public static GetDispatcherSlots Instance { get; } = new();
}

public sealed record DispatcherSlots(IReadOnlyList<string> Slots, IReadOnlyList<string> Available);
