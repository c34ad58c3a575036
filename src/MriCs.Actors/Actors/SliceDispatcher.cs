using Akka.Actor;
using Akka.Cluster;
using MriCs.Actors.Protocol;
using MriCs.Actors.Slots;
using MriCs.Actors.Telemetry;
using Microsoft.Extensions.Logging;

namespace MriCs.Actors.Actors;

/// <summary>Limits of the dispatcher. <paramref name="FollowCluster"/>: the slot set is slot-0..slot-(T-1), T = the slots of the
/// serving gpu-worker members (their "slots-N" roles), and follows membership; else <paramref name="Slots"/> is fixed.</summary>
public sealed record DispatcherSettings(IReadOnlyList<string> Slots, int QueueCapacity, int MaxInFlightPerSlot, TimeSpan TaskTimeout, bool FollowCluster = false)
{
    public static IReadOnlyList<string> SlotIds(int count) => GpuSlots.Ids(count);
}

/// <summary>
/// Backpressure between ingest and the GPU-worker slots. A bounded queue: a task offered when it is full
/// is refused with <see cref="DispatcherBusy"/> (nothing taken) and the sender is told
/// <see cref="DispatcherReady"/> when half of it is free. Credits: at most MaxInFlightPerSlot tasks per slot;
/// a credit returns when the aggregator acknowledges the persisted result. A task without an ack within
/// the timeout is sent again; so is, at once, every task of a slot whose entity stopped (hand-off, node
/// left: the dispatcher watches each slot it learnt of through <see cref="SlotHosted"/>) or whose node became
/// unreachable. Aggregators record each SOP instance once, so a re-sent task never counts twice.
/// </summary>
public sealed class SliceDispatcher : ReceiveActor, IWithTimers
{
    private readonly DispatcherSettings _settings;
    private readonly IActorRef _workers;
    private readonly LinkedList<SliceTask> _queue = new();
    private readonly LinkedList<SliceTask> _retries = new(); // bounded by the in-flight count: never counted against the queue
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Slot, SliceTask Task, DateTime Deadline)> _inFlight = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _perSlot = new(StringComparer.Ordinal); // every slot with tasks in flight or in the set
    private List<string> _slots;
    private readonly Dictionary<string, IActorRef> _hosts = new(StringComparer.Ordinal); // slot -> its entity (from SlotHosted)
    private readonly Dictionary<Address, SlotMember> _members = [];
    private readonly HashSet<Address> _unreachable = [];
    private readonly HashSet<IActorRef> _refused = [];
    private readonly ILogger _log = ActorLogging.For<SliceDispatcher>(Context.System);
    private readonly ActorMetrics.DispatcherGauge _gauge = ActorMetrics.TrackDispatcher();
    private int _maxQueued;
    private long _dispatched, _finished, _refusedCount, _resent;

    public ITimerScheduler Timers { get; set; } = null!;

    public SliceDispatcher(DispatcherSettings settings, IActorRef workers)
    {
        if (!settings.FollowCluster && settings.Slots.Count == 0) throw new ArgumentException("the dispatcher needs at least one slot");
        _settings = settings;
        _workers = workers;
        _slots = settings.FollowCluster ? [] : [.. settings.Slots];
        foreach (var s in _slots) _perSlot[s] = 0;

        Receive<SubmitSlice>(s => Submit(s.Task));
        Receive<SliceResultAck>(a => Finished(a.SopInstanceUid));
        Receive<WorkerBusy>(b =>
        {
            if (_inFlight.Remove(b.Task.SopInstanceUid, out var f)) _perSlot[f.Slot]--;
            _retries.AddFirst(b.Task);
            Timers.StartSingleTimer("busy-pump", Pump.Instance, TimeSpan.FromMilliseconds(50));
        });
        Receive<SlotHosted>(h =>
        {
            if (_hosts.TryGetValue(h.SlotId, out var old) && old.Equals(Sender)) return;
            _hosts[h.SlotId] = Sender;
            Context.Watch(Sender);
        });
        Receive<Terminated>(t =>
        {
            var slots = _hosts.Where(kv => kv.Value.Equals(t.ActorRef)).Select(kv => kv.Key).ToList();
            foreach (var s in slots) _hosts.Remove(s);
            Resend(slots, "stopped");
        });
        Receive<ClusterEvent.IMemberEvent>(e => MemberChanged(e.Member, e is ClusterEvent.MemberRemoved));
        Receive<ClusterEvent.UnreachableMember>(u =>
        {
            if (!_unreachable.Add(u.Member.Address)) return;
            Resend(_hosts.Where(kv => kv.Value.Path.Address.Equals(u.Member.Address)).Select(kv => kv.Key).ToList(), "unreachable");
        });
        Receive<ClusterEvent.ReachableMember>(r =>
        {
            _unreachable.Remove(r.Member.Address);
            Dispatch();
        });
        Receive<ClusterEvent.CurrentClusterState>(_ => { });
        Receive<Pump>(_ => Dispatch());
        Receive<CheckDeadlines>(_ => Expire());
        Receive<GetDispatcherStats>(_ => Sender.Tell(new DispatcherStats(_queue.Count + _retries.Count, _inFlight.Count, _maxQueued,
            _settings.MaxInFlightPerSlot, _dispatched, _finished, _refusedCount, _resent)));
        Receive<GetDispatcherSlots>(_ => Sender.Tell(new DispatcherSlots(_slots.ToList(), Available().ToList())));
    }

    public static Props Props(DispatcherSettings settings, IActorRef workers) => Akka.Actor.Props.Create(() => new SliceDispatcher(settings, workers));

    private sealed record Pump { public static Pump Instance { get; } = new(); }
    private sealed record CheckDeadlines { public static CheckDeadlines Instance { get; } = new(); }

    protected override void PreStart()
    {
        var every = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(100).Ticks, _settings.TaskTimeout.Ticks / 4));
        Timers.StartPeriodicTimer("deadlines", CheckDeadlines.Instance, every);
        if (_settings.FollowCluster)
            Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
                typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
    }

    protected override void PostStop()
    {
        if (_settings.FollowCluster) Cluster.Get(Context.System).Unsubscribe(Self);
        _gauge.Dispose();
    }

    private void MemberChanged(Member member, bool removed)
    {
        if (!member.HasRole(Hosting.ClusterRoles.GpuWorker)) return;
        if (removed)
        {
            _members.Remove(member.Address);
            _unreachable.Remove(member.Address);
            Resend(_hosts.Where(kv => kv.Value.Path.Address.Equals(member.Address)).Select(kv => kv.Key).ToList(), "removed");
        }
        else
            _members[member.Address] = new SlotMember(member.Address.ToString(), GpuSlots.FromRoles(member.Roles),
                member.Status is MemberStatus.Up or MemberStatus.WeaklyUp);
        var slots = GpuSlots.Ids(SlotPlacement.TotalSlots(_members.Values)).ToList();
        if (slots.SequenceEqual(_slots)) return;
        WorkerLog.SlotSetChanged(_log, slots.Count, _members.Values.Count(m => m.Serving));
        _slots = slots;
        foreach (var s in _slots) _perSlot.TryAdd(s, 0);
        Dispatch();
    }

    /// <summary>Slots that take work now: in the set, and not hosted on an unreachable node.</summary>
    private IEnumerable<string> Available() =>
        _slots.Where(s => !(_hosts.TryGetValue(s, out var h) && _unreachable.Contains(h.Path.Address)));

    /// <summary>Every task in flight on these slots goes back to the front of the line now.</summary>
    private void Resend(IReadOnlyCollection<string> slots, string why)
    {
        if (slots.Count == 0) return;
        var lost = _inFlight.Where(kv => slots.Contains(kv.Value.Slot)).ToList();
        foreach (var (sop, f) in lost)
        {
            _inFlight.Remove(sop);
            _perSlot[f.Slot]--;
            _retries.AddLast(f.Task);
            _resent++;
        }
        if (lost.Count > 0) WorkerLog.SlotTasksResent(_log, lost.Count, string.Join(",", slots), why);
        Dispatch();
    }

    protected override bool AroundReceive(Receive receive, object message)
    {
        var handled = base.AroundReceive(receive, message);
        _gauge.Set(_queue.Count + _retries.Count, _inFlight.Count);
        return handled;
    }


    private void Submit(SliceTask task)
    {
        if (_known.Contains(task.SopInstanceUid))
        {
            Sender.Tell(new SliceAccepted(task.SopInstanceUid)); // already queued or running: the ack covers both offers
            return;
        }
        if (_queue.Count >= _settings.QueueCapacity)
        {
            _refusedCount++;
            _refused.Add(Sender);
            Sender.Tell(new DispatcherBusy(task.SopInstanceUid, _settings.QueueCapacity));
            return;
        }
        _queue.AddLast(task);
        _known.Add(task.SopInstanceUid);
        _maxQueued = Math.Max(_maxQueued, _queue.Count);
        Sender.Tell(new SliceAccepted(task.SopInstanceUid));
        Dispatch();
    }

    private void Dispatch()
    {
        var available = Available().ToList();
        while (_retries.Count + _queue.Count > 0)
        {
            var slot = available.Where(s => _perSlot[s] < _settings.MaxInFlightPerSlot).OrderBy(s => _perSlot[s]).ThenBy(s => s, StringComparer.Ordinal)
                .FirstOrDefault();
            if (slot is null) break;
            var from = _retries.Count > 0 ? _retries : _queue;
            var task = from.First!.Value;
            from.RemoveFirst();
            _perSlot[slot]++;
            _inFlight[task.SopInstanceUid] = (slot, task, DateTime.UtcNow + _settings.TaskTimeout);
            _dispatched++;
            _workers.Tell(new RunSlice(slot, task));
        }
        if (_refused.Count > 0 && _queue.Count <= _settings.QueueCapacity / 2)
        {
            foreach (var r in _refused) r.Tell(DispatcherReady.Instance);
            _refused.Clear();
        }
    }

    private void Finished(string sop)
    {
        if (!_inFlight.Remove(sop, out var f)) return; // a late ack of a resent task
        _perSlot[f.Slot]--;
        _known.Remove(sop);
        _finished++;
        Dispatch();
    }

    private void Expire()
    {
        var now = DateTime.UtcNow;
        var expired = _inFlight.Where(kv => kv.Value.Deadline < now).ToList();
        if (expired.Count > 0) WorkerLog.TasksResent(_log, expired.Count, _settings.TaskTimeout);
        foreach (var (sop, f) in expired)
        {
            _inFlight.Remove(sop);
            _perSlot[f.Slot]--;
            _retries.AddLast(f.Task);
            _resent++;
            ActorMetrics.SlicesResent.Add(1);
        }
        Dispatch();
    }
}
