using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using MriCs.Actors.Grading;
using MriCs.Actors.Hosting;
using MriCs.Actors.Protocol;

namespace MriCs.Actors.Tests;

/// <summary>A grader factory that records which local slot (GPU index) each slot entity of one node was given.</summary>
public sealed class RecordingGraderFactory(FakeGraderFactory inner) : ISliceGraderFactory
{
    public FakeGraderFactory Inner => inner;
    public ConcurrentQueue<(string Slot, int Local)> Created { get; } = new();

    public Task<ISliceGrader> CreateAsync(string slotId, CancellationToken cancellation) => CreateAsync(slotId, 0, cancellation);

    public Task<ISliceGrader> CreateAsync(string slotId, int localSlot, CancellationToken cancellation)
    {
        Created.Enqueue((slotId, localSlot));
        return inner.CreateAsync(slotId, cancellation);
    }
}

/// <summary>Several nodes in one process (127.0.0.1, port 0): slot placement by capacity, membership changes, graceful leave.</summary>
public class ClusterSlotSpecs
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private static Dictionary<string, string?> Gpu(int slots, string? seed = null, bool ingest = false)
    {
        var d = new Dictionary<string, string?> { ["MriCs:Inference:Slots"] = slots.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        var i = 0;
        if (ingest) d[$"MriCs:Roles:{i++}"] = ClusterRoles.Ingest;
        if (slots > 0) d[$"MriCs:Roles:{i}"] = ClusterRoles.GpuWorker;
        if (seed is not null) d["MriCs:Cluster:SeedNodes:0"] = seed;
        return d;
    }

    private static string Address(TestNode n) => Cluster.Get(n.System).SelfAddress.ToString();

    /// <summary>The slot shards this node's gpu-worker region hosts now.</summary>
    internal static async Task<IReadOnlyList<string>> HostedSlots(TestNode node)
    {
        var state = await ClusterSharding.Get(node.System).ShardRegion(MriCsHosting.GpuWorkerRegionName)
            .Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(10));
        return state.Shards.Select(s => s.ShardId).Order(StringComparer.Ordinal).ToList();
    }

    internal static Task<DispatcherSlots> DispatcherSlots(TestNode ingest) =>
        ingest.Registry.Get<ActorKeys.Dispatcher>().Ask<DispatcherSlots>(GetDispatcherSlots.Instance, TimeSpan.FromSeconds(10));

    /// <summary>Polls <paramref name="probe"/> until <paramref name="ok"/> holds; fails with the last value seen.</summary>
    internal static async Task<T> Eventually<T>(Func<Task<T>> probe, Func<T, bool> ok, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Wait);
        T last;
        while (true)
        {
            last = await probe();
            if (ok(last)) return last;
            if (DateTime.UtcNow > deadline) throw new Xunit.Sdk.XunitException($"{what}: still {Describe(last)} after {(timeout ?? Wait).TotalSeconds:0} s");
            await Task.Delay(200);
        }
    }

    private static string Describe(object? o) => o switch
    {
        IEnumerable<string> e => "[" + string.Join(",", e) + "]",
        DispatcherSlots d => $"slots [{string.Join(",", d.Slots)}]",
        _ => o?.ToString() ?? "null",
    };

    [Fact]
    public async Task Slots_are_placed_by_capacity_two_on_the_two_slot_node_one_on_the_other_never_two_on_one_slot()
    {
        using var tmp = new TempDir();
        var gradersA = new RecordingGraderFactory(new FakeGraderFactory(TimeSpan.Zero));
        var gradersB = new RecordingGraderFactory(new FakeGraderFactory(TimeSpan.Zero));
        await using var a = await TestNode.StartAsync(tmp.Sub("a"), gradersA, Gpu(2, ingest: true));
        await using var b = await TestNode.StartAsync(tmp.Sub("b"), gradersB, Gpu(1, seed: Address(a)));

        await Eventually(() => DispatcherSlots(a), d => d.Slots.Count == 3, "dispatcher slot set");
        await a.Client.WaitForSlotsAsync(3, Wait); // starts slot-0..slot-2 wherever the strategy puts them
        var onA = await HostedSlots(a);
        var onB = await HostedSlots(b);
        Assert.Equal(2, onA.Count);
        Assert.Single(onB);
        Assert.Equal(["slot-0", "slot-1", "slot-2"], onA.Concat(onB).Order(StringComparer.Ordinal));
        // Each entity got its own local slot (GPU index) below its node's capacity.
        Assert.Equal([0, 1], gradersA.Created.Select(c => c.Local).Order());
        Assert.Equal([0], gradersB.Created.Select(c => c.Local));
        Assert.Equal(onA, gradersA.Created.Select(c => c.Slot).Order(StringComparer.Ordinal));

        // A slot beyond the cluster's capacity is never placed: nobody answers for it.
        await Assert.ThrowsAsync<AskTimeoutException>(() =>
            ClusterSharding.Get(a.System).ShardRegion(MriCsHosting.GpuWorkerRegionName).Ask<SlotStats>(new GetSlotStats("slot-3"), TimeSpan.FromSeconds(4)));
        Assert.Equal(2, (await HostedSlots(a)).Count);
        Assert.Single(await HostedSlots(b));
    }

    [Fact]
    public async Task A_joining_node_adds_its_slots_and_takes_exactly_the_new_ones()
    {
        using var tmp = new TempDir();
        await using var a = await TestNode.StartAsync(tmp.Sub("a"), new FakeGraderFactory(TimeSpan.Zero), Gpu(1, ingest: true));
        await Eventually(() => DispatcherSlots(a), d => d.Slots.Count == 1, "dispatcher slot set before the join");
        await a.Client.WaitForSlotsAsync(1, Wait);
        Assert.Equal(["slot-0"], await HostedSlots(a));

        await using var b = await TestNode.StartAsync(tmp.Sub("b"), new FakeGraderFactory(TimeSpan.Zero), Gpu(2, seed: Address(a)));
        var slots = await Eventually(() => DispatcherSlots(a), d => d.Slots.Count == 3, "dispatcher slot set after the join");
        Assert.Equal(["slot-0", "slot-1", "slot-2"], slots.Slots);
        await a.Client.WaitForSlotsAsync(3, Wait);
        Assert.Equal(["slot-0"], await HostedSlots(a));
        Assert.Equal(["slot-1", "slot-2"], await HostedSlots(b));
    }

    [Fact]
    public async Task A_node_stopped_through_its_host_leaves_gracefully_and_its_slot_moves_to_the_free_one()
    {
        using var tmp = new TempDir();
        await using var ingest = await TestNode.StartAsync(tmp.Sub("i"), new FakeGraderFactory(TimeSpan.Zero), Gpu(0, ingest: true));
        var removed = new ConcurrentDictionary<string, MemberStatus>();
        ingest.System.ActorOf(Props.Create(() => new RemovalWatcher(removed)));
        var b = await TestNode.StartAsync(tmp.Sub("b"), new FakeGraderFactory(TimeSpan.Zero), Gpu(1, seed: Address(ingest)));
        var c = await TestNode.StartAsync(tmp.Sub("c"), new FakeGraderFactory(TimeSpan.Zero), Gpu(1, seed: Address(ingest)));
        try
        {
            await Eventually(() => DispatcherSlots(ingest), d => d.Slots.Count == 2, "slot set with two gpu nodes");
            await ingest.Client.WaitForSlotsAsync(2, Wait);
            var (leaving, staying) = (await HostedSlots(b)).Contains("slot-0") ? (b, c) : (c, b);
            var leavingAddress = Address(leaving);

            await leaving.DisposeAsync(); // what SIGTERM does: host stop -> CoordinatedShutdown -> hand-off, leave
            if (leaving == b) b = null!; else c = null!;

            await Eventually(() => Task.FromResult(removed.ContainsKey(leavingAddress)), x => x, "the stopped node removed from the cluster");
            Assert.Equal(MemberStatus.Exiting, removed[leavingAddress]); // left (Leaving -> Exiting), not downed
            var slots = await Eventually(() => DispatcherSlots(ingest), d => d.Slots.Count == 1, "slot set after the leave");
            Assert.Equal(["slot-0"], slots.Slots);
            await ingest.Client.WaitForSlotsAsync(1, Wait);
            Assert.Equal(["slot-0"], await HostedSlots(staying)); // slot-0 moved to the node with a free slot
        }
        finally
        {
            if (b is not null) await b.DisposeAsync();
            if (c is not null) await c.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_study_run_survives_a_worker_node_leaving_mid_run_with_exactly_one_recommendation_each()
    {
        using var tmp = new TempDir();
        var input = tmp.Sub("in");
        var uids = Enumerable.Range(1, 6).Select(i => $"7.{i}").ToList();
        foreach (var (uid, i) in uids.Select((u, i) => (u, i))) TestData.WriteStudy(input, uid, $"P{i}", [0, i % 3, 1, 0]);
        var graderA = new FakeGraderFactory(TimeSpan.FromMilliseconds(250));
        var graderB = new FakeGraderFactory(TimeSpan.FromMilliseconds(250));
        await using var a = await TestNode.StartAsync(tmp.Sub("a"), graderA, Gpu(1, ingest: true));
        var b = await TestNode.StartAsync(tmp.Sub("b"), graderB, Gpu(1, seed: Address(a)));
        await Eventually(() => DispatcherSlots(a), d => d.Slots.Count == 2, "slot set with both nodes");
        await a.Client.WaitForSlotsAsync(2, Wait);

        var ingested = await a.Client.IngestFolderAsync(input, Wait);
        await Eventually(() => Task.FromResult(graderB.Graded), n => n >= 1, "node B grading");
        await b.DisposeAsync(); // leaves mid-run: its in-flight slices are cancelled with the entity and re-sent

        var recs = await a.Client.WaitForRecommendationsAsync(ingested.StudyUids, TimeSpan.FromSeconds(120));
        Assert.Equal(uids, recs.Select(r => r.StudyUid).Order(StringComparer.Ordinal));
        Assert.All(recs, r => Assert.NotNull(r.Grade));
        foreach (var uid in uids)
        {
            Assert.Equal(1, await CountEvents(a.System, uid, typeof(RecommendationIssued)));
            Assert.Equal(4, await CountEvents(a.System, uid, typeof(SliceResultRecorded)));
        }
        Assert.True(graderB.Graded < uids.Count * 4, "node B left before the end of the run");
        var stats = await a.Client.DispatcherStatsAsync();
        Assert.Equal(0, stats.InFlight);
        Assert.Equal(["slot-0"], (await DispatcherSlots(a)).Slots);
    }

    [Fact]
    public async Task A_crashed_worker_node_is_downed_by_the_split_brain_resolver_and_its_slices_are_resent_long_before_the_task_timeout()
    {
        using var tmp = new TempDir();
        var input = tmp.Sub("in");
        var uids = Enumerable.Range(1, 6).Select(i => $"8.{i}").ToList();
        foreach (var (uid, i) in uids.Select((u, i) => (u, i))) TestData.WriteStudy(input, uid, $"P{i}", [0, i % 3, 1, 0]);
        var graders = Enumerable.Range(0, 3).Select(_ => new FakeGraderFactory(TimeSpan.FromMilliseconds(250))).ToArray();
        Dictionary<string, string?> Settings(Dictionary<string, string?> d)
        {
            d["MriCs:Cluster:SplitBrain:StableAfter"] = "00:00:02";
            d["MriCs:Ingest:TaskTimeout"] = "00:10:00"; // only the prompt re-send can finish the run in time
            return d;
        }
        await using var a = await TestNode.StartAsync(tmp.Sub("a"), graders[0], Settings(Gpu(1, ingest: true)));
        var removed = new ConcurrentDictionary<string, MemberStatus>();
        a.System.ActorOf(Props.Create(() => new RemovalWatcher(removed)));
        // B dies without leaving: no coordinated shutdown when its actor system stops.
        var b = await TestNode.StartAsync(tmp.Sub("b"), graders[1], Settings(Gpu(1, seed: Address(a))),
            hocon: "akka.coordinated-shutdown.run-by-actor-system-terminate = off");
        await using var c = await TestNode.StartAsync(tmp.Sub("c"), graders[2], Settings(Gpu(1, seed: Address(a))));
        await Eventually(() => DispatcherSlots(a), d => d.Slots.Count == 3, "slot set with three gpu nodes");
        await a.Client.WaitForSlotsAsync(3, Wait);

        var ingested = await a.Client.IngestFolderAsync(input, Wait);
        await Eventually(() => Task.FromResult(graders[1].Graded), n => n >= 1, "node B grading");
        var bAddress = Address(b);
        await b.System.Terminate(); // the node is gone: unreachable, then downed by keep-majority (2 of 3 remain)

        var recs = await a.Client.WaitForRecommendationsAsync(ingested.StudyUids, TimeSpan.FromSeconds(120));
        Assert.Equal(uids, recs.Select(r => r.StudyUid).Order(StringComparer.Ordinal));
        foreach (var uid in uids) Assert.Equal(1, await CountEvents(a.System, uid, typeof(RecommendationIssued)));
        await Eventually(() => Task.FromResult(removed.TryGetValue(bAddress, out var s) ? s : (MemberStatus?)null), s => s is not null, "node B removed");
        Assert.Equal(MemberStatus.Down, removed[bAddress]);
        Assert.Equal(["slot-0", "slot-1"], (await Eventually(() => DispatcherSlots(a), d => d.Slots.Count == 2, "slot set after the crash")).Slots);
        try { await b.DisposeAsync(); } catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException) { }
    }

    private static async Task<int> CountEvents(ActorSystem system, string studyUid, Type eventType)
    {
        var journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var events = await journal.CurrentEventsByPersistenceId("study-" + studyUid, 0, long.MaxValue)
            .RunWith(Sink.Seq<EventEnvelope>(), system.Materializer());
        return events.Count(e => e.Event.GetType() == eventType);
    }

    private sealed class RemovalWatcher : ReceiveActor
    {
        public RemovalWatcher(ConcurrentDictionary<string, MemberStatus> removed)
        {
            Receive<ClusterEvent.MemberRemoved>(r => removed[r.Member.Address.ToString()] = r.PreviousStatus);
            Receive<object>(_ => { });
        }

        protected override void PreStart() => Cluster.Get(Context.System).Subscribe(Self, typeof(ClusterEvent.MemberRemoved));
    }
}
