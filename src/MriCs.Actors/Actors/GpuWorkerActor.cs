using Akka.Actor;
using MriCs.Actors.Grading;
using MriCs.Actors.Protocol;
using MriCs.Actors.Slots;
using MriCs.Actors.Telemetry;
using Microsoft.Extensions.Logging;

namespace MriCs.Actors.Actors;

/// <summary>
/// One GPU-worker slot (a sharded entity, id "slot-N"): owns the slot's grader (sessions created once,
/// when the entity starts), runs at most <c>maxInFlight</c> slices at a time (the batcher inside the
/// pipeline batches them) and refuses more with <see cref="WorkerBusy"/>. Each result goes to the
/// study's aggregator on behalf of the task's sender, who gets the aggregator's ack. The entity leases one
/// of its node's local slots (<see cref="SlotLeases"/>, the GPU index) for its lifetime and refuses work
/// while none is free, so two slot entities never share a GPU; it tells each new sender
/// <see cref="SlotHosted"/> so dispatchers can watch it.
/// </summary>
public sealed partial class GpuWorkerActor : ReceiveActor, IWithStash, IWithTimers
{
    private readonly string _slotId;
    private readonly ISliceGraderFactory _factory;
    private readonly IActorRef _aggregators;
    private readonly int _maxInFlight;
    private readonly SlotLeases? _leases;
    private readonly HashSet<IActorRef> _announced = [];
    private readonly ILogger _log = ActorLogging.For<GpuWorkerActor>(Context.System);
    private readonly CancellationTokenSource _stopping = new();
    private ISliceGrader? _grader;
    private string? _brokenReason;
    private int _inFlight, _maxObserved;
    private long _completed, _failed;

    public IStash Stash { get; set; } = null!;
    public ITimerScheduler Timers { get; set; } = null!;

    public GpuWorkerActor(string slotId, ISliceGraderFactory factory, IActorRef aggregators, int maxInFlight, SlotLeases? leases = null)
    {
        _slotId = slotId;
        _factory = factory;
        _aggregators = aggregators;
        _maxInFlight = maxInFlight;
        _leases = leases;
        Starting();
    }

    public static Props Props(string slotId, ISliceGraderFactory factory, IActorRef aggregators, int maxInFlight, SlotLeases? leases = null) =>
        Akka.Actor.Props.Create(() => new GpuWorkerActor(slotId, factory, aggregators, maxInFlight, leases));

    private sealed record GraderReady(ISliceGrader Grader);
    private sealed record GraderFailed(Exception Error);
    private sealed record Graded(SliceTask Task, SliceReport Outcome, IActorRef ReplyTo);

    protected override void PreStart() => Load();

    private void Load()
    {
        var local = 0;
        if (_leases is not null)
        {
            if (_leases.TryAcquire(_slotId) is not { } leased)
            {
                WorkerLog.SlotsTaken(_log, _slotId, _leases.Capacity);
                Become(WaitingForLease);
                Timers.StartSingleTimer("lease", Reload.Instance, TimeSpan.FromMilliseconds(500));
                return;
            }
            local = leased;
        }
        _factory.CreateAsync(_slotId, local, _stopping.Token).PipeTo(Self, success: g => new GraderReady(g), failure: ex => new GraderFailed(ex));
    }

    /// <summary>No local slot free (a shard still handing off here): refuse work, try again shortly.</summary>
    private void WaitingForLease()
    {
        Receive<RunSlice>(run => { Announce(); Sender.Tell(new WorkerBusy(_slotId, run.Task)); });
        Receive<GetSlotStats>(_ => Sender.Tell(Stats(Loading)));
        Receive<Reload>(_ =>
        {
            Become(Starting);
            Load();
        });
    }

    private void Announce()
    {
        if (_announced.Add(Sender)) Sender.Tell(new SlotHosted(_slotId));
    }

    private void Starting()
    {
        Receive<GraderReady>(r =>
        {
            _grader = r.Grader;
            _brokenReason = null;
            WorkerLog.SlotReady(_log, _slotId, r.Grader.ModelSet.Id, ModelSetVersion.Of(r.Grader.ModelSet), r.Grader.Provider);
            Become(Ready);
            Stash.UnstashAll();
        });
        Receive<GraderFailed>(f =>
        {
            var reason = (f.Error is AggregateException { InnerException: { } inner } ? inner : f.Error).Message;
            _brokenReason = reason;
            WorkerLog.SlotFailed(_log, _slotId, reason);
            Become(() => Broken(reason));
            Stash.UnstashAll();
            Timers.StartSingleTimer("reload", Reload.Instance, TimeSpan.FromSeconds(30));
        });
        Receive<GetSlotStats>(_ => Sender.Tell(Stats(Loading)));
        Receive<GetSlotDetails>(_ => Sender.Tell(Details(Loading)));
        ReceiveAny(_ => Stash.Stash());
    }

    /// <summary>Models could not be loaded: refuse work (nothing taken), report why, try again later.</summary>
    private void Broken(string reason)
    {
        Receive<RunSlice>(run => { Announce(); Sender.Tell(new WorkerBusy(_slotId, run.Task)); });
        Receive<GetSlotStats>(_ => Sender.Tell(Stats(FailedPrefix + reason)));
        Receive<Reload>(_ =>
        {
            Become(Starting);
            Load();
        });
        SlotManagement();
    }

    public const string FailedPrefix = "failed: ";
    public const string Loading = "loading";

    private sealed record Reload { public static Reload Instance { get; } = new(); }

    private void Ready()
    {
        Receive<RunSlice>(run =>
        {
            Announce();
            if (_inFlight >= _maxInFlight)
            if (_inFlight >= _maxInFlight || Draining)
            {
                Sender.Tell(new WorkerBusy(_slotId, run.Task));
                return;
            }
            _inFlight++;
            _maxObserved = Math.Max(_maxObserved, _inFlight);
            var replyTo = Sender;
            var task = run.Task;
            _grader!.GradeAsync(task, _stopping.Token).PipeTo(Self,
                success: o => new Graded(task, o, replyTo),
                failure: ex => new Graded(task, new SliceReport(task.Level, task.SopInstanceUid, SliceOutcomes.Failed, null, null, [], $"worker failed: {ex.Message}", _grader.ModelSet), replyTo));
        });
        Receive<Graded>(g =>
        {
            _inFlight--;
            if (g.Outcome.Outcome == SliceOutcomes.Failed) _failed++; else _completed++;
            _aggregators.Tell(new RecordSliceResult(g.Task.StudyUid, g.Outcome), g.ReplyTo);
            SliceDone(g.Task, g.Outcome);
        });
        Receive<GetSlotStats>(_ => Sender.Tell(Stats(_grader!.Provider)));
        SlotManagement();
    }

    private SlotStats Stats(string provider) =>
        new(_slotId, provider, _grader?.ModelSet.Id ?? "", _inFlight, _maxInFlight, _maxObserved, _completed, _failed);

    protected override void PostStop()
    {
        _stopping.Cancel();
        _leases?.Release(_slotId);
        if (_grader is { } g) _ = g.DisposeAsync().AsTask();
        if (_next is { } n) _ = n.DisposeAsync().AsTask();
    }
}
