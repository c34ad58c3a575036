namespace MriCs.Actors.Slots;

/// <summary>A gpu-worker member as the placement sees it: its address (ordering key), capacity and whether it takes work.</summary>
public sealed record SlotMember(string Address, int Capacity, bool Serving);

/// <summary>A shard region (one per gpu-worker node) with the slot shards it hosts now.</summary>
public sealed record RegionSlots(string Address, int Capacity, IReadOnlyList<string> Shards);

/// <summary>
/// Pure placement of slot shards (one entity per shard, shard id = slot id) on nodes with free slots.
/// The cluster's slot set is slot-0..slot-(T-1), T = the capacities of the serving gpu-worker members
/// (status Up/WeaklyUp); a node with capacity c never hosts more than c slot shards; slot ids at or above
/// T are never placed and are moved off (their nodes' capacity is needed for the lower ids).
/// </summary>
public static class SlotPlacement
{
    public static int TotalSlots(IEnumerable<SlotMember> members) => members.Where(m => m.Serving).Sum(m => m.Capacity);

    /// <summary>
    /// The region for a new slot shard: the one with the most free slots (ties: the lowest address), or null
    /// when the id is outside the slot set or no region has a free slot (the coordinator retries later).
    /// </summary>
    public static string? Allocate(string shardId, IReadOnlyList<RegionSlots> regions, int totalSlots)
    {
        var index = GpuSlots.Index(shardId);
        if (index < 0 || index >= totalSlots) return null;
        RegionSlots? best = null;
        foreach (var r in regions.OrderBy(r => r.Address, StringComparer.Ordinal))
        {
            var free = r.Capacity - r.Shards.Count;
            if (free > 0 && (best is null || free > best.Capacity - best.Shards.Count)) best = r;
        }
        return best?.Address;
    }

    /// <summary>
    /// Shards to hand off now: every shard outside the slot set (or not a slot id), and on each region holding
    /// more shards than its capacity (a member leaving has capacity 0) the excess, highest slot ids first.
    /// Shards already being moved are left out; at most <paramref name="maxPerRound"/> per call.
    /// </summary>
    public static IReadOnlyList<string> Rebalance(IReadOnlyList<RegionSlots> regions, int totalSlots, IReadOnlySet<string> inProgress, int maxPerRound = int.MaxValue)
    {
        var moves = new List<string>();
        foreach (var r in regions.OrderBy(r => r.Address, StringComparer.Ordinal))
        {
            var outside = r.Shards.Where(s => GpuSlots.Index(s) is var i && (i < 0 || i >= totalSlots)).ToList();
            var inside = r.Shards.Except(outside).OrderByDescending(GpuSlots.Index).ToList();
            var excess = Math.Max(0, inside.Count - Math.Max(0, r.Capacity));
            moves.AddRange(outside);
            moves.AddRange(inside.Take(excess));
        }
        return moves.Where(s => !inProgress.Contains(s)).Distinct(StringComparer.Ordinal).Take(maxPerRound).ToList();
    }
}
