using MriCs.Actors.Slots;

namespace MriCs.Actors.Tests;

public class GpuSlotsTests
{
    private static int NoFiles() => 0;

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("  ", null)]
    [InlineData("none", null)]
    [InlineData("void", null)]
    [InlineData("VOID", null)]
    [InlineData("0", 1)]
    [InlineData("0,1", 2)]
    [InlineData(" 0 , 1 ,2 ", 3)]
    [InlineData("1,1", 1)]
    [InlineData("GPU-3b2c9d1e-aaaa-bbbb-cccc-0123456789ab,GPU-9f100000-aaaa-bbbb-cccc-0123456789ab", 2)]
    [InlineData("MIG-GPU-3b2c9d1e/1/0", 1)]
    [InlineData(",", null)]
    public void NVIDIA_VISIBLE_DEVICES_is_counted(string? value, int? expected) =>
        Assert.Equal(expected, GpuSlots.CountVisibleDevices(value, NoFiles));

    [Fact]
    public void All_counts_the_device_files_and_is_at_least_one()
    {
        Assert.Equal(4, GpuSlots.CountVisibleDevices("all", () => 4));
        Assert.Equal(1, GpuSlots.CountVisibleDevices("all", () => 0));
    }

    [Fact]
    public void Configured_slots_win_and_auto_falls_back_to_one_cpu_slot()
    {
        Assert.Equal(3, GpuSlots.Effective(3, "0,1", NoFiles));
        Assert.Equal(2, GpuSlots.Effective(0, "0,1", NoFiles));
        Assert.Equal(1, GpuSlots.Effective(0, null, NoFiles));
        Assert.Equal(1, GpuSlots.Effective(0, "void", NoFiles));
        Assert.Equal(8, GpuSlots.Effective(0, "all", () => 8));
    }

    [Fact]
    public void Capacity_travels_as_a_role()
    {
        Assert.Equal("slots-2", GpuSlots.Role(2));
        Assert.Equal(2, GpuSlots.FromRoles(["gpu-worker", "slots-2"]));
        Assert.Equal(0, GpuSlots.FromRoles(["ingest"]));
        Assert.Equal(0, GpuSlots.FromRoles(["slots-x", "slots--1", "slots-0"]));
        Assert.Equal(7, GpuSlots.Index("slot-7"));
        Assert.Equal(-1, GpuSlots.Index("slot-"));
        Assert.Equal(-1, GpuSlots.Index("study-1.2"));
        Assert.Equal(["slot-0", "slot-1", "slot-2"], GpuSlots.Ids(3));
    }
}

public class SlotPlacementTests
{
    private static RegionSlots R(string address, int capacity, params string[] shards) => new(address, capacity, shards);

    /// <summary>Allocates the ids in order the way the coordinator would, returning the final placement.</summary>
    private static Dictionary<string, List<string>> Place(IEnumerable<string> ids, params (string Address, int Capacity)[] nodes)
    {
        var placed = nodes.ToDictionary(n => n.Address, _ => new List<string>());
        var total = nodes.Sum(n => n.Capacity);
        foreach (var id in ids)
        {
            var regions = nodes.Select(n => R(n.Address, n.Capacity, [.. placed[n.Address]])).ToList();
            if (SlotPlacement.Allocate(id, regions, total) is { } chosen) placed[chosen].Add(id);
        }
        return placed;
    }

    [Fact]
    public void A_node_with_two_slots_takes_two_and_one_with_one_takes_one()
    {
        var placed = Place(GpuSlots.Ids(3), ("akka.tcp://mrics@a:1", 2), ("akka.tcp://mrics@b:1", 1));
        Assert.Equal(2, placed["akka.tcp://mrics@a:1"].Count);
        Assert.Single(placed["akka.tcp://mrics@b:1"]);
        Assert.Equal(GpuSlots.Ids(3), placed.Values.SelectMany(s => s).Order());
    }

    [Fact]
    public void Nothing_is_placed_beyond_the_slot_set_or_on_a_full_node()
    {
        var regions = new[] { R("a", 1, "slot-0"), R("b", 1) };
        Assert.Equal("b", SlotPlacement.Allocate("slot-1", regions, 2));
        Assert.Null(SlotPlacement.Allocate("slot-2", regions, 2)); // outside slot-0..slot-1
        Assert.Null(SlotPlacement.Allocate("gpu-x", regions, 2));
        Assert.Null(SlotPlacement.Allocate("slot-1", [R("a", 1, "slot-0"), R("b", 1, "slot-5")], 2)); // b is full (slot-5 still handing off)
        Assert.Null(SlotPlacement.Allocate("slot-0", [R("leaving", 0)], 1));
    }

    [Fact]
    public void The_most_free_node_wins_and_ties_go_to_the_lowest_address()
    {
        Assert.Equal("b", SlotPlacement.Allocate("slot-0", [R("a", 1), R("b", 3, "slot-1")], 4));
        Assert.Equal("a", SlotPlacement.Allocate("slot-0", [R("b", 2), R("a", 2)], 4));
    }

    [Fact]
    public void Rebalance_moves_surplus_slots_and_the_excess_of_shrunk_nodes_only()
    {
        var none = new HashSet<string>();
        // Balanced: nothing to do.
        Assert.Empty(SlotPlacement.Rebalance([R("a", 2, "slot-0", "slot-1"), R("b", 1, "slot-2")], 3, none));
        // b left (capacity 3 -> 2): slot-2 on a is outside the set and must free a's slot for slot-1.
        Assert.Equal(["slot-2"], SlotPlacement.Rebalance([R("a", 2, "slot-0", "slot-2")], 2, none));
        // A leaving node (capacity 0) hands off everything; shards already moving are left out.
        Assert.Equal(["slot-1"], SlotPlacement.Rebalance([R("a", 1, "slot-2"), R("b", 0, "slot-0", "slot-1")], 3, new HashSet<string> { "slot-0" }));
        // Over capacity (e.g. a capacity change): the highest ids go.
        Assert.Equal(["slot-3"], SlotPlacement.Rebalance([R("a", 2, "slot-0", "slot-1", "slot-3"), R("b", 2)], 4, none));
        Assert.Equal(2, SlotPlacement.Rebalance([R("a", 1, "slot-0", "slot-1", "slot-2")], 3, none).Count);
        Assert.Single(SlotPlacement.Rebalance([R("a", 1, "slot-0", "slot-1", "slot-2")], 3, none, maxPerRound: 1));
    }

    [Fact]
    public void Total_slots_count_serving_members_only()
    {
        Assert.Equal(3, SlotPlacement.TotalSlots([new("a", 2, true), new("b", 1, true), new("c", 4, false)]));
        Assert.Equal(0, SlotPlacement.TotalSlots([]));
    }

    [Fact]
    public void Leases_never_give_one_local_slot_to_two_entities()
    {
        var leases = new SlotLeases(2);
        Assert.Equal(0, leases.TryAcquire("slot-0"));
        Assert.Equal(1, leases.TryAcquire("slot-4"));
        Assert.Null(leases.TryAcquire("slot-1"));
        Assert.Equal(0, leases.TryAcquire("slot-0")); // the holder keeps its own
        leases.Release("slot-0");
        Assert.Equal(0, leases.TryAcquire("slot-1"));
        Assert.Equal(2, leases.InUse);
    }
}
