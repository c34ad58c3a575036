using Akka.Actor;
using MriCs.Actors.Protocol;
using MriCs.Actors.Telemetry;
using Microsoft.Extensions.Logging;

namespace MriCs.Actors.Actors;

/// <summary>Limits of the dispatcher.</summary>
public sealed record DispatcherSettings(IReadOnlyList<string> Slots, int QueueCapacity, int MaxInFlightPerSlot, TimeSpan TaskTimeout)
{
    public static IReadOnlyList<string> SlotIds(int count) => Enumerable.Range(0, count).Select(i => $"slot-{i}").ToList();
}

/// <summary>
/// Backpressure between ingest and the GPU-worker slots. A bounded queue: a task offered when it is full
/// is refused with <see cref="DispatcherBusy"/> (nothing taken) and the sender is told
/// <see cref="DispatcherReady"/> when half of it is free. Credits: at most MaxInFlightPerSlot tasks per slot;
/// a credit returns when the aggregator acknowledges the persisted result. A task without an ack within
/// the timeout (worker died, shard moved) is sent again: aggregators record each SOP instance once.
/// </summary>
public sealed class SliceDispatcher : ReceiveActor, IWithTimers
{
    private readonly DispatcherSettings _settings;
    private readonly IActorRef _workers;
    private readonly LinkedList<SliceTask> _queue = new();
    private readonly LinkedList<SliceTask> _retries = new(); // bounded by the in-flight count: never counted against the queue
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Slot, SliceTask Task, DateTime Deadline)> _inFlight = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _perSlot;
    private readonly HashSet<IActorRef> _refused = [];
    private readonly ILogger _log = ActorLogging.For<SliceDispatcher>(Context.System);
    private readonly ActorMetrics.DispatcherGauge _gauge = ActorMetrics.TrackDispatcher();
    private int _maxQueued;
    private long _dispatched, _finished, _refusedCount, _resent;

    public ITimerScheduler Timers { get; set; } = null!;

    public SliceDispatcher(DispatcherSettings settings, IActorRef workers)
    {
        if (settings.Slots.Count == 0) throw new ArgumentException("the dispatcher needs at least one slot");
        _settings = settings;
        _workers = workers;
        _perSlot = settings.Slots.ToDictionary(s => s, _ => 0, StringComparer.Ordinal);

        Receive<SubmitSlice>(s => Submit(s.Task));
        Receive<SliceResultAck>(a => Finished(a.SopInstanceUid));
        Receive<WorkerBusy>(b =>
        {
            if (_inFlight.Remove(b.Task.SopInstanceUid, out var f)) _perSlot[f.Slot]--;
            _retries.AddFirst(b.Task);
            Timers.StartSingleTimer("busy-pump", Pump.Instance, TimeSpan.FromMilliseconds(50));
        });
        Receive<Pump>(_ => Dispatch());
        Receive<CheckDeadlines>(_ => Expire());
        Receive<GetDispatcherStats>(_ => Sender.Tell(new DispatcherStats(_queue.Count + _retries.Count, _inFlight.Count, _maxQueued,
            _settings.MaxInFlightPerSlot, _dispatched, _finished, _refusedCount, _resent)));
    }

    public static Props Props(DispatcherSettings settings, IActorRef workers) => Akka.Actor.Props.Create(() => new SliceDispatcher(settings, workers));

    private sealed record Pump { public static Pump Instance { get; } = new(); }
    private sealed record CheckDeadlines { public static CheckDeadlines Instance { get; } = new(); }

    protected override void PreStart()
    {
        var every = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(100).Ticks, _settings.TaskTimeout.Ticks / 4));
        Timers.StartPeriodicTimer("deadlines", CheckDeadlines.Instance, every);
    }

    protected override bool AroundReceive(Receive receive, object message)
    {
        var handled = base.AroundReceive(receive, message);
        _gauge.Set(_queue.Count + _retries.Count, _inFlight.Count);
        return handled;
    }

    protected override void PostStop() => _gauge.Dispose();

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
        while (_retries.Count + _queue.Count > 0)
        {
            var slot = _perSlot.Where(kv => kv.Value < _settings.MaxInFlightPerSlot).OrderBy(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => kv.Key).FirstOrDefault();
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
