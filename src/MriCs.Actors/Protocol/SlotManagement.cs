namespace MriCs.Actors.Protocol;

// ---- slot management (`gpu slots`, `models list | reload`) ----

/// <summary>Asks a GPU-worker slot for what it runs and how it is doing; answered by <see cref="SlotDetails"/>.</summary>
public sealed record GetSlotDetails(string SlotId) : IMriCsMessage, IWithSlotId;

/// <summary>Batching counters of one model in a slot's pipeline.</summary>
public sealed record ModelBatching(string ModelId, int QueueDepth, long Batches, long Completed, IReadOnlyDictionary<int, long> BatchSizes);

/// <summary>
/// One slot: where it runs (node, device, provider), its state (ready, loading, reloading, failed: reason), the model set
/// and its version (<see cref="ModelSetVersion"/>), queue depth (slices in flight in the slot plus requests waiting in
/// its batchers), batch sizes per model, and slices/s over the last seconds.
/// </summary>
public sealed record SlotDetails(
    string SlotId,
    string Node,
    string Device,
    string Provider,
    string State,
    string ModelSet,
    string ModelSetVersion,
    IReadOnlyList<ModelRef> Models,
    int InFlight,
    int MaxInFlight,
    int QueueDepth,
    IReadOnlyList<ModelBatching> Batching,
    long Completed,
    long Failed,
    double SlicesPerSecond,
    string? LastReloadError) : IMriCsMessage;

/// <summary>
/// Reload the slot's model set from its models folder: the new set is loaded and verified (SHA-256 of every file
/// against the manifest, input/output contract, a warm-up run) while the old one serves; then the slot finishes its
/// in-flight slices (new ones are answered <see cref="WorkerBusy"/> and offered again by the dispatcher) and swaps.
/// A set that fails verification is refused and the old one keeps serving. Answered by <see cref="SlotReloaded"/>.
/// </summary>
public sealed record ReloadSlot(string SlotId) : IMriCsMessage, IWithSlotId;

public sealed record SlotReloaded(string SlotId, string Node, bool Ok, string OldVersion, string NewVersion, string? Error) : IMriCsMessage;

/// <summary>The version of a model set: a short hash of its id and every model's id and SHA-256 (changes when any file does).</summary>
public static class ModelSetVersion
{
    public const string None = "-";

    public static string Of(ModelSetRef? set)
    {
        if (set is null) return None;
        var text = set.Id + "\n" + string.Concat(set.Models.Select(m => $"{m.Id}={m.Sha256.ToLowerInvariant()}\n"));
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..12];
    }
}
