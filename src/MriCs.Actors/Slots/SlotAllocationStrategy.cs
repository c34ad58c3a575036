using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using MriCs.Actors.Hosting;

namespace MriCs.Actors.Slots;

/// <summary>
/// Shard allocation for the gpu-worker region: slot shards only on nodes with free slots (capacity from
/// each member's "slots-N" role), never more than a node offers, surplus and excess shards handed off on
/// the coordinator's rebalance tick (members joining, leaving or being removed). Decisions are
/// <see cref="SlotPlacement"/>'s; this class maps shard regions to members.
/// </summary>
public sealed class SlotAllocationStrategy : IShardAllocationStrategy, IActorSystemDependentAllocationStrategy
{
    private Cluster? _cluster;

    public void Start(ActorSystem system) => _cluster = Cluster.Get(system);

    /// <summary>Serving gpu-worker members (Up or WeaklyUp) with their capacities, from the current cluster state.</summary>
    public static IReadOnlyList<SlotMember> Members(ClusterEvent.CurrentClusterState state) =>
        state.Members.Where(m => m.HasRole(ClusterRoles.GpuWorker))
            .Select(m => new SlotMember(m.Address.ToString(), GpuSlots.FromRoles(m.Roles), m.Status is MemberStatus.Up or MemberStatus.WeaklyUp))
            .ToList();

    private (IReadOnlyList<RegionSlots> Regions, Dictionary<string, IActorRef> Refs, int Total) View(IImmutableDictionary<IActorRef, IImmutableList<string>> allocations)
    {
        var cluster = _cluster ?? throw new InvalidOperationException("SlotAllocationStrategy used before Start");
        var members = Members(cluster.State).ToDictionary(m => m.Address, StringComparer.Ordinal);
        var refs = new Dictionary<string, IActorRef>(StringComparer.Ordinal);
        var regions = new List<RegionSlots>();
        foreach (var (region, shards) in allocations)
        {
            var address = (region.Path.Address.HasLocalScope ? cluster.SelfAddress : region.Path.Address).ToString();
            var capacity = members.TryGetValue(address, out var m) && m.Serving ? m.Capacity : 0;
            refs[address] = region;
            regions.Add(new RegionSlots(address, capacity, shards));
        }
        return (regions, refs, SlotPlacement.TotalSlots(members.Values));
    }

    public Task<IActorRef> AllocateShard(IActorRef requester, string shardId, IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations)
    {
        var (regions, refs, total) = View(currentShardAllocations);
        var chosen = SlotPlacement.Allocate(shardId, regions, total);
        return chosen is not null ? Task.FromResult(refs[chosen]) : NoRegion();
    }

    /// <summary>No free slot: a null region completed asynchronously is the coordinator's "allocation failed, retried later".</summary>
    private static async Task<IActorRef> NoRegion()
    {
        await Task.Yield();
        return null!;
    }

    public Task<IImmutableSet<string>> Rebalance(IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations, IImmutableSet<string> rebalanceInProgress)
    {
        var (regions, _, total) = View(currentShardAllocations);
        var moves = SlotPlacement.Rebalance(regions, total, rebalanceInProgress.ToHashSet(StringComparer.Ordinal));
        return Task.FromResult<IImmutableSet<string>>(moves.ToImmutableHashSet(StringComparer.Ordinal));
    }
}
