using System.Globalization;

namespace MriCs.Actors.Slots;

/// <summary>
/// How many GPU-worker slots a node offers, and how that number travels through the cluster: a role
/// "slots-N" next to "gpu-worker", so every member (the shard coordinator, the dispatcher) knows each
/// node's capacity from the membership alone.
/// </summary>
public static class GpuSlots
{
    public const string RolePrefix = "slots-";
    public const string VisibleDevicesVariable = "NVIDIA_VISIBLE_DEVICES";

    /// <summary>The slots of a node: <paramref name="configured"/> when above 0, else one per GPU in NVIDIA_VISIBLE_DEVICES, else 1 CPU slot.</summary>
    public static int Effective(int configured, string? visibleDevices, Func<int> countDeviceFiles) =>
        configured > 0 ? configured : CountVisibleDevices(visibleDevices, countDeviceFiles) ?? 1;

    /// <summary>The node's slots from the process environment (NVIDIA_VISIBLE_DEVICES and /dev/nvidia[0-9]*).</summary>
    public static int Effective(int configured) =>
        Effective(configured, Environment.GetEnvironmentVariable(VisibleDevicesVariable), CountDeviceFiles);

    /// <summary>
    /// GPUs named by NVIDIA_VISIBLE_DEVICES: a comma list of indices or UUIDs ("0,1", "GPU-3b2..,GPU-9f1.."),
    /// "all" = every /dev/nvidiaN (at least 1), "none"/"void"/empty/unset = no GPU (null: the caller runs one CPU slot).
    /// Duplicates count once.
    /// </summary>
    public static int? CountVisibleDevices(string? visibleDevices, Func<int> countDeviceFiles)
    {
        var v = visibleDevices?.Trim();
        if (string.IsNullOrEmpty(v) || v.Equals("none", StringComparison.OrdinalIgnoreCase) || v.Equals("void", StringComparison.OrdinalIgnoreCase))
            return null;
        if (v.Equals("all", StringComparison.OrdinalIgnoreCase)) return Math.Max(1, countDeviceFiles());
        var ids = v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.OrdinalIgnoreCase).Count();
        return ids == 0 ? null : ids;
    }

    /// <summary>Character devices /dev/nvidia0, /dev/nvidia1, ... (not nvidiactl, nvidia-uvm).</summary>
    public static int CountDeviceFiles()
    {
        try
        {
            return Directory.EnumerateFiles("/dev", "nvidia*").Count(f => Path.GetFileName(f)[6..] is { Length: > 0 } n && n.All(char.IsAsciiDigit));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return 0; }
    }

    public static string Role(int slots) => RolePrefix + slots.ToString(CultureInfo.InvariantCulture);

    /// <summary>The capacity a member announces in its roles ("slots-N"); 0 without such a role.</summary>
    public static int FromRoles(IEnumerable<string> roles)
    {
        foreach (var r in roles)
            if (r.StartsWith(RolePrefix, StringComparison.Ordinal)
                && int.TryParse(r.AsSpan(RolePrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
                return n;
        return 0;
    }

    public const string SlotPrefix = "slot-";

    /// <summary>Cluster-wide slot ids slot-0..slot-(total-1).</summary>
    public static IReadOnlyList<string> Ids(int total) => Enumerable.Range(0, Math.Max(0, total)).Select(Id).ToList();

    public static string Id(int index) => SlotPrefix + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>The index of "slot-N"; -1 for anything else.</summary>
    public static int Index(string slotId) =>
        slotId.StartsWith(SlotPrefix, StringComparison.Ordinal)
        && int.TryParse(slotId.AsSpan(SlotPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;
}
